//! Who is creating a link's line item, until when: of several senders
//! (instances, overlapping rounds) only the one holding this claim creates
//! it, so a gradebook never gets two columns for one link.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(GradeLinks::Table)
                    .add_column(big_integer_null(GradeLinks::LineitemClaimedUntil))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(GradeLinks::Table)
                    .drop_column(GradeLinks::LineitemClaimedUntil)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum GradeLinks {
    Table,
    LineitemClaimedUntil,
}
