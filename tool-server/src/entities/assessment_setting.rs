use sea_orm::entity::prelude::*;

/// How a course assesses; a course without a row uses the defaults.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub context_id: Uuid,
    /// Independent decisions each claim needs.
    pub required_decisions: i32,
    /// Who reconciles disagreeing decisions (and may award and revoke badges).
    pub lead_assessor_id: Option<Uuid>,
    /// `claims` (the share of accepted competences) or `activity` (launched).
    pub grading_rule: String,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
