//! Grade passback: where each graded link's line items live, which
//! competences each person has recorded activity on, the progress each
//! learner should have in the gradebook, and the durable outbox that
//! delivers it (and, later, statements for remote LRSs).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GradeLinks::Table)
                    .col(uuid(GradeLinks::ResourceLinkId).primary_key())
                    .col(string_null(GradeLinks::LineitemsUrl))
                    .col(string_null(GradeLinks::LineitemUrl))
                    .col(string(GradeLinks::Scopes))
                    .col(big_integer(GradeLinks::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GradeLinks::Table, GradeLinks::ResourceLinkId)
                            .to(ResourceLinks::Table, ResourceLinks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CompetenceActivity::Table)
                    .col(uuid(CompetenceActivity::PersonId))
                    .col(uuid(CompetenceActivity::CompetenceId))
                    .col(big_integer(CompetenceActivity::FirstRecordedAt))
                    .primary_key(
                        Index::create()
                            .col(CompetenceActivity::PersonId)
                            .col(CompetenceActivity::CompetenceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CompetenceActivity::Table, CompetenceActivity::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GradeSyncs::Table)
                    .col(uuid(GradeSyncs::ResourceLinkId))
                    .col(uuid(GradeSyncs::PersonId))
                    .col(string(GradeSyncs::UserId))
                    .col(double(GradeSyncs::Progress))
                    .col(big_integer(GradeSyncs::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(GradeSyncs::ResourceLinkId)
                            .col(GradeSyncs::PersonId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GradeSyncs::Table, GradeSyncs::ResourceLinkId)
                            .to(ResourceLinks::Table, ResourceLinks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GradeSyncs::Table, GradeSyncs::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(uuid(Outbox::Id).primary_key())
                    .col(string(Outbox::Kind))
                    .col(string(Outbox::DedupeKey).unique_key())
                    .col(integer(Outbox::PlatformId))
                    .col(text(Outbox::Payload))
                    .col(integer(Outbox::Version))
                    .col(integer(Outbox::Attempts))
                    .col(big_integer(Outbox::NextAttemptAt))
                    .col(big_integer_null(Outbox::LockedUntil))
                    .col(text_null(Outbox::LastError))
                    .col(big_integer_null(Outbox::FailedAt))
                    .col(big_integer(Outbox::CreatedAt))
                    .col(big_integer_null(Outbox::DeliveredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Outbox::Table, Outbox::PlatformId)
                            .to(Platforms::Table, Platforms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::DeliveredAt)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Outbox::Table.into_iden(),
            GradeSyncs::Table.into_iden(),
            CompetenceActivity::Table.into_iden(),
            GradeLinks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum GradeLinks {
    Table,
    ResourceLinkId,
    LineitemsUrl,
    LineitemUrl,
    Scopes,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CompetenceActivity {
    Table,
    PersonId,
    CompetenceId,
    FirstRecordedAt,
}

#[derive(DeriveIden)]
enum GradeSyncs {
    Table,
    ResourceLinkId,
    PersonId,
    UserId,
    Progress,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Kind,
    DedupeKey,
    PlatformId,
    Payload,
    Version,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    FailedAt,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum ResourceLinks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
}
