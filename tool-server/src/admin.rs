//! Administrators of a Carefolio instance: bearer tokens for the
//! administrators' API (`/api/v1/admin/…`), created on the command line.
//! The token is shown once; only its SHA-256 is stored, and it is checked
//! against the database on every request, so a revocation holds at once
//! on every instance.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entities::admin_token;
use crate::util::{now_ms, random_token, sha256_hex};

/// Tokens start with this, so that one found in a log or a file is recognisable.
const PREFIX: &str = "cfa_";

/// An authenticated administrator.
#[derive(Debug, Clone)]
pub struct Administrator {
    pub token_id: i32,
    pub name: String,
}

/// Creates a token called `name`; returns the token, to be shown once.
pub async fn create<C: ConnectionTrait>(db: &C, name: &str) -> Result<String, sea_orm::DbErr> {
    let token = format!("{PREFIX}{}", random_token(32));
    admin_token::ActiveModel {
        name: Set(name.to_owned()),
        token_hash: Set(sha256_hex(&token)),
        created_at: Set(now_ms()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The administrator holding `token`, if it is valid and not revoked.
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    token: &str,
) -> Result<Option<Administrator>, sea_orm::DbErr> {
    if !token.starts_with(PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    // The lookup is by a hash of a high-entropy token: no timing leak to guard.
    let row = admin_token::Entity::find()
        .filter(admin_token::Column::TokenHash.eq(sha256_hex(token)))
        .filter(admin_token::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    Ok(row.map(|row| Administrator {
        token_id: row.id,
        name: row.name,
    }))
}

#[derive(Debug)]
pub struct ListedToken {
    pub name: String,
    pub created_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
}

pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<ListedToken>, sea_orm::DbErr> {
    Ok(admin_token::Entity::find()
        .order_by_asc(admin_token::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| ListedToken {
            name: row.name,
            created_at_ms: row.created_at,
            revoked_at_ms: row.revoked_at,
        })
        .collect())
}

/// Revokes the live tokens called `name`; returns how many.
pub async fn revoke<C: ConnectionTrait>(db: &C, name: &str) -> Result<u64, sea_orm::DbErr> {
    let result = admin_token::Entity::update_many()
        .col_expr(admin_token::Column::RevokedAt, Expr::value(now_ms()))
        .filter(admin_token::Column::Name.eq(name))
        .filter(admin_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
