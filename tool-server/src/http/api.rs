//! The JSON API the widget calls with its launch token.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::extractors::{Launched, Teacher};
use super::openapi::{NotTeacher, Problem, Unauthenticated};
use super::AppState;
use crate::portfolio::{view, PortfolioError};
use crate::roster::{self, Refresh, RosterAccess, RosterError};
use crate::xapi::learners;

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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityLaunch {
    /// The activity's address with the cmi5 launch parameters (endpoint,
    /// fetch, actor, registration, activityId): open it in a new window.
    pub url: String,
    pub registration: uuid::Uuid,
}

/// The address to open the launched link's learning activity at, with a
/// credential for this learner that the activity fetches once.
#[utoipa::path(
    post,
    path = "/api/v1/activity-launch",
    tag = "portfolio",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "Where to open the activity", body = ActivityLaunch),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "This link opens no activity", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn activity_launch(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PortfolioError> {
    use sea_orm::EntityTrait;
    let session = &launched.0;
    let activity = crate::entities::resource_link::Entity::find_by_id(session.resource_link_id)
        .one(&state.db)
        .await?
        .and_then(|link| link.activity_url)
        .and_then(|address| url::Url::parse(&address).ok())
        .ok_or(PortfolioError::NoActivity)?;
    let learner = learners::of_launch(&state.db, session)
        .await?
        .ok_or(PortfolioError::Unauthenticated)?;
    let (url, registration) =
        learners::activity_launch_url(&state.signer, &learner, &activity, &state.base_url)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(ActivityLaunch {
            url: url.to_string(),
            registration,
        }))
}

/// The cmi5 fetch: an activity opened from a link trades its single-use
/// fetch address for the learner's credential, `{"auth-token": …}`; errors
/// answer `{"error-code", "error-text"}` (cmi5, 8.2).
pub async fn activity_fetch(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    let answer = learners::fetch(
        &state.db,
        &state.signer,
        &token.into_inner(),
        state.settings.server.launch_token_ttl_secs,
    )
    .await;
    let mut response = match &answer {
        Ok(_) => HttpResponse::Ok(),
        Err(learners::FetchError::AlreadyUsed | learners::FetchError::Invalid) => {
            HttpResponse::BadRequest()
        }
        Err(_) => HttpResponse::InternalServerError(),
    };
    response
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Access-Control-Allow-Origin", "*"));
    match answer {
        Ok(token) => response.json(serde_json::json!({ "auth-token": token })),
        Err(error) => {
            if matches!(
                error,
                learners::FetchError::Database(_) | learners::FetchError::Sealing(_)
            ) {
                tracing::error!(%error, "activity fetch failed");
            }
            response.json(serde_json::json!({
                "error-code": error.cmi5_code(),
                "error-text": error.to_string(),
            }))
        }
    }
}

/// The preflight of a fetch from an activity on another site.
pub async fn activity_fetch_preflight() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .insert_header(("Access-Control-Allow-Methods", "POST"))
        .insert_header(("Access-Control-Allow-Headers", "Content-Type"))
        .insert_header(("Access-Control-Max-Age", "600"))
        .finish()
}
