//! Claims (the learner), the assessor's queue and decisions, and how a
//! course assesses (its instructors). Whether someone may assess a claim
//! is decided in `assessment::course`, never by roles compared here.

use actix_web::{web, HttpResponse};
use uuid::Uuid;

use super::evidence::{respond_to_assessor, EvidenceResponse};
use super::extractors::{Launched, Teacher};
use super::openapi::{NotTeacher, Problem, Unauthenticated};
use super::{no_store, AppState};
use crate::assessment::claims::{self, ClaimChange, ClaimDraft, ClaimView};
use crate::assessment::course::{self, CourseAssessment, Settings, SettingsChange};
use crate::assessment::review::{
    self, DecisionDraft, QueueEntry, QueueFilter, Reconciliation, ReviewView,
};
use crate::assessment::AssessmentError;
use crate::identity::PersonId;

/// The learner's claims, newest change first.
#[utoipa::path(
    get,
    path = "/api/v1/claims",
    tag = "claims",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "The learner's claims with their rounds and, once decided, the decisions", body = [ClaimView]),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn list_claims(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AssessmentError> {
    let list = claims::list_own(&state.db, launched.0.person_id).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

/// Starts a claim (a draft) in the course of the launch.
#[utoipa::path(
    post,
    path = "/api/v1/claims",
    tag = "claims",
    security(("launch_token" = [])),
    request_body = ClaimDraft,
    responses(
        (status = 201, description = "The draft claim", body = ClaimView),
        (status = 401, response = Unauthenticated),
        (status = 409, description = "The launch is not from a course", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is wrong; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_claim(
    launched: Launched,
    state: web::Data<AppState>,
    body: web::Json<ClaimDraft>,
) -> Result<HttpResponse, AssessmentError> {
    let view = claims::create(&state.db, &launched.0, body.into_inner()).await?;
    Ok(no_store(HttpResponse::Created()).json(view))
}

/// One of the learner's claims.
#[utoipa::path(
    get,
    path = "/api/v1/claims/{id}",
    tag = "claims",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The claim")),
    responses(
        (status = 200, description = "The claim", body = ClaimView),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such claim of this learner", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_claim(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AssessmentError> {
    let view = claims::own(&state.db, launched.0.person_id, id.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(view))
}

/// Changes the statement, evidence or level of the round being prepared.
///
/// A submitted round never changes; after "more evidence needed" the first
/// change starts the next round from the last one.
#[utoipa::path(
    patch,
    path = "/api/v1/claims/{id}",
    tag = "claims",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The claim")),
    request_body = ClaimChange,
    responses(
        (status = 200, description = "The claim as changed", body = ClaimView),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such claim of this learner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The claim is submitted or decided: its evidence is frozen", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is wrong; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_claim(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<ClaimChange>,
) -> Result<HttpResponse, AssessmentError> {
    let view = claims::change(
        &state.db,
        launched.0.person_id,
        id.into_inner(),
        body.into_inner(),
    )
    .await?;
    Ok(no_store(HttpResponse::Ok()).json(view))
}

/// Submits the claim: its evidence is frozen at the versions it has now.
#[utoipa::path(
    post,
    path = "/api/v1/claims/{id}/submit",
    tag = "claims",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The claim")),
    responses(
        (status = 200, description = "The submitted claim", body = ClaimView),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such claim of this learner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already submitted or decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No evidence, no statement, or an item that is gone", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn submit_claim(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AssessmentError> {
    let view = claims::submit(&state.db, launched.0.person_id, id.into_inner()).await?;
    state.grades.wake();
    Ok(no_store(HttpResponse::Ok()).json(view))
}

/// Withdraws a claim no assessor has decided yet.
#[utoipa::path(
    post,
    path = "/api/v1/claims/{id}/withdraw",
    tag = "claims",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The claim")),
    responses(
        (status = 200, description = "The withdrawn claim", body = ClaimView),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such claim of this learner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn withdraw_claim(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AssessmentError> {
    let view = claims::withdraw(&state.db, launched.0.person_id, id.into_inner()).await?;
    state.grades.wake();
    Ok(no_store(HttpResponse::Ok()).json(view))
}

/// The claims waiting for this assessor, oldest submission first, across
/// every course they assess.
#[utoipa::path(
    get,
    path = "/api/v1/assessment/queue",
    tag = "assessment",
    security(("launch_token" = [])),
    params(QueueFilter),
    responses(
        (status = 200, description = "The queue; empty for someone who assesses nowhere", body = [QueueEntry]),
        (status = 401, response = Unauthenticated),
        (status = 422, description = "An unknown status filter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn queue(
    launched: Launched,
    state: web::Data<AppState>,
    filter: web::Query<QueueFilter>,
) -> Result<HttpResponse, AssessmentError> {
    let list = review::queue(&state.db, launched.0.person_id, &filter).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

/// What an assessor sees of a claim: the evidence with file addresses that
/// work while they may read the claim.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ReviewResponse {
    pub claim: ClaimView,
    pub learner_name: String,
    /// The evidence of the submission under review, at the versions submitted.
    pub evidence: Vec<EvidenceResponse>,
    pub may_decide: bool,
    pub may_reconcile: bool,
}

fn review_response(state: &AppState, assessor: PersonId, view: ReviewView) -> ReviewResponse {
    let claim = view.claim.id;
    ReviewResponse {
        evidence: view
            .evidence
            .into_iter()
            .map(|item| respond_to_assessor(state, assessor, claim, item))
            .collect(),
        claim: view.claim,
        learner_name: view.learner_name,
        may_decide: view.may_decide,
        may_reconcile: view.may_reconcile,
    }
}

/// A claim with its evidence as submitted, for an assessor of its course.
///
/// The read is written to the learner's audit trail. Other assessors'
/// decisions on this submission show only once this assessor has decided.
#[utoipa::path(
    get,
    path = "/api/v1/assessment/claims/{id}",
    tag = "assessment",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The claim")),
    responses(
        (status = 200, description = "The claim, its evidence at the versions submitted, and what this assessor may do", body = ReviewResponse),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "The assessor's own claim", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such submitted claim in a course this person assesses", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn review_claim(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AssessmentError> {
    let person = launched.0.person_id;
    let view = review::open(&state.db, person, id.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(review_response(&state, person, view)))
}

/// Decides the submission under review.
#[utoipa::path(
    post,
    path = "/api/v1/assessment/claims/{id}/decisions",
    tag = "assessment",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The claim")),
    request_body = DecisionDraft,
    responses(
        (status = 201, description = "Recorded; the claim is decided when enough decisions agree", body = ReviewResponse),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "The assessor's own claim", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such submitted claim in a course this person assesses", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for a decision, already decided by this assessor, or waiting for the lead assessor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is wrong; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn decide(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<DecisionDraft>,
) -> Result<HttpResponse, AssessmentError> {
    let decided = review::decide(
        &state.db,
        launched.0.person_id,
        id.into_inner(),
        body.into_inner(),
        &state.base_url,
    )
    .await?;
    state.grades.wake();
    Ok(no_store(HttpResponse::Created()).json(review_response(
        &state,
        launched.0.person_id,
        decided.view,
    )))
}

/// The lead assessor settles decisions that disagree, with a reason.
#[utoipa::path(
    post,
    path = "/api/v1/assessment/claims/{id}/reconciliation",
    tag = "assessment",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The claim")),
    request_body = Reconciliation,
    responses(
        (status = 201, description = "The claim is decided", body = ReviewResponse),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "Not the course's lead assessor, or their own claim", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such submitted claim in a course this person assesses", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No disagreeing decisions to reconcile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given, or a field is wrong", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn reconcile(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<Reconciliation>,
) -> Result<HttpResponse, AssessmentError> {
    let decided = review::reconcile(
        &state.db,
        launched.0.person_id,
        id.into_inner(),
        body.into_inner(),
        &state.base_url,
    )
    .await?;
    state.grades.wake();
    Ok(no_store(HttpResponse::Created()).json(review_response(
        &state,
        launched.0.person_id,
        decided.view,
    )))
}

/// How the course of the launch assesses, and who assesses in it.
#[utoipa::path(
    get,
    path = "/api/v1/assessment/course",
    tag = "assessment",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "Settings and assessors of the course", body = CourseAssessment),
        (status = 401, response = Unauthenticated),
        (status = 403, response = NotTeacher),
    )
)]
pub async fn course_assessment(
    teacher: Teacher,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AssessmentError> {
    let overview = course::overview(&state.db, &teacher.0).await?;
    Ok(no_store(HttpResponse::Ok()).json(overview))
}

/// Changes how the course assesses: decisions per claim, lead assessor,
/// the gradebook rule.
#[utoipa::path(
    patch,
    path = "/api/v1/assessment/course",
    tag = "assessment",
    security(("launch_token" = [])),
    request_body = SettingsChange,
    responses(
        (status = 200, description = "The settings as saved", body = Settings),
        (status = 401, response = Unauthenticated),
        (status = 403, response = NotTeacher),
        (status = 422, description = "A field is wrong; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_course_assessment(
    teacher: Teacher,
    state: web::Data<AppState>,
    body: web::Json<SettingsChange>,
) -> Result<HttpResponse, AssessmentError> {
    let settings = course::change_settings(&state.db, &teacher.0, body.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(settings))
}

/// Names a Carefolio person as an assessor of the course.
#[utoipa::path(
    put,
    path = "/api/v1/assessment/course/assessors/{person}",
    tag = "assessment",
    security(("launch_token" = [])),
    params(("person" = Uuid, Path, description = "The person named")),
    responses(
        (status = 204, description = "They assess in the course from now on"),
        (status = 401, response = Unauthenticated),
        (status = 403, response = NotTeacher),
        (status = 422, description = "No such person", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn name_assessor(
    teacher: Teacher,
    state: web::Data<AppState>,
    person: web::Path<Uuid>,
) -> Result<HttpResponse, AssessmentError> {
    course::name_assessor(&state.db, &teacher.0, person.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Takes a named assessor's capability away; their decisions stay.
#[utoipa::path(
    delete,
    path = "/api/v1/assessment/course/assessors/{person}",
    tag = "assessment",
    security(("launch_token" = [])),
    params(("person" = Uuid, Path, description = "The person named before")),
    responses(
        (status = 204, description = "They no longer assess in the course"),
        (status = 401, response = Unauthenticated),
        (status = 403, response = NotTeacher),
        (status = 404, description = "Not a named assessor of the course", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn remove_assessor(
    teacher: Teacher,
    state: web::Data<AppState>,
    person: web::Path<Uuid>,
) -> Result<HttpResponse, AssessmentError> {
    course::remove_assessor(&state.db, &teacher.0, person.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
