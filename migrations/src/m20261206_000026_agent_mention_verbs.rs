//! The verb of each statement beside its agent mentions, as a 64-bit hash
//! of the verb's IRI: a query by agent and verb then reads only the
//! statements that have that verb, instead of every statement the agent
//! is in. On PostgreSQL the mentions' primary key carries `direct` and the
//! hash (INCLUDE), so the mentions are read from the index alone. Rows
//! written before keep no hash (NULL) and are checked against the
//! statement, as before.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(XapiStatementAgents::Table)
                    .add_column(big_integer_null(XapiStatementAgents::VerbHash))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            replace_primary_key(manager, " INCLUDE (direct, verb_hash)").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            replace_primary_key(manager, "").await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(XapiStatementAgents::Table)
                    .drop_column(XapiStatementAgents::VerbHash)
                    .to_owned(),
            )
            .await
    }
}

/// PostgreSQL: the mentions' primary key made again, with `include`
/// (an INCLUDE clause, or nothing).
async fn replace_primary_key(manager: &SchemaManager<'_>, include: &str) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "ALTER TABLE xapi_statement_agents \
             DROP CONSTRAINT xapi_statement_agents_pkey, \
             ADD CONSTRAINT xapi_statement_agents_pkey \
             PRIMARY KEY (agent_key, statement_seq){include}"
        ))
        .await
        .map(|_| ())
}

#[derive(DeriveIden)]
enum XapiStatementAgents {
    Table,
    VerbHash,
}
