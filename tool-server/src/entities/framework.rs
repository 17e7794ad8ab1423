use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "frameworks")]
pub struct Model {
    /// The CASE CFDocument identifier.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub key: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub language: String,
    pub version: Option<String>,
    pub publisher: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// The framework's proficiency scale as JSON (`frameworks::model::Scale`),
    /// or `[]`/`null` for none.
    #[sea_orm(column_type = "Text")]
    pub levels: String,
    /// The document as last imported (CASE JSON or Moodle CSV).
    #[sea_orm(column_type = "Text")]
    pub case_package: String,
    pub imported_at: i64,
    pub uri: Option<String>,
    pub creator: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub official_source_url: Option<String>,
    /// Where the last import came from: `built-in`, a file name or a URL.
    #[sea_orm(column_type = "Text", nullable)]
    pub source: Option<String>,
    pub updated_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
