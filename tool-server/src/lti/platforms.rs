//! The registry of LTI platforms (issuer + client id) and their deployments.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;
use url::Url;

use super::LtiError;
use crate::config::PlatformRegistration;
use crate::entities::{deployment, platform};
use crate::util::now_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PlatformId(pub i32);

#[derive(Debug, Clone, Serialize)]
pub struct Platform {
    pub id: PlatformId,
    pub issuer: String,
    pub client_id: String,
    pub name: String,
    pub auth_url: Url,
    pub token_url: Url,
    pub jwks_url: Url,
    pub deployment_ids: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("{field} is not an absolute http(s) URL: {value}")]
    BadUrl { field: &'static str, value: String },
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

fn parse_url(field: &'static str, value: &str) -> Result<Url, RegistrationError> {
    match Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
        _ => Err(RegistrationError::BadUrl {
            field,
            value: value.to_owned(),
        }),
    }
}

/// Registers a platform, or updates its endpoints and adds deployments when
/// the issuer + client id is already known. Idempotent.
pub async fn register<C: TransactionTrait>(
    db: &C,
    registration: &PlatformRegistration,
) -> Result<Platform, RegistrationError> {
    if registration.issuer.trim().is_empty() {
        return Err(RegistrationError::Empty("issuer"));
    }
    if registration.client_id.trim().is_empty() {
        return Err(RegistrationError::Empty("client_id"));
    }
    if registration
        .deployment_ids
        .iter()
        .any(|d| d.trim().is_empty())
    {
        return Err(RegistrationError::Empty("deployment_id"));
    }
    parse_url("issuer", &registration.issuer)?;
    parse_url("auth_url", &registration.auth_url)?;
    parse_url("token_url", &registration.token_url)?;
    parse_url("jwks_url", &registration.jwks_url)?;

    let txn = db.begin().await?;
    let now = now_ms();
    let existing = platform::Entity::find()
        .filter(platform::Column::Issuer.eq(&registration.issuer))
        .filter(platform::Column::ClientId.eq(&registration.client_id))
        .one(&txn)
        .await?;
    let name = registration
        .name
        .clone()
        .unwrap_or_else(|| registration.issuer.clone());
    let row = match existing {
        Some(row) => {
            let mut active: platform::ActiveModel = row.into();
            active.name = Set(name);
            active.auth_url = Set(registration.auth_url.clone());
            active.token_url = Set(registration.token_url.clone());
            active.jwks_url = Set(registration.jwks_url.clone());
            active.update(&txn).await?
        }
        None => {
            platform::ActiveModel {
                issuer: Set(registration.issuer.clone()),
                client_id: Set(registration.client_id.clone()),
                name: Set(name),
                auth_url: Set(registration.auth_url.clone()),
                token_url: Set(registration.token_url.clone()),
                jwks_url: Set(registration.jwks_url.clone()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    for deployment_id in &registration.deployment_ids {
        let known = deployment::Entity::find()
            .filter(deployment::Column::PlatformId.eq(row.id))
            .filter(deployment::Column::DeploymentId.eq(deployment_id))
            .one(&txn)
            .await?;
        if known.is_none() {
            deployment::ActiveModel {
                platform_id: Set(row.id),
                deployment_id: Set(deployment_id.clone()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    let platform = load(&txn, row).await?;
    txn.commit().await?;
    Ok(platform)
}

async fn load<C: ConnectionTrait>(
    db: &C,
    row: platform::Model,
) -> Result<Platform, sea_orm::DbErr> {
    let deployment_ids = deployment::Entity::find()
        .filter(deployment::Column::PlatformId.eq(row.id))
        .order_by_asc(deployment::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.deployment_id)
        .collect();
    // Stored URLs were validated on the way in.
    let url = |value: &str| {
        Url::parse(value)
            .unwrap_or_else(|_| Url::parse("http://invalid.invalid").expect("literal URL"))
    };
    Ok(Platform {
        id: PlatformId(row.id),
        auth_url: url(&row.auth_url),
        token_url: url(&row.token_url),
        jwks_url: url(&row.jwks_url),
        issuer: row.issuer,
        client_id: row.client_id,
        name: row.name,
        deployment_ids,
    })
}

pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<Platform>, sea_orm::DbErr> {
    let rows = platform::Entity::find()
        .order_by_asc(platform::Column::Id)
        .all(db)
        .await?;
    let mut platforms = Vec::with_capacity(rows.len());
    for row in rows {
        platforms.push(load(db, row).await?);
    }
    Ok(platforms)
}

pub async fn get<C: ConnectionTrait>(
    db: &C,
    id: PlatformId,
) -> Result<Option<Platform>, sea_orm::DbErr> {
    match platform::Entity::find_by_id(id.0).one(db).await? {
        Some(row) => Ok(Some(load(db, row).await?)),
        None => Ok(None),
    }
}

/// Finds the registration a login initiation is for. `client_id` is optional
/// in the request; without it the issuer must have exactly one registration.
pub async fn find_for_login<C: ConnectionTrait>(
    db: &C,
    issuer: &str,
    client_id: Option<&str>,
) -> Result<Platform, LtiError> {
    let mut query = platform::Entity::find().filter(platform::Column::Issuer.eq(issuer));
    if let Some(client_id) = client_id {
        query = query.filter(platform::Column::ClientId.eq(client_id));
    }
    let mut rows = query.all(db).await?;
    match rows.len() {
        0 => Err(LtiError::UnknownIssuer(issuer.to_owned())),
        1 => Ok(load(db, rows.remove(0)).await?),
        _ => Err(LtiError::AmbiguousClient(issuer.to_owned())),
    }
}

/// Finds the registration an id_token is addressed to: its issuer, and one
/// of its audiences as client id.
pub async fn find_for_token<C: ConnectionTrait>(
    db: &C,
    issuer: &str,
    audiences: &[String],
) -> Result<Platform, LtiError> {
    let rows = platform::Entity::find()
        .filter(platform::Column::Issuer.eq(issuer))
        .all(db)
        .await?;
    if rows.is_empty() {
        return Err(LtiError::UnknownIssuer(issuer.to_owned()));
    }
    match rows
        .into_iter()
        .find(|row| audiences.iter().any(|aud| aud == &row.client_id))
    {
        Some(row) => Ok(load(db, row).await?),
        None => Err(LtiError::InvalidAudience),
    }
}
