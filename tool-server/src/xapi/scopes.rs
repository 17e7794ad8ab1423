//! What a client credential may do: the scopes of the xAPI specification
//! (Communication 4.2, OAuth scope list), on top of whose statements it
//! reaches (the tool's or one platform's).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

const STATEMENTS_WRITE: u8 = 1;
const STATEMENTS_READ_MINE: u8 = 1 << 1;
const STATEMENTS_READ: u8 = 1 << 2;
const STATE: u8 = 1 << 3;
const DEFINE: u8 = 1 << 4;
const PROFILE: u8 = 1 << 5;
const ALL_READ: u8 = 1 << 6;
const ALL: u8 = 1 << 7;

const NAMES: &[(&str, u8)] = &[
    ("statements/write", STATEMENTS_WRITE),
    ("statements/read/mine", STATEMENTS_READ_MINE),
    ("statements/read", STATEMENTS_READ),
    ("state", STATE),
    ("define", DEFINE),
    ("profile", PROFILE),
    ("all/read", ALL_READ),
    ("all", ALL),
];

/// The scope a credential gets when none is named: write statements and
/// read back its own (the specification's default for OAuth clients).
pub const DEFAULT: &str = "statements/write,statements/read/mine";

impl Scopes {
    /// Parses a comma- or space-separated list of scope names.
    pub fn parse(text: &str) -> Result<Scopes, String> {
        let mut bits = 0;
        for name in text
            .split([',', ' '])
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            match NAMES.iter().find(|(known, _)| *known == name) {
                Some((_, bit)) => bits |= bit,
                None => {
                    return Err(format!(
                        "unknown xAPI scope {name:?}; the scopes are {}",
                        NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                    ))
                }
            }
        }
        if bits == 0 {
            return Err("at least one scope is needed".into());
        }
        Ok(Scopes(bits))
    }

    /// What a learner's credential may do: write statements about the
    /// learner, read the learner's statements, keep the learner's state.
    pub fn learner() -> Scopes {
        Scopes(STATEMENTS_WRITE | STATEMENTS_READ_MINE | STATE)
    }

    fn has(self, bits: u8) -> bool {
        self.0 & bits != 0
    }

    pub fn write_statements(self) -> bool {
        self.has(STATEMENTS_WRITE | ALL)
    }

    /// Reads every statement within the credential's reach.
    pub fn read_all_statements(self) -> bool {
        self.has(STATEMENTS_READ | ALL_READ | ALL)
    }

    /// Reads at least the statements it sent itself.
    pub fn read_own_statements(self) -> bool {
        self.read_all_statements() || self.has(STATEMENTS_READ_MINE)
    }

    pub fn read_state(self) -> bool {
        self.has(STATE | ALL_READ | ALL)
    }

    pub fn write_state(self) -> bool {
        self.has(STATE | ALL)
    }

    pub fn read_profiles(self) -> bool {
        self.has(PROFILE | ALL_READ | ALL)
    }

    pub fn write_profiles(self) -> bool {
        self.has(PROFILE | ALL)
    }

    /// The Activities and Agents resources: what statements say about them.
    pub fn read_definitions(self) -> bool {
        self.has(DEFINE | PROFILE | STATEMENTS_READ | ALL_READ | ALL)
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = NAMES
            .iter()
            .filter(|(_, bit)| self.0 & bit != 0)
            .map(|(name, _)| *name)
            .collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_grant() {
        let scopes = Scopes::parse(DEFAULT).expect("valid");
        assert!(scopes.write_statements() && scopes.read_own_statements());
        assert!(!scopes.read_all_statements() && !scopes.read_state());
        let reader = Scopes::parse("all/read").expect("valid");
        assert!(
            reader.read_all_statements() && !reader.write_statements() && !reader.write_state()
        );
        assert_eq!(
            Scopes::parse("state, profile").expect("valid").to_string(),
            "state,profile"
        );
        assert!(Scopes::parse("statements/delete").is_err());
        assert!(Scopes::parse("").is_err());
    }
}
