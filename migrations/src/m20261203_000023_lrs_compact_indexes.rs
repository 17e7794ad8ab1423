//! Smaller statement indexes, for ingest speed: the mention tables keep
//! their rows in the primary key's B-tree on SQLite (WITHOUT ROWID: one
//! B-tree per row inserted, not two), and the indexes on columns that most
//! statements leave empty (person, platform, registration) hold only the
//! statements that have a value.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each index made partial: its old name, its new name, its columns, the
/// column that may be empty.
const PARTIAL_INDEXES: [(&str, &str, &str, &str); 3] = [
    (
        "xapi_statements_person",
        "xapi_statements_by_person",
        "person_id",
        "person_id",
    ),
    (
        "idx_xapi_statements_platform_seq",
        "xapi_statements_by_platform",
        "platform_id, seq",
        "platform_id",
    ),
    (
        "xapi_statements_registration",
        "xapi_statements_by_registration",
        "registration, seq",
        "registration",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (old, new, columns, nullable) in PARTIAL_INDEXES {
            db.execute_unprepared(&format!("DROP INDEX {old}")).await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX {new} ON xapi_statements ({columns}) WHERE {nullable} IS NOT NULL"
            ))
            .await?;
        }
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            for (table, key) in [
                ("xapi_statement_agents", "agent_key"),
                ("xapi_statement_activities", "activity_id"),
            ] {
                rebuild(db, table, key, "WITHOUT ROWID").await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            for (table, key) in [
                ("xapi_statement_agents", "agent_key"),
                ("xapi_statement_activities", "activity_id"),
            ] {
                rebuild(db, table, key, "").await?;
            }
        }
        for (old, new, columns, _) in PARTIAL_INDEXES {
            db.execute_unprepared(&format!("DROP INDEX {new}")).await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX {old} ON xapi_statements ({columns})"
            ))
            .await?;
        }
        Ok(())
    }
}

/// Copies a mention table into one made with `options`, in its place
/// (SQLite cannot change a table's storage in place). The old table is
/// renamed before the new one takes its name.
async fn rebuild(
    db: &SchemaManagerConnection<'_>,
    table: &str,
    key: &str,
    options: &str,
) -> Result<(), DbErr> {
    db.execute_unprepared(&format!("ALTER TABLE {table} RENAME TO {table}_before"))
        .await?;
    db.execute_unprepared(&format!(
        "CREATE TABLE {table} ( \
            {key} varchar NOT NULL, \
            statement_seq integer NOT NULL, \
            direct boolean NOT NULL, \
            PRIMARY KEY ({key}, statement_seq) \
        ) {options}"
    ))
    .await?;
    db.execute_unprepared(&format!(
        "INSERT INTO {table} ({key}, statement_seq, direct) \
         SELECT {key}, statement_seq, direct FROM {table}_before"
    ))
    .await?;
    db.execute_unprepared(&format!("DROP TABLE {table}_before"))
        .await?;
    Ok(())
}
