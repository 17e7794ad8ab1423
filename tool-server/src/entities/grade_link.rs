use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "grade_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_link_id: Uuid,
    pub lineitems_url: Option<String>,
    pub lineitem_url: Option<String>,
    /// Space-separated OAuth scopes the platform granted for this link.
    pub scopes: String,
    pub updated_at: i64,
    /// Until when one sender holds the right to create the line item.
    pub lineitem_claimed_until: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
