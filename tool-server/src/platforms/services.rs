//! Calling a platform's LTI Advantage services (grades, rosters): OAuth2
//! client-credentials tokens obtained with a JWT assertion signed by the
//! tool's key, and the error every service call shares.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, Header};
use reqwest::header::ACCEPT;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::tool_keys::{SigningKey, ToolKeyError};
use super::Platform;
use crate::util::{now_ms, random_token};

/// A cached token is dropped this long before the platform says it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("the platform could not be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("the platform's answer: {0}")]
    Answer(#[from] crate::outbound::ReadError),
    #[error("{what}: the platform answered {status}: {body}")]
    Refused {
        what: &'static str,
        status: StatusCode,
        body: String,
    },
    #[error("{0}")]
    NotPossible(String),
    /// The URL is not one of the platform's: nothing was sent.
    #[error("refused to call {0}")]
    Address(#[from] super::ServiceUrlError),
    /// Another sender is doing this work; try again later.
    #[error("{0}")]
    Busy(&'static str),
    #[error("the tool's signing key is unavailable: {0}")]
    Key(#[from] ToolKeyError),
    #[error("the client assertion could not be signed: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

impl ServiceError {
    /// Whether retrying later can help: outages, overload and timeouts
    /// can; a request the platform refuses as invalid cannot.
    pub fn is_transient(&self) -> bool {
        match self {
            ServiceError::Unreachable(_) | ServiceError::Key(_) | ServiceError::Busy(_) => true,
            // Cut off mid-answer can pass; too large or malformed will not.
            ServiceError::Answer(e) => matches!(e, crate::outbound::ReadError::Read(_)),
            ServiceError::Refused { status, .. } => {
                status.is_server_error()
                    || *status == StatusCode::TOO_MANY_REQUESTS
                    || *status == StatusCode::REQUEST_TIMEOUT
                    || *status == StatusCode::UNAUTHORIZED
                    || *status == StatusCode::CONFLICT
            }
            ServiceError::NotPossible(_) | ServiceError::Signing(_) | ServiceError::Address(_) => {
                false
            }
        }
    }

    /// Whether the platform refused the access token itself.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ServiceError::Refused { status, .. } if *status == StatusCode::UNAUTHORIZED)
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

/// The HTTP client for platform services, with access tokens cached per
/// platform and scope set in memory: losing them costs one token request.
pub struct ServiceClient {
    http: reqwest::Client,
    tokens: Mutex<HashMap<(i32, String), (String, Instant)>>,
}

/// Passes a successful response on; turns any other into `Refused` with
/// the start of the platform's answer.
pub async fn check(
    response: reqwest::Response,
    what: &'static str,
) -> Result<reqwest::Response, ServiceError> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    let body = crate::outbound::refusal_excerpt(response).await;
    Err(ServiceError::Refused { what, status, body })
}

impl ServiceClient {
    pub fn new(http: reqwest::Client) -> ServiceClient {
        ServiceClient {
            http,
            tokens: Mutex::default(),
        }
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// An access token for these scopes, from the cache or the platform's
    /// token endpoint (form-encoded, as Moodle requires).
    pub async fn token(
        &self,
        platform: &Platform,
        key: &SigningKey,
        scopes: &[&str],
    ) -> Result<String, ServiceError> {
        let mut wanted: Vec<&str> = scopes.to_vec();
        wanted.sort_unstable();
        let scope = wanted.join(" ");
        let cache_key = (platform.id.0, scope.clone());
        if let Ok(tokens) = self.tokens.lock() {
            if let Some((token, until)) = tokens.get(&cache_key) {
                if Instant::now() < *until {
                    return Ok(token.clone());
                }
            }
        }
        let now = now_ms() / 1000;
        // The assertion's audience is the token endpoint (1EdTech Security Framework §4.1.1).
        let assertion = json!({
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": platform.token_url.as_str(),
            "iat": now,
            "exp": now + 300,
            "jti": random_token(16),
        });
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid.clone());
        let assertion = jsonwebtoken::encode(&header, &assertion, &key.encoding_key)?;
        let response = self
            .http
            .post(platform.token_url.clone())
            .header(ACCEPT, "application/json")
            .form(&[
                ("grant_type", "client_credentials"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", assertion.as_str()),
                ("scope", scope.as_str()),
            ])
            .send()
            .await?;
        let answer: TokenResponse = crate::outbound::read_json(
            check(response, "token request").await?,
            crate::outbound::TOKEN_LIMIT,
        )
        .await?;
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3600));
        let until = Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN);
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(cache_key, (answer.access_token.clone(), until));
        }
        Ok(answer.access_token)
    }

    /// Forgets the tokens of a platform that no longer accepts them.
    pub fn forget_tokens(&self, platform_id: i32) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.retain(|(platform, _), _| *platform != platform_id);
        }
    }
}
