//! Validation of the id_token a platform posts to `/lti/launch`
//! (LTI 1.3 Core §5.1.3, 1EdTech Security Framework §5.1.3).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation};
use sea_orm::ConnectionTrait;
use serde_json::Value;

use super::claims::{self, LaunchMessage};
use super::login::{self, VerifiedLogin};
use super::{LtiError, CLOCK_LEEWAY_SECS};
use crate::platforms::keys::PlatformKeyCache;
use crate::platforms::{self, Platform, PlatformCache};
use crate::signing::Signer;
use crate::util::now_ms;

/// What arrived at the launch endpoint.
pub struct LaunchRequest<'a> {
    pub id_token: Option<&'a str>,
    pub state: Option<&'a str>,
    /// How the browser shows it is the one that started the login.
    pub state_proof: StateProof,
}

/// Where the login's state was kept in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateProof {
    /// The state cookie set at login came back.
    Cookie,
    /// No cookie (blocked in the LMS's frame), but the proof the login page
    /// left in the platform's storage (LTI Platform Storage) came back.
    PlatformStorage,
    /// No cookie, and the platform offers its storage: the proof is still to
    /// be read from it. Such a launch is checked but never recorded
    /// (`validate` answers [`Checked::AwaitingStorageProof`]).
    StorageToRead,
    /// Neither: the launch cannot be tied to this browser's login.
    Missing,
}

/// The outcome of `validate`.
#[derive(Debug)]
pub enum Checked {
    /// Every check passed, the browser's proof included: may be recorded.
    Proven(Box<ValidatedLaunch>),
    /// Every check of the token passed, but the browser has still to show
    /// the proof kept in the platform's storage: nothing may be recorded,
    /// no token issued, until a second request carries it.
    AwaitingStorageProof {
        /// Where the platform's storage answers from.
        platform_origin: String,
        state: String,
        /// Where the platform is, for the page's frame ancestors.
        origins: platforms::Origins,
    },
}

/// A launch whose every check passed, the browser's proof included;
/// nothing has been stored yet.
#[derive(Debug)]
pub struct ValidatedLaunch {
    pub platform: Platform,
    pub message: LaunchMessage,
    pub login: VerifiedLogin,
}

fn decode_segment(segment: &str) -> Result<Value, LtiError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|_| LtiError::NotAJwt)?;
    serde_json::from_slice(&bytes).map_err(|_| LtiError::NotAJwt)
}

fn audiences(payload: &Value) -> Vec<String> {
    match payload.get("aud") {
        Some(Value::String(aud)) => vec![aud.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

#[tracing::instrument(skip_all)]
pub async fn validate<C: ConnectionTrait>(
    db: &C,
    platforms: &PlatformCache,
    keys: &PlatformKeyCache,
    signer: &Signer,
    request: LaunchRequest<'_>,
) -> Result<Checked, LtiError> {
    let token = request
        .id_token
        .filter(|t| !t.is_empty())
        .ok_or(LtiError::MissingParameter("id_token"))?;
    let segments: Vec<&str> = token.split('.').collect();
    let [header, payload, _signature] = segments[..] else {
        return Err(LtiError::NotAJwt);
    };
    let header = decode_segment(header)?;
    // Checked by hand before any key is touched, so `none` and HS256 (signed
    // with the platform's public key as an HMAC secret) never get further.
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != "RS256" {
        return Err(LtiError::UnsupportedAlgorithm(alg.to_owned()));
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .ok_or(LtiError::MissingKid)?;

    // The unverified payload only chooses which registration's keys to try.
    let unverified = decode_segment(payload)?;
    let issuer = unverified
        .get("iss")
        .and_then(Value::as_str)
        .ok_or(LtiError::MissingClaims(vec!["iss"]))?;
    let addressed_to = audiences(&unverified);
    let mut platform = platforms
        .find(db, issuer, |candidates| {
            platforms::choose_for_token(candidates, issuer, &addressed_to)
        })
        .await?;
    let key = keys.key_for(db, &platform, kid).await?;

    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = CLOCK_LEEWAY_SECS;
    validation.set_audience(&[&platform.client_id]);
    validation.set_issuer(&[&platform.issuer]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
    let verified = jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind;
        match e.kind() {
            ErrorKind::ExpiredSignature => LtiError::Expired,
            ErrorKind::InvalidAudience => LtiError::InvalidAudience,
            ErrorKind::InvalidIssuer => LtiError::UnknownIssuer(issuer.to_owned()),
            ErrorKind::MissingRequiredClaim(claim) => {
                LtiError::MissingClaims(vec![match claim.as_str() {
                    "exp" => "exp",
                    "iat" => "iat",
                    "iss" => "iss",
                    _ => "aud",
                }])
            }
            ErrorKind::InvalidSignature | ErrorKind::InvalidRsaKey(_) | ErrorKind::Crypto(_) => {
                LtiError::InvalidSignature
            }
            _ => LtiError::InvalidClaim {
                claim: "id_token",
                reason: e.to_string(),
            },
        }
    })?;
    let payload = verified.claims;

    // With several audiences, azp must name this tool; when present it must anyway.
    let azp = payload.get("azp").and_then(Value::as_str);
    if (audiences(&payload).len() > 1 && azp.is_none())
        || azp.is_some_and(|azp| azp != platform.client_id)
    {
        return Err(LtiError::InvalidAudience);
    }
    let now_secs = now_ms() / 1000;
    match payload.get("iat").and_then(Value::as_i64) {
        Some(iat) if iat > now_secs + CLOCK_LEEWAY_SECS as i64 => {
            return Err(LtiError::IssuedInFuture)
        }
        Some(_) => {}
        None => {
            return Err(LtiError::InvalidClaim {
                claim: "iat",
                reason: "not a number".to_owned(),
            })
        }
    }

    let message = claims::parse_launch(&payload, &platform.origins)?;
    if !platform.deployment_ids.contains(&message.deployment_id) {
        // The cached registration may predate a newly added deployment.
        let client_id = [platform.client_id.clone()];
        platform = platforms
            .find(db, issuer, |candidates| {
                let platform = platforms::choose_for_token(candidates, issuer, &client_id)?;
                if platform.deployment_ids.contains(&message.deployment_id) {
                    Ok(platform)
                } else {
                    Err(platforms::PlatformError::UnknownDeployment(
                        message.deployment_id.to_string(),
                    ))
                }
            })
            .await?;
    }

    let login = check_state(db, signer, &platform, &message, &request).await?;
    if request.state_proof == StateProof::StorageToRead {
        return Ok(Checked::AwaitingStorageProof {
            platform_origin: platform.auth_url.origin().ascii_serialization(),
            state: login.state,
            origins: platform.origins,
        });
    }
    Ok(Checked::Proven(Box::new(ValidatedLaunch {
        platform,
        message,
        login,
    })))
}

/// The state must come from a login this browser started, and the token's
/// nonce must be the one issued with that state. Whether the nonce is still
/// unused is settled when the launch is recorded (`consume_nonce`).
async fn check_state<C: ConnectionTrait>(
    db: &C,
    signer: &Signer,
    platform: &Platform,
    message: &LaunchMessage,
    request: &LaunchRequest<'_>,
) -> Result<VerifiedLogin, LtiError> {
    let state = request
        .state
        .filter(|s| !s.is_empty())
        .ok_or(LtiError::MissingState)?;
    if !login::nonce_is_ours(signer, &message.nonce) {
        return Err(LtiError::UnknownNonce);
    }
    let login =
        VerifiedLogin::verify(signer, state, &message.nonce).ok_or(LtiError::StateMismatch)?;
    if login.platform_id != platform.id.0 {
        return Err(LtiError::StateMismatch);
    }
    match request.state_proof {
        // A used nonce is reported as a replay even when the browser has
        // since dropped the state cookie (it is cleared after a launch).
        StateProof::Missing => {
            return Err(if login.nonce_used(db).await? {
                LtiError::NonceReplayed
            } else {
                LtiError::StateMismatch
            });
        }
        // Nothing is recorded yet, so a spent token is refused here; the
        // recording spends the nonce in its own transaction.
        StateProof::StorageToRead if login.nonce_used(db).await? => {
            return Err(LtiError::NonceReplayed);
        }
        _ => {}
    }
    if login.expires_at_ms < now_ms() {
        return Err(LtiError::LoginExpired);
    }
    Ok(login)
}

/// Marks the login's nonce as used. Run inside the transaction that records
/// the launch, so a concurrent replay of the same token loses the race.
pub async fn consume_nonce<C: ConnectionTrait>(
    db: &C,
    login: &VerifiedLogin,
) -> Result<(), LtiError> {
    if login.consume_nonce(db).await? {
        Ok(())
    } else {
        Err(LtiError::NonceReplayed)
    }
}
