//! The tool's own RSA signing keys. Generated on first start, never committed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ToolKeys::Table)
                    .col(string(ToolKeys::Kid).primary_key())
                    .col(text(ToolKeys::PrivateKeyPem))
                    .col(text(ToolKeys::PublicJwk))
                    .col(big_integer(ToolKeys::CreatedAt))
                    .col(big_integer_null(ToolKeys::RetiredAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ToolKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ToolKeys {
    Table,
    Kid,
    PrivateKeyPem,
    PublicJwk,
    CreatedAt,
    RetiredAt,
}
