//! Course rosters from Names and Role Provisioning Services: where each
//! course's membership service lives, when its roster was last fetched,
//! and the members it listed. Members are kept apart from `memberships`
//! (people who launched): a roster names people who may never open the
//! tool, and nobody gets a portfolio by being listed.

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
                    .table(Contexts::Table)
                    .add_column(string_null(Contexts::MembershipsUrl))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Contexts::Table)
                    .add_column(big_integer_null(Contexts::RosterFetchedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RosterMembers::Table)
                    .col(uuid(RosterMembers::ContextId))
                    .col(string(RosterMembers::UserId))
                    .col(text(RosterMembers::Roles))
                    .col(string(RosterMembers::Status))
                    .col(string_null(RosterMembers::Name))
                    .col(string_null(RosterMembers::GivenName))
                    .col(string_null(RosterMembers::FamilyName))
                    .col(string_null(RosterMembers::Email))
                    .col(big_integer(RosterMembers::FetchedAt))
                    .primary_key(
                        Index::create()
                            .col(RosterMembers::ContextId)
                            .col(RosterMembers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RosterMembers::Table, RosterMembers::ContextId)
                            .to(Contexts::Table, Contexts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RosterMembers::Table).to_owned())
            .await?;
        for column in [Contexts::RosterFetchedAt, Contexts::MembershipsUrl] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Contexts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Contexts {
    Table,
    Id,
    MembershipsUrl,
    RosterFetchedAt,
}

#[derive(DeriveIden)]
enum RosterMembers {
    Table,
    ContextId,
    UserId,
    Roles,
    Status,
    Name,
    GivenName,
    FamilyName,
    Email,
    FetchedAt,
}
