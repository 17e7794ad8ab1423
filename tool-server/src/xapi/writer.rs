//! Statement writes from clients, grouped: requests that arrive while a
//! transaction is being written wait and go together into the next one
//! (group commit). Each request is checked before anything is written, so
//! that a refused batch never takes its neighbours with it. One commit for many requests is what makes
//! batched ingest fast on SQLite (each commit rewrites the pages it dirtied)
//! and on PostgreSQL (each commit waits for its WAL flush).
//!
//! A request is answered only after the transaction holding its statements
//! has committed: an acknowledged statement survives a crash.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot, Mutex, OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use super::store::{self, Batch};
use super::XapiError;
use crate::util::now_ms;

/// Statements one transaction takes at most; requests beyond wait for the
/// next one.
const GROUP_STATEMENTS: usize = 5_000;

/// The answer to a write, with the batch given back: the request's own
/// thread frees it, not the writer (freeing what another thread allocated
/// costs more, and the writer is the bottleneck).
type Reply = (Result<Vec<Uuid>, XapiError>, Batch);

struct Job {
    batch: Batch,
    reply: oneshot::Sender<Reply>,
}

/// How many statement writes may be read and queued at once, and how many
/// transactions write them side by side.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub requests_in_flight: usize,
    pub writers: usize,
}

impl Limits {
    /// SQLite has one writer; PostgreSQL takes several.
    pub fn for_backend(backend: sea_orm::DbBackend) -> Limits {
        match backend {
            sea_orm::DbBackend::Sqlite => Limits {
                requests_in_flight: 16,
                writers: 1,
            },
            _ => Limits {
                requests_in_flight: 32,
                writers: 4,
            },
        }
    }
}

pub struct StatementWriter {
    queue: mpsc::Sender<Job>,
    /// Bounds the request bodies read and waiting (memory), before the
    /// queue is reached.
    admission: Arc<Semaphore>,
    /// Per writer: when its open transaction began (`i64::MAX` when idle).
    open_since: Arc<[AtomicI64]>,
}

impl StatementWriter {
    /// Starts the writers on the current runtime. On SQLite, `db` should be
    /// a connection of its own: the writer's page cache then stays warm
    /// from one transaction to the next.
    pub fn start(db: DatabaseConnection, limits: Limits) -> StatementWriter {
        let (queue, receiver) = mpsc::channel(limits.requests_in_flight);
        let receiver = Arc::new(Mutex::new(receiver));
        let open_since: Arc<[AtomicI64]> = (0..limits.writers.max(1))
            .map(|_| AtomicI64::new(i64::MAX))
            .collect();
        for slot in 0..open_since.len() {
            let (db, receiver, open_since) = (db.clone(), receiver.clone(), open_since.clone());
            crate::startup::supervise("statement writer", move || {
                run(db.clone(), receiver.clone(), open_since.clone(), slot)
            });
        }
        StatementWriter {
            queue,
            admission: Arc::new(Semaphore::new(limits.requests_in_flight)),
            open_since,
        }
    }

    /// Waits until another statement write may be read into memory.
    pub async fn admit(&self) -> Result<OwnedSemaphorePermit, XapiError> {
        self.admission
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| XapiError::Stopping)
    }

    /// Stores the statements; answers once they are committed.
    pub async fn write(&self, batch: Batch) -> Result<Vec<Uuid>, XapiError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job { batch, reply })
            .await
            .map_err(|_| XapiError::Stopping)?;
        let (answer, batch) = answer.await.map_err(|_| XapiError::Stopping)?;
        drop(batch);
        answer
    }

    /// The time up to which every statement stored is readable: now, or
    /// just before the oldest transaction still being written began.
    pub fn consistent_through(&self) -> i64 {
        let open = self
            .open_since
            .iter()
            .map(|since| since.load(Ordering::Acquire))
            .min()
            .unwrap_or(i64::MAX);
        now_ms().min(open.saturating_sub(1))
    }
}

async fn run(
    db: DatabaseConnection,
    receiver: Arc<Mutex<mpsc::Receiver<Job>>>,
    open_since: Arc<[AtomicI64]>,
    slot: usize,
) {
    // Only the store's one writer may trust what it remembers of the
    // stored activity definitions.
    let mut known = (open_since.len() == 1).then(store::KnownDefinitions::default);
    loop {
        let group = {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else {
                return;
            };
            let mut statements = first.batch.len();
            let mut group = vec![first];
            while statements < GROUP_STATEMENTS {
                match receiver.try_recv() {
                    Ok(job) => {
                        statements += job.batch.len();
                        group.push(job);
                    }
                    Err(_) => break,
                }
            }
            group
        };
        let (batches, replies): (Vec<Batch>, Vec<_>) =
            group.into_iter().map(|job| (job.batch, job.reply)).unzip();
        let began = now_ms();
        open_since[slot].store(began, Ordering::Release);
        let statements: usize = batches.iter().map(Batch::len).sum();
        let answers = write_group(&db, &batches, known.as_mut()).await;
        open_since[slot].store(i64::MAX, Ordering::Release);
        tracing::debug!(
            requests = replies.len(),
            statements,
            ms = now_ms() - began,
            "statements committed"
        );
        for ((reply, answer), batch) in replies.into_iter().zip(answers).zip(batches) {
            let _ = reply.send((answer, batch));
        }
    }
}

/// Writes the group in one transaction. Should the database fail it,
/// each request is tried again in a transaction of its own, so that one
/// request's fault (or a concurrent writer's insert of the same id) is
/// answered to that request only.
async fn write_group(
    db: &DatabaseConnection,
    batches: &[Batch],
    mut known: Option<&mut store::KnownDefinitions>,
) -> Vec<Result<Vec<Uuid>, XapiError>> {
    match write_in_one(db, batches, known.as_deref_mut()).await {
        Ok(answers) => answers,
        Err(failed) if batches.len() == 1 => {
            tracing::error!(error = %failed, "statements could not be stored");
            vec![Err(XapiError::Database(failed))]
        }
        Err(failed) => {
            tracing::warn!(error = %failed, requests = batches.len(), "a group of statement writes failed; writing its requests one by one");
            let mut answers = Vec::with_capacity(batches.len());
            for batch in batches {
                let answer =
                    match write_in_one(db, std::slice::from_ref(batch), known.as_deref_mut()).await
                    {
                        Ok(mut answer) => answer.pop().unwrap_or_else(|| Ok(Vec::new())),
                        Err(failed) => {
                            tracing::error!(error = %failed, "statements could not be stored");
                            Err(XapiError::Database(failed))
                        }
                    };
                answers.push(answer);
            }
            answers
        }
    }
}

async fn write_in_one(
    db: &DatabaseConnection,
    batches: &[Batch],
    mut known: Option<&mut store::KnownDefinitions>,
) -> Result<Vec<Result<Vec<Uuid>, XapiError>>, sea_orm::DbErr> {
    let written = async {
        let txn = crate::db::begin_write(db).await?;
        let answers = store::write_batches(&*txn, batches, known.as_deref_mut()).await?;
        txn.commit().await?;
        Ok(answers)
    }
    .await;
    if let Some(known) = known {
        match written {
            Ok(_) => known.committed(),
            Err(_) => known.rolled_back(),
        }
    }
    written
}
