use actix_web::http::StatusCode;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum XapiError {
    #[error("the X-Experience-API-Version header is required")]
    MissingVersion,
    #[error("xAPI version {0:?} is not supported (1.0.x and 2.0.x are)")]
    UnsupportedVersion(String),
    #[error("valid xAPI credentials are required (a client's key and secret, a launch token, or the token an activity fetched)")]
    Unauthorized,
    #[error("these credentials do not have the scope to {0}")]
    Forbidden(&'static str),
    #[error("the query parameter `{name}` is invalid: {reason}")]
    InvalidParameter { name: &'static str, reason: String },
    #[error("{field}: {reason}")]
    InvalidStatement { field: String, reason: String },
    #[error("{0}")]
    BadRequest(String),
    #[error(
        "statement {0} is already stored with different content; statements cannot be changed"
    )]
    Conflict(Uuid),
    #[error("{0}")]
    DocumentConflict(&'static str),
    #[error("the document has changed since the ETag given in If-Match (or exists, for If-None-Match: *)")]
    PreconditionFailed,
    #[error("the request body is larger than the {0} bytes allowed")]
    TooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A learner's credential used for another person or for what only
    /// clients may do.
    #[error("{0}")]
    NotThisLearner(&'static str),
    #[error("no statement with that id")]
    NotFound,
    #[error("no such {0}")]
    NoSuch(&'static str),
    #[error("this resource does not allow {0}")]
    MethodNotAllowed(String),
    #[error("the server is stopping; send the statements again")]
    Stopping,
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
}

impl XapiError {
    pub fn invalid_statement(field: impl Into<String>, reason: impl Into<String>) -> XapiError {
        XapiError::InvalidStatement {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            XapiError::MissingVersion => "xapi_version_missing",
            XapiError::UnsupportedVersion(_) => "xapi_version_unsupported",
            XapiError::Unauthorized => "unauthorized",
            XapiError::Forbidden(_) => "xapi_scope_missing",
            XapiError::InvalidParameter { .. } => "invalid_parameter",
            XapiError::InvalidStatement { .. } => "invalid_statement",
            XapiError::BadRequest(_) => "bad_request",
            XapiError::Conflict(_) => "statement_conflict",
            XapiError::DocumentConflict(_) => "document_conflict",
            XapiError::PreconditionFailed => "precondition_failed",
            XapiError::TooLarge(_) => "payload_too_large",
            XapiError::UnsupportedMediaType(_) => "unsupported_media_type",
            XapiError::NotThisLearner(_) => "xapi_not_this_learner",
            XapiError::NotFound => "statement_not_found",
            XapiError::NoSuch(_) => "not_found",
            XapiError::MethodNotAllowed(_) => "method_not_allowed",
            XapiError::Stopping => "unavailable",
            XapiError::Database(_) => "internal_error",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            XapiError::MissingVersion
            | XapiError::UnsupportedVersion(_)
            | XapiError::InvalidParameter { .. }
            | XapiError::InvalidStatement { .. }
            | XapiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            XapiError::Unauthorized => StatusCode::UNAUTHORIZED,
            XapiError::Forbidden(_) | XapiError::NotThisLearner(_) => StatusCode::FORBIDDEN,
            XapiError::Conflict(_) | XapiError::DocumentConflict(_) => StatusCode::CONFLICT,
            XapiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            XapiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            XapiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            XapiError::NotFound | XapiError::NoSuch(_) => StatusCode::NOT_FOUND,
            XapiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            XapiError::Stopping => StatusCode::SERVICE_UNAVAILABLE,
            XapiError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<super::validate::Invalid> for XapiError {
    fn from(invalid: super::validate::Invalid) -> XapiError {
        XapiError::InvalidStatement {
            field: invalid.field,
            reason: invalid.reason,
        }
    }
}
