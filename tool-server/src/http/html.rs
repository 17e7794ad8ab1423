//! The one place HTML responses are built: every page gets a named
//! Content-Security-Policy (no `<base>`, forms only where the page needs
//! them), `nosniff`, no referrer, and is never cached.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};

/// What a page may do, by what it is.
#[derive(Debug, Clone)]
pub enum PagePolicy {
    /// A page of its own (the front page): nothing framed, nothing loaded.
    Standalone,
    /// Pages the LMS frames (login, launch): own scripts and the widget's
    /// wasm, no forms. Any LMS may frame them.
    Framed,
    /// The page that posts a launch back with the proof it read from the
    /// platform's storage: a framed page whose form goes to Carefolio only.
    PostsBack,
    /// The competence picker: its form posts back to Carefolio only.
    Picker,
    /// The page that posts the deep linking answer to the platform's
    /// return URL: its form goes to that origin only.
    PostsTo(String),
    /// Error pages and the registration result: text, a close script at
    /// most, in any LMS frame.
    Message,
}

impl PagePolicy {
    fn csp(&self) -> String {
        const COMMON: &str = "base-uri 'none'; object-src 'none'";
        match self {
            PagePolicy::Standalone => format!(
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; {COMMON}"
            ),
            PagePolicy::Framed => format!(
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'none'; {COMMON}"
            ),
            PagePolicy::PostsBack => format!(
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; {COMMON}"
            ),
            PagePolicy::Picker => format!(
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors *; {COMMON}"
            ),
            PagePolicy::PostsTo(origin) => format!(
                "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; form-action {origin}; {COMMON}"
            ),
            PagePolicy::Message => format!(
                "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors *; {COMMON}"
            ),
        }
    }
}

/// A response builder for an HTML page under `policy`; add cookies, then the body.
pub fn page(status: StatusCode, policy: &PagePolicy) -> HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if let Ok(csp) = HeaderValue::from_str(&policy.csp()) {
        response.insert_header((header::CONTENT_SECURITY_POLICY, csp));
    }
    response
}
