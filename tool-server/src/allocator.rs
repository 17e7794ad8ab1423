//! How soon the allocator gives freed memory back to the system.
//!
//! mimalloc keeps freed pages for a second before returning them. Under
//! statement ingest that held about 8 MB more at the peak than returning
//! them after 100 ms, at no measured cost in rate; returning them at once
//! took 15 MB off but a fifth of the rate (docs/performance.md).
//! `MIMALLOC_PURGE_DELAY` in the environment still decides when set.

#![allow(unsafe_code)]

use std::os::raw::c_long;

/// `mi_option_purge_delay` in the mimalloc (v3) the build links.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// mimalloc v3's own default for it, in milliseconds.
const MIMALLOC_DEFAULT_MS: c_long = 1_000;
const PURGE_DELAY_MS: c_long = 100;

/// Shortens the purge delay, unless the environment set one (or the
/// option is not the one this build expects: then nothing changes).
pub fn configure() {
    // SAFETY: reading and setting a mimalloc option is allowed at any
    // time, from any thread; an option's value is a plain integer.
    unsafe {
        if libmimalloc_sys::mi_option_get(PURGE_DELAY) == MIMALLOC_DEFAULT_MS
            && std::env::var_os("MIMALLOC_PURGE_DELAY").is_none()
        {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_is_the_option_this_build_expects() {
        configure();
        // SAFETY: as above.
        let delay = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        assert!(
            delay == PURGE_DELAY_MS || std::env::var_os("MIMALLOC_PURGE_DELAY").is_some(),
            "option {PURGE_DELAY} is {delay}: not mimalloc's purge delay"
        );
    }
}
