use sea_orm::entity::prelude::*;

/// Who may read a learner's portfolio, or one collection of it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shares")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    /// `person`, `course` or `link`.
    pub kind: String,
    /// The collection shared; none: the whole portfolio.
    pub collection_id: Option<Uuid>,
    /// For `person`: the reader.
    pub grantee_id: Option<Uuid>,
    /// For `course`: the course whose teachers read.
    pub context_id: Option<Uuid>,
    /// For `link`: SHA-256 of the secret in the link.
    #[sea_orm(unique)]
    pub token_hash: Option<String>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
