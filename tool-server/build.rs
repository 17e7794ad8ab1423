//! Embeds the portfolio widget (the wasm-bindgen output in
//! `portfolio-wasm/pkg`) in the binary when it has been built, so that the
//! server finds it wherever it starts. Build the widget first
//! (`scripts/build-widget.sh`); without it the server still builds, and
//! says at start that the widget is missing.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let pkg = Path::new(&manifest).join("../portfolio-wasm/pkg");
    let files = ["portfolio_wasm.js", "portfolio_wasm_bg.wasm"];
    let watched = if pkg.exists() {
        pkg.clone()
    } else {
        pkg.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    println!("cargo:rerun-if-changed={}", watched.display());
    for file in files {
        println!("cargo:rerun-if-changed={}", pkg.join(file).display());
    }
    let embedded = files.iter().all(|file| pkg.join(file).exists());
    let code = if embedded {
        format!(
            "pub const JS: Option<&[u8]> = Some(include_bytes!({:?}));\npub const WASM: Option<&[u8]> = Some(include_bytes!({:?}));\n",
            pkg.join(files[0]).display().to_string(),
            pkg.join(files[1]).display().to_string()
        )
    } else {
        "pub const JS: Option<&[u8]> = None;\npub const WASM: Option<&[u8]> = None;\n".to_owned()
    };
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("embedded_widget.rs");
    if std::fs::read_to_string(&out).ok().as_deref() != Some(code.as_str()) {
        let _ = std::fs::write(out, code);
    }
}
