//! A deployment id: one installation of the tool in a platform (LTI 1.3
//! Core §3.1.3: a case-sensitive string of at most 255 ASCII characters).

use serde::{Deserialize, Serialize};

/// The longest deployment id the spec allows.
const LONGEST: usize = 255;

/// A deployment id, checked once where it arrives (a launch claim, a login
/// initiation, an operator's registration, a platform's registration answer).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeploymentId(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeploymentIdError {
    #[error("the deployment id is empty")]
    Empty,
    #[error("the deployment id is longer than {LONGEST} characters")]
    TooLong,
    #[error("the deployment id has characters other than printable ASCII")]
    NotAscii,
}

impl DeploymentId {
    pub fn parse(value: &str) -> Result<DeploymentId, DeploymentIdError> {
        if value.trim().is_empty() {
            return Err(DeploymentIdError::Empty);
        }
        if value.len() > LONGEST {
            return Err(DeploymentIdError::TooLong);
        }
        if !value.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return Err(DeploymentIdError::NotAscii);
        }
        Ok(DeploymentId(value.to_owned()))
    }

    /// A deployment id read back from the database, where only parsed ones
    /// are written.
    pub(crate) fn stored(value: String) -> DeploymentId {
        DeploymentId(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for DeploymentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_ids_are_bounded_printable_ascii() {
        assert_eq!(
            DeploymentId::parse("1:0123456789abcdef").map(|d| d.to_string()),
            Ok("1:0123456789abcdef".to_owned())
        );
        assert_eq!(DeploymentId::parse("  "), Err(DeploymentIdError::Empty));
        assert_eq!(
            DeploymentId::parse(&"x".repeat(256)),
            Err(DeploymentIdError::TooLong)
        );
        assert!(DeploymentId::parse(&"x".repeat(255)).is_ok());
        assert_eq!(DeploymentId::parse("dé"), Err(DeploymentIdError::NotAscii));
        assert_eq!(
            DeploymentId::parse("a\nb"),
            Err(DeploymentIdError::NotAscii)
        );
    }
}
