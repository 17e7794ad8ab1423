//! The platforms' public keys (their JWKS), cached in memory and in the
//! database for as long as the platform's `Cache-Control: max-age` says
//! (within bounds). An unknown `kid` triggers one refetch; concurrent
//! launches that miss the same platform's cache wait for that one fetch
//! instead of each fetching (coalescing), and refetches for one platform
//! are at least a second apart: a token with an invented `kid` cannot make
//! us hammer the platform, and a platform that has just rotated its key
//! costs a launch at most that second, never a failure.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use jsonwebtoken::DecodingKey;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde::Deserialize;

use super::{Platform, PlatformError, PlatformId};
use crate::entities::platform_jwks;
use crate::util::now_ms;

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

struct KeySet {
    keys: HashMap<String, DecodingKey>,
    fetched_at: i64,
    /// After this the set is refreshed before use (kept if the platform is down).
    fresh_until: i64,
}

/// Bounds on how long a fetched JWKS is trusted, whatever the platform says.
const MIN_LIFETIME_MS: i64 = 60_000;
const MAX_LIFETIME_MS: i64 = 24 * 3_600_000;
/// When the platform sends no usable `max-age`.
const DEFAULT_LIFETIME_MS: i64 = 3_600_000;
/// The least time between two fetches of one platform's JWKS.
const MIN_REFETCH_INTERVAL_MS: i64 = 1_000;

/// How long a JWKS response may be used, from its `Cache-Control` header.
fn lifetime_ms(cache_control: Option<&str>) -> i64 {
    let Some(header) = cache_control else {
        return DEFAULT_LIFETIME_MS;
    };
    let directives: Vec<String> = header
        .split(',')
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    if directives
        .iter()
        .any(|d| d == "no-store" || d == "no-cache")
    {
        return MIN_LIFETIME_MS;
    }
    directives
        .iter()
        .find_map(|d| {
            d.strip_prefix("max-age=")?
                .trim_matches('"')
                .parse::<i64>()
                .ok()
        })
        .map_or(DEFAULT_LIFETIME_MS, |secs| {
            secs.saturating_mul(1000)
                .clamp(MIN_LIFETIME_MS, MAX_LIFETIME_MS)
        })
}

pub struct PlatformKeyCache {
    http: reqwest::Client,
    sets: RwLock<HashMap<PlatformId, Arc<KeySet>>>,
    fetch_locks: Mutex<HashMap<PlatformId, Arc<tokio::sync::Mutex<()>>>>,
}

impl PlatformKeyCache {
    pub fn new(http: reqwest::Client) -> Self {
        PlatformKeyCache {
            http,
            sets: RwLock::new(HashMap::new()),
            fetch_locks: Mutex::new(HashMap::new()),
        }
    }

    /// The platform's verification key with this `kid`.
    #[tracing::instrument(skip(self, db, platform), fields(platform = %platform.issuer))]
    pub async fn key_for<C: ConnectionTrait>(
        &self,
        db: &C,
        platform: &Platform,
        kid: &str,
    ) -> Result<DecodingKey, PlatformError> {
        let asked_at = now_ms();
        let cached = self.cached_set(platform.id);
        if let Some(key) = cached
            .as_ref()
            .filter(|set| set.fresh_until > asked_at)
            .and_then(|set| set.keys.get(kid))
        {
            return Ok(key.clone());
        }

        let lock = self.fetch_lock(platform.id);
        let _guard = lock.lock().await;

        // Someone may have fetched while this task waited for the lock.
        let mut newest_known = None;
        if let Some(set) = self.cached_set(platform.id) {
            if set.fetched_at >= asked_at || set.fresh_until > now_ms() {
                if let Some(key) = set.keys.get(kid) {
                    return Ok(key.clone());
                }
                if set.fetched_at >= asked_at {
                    return Err(PlatformError::UnknownKid);
                }
            }
            newest_known = Some(set);
        }

        // Another instance may have fetched a newer copy into the database.
        if let Some(row) = platform_jwks::Entity::find_by_id(platform.id.0)
            .one(db)
            .await?
        {
            if newest_known
                .as_ref()
                .is_none_or(|set| row.fetched_at > set.fetched_at)
            {
                let set = Arc::new(parse_key_set(
                    &row.jwks,
                    row.fetched_at,
                    row.fetched_at + DEFAULT_LIFETIME_MS,
                )?);
                self.remember(platform.id, set.clone());
                if let Some(key) = set.keys.get(kid).filter(|_| set.fresh_until > now_ms()) {
                    return Ok(key.clone());
                }
                newest_known = Some(set);
            }
        }

        if let Some(set) = &newest_known {
            let wait = set.fetched_at + MIN_REFETCH_INTERVAL_MS - now_ms();
            if wait > 0 {
                actix_web::rt::time::sleep(Duration::from_millis(wait as u64)).await;
            }
        }
        let (body, lifetime) = match self.fetch(platform).await {
            Ok(fetched) => fetched,
            Err(error) => {
                // A platform that is down does not invalidate keys we hold.
                if let Some(key) = newest_known.as_ref().and_then(|set| set.keys.get(kid)) {
                    tracing::warn!(%error, "using the platform's keys past their cache lifetime");
                    return Ok(key.clone());
                }
                return Err(error);
            }
        };
        let fetched_at = now_ms();
        let set = Arc::new(parse_key_set(&body, fetched_at, fetched_at + lifetime)?);
        platform_jwks::Entity::insert(platform_jwks::ActiveModel {
            platform_id: Set(platform.id.0),
            jwks: Set(body),
            fetched_at: Set(fetched_at),
        })
        .on_conflict(
            OnConflict::column(platform_jwks::Column::PlatformId)
                .update_columns([
                    platform_jwks::Column::Jwks,
                    platform_jwks::Column::FetchedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
        self.remember(platform.id, set.clone());
        set.keys.get(kid).cloned().ok_or(PlatformError::UnknownKid)
    }

    /// The JWKS body and how long it may be used.
    async fn fetch(&self, platform: &Platform) -> Result<(String, i64), PlatformError> {
        tracing::info!(url = %platform.jwks_url, "fetching the platform's JWKS");
        let unavailable = |e: reqwest::Error| PlatformError::KeysUnavailable(e.to_string());
        let response = self
            .http
            .get(platform.jwks_url.clone())
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(unavailable)?
            .error_for_status()
            .map_err(unavailable)?;
        let lifetime = lifetime_ms(
            response
                .headers()
                .get(reqwest::header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
        );
        let body = crate::outbound::read_capped(response, crate::outbound::KEYS_LIMIT)
            .await
            .map_err(|e| PlatformError::KeysUnavailable(e.to_string()))?;
        let text = String::from_utf8(body)
            .map_err(|_| PlatformError::KeysUnavailable("the keys are not UTF-8 text".into()))?;
        Ok((text, lifetime))
    }

    fn cached_set(&self, platform: PlatformId) -> Option<Arc<KeySet>> {
        self.sets.read().ok()?.get(&platform).cloned()
    }

    fn remember(&self, platform: PlatformId, set: Arc<KeySet>) {
        if let Ok(mut sets) = self.sets.write() {
            sets.insert(platform, set);
        }
    }

    fn fetch_lock(&self, platform: PlatformId) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .fetch_locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        locks.entry(platform).or_default().clone()
    }
}

fn parse_key_set(body: &str, fetched_at: i64, fresh_until: i64) -> Result<KeySet, PlatformError> {
    let set: JwkSet = serde_json::from_str(body)
        .map_err(|e| PlatformError::KeysUnavailable(format!("the JWKS is not valid JSON: {e}")))?;
    let keys = set
        .keys
        .into_iter()
        .filter(|jwk| jwk.kty == "RSA")
        .filter(|jwk| jwk.usage.as_deref().is_none_or(|u| u == "sig"))
        .filter(|jwk| jwk.alg.as_deref().is_none_or(|a| a == "RS256"))
        .filter_map(|jwk| {
            let key =
                DecodingKey::from_rsa_components(jwk.n.as_deref()?, jwk.e.as_deref()?).ok()?;
            Some((jwk.kid?, key))
        })
        .collect();
    Ok(KeySet {
        keys,
        fetched_at,
        fresh_until,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_lifetime_follows_max_age_within_bounds() {
        assert_eq!(lifetime_ms(None), DEFAULT_LIFETIME_MS);
        assert_eq!(lifetime_ms(Some("public, max-age=600")), 600_000);
        assert_eq!(lifetime_ms(Some("Max-Age=7200, public")), 7_200_000);
        assert_eq!(lifetime_ms(Some("max-age=0")), MIN_LIFETIME_MS);
        assert_eq!(lifetime_ms(Some("no-cache")), MIN_LIFETIME_MS);
        assert_eq!(lifetime_ms(Some("max-age=31536000")), MAX_LIFETIME_MS);
        assert_eq!(lifetime_ms(Some("private")), DEFAULT_LIFETIME_MS);
        assert_eq!(lifetime_ms(Some("max-age=soon")), DEFAULT_LIFETIME_MS);
    }
}
