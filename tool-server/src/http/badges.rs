//! Badges: a learner's awards, the classes, awarding and revoking by a
//! course's lead assessor, and the administrators' definitions.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use uuid::Uuid;

use super::extractors::{Admin, Launched};
use super::openapi::{NotAdministrator, Problem, Unauthenticated};
use super::{no_store, AppState};
use crate::badges::awards::{self, AwardChange, AwardView, Revoker};
use crate::badges::classes::{self, BadgeClassView, Definition};
use crate::badges::BadgeError;

/// The learner's badges, newest first, revoked ones included.
#[utoipa::path(
    get,
    path = "/api/v1/badges",
    tag = "badges",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "The learner's awards", body = [AwardView]),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn my_badges(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, BadgeError> {
    let list = awards::of_person(&state.db, launched.0.person_id).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

/// Makes one of the learner's badges public or private (private by default).
#[utoipa::path(
    patch,
    path = "/api/v1/badges/{id}",
    tag = "badges",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The award")),
    request_body = AwardChange,
    responses(
        (status = 200, description = "The award", body = AwardView),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such award of this learner", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_badge(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<AwardChange>,
) -> Result<HttpResponse, BadgeError> {
    let view = awards::change(
        &state.db,
        launched.0.person_id,
        id.into_inner(),
        body.into_inner(),
    )
    .await?;
    Ok(no_store(HttpResponse::Ok()).json(view))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClassFilter {
    /// A framework's key; all frameworks when absent.
    framework: Option<String>,
}

/// The badges that can be earned.
#[utoipa::path(
    get,
    path = "/api/v1/badge-classes",
    tag = "badges",
    security(("launch_token" = [])),
    params(ClassFilter),
    responses(
        (status = 200, description = "Badge classes with their criteria", body = [BadgeClassView]),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn badge_classes(
    _launched: Launched,
    state: web::Data<AppState>,
    filter: web::Query<ClassFilter>,
) -> Result<HttpResponse, BadgeError> {
    let list = classes::list(&state.db, filter.framework.as_deref()).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ManualAward {
    pub badge_class_id: Uuid,
    pub person_id: Uuid,
}

/// The course's lead assessor awards a badge to a learner of the course.
#[utoipa::path(
    post,
    path = "/api/v1/assessment/awards",
    tag = "badges",
    security(("launch_token" = [])),
    request_body = ManualAward,
    responses(
        (status = 201, description = "The award", body = AwardView),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "Not the course's lead assessor, or an award to oneself", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The learner holds it already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such badge, or not a member of the course", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn award(
    launched: Launched,
    state: web::Data<AppState>,
    body: web::Json<ManualAward>,
) -> Result<HttpResponse, BadgeError> {
    let course = crate::portfolio::access::course_of(&state.db, &launched.0)
        .await?
        .ok_or(BadgeError::NotAllowed("this launch is not from a course"))?;
    let view = awards::award_by_lead(
        &state.db,
        launched.0.person_id,
        course,
        body.badge_class_id,
        body.person_id,
    )
    .await?;
    state.grades.wake();
    Ok(no_store(HttpResponse::Created()).json(view))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Revocation {
    /// Why; the learner and verifiers see it.
    pub reason: String,
}

/// The lead assessor of the course it was awarded in revokes a badge.
#[utoipa::path(
    post,
    path = "/api/v1/assessment/awards/{id}/revocation",
    tag = "badges",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The award")),
    request_body = Revocation,
    responses(
        (status = 200, description = "The revoked award", body = AwardView),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such award in a course this person leads", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Revoked already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revoke(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<Revocation>,
) -> Result<HttpResponse, BadgeError> {
    let view = awards::revoke(
        &state.db,
        Revoker::Lead(launched.0.person_id),
        id.into_inner(),
        &body.reason,
    )
    .await?;
    state.grades.wake();
    Ok(no_store(HttpResponse::Ok()).json(view))
}

/// Every badge class, for administrators.
#[utoipa::path(
    get,
    path = "/api/v1/admin/badge-classes",
    tag = "administration",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Badge classes", body = [BadgeClassView]),
        (status = 401, response = NotAdministrator),
    )
)]
pub async fn admin_badge_classes(
    _admin: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, BadgeError> {
    let list = classes::list(&state.db, None).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

/// Defines a badge class (or changes the one with the same key).
#[utoipa::path(
    post,
    path = "/api/v1/admin/badge-classes",
    tag = "administration",
    security(("admin_token" = [])),
    request_body = Definition,
    responses(
        (status = 200, description = "The badge class as stored", body = BadgeClassView),
        (status = 401, response = NotAdministrator),
        (status = 409, description = "Its criteria would change although it has been awarded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is wrong; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn define_badge_class(
    admin: Admin,
    state: web::Data<AppState>,
    body: web::Json<Definition>,
) -> Result<HttpResponse, BadgeError> {
    let view = classes::define(&state.db, body.into_inner()).await?;
    tracing::info!(admin = %admin.0.name, key = %view.key, "badge class defined");
    Ok(no_store(HttpResponse::Ok()).json(view))
}

/// An administrator revokes any award.
#[utoipa::path(
    post,
    path = "/api/v1/admin/badge-awards/{id}/revocation",
    tag = "administration",
    security(("admin_token" = [])),
    params(("id" = Uuid, Path, description = "The award")),
    request_body = Revocation,
    responses(
        (status = 200, description = "The revoked award", body = AwardView),
        (status = 401, response = NotAdministrator),
        (status = 404, description = "No such award", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Revoked already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn admin_revoke(
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<Revocation>,
) -> Result<HttpResponse, BadgeError> {
    let view = awards::revoke(
        &state.db,
        Revoker::Administrator,
        id.into_inner(),
        &body.reason,
    )
    .await?;
    tracing::info!(admin = %admin.0.name, award = %view.id, "badge revoked");
    state.grades.wake();
    Ok(no_store(HttpResponse::Ok()).json(view))
}

/// GET `/badges/classes/{id}/image.svg`: a badge class's image, public like
/// the badge itself; served so that nothing in it can run.
pub async fn class_image(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, BadgeError> {
    let svg = classes::image_of(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/svg+xml"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        ))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(svg))
}
