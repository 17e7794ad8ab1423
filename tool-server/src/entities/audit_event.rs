use sea_orm::entity::prelude::*;

/// One read of someone else's evidence, shown to its owner.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub owner_id: Uuid,
    /// The reader, when known (not for a link holder).
    pub actor_id: Option<Uuid>,
    /// `person`, `course_teacher` or `link`.
    pub actor_kind: String,
    pub share_id: Option<Uuid>,
    /// `read_portfolio`, `read_item`, `read_file`, `comment`.
    pub action: String,
    pub item_id: Option<Uuid>,
    pub at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
