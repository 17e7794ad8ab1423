//! The one place domain errors become HTTP responses. Browser-facing LTI
//! errors are readable pages; API errors are JSON problem bodies (RFC 9457)
//! with a stable `code`. Internal errors are logged with their cause chain
//! and answered with an opaque 500.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::json;

use super::templates;
use crate::lti::deep_linking::DeepLinkingError;
use crate::lti::LtiError;
use crate::platforms::registration::DynamicRegistrationError;
use crate::portfolio::PortfolioError;
use crate::roster::RosterError;
use crate::xapi::XapiError;

/// Header carrying the stable error code, for machines reading an HTML error page.
pub const ERROR_CODE_HEADER: &str = "x-carefolio-error";

pub fn problem(status: StatusCode, code: &str, detail: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/problem+json"))
        .insert_header((ERROR_CODE_HEADER, code))
        .body(
            json!({
                "type": "about:blank",
                "title": status.canonical_reason().unwrap_or("Error"),
                "status": status.as_u16(),
                "code": code,
                "detail": detail,
            })
            .to_string(),
        )
}

/// A validation error: 422 naming the field that is wrong, for the form
/// that shows it.
fn field_problem(code: &str, field: &str, problem: &str) -> HttpResponse {
    let body = json!({
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "code": code,
        "detail": problem,
        "field": field,
    });
    HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY)
        .insert_header((header::CONTENT_TYPE, "application/problem+json"))
        .insert_header((ERROR_CODE_HEADER, code))
        .body(body.to_string())
}

fn logged_problem(
    error: &(dyn std::error::Error + 'static),
    status: StatusCode,
    code: &str,
) -> HttpResponse {
    if status.is_server_error() {
        tracing::error!(code, error = %crate::util::error_chain(error), "request failed");
        problem(status, "internal_error", "An unexpected error occurred.")
    } else {
        tracing::info!(code, reason = %error, "request refused");
        problem(status, code, &error.to_string())
    }
}

#[derive(Serialize)]
struct ErrorPage<'a> {
    title: &'a str,
    lead: &'a str,
    advice: &'a str,
    detail: &'a str,
    code: &'a str,
}

/// The words of an error page: a title naming what failed, a first
/// sentence anyone understands, and what to do. The technical detail and
/// the code follow them, for administrators.
pub struct PageText<'a> {
    pub title: &'a str,
    pub lead: &'a str,
    pub advice: &'a str,
}

pub const LAUNCH_FAILED: &str = "Carefolio could not open this activity";

pub fn error_page(
    status: StatusCode,
    code: &str,
    text: PageText<'_>,
    detail: &str,
) -> HttpResponse {
    let body = templates::render(
        "error",
        &ErrorPage {
            title: text.title,
            lead: text.lead,
            advice: text.advice,
            detail,
            code,
        },
    );
    super::html::page(status, &super::html::PagePolicy::Message)
        .insert_header((ERROR_CODE_HEADER, code))
        .body(body)
}

impl ResponseError for LtiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status();
        let text = PageText {
            title: LAUNCH_FAILED,
            lead: self.lead(),
            advice: self.advice(),
        };
        if status.is_server_error() {
            tracing::error!(code = self.code(), error = %crate::util::error_chain(self), "LTI request failed");
            return error_page(status, self.code(), text, "An unexpected error occurred.");
        }
        tracing::warn!(code = self.code(), reason = %self, "LTI request rejected");
        error_page(status, self.code(), text, &self.to_string())
    }
}

impl ResponseError for XapiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = match self {
            // 400 naming the field, for the client that sent it.
            XapiError::InvalidStatement { field, reason } => {
                tracing::info!(code = self.code(), %field, %reason, "statement refused");
                HttpResponse::build(self.status())
                    .insert_header((header::CONTENT_TYPE, "application/problem+json"))
                    .insert_header((ERROR_CODE_HEADER, self.code()))
                    .body(
                        json!({
                            "type": "about:blank",
                            "title": "Bad Request",
                            "status": 400,
                            "code": self.code(),
                            "detail": self.to_string(),
                            "field": field,
                            "reason": reason,
                        })
                        .to_string(),
                    )
            }
            _ => logged_problem(self, self.status(), self.code()),
        };
        if matches!(self, XapiError::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Carefolio xAPI\""),
            );
        }
        response
    }
}

impl ResponseError for crate::frameworks::FrameworkError {
    fn status_code(&self) -> StatusCode {
        use crate::frameworks::remote::RemoteError;
        use crate::frameworks::FrameworkError;
        match self {
            FrameworkError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            FrameworkError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            FrameworkError::DuplicateKey(_) | FrameworkError::AlreadyImportedAs { .. } => {
                StatusCode::CONFLICT
            }
            FrameworkError::InvalidKey(_) | FrameworkError::Remote(RemoteError::Address { .. }) => {
                StatusCode::BAD_REQUEST
            }
            FrameworkError::NotFound(_) => StatusCode::NOT_FOUND,
            FrameworkError::Remote(_) => StatusCode::BAD_GATEWAY,
            FrameworkError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // A provider's failure is not ours: say what it answered.
        if let crate::frameworks::FrameworkError::Remote(e) = self {
            tracing::warn!(code = self.code(), reason = %e, "CASE provider failed");
            return problem(self.status_code(), self.code(), &self.to_string());
        }
        let mut response = logged_problem(self, self.status_code(), self.code());
        // The place a validation error names, for programs that point at it.
        if let crate::frameworks::FrameworkError::Invalid(invalid) = self {
            let body = json!({
                "type": "about:blank",
                "title": "Unprocessable Content",
                "status": 422,
                "code": self.code(),
                "detail": self.to_string(),
                "where": invalid.place,
            });
            response = HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY)
                .insert_header((header::CONTENT_TYPE, "application/problem+json"))
                .insert_header((ERROR_CODE_HEADER, self.code()))
                .body(body.to_string());
        }
        response
    }
}

impl ResponseError for crate::http::admin::AdminError {
    fn status_code(&self) -> StatusCode {
        use crate::http::admin::AdminError;
        match self {
            AdminError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AdminError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AdminError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AdminError::Framework(e) => e.status_code(),
            AdminError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        use crate::http::admin::AdminError;
        let code = match self {
            AdminError::Unauthenticated => "unauthenticated",
            AdminError::BadRequest(_) => "bad_request",
            AdminError::TooLarge { .. } => "payload_too_large",
            AdminError::Framework(e) => return e.error_response(),
            AdminError::Database(_) => "internal_error",
        };
        let mut response = logged_problem(self, self.status_code(), code);
        if self.status_code() == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl ResponseError for crate::portfolio::evidence::EvidenceError {
    fn status_code(&self) -> StatusCode {
        use crate::files::FileError;
        use crate::portfolio::evidence::EvidenceError;
        match self {
            EvidenceError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            EvidenceError::NotFound
            | EvidenceError::ShareNotFound
            | EvidenceError::File(FileError::NotFound) => StatusCode::NOT_FOUND,
            EvidenceError::NotAllowed(_) => StatusCode::FORBIDDEN,
            EvidenceError::File(FileError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            EvidenceError::File(FileError::TypeNotAllowed(_) | FileError::Disguised { .. }) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            EvidenceError::File(
                FileError::Truncated { .. } | FileError::Empty | FileError::Interrupted(_),
            ) => StatusCode::BAD_REQUEST,
            EvidenceError::File(FileError::Store(_) | FileError::Config(_))
            | EvidenceError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let crate::portfolio::evidence::EvidenceError::Invalid { field, problem } = self {
            return field_problem(self.code(), field, problem);
        }
        logged_problem(self, self.status_code(), self.code())
    }
}

impl ResponseError for crate::assessment::AssessmentError {
    fn status_code(&self) -> StatusCode {
        use crate::assessment::AssessmentError;
        match self {
            AssessmentError::NotFound => StatusCode::NOT_FOUND,
            AssessmentError::NotAllowed(_) => StatusCode::FORBIDDEN,
            AssessmentError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AssessmentError::Conflict(_) | AssessmentError::NoCourse => StatusCode::CONFLICT,
            AssessmentError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let crate::assessment::AssessmentError::Invalid { field, problem } = self {
            return field_problem(self.code(), field, problem);
        }
        logged_problem(self, self.status_code(), self.code())
    }
}

impl ResponseError for crate::badges::BadgeError {
    fn status_code(&self) -> StatusCode {
        use crate::badges::BadgeError;
        match self {
            BadgeError::NotFound => StatusCode::NOT_FOUND,
            BadgeError::NotAllowed(_) => StatusCode::FORBIDDEN,
            BadgeError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            BadgeError::Conflict(_) => StatusCode::CONFLICT,
            BadgeError::Database(_) | BadgeError::Signing(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let crate::badges::BadgeError::Invalid { field, problem } = self {
            return field_problem(self.code(), field, problem);
        }
        logged_problem(self, self.status_code(), self.code())
    }
}

impl ResponseError for crate::portfolio::import::ImportError {
    fn status_code(&self) -> StatusCode {
        use crate::portfolio::import::ImportError;
        match self {
            ImportError::NotZip(_) | ImportError::NoFeed | ImportError::Feed(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ImportError::FeedTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ImportError::Portfolio(e) => e.status_code(),
            ImportError::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let crate::portfolio::import::ImportError::Portfolio(e) = self {
            return e.error_response();
        }
        logged_problem(self, self.status_code(), self.code())
    }
}

impl ResponseError for PortfolioError {
    fn status_code(&self) -> StatusCode {
        match self {
            PortfolioError::Unauthenticated | PortfolioError::SessionExpired => {
                StatusCode::UNAUTHORIZED
            }
            PortfolioError::StatementNotFound | PortfolioError::NoActivity => StatusCode::NOT_FOUND,
            PortfolioError::Lti(e) => e.status(),
            PortfolioError::Framework(_)
            | PortfolioError::Database(_)
            | PortfolioError::Sealing(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // A launch that validated but could not be recorded is still a browser page.
        if let PortfolioError::Lti(e) = self {
            return e.error_response();
        }
        let mut response = logged_problem(self, self.status_code(), self.code());
        if self.status_code() == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Errors of the launch flow after validation, shown as a page.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct LaunchPageError(#[from] pub PortfolioError);

impl ResponseError for LaunchPageError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        match &self.0 {
            PortfolioError::Lti(e) => e.error_response(),
            other => {
                tracing::error!(code = other.code(), error = %crate::util::error_chain(other), "recording a launch failed");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    PageText {
                        title: LAUNCH_FAILED,
                        lead: "Carefolio could not save your visit to this activity.",
                        advice: "Please open the activity again in a moment.",
                    },
                    "An unexpected error occurred while recording the launch.",
                )
            }
        }
    }
}

impl ResponseError for DeepLinkingError {
    fn status_code(&self) -> StatusCode {
        match self {
            DeepLinkingError::InvalidSession | DeepLinkingError::SessionExpired => {
                StatusCode::UNAUTHORIZED
            }
            DeepLinkingError::SessionUsed => StatusCode::CONFLICT,
            DeepLinkingError::BadReturnUrl | DeepLinkingError::BadChoice(_) => {
                StatusCode::BAD_REQUEST
            }
            DeepLinkingError::Key(_)
            | DeepLinkingError::Signing(_)
            | DeepLinkingError::Frameworks(_)
            | DeepLinkingError::Database(_)
            | DeepLinkingError::Sealing(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The instructor is in the LMS's content picker: a page, not JSON.
    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        const TITLE: &str = "Carefolio could not add the activity";
        if status.is_server_error() {
            tracing::error!(code = self.code(), error = %crate::util::error_chain(self), "deep linking failed");
            return error_page(
                status,
                "internal_error",
                PageText {
                    title: TITLE,
                    lead: "Something went wrong in Carefolio while adding the activity.",
                    advice: "Please try again in a moment.",
                },
                "An unexpected error occurred while adding the activity.",
            );
        }
        tracing::warn!(code = self.code(), reason = %self, "deep linking refused");
        let lead = match self {
            DeepLinkingError::SessionUsed => "These competences were already sent to your course.",
            DeepLinkingError::SessionExpired => {
                "The competence picker was open for more than an hour."
            }
            _ => "The choice of competences could not be sent to your course.",
        };
        error_page(
            status,
            self.code(),
            PageText {
                title: TITLE,
                lead,
                advice: "Close this window and choose \"Add an activity\" (or your LMS's equivalent) in your course again.",
            },
            &self.to_string(),
        )
    }
}

impl ResponseError for RosterError {
    fn status_code(&self) -> StatusCode {
        match self {
            RosterError::NotAnAssessor => StatusCode::FORBIDDEN,
            RosterError::NoCourse => StatusCode::NOT_FOUND,
            RosterError::NotOffered => StatusCode::CONFLICT,
            RosterError::Platform(_) => StatusCode::BAD_GATEWAY,
            RosterError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let RosterError::Platform(e) = self {
            // The platform's answer helps the LMS administrator; it holds no token.
            tracing::warn!(code = self.code(), error = %e, "roster unavailable");
            return problem(self.status_code(), self.code(), &self.to_string());
        }
        logged_problem(self, self.status_code(), self.code())
    }
}

impl ResponseError for DynamicRegistrationError {
    fn status_code(&self) -> StatusCode {
        match self {
            DynamicRegistrationError::InviteRequired | DynamicRegistrationError::InviteExpired => {
                StatusCode::FORBIDDEN
            }
            DynamicRegistrationError::InviteUsed
            | DynamicRegistrationError::IssuerAlreadyRegistered(_) => StatusCode::CONFLICT,
            DynamicRegistrationError::OtherIssuer { .. } => StatusCode::FORBIDDEN,
            DynamicRegistrationError::MissingParameter(_) => StatusCode::BAD_REQUEST,
            DynamicRegistrationError::ConfigurationUnreachable { .. }
            | DynamicRegistrationError::InvalidConfiguration(_)
            | DynamicRegistrationError::Refused(_) => StatusCode::BAD_GATEWAY,
            DynamicRegistrationError::Storage(_) | DynamicRegistrationError::Database(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The LMS administrator is looking at the tool's page in the LMS.
    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        const TITLE: &str = "Carefolio could not be registered with this LMS";
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(code = self.code(), error = %crate::util::error_chain(self), "dynamic registration failed");
            return error_page(
                status,
                "internal_error",
                PageText {
                    title: TITLE,
                    lead: "Something went wrong in Carefolio while registering.",
                    advice: "Please try again in a moment.",
                },
                "An unexpected error occurred while registering.",
            );
        }
        tracing::warn!(code = self.code(), reason = %self, "dynamic registration refused");
        const ASK_FOR_AN_INVITATION: &str = "Ask the Carefolio operator for a registration URL (`carefolio platform invite`) and enter that URL in the LMS.";
        let (lead, advice) = match self {
            DynamicRegistrationError::InviteRequired
            | DynamicRegistrationError::InviteExpired
            | DynamicRegistrationError::InviteUsed => (
                "The registration URL entered in the LMS is not a valid, unused Carefolio invitation.",
                ASK_FOR_AN_INVITATION,
            ),
            DynamicRegistrationError::IssuerAlreadyRegistered(_) => (
                "This LMS is registered with Carefolio already, and this invitation does not allow a second registration.",
                ASK_FOR_AN_INVITATION,
            ),
            DynamicRegistrationError::OtherIssuer { .. } => (
                "This registration URL was made for another LMS.",
                ASK_FOR_AN_INVITATION,
            ),
            DynamicRegistrationError::MissingParameter(_) => (
                "The LMS did not send what a registration needs.",
                "Check the LMS's LTI settings, then start the registration again with a new registration URL.",
            ),
            _ => (
                "The LMS's registration details were refused or could not be read.",
                "Check the LMS's LTI settings, then start the registration again with a new registration URL.",
            ),
        };
        error_page(
            status,
            self.code(),
            PageText {
                title: TITLE,
                lead,
                advice,
            },
            &self.to_string(),
        )
    }
}

/// 404 for unknown routes, as a problem body.
pub async fn not_found() -> HttpResponse {
    problem(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is nothing at this address.",
    )
}
