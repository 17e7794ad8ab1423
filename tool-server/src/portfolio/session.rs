//! Launch sessions: the short-lived token the launch page hands the widget.
//! Stored hashed in the database, so any instance can check it and a
//! leaked database does not leak live tokens.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::PortfolioError;
use crate::entities::launch_session;
use crate::identity::PersonId;
use crate::util::{now_ms, random_token, sha256_hex};

#[derive(Debug, Clone)]
pub struct LaunchSession {
    pub person_id: PersonId,
    pub resource_link_id: Uuid,
    pub roles: Vec<String>,
    pub expires_at_ms: i64,
}

/// Creates a session and returns its bearer token (shown once).
pub async fn create<C: ConnectionTrait>(
    db: &C,
    person_id: PersonId,
    resource_link_id: Uuid,
    roles: &[String],
    ttl_secs: i64,
) -> Result<String, sea_orm::DbErr> {
    let token = random_token(32);
    let now = now_ms();
    launch_session::ActiveModel {
        token_hash: Set(sha256_hex(&token)),
        person_id: Set(person_id.0),
        resource_link_id: Set(resource_link_id),
        roles: Set(serde_json::to_string(roles).unwrap_or_else(|_| "[]".into())),
        created_at: Set(now),
        expires_at: Set(now + ttl_secs * 1000),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Deletes sessions that expired a day ago or more.
pub async fn sweep_expired<C: ConnectionTrait>(db: &C) -> Result<u64, sea_orm::DbErr> {
    let result = launch_session::Entity::delete_many()
        .filter(launch_session::Column::ExpiresAt.lt(now_ms() - 86_400_000))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    token: &str,
) -> Result<LaunchSession, PortfolioError> {
    let row = launch_session::Entity::find_by_id(sha256_hex(token))
        .one(db)
        .await?
        .ok_or(PortfolioError::Unauthenticated)?;
    if row.expires_at < now_ms() {
        return Err(PortfolioError::SessionExpired);
    }
    Ok(LaunchSession {
        person_id: PersonId(row.person_id),
        resource_link_id: row.resource_link_id,
        roles: serde_json::from_str(&row.roles).unwrap_or_default(),
        expires_at_ms: row.expires_at,
    })
}
