use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roster_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub context_id: Uuid,
    /// The platform's user id: the `sub` of the member's launches.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// JSON array of full role URIs.
    #[sea_orm(column_type = "Text")]
    pub roles: String,
    /// `Active` or `Inactive` (NRPS §2.3); deleted members are removed.
    pub status: String,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    pub fetched_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
