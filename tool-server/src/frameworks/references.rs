//! References to competences as written in the LTI custom parameter
//! `competences`, e.g. `carerplus:10.2,pat:5.1`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompetenceRef {
    pub framework: String,
    pub code: String,
}

impl fmt::Display for CompetenceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.framework, self.code)
    }
}

impl CompetenceRef {
    pub fn parse(text: &str) -> Option<CompetenceRef> {
        let (framework, code) = text.trim().split_once(':')?;
        let (framework, code) = (framework.trim(), code.trim());
        let valid_key = !framework.is_empty()
            && framework
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_key || code.is_empty() || code.contains(char::is_whitespace) {
            return None;
        }
        Some(CompetenceRef {
            framework: framework.to_ascii_lowercase(),
            code: code.to_owned(),
        })
    }

    /// Splits a comma- or space-separated list, each reference once, at
    /// most [`MAX_REFERENCES`] of them; entries that do not parse come back
    /// as they were written (at most [`MAX_REPORTED`]), to be reported,
    /// with a last line saying how many were left out.
    pub fn parse_list(text: &str) -> (Vec<CompetenceRef>, Vec<String>) {
        let mut refs = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut malformed = Vec::new();
        let mut left_out = 0usize;
        for entry in text.split([',', ';', ' ']).filter(|e| !e.trim().is_empty()) {
            match CompetenceRef::parse(entry) {
                Some(reference) if seen.contains(&reference) => {}
                Some(_) if refs.len() == MAX_REFERENCES => left_out += 1,
                Some(reference) => {
                    seen.insert(reference.clone());
                    refs.push(reference);
                }
                None if malformed.len() == MAX_REPORTED => left_out += 1,
                None => malformed.push(entry.trim().chars().take(80).collect()),
            }
        }
        if left_out > 0 {
            malformed.push(format!(
                "({left_out} more left out: an activity names at most {MAX_REFERENCES} competences)"
            ));
        }
        (refs, malformed)
    }
}

/// The most competences one activity can name.
pub const MAX_REFERENCES: usize = 100;
/// The most unreadable entries reported back.
const MAX_REPORTED: usize = 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_parses_in_order_and_reports_what_does_not() {
        let (refs, malformed) =
            CompetenceRef::parse_list("carerplus:10.2, PAT:5.1,,nonsense, pat:5.1");
        assert_eq!(
            refs.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["carerplus:10.2", "pat:5.1"]
        );
        assert_eq!(malformed, ["nonsense"]);
    }

    #[test]
    fn a_huge_list_is_bounded_and_deduplicated_in_linear_time() {
        let many: Vec<String> = (0..5000)
            .map(|n| format!("pat:{}.{}", n % 300, n))
            .collect();
        let text = format!("{},{}", many.join(","), many.join(","));
        let started = std::time::Instant::now();
        let (refs, malformed) = CompetenceRef::parse_list(&text);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(refs.len(), MAX_REFERENCES);
        assert_eq!(malformed.len(), 1);
        assert!(
            malformed[0].starts_with("(9800 more left out"),
            "{malformed:?}"
        );
        let junk = vec!["x"; 500].join(",");
        let (_, malformed) = CompetenceRef::parse_list(&junk);
        assert_eq!(malformed.len(), MAX_REPORTED + 1);
    }
}
