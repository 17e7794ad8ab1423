//! OIDC third-party login initiation (LTI 1.3 Core §5.1.1): the platform
//! sends the browser here; we answer with the authentication request.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use url::Url;

use super::{LtiError, LOGIN_TTL_MS};
use crate::entities::used_nonce;
use crate::platforms::{self, Platform, PlatformCache};
use crate::signing::{Purpose, Signer};
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
    /// The frame holding the platform's storage (LTI Platform Storage),
    /// when the platform offers it.
    pub lti_storage_target: Option<String>,
}

impl LoginInitiation {
    /// The storage frame's name, when it is one a page may address.
    pub fn storage_target(&self) -> Option<&str> {
        storage_target(self.lti_storage_target.as_deref())
    }

    /// This login again as a query string, for opening it in a window of
    /// its own (where the tool's cookies are first-party).
    pub fn as_query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("iss", &self.iss),
            ("login_hint", &self.login_hint),
            ("target_link_uri", &self.target_link_uri),
            ("lti_message_hint", &self.lti_message_hint),
            ("client_id", &self.client_id),
            ("lti_deployment_id", &self.lti_deployment_id),
        ] {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        query.finish()
    }
}

/// An `lti_storage_target` a page may address: `_parent` or a plain frame
/// name; anything else is ignored.
pub fn storage_target(target: Option<&str>) -> Option<&str> {
    target.filter(|target| {
        !target.is_empty()
            && target.len() <= 64
            && target
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    })
}

/// What the login page keeps in the platform's storage beside `state`.
/// The state travels through the platform and comes back with the
/// id_token; this value never leaves the browser that started the login
/// (login page → platform storage → launch page), so a launch that shows
/// it came from that browser.
pub fn storage_proof(signer: &Signer, state: &str) -> String {
    signer.sign(Purpose::StorageProof, state)
}

/// Whether `proof` is the storage proof of `state`.
pub fn storage_proof_matches(signer: &Signer, state: &str, proof: &str) -> bool {
    signer.verify(Purpose::StorageProof, state, proof)
}

#[derive(Debug)]
pub struct AuthenticationRequest {
    pub location: Url,
    pub state: String,
    /// Where the platform is: the login page may be framed only there.
    pub origins: platforms::Origins,
}

#[tracing::instrument(skip_all, fields(platform = ?initiation.iss))]
pub async fn initiate<C: ConnectionTrait>(
    db: &C,
    platforms: &PlatformCache,
    signer: &Signer,
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

    let (state, nonce) = issue(signer, platform.id.0, now_ms() + LOGIN_TTL_MS);
    let location = authentication_url(
        &platform,
        login_hint,
        initiation.lti_message_hint.as_deref(),
        launch_url,
        &state,
        &nonce,
    );
    Ok(AuthenticationRequest {
        location,
        state,
        origins: platform.origins,
    })
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

/// Issues a login's state and nonce. Both are signed rather than stored,
/// so a login initiation writes nothing:
/// - nonce: `<random>.<signature>`, so a nonce we never issued is recognised;
/// - state: `<expiry ms>.<platform>.<random>.<signature>`, the signature
///   also covering the nonce, so a token carrying another login's nonce
///   does not match this state.
fn issue(signer: &Signer, platform_id: i32, expires_at_ms: i64) -> (String, String) {
    let nonce_key = random_token(16);
    let nonce = format!(
        "{nonce_key}.{}",
        signer.sign(Purpose::LoginNonce, &nonce_key)
    );
    (
        signed_state(signer, platform_id, expires_at_ms, &nonce),
        nonce,
    )
}

/// A fresh state for a login with this nonce.
pub fn signed_state(signer: &Signer, platform_id: i32, expires_at_ms: i64, nonce: &str) -> String {
    let signed = format!("{expires_at_ms}.{platform_id}.{}", random_token(16));
    let signature = signer.sign(Purpose::LoginState, &format!("{signed}|{nonce}"));
    format!("{signed}.{signature}")
}

/// Whether `nonce` was issued by this tool (by any instance).
pub fn nonce_is_ours(signer: &Signer, nonce: &str) -> bool {
    nonce
        .split_once('.')
        .is_some_and(|(key, signature)| signer.verify(Purpose::LoginNonce, key, signature))
}

/// A state whose signature matched the launch's nonce: a login this tool
/// started, for that very id_token.
#[derive(Debug, Clone)]
pub struct VerifiedLogin {
    pub state: String,
    pub platform_id: i32,
    pub expires_at_ms: i64,
    /// The random part of the nonce, remembered once used.
    nonce_key: String,
}

impl VerifiedLogin {
    /// Checks `state` against `nonce`; `None` when the state was not issued
    /// by this tool together with that nonce.
    pub fn verify(signer: &Signer, state: &str, nonce: &str) -> Option<VerifiedLogin> {
        let (signed, signature) = state.rsplit_once('.')?;
        if !signer.verify(Purpose::LoginState, &format!("{signed}|{nonce}"), signature) {
            return None;
        }
        let mut parts = signed.splitn(3, '.');
        let expires_at_ms = parts.next()?.parse().ok()?;
        let platform_id = parts.next()?.parse().ok()?;
        Some(VerifiedLogin {
            state: state.to_owned(),
            platform_id,
            expires_at_ms,
            nonce_key: nonce.split_once('.')?.0.to_owned(),
        })
    }

    /// Whether the nonce has been used by an earlier launch.
    pub async fn nonce_used<C: ConnectionTrait>(&self, db: &C) -> Result<bool, sea_orm::DbErr> {
        Ok(used_nonce::Entity::find_by_id(self.nonce_key.clone())
            .one(db)
            .await?
            .is_some())
    }

    /// Marks the nonce as used; `false` when another launch already did.
    /// Run inside the transaction that records the launch, so of two
    /// concurrent launches with one token only one commits.
    pub async fn consume_nonce<C: ConnectionTrait>(&self, db: &C) -> Result<bool, sea_orm::DbErr> {
        crate::signing::use_once(db, &self.nonce_key, self.expires_at_ms).await
    }
}

/// Forgets used nonces whose login has expired: their state no longer
/// verifies, so they cannot be replayed anyway. A minute's margin covers
/// clocks that differ between instances.
pub async fn sweep_expired<C: ConnectionTrait>(db: &C) -> Result<u64, sea_orm::DbErr> {
    let result = used_nonce::Entity::delete_many()
        .filter(used_nonce::Column::ExpiresAt.lt(now_ms() - 60_000))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_verifies_only_with_its_own_nonce() {
        let signer = Signer::from_key(b"test key");
        let (state, nonce) = issue(&signer, 7, 1_000);
        assert!(nonce_is_ours(&signer, &nonce));
        let login = VerifiedLogin::verify(&signer, &state, &nonce).expect("verifies");
        assert_eq!((login.platform_id, login.expires_at_ms), (7, 1_000));

        let (other_state, other_nonce) = issue(&signer, 7, 1_000);
        assert!(VerifiedLogin::verify(&signer, &state, &other_nonce).is_none());
        assert!(VerifiedLogin::verify(&signer, &other_state, &nonce).is_none());
        let tampered = state.replacen("1000.7", "9999.7", 1);
        assert!(VerifiedLogin::verify(&signer, &tampered, &nonce).is_none());
        assert!(!nonce_is_ours(&signer, "made-up.nonce"));
        assert!(!nonce_is_ours(&Signer::from_key(b"other"), &nonce));
    }
}
