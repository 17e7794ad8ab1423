//! The administrators' API (`/api/v1/admin/…`), authenticated by a token
//! from `carefolio admin-token add`: framework import and export.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures::StreamExt;
use serde::Deserialize;

use super::extractors::Admin;
use super::openapi::{Binary, NotAdministrator, Problem};
use super::AppState;
use crate::frameworks::{self, Format, FrameworkError, ImportOptions};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("an administrator's token is required (Authorization: Bearer cfa_…, from `carefolio admin-token add`)")]
    Unauthenticated,
    #[error("{0}")]
    BadRequest(String),
    #[error("the body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error(transparent)]
    Framework(#[from] FrameworkError),
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
}

/// Every competence framework.
#[utoipa::path(
    get,
    path = "/api/v1/admin/frameworks",
    tag = "administration",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Every framework with its version", body = [frameworks::FrameworkSummary]),
        (status = 401, response = NotAdministrator),
    )
)]
pub async fn list_frameworks(
    _admin: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AdminError> {
    let list = frameworks::store::list(&state.db)
        .await
        .map_err(AdminError::Framework)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(list))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    key: Option<String>,
    /// `case` or `moodle-csv`; by default from the content type, then the content.
    format: Option<String>,
    /// The language of a Moodle CSV's texts.
    language: Option<String>,
    /// A name for where the document came from, kept with the framework.
    source: Option<String>,
}

/// Imports a framework from a CASE package or a Moodle competency framework CSV in the body.
#[utoipa::path(
    post,
    path = "/api/v1/admin/frameworks",
    tag = "administration",
    security(("admin_token" = [])),
    params(ImportQuery),
    request_body(content = Binary, content_type = "application/json", description = "A CASE 1.0 or 1.1 CFPackage (`application/json`) or a Moodle competency framework CSV (`text/csv`)"),
    responses(
        (status = 201, description = "A new framework", body = frameworks::ImportReport),
        (status = 200, description = "A new version of a framework; items no longer in it are reported", body = frameworks::ImportReport),
        (status = 401, response = NotAdministrator),
        (status = 400, description = "The format is unknown", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than a framework document may be", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The document is invalid; `where` names the line or field, and nothing changed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn import_framework(
    admin: Admin,
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<ImportQuery>,
    mut body: web::Payload,
) -> Result<HttpResponse, AdminError> {
    let limit = frameworks::MAX_DOCUMENT_BYTES;
    let mut document = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk
            .map_err(|e| AdminError::BadRequest(format!("the body could not be read: {e}")))?;
        if document.len() + chunk.len() > limit {
            return Err(AdminError::TooLarge { limit });
        }
        document.extend_from_slice(&chunk);
    }
    if document.is_empty() {
        return Err(AdminError::BadRequest(
            "the body is empty: send the CASE package or Moodle CSV as the request body".into(),
        ));
    }
    let query = query.into_inner();
    let format = match query.format.as_deref() {
        Some(name) => Format::parse(name).ok_or_else(|| {
            AdminError::BadRequest(format!("format {name:?} is neither case nor moodle-csv"))
        })?,
        None => {
            let content_type = request
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if content_type.starts_with("application/json") {
                Format::Case
            } else if content_type.starts_with("text/csv") {
                Format::MoodleCsv
            } else {
                Format::detect(&document)
            }
        }
    };
    let options = ImportOptions {
        key: query.key,
        language: query.language,
        source: query
            .source
            .map(|s| s.chars().take(200).collect())
            .unwrap_or_else(|| format!("administrators' API ({})", admin.0.name)),
    };
    let report = frameworks::import(&state.db, &document, format, options).await?;
    state.competences.clear();
    tracing::info!(admin = %admin.0.name, key = %report.key, created = report.created, "framework imported");
    Ok(report_response(report))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ImportUrl {
    url: String,
    key: Option<String>,
}

/// Imports a framework from a CASE provider's address (`/ims/case/v1p0/CFPackages/{id}`).
#[utoipa::path(
    post,
    path = "/api/v1/admin/frameworks/import-url",
    tag = "administration",
    security(("admin_token" = [])),
    request_body = ImportUrl,
    responses(
        (status = 201, description = "A new framework", body = frameworks::ImportReport),
        (status = 200, description = "A new version of a framework", body = frameworks::ImportReport),
        (status = 401, response = NotAdministrator),
        (status = 400, description = "The address is not an allowed http(s) address", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The document is invalid; `where` names the field, and nothing changed", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The CASE provider did not answer, or answered with an error", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn import_framework_url(
    admin: Admin,
    state: web::Data<AppState>,
    body: web::Json<ImportUrl>,
) -> Result<HttpResponse, AdminError> {
    let body = body.into_inner();
    let options = ImportOptions {
        key: body.key,
        language: None,
        source: body.url.clone(),
    };
    let report =
        frameworks::import_url(&state.db, state.services.http(), &body.url, options).await?;
    state.competences.clear();
    tracing::info!(admin = %admin.0.name, key = %report.key, url = %body.url, "framework imported from a CASE provider");
    Ok(report_response(report))
}

fn report_response(report: frameworks::ImportReport) -> HttpResponse {
    let mut response = if report.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(report)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    format: Option<String>,
}

/// Exports a framework as a CASE package or a Moodle competency framework CSV.
#[utoipa::path(
    get,
    path = "/api/v1/admin/frameworks/{key}/export",
    tag = "administration",
    security(("admin_token" = [])),
    params(("key" = String, Path, description = "The framework's key"), ExportQuery),
    responses(
        (status = 200, description = "The framework as a CASE CFPackage (JSON) or a Moodle CSV", content_type = "application/json", body = Binary),
        (status = 401, response = NotAdministrator),
        (status = 400, description = "The format is neither case nor moodle-csv", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such framework", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn export_framework(
    _admin: Admin,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AdminError> {
    let name = query.format.as_deref().unwrap_or("case");
    let format = Format::parse(name).ok_or_else(|| {
        AdminError::BadRequest(format!("format {name:?} is neither case nor moodle-csv"))
    })?;
    let document = frameworks::export(&state.db, &key, format).await?;
    // The key is checked to be [a-z0-9_-] by the import, so it is safe in a header.
    let file = format!("{}.{}", key.as_str(), format.extension());
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                file.replace(['"', '\\'], "_")
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(document))
}
