use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    /// One pending message per key: a newer message replaces an undelivered one.
    #[sea_orm(unique)]
    pub dedupe_key: String,
    pub platform_id: i32,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// Bumped on every replacement, so a delivery of an older payload
    /// does not mark a newer one delivered.
    pub version: i32,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub locked_until: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// Set when the platform refused the message for good; `grades push` retries it.
    pub failed_at: Option<i64>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
