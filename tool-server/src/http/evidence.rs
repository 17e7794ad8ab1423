//! The learner's evidence, competence map and self-ratings, for the widget
//! (launch token), and evidence files at short-lived addresses.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::extractors::Launched;
use super::openapi::{Binary, Problem, Unauthenticated};
use super::{no_store, AppState};
use crate::files::{Claims, FileError};
use crate::identity::PersonId;
use crate::portfolio::access::{self, Access};
use crate::portfolio::evidence::{self, Change, Draft, EvidenceError, EvidenceView, Kind, Upload};
use crate::portfolio::session::LaunchSession;
use crate::portfolio::{candidates, map, PortfolioError};
use crate::signing::Purpose;
use crate::util::now_ms;

/// How long a file address stays valid.
const FILE_ACCESS_SECS: i64 = 600;

/// An evidence item as the API answers it: with the address of its file.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EvidenceResponse {
    #[serde(flatten)]
    pub view: EvidenceView,
    /// A short-lived address of the file for this reader.
    pub file_url: Option<String>,
}

/// What a file address carries, kept short.
#[derive(Serialize, Deserialize)]
struct FileAccess {
    #[serde(rename = "i")]
    item: Uuid,
    #[serde(rename = "s")]
    sha256: String,
    /// The reading person; none for a link holder.
    #[serde(rename = "p")]
    reader: Option<Uuid>,
    /// The share read through; none for the owner.
    #[serde(rename = "h", default)]
    share: Option<Uuid>,
    /// The claim an assessor reads the file through.
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    claim: Option<Uuid>,
    #[serde(rename = "e")]
    expires_at_ms: i64,
}

/// The item for the reader of `access`, with a file address made for them.
pub fn respond_to(state: &AppState, access: &Access, view: EvidenceView) -> EvidenceResponse {
    let reader = access.reader_person().map(|p| p.0);
    with_file_url(state, view, reader, access.share(), None)
}

/// A cited item for an assessor of `claim`, with a file address that works
/// while they may read the claim.
pub fn respond_to_assessor(
    state: &AppState,
    assessor: PersonId,
    claim: Uuid,
    view: EvidenceView,
) -> EvidenceResponse {
    with_file_url(state, view, Some(assessor.0), None, Some(claim))
}

fn with_file_url(
    state: &AppState,
    view: EvidenceView,
    reader: Option<Uuid>,
    share: Option<Uuid>,
    claim: Option<Uuid>,
) -> EvidenceResponse {
    let file_url = view.file.as_ref().and_then(|file| {
        let access = FileAccess {
            item: view.id,
            sha256: file.sha256.clone(),
            reader,
            share,
            claim,
            expires_at_ms: now_ms() + FILE_ACCESS_SECS * 1000,
        };
        let token = state.signer.seal(Purpose::FileAccess, &access).ok()?;
        let name: String = url::form_urlencoded::byte_serialize(file.name.as_bytes()).collect();
        Some(format!("/files/{}/{name}?access={token}", view.id))
    });
    EvidenceResponse { view, file_url }
}

/// The item for its owner.
pub fn respond(state: &AppState, owner: PersonId, view: EvidenceView) -> EvidenceResponse {
    respond_to(state, &Access::owner(owner), view)
}

/// The owner's item, or 404: another learner's item is not there for them.
async fn owned(state: &AppState, session: &LaunchSession, id: Uuid) -> Result<(), EvidenceError> {
    if evidence::owner_of(&state.db, id).await? == session.person_id {
        Ok(())
    } else {
        Err(EvidenceError::NotFound)
    }
}

/// The learner's own evidence, newest first.
#[utoipa::path(
    get,
    operation_id = "list_evidence",
    path = "/api/v1/evidence",
    tag = "evidence",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "The learner's evidence, newest first", body = [EvidenceResponse]),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn list(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let person = launched.0.person_id;
    let items: Vec<EvidenceResponse> = evidence::list(&state.db, person)
        .await?
        .into_iter()
        .map(|view| respond(&state, person, view))
        .collect();
    Ok(no_store(HttpResponse::Ok()).json(items))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewEvidence {
    kind: Kind,
    #[serde(flatten)]
    draft: Draft,
}

/// Adds a reflection, a link or a record of activity.
///
/// Files are uploaded with `POST /api/v1/evidence/files`.
#[utoipa::path(
    post,
    operation_id = "create_evidence",
    path = "/api/v1/evidence",
    tag = "evidence",
    security(("launch_token" = [])),
    request_body = NewEvidence,
    responses(
        (status = 201, description = "The new item, at version 1", body = EvidenceResponse),
        (status = 401, response = Unauthenticated),
        (status = 422, description = "A field is missing or wrong; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    launched: Launched,
    state: web::Data<AppState>,
    body: web::Json<NewEvidence>,
) -> Result<HttpResponse, EvidenceError> {
    let NewEvidence { kind, draft } = body.into_inner();
    if kind == Kind::File {
        return Err(EvidenceError::Invalid {
            field: "kind",
            problem: "files are uploaded to /api/v1/evidence/files".into(),
        });
    }
    let person = launched.0.person_id;
    let view = evidence::create(&state.db, person, kind, draft).await?;
    Ok(no_store(HttpResponse::Created()).json(respond(&state, person, view)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name on the learner's device.
    name: String,
    title: Option<String>,
    #[serde(default)]
    describes_care_recipient: bool,
}

/// Uploads a file as a new evidence item.
///
/// The body is the file, streamed; its type is sniffed from its content, never taken from the request.
#[utoipa::path(
    post,
    operation_id = "upload_file",
    path = "/api/v1/evidence/files",
    tag = "evidence",
    security(("launch_token" = [])),
    params(UploadQuery),
    request_body(content = Binary, content_type = "application/octet-stream", description = "The file, streamed; its type is read from its content"),
    responses(
        (status = 201, description = "The new file item", body = EvidenceResponse),
        (status = 401, response = Unauthenticated),
        (status = 400, description = "Empty, truncated or interrupted", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the configured limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A type that is not allowed, or content that is not what its name says", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn upload(
    launched: Launched,
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<UploadQuery>,
    body: web::Payload,
) -> Result<HttpResponse, EvidenceError> {
    let header_value = |name: header::HeaderName| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let claims = Claims {
        content_type: header_value(header::CONTENT_TYPE),
        file_name: query.name.clone(),
        length: header_value(header::CONTENT_LENGTH).and_then(|l| l.parse().ok()),
    };
    let blob = state.files.put(body, &claims).await?;
    let query = query.into_inner();
    let person = launched.0.person_id;
    let view = evidence::create_file(
        &state.db,
        person,
        Upload {
            blob,
            file_name: query.name,
        },
        Draft {
            title: query.title.unwrap_or_default(),
            describes_care_recipient: query.describes_care_recipient,
            ..Draft::default()
        },
    )
    .await?;
    Ok(no_store(HttpResponse::Created()).json(respond(&state, person, view)))
}

/// One of the learner's items, at its current version.
#[utoipa::path(
    get,
    operation_id = "get_evidence",
    path = "/api/v1/evidence/{id}",
    tag = "evidence",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The item")),
    responses(
        (status = 200, description = "The item's current version", body = EvidenceResponse),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such item of this learner", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, EvidenceError> {
    let id = id.into_inner();
    owned(&state, &launched.0, id).await?;
    let (_, view) = evidence::load(&state.db, id)
        .await?
        .ok_or(EvidenceError::NotFound)?;
    Ok(no_store(HttpResponse::Ok()).json(respond(&state, launched.0.person_id, view)))
}

/// Changes an item: a new version with the changes given.
///
/// Earlier versions stay as they were.
#[utoipa::path(
    patch,
    operation_id = "update_evidence",
    path = "/api/v1/evidence/{id}",
    tag = "evidence",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The item")),
    request_body = Change,
    responses(
        (status = 200, description = "The item at its new version", body = EvidenceResponse),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such item of this learner", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is wrong; `field` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<Change>,
) -> Result<HttpResponse, EvidenceError> {
    let id = id.into_inner();
    owned(&state, &launched.0, id).await?;
    let view = evidence::update(&state.db, id, body.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(respond(&state, launched.0.person_id, view)))
}

/// Deletes an item from the portfolio.
#[utoipa::path(
    delete,
    operation_id = "delete_evidence",
    path = "/api/v1/evidence/{id}",
    tag = "evidence",
    security(("launch_token" = [])),
    params(("id" = Uuid, Path, description = "The item")),
    responses(
        (status = 204, description = "Deleted; its versions stay for claims that cite them"),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such item of this learner", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete(
    launched: Launched,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, EvidenceError> {
    let id = id.into_inner();
    owned(&state, &launched.0, id).await?;
    evidence::delete(&state.db, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The learner's competence map for one framework.
#[utoipa::path(
    get,
    path = "/api/v1/map/{framework}",
    tag = "evidence",
    security(("launch_token" = [])),
    params(("framework" = String, Path, description = "The framework's key, for example `carerplus`")),
    responses(
        (status = 200, description = "Every node of the framework with evidence count and self-rating, and group totals", body = map::CompetenceMap),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such framework", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn competence_map(
    launched: Launched,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, EvidenceError> {
    let map = map::map(&state.db, launched.0.person_id, &key, None).await?;
    Ok(no_store(HttpResponse::Ok()).json(map))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Rating {
    rating: i32,
}

/// Saves the learner's self-rating for a competence.
#[utoipa::path(
    put,
    operation_id = "rate_self",
    path = "/api/v1/self-ratings/{competence}",
    tag = "evidence",
    security(("launch_token" = [])),
    params(("competence" = Uuid, Path, description = "The competence rated")),
    request_body = Rating,
    responses(
        (status = 204, description = "Saved"),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such competence", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The rating is outside the competence's scale", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn rate(
    launched: Launched,
    state: web::Data<AppState>,
    competence: web::Path<Uuid>,
    body: web::Json<Rating>,
) -> Result<HttpResponse, EvidenceError> {
    map::rate(
        &state.db,
        launched.0.person_id,
        competence.into_inner(),
        body.rating,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The course's activities covering what the learner rated lowest.
#[utoipa::path(
    get,
    path = "/api/v1/suggestions",
    tag = "evidence",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "The course's activities covering what the learner rated lowest", body = [map::Suggestion]),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn suggestions(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let session = &launched.0;
    use sea_orm::EntityTrait;
    let link = crate::entities::resource_link::Entity::find_by_id(session.resource_link_id)
        .one(&state.db)
        .await?
        .ok_or(EvidenceError::NotFound)?;
    let list = match link.context_id {
        Some(context) => {
            map::suggestions(&state.db, session.person_id, context, link.id, 5).await?
        }
        None => Vec::new(),
    };
    Ok(no_store(HttpResponse::Ok()).json(list))
}

/// The learner's statements tied to competences that they have neither
/// kept nor set aside, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/candidates",
    tag = "evidence",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "Statements offered as evidence, with the competences each is tied to", body = [candidates::Candidate]),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn candidates(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PortfolioError> {
    let list = candidates::list(&state.db, launched.0.person_id, &state.base_url).await?;
    Ok(no_store(HttpResponse::Ok()).json(list))
}

/// Sets one of the learner's statements aside: it is no longer offered as
/// evidence.
#[utoipa::path(
    post,
    path = "/api/v1/candidates/{statement}/dismissal",
    tag = "evidence",
    security(("launch_token" = [])),
    params(("statement" = Uuid, Path, description = "The statement's id")),
    responses(
        (status = 204, description = "Set aside (also when it already was)"),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "No such statement of this learner", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn dismiss_candidate(
    launched: Launched,
    state: web::Data<AppState>,
    statement: web::Path<Uuid>,
) -> Result<HttpResponse, PortfolioError> {
    if candidates::dismiss(&state.db, launched.0.person_id, statement.into_inner()).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(PortfolioError::StatementNotFound)
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    access: String,
}

/// An evidence file, for the reader its address was made for, until it expires.
///
/// Served so that nothing in it can run in Carefolio's origin.
#[utoipa::path(
    get,
    operation_id = "download_file",
    path = "/files/{item}/{name}",
    tag = "evidence",
    security(()),
    params(("item" = Uuid, Path, description = "The item"), ("name" = String, Path, description = "The file's name"), FileQuery),
    responses(
        (status = 200, description = "The file, with `Content-Disposition`, `X-Content-Type-Options: nosniff` and a sandboxing CSP", content_type = "application/octet-stream", body = Binary),
        (status = 404, description = "The address is wrong, has expired, or its reader may no longer read the item", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn file(
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    query: web::Query<FileQuery>,
) -> Result<HttpResponse, EvidenceError> {
    let (item, _) = path.into_inner();
    let access: FileAccess = state
        .signer
        .open(Purpose::FileAccess, &query.access)
        .ok_or(EvidenceError::NotFound)?;
    if access.item != item || access.expires_at_ms < now_ms() {
        return Err(EvidenceError::NotFound);
    }
    let file = match (access.claim, access.reader) {
        // An assessor: checked again now that they still assess the
        // claim's course and the claim cites this file.
        (Some(claim), Some(assessor)) => crate::assessment::review::cited_file(
            &state.db,
            PersonId(assessor),
            claim,
            item,
            &access.sha256,
        )
        .await
        .map_err(|e| match e {
            crate::assessment::AssessmentError::Database(e) => EvidenceError::Database(e),
            _ => EvidenceError::NotFound,
        })?,
        (Some(_), None) => return Err(EvidenceError::NotFound),
        (None, _) => {
            // Checked again now: the item may have been deleted, or the
            // share revoked, since the address was made.
            let (owner, file) = evidence::current_file(&state.db, item)
                .await?
                .ok_or(EvidenceError::NotFound)?;
            if file.sha256 != access.sha256 {
                return Err(EvidenceError::NotFound);
            }
            let reader = access::for_file(&state.db, owner, access.reader, access.share).await?;
            if !reader.is_owner() {
                access::check_item(&state.db, &reader, item).await?;
                access::record(&state.db, &reader, access::Action::ReadFile, &[item]).await?;
            }
            file
        }
    };
    let (size, stream) = state.files.get(&file.sha256).await.map_err(|e| match e {
        FileError::NotFound => EvidenceError::NotFound,
        other => other.into(),
    })?;
    let disposition = if file.inline { "inline" } else { "attachment" };
    let encoded: String = url::form_urlencoded::byte_serialize(file.name.as_bytes()).collect();
    let ascii: String = file
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    // PDFs are drawn by the browser's own viewer, which a sandbox blocks;
    // everything else is sandboxed (no script, no plugins, no forms).
    let policy = if file.media_type == "application/pdf" {
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
    } else {
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; media-src 'self'; sandbox; frame-ancestors 'self'"
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, file.media_type.as_str()))
        .no_chunking(size)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", policy))
        .insert_header(("Cross-Origin-Resource-Policy", "same-origin"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=600"))
        .streaming(stream))
}

/// The learner's whole portfolio as a zip, streamed as it is written (the right to data portability).
#[utoipa::path(
    get,
    operation_id = "export_portfolio",
    path = "/api/v1/export",
    tag = "export",
    security(("launch_token" = [])),
    responses(
        (status = 200, description = "The whole portfolio: an HTML site, the JSON data, every file and LEAP2A", content_type = "application/zip", body = Binary),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn export(launched: Launched, state: web::Data<AppState>) -> HttpResponse {
    stream_export(&state, launched.0.person_id)
}

/// How long an export address stays valid: long enough to click it.
const EXPORT_ACCESS_SECS: i64 = 300;

#[derive(Serialize, Deserialize)]
struct ExportAccess {
    #[serde(rename = "p")]
    owner: Uuid,
    #[serde(rename = "e")]
    expires_at_ms: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ExportAddress {
    url: String,
    expires_in: i64,
}

/// A short-lived address of the learner's export.
///
/// For a plain download link, which sends no `Authorization` header.
#[utoipa::path(
    post,
    path = "/api/v1/export/address",
    tag = "export",
    security(("launch_token" = [])),
    responses(
        (status = 201, description = "An address of the export that works for five minutes without a token", body = ExportAddress),
        (status = 401, response = Unauthenticated),
    )
)]
pub async fn export_address(
    launched: Launched,
    state: web::Data<AppState>,
) -> Result<HttpResponse, EvidenceError> {
    let access = ExportAccess {
        owner: launched.0.person_id.0,
        expires_at_ms: now_ms() + EXPORT_ACCESS_SECS * 1000,
    };
    let token = state
        .signer
        .seal(Purpose::ExportAccess, &access)
        .map_err(|_| EvidenceError::NotAllowed("the export address could not be made".into()))?;
    Ok(no_store(HttpResponse::Created()).json(ExportAddress {
        url: format!("/exports/portfolio.zip?access={token}"),
        expires_in: EXPORT_ACCESS_SECS,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessQuery {
    access: String,
}

/// The learner's export, through the address `POST /api/v1/export/address` gave.
#[utoipa::path(
    get,
    operation_id = "download_export",
    path = "/exports/portfolio.zip",
    tag = "export",
    security(()),
    params(AccessQuery),
    responses(
        (status = 200, description = "The whole portfolio", content_type = "application/zip", body = Binary),
        (status = 404, description = "The address is wrong or has expired", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn export_by_address(
    state: web::Data<AppState>,
    query: web::Query<AccessQuery>,
) -> Result<HttpResponse, EvidenceError> {
    let access: ExportAccess = state
        .signer
        .open(Purpose::ExportAccess, &query.access)
        .filter(|a: &ExportAccess| a.expires_at_ms > now_ms())
        .ok_or(EvidenceError::NotFound)?;
    Ok(stream_export(&state, PersonId(access.owner)))
}

fn stream_export(state: &AppState, owner: PersonId) -> HttpResponse {
    let (writer, reader) = tokio::io::duplex(256 * 1024);
    let (db, files) = (state.db.clone(), state.files.clone());
    actix_web::rt::spawn(async move {
        if let Err(e) =
            crate::portfolio::export::write_zip(&db, &files, owner, writer, |_| {}).await
        {
            tracing::warn!(error = %e, "a portfolio export stopped before its end");
        }
    });
    let file = format!(
        "carefolio-portfolio-{}.zip",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/zip"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .streaming(tokio_util::io::ReaderStream::new(reader))
}

/// Imports a LEAP2A export (Carefolio's or Mahara's zip) into the learner's portfolio.
#[utoipa::path(
    post,
    operation_id = "import_leap2a",
    path = "/api/v1/import",
    tag = "export",
    security(("launch_token" = [])),
    request_body(content = Binary, content_type = "application/zip", description = "A LEAP2A export: Carefolio's or Mahara's zip"),
    responses(
        (status = 200, description = "What was imported", body = crate::portfolio::import::ImportReport),
        (status = 401, response = Unauthenticated),
        (status = 422, description = "Not a zip, or no readable LEAP2A feed in it", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than an import may be", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn import(
    launched: Launched,
    state: web::Data<AppState>,
    mut body: web::Payload,
) -> Result<HttpResponse, crate::portfolio::import::ImportError> {
    use futures::StreamExt;
    use tokio::io::AsyncWriteExt;
    let limit = state.files.max_bytes().saturating_mul(4);
    let path =
        std::env::temp_dir().join(format!("carefolio-import-{}.zip", Uuid::new_v4().simple()));
    let written: Result<(), crate::portfolio::import::ImportError> = async {
        let mut file = tokio::fs::File::create(&path).await?;
        let mut size: u64 = 0;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                crate::portfolio::import::ImportError::NotZip(format!("the upload stopped: {e}"))
            })?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(crate::portfolio::import::ImportError::NotZip(format!(
                    "larger than the {limit} bytes an import may have"
                )));
            }
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        Ok(())
    }
    .await;
    let result = match written {
        Ok(()) => {
            crate::portfolio::import::import_zip(
                &state.db,
                &state.files,
                launched.0.person_id,
                &path,
            )
            .await
        }
        Err(e) => Err(e),
    };
    let _ = tokio::fs::remove_file(&path).await;
    Ok(no_store(HttpResponse::Ok()).json(result?))
}
