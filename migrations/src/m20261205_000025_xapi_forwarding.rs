//! Forwarding statements to other learning record stores: how far each
//! configured store has been sent (statements are sent in storage order,
//! so one number says it), when to try again, and the statements it
//! refused or that waited too long, set aside for an operator.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(XapiForwards::Table)
                    .col(string(XapiForwards::Name).primary_key())
                    // The last statement (`seq`) the store acknowledged.
                    .col(big_integer(XapiForwards::ForwardedThrough).default(0))
                    .col(integer(XapiForwards::Attempts).default(0))
                    .col(big_integer(XapiForwards::NextAttemptAt).default(0))
                    // Held by the instance sending, so no two send at once.
                    .col(big_integer_null(XapiForwards::LockedUntil))
                    .col(text_null(XapiForwards::LastError))
                    .col(big_integer(XapiForwards::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(XapiForwardDeadLetters::Table)
                    .col(pk_auto(XapiForwardDeadLetters::Id))
                    .col(string(XapiForwardDeadLetters::Name))
                    .col(integer(XapiForwardDeadLetters::StatementSeq))
                    .col(uuid(XapiForwardDeadLetters::StatementId))
                    .col(text(XapiForwardDeadLetters::Reason))
                    .col(big_integer(XapiForwardDeadLetters::DeadAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("xapi_forward_dead_letters_by_name")
                    .table(XapiForwardDeadLetters::Table)
                    .col(XapiForwardDeadLetters::Name)
                    .col(XapiForwardDeadLetters::StatementSeq)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(XapiForwardDeadLetters::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(XapiForwards::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum XapiForwards {
    Table,
    Name,
    ForwardedThrough,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum XapiForwardDeadLetters {
    Table,
    Id,
    Name,
    StatementSeq,
    StatementId,
    Reason,
    DeadAt,
}
