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
use crate::badges::openbadges2::{self, Urls};
use crate::badges::BadgeError;
use crate::badges::{openbadges3, png};

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
pub struct BatchAwardRequest {
    pub badge_class_id: Uuid,
    /// Up to 10,000 learners of the course.
    pub person_ids: Vec<Uuid>,
}

/// The most a batch request may weigh: 10,000 ids and room to spare.
pub const MAX_BATCH_BYTES: usize = 1024 * 1024;

/// The course's lead assessor awards a badge to many learners at once (a
/// provider's end of term): all in one transaction, with the gradebook
/// scores queued through the outbox.
#[utoipa::path(
    post,
    path = "/api/v1/assessment/awards/batch",
    tag = "badges",
    security(("launch_token" = [])),
    request_body = BatchAwardRequest,
    responses(
        (status = 200, description = "What was awarded, to whom, and who was left out", body = awards::BatchOutcome),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "Not the course's lead assessor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such badge, or no learners or more than 10,000", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn award_batch(
    launched: Launched,
    state: web::Data<AppState>,
    body: web::Json<BatchAwardRequest>,
) -> Result<HttpResponse, BadgeError> {
    use sea_orm::TransactionTrait;
    let course = crate::portfolio::access::course_of(&state.db, &launched.0)
        .await?
        .ok_or(BadgeError::NotAllowed("this launch is not from a course"))?;
    let txn = state.db.begin().await?;
    let outcome = awards::award_batch(
        &txn,
        launched.0.person_id,
        course,
        body.badge_class_id,
        &body.person_ids,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        awarded = outcome.awarded.len(),
        already_held = outcome.already_held.len(),
        refused = outcome.refused.len(),
        "badges awarded in a batch"
    );
    state.grades.wake();
    Ok(no_store(HttpResponse::Ok()).json(outcome))
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

fn urls(state: &AppState) -> Urls<'_> {
    Urls {
        base: &state.base_url,
    }
}

/// Public Open Badges documents: readable from any origin, briefly cached.
fn hosted(status: actix_web::http::StatusCode, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/ld+json"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body.to_string())
}

/// GET `/ob/v2/issuer`: the issuer's Open Badges 2.0 profile.
pub async fn ob2_issuer(state: web::Data<AppState>) -> HttpResponse {
    hosted(
        actix_web::http::StatusCode::OK,
        &openbadges2::profile(&urls(&state), &state.settings.badges),
    )
}

/// GET `/ob/v2/badges/{id}`: a BadgeClass.
pub async fn ob2_badge_class(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, BadgeError> {
    let body = openbadges2::badge_class(&state.db, &urls(&state), id.into_inner()).await?;
    Ok(hosted(actix_web::http::StatusCode::OK, &body))
}

/// GET `/ob/v2/assertions/{id}`: a public award's hosted assertion; 410
/// with the reason once revoked (Open Badges 2.0, hosted verification).
pub async fn ob2_assertion(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, BadgeError> {
    let body = openbadges2::assertion(&state.db, &urls(&state), id.into_inner()).await?;
    let status = if body["revoked"] == true {
        actix_web::http::StatusCode::GONE
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(hosted(status, &body))
}

/// GET `/ob/v2/assertions/{id}/baked.svg`: the badge image with the
/// assertion baked in, for backpacks that import images.
pub async fn ob2_baked_svg(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, BadgeError> {
    let id = id.into_inner();
    let urls = urls(&state);
    let assertion = openbadges2::assertion(&state.db, &urls, id).await?;
    if assertion["revoked"] == true {
        return Err(BadgeError::Conflict("this badge is revoked".into()));
    }
    let (_, view) = openbadges2::public_award(&state.db, id).await?;
    let svg = classes::image_of(&state.db, view.badge.id).await?;
    let baked =
        openbadges2::bake_svg(&svg, &urls.assertion(id), &assertion).ok_or(BadgeError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/svg+xml"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.svg\"", view.badge.key),
        ))
        .body(baked))
}

/// GET `/ob/v2/assertions/{id}/baked.png`: the badge as a PNG with the
/// hosted assertion's address baked in.
pub async fn ob2_baked_png(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, BadgeError> {
    let id = id.into_inner();
    let urls = urls(&state);
    let (row, view) = openbadges2::public_award(&state.db, id).await?;
    if row.revoked_at.is_some() {
        return Err(BadgeError::Conflict("this badge is revoked".into()));
    }
    let png = class_png(&state, view.badge.id).await?;
    let baked = png::bake(&png, "openbadges", &urls.assertion(id)).ok_or(BadgeError::NotFound)?;
    Ok(image_download(baked, &view.badge.key))
}

/// A class's image drawn as PNG, off the async workers.
async fn class_png(state: &AppState, class: Uuid) -> Result<Vec<u8>, BadgeError> {
    let svg = classes::image_of(&state.db, class).await?;
    web::block(move || png::render(&svg))
        .await
        .map_err(|e| BadgeError::Signing(e.to_string()))?
        .map_err(|e| BadgeError::Signing(e.to_string()))
}

fn image_download(png: Vec<u8>, key: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/png"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{key}.png\""),
        ))
        .body(png)
}

fn urls3(state: &AppState) -> openbadges3::Urls<'_> {
    openbadges3::Urls {
        base: &state.base_url,
    }
}

/// A VC-JWT, readable from any origin.
fn vc_jwt(jwt: String, cache: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/vc+jwt"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(jwt)
}

/// GET `/ob/v3/issuer`: the issuer profile with the keys that sign its
/// credentials.
pub async fn ob3_issuer(state: web::Data<AppState>) -> Result<HttpResponse, BadgeError> {
    let body = openbadges3::profile(&state.db, &urls3(&state), &state.settings.badges).await?;
    Ok(hosted(actix_web::http::StatusCode::OK, &body))
}

/// GET `/ob/v3/issuer/keys/{kid}`: one of the issuer's public keys (JWK),
/// as a credential's `kid` header names it.
pub async fn ob3_key(
    state: web::Data<AppState>,
    kid: web::Path<String>,
) -> Result<HttpResponse, BadgeError> {
    let jwk = openbadges3::public_key(&state.db, &kid).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/jwk+json"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(jwk.to_string()))
}

/// GET `/ob/v3/achievements/{id}`: a class as an Open Badges 3.0 Achievement.
pub async fn ob3_achievement(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, BadgeError> {
    let body = openbadges3::achievement(&state.db, &urls3(&state), id.into_inner()).await?;
    Ok(hosted(actix_web::http::StatusCode::OK, &body))
}

/// GET `/ob/v3/credentials/{id}`: a public award's signed credential.
/// A revoked one is still served: its status list entry says it is revoked.
pub async fn ob3_credential(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, BadgeError> {
    let id = id.into_inner();
    openbadges2::public_award(&state.db, id).await?;
    let key = state.issuer_key.get(&state.db).await.map_err(signing)?;
    let jwt =
        openbadges3::signed_credential(&state.db, &urls3(&state), &state.settings.badges, &key, id)
            .await?;
    Ok(vc_jwt(jwt, "public, max-age=300"))
}

/// GET `/ob/v3/status/revocation`: the issuer's revocation status list,
/// signed; briefly cached so a revocation reaches verifiers within a minute.
pub async fn ob3_status_list(state: web::Data<AppState>) -> Result<HttpResponse, BadgeError> {
    let urls = urls3(&state);
    let list = openbadges3::status_list(&state.db, &urls, &state.settings.badges).await?;
    let key = state.issuer_key.get(&state.db).await.map_err(signing)?;
    Ok(vc_jwt(
        openbadges3::sign(&list, &key, &urls)?,
        "public, max-age=60",
    ))
}

fn signing(e: crate::platforms::tool_keys::ToolKeyError) -> BadgeError {
    BadgeError::Signing(e.to_string())
}

/// The learner's Open Badges 3.0 credential of one of their awards, to
/// carry to a wallet or an employer; private awards included.
#[utoipa::path(
    get,
    path = "/api/v1/badges/{id}/credential",
    tag = "badges",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The award")),
    responses(
        (status = 200, description = "The signed credential (VC-JWT)", content_type = "application/vc+jwt", body = String),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such award of this learner", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn my_credential(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, BadgeError> {
    let (_, view, jwt) = own_credential(&state, &launched, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/vc+jwt"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.jwt\"", view.badge.key),
        ))
        .body(jwt))
}

/// The learner's badge as a PNG image with the signed 3.0 credential
/// baked in (and, for a public award, the hosted 2.0 assertion's address).
#[utoipa::path(
    get,
    path = "/api/v1/badges/{id}/image.png",
    tag = "badges",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The award")),
    responses(
        (status = 200, description = "The baked image", content_type = "image/png", body = Vec<u8>),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such award of this learner", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn my_baked_image(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, BadgeError> {
    let (row, view, jwt) = own_credential(&state, &launched, id.into_inner()).await?;
    let png = class_png(&state, view.badge.id).await?;
    let mut baked = png::bake(&png, "openbadgecredential", &jwt).ok_or(BadgeError::NotFound)?;
    if row.public && row.revoked_at.is_none() {
        baked = png::bake(&baked, "openbadges", &urls(&state).assertion(row.id))
            .ok_or(BadgeError::NotFound)?;
    }
    Ok(image_download(baked, &view.badge.key))
}

/// One of the learner's own awards with its signed 3.0 credential.
async fn own_credential(
    state: &AppState,
    launched: &Launched,
    id: Uuid,
) -> Result<(crate::entities::badge_award::Model, AwardView, String), BadgeError> {
    let row = awards::own(&state.db, launched.0.person_id, id).await?;
    let view = awards::award(&state.db, row.id).await?;
    let key = state.issuer_key.get(&state.db).await.map_err(signing)?;
    let jwt = openbadges3::signed_credential(
        &state.db,
        &urls3(state),
        &state.settings.badges,
        &key,
        row.id,
    )
    .await?;
    Ok((row, view, jwt))
}

#[derive(serde::Serialize)]
struct AwardPage {
    title: String,
    description: String,
    criteria: String,
    holder: String,
    awarded_on: String,
    revoked: bool,
    revoked_on: String,
    revocation_reason: String,
    issuer_name: String,
    issuer_url: String,
    image_url: String,
    assertion_url: String,
    credential_url: String,
    issuer_url_v3: String,
    status_list_url: String,
    evidence: Vec<ShownItem>,
}

#[derive(serde::Serialize)]
struct ShownItem {
    id: Uuid,
    title: String,
    body_html: Option<String>,
    url: Option<String>,
    file_name: Option<String>,
}

/// GET `/badges/awards/{id}`: the public verification page of an award
/// its holder made public; anyone can check it without signing in.
pub async fn verification_page(state: web::Data<AppState>, id: web::Path<Uuid>) -> HttpResponse {
    use super::errors::{error_page, PageText};
    use actix_web::http::StatusCode;
    let id = id.into_inner();
    let (row, view) = match openbadges2::public_award(&state.db, id).await {
        Ok(found) => found,
        Err(BadgeError::NotFound) => {
            return error_page(
                StatusCode::NOT_FOUND,
                "badge_not_found",
                PageText {
                    title: "This badge is not shown here",
                    lead: "No badge has this address, or its holder keeps it private.",
                    advice: "Ask them for the address of a badge they have made public.",
                },
                "no public award has this id",
            )
        }
        Err(e) => return actix_web::ResponseError::error_response(&e),
    };
    let holder = crate::portfolio::sharing::names_of(
        &state.db,
        std::collections::HashSet::from([row.person_id]),
    )
    .await
    .ok()
    .and_then(|names| names.get(&row.person_id).cloned())
    .unwrap_or_default();
    let urls = urls(&state);
    let class = openbadges2::badge_class(&state.db, &urls, view.badge.id)
        .await
        .unwrap_or_default();
    let date = |ms: i64| {
        crate::util::rfc3339_ms(ms)
            .chars()
            .take(10)
            .collect::<String>()
    };
    let page = AwardPage {
        title: crate::frameworks::model::pick(&view.badge.name, "en")
            .unwrap_or(&view.badge.key)
            .to_owned(),
        description: class["description"].as_str().unwrap_or_default().to_owned(),
        criteria: class["criteria"]["narrative"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        holder,
        awarded_on: date(row.awarded_at),
        revoked: row.revoked_at.is_some(),
        revoked_on: row.revoked_at.map(date).unwrap_or_default(),
        revocation_reason: row.revocation_reason.clone().unwrap_or_default(),
        issuer_name: state
            .settings
            .badges
            .issuer_name
            .clone()
            .unwrap_or_else(|| "Carefolio".to_owned()),
        issuer_url: state
            .settings
            .badges
            .issuer_url
            .as_ref()
            .map_or_else(|| state.base_url.to_string(), |u| u.to_string()),
        image_url: format!("/badges/classes/{}/image.svg", view.badge.id),
        assertion_url: urls.assertion(id),
        credential_url: urls3(&state).credential(id),
        issuer_url_v3: urls3(&state).issuer(),
        status_list_url: urls3(&state).status_list(),
        evidence: awards::shown_evidence(&state.db, &row)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|item| ShownItem {
                id: item.id,
                title: item.title,
                body_html: item.body_html,
                // Only web addresses become links.
                url: item
                    .url
                    .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
                file_name: item.file.map(|f| f.name),
            })
            .collect(),
    };
    let body = super::templates::render("badge_award", &page);
    super::html::page(StatusCode::OK, &super::html::PagePolicy::Shared)
        .insert_header((
            header::LINK,
            format!(
                "<{}>; rel=\"alternate\"; type=\"application/ld+json\", <{}>; rel=\"alternate\"; type=\"application/vc+jwt\"",
                urls.assertion(id),
                urls3(&state).credential(id)
            ),
        ))
        .body(body)
}

/// GET `/ims/case/v1p0/CFItems/{id}`: one framework item as a CASE 1.0
/// CFItem, public like the frameworks themselves, so that badge
/// alignments and statements name an address that answers.
pub async fn case_item(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, BadgeError> {
    use sea_orm::EntityTrait;
    let node = crate::entities::competence::Entity::find_by_id(id.into_inner())
        .one(&state.db)
        .await?
        .ok_or(BadgeError::NotFound)?;
    let title: crate::frameworks::LanguageMap =
        serde_json::from_str(&node.title).unwrap_or_default();
    let body = serde_json::json!({
        "identifier": node.id,
        "uri": openbadges2::item_url(&state.base_url, &node),
        "fullStatement": crate::frameworks::model::pick(&title, "en").unwrap_or(&node.code),
        "humanCodingScheme": node.code,
        "CFItemType": node.item_type,
    });
    Ok(hosted(actix_web::http::StatusCode::OK, &body))
}
