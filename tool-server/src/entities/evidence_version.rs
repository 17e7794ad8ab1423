use sea_orm::entity::prelude::*;

/// One version of an evidence item; never changed once written.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evidence_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// Markdown: the reflection, or the learner's note on a file, link or activity.
    #[sea_orm(column_type = "Text", nullable)]
    pub body: Option<String>,
    /// The body rendered and sanitised once, when the version was written.
    #[sea_orm(column_type = "Text", nullable)]
    pub body_html: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub url: Option<String>,
    pub blob_sha256: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub file_name: Option<String>,
    pub statement_id: Option<Uuid>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
