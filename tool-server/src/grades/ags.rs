//! Assignment and Grade Services 2.0 client: OAuth2 client-credentials
//! tokens with a signed JWT assertion, line items, scores.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, Header};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};
use url::Url;

use crate::lti::platforms::Platform;
use crate::lti::tool_keys::{SigningKey, ToolKeyError};
use crate::util::{now_ms, random_token};

pub const SCORE_TYPE: &str = "application/vnd.ims.lis.v1.score+json";
pub const LINEITEM_TYPE: &str = "application/vnd.ims.lis.v2.lineitem+json";
pub const LINEITEMS_TYPE: &str = "application/vnd.ims.lis.v2.lineitemcontainer+json";
pub const RESULTS_TYPE: &str = "application/vnd.ims.lis.v2.resultcontainer+json";
/// A cached token is dropped this long before the platform says it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum AgsError {
    #[error("the platform could not be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("{what}: the platform answered {status}: {body}")]
    Refused {
        what: &'static str,
        status: StatusCode,
        body: String,
    },
    #[error("{0}")]
    NotPossible(String),
    #[error("the tool's signing key is unavailable: {0}")]
    Key(#[from] ToolKeyError),
    #[error("the client assertion could not be signed: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

impl AgsError {
    /// Whether retrying later can help: outages, overload and timeouts
    /// can; a request the platform refuses as invalid cannot.
    pub fn is_transient(&self) -> bool {
        match self {
            AgsError::Unreachable(_) | AgsError::Key(_) => true,
            AgsError::Refused { status, .. } => {
                status.is_server_error()
                    || *status == StatusCode::TOO_MANY_REQUESTS
                    || *status == StatusCode::REQUEST_TIMEOUT
                    || *status == StatusCode::UNAUTHORIZED
                    || *status == StatusCode::CONFLICT
            }
            AgsError::NotPossible(_) | AgsError::Signing(_) => false,
        }
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

/// Access tokens per platform and scope set, in memory: losing them costs
/// one token request.
#[derive(Default)]
pub struct TokenCache {
    tokens: Mutex<HashMap<(i32, String), (String, Instant)>>,
}

pub struct AgsClient {
    http: reqwest::Client,
    tokens: TokenCache,
}

/// `…/lineitem?type_id=1` → `…/lineitem/scores?type_id=1`: the sub-resource
/// goes into the path, before any query string (Moodle's line item URLs
/// carry one).
pub fn sub_resource(lineitem: &str, name: &str) -> Result<Url, AgsError> {
    let mut url = Url::parse(lineitem).map_err(|_| {
        AgsError::NotPossible(format!("the line item URL {lineitem:?} is not a URL"))
    })?;
    url.path_segments_mut()
        .map_err(|_| AgsError::NotPossible(format!("the line item URL {lineitem:?} has no path")))?
        .pop_if_empty()
        .push(name);
    Ok(url)
}

async fn check(
    response: reqwest::Response,
    what: &'static str,
) -> Result<reqwest::Response, AgsError> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    let mut body = response.text().await.unwrap_or_default();
    body.truncate(300);
    Err(AgsError::Refused { what, status, body })
}

impl AgsClient {
    pub fn new(http: reqwest::Client) -> AgsClient {
        AgsClient {
            http,
            tokens: TokenCache::default(),
        }
    }

    /// An access token for these scopes, from the cache or the platform's
    /// token endpoint (form-encoded, as Moodle requires).
    pub async fn token(
        &self,
        platform: &Platform,
        key: &SigningKey,
        scopes: &[&str],
    ) -> Result<String, AgsError> {
        let mut wanted: Vec<&str> = scopes.to_vec();
        wanted.sort_unstable();
        let scope = wanted.join(" ");
        let cache_key = (platform.id.0, scope.clone());
        if let Ok(tokens) = self.tokens.tokens.lock() {
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
        let answer: TokenResponse = check(response, "token request").await?.json().await?;
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3600));
        let until = Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN);
        if let Ok(mut tokens) = self.tokens.tokens.lock() {
            tokens.insert(cache_key, (answer.access_token.clone(), until));
        }
        Ok(answer.access_token)
    }

    /// Forgets a token the platform no longer accepts.
    pub fn forget_tokens(&self, platform_id: i32) {
        if let Ok(mut tokens) = self.tokens.tokens.lock() {
            tokens.retain(|(platform, _), _| *platform != platform_id);
        }
    }

    /// The link's line item tagged for Carefolio, created when missing.
    pub async fn find_or_create_lineitem(
        &self,
        token: &str,
        lineitems: &str,
        lti_link_id: &str,
        label: &str,
    ) -> Result<String, AgsError> {
        let mut url = Url::parse(lineitems).map_err(|_| {
            AgsError::NotPossible(format!("the line items URL {lineitems:?} is not a URL"))
        })?;
        url.query_pairs_mut()
            .append_pair("resource_link_id", lti_link_id);
        let response = self
            .http
            .get(url)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(ACCEPT, LINEITEMS_TYPE)
            .send()
            .await?;
        let items: Vec<Value> = check(response, "line item search").await?.json().await?;
        // A platform may ignore the filter; check the link ourselves.
        let found = items
            .iter()
            .find(|item| item.get("resourceLinkId").and_then(Value::as_str) == Some(lti_link_id));
        if let Some(id) = found
            .and_then(|item| item.get("id"))
            .and_then(Value::as_str)
        {
            return Ok(id.to_owned());
        }
        let response = self
            .http
            .post(lineitems)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(CONTENT_TYPE, LINEITEM_TYPE)
            .header(ACCEPT, LINEITEM_TYPE)
            .body(
                json!({
                    "scoreMaximum": 100,
                    "label": label,
                    "resourceLinkId": lti_link_id,
                    "tag": crate::lti::deep_linking::LINE_ITEM_TAG,
                })
                .to_string(),
            )
            .send()
            .await?;
        let created: Value = check(response, "line item creation").await?.json().await?;
        created
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| AgsError::NotPossible("the created line item has no id".into()))
    }

    /// Posts one score to the line item's `scores` endpoint.
    pub async fn post_score(
        &self,
        token: &str,
        lineitem: &str,
        score: &Value,
    ) -> Result<(), AgsError> {
        let response = self
            .http
            .post(sub_resource(lineitem, "scores")?)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(CONTENT_TYPE, SCORE_TYPE)
            .body(score.to_string())
            .send()
            .await?;
        check(response, "score").await?;
        Ok(())
    }

    /// The line item's results (what the gradebook holds), optionally for one user.
    pub async fn results(
        &self,
        token: &str,
        lineitem: &str,
        user_id: Option<&str>,
    ) -> Result<Vec<Value>, AgsError> {
        let mut url = sub_resource(lineitem, "results")?;
        if let Some(user) = user_id {
            url.query_pairs_mut().append_pair("user_id", user);
        }
        let response = self
            .http
            .get(url)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(ACCEPT, RESULTS_TYPE)
            .send()
            .await?;
        Ok(check(response, "results").await?.json().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_go_into_the_path_before_the_query() {
        assert_eq!(
            sub_resource(
                "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1",
                "scores"
            )
            .expect("a URL")
            .as_str(),
            "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1"
        );
        assert_eq!(
            sub_resource(
                "https://canvas.example/api/lti/courses/1/line_items/5/",
                "results"
            )
            .expect("a URL")
            .as_str(),
            "https://canvas.example/api/lti/courses/1/line_items/5/results"
        );
    }
}
