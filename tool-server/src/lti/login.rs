//! OIDC third-party login initiation (LTI 1.3 Core §5.1.1): the platform
//! sends the browser here; we answer with the authentication request.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use url::Url;

use super::platforms::{self, Platform, PlatformCache};
use super::{LtiError, LOGIN_TTL_MS};
use crate::entities::oidc_login;
use crate::util::{now_ms, random_token};

/// The login initiation parameters, from a GET query or a POST form
/// (Moodle 4.5 POSTs).
#[derive(Debug, Deserialize)]
pub struct LoginInitiation {
    pub iss: Option<String>,
    pub login_hint: Option<String>,
    pub target_link_uri: Option<String>,
    pub lti_message_hint: Option<String>,
    pub client_id: Option<String>,
    pub lti_deployment_id: Option<String>,
}

#[derive(Debug)]
pub struct AuthenticationRequest {
    pub location: Url,
    pub state: String,
}

#[tracing::instrument(skip_all, fields(platform = ?initiation.iss))]
pub async fn initiate<C: ConnectionTrait>(
    db: &C,
    platforms: &PlatformCache,
    initiation: &LoginInitiation,
    launch_url: &str,
) -> Result<AuthenticationRequest, LtiError> {
    let issuer = initiation
        .iss
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or(LtiError::MissingParameter("iss"))?;
    let login_hint = initiation
        .login_hint
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or(LtiError::MissingParameter("login_hint"))?;
    if initiation
        .target_link_uri
        .as_deref()
        .is_none_or(str::is_empty)
    {
        return Err(LtiError::MissingParameter("target_link_uri"));
    }
    let platform = platforms
        .find(db, issuer, |candidates| {
            platforms::choose_for_login(
                candidates,
                issuer,
                initiation.client_id.as_deref(),
                initiation.lti_deployment_id.as_deref(),
            )
        })
        .await?;

    let state = random_token(32);
    let nonce = random_token(32);
    let now = now_ms();
    oidc_login::ActiveModel {
        state: Set(state.clone()),
        nonce: Set(nonce.clone()),
        platform_id: Set(platform.id.0),
        created_at: Set(now),
        expires_at: Set(now + LOGIN_TTL_MS),
        used_at: Set(None),
    }
    .insert(db)
    .await?;

    let location = authentication_url(
        &platform,
        login_hint,
        initiation.lti_message_hint.as_deref(),
        launch_url,
        &state,
        &nonce,
    );
    Ok(AuthenticationRequest { location, state })
}

fn authentication_url(
    platform: &Platform,
    login_hint: &str,
    lti_message_hint: Option<&str>,
    launch_url: &str,
    state: &str,
    nonce: &str,
) -> Url {
    let mut url = platform.auth_url.clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("scope", "openid")
            .append_pair("response_type", "id_token")
            .append_pair("response_mode", "form_post")
            .append_pair("prompt", "none")
            .append_pair("client_id", &platform.client_id)
            .append_pair("redirect_uri", launch_url)
            .append_pair("login_hint", login_hint)
            .append_pair("state", state)
            .append_pair("nonce", nonce);
        if let Some(hint) = lti_message_hint {
            query.append_pair("lti_message_hint", hint);
        }
    }
    url
}

/// Deletes logins that expired long enough ago that no launch can need them.
pub async fn sweep_expired<C: ConnectionTrait>(db: &C) -> Result<u64, sea_orm::DbErr> {
    let result = oidc_login::Entity::delete_many()
        .filter(oidc_login::Column::ExpiresAt.lt(now_ms() - LOGIN_TTL_MS))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
