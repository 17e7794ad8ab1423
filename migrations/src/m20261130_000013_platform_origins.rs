//! The origins a registration owns besides those of its endpoints: where
//! the LMS frames the tool and serves its services when that is another
//! host (Canvas: the institution's own address). Space-separated; empty
//! for most platforms.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Platforms::Table)
                    .add_column(string(Platforms::Origins).default(""))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Platforms::Table)
                    .drop_column(Platforms::Origins)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Origins,
}
