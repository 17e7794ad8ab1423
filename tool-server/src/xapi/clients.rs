//! Credentials of xAPI clients (HTTP Basic). Only a hash of each secret is
//! stored; the secret is shown once, when the client is created.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::learners::LearnerCredential;
use super::scopes::Scopes;
use super::Version;
use crate::entities::xapi_client;
use crate::util::{constant_time_eq, now_ms, random_token, sha256_hex};

#[derive(Debug)]
pub struct NewClient {
    pub name: String,
    pub key: String,
    pub secret: String,
}

#[derive(Debug, Clone)]
pub struct XapiClient {
    /// None for a learner's credential, which is not a stored client.
    pub id: Option<i32>,
    pub name: String,
    /// The public half of the credential; names the client in `authority`.
    pub key: String,
    pub reach: Reach,
    pub scopes: Scopes,
    pub last_version: Option<Version>,
    /// Set for a learner's credential: everything it does is about them.
    pub learner: Option<LearnerCredential>,
}

impl XapiClient {
    /// A learner's credential as a client: their platform's reach, and
    /// only the scopes a learner's own activity needs.
    pub fn for_learner(learner: LearnerCredential) -> XapiClient {
        XapiClient {
            id: None,
            name: "learner".to_owned(),
            key: String::new(),
            reach: Reach::Platform(learner.platform),
            scopes: Scopes::learner(),
            last_version: None,
            learner: Some(learner),
        }
    }
}

/// Whose statements a client reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The operator's credentials: every statement.
    Everything,
    /// One platform registration's statements only.
    Platform(i32),
}

impl Reach {
    /// The owner of documents and activity definitions this reach writes:
    /// one namespace for the tool's credentials, one per platform.
    pub fn owner_key(self) -> String {
        match self {
            Reach::Everything => "tool".to_owned(),
            Reach::Platform(id) => format!("platform:{id}"),
        }
    }

    pub fn platform_id(self) -> Option<i32> {
        match self {
            Reach::Everything => None,
            Reach::Platform(id) => Some(id),
        }
    }
}

impl Reach {
    fn from_column(platform_id: Option<i32>) -> Reach {
        platform_id.map_or(Reach::Everything, Reach::Platform)
    }
}

pub async fn create<C: ConnectionTrait>(
    db: &C,
    name: &str,
    reach: Reach,
    scopes: Scopes,
) -> Result<NewClient, sea_orm::DbErr> {
    let key = random_token(15);
    let secret = random_token(32);
    xapi_client::ActiveModel {
        name: Set(name.to_owned()),
        key: Set(key.clone()),
        secret_hash: Set(sha256_hex(&secret)),
        created_at: Set(now_ms()),
        platform_id: Set(match reach {
            Reach::Everything => None,
            Reach::Platform(id) => Some(id),
        }),
        revoked_at: Set(None),
        scopes: Set(scopes.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(NewClient {
        name: name.to_owned(),
        key,
        secret,
    })
}

/// The client these credentials belong to, if they are valid and not
/// revoked. Read from the database on every request, so a revocation
/// holds at once on every instance.
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    key: &str,
    secret: &str,
) -> Result<Option<XapiClient>, sea_orm::DbErr> {
    let Some(row) = xapi_client::Entity::find()
        .filter(xapi_client::Column::Key.eq(key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let valid = constant_time_eq(&row.secret_hash, &sha256_hex(secret)) && row.revoked_at.is_none();
    if !valid {
        return Ok(None);
    }
    let scopes = Scopes::parse(&row.scopes)
        .map_err(|e| sea_orm::DbErr::Custom(format!("xAPI client {}: {e}", row.id)))?;
    Ok(Some(XapiClient {
        id: Some(row.id),
        name: row.name,
        key: row.key,
        reach: Reach::from_column(row.platform_id),
        scopes,
        last_version: match row.last_version.as_deref() {
            Some("1.0.3") => Some(Version::V1),
            Some("2.0.0") => Some(Version::V2),
            _ => None,
        },
        learner: None,
    }))
}

/// Remembers the version a client speaks, when it changes.
pub async fn remember_version<C: ConnectionTrait>(
    db: &C,
    client: &XapiClient,
    version: Version,
) -> Result<(), sea_orm::DbErr> {
    use sea_orm::sea_query::Expr;
    let Some(id) = client.id else {
        return Ok(());
    };
    if client.last_version == Some(version) {
        return Ok(());
    }
    xapi_client::Entity::update_many()
        .col_expr(
            xapi_client::Column::LastVersion,
            Expr::value(version.header_value()),
        )
        .filter(xapi_client::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// A client as `carefolio xapi-client list` shows it.
#[derive(Debug)]
pub struct ListedClient {
    pub name: String,
    pub key: String,
    pub reach: Reach,
    pub scopes: String,
    pub created_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
}

pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<ListedClient>, sea_orm::DbErr> {
    use sea_orm::QueryOrder;
    Ok(xapi_client::Entity::find()
        .order_by_asc(xapi_client::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| ListedClient {
            name: row.name,
            key: row.key,
            reach: Reach::from_column(row.platform_id),
            scopes: row.scopes,
            created_at_ms: row.created_at,
            revoked_at_ms: row.revoked_at,
        })
        .collect())
}

/// Revokes the clients called `name` that are not revoked yet; returns how many.
pub async fn revoke<C: ConnectionTrait>(db: &C, name: &str) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::sea_query::Expr;
    let result = xapi_client::Entity::update_many()
        .col_expr(xapi_client::Column::RevokedAt, Expr::value(now_ms()))
        .filter(xapi_client::Column::Name.eq(name))
        .filter(xapi_client::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
