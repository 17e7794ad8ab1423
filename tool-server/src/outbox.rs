//! The durable outbox: work that talks to an LMS (or, later, a remote LRS)
//! is written in the same transaction as the change that caused it, then
//! delivered by any instance. A message is claimed with a lease, so two
//! instances never send it at once; a newer message with the same key
//! replaces an undelivered one, so a learner's grade is sent once per
//! change, not once per launch.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::entities::outbox_message::{self, Model as OutboxMessage};
use crate::util::now_ms;

/// How long a taken message is reserved for the instance sending it:
/// longer than the slowest send of one message (each of its few requests
/// has a 30 s timeout), so no other instance sends it meanwhile.
pub const LEASE_MS: i64 = 5 * 60_000;
/// Retry delays grow from this to [`LONGEST_BACKOFF_MS`].
const FIRST_BACKOFF_MS: i64 = 2_000;
const LONGEST_BACKOFF_MS: i64 = 60 * 60 * 1000;

pub struct NewMessage<'a> {
    pub kind: &'a str,
    pub dedupe_key: String,
    pub platform_id: i32,
    pub payload: String,
}

/// Queues a message, replacing an undelivered or delivered one with the
/// same key (its version goes up, its attempts start again).
pub async fn enqueue<C: ConnectionTrait>(db: &C, message: NewMessage<'_>) -> Result<(), DbErr> {
    let now = now_ms();
    outbox_message::Entity::insert(outbox_message::ActiveModel {
        id: Set(Uuid::new_v4()),
        kind: Set(message.kind.to_owned()),
        dedupe_key: Set(message.dedupe_key),
        platform_id: Set(message.platform_id),
        payload: Set(message.payload),
        version: Set(1),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        failed_at: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(outbox_message::Column::DedupeKey)
            .update_columns([
                outbox_message::Column::Payload,
                outbox_message::Column::NextAttemptAt,
                outbox_message::Column::LastError,
                outbox_message::Column::FailedAt,
                outbox_message::Column::DeliveredAt,
                outbox_message::Column::Attempts,
            ])
            .value(
                outbox_message::Column::Version,
                Expr::col((outbox_message::Entity, outbox_message::Column::Version)).add(1),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Which messages to take.
#[derive(Debug, Clone, Copy)]
pub enum Due {
    /// Those whose next attempt is due, not failed for good.
    Now,
    /// Every undelivered one, failed ones included (an operator's push).
    Everything,
}

/// Up to `limit` messages of `kind` that may be sent now, not yet taken:
/// each is taken ([`take`]) just before it is sent, so its lease runs from
/// that moment rather than from the start of a batch.
pub async fn candidates<C: ConnectionTrait>(
    db: &C,
    kind: &str,
    due: Due,
    limit: u64,
) -> Result<Vec<OutboxMessage>, DbErr> {
    let now = now_ms();
    let mut query = outbox_message::Entity::find()
        .filter(outbox_message::Column::Kind.eq(kind))
        .filter(outbox_message::Column::DeliveredAt.is_null())
        .filter(
            outbox_message::Column::LockedUntil
                .is_null()
                .or(outbox_message::Column::LockedUntil.lt(now)),
        );
    if let Due::Now = due {
        query = query
            .filter(outbox_message::Column::NextAttemptAt.lte(now))
            .filter(outbox_message::Column::FailedAt.is_null());
    }
    query
        .order_by_asc(outbox_message::Column::NextAttemptAt)
        .limit(limit)
        .all(db)
        .await
}

/// Takes a message for this caller: `false` when another instance holds
/// it, or it was replaced by a newer version, since it was read.
pub async fn take<C: ConnectionTrait>(db: &C, message: &OutboxMessage) -> Result<bool, DbErr> {
    let now = now_ms();
    let taken = outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::LockedUntil,
            Expr::value(now + LEASE_MS),
        )
        .filter(outbox_message::Column::Id.eq(message.id))
        .filter(outbox_message::Column::Version.eq(message.version))
        .filter(outbox_message::Column::DeliveredAt.is_null())
        .filter(
            outbox_message::Column::LockedUntil
                .is_null()
                .or(outbox_message::Column::LockedUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Marks the claimed version delivered. If the message was replaced while
/// it was being sent, only the lease is released, so the newer payload
/// goes out next.
pub async fn delivered<C: ConnectionTrait>(db: &C, message: &OutboxMessage) -> Result<(), DbErr> {
    let now = now_ms();
    let marked = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::DeliveredAt, Expr::value(now))
        .col_expr(
            outbox_message::Column::LockedUntil,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            outbox_message::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(outbox_message::Column::Id.eq(message.id))
        .filter(outbox_message::Column::Version.eq(message.version))
        .exec(db)
        .await?;
    if marked.rows_affected == 0 {
        release(db, message).await?;
    }
    Ok(())
}

/// Gives a claimed message back without an attempt.
pub async fn release<C: ConnectionTrait>(db: &C, message: &OutboxMessage) -> Result<(), DbErr> {
    outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::LockedUntil,
            Expr::value(Option::<i64>::None),
        )
        .filter(outbox_message::Column::Id.eq(message.id))
        .exec(db)
        .await?;
    Ok(())
}

/// The delay before attempt `attempts + 1`: doubling from 2 s, capped at an
/// hour, with up to a fifth added at random so that many messages failing
/// together do not retry together.
pub fn backoff_ms(attempts: i32) -> i64 {
    let exponent = attempts.clamp(0, 20) as u32;
    let base = FIRST_BACKOFF_MS
        .saturating_mul(1_i64 << exponent)
        .min(LONGEST_BACKOFF_MS);
    base + rand::random::<u32>() as i64 % (base / 5 + 1)
}

/// Records a failed attempt. `permanent` failures wait for an operator
/// (`carefolio grades push`); others are retried with back-off.
pub async fn failed<C: ConnectionTrait>(
    db: &C,
    message: &OutboxMessage,
    error: &str,
    permanent: bool,
) -> Result<(), DbErr> {
    let now = now_ms();
    let attempts = message.attempts + 1;
    let mut update = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::Attempts, Expr::value(attempts))
        .col_expr(
            outbox_message::Column::NextAttemptAt,
            Expr::value(now + backoff_ms(message.attempts)),
        )
        .col_expr(
            outbox_message::Column::LockedUntil,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            outbox_message::Column::LastError,
            Expr::value(error.to_owned()),
        );
    if permanent {
        update = update.col_expr(outbox_message::Column::FailedAt, Expr::value(now));
    }
    let marked = update
        .filter(outbox_message::Column::Id.eq(message.id))
        .filter(outbox_message::Column::Version.eq(message.version))
        .exec(db)
        .await?;
    if marked.rows_affected == 0 {
        // Replaced meanwhile: the new payload deserves a fresh start.
        release(db, message).await?;
    }
    Ok(())
}

/// Counts by state, for `carefolio grades status`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub pending: u64,
    pub failed: u64,
    pub delivered: u64,
}

pub async fn counts<C: ConnectionTrait>(db: &C, kind: &str) -> Result<Counts, DbErr> {
    let of_kind = || outbox_message::Entity::find().filter(outbox_message::Column::Kind.eq(kind));
    Ok(Counts {
        delivered: of_kind()
            .filter(outbox_message::Column::DeliveredAt.is_not_null())
            .count(db)
            .await?,
        failed: of_kind()
            .filter(outbox_message::Column::DeliveredAt.is_null())
            .filter(outbox_message::Column::FailedAt.is_not_null())
            .count(db)
            .await?,
        pending: of_kind()
            .filter(outbox_message::Column::DeliveredAt.is_null())
            .filter(outbox_message::Column::FailedAt.is_null())
            .count(db)
            .await?,
    })
}

/// Undelivered messages with an error: (dedupe key, attempts, last error).
pub async fn failures<C: ConnectionTrait>(
    db: &C,
    kind: &str,
    limit: u64,
) -> Result<Vec<(String, i32, String)>, DbErr> {
    let rows: Vec<(String, i32, Option<String>)> = outbox_message::Entity::find()
        .select_only()
        .column(outbox_message::Column::DedupeKey)
        .column(outbox_message::Column::Attempts)
        .column(outbox_message::Column::LastError)
        .filter(outbox_message::Column::Kind.eq(kind))
        .filter(outbox_message::Column::DeliveredAt.is_null())
        .filter(outbox_message::Column::LastError.is_not_null())
        .order_by_desc(outbox_message::Column::Attempts)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(key, attempts, error)| (key, attempts, error.unwrap_or_default()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_and_is_capped() {
        for attempts in 0..30 {
            let delay = backoff_ms(attempts);
            let base = (FIRST_BACKOFF_MS << attempts.min(20)).min(LONGEST_BACKOFF_MS);
            assert!(
                delay >= base && delay <= base + base / 5,
                "{attempts}: {delay}"
            );
        }
        assert!(backoff_ms(40) <= LONGEST_BACKOFF_MS * 6 / 5);
    }
}
