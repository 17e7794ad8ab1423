use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "xapi_clients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    #[sea_orm(unique)]
    pub key: String,
    pub secret_hash: String,
    pub created_at: i64,
    /// The platform registration whose statements it reads; none: all.
    pub platform_id: Option<i32>,
    pub revoked_at: Option<i64>,
    /// Comma-separated xAPI scopes (`statements/write`, `state`, `all`…).
    pub scopes: String,
    /// The xAPI version the client last spoke (`1.0.3`, `2.0.0`).
    pub last_version: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
