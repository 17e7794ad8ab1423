use sea_orm::entity::prelude::*;

/// The content of a statement attachment, stored once per SHA-2 hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "xapi_attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sha2: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub stored_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
