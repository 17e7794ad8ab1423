use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lti_identities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub person_id: Uuid,
    pub platform_id: i32,
    pub issuer: String,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub roles: String,
    pub last_launch_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
