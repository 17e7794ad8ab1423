//! LTI platforms (one row per issuer + client id) and their deployments.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Platforms::Table)
                    .col(pk_auto(Platforms::Id))
                    .col(string(Platforms::Issuer))
                    .col(string(Platforms::ClientId))
                    .col(string(Platforms::Name))
                    .col(string(Platforms::AuthUrl))
                    .col(string(Platforms::TokenUrl))
                    .col(string(Platforms::JwksUrl))
                    .col(big_integer(Platforms::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("platforms_issuer_client_id")
                    .table(Platforms::Table)
                    .col(Platforms::Issuer)
                    .col(Platforms::ClientId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Deployments::Table)
                    .col(pk_auto(Deployments::Id))
                    .col(integer(Deployments::PlatformId))
                    .col(string(Deployments::DeploymentId))
                    .col(big_integer(Deployments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deployments::Table, Deployments::PlatformId)
                            .to(Platforms::Table, Platforms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("deployments_platform_deployment")
                    .table(Deployments::Table)
                    .col(Deployments::PlatformId)
                    .col(Deployments::DeploymentId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The platform's public keys, shared by every instance; each instance
        // also keeps an in-memory copy that is safe to lose.
        manager
            .create_table(
                Table::create()
                    .table(PlatformJwks::Table)
                    .col(integer(PlatformJwks::PlatformId).primary_key())
                    .col(text(PlatformJwks::Jwks))
                    .col(big_integer(PlatformJwks::FetchedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PlatformJwks::Table, PlatformJwks::PlatformId)
                            .to(Platforms::Table, Platforms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PlatformJwks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Deployments::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Platforms::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Platforms {
    Table,
    Id,
    Issuer,
    ClientId,
    Name,
    AuthUrl,
    TokenUrl,
    JwksUrl,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Deployments {
    Table,
    Id,
    PlatformId,
    DeploymentId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PlatformJwks {
    Table,
    PlatformId,
    Jwks,
    FetchedAt,
}
