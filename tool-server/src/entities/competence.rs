use sea_orm::entity::prelude::*;

/// An item of a framework (domain, area, category or competence).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "competences")]
pub struct Model {
    /// The CASE CFItem identifier.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub framework_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub code: String,
    pub item_type: String,
    /// A language map as JSON.
    #[sea_orm(column_type = "Text")]
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub uri: Option<String>,
    pub position: i32,
    pub incomplete: bool,
    /// The item's own scale as JSON, when it differs from the framework's.
    #[sea_orm(column_type = "Text", nullable)]
    pub scale: Option<String>,
    /// Its completion rule as JSON.
    #[sea_orm(column_type = "Text", nullable)]
    pub rule: Option<String>,
    /// Identifiers of related items as a JSON list.
    #[sea_orm(column_type = "Text", nullable)]
    pub related: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    /// When a newer version of the framework left the item out.
    pub retired_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
