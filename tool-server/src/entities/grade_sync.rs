use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "grade_syncs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_link_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: Uuid,
    /// The learner's `sub` on the link's platform: AGS's `userId`.
    pub user_id: String,
    pub progress: f64,
    /// `activityProgress/gradingProgress` last queued; none before claims.
    pub standing: Option<String>,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
