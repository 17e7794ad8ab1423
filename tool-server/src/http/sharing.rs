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
use super::{no_store, AppState};
use crate::identity::PersonId;
use crate::portfolio::access::{self, Access};
use crate::portfolio::collections::{self, CollectionDraft, CollectionView};
use crate::portfolio::evidence::{self, EvidenceError};
use crate::portfolio::map;
use crate::portfolio::sharing::{self, ShareDraft};

pub async fn list_collections(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let list = collections::list(&state.db, launched.0.person_id).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

pub async fn create_collection(
    launched: Launched,
    state: web::Data<AppState>,
    body: web::Json<CollectionDraft>,
) -> Result<HttpResponse, EvidenceError> {
    let view = collections::create(&state.db, launched.0.person_id, body.into_inner()).await?;
    Ok(no_store(HttpResponse::Created()).json(view))
}

pub async fn get_collection(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, EvidenceError> {
    let view = collections::get(&state.db, launched.0.person_id, id.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(view))
}

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

pub async fn delete_collection(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, EvidenceError> {
    collections::delete(&state.db, launched.0.person_id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET `/api/v1/course-people`: who of the course a learner can share with.
pub async fn course_people(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let people = sharing::course_people(&state.db, &launched.0).await?;
    Ok(no_store(HttpResponse::Ok()).json(people))
}

pub async fn list_shares(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let list = sharing::list(&state.db, launched.0.person_id).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

#[derive(Serialize)]
struct CreatedShare {
    #[serde(flatten)]
    share: sharing::ShareView,
    /// For a link: the address to give, shown once.
    url: Option<String>,
}

/// POST `/api/v1/shares`.
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

/// DELETE `/api/v1/shares/{id}`: revokes it, at once.
pub async fn revoke_share(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, EvidenceError> {
    sharing::revoke(&state.db, launched.0.person_id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET `/api/v1/shared-with-me`.
pub async fn shared_with_me(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let list = sharing::shared_with(&state.db, &launched.0).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

/// A portfolio (or collection) as a reader sees it.
#[derive(Serialize)]
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

/// GET `/api/v1/shared/{share}`: what a share shows its reader.
pub async fn read_shared(
    launched: Launched,
    state: web::Data<AppState>,
    share: web::Path<Uuid>,
) -> Result<HttpResponse, EvidenceError> {
    let access = access::through_share(&state.db, &launched.0, share.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(shared_portfolio(&state, &access).await?))
}

/// GET `/api/v1/shared/{share}/map/{framework}`: the competence map of
/// what the share shows.
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

/// GET `/api/v1/learners/{person}/map/{framework}`: for a teacher of the
/// course, the map of what the learner shared with the course.
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

/// GET `/api/v1/public/{secret}`: what a secret link shows, without sign-in.
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

#[derive(Deserialize)]
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

/// GET `/api/v1/evidence/{id}/comments[?share=]`.
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

#[derive(Deserialize)]
pub struct NewComment {
    body: String,
}

/// POST `/api/v1/evidence/{id}/comments[?share=]`: `{"body": "…"}`.
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

/// GET `/api/v1/comments/unseen`: others' comments the owner has not seen.
pub async fn unseen_comments(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let list = sharing::unseen(&state.db, launched.0.person_id).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

/// POST `/api/v1/comments/seen`.
pub async fn mark_comments_seen(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    sharing::mark_seen(&state.db, launched.0.person_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET `/api/v1/audit`: who read the learner's evidence, newest first.
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
