use sea_orm::entity::prelude::*;

/// A learner's claim of a competence (at a level), made in a course.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub context_id: Uuid,
    pub resource_link_id: Option<Uuid>,
    pub competence_id: Uuid,
    pub level: Option<i32>,
    /// `draft`, `submitted`, `in_review`, `accepted`, `more_evidence_needed`,
    /// `not_yet_competent` or `withdrawn`.
    pub status: String,
    /// The submission under review; 0 while a first draft.
    pub round: i32,
    pub awaiting_lead: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    pub decided_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
