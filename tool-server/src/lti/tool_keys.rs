//! The tool's own RSA key pair: generated and stored on first start,
//! published at `/.well-known/jwks.json`, used to sign the tool's JWTs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::EncodingKey;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
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

/// The key the tool signs with now.
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub encoding_key: EncodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Returns the current signing key, generating and storing one if there is none.
pub async fn ensure_current<C: ConnectionTrait>(db: &C) -> Result<SigningKey, ToolKeyError> {
    if let Some(row) = current_row(db).await? {
        return signing_key(&row);
    }
    let row = generate(db).await?;
    tracing::info!(kid = %row.kid, "generated the tool's signing key");
    signing_key(&row)
}

async fn current_row<C: ConnectionTrait>(
    db: &C,
) -> Result<Option<tool_key::Model>, sea_orm::DbErr> {
    tool_key::Entity::find()
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
    })
}

/// Generates a new key pair and stores it as current.
pub async fn generate<C: ConnectionTrait>(db: &C) -> Result<tool_key::Model, ToolKeyError> {
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

/// The public JWKS: every key not yet retired.
pub async fn public_jwks<C: ConnectionTrait>(db: &C) -> Result<Value, sea_orm::DbErr> {
    let rows = tool_key::Entity::find()
        .filter(tool_key::Column::RetiredAt.is_null())
        .order_by_desc(tool_key::Column::CreatedAt)
        .all(db)
        .await?;
    let keys: Vec<Value> = rows
        .iter()
        .filter_map(|row| serde_json::from_str(&row.public_jwk).ok())
        .collect();
    Ok(json!({ "keys": keys }))
}
