//! The tool's own RSA key pairs: one generated and stored on first start,
//! published at `/.well-known/jwks.json`, used to sign the tool's JWTs.
//!
//! The badge issuer has key pairs of its own, kept and rotated the same
//! way: its public keys are published in the issuer profile, never in the
//! LTI JWKS, so one key never signs both a launch answer and a credential.
//!
//! `carefolio keys rotate` makes a new key current. The previous keys are
//! never used to sign again, but stay published until their `retired_at`
//! (a grace period), so platforms that cached the JWKS can still check
//! what was signed just before the rotation.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::EncodingKey;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use std::sync::Mutex;

use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::entities::tool_key;
use crate::util::now_ms;

const KEY_BITS: usize = 2048;

#[derive(Debug, thiserror::Error)]
pub enum ToolKeyError {
    #[error("cannot generate an RSA key: {0}")]
    Generate(String),
    #[error("the stored key {kid} is unusable: {reason}")]
    Corrupt { kid: String, reason: String },
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

/// What a key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyUse {
    /// LTI messages and service requests; published at the JWKS.
    #[default]
    Lti,
    /// Open Badges 3.0 credentials and the status list; published in the
    /// issuer profile.
    Badges,
}

impl KeyUse {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyUse::Lti => "lti",
            KeyUse::Badges => "badges",
        }
    }
}

/// The key the tool signs with now.
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub encoding_key: EncodingKey,
    /// The public half, as published (a JWK).
    pub public_jwk: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Returns the current signing key, generating and storing one if there is none.
pub async fn ensure_current<C: ConnectionTrait>(
    db: &C,
    key_use: KeyUse,
) -> Result<SigningKey, ToolKeyError> {
    if let Some(row) = current_row(db, key_use).await? {
        return signing_key(&row);
    }
    let row = generate(db, key_use).await?;
    tracing::info!(kid = %row.kid, key_use = key_use.as_str(), "generated a signing key");
    signing_key(&row)
}

async fn current_row<C: ConnectionTrait>(
    db: &C,
    key_use: KeyUse,
) -> Result<Option<tool_key::Model>, sea_orm::DbErr> {
    tool_key::Entity::find()
        .filter(tool_key::Column::KeyUse.eq(key_use.as_str()))
        .filter(tool_key::Column::RetiredAt.is_null())
        .order_by_desc(tool_key::Column::CreatedAt)
        .one(db)
        .await
}

fn signing_key(row: &tool_key::Model) -> Result<SigningKey, ToolKeyError> {
    let encoding_key = EncodingKey::from_rsa_pem(row.private_key_pem.as_bytes()).map_err(|e| {
        ToolKeyError::Corrupt {
            kid: row.kid.clone(),
            reason: e.to_string(),
        }
    })?;
    Ok(SigningKey {
        kid: row.kid.clone(),
        encoding_key,
        public_jwk: row.public_jwk.clone(),
    })
}

/// Generates a new key pair and stores it as current.
pub async fn generate<C: ConnectionTrait>(
    db: &C,
    key_use: KeyUse,
) -> Result<tool_key::Model, ToolKeyError> {
    let private_key =
        tokio::task::spawn_blocking(|| RsaPrivateKey::new(&mut rand::thread_rng(), KEY_BITS))
            .await
            .map_err(|e| ToolKeyError::Generate(e.to_string()))?
            .map_err(|e| ToolKeyError::Generate(e.to_string()))?;
    let pem = private_key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| ToolKeyError::Generate(e.to_string()))?;
    let n = URL_SAFE_NO_PAD.encode(private_key.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(private_key.e().to_bytes_be());
    let kid = thumbprint(&n, &e);
    let jwk = json!({"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": n, "e": e});
    let row = tool_key::ActiveModel {
        kid: Set(kid),
        private_key_pem: Set(pem.to_string()),
        public_jwk: Set(jwk.to_string()),
        created_at: Set(now_ms()),
        retired_at: Set(None),
        key_use: Set(key_use.as_str().to_owned()),
    }
    .insert(db)
    .await?;
    Ok(row)
}

/// RFC 7638 JWK thumbprint: a kid derived from the key itself.
fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The public JWKS: the current key and every previous key still within
/// its grace period.
pub async fn public_jwks<C: ConnectionTrait>(
    db: &C,
    key_use: KeyUse,
) -> Result<Value, sea_orm::DbErr> {
    Ok(json!({ "keys": public_keys(db, key_use).await? }))
}

/// The published public keys (JWKs), the current one first.
pub async fn public_keys<C: ConnectionTrait>(
    db: &C,
    key_use: KeyUse,
) -> Result<Vec<Value>, sea_orm::DbErr> {
    Ok(published(db, key_use)
        .await?
        .iter()
        .filter_map(|row| serde_json::from_str(&row.public_jwk).ok())
        .collect())
}

async fn published<C: ConnectionTrait>(
    db: &C,
    key_use: KeyUse,
) -> Result<Vec<tool_key::Model>, sea_orm::DbErr> {
    tool_key::Entity::find()
        .filter(tool_key::Column::KeyUse.eq(key_use.as_str()))
        .filter(
            Condition::any()
                .add(tool_key::Column::RetiredAt.is_null())
                .add(tool_key::Column::RetiredAt.gt(now_ms())),
        )
        .order_by_desc(tool_key::Column::CreatedAt)
        .all(db)
        .await
}

/// A key as `carefolio keys list` shows it.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    pub kid: String,
    pub created_at_ms: i64,
    /// When the key leaves the JWKS; `None` for the current key.
    pub retired_at_ms: Option<i64>,
}

/// Every published key, the current one first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    key_use: KeyUse,
) -> Result<Vec<KeyInfo>, sea_orm::DbErr> {
    Ok(published(db, key_use)
        .await?
        .into_iter()
        .map(|row| KeyInfo {
            kid: row.kid,
            created_at_ms: row.created_at,
            retired_at_ms: row.retired_at,
        })
        .collect())
}

/// Makes a new key current. The keys it replaces stop signing at once and
/// stay published for `keep_previous_ms`. Returns the new key's id.
pub async fn rotate<C: TransactionTrait>(
    db: &C,
    key_use: KeyUse,
    keep_previous_ms: i64,
) -> Result<String, ToolKeyError> {
    let txn = db.begin().await?;
    let now = now_ms();
    tool_key::Entity::update_many()
        .col_expr(
            tool_key::Column::RetiredAt,
            Expr::value(now + keep_previous_ms),
        )
        .filter(tool_key::Column::KeyUse.eq(key_use.as_str()))
        .filter(tool_key::Column::RetiredAt.is_null())
        .exec(&txn)
        .await?;
    let row = generate(&txn, key_use).await?;
    txn.commit().await?;
    tracing::info!(kid = %row.kid, key_use = key_use.as_str(), "rotated a signing key");
    Ok(row.kid)
}

/// The current signing key, as any instance sees it right now. Each call
/// reads the current key id (one indexed row), so a rotation done by
/// another process takes effect on the next signature; the parsed key is
/// reused while the id is unchanged.
#[derive(Default)]
pub struct CurrentKey {
    key_use: KeyUse,
    parsed: Mutex<Option<SigningKey>>,
}

impl CurrentKey {
    pub fn new(key_use: KeyUse) -> CurrentKey {
        CurrentKey {
            key_use,
            parsed: Mutex::default(),
        }
    }

    pub async fn get<C: ConnectionTrait>(&self, db: &C) -> Result<SigningKey, ToolKeyError> {
        let kid: Option<String> = tool_key::Entity::find()
            .select_only()
            .column(tool_key::Column::Kid)
            .filter(tool_key::Column::KeyUse.eq(self.key_use.as_str()))
            .filter(tool_key::Column::RetiredAt.is_null())
            .order_by_desc(tool_key::Column::CreatedAt)
            .into_tuple()
            .one(db)
            .await?;
        if let (Some(kid), Ok(parsed)) = (&kid, self.parsed.lock()) {
            if let Some(key) = parsed.as_ref().filter(|key| &key.kid == kid) {
                return Ok(key.clone());
            }
        }
        let key = ensure_current(db, self.key_use).await?;
        if let Ok(mut parsed) = self.parsed.lock() {
            *parsed = Some(key.clone());
        }
        Ok(key)
    }
}
