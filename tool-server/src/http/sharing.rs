//! Collections, shares, what others shared, comments, the audit trail, and
//! a teacher's read-only view of a learner's shared portfolio. Each
//! handler gets its capability from `portfolio::access`, never by
//! comparing roles itself.

use std::collections::HashSet;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::evidence::{respond_to, EvidenceResponse};
use super::extractors::{Launched, Teacher};
use super::openapi::{NotTeacher, Problem, Unauthenticated};
use super::{no_store, AppState};
use crate::identity::PersonId;
use crate::portfolio::access::{self, Access};
use crate::portfolio::collections::{self, CollectionDraft, CollectionView};
use crate::portfolio::evidence::{self, EvidenceError};
use crate::portfolio::map;
use crate::portfolio::sharing::{self, ShareDraft};

/// The learner's collections.
#[utoipa::path(
    get,
    path = "/api/v1/collections",
    tag = "collections",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "The learner's collections", body = [CollectionView]),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn list_collections(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let list = collections::list(&state.db, launched.0.person_id).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

/// Makes a collection: ordered items with an introduction.
#[utoipa::path(
    post,
    path = "/api/v1/collections",
    tag = "collections",
    security(("launch_token" = [])),
    request_body = CollectionDraft,
    responses(
        (status = 201, description = "The new collection", body = CollectionView),
        (status = 401, response = Unauthenticated),
        (status = 422, description = "A field is wrong, or an item is not the learner's; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_collection(
    launched: Launched,
    state: web::Data<AppState>,
    body: web::Json<CollectionDraft>,
) -> Result<HttpResponse, EvidenceError> {
    let view = collections::create(&state.db, launched.0.person_id, body.into_inner()).await?;
    Ok(no_store(HttpResponse::Created()).json(view))
}

/// One of the learner's collections.
#[utoipa::path(
    get,
    path = "/api/v1/collections/{id}",
    tag = "collections",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The collection")),
    responses(
        (status = 200, description = "The collection with its items in order", body = CollectionView),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such collection of this learner", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_collection(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, EvidenceError> {
    let view = collections::get(&state.db, launched.0.person_id, id.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(view))
}

/// Replaces a collection's title, introduction and items.
#[utoipa::path(
    put,
    path = "/api/v1/collections/{id}",
    tag = "collections",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The collection")),
    request_body = CollectionDraft,
    responses(
        (status = 200, description = "The collection as saved", body = CollectionView),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such collection of this learner", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is wrong; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_collection(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<CollectionDraft>,
) -> Result<HttpResponse, EvidenceError> {
    let view = collections::update(
        &state.db,
        launched.0.person_id,
        id.into_inner(),
        body.into_inner(),
    )
    .await?;
    Ok(no_store(HttpResponse::Ok()).json(view))
}

/// Deletes a collection (not its items).
#[utoipa::path(
    delete,
    path = "/api/v1/collections/{id}",
    tag = "collections",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The collection")),
    responses(
        (status = 204, description = "Deleted; its items stay in the portfolio"),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such collection of this learner", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_collection(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, EvidenceError> {
    collections::delete(&state.db, launched.0.person_id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The people of the launch's course a learner can share with.
#[utoipa::path(
    get,
    path = "/api/v1/course-people",
    tag = "sharing",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "The people of the launch's course the learner can share with", body = [sharing::CoursePerson]),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn course_people(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let people = sharing::course_people(&state.db, &launched.0).await?;
    Ok(no_store(HttpResponse::Ok()).json(people))
}

/// The learner's shares.
#[utoipa::path(
    get,
    path = "/api/v1/shares",
    tag = "sharing",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "The learner's shares, active and revoked", body = [sharing::ShareView]),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn list_shares(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let list = sharing::list(&state.db, launched.0.person_id).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

#[derive(Serialize, utoipa::ToSchema)]
struct CreatedShare {
    #[serde(flatten)]
    share: sharing::ShareView,
    /// For a link: the address to give, shown once.
    url: Option<String>,
}

/// Shares the portfolio or a collection with a person, the course's teachers, or by a secret link.
#[utoipa::path(
    post,
    path = "/api/v1/shares",
    tag = "sharing",
    security(("launch_token" = [])),
    request_body = ShareDraft,
    responses(
        (status = 201, description = "The share; for a link, its address, shown this once", body = CreatedShare),
        (status = 401, response = Unauthenticated),
        (status = 422, description = "A field is wrong; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_share(
    launched: Launched,
    state: web::Data<AppState>,
    body: web::Json<ShareDraft>,
) -> Result<HttpResponse, EvidenceError> {
    let share = sharing::create(&state.db, &launched.0, body.into_inner()).await?;
    let url = share
        .secret
        .as_ref()
        .map(|secret| format!("{}/s/{secret}", state.base_url));
    Ok(no_store(HttpResponse::Created()).json(CreatedShare { share, url }))
}

/// Revokes a share, at once.
#[utoipa::path(
    delete,
    path = "/api/v1/shares/{id}",
    tag = "sharing",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The share")),
    responses(
        (status = 204, description = "Revoked, at once"),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such share of this learner", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revoke_share(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, EvidenceError> {
    sharing::revoke(&state.db, launched.0.person_id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What others have shared with this person.
#[utoipa::path(
    get,
    path = "/api/v1/shared-with-me",
    tag = "sharing",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "What others shared with this person or with the courses they teach", body = [sharing::SharedWithMe]),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn shared_with_me(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let list = sharing::shared_with(&state.db, &launched.0).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

/// A portfolio (or collection) as a reader sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SharedPortfolio {
    pub owner_name: String,
    pub collection: Option<CollectionView>,
    pub items: Vec<EvidenceResponse>,
    pub may_comment: bool,
}

async fn shared_portfolio(
    state: &AppState,
    access: &Access,
) -> Result<SharedPortfolio, EvidenceError> {
    let ids = access::visible_items(&state.db, access).await?;
    let views = evidence::load_many(&state.db, &ids).await?;
    access::record(&state.db, access, access::Action::ReadItem, &ids).await?;
    let owner_name = sharing::names_of(&state.db, HashSet::from([access.owner.0]))
        .await?
        .remove(&access.owner.0)
        .unwrap_or_default();
    let collection = match access.scope {
        access::Scope::Collection(id) => collections::shown(&state.db, access.owner, id).await?,
        access::Scope::Everything => None,
    };
    Ok(SharedPortfolio {
        owner_name,
        collection: collection.map(|mut c| {
            c.items.retain(|item| ids.contains(item));
            c
        }),
        items: views
            .into_iter()
            .map(|view| respond_to(state, access, view))
            .collect(),
        may_comment: access.may_comment(),
    })
}

/// What a share shows its reader.
#[utoipa::path(
    get,
    path = "/api/v1/shared/{share}",
    tag = "sharing",
    security(("launch_token" = [])),
    params(("share" = Uuid, Path, description = "The share")),
    responses(
        (status = 200, description = "What the share shows its reader; the read is written to the owner's audit trail", body = SharedPortfolio),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such share for this reader, or it was revoked or has expired", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn read_shared(
    launched: Launched,
    state: web::Data<AppState>,
    share: web::Path<Uuid>,
) -> Result<HttpResponse, EvidenceError> {
    let access = access::through_share(&state.db, &launched.0, share.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(shared_portfolio(&state, &access).await?))
}

/// The competence map of what a share shows.
#[utoipa::path(
    get,
    path = "/api/v1/shared/{share}/map/{framework}",
    tag = "sharing",
    security(("launch_token" = [])),
    params(("share" = Uuid, Path, description = "The share"), ("framework" = String, Path, description = "The framework's key, for example `carerplus`")),
    responses(
        (status = 200, description = "The competence map of what the share shows", body = map::CompetenceMap),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such share for this reader, or no such framework", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn shared_map(
    launched: Launched,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, EvidenceError> {
    let (share, key) = path.into_inner();
    let access = access::through_share(&state.db, &launched.0, share).await?;
    let shown: HashSet<Uuid> = access::visible_items(&state.db, &access)
        .await?
        .into_iter()
        .collect();
    let map = map::map(&state.db, access.owner, &key, Some(&shown)).await?;
    Ok(no_store(HttpResponse::Ok()).json(map))
}

/// For a teacher of the course: the map of what a learner shared with the course.
#[utoipa::path(
    get,
    path = "/api/v1/learners/{person}/map/{framework}",
    tag = "teaching",
    security(("launch_token" = [])),
    params(("person" = Uuid, Path, description = "The learner"), ("framework" = String, Path, description = "The framework's key, for example `carerplus`")),
    responses(
        (status = 200, description = "The map of what the learner shared with the course", body = map::CompetenceMap),
        (status = 401, response = Unauthenticated),
        (status = 403, response = NotTeacher),
        (status = 404, description = "No such learner in the course, or no such framework", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn learner_map(
    teacher: Teacher,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, EvidenceError> {
    let (learner, key) = path.into_inner();
    let access = access::course_share_of(&state.db, &teacher.0, PersonId(learner)).await?;
    let shown: HashSet<Uuid> = access::visible_items(&state.db, &access)
        .await?
        .into_iter()
        .collect();
    let map = map::map(&state.db, access.owner, &key, Some(&shown)).await?;
    Ok(no_store(HttpResponse::Ok()).json(map))
}

/// What a secret link shows, without sign-in.
#[utoipa::path(
    get,
    path = "/api/v1/public/{secret}",
    tag = "sharing",
    security(()),
    params(("secret" = String, Path, description = "The secret of a link share")),
    responses(
        (status = 200, description = "What the link shows; never an item that describes a care recipient", body = SharedPortfolio),
        (status = 404, description = "No active share has this link", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn read_public(
    state: web::Data<AppState>,
    secret: web::Path<String>,
) -> Result<HttpResponse, EvidenceError> {
    let access = access::through_link(&state.db, &secret).await?;
    Ok(no_store(HttpResponse::Ok())
        .insert_header(("X-Robots-Tag", "noindex, nofollow"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .json(shared_portfolio(&state, &access).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThroughShare {
    /// The share a reader reads through; none for the owner.
    share: Option<Uuid>,
}

async fn access_for(
    state: &AppState,
    launched: &Launched,
    share: Option<Uuid>,
    item: Uuid,
) -> Result<Access, EvidenceError> {
    match share {
        Some(share) => access::through_share(&state.db, &launched.0, share).await,
        None => {
            let owner = evidence::owner_of(&state.db, item).await?;
            if owner == launched.0.person_id {
                Ok(Access::owner(owner))
            } else {
                Err(EvidenceError::NotFound)
            }
        }
    }
}

/// The comments on an item, for its owner or a reader of a share that shows it.
#[utoipa::path(
    get,
    path = "/api/v1/evidence/{id}/comments",
    tag = "comments",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The item"), ThroughShare),
    responses(
        (status = 200, description = "The item's comments, oldest first", body = [sharing::CommentView]),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such item for this reader", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_comments(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<ThroughShare>,
) -> Result<HttpResponse, EvidenceError> {
    let item = id.into_inner();
    let access = access_for(&state, &launched, query.share, item).await?;
    let list = sharing::comments(&state.db, &access, item).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewComment {
    body: String,
}

/// Comments on an item, as its owner or as a reader of a share that lets readers comment.
#[utoipa::path(
    post,
    path = "/api/v1/evidence/{id}/comments",
    tag = "comments",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The item"), ThroughShare),
    request_body = NewComment,
    responses(
        (status = 201, description = "The comment", body = sharing::CommentView),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "This share does not let its readers comment", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item for this reader", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The comment is empty or too long; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_comment(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<ThroughShare>,
    body: web::Json<NewComment>,
) -> Result<HttpResponse, EvidenceError> {
    let item = id.into_inner();
    let access = access_for(&state, &launched, query.share, item).await?;
    let comment = sharing::add_comment(&state.db, &access, item, &body.body).await?;
    Ok(no_store(HttpResponse::Created()).json(comment))
}

/// Others' comments on the learner's evidence that they have not seen yet.
#[utoipa::path(
    get,
    path = "/api/v1/comments/unseen",
    tag = "comments",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "Others' comments on the learner's evidence that they have not seen", body = [sharing::CommentView]),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn unseen_comments(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let list = sharing::unseen(&state.db, launched.0.person_id).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

/// Marks every comment so far as seen.
#[utoipa::path(
    post,
    path = "/api/v1/comments/seen",
    tag = "comments",
    security(("launch_token" = [])),
    responses(
        (status = 204, description = "Every comment so far is seen"),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn mark_comments_seen(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    sharing::mark_seen(&state.db, launched.0.person_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who read the learner's evidence, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "sharing",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "Who read the learner's evidence, newest first (the last 500 reads)", body = [access::AuditLine]),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn audit_trail(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let lines = access::trail(&state.db, launched.0.person_id, 500).await?;
    Ok(no_store(HttpResponse::Ok()).json(lines))
}

#[derive(Serialize)]
struct SharedPage {
    title: String,
    lead: String,
    introduction_html: Option<String>,
    items: Vec<SharedPageItem>,
}

#[derive(Serialize)]
struct SharedPageItem {
    title: String,
    competences: String,
    body_html: Option<String>,
    url: Option<String>,
    file_url: Option<String>,
    file_name: Option<String>,
    image: bool,
    audio: bool,
    video: bool,
    download: bool,
}

/// GET `/s/{secret}`: the page a secret link opens, readable without
/// sign-in; a link that no longer works says so.
pub async fn shared_page(state: web::Data<AppState>, secret: web::Path<String>) -> HttpResponse {
    use super::errors::{error_page, PageText};
    use actix_web::http::StatusCode;
    let access = match access::through_link(&state.db, &secret).await {
        Ok(access) => access,
        Err(EvidenceError::ShareNotFound) => {
            return error_page(
                StatusCode::NOT_FOUND,
                "share_not_found",
                PageText {
                    title: "This link does not work any more",
                    lead: "The person who shared their portfolio with this link has withdrawn it, or it has expired.",
                    advice: "Ask them for a new link if you still need it.",
                },
                "no active share has this link",
            )
        }
        Err(e) => return actix_web::ResponseError::error_response(&e),
    };
    let portfolio = match shared_portfolio(&state, &access).await {
        Ok(portfolio) => portfolio,
        Err(e) => return actix_web::ResponseError::error_response(&e),
    };
    let items = portfolio
        .items
        .into_iter()
        .map(|item| {
            let media = item
                .view
                .file
                .as_ref()
                .map(|f| f.media_type.clone())
                .unwrap_or_default();
            let has_file = item.file_url.is_some();
            let image = has_file && media.starts_with("image/");
            let audio = has_file && media.starts_with("audio/");
            let video = has_file && media.starts_with("video/");
            SharedPageItem {
                competences: item
                    .view
                    .tags
                    .iter()
                    .map(|t| {
                        let title = crate::frameworks::model::pick(&t.title, "en").unwrap_or("");
                        format!("{} {title}", t.code)
                    })
                    .collect::<Vec<_>>()
                    .join(" · "),
                download: has_file && !image && !audio && !video,
                image,
                audio,
                video,
                file_name: item.view.file.as_ref().map(|f| f.name.clone()),
                file_url: item.file_url,
                title: item.view.title,
                body_html: item.view.body_html,
                url: item.view.url,
            }
        })
        .collect();
    let (title, lead) = match &portfolio.collection {
        Some(collection) => (
            collection.title.clone(),
            format!("Evidence collected by {}", portfolio.owner_name),
        ),
        None => (
            format!("{}'s portfolio", portfolio.owner_name),
            "Evidence of competence in care work".to_owned(),
        ),
    };
    let body = super::templates::render(
        "shared",
        &SharedPage {
            title,
            lead,
            introduction_html: portfolio.collection.and_then(|c| c.introduction_html),
            items,
        },
    );
    super::html::page(StatusCode::OK, &super::html::PagePolicy::Shared)
        .insert_header(("X-Robots-Tag", "noindex, nofollow"))
        .body(body)
}
