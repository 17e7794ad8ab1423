//! An LTI identity belongs to the registration (platform row) that
//! validated its launches, not to an issuer: two registrations that claim
//! one issuer no longer share people. Existing identities were unique per
//! issuer and subject, so they are unique per registration and subject too.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("lti_identities_platform_subject")
                    .table(LtiIdentities::Table)
                    .col(LtiIdentities::PlatformId)
                    .col(LtiIdentities::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("lti_identities_issuer_subject")
                    .table(LtiIdentities::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
            .drop_index(
                Index::drop()
                    .name("lti_identities_platform_subject")
                    .table(LtiIdentities::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum LtiIdentities {
    Table,
    PlatformId,
    Issuer,
    Subject,
}
