//! xAPI: the statements Carefolio records, their storage (the beginnings of
//! the LRS) and the credentials of clients allowed to read them.

pub mod clients;
pub mod error;
pub mod statements;
pub mod store;

pub use error::XapiError;

/// Versions of the xAPI a client may ask for in `X-Experience-API-Version`.
pub fn negotiate_version(header: Option<&str>) -> Result<&'static str, XapiError> {
    match header.map(str::trim) {
        None | Some("") => Err(XapiError::MissingVersion),
        Some(v) if v == "2.0.0" || v.starts_with("2.0") => Ok("2.0.0"),
        Some(v) if v.starts_with("1.0") => Ok("1.0.3"),
        Some(other) => Err(XapiError::UnsupportedVersion(other.to_owned())),
    }
}

pub const VERB_LAUNCHED: &str = "http://adlnet.gov/expapi/verbs/launched";
