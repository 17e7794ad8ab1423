use actix_web::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum XapiError {
    #[error("the X-Experience-API-Version header is required")]
    MissingVersion,
    #[error("xAPI version {0:?} is not supported (1.0.x and 2.0.x are)")]
    UnsupportedVersion(String),
    #[error("valid xAPI client credentials (HTTP Basic) are required")]
    Unauthorized,
    #[error("the query parameter `{name}` is invalid: {reason}")]
    InvalidParameter { name: &'static str, reason: String },
    #[error("no statement with that id")]
    NotFound,
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
}

impl XapiError {
    pub fn code(&self) -> &'static str {
        match self {
            XapiError::MissingVersion => "xapi_version_missing",
            XapiError::UnsupportedVersion(_) => "xapi_version_unsupported",
            XapiError::Unauthorized => "unauthorized",
            XapiError::InvalidParameter { .. } => "invalid_parameter",
            XapiError::NotFound => "statement_not_found",
            XapiError::Database(_) => "internal_error",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            XapiError::MissingVersion
            | XapiError::UnsupportedVersion(_)
            | XapiError::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            XapiError::Unauthorized => StatusCode::UNAUTHORIZED,
            XapiError::NotFound => StatusCode::NOT_FOUND,
            XapiError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}
