//! Who owns what in the xAPI read API: a client credential belongs to the
//! whole tool (an operator's) or to one platform registration, and can be
//! revoked; a statement records the registration whose launch made it.
//! Statements stored before this have no platform: only the tool's own
//! credentials see them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One change per statement: SQLite alters one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(XapiClients::Table)
                    .add_column(integer_null(XapiClients::PlatformId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(XapiClients::Table)
                    .add_column(big_integer_null(XapiClients::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(XapiStatements::Table)
                    .add_column(integer_null(XapiStatements::PlatformId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_xapi_statements_platform_seq")
                    .table(XapiStatements::Table)
                    .col(XapiStatements::PlatformId)
                    .col(XapiStatements::Seq)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_xapi_statements_platform_seq")
                    .table(XapiStatements::Table)
                    .to_owned(),
            )
            .await?;
        for (table, column) in [
            (
                XapiStatements::Table.into_iden(),
                XapiStatements::PlatformId.into_iden(),
            ),
            (
                XapiClients::Table.into_iden(),
                XapiClients::RevokedAt.into_iden(),
            ),
            (
                XapiClients::Table.into_iden(),
                XapiClients::PlatformId.into_iden(),
            ),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum XapiClients {
    Table,
    PlatformId,
    RevokedAt,
}

#[derive(DeriveIden)]
enum XapiStatements {
    Table,
    PlatformId,
    Seq,
}
