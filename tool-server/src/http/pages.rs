//! Plain pages: the front page with registration values, and health.

use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::{templates, AppState};
use crate::frameworks::{self, FrameworkSummary};

#[derive(Serialize)]
struct IndexPage {
    moodle: Vec<Field>,
    frameworks: Vec<FrameworkSummary>,
}

#[derive(Serialize)]
struct Field {
    name: &'static str,
    value: String,
}

/// GET `/`: what this server is and the values an LMS administrator needs.
pub async fn index(state: web::Data<AppState>) -> HttpResponse {
    let frameworks = match frameworks::store::list(&state.db).await {
        Ok(frameworks) => frameworks,
        Err(e) => {
            tracing::error!(error = %crate::util::error_chain(&e), "the front page could not read the frameworks");
            return super::errors::error_page(
                actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                super::errors::PageText {
                    title: "Carefolio is not available",
                    lead: "Carefolio could not read its database.",
                    advice: "Try again in a moment. If it lasts, the operator should look at the server's log.",
                },
                "The competence frameworks could not be read.",
            );
        }
    };
    let moodle = lti_config::moodle_manual_fields(&state.base_url)
        .into_iter()
        .map(|(name, value)| Field { name, value })
        .collect();
    super::html::page(
        actix_web::http::StatusCode::OK,
        &super::html::PagePolicy::Standalone,
    )
    .body(templates::render(
        "index",
        &IndexPage { moodle, frameworks },
    ))
}

/// GET `/health`: the database answers.
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ok" })),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            super::errors::problem(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "The database does not answer.",
            )
        }
    }
}
