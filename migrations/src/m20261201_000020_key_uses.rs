//! The tool's key table also holds the badge issuer's keys: the same
//! generation, rotation and grace period, told apart by what a key is for.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ToolKeys::Table)
                    // `lti` (launches, services, the JWKS) or `badges` (credentials).
                    .add_column(string(ToolKeys::KeyUse).default("lti"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("tool_keys_by_use")
                    .table(ToolKeys::Table)
                    .col(ToolKeys::KeyUse)
                    .col(ToolKeys::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("tool_keys_by_use")
                    .table(ToolKeys::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ToolKeys::Table)
                    .drop_column(ToolKeys::KeyUse)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ToolKeys {
    Table,
    KeyUse,
    CreatedAt,
}
