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

    /// Splits a comma- or space-separated list; entries that do not parse
    /// come back as they were written, to be reported.
    pub fn parse_list(text: &str) -> (Vec<CompetenceRef>, Vec<String>) {
        let mut refs = Vec::new();
        let mut malformed = Vec::new();
        for entry in text.split([',', ';', ' ']).filter(|e| !e.trim().is_empty()) {
            match CompetenceRef::parse(entry) {
                Some(reference) if !refs.contains(&reference) => refs.push(reference),
                Some(_) => {}
                None => malformed.push(entry.trim().to_owned()),
            }
        }
        (refs, malformed)
    }
}

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
}
