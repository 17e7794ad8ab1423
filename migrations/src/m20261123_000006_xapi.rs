//! xAPI statements as stored by the LRS, and the credentials of xAPI clients.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000004_people_and_courses::People;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(XapiStatements::Table)
                    // Insertion order: the stable cursor for paging.
                    .col(pk_auto(XapiStatements::Seq))
                    .col(uuid_uniq(XapiStatements::Id))
                    .col(uuid_null(XapiStatements::PersonId))
                    .col(string(XapiStatements::ActorKey))
                    .col(string(XapiStatements::VerbId))
                    .col(string(XapiStatements::ObjectId))
                    .col(uuid_null(XapiStatements::Registration))
                    .col(big_integer(XapiStatements::Timestamp))
                    .col(big_integer(XapiStatements::Stored))
                    .col(boolean(XapiStatements::Voided).default(false))
                    .col(text(XapiStatements::Statement))
                    .foreign_key(
                        ForeignKey::create()
                            .from(XapiStatements::Table, XapiStatements::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("xapi_statements_stored", XapiStatements::Stored),
            ("xapi_statements_person", XapiStatements::PersonId),
            ("xapi_statements_actor", XapiStatements::ActorKey),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(XapiStatements::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(XapiClients::Table)
                    .col(pk_auto(XapiClients::Id))
                    .col(string(XapiClients::Name))
                    .col(string_uniq(XapiClients::Key))
                    .col(string(XapiClients::SecretHash))
                    .col(big_integer(XapiClients::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(XapiClients::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(XapiStatements::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum XapiStatements {
    Table,
    Id,
    Seq,
    PersonId,
    ActorKey,
    VerbId,
    ObjectId,
    Registration,
    Timestamp,
    Stored,
    Voided,
    Statement,
}

#[derive(DeriveIden)]
enum XapiClients {
    Table,
    Id,
    Name,
    Key,
    SecretHash,
    CreatedAt,
}
