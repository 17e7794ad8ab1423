//! xAPI Statement Resource (read side) and the About resource.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::extractors::AuthenticatedXapiClient;
use super::AppState;
use crate::util::{now_ms, rfc3339_ms};
use crate::xapi::store::{self, StatementQuery};
use crate::xapi::{negotiate_version, XapiError};

pub const VERSION_HEADER: &str = "X-Experience-API-Version";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementParams {
    statement_id: Option<String>,
    verb: Option<String>,
    activity: Option<String>,
    since: Option<String>,
    until: Option<String>,
    limit: Option<String>,
    ascending: Option<String>,
    cursor: Option<String>,
}

fn invalid(name: &'static str, reason: impl Into<String>) -> XapiError {
    XapiError::InvalidParameter {
        name,
        reason: reason.into(),
    }
}

fn timestamp(name: &'static str, value: &Option<String>) -> Result<Option<i64>, XapiError> {
    value
        .as_deref()
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(v)
                .map(|t| t.timestamp_millis())
                .map_err(|_| invalid(name, "expected an ISO 8601 timestamp"))
        })
        .transpose()
}

impl StatementParams {
    fn parse(&self) -> Result<StatementQuery, XapiError> {
        let limit = match self.limit.as_deref() {
            None => 100,
            Some(v) => match v.parse::<u64>() {
                // 0 means "the server's maximum".
                Ok(0) => store::MAX_LIMIT,
                Ok(n) => n.min(store::MAX_LIMIT),
                Err(_) => return Err(invalid("limit", "expected a non-negative integer")),
            },
        };
        Ok(StatementQuery {
            statement_id: self
                .statement_id
                .as_deref()
                .map(|v| Uuid::parse_str(v).map_err(|_| invalid("statementId", "expected a UUID")))
                .transpose()?,
            verb: self.verb.clone(),
            activity: self.activity.clone(),
            since_ms: timestamp("since", &self.since)?,
            until_ms: timestamp("until", &self.until)?,
            limit,
            ascending: match self.ascending.as_deref() {
                None | Some("false") => false,
                Some("true") => true,
                Some(_) => return Err(invalid("ascending", "expected true or false")),
            },
            cursor: self
                .cursor
                .as_deref()
                .map(|v| {
                    v.parse::<i32>()
                        .map_err(|_| invalid("cursor", "not a cursor from a `more` link"))
                })
                .transpose()?,
        })
    }
}

/// GET `/xapi/statements`.
pub async fn get_statements(
    req: HttpRequest,
    client: AuthenticatedXapiClient,
    state: web::Data<AppState>,
    params: web::Query<StatementParams>,
) -> Result<HttpResponse, XapiError> {
    let version = negotiate_version(
        req.headers()
            .get(VERSION_HEADER)
            .and_then(|v| v.to_str().ok()),
    )?;
    let query = params.parse()?;
    let page = store::query(&state.db, client.0.reach, &query).await?;
    let mut response = HttpResponse::Ok();
    response
        .insert_header((VERSION_HEADER, version))
        .insert_header(("X-Experience-API-Consistent-Through", rfc3339_ms(now_ms())));
    if query.statement_id.is_some() {
        return Ok(response.json(&page.statements[0]));
    }
    // The `more` link repeats the query as sent, with the cursor moved on.
    let more = page.next_cursor.map(|cursor| {
        let kept: Vec<&str> = req
            .query_string()
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("cursor="))
            .collect();
        let mut query = kept.join("&");
        if !query.is_empty() {
            query.push('&');
        }
        format!("/xapi/statements?{query}cursor={cursor}")
    });
    Ok(response.json(json!({ "statements": page.statements, "more": more.unwrap_or_default() })))
}

/// GET `/xapi/about`.
pub async fn about() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "version": ["1.0.3", "2.0.0"] }))
}
