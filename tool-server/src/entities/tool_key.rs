use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tool_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kid: String,
    #[sea_orm(column_type = "Text")]
    pub private_key_pem: String,
    #[sea_orm(column_type = "Text")]
    pub public_jwk: String,
    pub created_at: i64,
    /// `None` for the current key; for a replaced key, when it leaves the
    /// published JWKS. A replaced key never signs.
    pub retired_at: Option<i64>,
    /// `lti` or `badges`: what the key signs.
    pub key_use: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
