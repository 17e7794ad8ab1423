use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "platforms")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub issuer: String,
    pub client_id: String,
    pub name: String,
    pub auth_url: String,
    pub token_url: String,
    pub jwks_url: String,
    /// Origins besides the endpoints' (space-separated ASCII origins).
    pub origins: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
