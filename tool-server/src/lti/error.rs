//! Every way an LTI request can be refused, each with a stable code.

use actix_web::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum LtiError {
    #[error("the request lacks the parameter `{0}`")]
    MissingParameter(&'static str),
    #[error("no platform is registered with issuer {0}")]
    UnknownIssuer(String),
    #[error("the platform {0} has several registrations; the request must name its client_id")]
    AmbiguousClient(String),
    #[error("the id_token is not a JWT")]
    NotAJwt,
    #[error("the id_token is signed with {0}; only RS256 is accepted")]
    UnsupportedAlgorithm(String),
    #[error("the id_token header has no key id (kid)")]
    MissingKid,
    #[error("the platform has no key with the id_token's key id")]
    UnknownKid,
    #[error("the id_token's signature does not verify")]
    InvalidSignature,
    #[error("the id_token has expired")]
    Expired,
    #[error("the id_token was issued in the future (iat)")]
    IssuedInFuture,
    #[error("the id_token is not addressed to this tool (aud/azp)")]
    InvalidAudience,
    #[error("the id_token lacks required claims: {}", .0.join(", "))]
    MissingClaims(Vec<&'static str>),
    #[error("the claim `{claim}` is invalid: {reason}")]
    InvalidClaim { claim: &'static str, reason: String },
    #[error("the LTI version {0:?} is not supported; expected 1.3.0")]
    WrongVersion(String),
    #[error("the message type {0:?} is not supported here")]
    UnsupportedMessageType(String),
    #[error("the deployment {0:?} is not registered for this platform")]
    UnknownDeployment(String),
    #[error("the launch has no state")]
    MissingState,
    #[error("the state does not match a login started in this browser")]
    StateMismatch,
    #[error("the login came from another site to Carefolio over plain http, where browsers do not send Carefolio's cookie back with the platform's launch")]
    InsecureCrossSite,
    #[error("the nonce was not issued by this tool")]
    UnknownNonce,
    #[error("the nonce has already been used: the launch was replayed")]
    NonceReplayed,
    #[error("the login took too long; launch the activity again")]
    LoginExpired,
    #[error("the platform's keys could not be fetched: {0}")]
    PlatformKeysUnavailable(String),
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
}

impl LtiError {
    /// The stable, machine-readable code shown on the error page and in logs.
    pub fn code(&self) -> &'static str {
        match self {
            LtiError::MissingParameter(_) => "missing_parameter",
            LtiError::UnknownIssuer(_) => "unknown_issuer",
            LtiError::AmbiguousClient(_) => "ambiguous_client",
            LtiError::NotAJwt => "not_a_jwt",
            LtiError::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            LtiError::MissingKid => "missing_kid",
            LtiError::UnknownKid => "unknown_kid",
            LtiError::InvalidSignature => "invalid_signature",
            LtiError::Expired => "token_expired",
            LtiError::IssuedInFuture => "token_issued_in_future",
            LtiError::InvalidAudience => "invalid_audience",
            LtiError::MissingClaims(_) => "missing_claims",
            LtiError::InvalidClaim { .. } => "invalid_claim",
            LtiError::WrongVersion(_) => "wrong_lti_version",
            LtiError::UnsupportedMessageType(_) => "unsupported_message_type",
            LtiError::UnknownDeployment(_) => "unknown_deployment",
            LtiError::MissingState => "missing_state",
            LtiError::StateMismatch => "state_mismatch",
            LtiError::InsecureCrossSite => "insecure_cross_site",
            LtiError::UnknownNonce => "unknown_nonce",
            LtiError::NonceReplayed => "nonce_replayed",
            LtiError::LoginExpired => "login_expired",
            LtiError::PlatformKeysUnavailable(_) => "platform_keys_unavailable",
            LtiError::Database(_) => "internal_error",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            LtiError::MissingParameter(_)
            | LtiError::NotAJwt
            | LtiError::MissingClaims(_)
            | LtiError::InvalidClaim { .. }
            | LtiError::WrongVersion(_)
            | LtiError::UnsupportedMessageType(_)
            | LtiError::InsecureCrossSite
            | LtiError::AmbiguousClient(_) => StatusCode::BAD_REQUEST,
            LtiError::UnknownIssuer(_) | LtiError::UnknownDeployment(_) => StatusCode::FORBIDDEN,
            LtiError::PlatformKeysUnavailable(_) => StatusCode::BAD_GATEWAY,
            LtiError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// What happened, in a sentence a learner or teacher understands.
    pub fn lead(&self) -> &'static str {
        match self {
            LtiError::Expired | LtiError::IssuedInFuture | LtiError::LoginExpired => {
                "Opening Carefolio from your course took too long, or the two servers' clocks disagree."
            }
            LtiError::NonceReplayed => "This page was already used once to open the activity.",
            LtiError::StateMismatch | LtiError::MissingState => {
                "Your browser did not bring back the sign-in Carefolio started for you."
            }
            LtiError::InsecureCrossSite => {
                "Carefolio cannot open from this course page: it is on another site than the LMS and is not served over https."
            }
            _ => match self.status() {
                StatusCode::FORBIDDEN => "This LMS is not registered with Carefolio yet.",
                StatusCode::BAD_GATEWAY | StatusCode::INTERNAL_SERVER_ERROR => {
                    "Carefolio could not finish opening the activity."
                }
                _ => "Your course sent Carefolio a sign-in that it could not accept.",
            },
        }
    }

    /// What the person in front of the LMS can do about it.
    pub fn advice(&self) -> &'static str {
        if let LtiError::InsecureCrossSite = self {
            return "Browsers send Carefolio's sign-in cookie back from another site only over https. Ask your LMS administrator to serve Carefolio over https, or from the same site (host name) as the LMS.";
        }
        match self.status() {
            StatusCode::FORBIDDEN => "This LMS is not (fully) registered with Carefolio. Ask your site administrator to complete the registration.",
            StatusCode::BAD_GATEWAY | StatusCode::INTERNAL_SERVER_ERROR => "Carefolio could not complete the launch. Please try again in a moment.",
            _ => "Go back to your course and open the activity again. If this keeps happening, tell your site administrator the error code below.",
        }
    }
}

impl From<crate::platforms::PlatformError> for LtiError {
    fn from(error: crate::platforms::PlatformError) -> Self {
        use crate::platforms::PlatformError;
        match error {
            PlatformError::UnknownIssuer(issuer) => LtiError::UnknownIssuer(issuer),
            PlatformError::AmbiguousClient(issuer) => LtiError::AmbiguousClient(issuer),
            PlatformError::InvalidAudience => LtiError::InvalidAudience,
            PlatformError::UnknownDeployment(id) => LtiError::UnknownDeployment(id),
            PlatformError::UnknownKid => LtiError::UnknownKid,
            PlatformError::KeysUnavailable(why) => LtiError::PlatformKeysUnavailable(why),
            PlatformError::Database(e) => LtiError::Database(e),
        }
    }
}
