//! LTI 1.3 messages (tool side): OIDC login initiation, id_token
//! validation, the launch and deep linking claims. Registrations, keys and
//! service calls are in `platforms`.

pub mod claims;
pub mod deep_linking;
pub mod error;
pub mod launch;
pub mod login;
pub mod roles;

pub use error::LtiError;

/// Name of the cookie that ties a login initiation to the browser that
/// made it. Deliberately not `MoodleSession` or any other LMS's cookie:
/// a tool on the same host as Moodle shares its cookie jar.
pub fn state_cookie_name(state: &str) -> String {
    format!("carefolio_lti_state_{state}")
}

/// Seconds of clock skew accepted on `exp` and `iat`. Moodle's id_tokens
/// live only 60 seconds.
pub const CLOCK_LEEWAY_SECS: u64 = 5;

/// How long a login initiation may take to come back as a launch.
pub const LOGIN_TTL_MS: i64 = 10 * 60 * 1000;
