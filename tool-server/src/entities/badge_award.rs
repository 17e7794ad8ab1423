use sea_orm::entity::prelude::*;

/// A badge awarded to a person.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "badge_awards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub badge_class_id: Uuid,
    pub person_id: Uuid,
    pub context_id: Option<Uuid>,
    pub awarded_at: i64,
    /// None: awarded automatically.
    pub awarded_by: Option<Uuid>,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub revocation_reason: Option<String>,
    #[sea_orm(unique)]
    pub status_index: i32,
    pub public: bool,
    /// JSON: ids of the evidence items the learner chose to show.
    #[sea_orm(column_type = "Text")]
    pub shown_evidence: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
