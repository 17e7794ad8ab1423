use sea_orm::entity::prelude::*;

/// An agent a statement mentions, for queries by agent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "xapi_statement_agents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub agent_key: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub statement_seq: i32,
    /// The actor or the object; otherwise only `related_agents` finds it.
    pub direct: bool,
    /// The statement's verb, hashed (`xapi::store::verb_hash`); none on
    /// rows written before it was kept.
    pub verb_hash: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
