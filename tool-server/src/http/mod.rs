//! HTTP: thin handlers over the domain modules. Every route is listed in
//! `routes.rs`; every domain error is mapped to a response in `errors.rs`.

pub mod admin;
pub mod api;
pub mod assessment;
pub mod badges;
pub mod deep_linking;
pub mod errors;
pub mod evidence;
pub mod extractors;
pub mod html;
pub mod lti;
pub mod openapi;
pub mod pages;
pub mod registration;
pub mod routes;
pub mod sharing;
pub mod state;
pub mod templates;
pub mod widget;
pub mod xapi;

pub use state::AppState;

/// A response for one person's data: never kept by a cache.
pub fn no_store(mut response: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    response.insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"));
    response
}
