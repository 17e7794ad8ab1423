//! Database connection: SQLite (embedded default) or PostgreSQL.

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::config::Settings;

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("unsupported database URL (expected sqlite:// or postgres://): {0}")]
    UnsupportedUrl(String),
    #[error("cannot open the database {url}")]
    Connect {
        url: String,
        #[source]
        source: DbErr,
    },
    #[error("{what} at {address} refused the connection: start it, or set database.url (CAREFOLIO__DATABASE__URL) to where it runs")]
    Refused { what: &'static str, address: String },
    #[error("there is no Carefolio database at {0} yet: start the server (`carefolio serve`) or run `carefolio migrate` with the same data_dir (CAREFOLIO__DATA_DIR) or database.url first")]
    Missing(String),
    #[error("database migration failed")]
    Migrate(#[source] DbErr),
}

/// Opens an existing database for a command that only reads or changes
/// what is there: it never creates a SQLite file, keys or frameworks.
pub async fn open_existing(settings: &Settings) -> Result<DatabaseConnection, DbSetupError> {
    if settings.database.url.is_none() {
        let file = settings.data_dir.join("carefolio.sqlite");
        if !file.exists() {
            return Err(DbSetupError::Missing(file.display().to_string()));
        }
    }
    let db = connect(settings).await?;
    migrate(&db).await?;
    Ok(db)
}

/// A PostgreSQL server that refuses connections is said so at once,
/// rather than as a pool timeout seconds later.
fn check_reachable(url: &str) -> Result<(), DbSetupError> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Ok(());
    };
    let host = parsed.host_str().unwrap_or("localhost").to_owned();
    let port = parsed.port().unwrap_or(5432);
    let address = format!("{host}:{port}");
    let addresses: Vec<std::net::SocketAddr> =
        match std::net::ToSocketAddrs::to_socket_addrs(&address) {
            Ok(found) => found.collect(),
            // Unresolvable names are left to the driver's own message.
            Err(_) => return Ok(()),
        };
    let refused = !addresses.is_empty()
        && addresses.iter().all(|a| {
            matches!(
                std::net::TcpStream::connect_timeout(a, Duration::from_secs(3)),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused
            )
        });
    if refused {
        return Err(DbSetupError::Refused {
            what: "PostgreSQL",
            address,
        });
    }
    Ok(())
}

/// Opens the configured database, creating the SQLite file and data
/// directory on first start.
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbSetupError> {
    let url = settings.database_url();
    let is_sqlite = url.starts_with("sqlite:");
    if !is_sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        return Err(DbSetupError::UnsupportedUrl(redact(&url)));
    }
    if is_sqlite {
        std::fs::create_dir_all(&settings.data_dir).map_err(|source| DbSetupError::DataDir {
            path: settings.data_dir.display().to_string(),
            source,
        })?;
    } else {
        check_reachable(&url)?;
    }
    open(
        &url,
        settings.max_connections(),
        SQLITE_READER_CACHE_KIB,
        SQLITE_AUTOCHECKPOINT_PAGES,
    )
    .await
}

/// Page cache of each pooled SQLite connection. Another connection's
/// write empties it, so a large one buys little under ingest.
const SQLITE_READER_CACHE_KIB: u32 = 4_000;
/// Page cache of the connection that writes statements: it keeps the
/// index pages the next inserts touch. Past a few hundred thousand
/// statements the indexes' leaves outgrow any cache of this size (each
/// insert into the registration and agent indexes lands on a random leaf),
/// and a miss is a read from the operating system's cache: 8 MB gave the
/// same ingest rate as 32 MB, with 30 MB less resident
/// (docs/performance.md).
const SQLITE_WRITER_CACHE_KIB: u32 = 8_000;
/// A commit that finds this many pages in the WAL copies them into the
/// database file (~16 MB: each page written back once rather than after
/// every few commits).
const SQLITE_AUTOCHECKPOINT_PAGES: u32 = 4_000;
/// The statement writer leaves checkpoints to `checkpoint_periodically`,
/// and does one itself only when the WAL has grown past ~250 MB. Under
/// steady ingest the WAL starts again from its beginning only after such a
/// checkpoint (the periodic one never catches a moment without a write
/// under way), and its two `fsync`s stall the writer: at ~64 MB they took
/// a quarter of its time on a slow disk; past ~250 MB, a fourth as often
/// (docs/performance.md).
const SQLITE_WRITER_AUTOCHECKPOINT_PAGES: u32 = 64_000;

/// The connection statement writes go through. On SQLite, a connection of
/// its own: only SQLite's single writer uses it, so its page cache stays
/// valid between transactions (another connection's write would empty
/// it). On PostgreSQL, the pool.
pub async fn statement_writer(
    settings: &Settings,
    pool: &DatabaseConnection,
) -> Result<DatabaseConnection, DbSetupError> {
    use sea_orm::ConnectionTrait;
    if pool.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return Ok(pool.clone());
    }
    open(
        &settings.database_url(),
        1,
        SQLITE_WRITER_CACHE_KIB,
        SQLITE_WRITER_AUTOCHECKPOINT_PAGES,
    )
    .await
}

/// Copies what the WAL holds into the database file, beside the writer
/// (which then seldom has to checkpoint itself, in its turn). A passive
/// checkpoint never waits for or blocks a writer or a reader.
pub async fn checkpoint_periodically(db: DatabaseConnection) {
    use sea_orm::ConnectionTrait;
    let mut interval = actix_web::rt::time::interval(Duration::from_millis(500));
    loop {
        interval.tick().await;
        if let Err(e) = db
            .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
            .await
        {
            tracing::warn!(error = %e, "checkpointing the SQLite WAL failed");
        }
    }
}

/// The tables whose statistics steer the LRS's queries.
const ANALYZED_TABLES: [&str; 3] = [
    "xapi_statements",
    "xapi_statement_agents",
    "xapi_statement_activities",
];

/// PostgreSQL: refreshes the statistics of the statement tables once a
/// tenth of their rows have changed since the last ANALYZE, as autovacuum
/// would. Without statistics (autovacuum off, or not yet run after a bulk
/// load) the planner takes the store for empty and a filtered read scans
/// a million statements instead of walking an index (0.7 s instead of
/// 0.1 ms, measured). With autovacuum on, it has usually done this first.
/// With autovacuum off, the tables are vacuumed too: otherwise the first
/// read of each new row rewrites its page (hint bits), and the agent
/// mentions are never read from their index alone (visibility map).
pub async fn analyze_periodically(db: DatabaseConnection) {
    use sea_orm::{ConnectionTrait, Statement};
    let mut interval = actix_web::rt::time::interval(Duration::from_secs(30));
    let autovacuum_off = matches!(
        db.query_one(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT setting FROM pg_settings WHERE name = 'autovacuum'",
        ))
        .await,
        Ok(Some(row)) if row.try_get::<String>("", "setting").is_ok_and(|s| s == "off")
    );
    let refresh = if autovacuum_off {
        "VACUUM (ANALYZE)"
    } else {
        "ANALYZE"
    };
    loop {
        interval.tick().await;
        for table in ANALYZED_TABLES {
            let stale = db
                .query_one(Statement::from_sql_and_values(
                    sea_orm::DbBackend::Postgres,
                    "SELECT 1 AS stale FROM pg_stat_user_tables WHERE relname = $1 \
                     AND n_mod_since_analyze > 1000 + n_live_tup / 10",
                    [table.into()],
                ))
                .await;
            match stale {
                Ok(Some(_)) => {
                    if let Err(e) = db.execute_unprepared(&format!("{refresh} {table}")).await {
                        tracing::warn!(table, error = %e, "refreshing statistics failed");
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(table, error = %e, "reading table statistics failed"),
            }
        }
    }
}

async fn open(
    url: &str,
    max_connections: u32,
    sqlite_cache_kib: u32,
    sqlite_autocheckpoint_pages: u32,
) -> Result<DatabaseConnection, DbSetupError> {
    let is_sqlite = url.starts_with("sqlite:");
    let shown = redact(url);
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if is_sqlite {
        crate::sqlite_memory::configure();
        options.map_sqlx_sqlite_opts(move |sqlite| {
            sqlite
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                .pragma("cache_size", format!("-{sqlite_cache_kib}"))
                // Savepoints and multi-row INSERTs keep the pages they
                // change in a journal of their own: in memory, not in a
                // temporary file written and thrown away each time.
                .pragma("temp_store", "memory")
                .pragma(
                    "wal_autocheckpoint",
                    sqlite_autocheckpoint_pages.to_string(),
                )
        });
    }
    Database::connect(options)
        .await
        .map_err(|source| DbSetupError::Connect { url: shown, source })
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbSetupError> {
    Migrator::up(db, None).await.map_err(DbSetupError::Migrate)
}

/// A database URL fit for logs: the password, if any, replaced.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// True when the error is a unique-constraint violation (a concurrent insert won).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// A transaction that writes; on SQLite it holds this process's turn to
/// write until it is committed or dropped.
pub struct WriteTransaction {
    txn: sea_orm::DatabaseTransaction,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTransaction {
    type Target = sea_orm::DatabaseTransaction;

    fn deref(&self) -> &Self::Target {
        &self.txn
    }
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }
}

/// SQLite has one writer at a time. Writers of this process queue here for
/// their turn instead of polling the file lock (SQLite's busy handler
/// sleeps up to 100 ms between tries, which leaves the writer idle).
fn sqlite_writers() -> std::sync::Arc<tokio::sync::Mutex<()>> {
    static TURN: std::sync::OnceLock<std::sync::Arc<tokio::sync::Mutex<()>>> =
        std::sync::OnceLock::new();
    TURN.get_or_init(Default::default).clone()
}

/// Begins a transaction that will write. On SQLite it waits for this
/// process's turn and takes the write lock at once, as `BEGIN IMMEDIATE`
/// would: a transaction that reads first and writes later fails with
/// "database is locked" when another writer committed in between (WAL
/// snapshots cannot be upgraded). PostgreSQL needs neither.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, DbErr> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    if db.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return Ok(WriteTransaction {
            txn: db.begin().await?,
            _turn: None,
        });
    }
    let turn = sqlite_writers().lock_owned().await;
    let txn = db.begin().await?;
    // A write statement, whatever it matches, starts the write transaction.
    txn.execute_unprepared("UPDATE server_secrets SET name = name WHERE 0")
        .await?;
    Ok(WriteTransaction {
        txn,
        _turn: Some(turn),
    })
}
