//! A learner's graded links are looked up by person after every claim
//! change and badge award; without this index each lookup reads every
//! grade of every learner.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("grade_syncs_by_person")
                    .table(GradeSyncs::Table)
                    .col(GradeSyncs::PersonId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("grade_syncs_by_person")
                    .table(GradeSyncs::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum GradeSyncs {
    Table,
    PersonId,
}
