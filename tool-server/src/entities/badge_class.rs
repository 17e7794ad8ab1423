use sea_orm::entity::prelude::*;

/// An achievement defined on a framework node.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "badge_classes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub key: String,
    pub framework_id: Uuid,
    pub node_id: Uuid,
    pub level: Option<i32>,
    /// `competence`, `all` or `n_of`.
    pub rule: String,
    pub required: Option<i32>,
    /// JSON language map.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// JSON language map.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub image_svg: Option<String>,
    pub built_in: bool,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
