//! Credentials of xAPI clients (HTTP Basic). Only a hash of each secret is
//! stored; the secret is shown once, when the client is created.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

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
    pub id: i32,
    pub name: String,
}

pub async fn create<C: ConnectionTrait>(db: &C, name: &str) -> Result<NewClient, sea_orm::DbErr> {
    let key = random_token(15);
    let secret = random_token(32);
    xapi_client::ActiveModel {
        name: Set(name.to_owned()),
        key: Set(key.clone()),
        secret_hash: Set(sha256_hex(&secret)),
        created_at: Set(now_ms()),
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

/// The client these credentials belong to, if they are valid.
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
    Ok(
        constant_time_eq(&row.secret_hash, &sha256_hex(secret)).then_some(XapiClient {
            id: row.id,
            name: row.name,
        }),
    )
}
