//! Every route Carefolio serves.

use actix_web::web;

use super::{admin, api, deep_linking, errors, evidence, lti, pages, registration, widget, xapi};

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(pages::index))
        .route("/health", web::get().to(pages::health))
        // LTI 1.3
        .route("/lti/login", web::get().to(lti::login))
        .route("/lti/login", web::post().to(lti::login))
        .route("/lti/launch", web::post().to(lti::launch))
        .route("/lti/deep-linking", web::post().to(deep_linking::respond))
        .route("/lti/register", web::get().to(registration::start))
        .route("/.well-known/jwks.json", web::get().to(lti::jwks))
        .route("/lti/config/canvas.json", web::get().to(lti::canvas_config))
        // The widget and its API
        .route("/widget/{file}", web::get().to(widget::asset))
        .route(
            "/widget/{version}/{file}",
            web::get().to(widget::versioned_asset),
        )
        .route("/api/v1/portfolio", web::get().to(api::portfolio))
        .route("/api/v1/learners", web::get().to(api::learners))
        .route("/api/v1/evidence", web::get().to(evidence::list))
        .route("/api/v1/evidence", web::post().to(evidence::create))
        .route("/api/v1/evidence/files", web::post().to(evidence::upload))
        .route("/api/v1/evidence/{id}", web::get().to(evidence::get))
        .route("/api/v1/evidence/{id}", web::patch().to(evidence::update))
        .route("/api/v1/evidence/{id}", web::delete().to(evidence::delete))
        .route(
            "/api/v1/map/{framework}",
            web::get().to(evidence::competence_map),
        )
        .route(
            "/api/v1/self-ratings/{competence}",
            web::put().to(evidence::rate),
        )
        .route("/api/v1/suggestions", web::get().to(evidence::suggestions))
        .route("/files/{item}/{name}", web::get().to(evidence::file))
        // Administrators
        .route(
            "/api/v1/admin/frameworks",
            web::get().to(admin::list_frameworks),
        )
        .route(
            "/api/v1/admin/frameworks",
            web::post().to(admin::import_framework),
        )
        .route(
            "/api/v1/admin/frameworks/import-url",
            web::post().to(admin::import_framework_url),
        )
        .route(
            "/api/v1/admin/frameworks/{key}/export",
            web::get().to(admin::export_framework),
        )
        // xAPI
        .route("/xapi/about", web::get().to(xapi::about))
        .route("/xapi/statements", web::get().to(xapi::get_statements))
        .default_service(web::to(errors::not_found));
}
