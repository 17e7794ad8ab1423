use sea_orm::entity::prelude::*;

/// A State, Activity Profile or Agent Profile document.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "xapi_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `tool` or `platform:<id>`: whose credentials wrote it.
    pub owner: String,
    /// `state`, `activity_profile` or `agent_profile`.
    pub kind: String,
    /// Empty where the resource has no activity.
    pub activity_id: String,
    /// Empty where the resource has no agent.
    pub agent_key: String,
    /// Empty when the state has no registration.
    pub registration: String,
    pub document_id: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub etag: String,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
