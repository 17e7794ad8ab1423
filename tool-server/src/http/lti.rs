//! LTI endpoints: login initiation, launch, and the tool's public keys.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::errors::LaunchPageError;
use super::html::{self, FrameAncestors, PagePolicy};
use super::{templates, AppState};
use crate::frameworks::Competence;
use crate::lti::claims::MessageKind;
use crate::lti::launch::{self, Checked, LaunchRequest, StateProof};
use crate::lti::login::{self, LoginInitiation};
use crate::lti::{state_cookie_name, LtiError};
use crate::platforms::tool_keys;
use crate::portfolio::launch::{record, LaunchSettings};
use crate::signing::Signer;

/// GET and POST `/lti/login`.
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LoginInitiation>,
    form: Result<web::Form<LoginInitiation>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let initiation = if req.method() == actix_web::http::Method::POST {
        // A body too large or not a form is refused as such, not read as
        // a login without parameters.
        form?.into_inner()
    } else {
        query.into_inner()
    };
    let request = login::initiate(
        &state.db,
        &state.platforms,
        &state.signer,
        &initiation,
        &state.launch_url(),
    )
    .await?;
    let cookie = state.state_cookie(&request.state);
    let storage_target = initiation.storage_target();
    // Over plain http the state cookie is SameSite=Lax, which no browser
    // sends with another site's form_post: without the platform's storage,
    // a login from another site cannot end in a launch, framed or not.
    let cookie_usable = state.is_https() || !from_another_site(&req);
    if storage_target.is_none() && !cookie_usable {
        return Err(LtiError::InsecureCrossSite.into());
    }
    if storage_target.is_none() && !in_cross_site_frame(&req) {
        return Ok(HttpResponse::Found()
            .insert_header((header::LOCATION, request.location.to_string()))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .cookie(cookie)
            .finish());
    }
    // In another site's frame the cookie may be refused: a page keeps the
    // state in the platform's storage when offered, else checks that
    // cookies work here and otherwise offers a window of its own.
    let page = templates::render(
        "login",
        &LoginPage {
            auth_url: request.location.as_str(),
            platform_origin: request.location.origin().ascii_serialization(),
            storage_target,
            state_key: storage_key(&request.state),
            storage_proof: login::storage_proof(&state.signer, &request.state),
            cookie_usable,
            cookie_attributes: if state.is_https() {
                "SameSite=None; Secure"
            } else {
                "SameSite=Lax"
            },
            new_window_url: format!("{}?{}", state.login_url(), initiation.as_query()),
            asset_base: &state.base_url,
        },
    );
    let ancestors = FrameAncestors::of(&request.origins);
    Ok(html::page(StatusCode::OK, &PagePolicy::Framed(ancestors))
        .cookie(cookie)
        .body(page))
}

/// The key a login's state is kept under in the platform's storage.
fn storage_key(state: &str) -> String {
    format!("carefolio_state_{state}")
}

fn fetch_metadata<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Whether the browser says another site sent it here (Fetch Metadata).
fn from_another_site(req: &HttpRequest) -> bool {
    fetch_metadata(req, "sec-fetch-site") == "cross-site"
}

/// Whether the browser says this request loads a frame inside another
/// site's page, where the tool's cookies are third-party.
fn in_cross_site_frame(req: &HttpRequest) -> bool {
    fetch_metadata(req, "sec-fetch-dest") == "iframe" && from_another_site(req)
}

#[derive(Serialize)]
struct LoginPage<'a> {
    auth_url: &'a str,
    platform_origin: String,
    storage_target: Option<&'a str>,
    state_key: String,
    /// Kept under `state_key` in the platform's storage.
    storage_proof: String,
    /// `false` where the state cookie cannot come back (plain http, another
    /// site): only the platform's storage can work.
    cookie_usable: bool,
    cookie_attributes: &'a str,
    new_window_url: String,
    asset_base: &'a str,
}

/// The page that reads the login's proof from the platform's storage and
/// posts it back with the launch: what answers a launch without cookie.
#[derive(Serialize)]
struct StorageCheckPage<'a> {
    launch_url: String,
    id_token: &'a str,
    state: &'a str,
    target: &'a str,
    origin: String,
    key: String,
    asset_base: &'a str,
}

#[derive(Deserialize)]
pub struct LaunchForm {
    id_token: Option<String>,
    state: Option<String>,
    /// Sent by platforms that offer their storage (LTI Platform Storage).
    lti_storage_target: Option<String>,
    /// What the storage check page read from the platform's storage.
    carefolio_storage_proof: Option<String>,
}

#[derive(Serialize)]
struct LaunchPage<'a> {
    learner_name: Option<String>,
    /// The launch's locale: the widget speaks its language.
    locale: Option<String>,
    course_title: Option<String>,
    link_title: Option<String>,
    competences: &'a [Competence],
    unknown_competences: &'a [String],
    /// Shown to teachers only: the `competences` value the picker's choice overrode.
    overridden_competences: Option<&'a str>,
    token: &'a str,
    api_base: &'a str,
    widget_available: bool,
}

/// How this browser shows that it started the launch's login.
fn state_proof(
    req: &HttpRequest,
    signer: &Signer,
    form: &LaunchForm,
    storage_target: Option<&str>,
) -> StateProof {
    let Some(state) = form.state.as_deref() else {
        return StateProof::Missing;
    };
    if req.cookie(&state_cookie_name(state)).is_some() {
        return StateProof::Cookie;
    }
    if storage_target.is_none() {
        return StateProof::Missing;
    }
    match form.carefolio_storage_proof.as_deref() {
        None => StateProof::StorageToRead,
        Some(proof) if login::storage_proof_matches(signer, state, proof) => {
            StateProof::PlatformStorage
        }
        Some(_) => StateProof::Missing,
    }
}

/// POST `/lti/launch`.
pub async fn launch(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LaunchForm>,
) -> Result<HttpResponse, actix_web::Error> {
    let storage_target = login::storage_target(form.lti_storage_target.as_deref());
    let state_proof = state_proof(&req, &state.signer, &form, storage_target);
    let checked = launch::validate(
        &state.db,
        &state.platforms,
        &state.platform_keys,
        &state.signer,
        LaunchRequest {
            id_token: form.id_token.as_deref(),
            state: form.state.as_deref(),
            state_proof,
        },
    )
    .await
    .map_err(|e| LaunchPageError(e.into()))?;
    let validated = match checked {
        Checked::Proven(validated) => validated,
        Checked::AwaitingStorageProof {
            platform_origin,
            state: login_state,
            origins,
        } => {
            let page = templates::render(
                "storage_check",
                &StorageCheckPage {
                    launch_url: state.launch_url(),
                    id_token: form.id_token.as_deref().unwrap_or_default(),
                    state: &login_state,
                    target: storage_target.unwrap_or_default(),
                    origin: platform_origin,
                    key: storage_key(&login_state),
                    asset_base: &state.base_url,
                },
            );
            let ancestors = FrameAncestors::of(&origins);
            return Ok(html::page(StatusCode::OK, &PagePolicy::PostsBack(ancestors)).body(page));
        }
    };
    let link = match &validated.message.kind {
        MessageKind::ResourceLink(link) => link,
        MessageKind::DeepLinking(settings) => {
            return super::deep_linking::begin(&state, &validated, settings).await;
        }
    };

    let recorded = record(
        &state.db,
        &validated,
        link,
        LaunchSettings {
            base_url: &state.base_url,
            session_ttl_secs: state.settings.server.launch_token_ttl_secs,
            competences: &state.competences,
            signer: &state.signer,
            activity: &state.known_activity,
        },
    )
    .await
    .map_err(LaunchPageError)?;
    if !recorded.unknown_competences.is_empty() {
        tracing::warn!(unknown = ?recorded.unknown_competences, "launch names competences that do not exist");
    }
    tracing::info!(statement = %recorded.statement_id, "launch recorded");
    if recorded.grades_queued > 0 {
        state.grades.wake();
    }

    let page = templates::render(
        "launch",
        &LaunchPage {
            learner_name: recorded.person.display_name(),
            locale: recorded.person.locale.clone(),
            course_title: recorded.course_title.clone(),
            link_title: recorded.link_title.clone(),
            competences: &recorded.competences,
            unknown_competences: &recorded.unknown_competences,
            overridden_competences: recorded
                .overridden_competences
                .as_deref()
                .filter(|_| crate::lti::roles::is_instructor(&validated.message.roles)),
            token: &recorded.session_token,
            api_base: &state.base_url,
            widget_available: state.widget.is_available(),
        },
    );
    let ancestors = FrameAncestors::of(&validated.platform.origins);
    Ok(html::page(StatusCode::OK, &PagePolicy::Framed(ancestors))
        .cookie(state.spent_state_cookie(&validated.login.state))
        .body(page))
}

/// GET `/.well-known/jwks.json`.
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, LtiError> {
    let jwks = tool_keys::public_jwks(&state.db, tool_keys::KeyUse::Lti).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(jwks))
}

/// GET `/lti/config/canvas.json`: the Canvas developer key for this
/// server's public URL (Canvas: Developer Keys → LTI Key → Paste JSON, or
/// "Enter URL" with this address).
pub async fn canvas_config(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(lti_config::canvas_developer_key(&state.base_url))
}
