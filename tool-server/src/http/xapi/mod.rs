//! The LRS's HTTP face: every `/xapi/` request goes through `dispatch`,
//! which reads the request (or its xAPI 1.0.3 alternate syntax, a POST
//! carrying method, headers and content in a form), negotiates the version,
//! authenticates the client, and routes it to a resource. Every answer,
//! errors included, carries `X-Experience-API-Version` and CORS headers
//! (credentials travel in `Authorization`, never in cookies).

mod documents;
mod statements;

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures::StreamExt;
use serde_json::{json, Value};

use super::AppState;
use crate::xapi::clients::{self, XapiClient};
use crate::xapi::learners;
use crate::xapi::{negotiate_version, Version, XapiError};

pub const VERSION_HEADER: &str = "X-Experience-API-Version";
pub const CONSISTENT_THROUGH: &str = "X-Experience-API-Consistent-Through";

/// The largest request body the LRS reads (statements with attachments,
/// documents).
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// The request as the resources see it, whichever syntax carried it.
pub struct XapiRequest {
    pub method: Method,
    pub resource: String,
    pub params: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
    pub accept_language: Option<String>,
    pub body: Vec<u8>,
    pub version: Version,
    pub client: XapiClient,
}

fn invalid(name: &'static str, reason: &str) -> XapiError {
    XapiError::InvalidParameter {
        name,
        reason: reason.into(),
    }
}

impl XapiRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter that must be `true` or `false`; absent is false.
    pub fn flag(&self, name: &'static str) -> Result<bool, XapiError> {
        match self.param(name) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(invalid(name, "expected true or false")),
        }
    }

    /// A parameter that must be an ISO 8601 timestamp, as milliseconds.
    pub fn timestamp_param(&self, name: &'static str) -> Result<Option<i64>, XapiError> {
        self.param(name)
            .map(|v| {
                crate::xapi::validate::parse_timestamp(v)
                    .ok_or_else(|| invalid(name, "expected an ISO 8601 timestamp"))
            })
            .transpose()
    }

    /// A parameter that must be an IRI.
    pub fn iri_param(&self, name: &'static str) -> Result<Option<String>, XapiError> {
        match self.param(name) {
            Some(v) if !crate::xapi::validate::is_iri(v) => Err(invalid(name, "expected an IRI")),
            other => Ok(other.map(str::to_owned)),
        }
    }

    /// A parameter that must be a UUID (in its hyphenated form).
    pub fn uuid_param(&self, name: &'static str) -> Result<Option<uuid::Uuid>, XapiError> {
        self.param(name)
            .map(|v| {
                crate::xapi::validate::is_uuid(v)
                    .then(|| uuid::Uuid::parse_str(v).ok())
                    .flatten()
                    .ok_or_else(|| invalid(name, "expected a UUID"))
            })
            .transpose()
    }

    /// Refuses parameters this resource does not know (a misspelt filter
    /// silently ignored would answer the wrong question).
    pub fn only_params(&self, known: &[&str]) -> Result<(), XapiError> {
        if let Some((name, _)) = self
            .params
            .iter()
            .find(|(n, _)| !known.contains(&n.as_str()))
        {
            return Err(XapiError::BadRequest(format!(
                "the parameter `{name}` is not known to this resource (it takes {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some((name, _)) = self.params.iter().find(|(n, _)| !seen.insert(n.as_str())) {
            return Err(XapiError::BadRequest(format!(
                "the parameter `{name}` is given twice"
            )));
        }
        Ok(())
    }

    pub fn content_type_essence(&self) -> String {
        self.content_type
            .as_deref()
            .and_then(|c| c.split(';').next())
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }
}

/// Headers the alternate request syntax may carry as form fields.
const ALTERNATE_HEADERS: &[&str] = &[
    "Authorization",
    "X-Experience-API-Version",
    "Content-Type",
    "Content-Length",
    "If-Match",
    "If-None-Match",
];

struct Incoming {
    method: Method,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect()
}

async fn read_body(mut payload: web::Payload) -> Result<Vec<u8>, XapiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            XapiError::BadRequest(format!("the request body could not be read: {e}"))
        })?;
        if body.len() + chunk.len() > MAX_REQUEST_BYTES {
            return Err(XapiError::TooLarge(MAX_REQUEST_BYTES));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads the request, unwrapping the alternate syntax (xAPI 1.0.3
/// Communication 1.3): `POST ...?method=PUT` with a form whose fields are
/// headers, parameters and `content`.
fn incoming(req: &HttpRequest, body: Vec<u8>) -> Result<Incoming, XapiError> {
    let mut params: Vec<(String, String)> =
        url::form_urlencoded::parse(req.query_string().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let mut headers = header_pairs(req.headers());
    let Some(at) = params.iter().position(|(n, _)| n == "method") else {
        return Ok(Incoming {
            method: req.method().clone(),
            params,
            headers,
            body,
        });
    };
    let (_, method) = params.remove(at);
    if req.method() != Method::POST {
        return Err(XapiError::BadRequest(
            "the alternate request syntax (?method=) is sent with POST".into(),
        ));
    }
    if !params.is_empty() {
        return Err(XapiError::BadRequest(
            "with the alternate request syntax, every parameter but `method` goes in the form body"
                .into(),
        ));
    }
    let method = match method.to_ascii_uppercase().as_str() {
        "GET" => Method::GET,
        "HEAD" => Method::HEAD,
        "PUT" => Method::PUT,
        "POST" => Method::POST,
        "DELETE" => Method::DELETE,
        other => {
            return Err(XapiError::BadRequest(format!(
                "the alternate request syntax cannot carry method {other:?}"
            )))
        }
    };
    let form_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !form_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Err(XapiError::BadRequest(
            "the alternate request syntax sends its form as application/x-www-form-urlencoded"
                .into(),
        ));
    }
    let mut content = Vec::new();
    // The content is a statement unless the form says otherwise.
    let mut content_type_given = false;
    headers.retain(|(n, _)| {
        !n.eq_ignore_ascii_case("content-type") && !n.eq_ignore_ascii_case("content-length")
    });
    for (name, value) in url::form_urlencoded::parse(&body) {
        if name == "content" {
            content = value.into_owned().into_bytes();
        } else if let Some(header) = ALTERNATE_HEADERS
            .iter()
            .find(|h| h.eq_ignore_ascii_case(&name))
        {
            content_type_given |= header.eq_ignore_ascii_case("content-type");
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(header));
            headers.push((header.to_string(), value.into_owned()));
        } else {
            params.push((name.into_owned(), value.into_owned()));
        }
    }
    if !content_type_given {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    Ok(Incoming {
        method,
        params,
        headers,
        body: content,
    })
}

/// The credential of a request: a client's key and secret (HTTP Basic),
/// the token an activity fetched at launch (HTTP Basic, user `learner`), or
/// the widget's launch token (Bearer).
async fn authenticate(
    state: &AppState,
    authorization: Option<&str>,
) -> Result<XapiClient, XapiError> {
    let (scheme, value) = authorization
        .and_then(|header| header.split_once(' '))
        .ok_or(XapiError::Unauthorized)?;
    if scheme.eq_ignore_ascii_case("Bearer") {
        let session = crate::portfolio::session::authenticate(&state.signer, value.trim())
            .map_err(|_| XapiError::Unauthorized)?;
        let learner = learners::of_launch(&state.db, &session)
            .await?
            .ok_or(XapiError::Unauthorized)?;
        return Ok(XapiClient::for_learner(learner));
    }
    if !scheme.eq_ignore_ascii_case("Basic") {
        return Err(XapiError::Unauthorized);
    }
    let credentials = STANDARD
        .decode(value.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or(XapiError::Unauthorized)?;
    let (key, secret) = credentials.split_once(':').ok_or(XapiError::Unauthorized)?;
    if let Some(learner) = learners::from_basic(&state.signer, key, secret) {
        return Ok(XapiClient::for_learner(learner));
    }
    clients::authenticate(&state.db, key, secret)
        .await?
        .ok_or(XapiError::Unauthorized)
}

/// Every `/xapi/` request.
pub async fn dispatch(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    resource: web::Path<String>,
) -> HttpResponse {
    let resource = resource.into_inner();
    if req.method() == Method::OPTIONS {
        return finish(HttpResponse::NoContent(), None).finish();
    }
    let mut version = None;
    let result = async {
        // A statement write waits for its turn before its body is read.
        let _turn = match (resource.as_str(), req.method()) {
            ("statements", &Method::POST | &Method::PUT) => Some(state.statements.admit().await?),
            _ => None,
        };
        let body = read_body(payload).await?;
        let incoming = incoming(&req, body)?;
        if resource == "about" {
            return about(&incoming.method);
        }
        let client = authenticate(&state, incoming.header("Authorization")).await?;
        // A request without the header is refused in the version the
        // client has been speaking.
        version = client.last_version;
        let asked = negotiate_version(incoming.header(VERSION_HEADER))?;
        version = Some(asked);
        if asked == Version::V2
            && req
                .query_string()
                .split('&')
                .any(|p| p.starts_with("method="))
        {
            return Err(XapiError::BadRequest(
                "xAPI 2.0 has no alternate request syntax".into(),
            ));
        }
        clients::remember_version(&state.db, &client, asked).await?;
        let version = asked;
        let request = XapiRequest {
            content_type: incoming.header("Content-Type").map(str::to_owned),
            if_match: incoming.header("If-Match").map(str::to_owned),
            if_none_match: incoming.header("If-None-Match").map(str::to_owned),
            accept_language: incoming.header("Accept-Language").map(str::to_owned),
            method: incoming.method,
            resource: resource.clone(),
            params: incoming.params,
            body: incoming.body,
            version,
            client,
        };
        route(&state, request).await
    }
    .await;
    let mut response = match result {
        Ok(response) => response,
        Err(error) => error.error_response(),
    };
    decorate(response.headers_mut(), version);
    // Every answer of the Statement Resource says how current it is, even
    // a refusal: a client waiting for consistency reads it from any answer.
    if resource == "statements" && !response.headers().contains_key(CONSISTENT_THROUGH) {
        if let Ok(value) =
            header::HeaderValue::from_str(&crate::util::rfc3339_ms(crate::util::now_ms()))
        {
            response.headers_mut().insert(
                header::HeaderName::from_static("x-experience-api-consistent-through"),
                value,
            );
        }
    }
    response
}

async fn route(state: &AppState, request: XapiRequest) -> Result<HttpResponse, XapiError> {
    use documents::Resource;
    let method = request.method.clone();
    let not_allowed = || Err(XapiError::MethodNotAllowed(method.to_string()));
    match request.resource.as_str() {
        "statements" => match method {
            Method::GET | Method::HEAD => statements::get(state, &request).await,
            Method::PUT => statements::put(state, request).await,
            Method::POST => statements::post(state, request).await,
            _ => not_allowed(),
        },
        "activities/state" => documents::handle(state, request, Resource::State).await,
        "activities/profile" => documents::handle(state, request, Resource::ActivityProfile).await,
        "agents/profile" => documents::handle(state, request, Resource::AgentProfile).await,
        "activities" => match method {
            Method::GET | Method::HEAD => documents::activity(state, &request).await,
            _ => not_allowed(),
        },
        "agents" => match method {
            Method::GET | Method::HEAD => documents::person(&request),
            _ => not_allowed(),
        },
        _ => Err(XapiError::NoSuch("xAPI resource")),
    }
}

/// GET `/xapi/about`: open to all, as the specification asks.
fn about(method: &Method) -> Result<HttpResponse, XapiError> {
    if !matches!(*method, Method::GET | Method::HEAD) {
        return Err(XapiError::MethodNotAllowed(method.to_string()));
    }
    Ok(HttpResponse::Ok().json(json!({
        "version": ["1.0.3", "2.0.0"],
        "extensions": {
            "https://carefolio.org/xapi/extensions/lrs": { "name": "Carefolio", "version": env!("CARGO_PKG_VERSION") }
        }
    })))
}

fn decorate(headers: &mut HeaderMap, version: Option<Version>) {
    use actix_web::http::header::{HeaderName, HeaderValue};
    let version = version.unwrap_or(Version::V2).header_value();
    headers.insert(
        HeaderName::from_static("x-experience-api-version"),
        HeaderValue::from_static(version),
    );
    for (name, value) in CORS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
}

const CORS: [(&str, &str); 4] = [
    ("access-control-allow-origin", "*"),
    ("access-control-allow-methods", "GET, HEAD, PUT, POST, DELETE, OPTIONS"),
    (
        "access-control-allow-headers",
        "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match, Accept-Language",
    ),
    (
        "access-control-expose-headers",
        "ETag, Last-Modified, X-Experience-API-Version, X-Experience-API-Consistent-Through",
    ),
];

fn finish(mut builder: HttpResponseBuilder, version: Option<Version>) -> HttpResponseBuilder {
    let version = version.unwrap_or(Version::V2).header_value();
    builder.insert_header((VERSION_HEADER, version));
    for (name, value) in CORS {
        builder.insert_header((name, value));
    }
    builder
}

/// An HTTP date for `Last-Modified`.
pub fn http_date(ms: i64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    header::HttpDate::from(time).to_string()
}

/// Reads the `agent` parameter: a JSON Agent (or identified Group).
pub fn agent_param(
    request: &XapiRequest,
    name: &'static str,
) -> Result<Option<(Value, String)>, XapiError> {
    let Some(text) = request.param(name) else {
        return Ok(None);
    };
    let invalid = |reason: &str| XapiError::InvalidParameter {
        name,
        reason: reason.to_owned(),
    };
    let agent: Value = serde_json::from_str(text).map_err(|_| invalid("expected a JSON Agent"))?;
    crate::xapi::validate::agent_parameter(&agent)
        .map_err(|e| invalid(&format!("{}: {}", e.field, e.reason)))?;
    let key =
        crate::xapi::agents::key(&agent).ok_or_else(|| invalid("an Agent needs an identifier"))?;
    Ok(Some((agent, key)))
}
