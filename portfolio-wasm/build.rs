//! Embeds every message file in `locales/` into the widget: adding a
//! language is adding `locales/<language>.ftl`.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("portfolio-wasm/locales")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "ftl"))
        .collect();
    files.sort();
    let mut out = String::from("pub const LOCALES: &[(&str, &str)] = &[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let language = file
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a language tag as file name");
        writeln!(
            out,
            "    ({language:?}, include_str!({:?})),",
            file.display().to_string()
        )
        .expect("write to a string");
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("locales.rs");
    std::fs::write(target, out).expect("write locales.rs");
}
