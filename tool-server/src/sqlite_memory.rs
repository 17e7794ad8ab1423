//! SQLite's memory, taken from the allocator the rest of the process uses.
//!
//! Left alone, the bundled SQLite allocates with the C library's malloc
//! and counts every allocation under a global mutex (memory statistics,
//! which Carefolio never reads). Under statement ingest its writer thread
//! spent about a tenth of its time in glibc's malloc and free, and more in
//! that mutex; mimalloc with the statistics off costs less per page and
//! per row (docs/performance.md).
//!
//! This is the one module that may use `unsafe`: SQLite is configured
//! through its C interface, before the first connection is opened.

#![allow(unsafe_code)]

use std::os::raw::{c_int, c_void};
use std::sync::Once;

use libsqlite3_sys as ffi;

unsafe extern "C" fn malloc(size: c_int) -> *mut c_void {
    libmimalloc_sys::mi_malloc(size.max(0) as usize)
}

unsafe extern "C" fn free(pointer: *mut c_void) {
    libmimalloc_sys::mi_free(pointer)
}

unsafe extern "C" fn realloc(pointer: *mut c_void, size: c_int) -> *mut c_void {
    libmimalloc_sys::mi_realloc(pointer, size.max(0) as usize)
}

unsafe extern "C" fn size(pointer: *mut c_void) -> c_int {
    libmimalloc_sys::mi_usable_size(pointer).min(c_int::MAX as usize) as c_int
}

unsafe extern "C" fn roundup(size: c_int) -> c_int {
    // mimalloc rounds to 8 bytes at least; SQLite asks so that it can
    // use what a block really holds.
    (size + 7) & !7
}

unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn shutdown(_: *mut c_void) {}

fn methods() -> ffi::sqlite3_mem_methods {
    ffi::sqlite3_mem_methods {
        xMalloc: Some(malloc),
        xFree: Some(free),
        xRealloc: Some(realloc),
        xSize: Some(size),
        xRoundup: Some(roundup),
        xInit: Some(init),
        xShutdown: Some(shutdown),
        pAppData: std::ptr::null_mut(),
    }
}

/// Configures SQLite once, before any connection: mimalloc, no memory
/// statistics. SQLite refuses configuration after it has started (a test
/// process may have opened a database first); it then keeps its defaults,
/// which only cost speed.
pub fn configure() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let methods = methods();
        // SAFETY: sqlite3_config is called before sqlite3_initialize (or
        // answers SQLITE_MISUSE and changes nothing); SQLite copies the
        // methods, and they follow its contract (8-byte aligned blocks; a
        // null pointer freed is ignored by mimalloc).
        let (allocator, statistics) = unsafe {
            (
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &methods as *const _),
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int),
            )
        };
        if allocator != ffi::SQLITE_OK || statistics != ffi::SQLITE_OK {
            tracing::debug!(
                allocator,
                statistics,
                "SQLite had started already; it keeps its own allocator"
            );
        }
    });
}
