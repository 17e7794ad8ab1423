//! The learning record store: statements sent by clients, indexed for the
//! Statement Resource's queries (agent, activity, verb, registration, with
//! or without related agents and activities); attachments by hash; the
//! State, Activity Profile and Agent Profile documents; the activities'
//! latest definitions; and the scopes of client credentials.

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
                    .table(XapiStatements::Table)
                    .add_column(integer_null(XapiStatements::ClientId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(XapiStatements::Table)
                    // The statement a StatementRef object points at.
                    .add_column(uuid_null(XapiStatements::RefId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(XapiClients::Table)
                    // Credentials made before scopes could only read.
                    .add_column(string(XapiClients::Scopes).default("statements/read"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(XapiClients::Table)
                    // The xAPI version the client last spoke: the version a
                    // request that forgot the header is refused in.
                    .add_column(string_null(XapiClients::LastVersion))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "xapi_statements_verb",
                vec![XapiStatements::VerbId, XapiStatements::Seq],
            ),
            (
                "xapi_statements_registration",
                vec![XapiStatements::Registration, XapiStatements::Seq],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(XapiStatements::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        // Agents are found through xapi_statement_agents now; an index on
        // the actor alone would only slow every insert.
        manager
            .drop_index(
                Index::drop()
                    .name("xapi_statements_actor")
                    .table(XapiStatements::Table)
                    .to_owned(),
            )
            .await?;
        // Statements that point at another, in storage order: the reads
        // that return what refers to a matching statement walk only these.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX xapi_statements_refs ON xapi_statements (seq) WHERE ref_id IS NOT NULL",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(XapiStatementAgents::Table)
                    .col(string(XapiStatementAgents::AgentKey))
                    .col(integer(XapiStatementAgents::StatementSeq))
                    // Actor or object (the `agent` filter); otherwise only
                    // `related_agents` finds it.
                    .col(boolean(XapiStatementAgents::Direct))
                    .primary_key(
                        Index::create()
                            .col(XapiStatementAgents::AgentKey)
                            .col(XapiStatementAgents::StatementSeq),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(XapiStatementActivities::Table)
                    .col(string(XapiStatementActivities::ActivityId))
                    .col(integer(XapiStatementActivities::StatementSeq))
                    // The statement's object; otherwise only
                    // `related_activities` finds it.
                    .col(boolean(XapiStatementActivities::Direct))
                    .primary_key(
                        Index::create()
                            .col(XapiStatementActivities::ActivityId)
                            .col(XapiStatementActivities::StatementSeq),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(XapiAttachments::Table)
                    .col(string(XapiAttachments::Sha2).primary_key())
                    .col(string(XapiAttachments::ContentType))
                    .col(blob(XapiAttachments::Content))
                    .col(big_integer(XapiAttachments::StoredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(XapiDocuments::Table)
                    .col(pk_auto(XapiDocuments::Id))
                    // `tool` or `platform:<id>`: whose credentials wrote it.
                    .col(string(XapiDocuments::Owner))
                    // `state`, `activity_profile` or `agent_profile`.
                    .col(string(XapiDocuments::Kind))
                    .col(string(XapiDocuments::ActivityId))
                    .col(string(XapiDocuments::AgentKey))
                    .col(string(XapiDocuments::Registration))
                    .col(string(XapiDocuments::DocumentId))
                    .col(string(XapiDocuments::ContentType))
                    .col(blob(XapiDocuments::Content))
                    .col(string(XapiDocuments::Etag))
                    .col(big_integer(XapiDocuments::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("xapi_documents_key")
                    .table(XapiDocuments::Table)
                    .col(XapiDocuments::Owner)
                    .col(XapiDocuments::Kind)
                    .col(XapiDocuments::ActivityId)
                    .col(XapiDocuments::AgentKey)
                    .col(XapiDocuments::Registration)
                    .col(XapiDocuments::DocumentId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(XapiActivities::Table)
                    .col(string(XapiActivities::Owner))
                    .col(string(XapiActivities::ActivityId))
                    .col(text(XapiActivities::Definition))
                    .col(big_integer(XapiActivities::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(XapiActivities::Owner)
                            .col(XapiActivities::ActivityId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            XapiActivities::Table.into_iden(),
            XapiDocuments::Table.into_iden(),
            XapiAttachments::Table.into_iden(),
            XapiStatementActivities::Table.into_iden(),
            XapiStatementAgents::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for name in [
            "xapi_statements_verb",
            "xapi_statements_registration",
            "xapi_statements_refs",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(XapiStatements::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("xapi_statements_actor")
                    .table(XapiStatements::Table)
                    .col(XapiStatements::ActorKey)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(XapiClients::Table)
                    .drop_column(XapiClients::Scopes)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(XapiClients::Table)
                    .drop_column(XapiClients::LastVersion)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(XapiStatements::Table)
                    .drop_column(XapiStatements::ClientId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(XapiStatements::Table)
                    .drop_column(XapiStatements::RefId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum XapiStatements {
    Table,
    ActorKey,
    Seq,
    ClientId,
    RefId,
    VerbId,
    Registration,
}

#[derive(DeriveIden)]
enum XapiClients {
    Table,
    Scopes,
    LastVersion,
}

#[derive(DeriveIden)]
enum XapiStatementAgents {
    Table,
    AgentKey,
    StatementSeq,
    Direct,
}

#[derive(DeriveIden)]
enum XapiStatementActivities {
    Table,
    ActivityId,
    StatementSeq,
    Direct,
}

#[derive(DeriveIden)]
enum XapiAttachments {
    Table,
    Sha2,
    ContentType,
    Content,
    StoredAt,
}

#[derive(DeriveIden)]
enum XapiDocuments {
    Table,
    Id,
    Owner,
    Kind,
    ActivityId,
    AgentKey,
    Registration,
    DocumentId,
    ContentType,
    Content,
    Etag,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum XapiActivities {
    Table,
    Owner,
    ActivityId,
    Definition,
    UpdatedAt,
}
