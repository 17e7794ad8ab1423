use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contexts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub platform_id: i32,
    pub context_id: String,
    pub label: Option<String>,
    pub title: Option<String>,
    pub updated_at: i64,
    /// The NRPS `context_memberships_url` the latest launch offered.
    pub memberships_url: Option<String>,
    pub roster_fetched_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
