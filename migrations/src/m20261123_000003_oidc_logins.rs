//! OIDC login state: one row per third-party login initiation. The nonce is
//! consumed by the launch that carries it, so a replay finds it used.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_platforms::Platforms;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OidcLogins::Table)
                    .col(string(OidcLogins::State).primary_key())
                    .col(string_uniq(OidcLogins::Nonce))
                    .col(integer(OidcLogins::PlatformId))
                    .col(big_integer(OidcLogins::CreatedAt))
                    .col(big_integer(OidcLogins::ExpiresAt))
                    .col(big_integer_null(OidcLogins::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OidcLogins::Table, OidcLogins::PlatformId)
                            .to(Platforms::Table, Platforms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("oidc_logins_expires_at")
                    .table(OidcLogins::Table)
                    .col(OidcLogins::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OidcLogins::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OidcLogins {
    Table,
    State,
    Nonce,
    PlatformId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
