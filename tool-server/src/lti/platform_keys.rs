//! The platforms' public keys (their JWKS), cached in memory and in the
//! database. An unknown `kid` triggers one refetch; concurrent launches that
//! miss the same platform's cache wait for that one fetch instead of each
//! fetching (coalescing).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use jsonwebtoken::DecodingKey;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde::Deserialize;

use super::platforms::{Platform, PlatformId};
use super::LtiError;
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
    ) -> Result<DecodingKey, LtiError> {
        let asked_at = now_ms();
        let cached = self.cached_set(platform.id);
        if let Some(key) = cached.as_ref().and_then(|set| set.keys.get(kid)) {
            return Ok(key.clone());
        }

        let lock = self.fetch_lock(platform.id);
        let _guard = lock.lock().await;

        // Someone may have fetched while this task waited for the lock.
        let mut newest_known = 0;
        if let Some(set) = self.cached_set(platform.id) {
            if let Some(key) = set.keys.get(kid) {
                return Ok(key.clone());
            }
            if set.fetched_at >= asked_at {
                return Err(LtiError::UnknownKid);
            }
            newest_known = set.fetched_at;
        }

        // Another instance may have fetched a newer copy into the database.
        if let Some(row) = platform_jwks::Entity::find_by_id(platform.id.0)
            .one(db)
            .await?
        {
            if row.fetched_at > newest_known {
                let set = Arc::new(parse_key_set(&row.jwks, row.fetched_at)?);
                self.remember(platform.id, set.clone());
                if let Some(key) = set.keys.get(kid) {
                    return Ok(key.clone());
                }
            }
        }

        let body = self.fetch(platform).await?;
        let fetched_at = now_ms();
        let set = Arc::new(parse_key_set(&body, fetched_at)?);
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
        set.keys.get(kid).cloned().ok_or(LtiError::UnknownKid)
    }

    async fn fetch(&self, platform: &Platform) -> Result<String, LtiError> {
        tracing::info!(url = %platform.jwks_url, "fetching the platform's JWKS");
        let unavailable = |e: reqwest::Error| LtiError::PlatformKeysUnavailable(e.to_string());
        let response = self
            .http
            .get(platform.jwks_url.clone())
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(unavailable)?
            .error_for_status()
            .map_err(unavailable)?;
        response.text().await.map_err(unavailable)
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

fn parse_key_set(body: &str, fetched_at: i64) -> Result<KeySet, LtiError> {
    let set: JwkSet = serde_json::from_str(body).map_err(|e| {
        LtiError::PlatformKeysUnavailable(format!("the JWKS is not valid JSON: {e}"))
    })?;
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
    Ok(KeySet { keys, fetched_at })
}
