//! Sends queued grades to the platforms: a background loop on every
//! instance (woken at once after a launch queues something, and every few
//! seconds anyway), and `carefolio grades push` for an operator.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use tokio::sync::Notify;

use super::ags;
use super::{ScoreMessage, LINEITEM_SCOPE, OUTBOX_KIND, SCORE_SCOPE};
use crate::entities::grade_link;
use crate::entities::outbox_message::Model as OutboxMessage;
use crate::outbox::{self, Due};
use crate::platforms::services::{ServiceClient, ServiceError};
use crate::platforms::tool_keys::{CurrentKey, SigningKey};
use crate::platforms::{self, Platform, ServiceUrl};
use crate::util::{now_ms, rfc3339_ms};

/// Messages read per pass of a round.
const BATCH: u64 = 32;
/// Scores sent to one platform at once: a gradebook answers each in a few
/// milliseconds, so a handful in flight keeps it busy without crowding it.
const SENDS_PER_PLATFORM: usize = 4;
/// Rounds of delivery that may run at once on one instance.
const ROUNDS: usize = 4;
/// How often an idle instance looks for due retries.
const POLL: Duration = Duration::from_secs(5);
/// Attempts at one score when the platform answers 409 (same-second score).
const CONFLICT_RETRIES: usize = 3;

/// What a round of delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub sent: u64,
    pub failed: u64,
}

pub struct GradeDelivery {
    db: DatabaseConnection,
    services: Arc<ServiceClient>,
    key: Arc<CurrentKey>,
    wake: Notify,
}

impl GradeDelivery {
    pub fn new(
        db: DatabaseConnection,
        services: Arc<ServiceClient>,
        key: Arc<CurrentKey>,
    ) -> GradeDelivery {
        GradeDelivery {
            db,
            services,
            key,
            wake: Notify::new(),
        }
    }

    /// Asks the background loop to look now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs until the process ends: a round of delivery starts whenever a
    /// launch queues a grade, and every few seconds. Rounds may overlap (up
    /// to [`ROUNDS`]), so a round held up by a slow platform does not keep
    /// the next launch's grade for another platform waiting; each message
    /// is taken by one round only.
    pub async fn run_forever(self: Arc<Self>) {
        let rounds = Arc::new(tokio::sync::Semaphore::new(ROUNDS));
        loop {
            if let Ok(permit) = rounds.clone().try_acquire_owned() {
                let this = self.clone();
                actix_web::rt::spawn(async move {
                    this.round().await;
                    drop(permit);
                });
            }
            let _ = tokio::time::timeout(POLL, self.wake.notified()).await;
        }
    }

    async fn round(&self) {
        match self.deliver(Due::Now).await {
            Ok(Report { sent: 0, failed: 0 }) => {}
            Ok(report) => tracing::info!(
                sent = report.sent,
                failed = report.failed,
                "grades delivered"
            ),
            Err(e) => tracing::warn!(error = %e, "grade delivery could not read the outbox"),
        }
    }

    /// Delivers everything `due` until nothing is left. Each platform's
    /// messages go a few at a time, and platforms side by side: one that
    /// is slow or down holds up only its own grades.
    pub async fn deliver(&self, due: Due) -> Result<Report, DbErr> {
        let mut report = Report::default();
        let mut seen = std::collections::HashSet::new();
        loop {
            // With `Everything`, a message that failed in this run is a
            // candidate again at once: each is tried once per run.
            let fresh: Vec<OutboxMessage> = outbox::candidates(&self.db, OUTBOX_KIND, due, BATCH)
                .await?
                .into_iter()
                .filter(|m| seen.insert((m.id, m.version)))
                .collect();
            if fresh.is_empty() {
                return Ok(report);
            }
            let mut by_platform: std::collections::BTreeMap<i32, Vec<OutboxMessage>> =
                std::collections::BTreeMap::new();
            for message in fresh {
                by_platform
                    .entry(message.platform_id)
                    .or_default()
                    .push(message);
            }
            let rounds = by_platform
                .into_values()
                .map(|messages| self.deliver_to_platform(messages));
            for round in futures::future::join_all(rounds).await {
                let round = round?;
                report.sent += round.sent;
                report.failed += round.failed;
            }
        }
    }

    /// Sends one platform's messages, a few at a time, each taken just
    /// before it is sent. A message is one learner's score on one link, so
    /// messages sent side by side never overtake each other's learner.
    async fn deliver_to_platform(&self, messages: Vec<OutboxMessage>) -> Result<Report, DbErr> {
        use futures::StreamExt;
        let mut report = Report::default();
        let mut sends = futures::stream::iter(messages)
            .map(|message| self.deliver_one(message))
            .buffer_unordered(SENDS_PER_PLATFORM);
        while let Some(outcome) = sends.next().await {
            match outcome? {
                Some(true) => report.sent += 1,
                Some(false) => report.failed += 1,
                None => {}
            }
        }
        Ok(report)
    }

    /// `None` when another sender took the message first.
    async fn deliver_one(&self, message: OutboxMessage) -> Result<Option<bool>, DbErr> {
        if !outbox::take(&self.db, &message).await? {
            return Ok(None);
        }
        match self.send(&message).await {
            Ok(()) => {
                outbox::delivered(&self.db, &message).await?;
                Ok(Some(true))
            }
            Err(e) => {
                tracing::warn!(
                    message = %message.id,
                    attempts = message.attempts + 1,
                    transient = e.is_transient(),
                    error = %e,
                    "a grade could not be delivered"
                );
                outbox::failed(&self.db, &message, &e.to_string(), !e.is_transient()).await?;
                Ok(Some(false))
            }
        }
    }

    async fn send(&self, message: &OutboxMessage) -> Result<(), ServiceError> {
        let score: ScoreMessage = serde_json::from_str(&message.payload)
            .map_err(|e| ServiceError::NotPossible(format!("unreadable outbox payload: {e}")))?;
        let platform = platforms::by_id(&self.db, message.platform_id)
            .await
            .map_err(database)?
            .ok_or_else(|| {
                ServiceError::NotPossible("the platform is no longer registered".into())
            })?;
        let link = grade_link::Entity::find_by_id(score.resource_link_id)
            .one(&self.db)
            .await
            .map_err(database)?
            .ok_or_else(|| ServiceError::NotPossible("the link has no grade service".into()))?;
        let granted: Vec<&str> = link.scopes.split_whitespace().collect();
        let key = self.key.get(&self.db).await?;

        let lineitem = match (&link.lineitem_url, &link.lineitems_url) {
            (Some(lineitem), _) => platform.service_url(lineitem)?,
            (None, Some(lineitems)) if granted.contains(&LINEITEM_SCOPE) => {
                let lineitems = platform.service_url(lineitems)?;
                self.create_lineitem(&platform, &key, &link, &lineitems, &score)
                    .await?
            }
            _ => {
                return Err(ServiceError::NotPossible(
                    "the platform gave this link no line item and no right to create one".into(),
                ))
            }
        };

        let mut token = self.services.token(&platform, &key, &[SCORE_SCOPE]).await?;
        let mut renewed = false;
        let mut conflicts = 0;
        loop {
            let body = score_body(&score, now_ms());
            match ags::post_score(&self.services, &token, &lineitem, &body).await {
                Ok(()) => return Ok(()),
                Err(ServiceError::Refused { status, .. }) if status == 401 && !renewed => {
                    self.services.forget_tokens(platform.id.0);
                    token = self.services.token(&platform, &key, &[SCORE_SCOPE]).await?;
                    renewed = true;
                }
                // Moodle refuses a second score for a user within the same
                // second; the next second's timestamp is accepted.
                Err(ServiceError::Refused { status, .. })
                    if status == 409 && conflicts < CONFLICT_RETRIES =>
                {
                    conflicts += 1;
                    let into_next_second = 1000 - now_ms().rem_euclid(1000) + 10;
                    tokio::time::sleep(Duration::from_millis(into_next_second as u64)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl GradeDelivery {
    /// Finds or creates the link's line item while holding the link's
    /// creation claim, so that of several senders (instances, overlapping
    /// rounds) only one creates it. Another's claim is a transient failure:
    /// by the retry the line item is known.
    async fn create_lineitem(
        &self,
        platform: &Platform,
        key: &SigningKey,
        link: &grade_link::Model,
        lineitems: &ServiceUrl,
        score: &ScoreMessage,
    ) -> Result<ServiceUrl, ServiceError> {
        if !claim_lineitem_creation(&self.db, link.resource_link_id)
            .await
            .map_err(database)?
        {
            return Err(ServiceError::Busy(
                "another sender is creating this link's line item",
            ));
        }
        let created = async {
            let token = self
                .services
                .token(platform, key, &[SCORE_SCOPE, LINEITEM_SCOPE])
                .await?;
            let id = ags::find_or_create_lineitem(
                &self.services,
                &token,
                lineitems,
                &score.lti_link_id,
                &score.label,
            )
            .await?;
            Ok::<_, ServiceError>(platform.service_url(&id)?)
        }
        .await;
        // Stored (or given up) in the same update that ends the claim.
        remember_lineitem(
            &self.db,
            link.resource_link_id,
            created.as_ref().ok().map(ServiceUrl::as_str),
        )
        .await
        .map_err(database)?;
        created
    }
}

/// How long a sender may take to find or create a line item before
/// another may try.
const LINEITEM_CLAIM_MS: i64 = 2 * 60 * 1000;

/// Takes the right to create the link's line item: `false` when it is
/// known already or another sender holds an unexpired claim.
async fn claim_lineitem_creation<C: ConnectionTrait>(
    db: &C,
    resource_link_id: uuid::Uuid,
) -> Result<bool, DbErr> {
    use sea_orm::sea_query::{Condition, Expr};
    let now = now_ms();
    let claimed = grade_link::Entity::update_many()
        .col_expr(
            grade_link::Column::LineitemClaimedUntil,
            Expr::value(now + LINEITEM_CLAIM_MS),
        )
        .filter(grade_link::Column::ResourceLinkId.eq(resource_link_id))
        .filter(grade_link::Column::LineitemUrl.is_null())
        .filter(
            Condition::any()
                .add(grade_link::Column::LineitemClaimedUntil.is_null())
                .add(grade_link::Column::LineitemClaimedUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

fn database(e: DbErr) -> ServiceError {
    ServiceError::NotPossible(format!("database: {e}"))
}

/// Ends the creation claim, storing the line item when there is one.
async fn remember_lineitem<C: ConnectionTrait>(
    db: &C,
    resource_link_id: uuid::Uuid,
    lineitem: Option<&str>,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    let mut update = grade_link::Entity::update_many()
        .col_expr(
            grade_link::Column::LineitemClaimedUntil,
            Expr::value(Option::<i64>::None),
        )
        .filter(grade_link::Column::ResourceLinkId.eq(resource_link_id));
    if let Some(lineitem) = lineitem {
        update = update
            .col_expr(grade_link::Column::LineitemUrl, Expr::value(lineitem))
            .col_expr(grade_link::Column::UpdatedAt, Expr::value(now_ms()));
    }
    update.exec(db).await?;
    Ok(())
}

/// The AGS score (§3.4) for a progress share. The grade is the share of
/// 100; platforms scale it to the line item's maximum.
pub fn score_body(score: &ScoreMessage, timestamp_ms: i64) -> Value {
    let derived = if score.progress >= 1.0 {
        "Completed"
    } else if score.progress > 0.0 {
        "InProgress"
    } else {
        "Initialized"
    };
    json!({
        "userId": score.user_id,
        "scoreGiven": (score.progress * 10_000.0).round() / 100.0,
        "scoreMaximum": 100,
        "activityProgress": score.activity_progress.as_deref().unwrap_or(derived),
        // `PendingManual` while claims wait for assessors (platforms then
        // show no grade yet); otherwise the platform records it as the grade.
        "gradingProgress": score.grading_progress.as_deref().unwrap_or("FullyGraded"),
        "timestamp": rfc3339_ms(timestamp_ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_score_reports_progress_as_a_share_of_100() {
        let message = ScoreMessage {
            resource_link_id: uuid::Uuid::nil(),
            lti_link_id: "l".into(),
            label: "L".into(),
            user_id: "u".into(),
            progress: 2.0 / 3.0,
            activity_progress: None,
            grading_progress: None,
        };
        let body = score_body(&message, 0);
        assert_eq!(body["scoreGiven"], 66.67);
        assert_eq!(body["activityProgress"], "InProgress");
        assert_eq!(body["gradingProgress"], "FullyGraded");
        assert_eq!(body["timestamp"], "1970-01-01T00:00:00.000Z");
        let pending = ScoreMessage {
            activity_progress: Some("InProgress".into()),
            grading_progress: Some("PendingManual".into()),
            ..message
        };
        assert_eq!(score_body(&pending, 0)["gradingProgress"], "PendingManual");
    }
}
