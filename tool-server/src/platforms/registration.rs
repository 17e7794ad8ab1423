//! LTI Dynamic Registration 1.0, tool side: an LMS administrator enters
//! the tool's registration URL; the platform opens it with its OpenID
//! configuration URL and a registration token; the tool reads and checks
//! the configuration, registers itself and stores the platform.
//!
//! The registration URL carries an invitation made by `carefolio platform
//! invite`: without one, anybody could register a platform of their own
//! with this tool.

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::PlatformRegistration;
use crate::platforms::{self, Platform, RegistrationError};
use crate::signing::use_once;
use crate::signing::{Purpose, Signer};
use crate::util::{now_ms, random_token};

/// How long an invitation stays usable unless the operator says otherwise.
pub const DEFAULT_INVITE_HOURS: i64 = 24;

#[derive(Debug, thiserror::Error)]
pub enum DynamicRegistrationError {
    #[error("this registration address needs a current invitation from the Carefolio operator")]
    InviteRequired,
    #[error("the invitation in this registration address has expired")]
    InviteExpired,
    #[error("the invitation in this registration address has been used already")]
    InviteUsed,
    #[error("the platform did not send {0}; start the registration from the LMS's tool registration page")]
    MissingParameter(&'static str),
    #[error("the platform's configuration could not be read from {url}: {reason}")]
    ConfigurationUnreachable { url: String, reason: String },
    #[error("the platform's configuration is not acceptable: {0}")]
    InvalidConfiguration(String),
    #[error("the platform refused the registration: {0}")]
    Refused(String),
    #[error("the platform {0} is registered with Carefolio already; a registration never changes an existing one, and a second one needs an invitation that allows it (`carefolio platform invite --issuer {0} --allow-existing-issuer`)")]
    IssuerAlreadyRegistered(String),
    #[error("this invitation is for the platform {expected}, not {found}")]
    OtherIssuer { expected: String, found: String },
    #[error("the registration could not be stored: {0}")]
    Storage(#[from] RegistrationError),
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
}

impl DynamicRegistrationError {
    pub fn code(&self) -> &'static str {
        match self {
            DynamicRegistrationError::InviteRequired => "registration_invite_required",
            DynamicRegistrationError::InviteExpired => "registration_invite_expired",
            DynamicRegistrationError::InviteUsed => "registration_invite_used",
            DynamicRegistrationError::MissingParameter(_) => "registration_parameter_missing",
            DynamicRegistrationError::ConfigurationUnreachable { .. } => {
                "platform_configuration_unreachable"
            }
            DynamicRegistrationError::InvalidConfiguration(_) => "platform_configuration_invalid",
            DynamicRegistrationError::Refused(_) => "registration_refused",
            DynamicRegistrationError::IssuerAlreadyRegistered(_) => "issuer_already_registered",
            DynamicRegistrationError::OtherIssuer { .. } => "registration_invite_other_issuer",
            DynamicRegistrationError::Storage(_) | DynamicRegistrationError::Database(_) => {
                "internal_error"
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Invitation {
    #[serde(rename = "i")]
    id: String,
    #[serde(rename = "e")]
    expires_at_ms: i64,
    /// The only issuer this invitation registers, when the operator named one.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    /// Whether it may add a registration for an issuer that has one already.
    #[serde(rename = "x", default, skip_serializing_if = "std::ops::Not::not")]
    allow_existing_issuer: bool,
    /// Origins the operator adds to the registration it makes.
    #[serde(rename = "o", default, skip_serializing_if = "Vec::is_empty")]
    origins: Vec<String>,
}

impl Invitation {
    /// Its key among the spent single-use values.
    fn key(&self) -> String {
        format!("invite.{}", self.id)
    }
}

/// What an invitation allows.
#[derive(Debug, Clone, Default)]
pub struct InviteScope {
    /// Only this issuer may register with it.
    pub issuer: Option<String>,
    /// A second registration for an issuer already registered (it never
    /// changes the first); needs `issuer`.
    pub allow_existing_issuer: bool,
    /// Origins the registration gets besides its endpoints' (Canvas: the
    /// institution's address).
    pub origins: Vec<String>,
}

/// A sealed invitation, valid for `hours`, to put in the registration URL.
pub fn invite(signer: &Signer, hours: i64) -> Result<String, InviteError> {
    invite_for(signer, hours, &InviteScope::default())
}

/// An invitation limited (or widened) as `scope` says; an origin that is
/// more than scheme, host and port is refused.
pub fn invite_for(signer: &Signer, hours: i64, scope: &InviteScope) -> Result<String, InviteError> {
    let origins = scope
        .origins
        .iter()
        .map(|o| super::origins::parse_extra_origin(o).map_err(InviteError::Origin))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(signer.seal(
        Purpose::RegistrationInvite,
        &Invitation {
            id: random_token(12),
            expires_at_ms: now_ms() + hours * 3600 * 1000,
            issuer: scope.issuer.clone(),
            allow_existing_issuer: scope.allow_existing_issuer && scope.issuer.is_some(),
            origins,
        },
    )?)
}

/// Why an invitation could not be made.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("--origin {0}")]
    Origin(String),
    #[error(transparent)]
    Seal(#[from] crate::signing::SealError),
}

/// The registration URL an administrator enters in the LMS.
pub fn invitation_url(base_url: &str, invitation: &str) -> String {
    let mut url = Url::parse(&lti_config::ToolUrls::new(base_url).register())
        .unwrap_or_else(|_| Url::parse("http://invalid/lti/register").expect("a URL"));
    url.query_pairs_mut().append_pair("invite", invitation);
    url.into()
}

/// Checks an invitation without spending it.
fn check_invite(
    signer: &Signer,
    token: Option<&str>,
) -> Result<Invitation, DynamicRegistrationError> {
    let invitation: Invitation = token
        .and_then(|t| signer.open(Purpose::RegistrationInvite, t))
        .ok_or(DynamicRegistrationError::InviteRequired)?;
    if invitation.expires_at_ms < now_ms() {
        return Err(DynamicRegistrationError::InviteExpired);
    }
    Ok(invitation)
}

/// The parts of the platform's OpenID configuration (LTI-DR §3.5.1) the
/// tool uses.
#[derive(Debug, Deserialize)]
pub struct PlatformConfiguration {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub registration_endpoint: String,
    pub scopes_supported: Option<Vec<String>>,
    #[serde(rename = "https://purl.imsglobal.org/spec/lti-platform-configuration")]
    pub lti: Option<LtiPlatformConfiguration>,
}

#[derive(Debug, Deserialize)]
pub struct LtiPlatformConfiguration {
    pub product_family_code: Option<String>,
    #[serde(default)]
    pub messages_supported: Vec<SupportedMessage>,
}

#[derive(Debug, Deserialize)]
pub struct SupportedMessage {
    #[serde(rename = "type")]
    pub message_type: String,
}

/// Why `url` may not be used, if it may not: it must be https, or http to
/// this machine (a platform under test), with no user name or password.
fn unacceptable_url(url: &str) -> Option<&'static str> {
    match Url::parse(url) {
        Ok(url) if has_userinfo(&url) => Some("has a user name or password in it"),
        Ok(url) if url.scheme() == "https" => None,
        Ok(url)
            if url.scheme() == "http"
                && matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")) =>
        {
            None
        }
        _ => Some("is not an https URL"),
    }
}

fn has_userinfo(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// Whether the configuration's address lies under the issuer (LTI-DR
/// §3.5.2), compared as parsed URLs: same scheme, host and port, the
/// issuer's path a prefix ending at a segment boundary, and no user
/// information in either. As text, `https://lms.example.org.evil.net/…`
/// and `https://lms.example.org@evil.net/…` would pass.
pub fn issuer_prefixes(issuer: &str, configuration_url: &str) -> bool {
    let (Ok(issuer), Ok(configuration)) = (Url::parse(issuer), Url::parse(configuration_url))
    else {
        return false;
    };
    if has_userinfo(&issuer)
        || has_userinfo(&configuration)
        || issuer.scheme() != configuration.scheme()
        || issuer.host_str() != configuration.host_str()
        || issuer.port_or_known_default() != configuration.port_or_known_default()
        || issuer.query().is_some()
    {
        return false;
    }
    let base = issuer.path().trim_end_matches('/');
    let path = configuration.path();
    base.is_empty() || path == base || path.starts_with(&format!("{base}/"))
}

/// The checks of LTI-DR §3.5.2: the issuer is an https URL that the
/// configuration's own address starts with, the endpoints are URLs, and
/// the platform supports resource link launches.
pub fn validate(
    configuration: &PlatformConfiguration,
    configuration_url: &str,
) -> Result<(), DynamicRegistrationError> {
    let invalid = |reason: String| Err(DynamicRegistrationError::InvalidConfiguration(reason));
    if let Some(reason) = unacceptable_url(&configuration.issuer) {
        return invalid(format!("the issuer {:?} {reason}", configuration.issuer));
    }
    if !issuer_prefixes(&configuration.issuer, configuration_url) {
        return invalid(format!(
            "the issuer {:?} is not a prefix of the configuration's address {configuration_url:?}",
            configuration.issuer
        ));
    }
    for (name, value) in [
        (
            "authorization_endpoint",
            &configuration.authorization_endpoint,
        ),
        ("token_endpoint", &configuration.token_endpoint),
        ("jwks_uri", &configuration.jwks_uri),
        (
            "registration_endpoint",
            &configuration.registration_endpoint,
        ),
    ] {
        if let Some(reason) = unacceptable_url(value) {
            return invalid(format!("{name} {value:?} {reason}"));
        }
    }
    let Some(lti) = &configuration.lti else {
        return invalid("it has no LTI platform configuration".into());
    };
    if !lti
        .messages_supported
        .iter()
        .any(|m| m.message_type == "LtiResourceLinkRequest")
    {
        return invalid(
            "the platform does not list LtiResourceLinkRequest among its messages".into(),
        );
    }
    Ok(())
}

/// What the platform answers to the registration (OpenID Connect
/// Registration §3.2 with the LTI tool configuration).
#[derive(Debug, Deserialize)]
struct RegistrationResponse {
    client_id: String,
    #[serde(rename = "https://purl.imsglobal.org/spec/lti-tool-configuration")]
    lti: Option<RegisteredConfiguration>,
}

#[derive(Debug, Deserialize)]
struct RegisteredConfiguration {
    deployment_id: Option<String>,
}

/// The parameters the platform opens the registration URL with.
#[derive(Debug, Deserialize)]
pub struct RegistrationStart {
    pub invite: Option<String>,
    pub openid_configuration: Option<String>,
    pub registration_token: Option<String>,
}

/// A completed registration.
#[derive(Debug)]
pub struct Registered {
    pub platform: Platform,
    pub product: Option<String>,
}

pub struct RegistrationContext<'a> {
    pub http: &'a reqwest::Client,
    pub signer: &'a Signer,
    pub base_url: &'a str,
}

/// Runs the whole registration.
pub async fn register<C: sea_orm::TransactionTrait + sea_orm::ConnectionTrait>(
    db: &C,
    context: &RegistrationContext<'_>,
    start: &RegistrationStart,
) -> Result<Registered, DynamicRegistrationError> {
    let invitation = check_invite(context.signer, start.invite.as_deref())?;
    // Said first, so that a used invitation is named as such; it is spent
    // (atomically) only once the platform's configuration has passed.
    if crate::entities::used_nonce::Entity::find_by_id(invitation.key())
        .one(db)
        .await?
        .is_some()
    {
        return Err(DynamicRegistrationError::InviteUsed);
    }
    let configuration_url =
        start
            .openid_configuration
            .as_deref()
            .ok_or(DynamicRegistrationError::MissingParameter(
                "openid_configuration",
            ))?;
    let token = start.registration_token.as_deref();
    let configuration = fetch_configuration(context.http, configuration_url, token).await?;
    validate(&configuration, configuration_url)?;

    let lti = configuration.lti.as_ref();
    let target = lti_config::RegistrationTarget {
        product_family_code: lti.and_then(|l| l.product_family_code.clone()),
        messages_supported: lti
            .map(|l| {
                l.messages_supported
                    .iter()
                    .map(|m| m.message_type.clone())
                    .collect()
            })
            .unwrap_or_default(),
        scopes_supported: configuration.scopes_supported.clone(),
    };
    if let Some(expected) = &invitation.issuer {
        if expected.trim_end_matches('/') != configuration.issuer.trim_end_matches('/') {
            return Err(DynamicRegistrationError::OtherIssuer {
                expected: expected.clone(),
                found: configuration.issuer.clone(),
            });
        }
    }
    // A registration never changes another: client ids are public, so an
    // "update" would let anybody with an invitation take over a platform.
    if !invitation.allow_existing_issuer
        && !platforms::by_issuer(db, &configuration.issuer)
            .await?
            .is_empty()
    {
        return Err(DynamicRegistrationError::IssuerAlreadyRegistered(
            configuration.issuer.clone(),
        ));
    }
    // Spent before the platform is asked, so one invitation registers once.
    if !use_once(db, &invitation.key(), invitation.expires_at_ms).await? {
        return Err(DynamicRegistrationError::InviteUsed);
    }
    let request = lti_config::dynamic_registration(context.base_url, &target);
    let mut post = context
        .http
        .post(&configuration.registration_endpoint)
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "application/json")
        .body(request.to_string());
    if let Some(token) = token {
        post = post.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = post.send().await.map_err(|e| {
        DynamicRegistrationError::Refused(format!("the platform could not be reached: {e}"))
    })?;
    if !response.status().is_success() {
        let status = response.status();
        let body = crate::outbound::refusal_excerpt(response).await;
        return Err(DynamicRegistrationError::Refused(format!(
            "{status}: {body}"
        )));
    }
    let registered: RegistrationResponse =
        crate::outbound::read_json(response, crate::outbound::CONFIGURATION_LIMIT)
            .await
            .map_err(|e| DynamicRegistrationError::Refused(format!("unreadable answer: {e}")))?;

    let platform = platforms::register_new(
        db,
        &PlatformRegistration {
            issuer: configuration.issuer.clone(),
            client_id: registered.client_id,
            auth_url: configuration.authorization_endpoint.clone(),
            token_url: configuration.token_endpoint.clone(),
            jwks_url: configuration.jwks_uri.clone(),
            deployment_ids: registered
                .lti
                .and_then(|l| l.deployment_id)
                .into_iter()
                .collect(),
            name: target.product_family_code.clone(),
            origins: invitation.origins.clone(),
        },
    )
    .await
    .map_err(|e| match e {
        RegistrationError::Exists { issuer, .. } => {
            DynamicRegistrationError::IssuerAlreadyRegistered(issuer)
        }
        other => other.into(),
    })?;
    tracing::info!(issuer = %platform.issuer, client_id = %platform.client_id, "platform registered dynamically");
    Ok(Registered {
        platform,
        product: target.product_family_code,
    })
}

async fn fetch_configuration(
    http: &reqwest::Client,
    url: &str,
    registration_token: Option<&str>,
) -> Result<PlatformConfiguration, DynamicRegistrationError> {
    let unreachable = |reason: String| DynamicRegistrationError::ConfigurationUnreachable {
        url: url.to_owned(),
        reason,
    };
    // Nothing is fetched from an address that could not be registered.
    if let Some(reason) = unacceptable_url(url) {
        return Err(DynamicRegistrationError::InvalidConfiguration(format!(
            "the configuration's address {url:?} {reason}"
        )));
    }
    let mut request = http.get(url).header(ACCEPT, "application/json");
    if let Some(token) = registration_token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = request
        .send()
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    if !response.status().is_success() {
        return Err(unreachable(format!(
            "the platform answered {}",
            response.status()
        )));
    }
    crate::outbound::read_json(response, crate::outbound::CONFIGURATION_LIMIT)
        .await
        .map_err(|e| DynamicRegistrationError::InvalidConfiguration(e.to_string()))
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_issuer_must_prefix_the_configuration_as_a_url_not_as_text() {
        let issuer = "https://moodle.example.org";
        assert!(issuer_prefixes(
            issuer,
            "https://moodle.example.org/mod/lti/openid-configuration.php"
        ));
        assert!(issuer_prefixes(
            "https://lms.example/moodle/",
            "https://lms.example/moodle/mod/lti/openid-configuration.php"
        ));
        assert!(issuer_prefixes(issuer, "https://moodle.example.org:443/x"));
        for forged in [
            "https://moodle.example.org.evil.net/mod/lti/openid-configuration.php",
            "https://moodle.example.org@evil.net/mod/lti/openid-configuration.php",
            "https://moodle.example.org:8443/x",
            "http://moodle.example.org/x",
            "https://user:pw@moodle.example.org/x",
        ] {
            assert!(!issuer_prefixes(issuer, forged), "{forged}");
        }
        assert!(!issuer_prefixes(
            "https://lms.example/moodle",
            "https://lms.example/moodle2/x"
        ));
        assert!(unacceptable_url("https://user@moodle.example.org/token").is_some());
    }

    use super::*;

    fn configuration(issuer: &str) -> PlatformConfiguration {
        serde_json::from_value(serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": "https://lms.example/auth",
            "token_endpoint": "https://lms.example/token",
            "jwks_uri": "https://lms.example/jwks",
            "registration_endpoint": "https://lms.example/register",
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle",
                "messages_supported": [{"type": "LtiResourceLinkRequest"}],
            }
        }))
        .expect("configuration")
    }

    #[test]
    fn the_issuer_must_prefix_the_configuration_url() {
        let url = "https://lms.example/mod/lti/openid-configuration.php";
        assert!(validate(&configuration("https://lms.example"), url).is_ok());
        assert!(validate(&configuration("https://other.example"), url).is_err());
        assert!(validate(&configuration("http://lms.example"), url).is_err());
    }

    #[test]
    fn an_invitation_opens_only_with_the_same_key_and_until_it_expires() {
        let signer = Signer::from_key(b"key");
        let token = invite(&signer, 1).expect("sealed");
        assert!(check_invite(&signer, Some(&token)).is_ok());
        assert!(matches!(
            check_invite(&Signer::from_key(b"other"), Some(&token)),
            Err(DynamicRegistrationError::InviteRequired)
        ));
        assert!(matches!(
            check_invite(&signer, Some(&invite(&signer, -1).expect("sealed"))),
            Err(DynamicRegistrationError::InviteExpired)
        ));
        assert!(matches!(
            check_invite(&signer, None),
            Err(DynamicRegistrationError::InviteRequired)
        ));
    }
}
