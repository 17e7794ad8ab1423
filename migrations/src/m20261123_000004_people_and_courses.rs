//! People, their LTI identities (issuer + sub), courses (LTI contexts),
//! memberships and resource links with the competences they are tied to.

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
                    .table(People::Table)
                    .col(uuid(People::Id).primary_key())
                    .col(string_null(People::Name))
                    .col(string_null(People::GivenName))
                    .col(string_null(People::FamilyName))
                    .col(string_null(People::Email))
                    .col(string_null(People::Locale))
                    .col(big_integer(People::CreatedAt))
                    .col(big_integer(People::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LtiIdentities::Table)
                    .col(pk_auto(LtiIdentities::Id))
                    .col(uuid(LtiIdentities::PersonId))
                    .col(integer(LtiIdentities::PlatformId))
                    .col(string(LtiIdentities::Issuer))
                    .col(string(LtiIdentities::Subject))
                    .col(text(LtiIdentities::Roles))
                    .col(big_integer(LtiIdentities::LastLaunchAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LtiIdentities::Table, LtiIdentities::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LtiIdentities::Table, LtiIdentities::PlatformId)
                            .to(Platforms::Table, Platforms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("lti_identities_issuer_subject")
                    .table(LtiIdentities::Table)
                    .col(LtiIdentities::Issuer)
                    .col(LtiIdentities::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Contexts::Table)
                    .col(uuid(Contexts::Id).primary_key())
                    .col(integer(Contexts::PlatformId))
                    .col(string(Contexts::ContextId))
                    .col(string_null(Contexts::Label))
                    .col(string_null(Contexts::Title))
                    .col(big_integer(Contexts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Contexts::Table, Contexts::PlatformId)
                            .to(Platforms::Table, Platforms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("contexts_platform_context")
                    .table(Contexts::Table)
                    .col(Contexts::PlatformId)
                    .col(Contexts::ContextId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(uuid(Memberships::PersonId))
                    .col(uuid(Memberships::ContextId))
                    .col(text(Memberships::Roles))
                    .col(big_integer(Memberships::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(Memberships::PersonId)
                            .col(Memberships::ContextId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Memberships::Table, Memberships::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Memberships::Table, Memberships::ContextId)
                            .to(Contexts::Table, Contexts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ResourceLinks::Table)
                    .col(uuid(ResourceLinks::Id).primary_key())
                    .col(integer(ResourceLinks::PlatformId))
                    .col(string(ResourceLinks::DeploymentId))
                    .col(uuid_null(ResourceLinks::ContextId))
                    .col(string(ResourceLinks::LinkId))
                    .col(string_null(ResourceLinks::Title))
                    .col(text_null(ResourceLinks::Description))
                    .col(string_null(ResourceLinks::CompetenceCodes))
                    .col(big_integer(ResourceLinks::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResourceLinks::Table, ResourceLinks::PlatformId)
                            .to(Platforms::Table, Platforms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResourceLinks::Table, ResourceLinks::ContextId)
                            .to(Contexts::Table, Contexts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("resource_links_platform_link")
                    .table(ResourceLinks::Table)
                    .col(ResourceLinks::PlatformId)
                    .col(ResourceLinks::LinkId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ResourceLinks::Table.into_iden(),
            Memberships::Table.into_iden(),
            Contexts::Table.into_iden(),
            LtiIdentities::Table.into_iden(),
            People::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub(crate) enum People {
    Table,
    Id,
    Name,
    GivenName,
    FamilyName,
    Email,
    Locale,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LtiIdentities {
    Table,
    Id,
    PersonId,
    PlatformId,
    Issuer,
    Subject,
    Roles,
    LastLaunchAt,
}

#[derive(DeriveIden)]
enum Contexts {
    Table,
    Id,
    PlatformId,
    ContextId,
    Label,
    Title,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    PersonId,
    ContextId,
    Roles,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum ResourceLinks {
    Table,
    Id,
    PlatformId,
    DeploymentId,
    ContextId,
    LinkId,
    Title,
    Description,
    CompetenceCodes,
    UpdatedAt,
}
