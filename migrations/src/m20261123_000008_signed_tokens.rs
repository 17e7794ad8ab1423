//! Login state and launch tokens become signed values instead of rows: the
//! signing key is stored once, and only nonces that have been used are kept
//! (until the login they belong to expires) so each is accepted once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServerSecrets::Table)
                    .col(string(ServerSecrets::Name).primary_key())
                    .col(string(ServerSecrets::Value))
                    .col(big_integer(ServerSecrets::CreatedAt))
                    .to_owned(),
            )
            .await?;
        let mut used_nonces = Table::create()
            .table(UsedNonces::Table)
            .col(string(UsedNonces::Nonce).primary_key())
            .col(big_integer(UsedNonces::ExpiresAt))
            .to_owned();
        // One B-tree instead of a rowid table plus its key index: this table
        // takes one insert per launch.
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            used_nonces.extra("WITHOUT ROWID");
        }
        manager.create_table(used_nonces).await?;
        manager
            .drop_table(Table::drop().table(OidcLogins::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LaunchSessions::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UsedNonces::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ServerSecrets::Table).to_owned())
            .await?;
        crate::m20261123_000003_oidc_logins::Migration
            .up(manager)
            .await?;
        crate::m20261123_000007_launch_sessions::Migration
            .up(manager)
            .await
    }
}

#[derive(DeriveIden)]
enum ServerSecrets {
    Table,
    Name,
    Value,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UsedNonces {
    Table,
    Nonce,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum OidcLogins {
    Table,
}

#[derive(DeriveIden)]
enum LaunchSessions {
    Table,
}
