use sea_orm::entity::prelude::*;

/// One assessor's decision on one round of a claim.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "decisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub claim_id: Uuid,
    pub round: i32,
    pub assessor_id: Uuid,
    /// `accepted`, `more_evidence_needed` or `not_yet_competent`.
    pub outcome: String,
    #[sea_orm(column_type = "Text")]
    pub feedback: String,
    /// The lead assessor's decision over disagreeing ones.
    pub reconciles: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    /// JSON: `[{"item_id": …, "feedback": …}]`.
    #[sea_orm(column_type = "Text")]
    pub item_feedback: String,
    pub statement_id: Option<Uuid>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
