//! The JSON API the widget calls with its launch token.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::extractors::{Launched, Teacher};
use super::openapi::{NotTeacher, Problem, Unauthenticated};
use super::AppState;
use crate::portfolio::{view, PortfolioError};
use crate::roster::{self, Refresh, RosterAccess, RosterError};

/// GET `/api/v1/openapi.json`: this API's description, for client generators.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(super::openapi::document())
}

/// Who is launched, in which course and activity, with the activity's competences and the statements recorded.
#[utoipa::path(
    get,
    operation_id = "get_portfolio",
    path = "/api/v1/portfolio",
    tag = "portfolio",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "Who is launched, the activity's competences and frameworks, and what was recorded", body = view::PortfolioView),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn portfolio(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PortfolioError> {
    let view = view::load(&state.db, &launched.0, &state.base_url).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LearnersQuery {
    /// `true` fetches the roster from the platform even when it is fresh.
    #[serde(default)]
    refresh: bool,
}

/// The learners of the launch's course, for its instructors.
#[utoipa::path(
    get,
    operation_id = "list_learners",
    path = "/api/v1/learners",
    tag = "teaching",
    security(("launch_token" = [])),
    params(LearnersQuery),
    responses(
        (status = 200, description = "The course's learners with their progress on the activity's competences", body = roster::LearnerList),
        (status = 401, response = Unauthenticated),
        (status = 403, response = NotTeacher),
        (status = 502, description = "The LMS did not answer the roster request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn learners(
    teacher: Teacher,
    state: web::Data<AppState>,
    query: web::Query<LearnersQuery>,
) -> Result<HttpResponse, RosterError> {
    let service = RosterAccess {
        services: &state.services,
        key: &state.tool_key,
        refreshes: &state.roster_refreshes,
    };
    let refresh = if query.refresh {
        Refresh::Now
    } else {
        Refresh::IfStale
    };
    let list = roster::learners_of(&state.db, &service, &teacher.0, refresh).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(list))
}
