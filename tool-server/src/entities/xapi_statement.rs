use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "xapi_statements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i32,
    #[sea_orm(unique)]
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    /// The platform registration whose launch made it.
    pub platform_id: Option<i32>,
    pub actor_key: String,
    pub verb_id: String,
    pub object_id: String,
    pub registration: Option<Uuid>,
    pub timestamp: i64,
    pub stored: i64,
    pub voided: bool,
    /// The client whose credentials sent it; none: recorded by Carefolio.
    pub client_id: Option<i32>,
    /// The statement a StatementRef object points at.
    pub ref_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub statement: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
