use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "platform_jwks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub platform_id: i32,
    #[sea_orm(column_type = "Text")]
    pub jwks: String,
    pub fetched_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
