//! Carefolio's statement validator on the shared corpus of statements
//! (tests/fixtures/xapi/statements.json): how many verdicts agree with the
//! specification, and how many statements a second it parses and checks.
//! The figures compare validators (docs/xapi.md).
//!
//! cargo build --release -p carefolio-tests --bin bench-validate
//! target/release/bench-validate

use std::time::Instant;

use carefolio::xapi::validate::{self, Path};
use carefolio::xapi::Version;
use serde_json::Value;

const CORPUS: &str = include_str!("../../fixtures/xapi/statements.json");
const ROUNDS: usize = 100_000;

fn verdict(text: &str, version: Version) -> bool {
    let Ok(mut value) = serde_json::from_str::<Value>(text) else {
        return false;
    };
    validate::statement(&mut value, version, &Path::root("statement")).is_ok()
}

fn main() -> anyhow::Result<()> {
    let corpus: Value = serde_json::from_str(CORPUS)?;
    let cases = corpus["cases"]
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("the corpus has no cases"))?;
    let (mut agree, mut verdicts) = (0, 0);
    for case in cases {
        let text = case["statement"].to_string();
        for (version, name) in [(Version::V1, "1.0.3"), (Version::V2, "2.0.0")] {
            if case["version"] != "both" && case["version"] != name {
                continue;
            }
            verdicts += 1;
            if verdict(&text, version) == (case["valid"] == true) {
                agree += 1;
            } else {
                println!("disagrees ({name}): {}", case["name"]);
            }
        }
    }
    println!(
        "Carefolio: {agree} of {verdicts} verdicts ({} cases) as the specification says",
        cases.len()
    );
    let answer = cases
        .iter()
        .find(|c| {
            c["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("an H5P answer"))
        })
        .ok_or_else(|| anyhow::anyhow!("the corpus has no H5P answer"))?["statement"]
        .to_string();
    let started = Instant::now();
    for _ in 0..ROUNDS {
        anyhow::ensure!(verdict(&answer, Version::V2), "the H5P answer is refused");
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "parse and validate the H5P answer: {:.0} statements/s ({:.2} µs each)",
        ROUNDS as f64 / seconds,
        seconds * 1e6 / ROUNDS as f64
    );
    Ok(())
}
