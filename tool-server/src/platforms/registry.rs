//! The registry of LTI platforms (issuer + client id) and their deployments.

use std::sync::Arc;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;
use url::Url;

use super::origins::{Origins, ServiceUrl, ServiceUrlError};
use super::{DeploymentId, DeploymentIdError, PlatformError};
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
    pub deployment_ids: Vec<DeploymentId>,
    /// Where the platform is: its endpoints' origins and any an operator
    /// added. Its services and the pages that frame the tool are there.
    pub origins: Origins,
}

impl Platform {
    /// `raw` as one of this platform's service URLs, or why it is not.
    pub fn service_url(&self, raw: &str) -> Result<ServiceUrl, ServiceUrlError> {
        ServiceUrl::parse(&self.origins, raw)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("{field} is not an absolute http(s) URL: {value}")]
    BadUrl { field: &'static str, value: String },
    #[error("origin {0}")]
    BadOrigin(String),
    #[error("deployment id {value:?}: {reason}")]
    BadDeployment {
        value: String,
        reason: DeploymentIdError,
    },
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("the platform {issuer} with client id {client_id} is registered already")]
    Exists { issuer: String, client_id: String },
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
/// the issuer + client id is already known. Idempotent. Only for what the
/// operator says (configuration, command line).
pub async fn register<C: TransactionTrait>(
    db: &C,
    registration: &PlatformRegistration,
) -> Result<Platform, RegistrationError> {
    store(db, registration, false).await
}

/// Registers a platform that must be new: an existing issuer + client id
/// is refused, never changed (dynamic registration).
pub async fn register_new<C: TransactionTrait>(
    db: &C,
    registration: &PlatformRegistration,
) -> Result<Platform, RegistrationError> {
    store(db, registration, true).await
}

async fn store<C: TransactionTrait>(
    db: &C,
    registration: &PlatformRegistration,
    only_new: bool,
) -> Result<Platform, RegistrationError> {
    if registration.issuer.trim().is_empty() {
        return Err(RegistrationError::Empty("issuer"));
    }
    if registration.client_id.trim().is_empty() {
        return Err(RegistrationError::Empty("client_id"));
    }
    let deployment_ids = registration
        .deployment_ids
        .iter()
        .map(|value| {
            DeploymentId::parse(value).map_err(|reason| RegistrationError::BadDeployment {
                value: value.clone(),
                reason,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    parse_url("issuer", &registration.issuer)?;
    parse_url("auth_url", &registration.auth_url)?;
    parse_url("token_url", &registration.token_url)?;
    parse_url("jwks_url", &registration.jwks_url)?;
    let origins = registration
        .origins
        .iter()
        .map(|o| super::origins::parse_extra_origin(o).map_err(RegistrationError::BadOrigin))
        .collect::<Result<Vec<_>, _>>()?
        .join(" ");

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
        Some(_) if only_new => {
            return Err(RegistrationError::Exists {
                issuer: registration.issuer.clone(),
                client_id: registration.client_id.clone(),
            })
        }
        Some(row) => {
            let mut active: platform::ActiveModel = row.into();
            active.name = Set(name);
            active.auth_url = Set(registration.auth_url.clone());
            active.token_url = Set(registration.token_url.clone());
            active.jwks_url = Set(registration.jwks_url.clone());
            active.origins = Set(origins);
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
                origins: Set(origins),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    for deployment_id in &deployment_ids {
        let known = deployment::Entity::find()
            .filter(deployment::Column::PlatformId.eq(row.id))
            .filter(deployment::Column::DeploymentId.eq(deployment_id.as_str()))
            .one(&txn)
            .await?;
        if known.is_none() {
            deployment::ActiveModel {
                platform_id: Set(row.id),
                deployment_id: Set(deployment_id.to_string()),
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

/// The registration with this id, if it still exists.
pub async fn by_id<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Option<Platform>, sea_orm::DbErr> {
    match platform::Entity::find_by_id(id).one(db).await? {
        Some(row) => Ok(Some(load(db, row).await?)),
        None => Ok(None),
    }
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
        .map(|d| DeploymentId::stored(d.deployment_id))
        .collect();
    // Stored URLs were validated on the way in; one that no longer parses
    // is a fault in the store, reported rather than replaced.
    let url = |name: &str, value: &str| {
        Url::parse(value).map_err(|e| {
            sea_orm::DbErr::Custom(format!(
                "platform {}: the stored {name} {value:?} is not a URL: {e}",
                row.id
            ))
        })
    };
    let issuer_url = url("issuer", &row.issuer)?;
    let auth_url = url("auth_url", &row.auth_url)?;
    let token_url = url("token_url", &row.token_url)?;
    let jwks_url = url("jwks_url", &row.jwks_url)?;
    let extra: Vec<String> = row.origins.split_whitespace().map(str::to_owned).collect();
    Ok(Platform {
        id: PlatformId(row.id),
        origins: Origins::new([&issuer_url, &auth_url, &token_url, &jwks_url], &extra),
        auth_url,
        token_url,
        jwks_url,
        issuer: row.issuer,
        client_id: row.client_id,
        name: row.name,
        deployment_ids,
    })
}

async fn load_all<C: ConnectionTrait>(
    db: &C,
    query: sea_orm::Select<platform::Entity>,
) -> Result<Vec<Platform>, sea_orm::DbErr> {
    let rows = query.order_by_asc(platform::Column::Id).all(db).await?;
    let mut platforms = Vec::with_capacity(rows.len());
    for row in rows {
        platforms.push(load(db, row).await?);
    }
    Ok(platforms)
}

/// Every registration.
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<Platform>, sea_orm::DbErr> {
    load_all(db, platform::Entity::find()).await
}

/// Every registration of an issuer, with its deployments.
pub async fn by_issuer<C: ConnectionTrait>(
    db: &C,
    issuer: &str,
) -> Result<Vec<Platform>, sea_orm::DbErr> {
    load_all(
        db,
        platform::Entity::find().filter(platform::Column::Issuer.eq(issuer)),
    )
    .await
}

type CachedRegistrations = (std::time::Instant, Arc<Vec<Platform>>);

/// Registrations by issuer, cached in memory for a short time. Only hits
/// are cached, and callers reload once before refusing an unknown client or
/// deployment, so a new registration is never refused because of the cache;
/// changed endpoints reach other instances within the time to live.
pub struct PlatformCache {
    entries: std::sync::RwLock<std::collections::HashMap<String, CachedRegistrations>>,
    ttl: std::time::Duration,
}

impl PlatformCache {
    pub fn new(ttl: std::time::Duration) -> Self {
        PlatformCache {
            entries: Default::default(),
            ttl,
        }
    }

    pub async fn by_issuer<C: ConnectionTrait>(
        &self,
        db: &C,
        issuer: &str,
        fresh: bool,
    ) -> Result<Arc<Vec<Platform>>, sea_orm::DbErr> {
        if !fresh {
            let cached = self
                .entries
                .read()
                .ok()
                .and_then(|entries| entries.get(issuer).cloned());
            if let Some((stored, platforms)) = cached {
                if stored.elapsed() < self.ttl {
                    return Ok(platforms);
                }
            }
        }
        let platforms = Arc::new(by_issuer(db, issuer).await?);
        if let Ok(mut entries) = self.entries.write() {
            if platforms.is_empty() {
                entries.remove(issuer);
            } else {
                entries.insert(
                    issuer.to_owned(),
                    (std::time::Instant::now(), platforms.clone()),
                );
            }
        }
        Ok(platforms)
    }

    /// Looks a registration up with `choose`, reloading once from the
    /// database when the cached list does not have it.
    pub async fn find<C, F>(
        &self,
        db: &C,
        issuer: &str,
        choose: F,
    ) -> Result<Platform, PlatformError>
    where
        C: ConnectionTrait,
        F: Fn(&[Platform]) -> Result<Platform, PlatformError>,
    {
        let cached = self.by_issuer(db, issuer, false).await?;
        match choose(&cached) {
            Err(
                PlatformError::UnknownIssuer(_)
                | PlatformError::InvalidAudience
                | PlatformError::UnknownDeployment(_),
            ) => choose(&self.by_issuer(db, issuer, true).await?),
            result => result,
        }
    }
}

/// Chooses the registration a login initiation is for. `client_id` is
/// optional in the request; without it the issuer must have exactly one
/// registration. A deployment id, when given, must be registered.
pub fn choose_for_login(
    candidates: &[Platform],
    issuer: &str,
    client_id: Option<&str>,
    deployment_id: Option<&str>,
) -> Result<Platform, PlatformError> {
    let matching: Vec<&Platform> = candidates
        .iter()
        .filter(|p| client_id.is_none_or(|id| p.client_id == id))
        .collect();
    let platform = match matching[..] {
        [] => return Err(PlatformError::UnknownIssuer(issuer.to_owned())),
        [one] => one,
        _ => return Err(PlatformError::AmbiguousClient(issuer.to_owned())),
    };
    if let Some(deployment_id) = deployment_id {
        if !platform
            .deployment_ids
            .iter()
            .any(|d| d.as_str() == deployment_id)
        {
            return Err(PlatformError::UnknownDeployment(deployment_id.to_owned()));
        }
    }
    Ok(platform.clone())
}

/// Chooses the registration an id_token is addressed to: its issuer, and
/// one of its audiences as client id.
pub fn choose_for_token(
    candidates: &[Platform],
    issuer: &str,
    audiences: &[String],
) -> Result<Platform, PlatformError> {
    if candidates.is_empty() {
        return Err(PlatformError::UnknownIssuer(issuer.to_owned()));
    }
    candidates
        .iter()
        .find(|p| audiences.iter().any(|aud| aud == &p.client_id))
        .cloned()
        .ok_or(PlatformError::InvalidAudience)
}

/// What removing a registration would take with it.
#[derive(Debug, PartialEq, Eq)]
pub enum Removal {
    Removed {
        name: String,
    },
    NotFound,
    /// The registration has people; removing it deletes their records.
    HasPeople {
        name: String,
        people: u64,
    },
}

/// Removes the registration of `issuer` (and `client_id` when it has
/// several). One with people is removed only when `delete_people` says so:
/// their records from this platform go with it.
pub async fn remove<C: TransactionTrait>(
    db: &C,
    issuer: &str,
    client_id: Option<&str>,
    delete_people: bool,
) -> Result<Removal, PlatformError> {
    use sea_orm::PaginatorTrait;
    let txn = db.begin().await?;
    let Some(platform) = one_of_issuer(&txn, issuer, client_id).await? else {
        return Ok(Removal::NotFound);
    };
    let people = crate::entities::lti_identity::Entity::find()
        .filter(crate::entities::lti_identity::Column::PlatformId.eq(platform.id.0))
        .count(&txn)
        .await?;
    if people > 0 && !delete_people {
        return Ok(Removal::HasPeople {
            name: platform.name,
            people,
        });
    }
    // Its xAPI credentials read nothing any more.
    crate::entities::xapi_client::Entity::delete_many()
        .filter(crate::entities::xapi_client::Column::PlatformId.eq(platform.id.0))
        .exec(&txn)
        .await?;
    platform::Entity::delete_by_id(platform.id.0)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(Removal::Removed {
        name: platform.name,
    })
}

/// The registration of `issuer` an operator names: with `client_id` when
/// the issuer has several (without it, several are refused as ambiguous).
pub async fn one_of_issuer<C: ConnectionTrait>(
    db: &C,
    issuer: &str,
    client_id: Option<&str>,
) -> Result<Option<Platform>, PlatformError> {
    let found: Vec<Platform> = by_issuer(db, issuer)
        .await?
        .into_iter()
        .filter(|p| client_id.is_none_or(|c| c == p.client_id))
        .collect();
    match <[Platform; 1]>::try_from(found) {
        Ok([one]) => Ok(Some(one)),
        Err(found) if found.is_empty() => Ok(None),
        Err(_) => Err(PlatformError::AmbiguousClient(issuer.to_owned())),
    }
}
