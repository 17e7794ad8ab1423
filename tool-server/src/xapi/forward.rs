//! Forwarding statements to other learning record stores (`[[xapi_forward]]`
//! in the configuration). The statement table is the outbox: statements are
//! sent in storage order, and each store's row in `xapi_forwards` says how
//! far it has acknowledged, so a restart or an outage loses nothing and a
//! resend after a crash repeats only statements the store already has
//! (statement ids are stable, and a store keeps one statement per id).
//! A store that refuses a statement (400, 409, 413) gets the rest one by
//! one and the refused one is set aside as a dead letter; a store that is
//! down is tried again with growing pauses, and statements it has not
//! accepted `dead_letter_after_hours` after they were stored are set aside.
//! Any instance may send; a lease on the row keeps two from sending at once.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::Value;
use url::Url;

use crate::config::ForwardTarget;
use crate::entities::{xapi_forward, xapi_forward_dead_letter, xapi_statement};
use crate::outbound::refusal_excerpt;
use crate::util::now_ms;

/// Statements per request: well inside any store's batch limits.
const BATCH: u64 = 500;
/// Batches one store is sent per round before the others get their turn.
const BATCHES_PER_ROUND: usize = 20;
/// How long a store's row is held by the instance sending to it.
const LEASE_MS: i64 = 5 * 60_000;
/// How often the forwarder looks for new statements.
const POLL: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("xapi_forward {name:?}: {problem}")]
    BadTarget { name: String, problem: String },
}

/// One configured store, checked.
#[derive(Debug, Clone)]
struct Target {
    name: String,
    statements_url: Url,
    authorization: String,
    version: String,
    dead_letter_after_ms: i64,
    settle_ms: i64,
}

impl Target {
    fn from_settings(target: &ForwardTarget) -> Result<Target, ForwardError> {
        let bad = |problem: &str| ForwardError::BadTarget {
            name: target.name.clone(),
            problem: problem.to_owned(),
        };
        let endpoint = &target.endpoint;
        if endpoint.host().is_none() {
            return Err(bad("the endpoint has no host"));
        }
        let loopback = crate::platforms::origins::is_loopback(endpoint);
        match endpoint.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(bad(
                    "the endpoint must be https (http only on this machine)",
                ))
            }
        }
        if !endpoint.username().is_empty() || endpoint.password().is_some() {
            return Err(bad(
                "put the credentials in key and secret, not in the endpoint",
            ));
        }
        if !matches!(target.version.as_str(), "1.0.3" | "2.0.0") {
            return Err(bad("version must be 1.0.3 or 2.0.0"));
        }
        if target.name.trim().is_empty() || target.name.len() > 100 {
            return Err(bad("the name must be 1 to 100 characters"));
        }
        let mut base = endpoint.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let statements_url = base
            .join("statements")
            .map_err(|e| bad(&format!("the endpoint does not take a path: {e}")))?;
        Ok(Target {
            name: target.name.clone(),
            statements_url,
            authorization: format!(
                "Basic {}",
                STANDARD.encode(format!("{}:{}", target.key, target.secret))
            ),
            version: target.version.clone(),
            dead_letter_after_ms: i64::try_from(target.dead_letter_after_hours)
                .unwrap_or(i64::MAX / 3_600_000)
                .saturating_mul(3_600_000),
            settle_ms: i64::try_from(target.settle_ms).unwrap_or(i64::MAX),
        })
    }
}

/// What one round did for one store.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub sent: u64,
    pub dead_letters: u64,
    /// Another instance held the store, or its next attempt is not due.
    pub skipped: bool,
    /// Why the store was not reached, when it was not.
    pub unavailable: Option<String>,
}

/// How a store answered a request.
enum Answer {
    Accepted,
    /// It refused what was sent (the statements, not the moment).
    Refused(String),
    /// It could not take anything now.
    Unavailable(String),
}

pub struct Forwarder {
    db: DatabaseConnection,
    http: reqwest::Client,
    targets: Vec<Target>,
}

impl Forwarder {
    /// Checks every configured store before anything is sent: a wrong
    /// endpoint stops the start with its name, not the first delivery.
    pub fn new(
        db: DatabaseConnection,
        http: reqwest::Client,
        targets: &[ForwardTarget],
    ) -> Result<Forwarder, ForwardError> {
        Ok(Forwarder {
            db,
            http,
            targets: targets
                .iter()
                .map(Target::from_settings)
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    pub async fn run_forever(self: Arc<Self>) {
        loop {
            if let Err(error) = self.run_once().await {
                tracing::warn!(%error, "forwarding statements");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// One round for every store; what each did, by name.
    pub async fn run_once(&self) -> Result<Vec<(String, Round)>, DbErr> {
        let mut rounds = Vec::with_capacity(self.targets.len());
        for target in &self.targets {
            let round = self.round(target).await?;
            if round.sent > 0 || round.dead_letters > 0 {
                tracing::info!(store = %target.name, sent = round.sent, dead_letters = round.dead_letters, "statements forwarded");
            }
            rounds.push((target.name.clone(), round));
        }
        Ok(rounds)
    }

    async fn round(&self, target: &Target) -> Result<Round, DbErr> {
        let Some(claimed) = claim(&self.db, &target.name).await? else {
            return Ok(Round {
                skipped: true,
                ..Round::default()
            });
        };
        let mut through = claimed.forwarded_through;
        let attempts = claimed.attempts;
        let mut round = Round::default();
        let outcome = self.send_batches(target, &mut through, &mut round).await;
        let now = now_ms();
        let mut update = xapi_forward::ActiveModel {
            name: Set(target.name.clone()),
            forwarded_through: Set(through),
            locked_until: Set(None),
            updated_at: Set(now),
            ..Default::default()
        };
        match &round.unavailable {
            Some(reason) => {
                update.attempts = Set(attempts + 1);
                update.next_attempt_at = Set(now + crate::outbox::backoff_ms(attempts + 1));
                update.last_error = Set(Some(reason.clone()));
            }
            None => {
                update.attempts = Set(0);
                update.next_attempt_at = Set(now);
                update.last_error = Set(None);
            }
        }
        xapi_forward::Entity::update(update).exec(&self.db).await?;
        outcome.map(|()| round)
    }

    async fn send_batches(
        &self,
        target: &Target,
        through: &mut i64,
        round: &mut Round,
    ) -> Result<(), DbErr> {
        for _ in 0..BATCHES_PER_ROUND {
            let now = now_ms();
            let batch = xapi_statement::Entity::find()
                .filter(xapi_statement::Column::Seq.gt(*through))
                .filter(xapi_statement::Column::Stored.lte(now - target.settle_ms))
                .order_by_asc(xapi_statement::Column::Seq)
                .limit(BATCH)
                .all(&self.db)
                .await?;
            let Some(last) = batch.last().map(|s| i64::from(s.seq)) else {
                return Ok(());
            };
            match self.send(target, &batch).await? {
                Answer::Accepted => {
                    round.sent += batch.len() as u64;
                    *through = last;
                }
                Answer::Refused(_) if batch.len() > 1 => {
                    // Which one: each is sent alone.
                    for statement in &batch {
                        match self.send(target, std::slice::from_ref(statement)).await? {
                            Answer::Accepted => round.sent += 1,
                            Answer::Refused(reason) => {
                                dead_letter(&self.db, &target.name, statement, &reason).await?;
                                round.dead_letters += 1;
                            }
                            Answer::Unavailable(reason) => {
                                round.unavailable = Some(reason);
                                return Ok(());
                            }
                        }
                        *through = i64::from(statement.seq);
                        save_progress(&self.db, &target.name, *through).await?;
                    }
                    continue;
                }
                Answer::Refused(reason) => {
                    dead_letter(&self.db, &target.name, &batch[0], &reason).await?;
                    round.dead_letters += 1;
                    *through = last;
                }
                Answer::Unavailable(reason) => {
                    let oldest = batch[0].stored;
                    if now - oldest < target.dead_letter_after_ms {
                        round.unavailable = Some(reason);
                        return Ok(());
                    }
                    // Too old to wait for: those past the age are set aside.
                    let reason = format!(
                        "not accepted within {} hours of being stored; last answer: {reason}",
                        target.dead_letter_after_ms / 3_600_000
                    );
                    for statement in batch
                        .iter()
                        .take_while(|s| now - s.stored >= target.dead_letter_after_ms)
                    {
                        dead_letter(&self.db, &target.name, statement, &reason).await?;
                        round.dead_letters += 1;
                        *through = i64::from(statement.seq);
                    }
                }
            }
            save_progress(&self.db, &target.name, *through).await?;
        }
        Ok(())
    }

    /// Sends statements as stored, ids and authority included, but without
    /// `stored` and `version`, which the receiving store sets (the version
    /// it accepts them in); with their attachments when they have any.
    async fn send(&self, target: &Target, rows: &[xapi_statement::Model]) -> Result<Answer, DbErr> {
        let mut statements: Vec<Value> = rows
            .iter()
            .map(super::store::parse)
            .collect::<Result<_, _>>()?;
        for statement in &mut statements {
            if let Some(object) = statement.as_object_mut() {
                object.remove("stored");
                object.remove("version");
            }
        }
        let attachments = super::query::attachments_of(&self.db, &statements)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let body = Value::Array(statements);
        let request = self
            .http
            .post(target.statements_url.clone())
            .header("Authorization", &target.authorization)
            .header("X-Experience-API-Version", &target.version);
        let request = if attachments.is_empty() {
            request.json(&body)
        } else {
            let (content_type, multipart) = super::attachments::multipart_body(&body, &attachments);
            request.header("Content-Type", content_type).body(multipart)
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Ok(Answer::Unavailable(format!("no answer: {error}"))),
        };
        let status = response.status();
        if status.is_success() {
            return Ok(Answer::Accepted);
        }
        let excerpt = refusal_excerpt(response).await;
        let reason = format!("{status}: {excerpt}");
        Ok(match status.as_u16() {
            400 | 409 | 413 => Answer::Refused(reason),
            _ => Answer::Unavailable(reason),
        })
    }
}

/// Takes the store's row for this instance when no other holds it and its
/// next attempt is due, and answers it (how far the store has been sent).
async fn claim<C: ConnectionTrait>(
    db: &C,
    name: &str,
) -> Result<Option<xapi_forward::Model>, DbErr> {
    let now = now_ms();
    xapi_forward::Entity::insert(xapi_forward::ActiveModel {
        name: Set(name.to_owned()),
        forwarded_through: Set(0),
        attempts: Set(0),
        next_attempt_at: Set(0),
        locked_until: Set(None),
        last_error: Set(None),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(xapi_forward::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let taken = xapi_forward::Entity::update_many()
        .col_expr(
            xapi_forward::Column::LockedUntil,
            Expr::value(now + LEASE_MS),
        )
        .filter(xapi_forward::Column::Name.eq(name))
        .filter(xapi_forward::Column::NextAttemptAt.lte(now))
        .filter(
            xapi_forward::Column::LockedUntil
                .is_null()
                .or(xapi_forward::Column::LockedUntil.lt(now)),
        )
        .exec(db)
        .await?;
    if taken.rows_affected == 0 {
        return Ok(None);
    }
    xapi_forward::Entity::find_by_id(name.to_owned())
        .one(db)
        .await
}

async fn save_progress<C: ConnectionTrait>(db: &C, name: &str, through: i64) -> Result<(), DbErr> {
    xapi_forward::Entity::update_many()
        .col_expr(xapi_forward::Column::ForwardedThrough, Expr::value(through))
        .col_expr(xapi_forward::Column::UpdatedAt, Expr::value(now_ms()))
        .filter(xapi_forward::Column::Name.eq(name))
        .exec(db)
        .await?;
    Ok(())
}

async fn dead_letter<C: ConnectionTrait>(
    db: &C,
    name: &str,
    statement: &xapi_statement::Model,
    reason: &str,
) -> Result<(), DbErr> {
    tracing::warn!(store = %name, statement = %statement.id, %reason, "statement set aside");
    xapi_forward_dead_letter::Entity::insert(xapi_forward_dead_letter::ActiveModel {
        name: Set(name.to_owned()),
        statement_seq: Set(statement.seq),
        statement_id: Set(statement.id),
        reason: Set(reason.chars().take(1000).collect()),
        dead_at: Set(now_ms()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Makes the next attempt of these stores due now (an operator's push).
pub async fn due_now<C: ConnectionTrait>(db: &C, names: &[String]) -> Result<(), DbErr> {
    xapi_forward::Entity::update_many()
        .col_expr(xapi_forward::Column::NextAttemptAt, Expr::value(0))
        .filter(xapi_forward::Column::Name.is_in(names.iter().cloned()))
        .exec(db)
        .await?;
    Ok(())
}

/// How far each store has been sent, for `carefolio xapi-forward status`.
#[derive(Debug)]
pub struct Status {
    pub name: String,
    pub forwarded_through: i64,
    pub waiting: u64,
    pub dead_letters: u64,
    pub attempts: i32,
    pub last_error: Option<String>,
}

pub async fn status<C: ConnectionTrait>(db: &C, names: &[String]) -> Result<Vec<Status>, DbErr> {
    use sea_orm::PaginatorTrait;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let row = xapi_forward::Entity::find_by_id(name.clone())
            .one(db)
            .await?;
        let through = row.as_ref().map_or(0, |r| r.forwarded_through);
        let waiting = xapi_statement::Entity::find()
            .filter(xapi_statement::Column::Seq.gt(through))
            .count(db)
            .await?;
        let dead_letters = xapi_forward_dead_letter::Entity::find()
            .filter(xapi_forward_dead_letter::Column::Name.eq(name.as_str()))
            .count(db)
            .await?;
        out.push(Status {
            name: name.clone(),
            forwarded_through: through,
            waiting,
            dead_letters,
            attempts: row.as_ref().map_or(0, |r| r.attempts),
            last_error: row.and_then(|r| r.last_error),
        });
    }
    Ok(out)
}
