//! xAPI: the learning record store. Statements Carefolio records itself and
//! statements clients send, their validation and storage, the document
//! resources, and the credentials of clients.

pub mod agents;
pub mod attachments;
pub mod clients;
pub mod documents;
pub mod error;
pub mod forward;
pub mod learners;
pub mod people;
pub mod query;
pub mod scopes;
pub mod statements;
pub mod store;
pub mod validate;
pub mod writer;

pub use error::XapiError;

/// The xAPI version a request speaks, from `X-Experience-API-Version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// xAPI 1.0.x, answered as 1.0.3.
    V1,
    /// xAPI 2.0 (IEEE 9274.1.1), answered as 2.0.0.
    V2,
}

impl Version {
    pub fn header_value(self) -> &'static str {
        match self {
            Version::V1 => "1.0.3",
            Version::V2 => "2.0.0",
        }
    }

    /// What the LRS writes in `version` when a statement has none.
    pub fn statement_default(self) -> &'static str {
        match self {
            Version::V1 => "1.0.0",
            Version::V2 => "2.0.0",
        }
    }
}

/// Versions of the xAPI a client may ask for in `X-Experience-API-Version`.
pub fn negotiate_version(header: Option<&str>) -> Result<Version, XapiError> {
    let value = match header.map(str::trim) {
        None | Some("") => return Err(XapiError::MissingVersion),
        Some(v) => v,
    };
    let patch_ok = |rest: &str| {
        rest.is_empty()
            || rest
                .strip_prefix('.')
                .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    };
    if let Some(rest) = value.strip_prefix("2.0") {
        if patch_ok(rest) {
            return Ok(Version::V2);
        }
    }
    if let Some(rest) = value.strip_prefix("1.0") {
        if patch_ok(rest) {
            return Ok(Version::V1);
        }
    }
    Err(XapiError::UnsupportedVersion(value.to_owned()))
}

pub const VERB_LAUNCHED: &str = "http://adlnet.gov/expapi/verbs/launched";
pub const VERB_VOIDED: &str = "http://adlnet.gov/expapi/verbs/voided";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            negotiate_version(Some("1.0.3")).expect("valid"),
            Version::V1
        );
        assert_eq!(negotiate_version(Some("1.0")).expect("valid"), Version::V1);
        assert_eq!(
            negotiate_version(Some("2.0.0")).expect("valid"),
            Version::V2
        );
        assert!(negotiate_version(Some("0.95")).is_err());
        assert!(negotiate_version(Some("1.1.0")).is_err());
        assert!(negotiate_version(Some("2.0.x")).is_err());
        assert!(negotiate_version(None).is_err());
    }
}
