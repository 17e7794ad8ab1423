use sea_orm::entity::prelude::*;

/// A statement a store refused, or that could not be sent before it grew
/// too old: set aside, for an operator to look at.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "xapi_forward_dead_letters")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub statement_seq: i32,
    pub statement_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub dead_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
