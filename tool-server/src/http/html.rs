//! The one place HTML responses are built: every page gets a named
//! Content-Security-Policy (no `<base>`, forms only where the page needs
//! them), `nosniff`, no referrer, and is never cached.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};

use crate::platforms::Origins;

/// The origins that may frame a page (CSP `frame-ancestors`): those of
/// the registration the page is for, so no other site can frame it.
#[derive(Debug, Clone)]
pub struct FrameAncestors(String);

impl FrameAncestors {
    /// A registration's origins, already parsed and normalised.
    pub fn of(origins: &Origins) -> FrameAncestors {
        FrameAncestors::listing(origins.as_slice())
    }

    /// A space-separated list of origins this server produced (a signed
    /// session carries one); anything else in it is dropped.
    pub fn from_list(list: &str) -> FrameAncestors {
        let origins: Vec<&str> = list
            .split_whitespace()
            .filter(|origin| {
                (origin.starts_with("https://") || origin.starts_with("http://"))
                    && origin
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-:/[]".contains(&b))
            })
            .collect();
        FrameAncestors::listing(&origins)
    }

    fn listing<S: AsRef<str>>(origins: &[S]) -> FrameAncestors {
        if origins.is_empty() {
            FrameAncestors("'none'".to_owned())
        } else {
            let list: Vec<&str> = origins.iter().map(AsRef::as_ref).collect();
            FrameAncestors(list.join(" "))
        }
    }
}

/// What a page may do, by what it is.
#[derive(Debug, Clone)]
pub enum PagePolicy {
    /// A page of its own (the front page): nothing framed, nothing loaded.
    Standalone,
    /// Pages the LMS frames (login, launch): own scripts and the widget's
    /// wasm, no forms; framed only by the registration's origins.
    Framed(FrameAncestors),
    /// The page that posts a launch back with the proof it read from the
    /// platform's storage: a framed page whose form goes to Carefolio only.
    PostsBack(FrameAncestors),
    /// The competence picker: its form posts back to Carefolio only.
    Picker(FrameAncestors),
    /// The page that posts the deep linking answer to the platform's
    /// return URL: its form goes to that origin only.
    PostsTo {
        origin: String,
        ancestors: FrameAncestors,
    },
    /// What a secret link shows: text, and the pictures, sound and film
    /// of the evidence from Carefolio itself; no script, never framed.
    Shared,
    /// Error pages and the registration result: text and a close script
    /// at most, nothing to click and no one's data, so any LMS may frame
    /// them (an error may come before the platform is known).
    Message,
}

impl PagePolicy {
    fn csp(&self) -> String {
        const COMMON: &str = "base-uri 'none'; object-src 'none'";
        match self {
            PagePolicy::Standalone => format!(
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; {COMMON}"
            ),
            PagePolicy::Framed(FrameAncestors(ancestors)) => format!(
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'none'; frame-ancestors {ancestors}; {COMMON}"
            ),
            PagePolicy::PostsBack(FrameAncestors(ancestors)) => format!(
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors {ancestors}; {COMMON}"
            ),
            PagePolicy::Picker(FrameAncestors(ancestors)) => format!(
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors {ancestors}; {COMMON}"
            ),
            PagePolicy::PostsTo {
                origin,
                ancestors: FrameAncestors(ancestors),
            } => format!(
                "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; form-action {origin}; frame-ancestors {ancestors}; {COMMON}"
            ),
            PagePolicy::Shared => format!(
                "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; {COMMON}"
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
