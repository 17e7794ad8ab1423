//! Writes `lti-config/generated/*` from the code.

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("generated");
    std::fs::create_dir_all(&dir)?;
    for (name, contents) in lti_config::generated_files() {
        std::fs::write(dir.join(name), contents)?;
        println!("wrote lti-config/generated/{name}");
    }
    Ok(())
}
