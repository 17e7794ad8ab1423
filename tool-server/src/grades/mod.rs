//! Grades: what Carefolio tells an LMS gradebook about a learner, and when.
//!
//! The rule lives in [`progress`]: a learner's grade on a link is the share
//! of the link's competences on which the learner has recorded activity.
//! When assessment exists, "recorded activity" becomes "accepted evidence"
//! here and nowhere else. A changed grade is queued in the outbox in the
//! same transaction as the launch that changed it; `delivery` sends it with
//! Assignment and Grade Services 2.0.

pub mod ags;
pub mod delivery;

use std::collections::HashMap;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, Set, Statement,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entities::{competence_activity, grade_link, grade_sync, resource_link_competence};
use crate::lti::claims::GradeService;
use crate::outbox::{self, NewMessage};

pub const SCORE_SCOPE: &str = "https://purl.imsglobal.org/spec/lti-ags/scope/score";
pub const LINEITEM_SCOPE: &str = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem";
pub const OUTBOX_KIND: &str = "ags-score";

/// A learner's progress on a link's competences.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub covered: u32,
    pub total: u32,
}

impl Progress {
    /// 0..1; `None` for a link without competences (nothing to grade).
    pub fn share(self) -> Option<f64> {
        (self.total > 0).then(|| f64::from(self.covered) / f64::from(self.total))
    }
}

#[derive(FromQueryResult)]
struct ProgressRow {
    total: i64,
    covered: i64,
}

/// THE grading rule: competences of the link with recorded activity by
/// the person, out of all the link's competences.
pub async fn progress<C: ConnectionTrait>(
    db: &C,
    resource_link_id: Uuid,
    person_id: Uuid,
) -> Result<Progress, DbErr> {
    let sql = "SELECT COUNT(*) AS total, COUNT(a.competence_id) AS covered \
               FROM resource_link_competences t \
               LEFT JOIN competence_activity a \
                 ON a.competence_id = t.competence_id AND a.person_id = $2 \
               WHERE t.resource_link_id = $1";
    let backend = db.get_database_backend();
    let row = ProgressRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [resource_link_id.into(), person_id.into()],
    ))
    .one(db)
    .await?;
    Ok(row.map_or(
        Progress {
            covered: 0,
            total: 0,
        },
        |r| Progress {
            covered: u32::try_from(r.covered).unwrap_or(0),
            total: u32::try_from(r.total).unwrap_or(0),
        },
    ))
}

#[derive(FromQueryResult)]
struct CoveredRow {
    person_id: Uuid,
    covered: i64,
}

/// The same rule for many people at once: the link's competence count
/// and, per person with any activity on them, how many are covered.
pub async fn progress_of_many<C: ConnectionTrait>(
    db: &C,
    resource_link_id: Uuid,
    person_ids: &[Uuid],
) -> Result<(u32, HashMap<Uuid, u32>), DbErr> {
    let total = resource_link_competence::Entity::find()
        .filter(resource_link_competence::Column::ResourceLinkId.eq(resource_link_id))
        .count(db)
        .await?;
    let total = u32::try_from(total).unwrap_or(u32::MAX);
    let mut covered = HashMap::new();
    let backend = db.get_database_backend();
    for chunk in person_ids.chunks(500) {
        let placeholders: Vec<String> = (2..chunk.len() + 2).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT a.person_id AS person_id, COUNT(*) AS covered \
             FROM competence_activity a \
             JOIN resource_link_competences t ON t.competence_id = a.competence_id \
             WHERE t.resource_link_id = $1 AND a.person_id IN ({}) \
             GROUP BY a.person_id",
            placeholders.join(", ")
        );
        let values = std::iter::once(resource_link_id.into())
            .chain(chunk.iter().map(|id| (*id).into()))
            .collect::<Vec<sea_orm::Value>>();
        let rows =
            CoveredRow::find_by_statement(Statement::from_sql_and_values(backend, &sql, values))
                .all(db)
                .await?;
        covered.extend(
            rows.into_iter()
                .map(|row| (row.person_id, u32::try_from(row.covered).unwrap_or(0))),
        );
    }
    Ok((total, covered))
}

/// (person, competence) pairs known to have activity already, so that the
/// usual launch (a learner back on a link) writes nothing for them. Safe to
/// lose: a miss costs one insert that finds the rows there.
#[derive(Default)]
pub struct KnownActivity {
    pairs: std::sync::RwLock<std::collections::HashSet<(Uuid, Uuid)>>,
}

/// Bounds the memory of [`KnownActivity`]; it starts over when full.
const KNOWN_ACTIVITY_LIMIT: usize = 200_000;

impl KnownActivity {
    fn all_known(&self, person_id: Uuid, competence_ids: &[Uuid]) -> bool {
        let pairs = self.pairs.read().unwrap_or_else(|p| p.into_inner());
        competence_ids
            .iter()
            .all(|c| pairs.contains(&(person_id, *c)))
    }

    /// Called after the transaction that recorded the pairs committed.
    pub fn remember(&self, person_id: Uuid, competence_ids: &[Uuid]) {
        let mut pairs = self.pairs.write().unwrap_or_else(|p| p.into_inner());
        if pairs.len() + competence_ids.len() > KNOWN_ACTIVITY_LIMIT {
            pairs.clear();
        }
        pairs.extend(competence_ids.iter().map(|c| (person_id, *c)));
    }
}

/// Records that the person was active on these competences; returns how
/// many were new to them.
pub async fn record_activity<C: ConnectionTrait>(
    db: &C,
    known: &KnownActivity,
    person_id: Uuid,
    competence_ids: &[Uuid],
    now: i64,
) -> Result<u64, DbErr> {
    if competence_ids.is_empty() || known.all_known(person_id, competence_ids) {
        return Ok(0);
    }
    let rows = competence_ids
        .iter()
        .map(|competence_id| competence_activity::ActiveModel {
            person_id: Set(person_id),
            competence_id: Set(*competence_id),
            first_recorded_at: Set(now),
        });
    let inserted = competence_activity::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                competence_activity::Column::PersonId,
                competence_activity::Column::CompetenceId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted)
}

/// What a launch tells the grades module.
pub struct LaunchFacts<'a> {
    pub platform_id: i32,
    pub resource_link_id: Uuid,
    /// The platform's own id of the link, to find its line items.
    pub lti_link_id: &'a str,
    pub link_title: Option<&'a str>,
    pub person_id: Uuid,
    pub subject: &'a str,
    pub is_learner: bool,
    pub service: Option<&'a GradeService>,
    /// Competences that became active for the person in this launch.
    pub newly_active: u64,
}

/// What the outbox carries for one learner on one link.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScoreMessage {
    pub resource_link_id: Uuid,
    pub lti_link_id: String,
    pub label: String,
    pub user_id: String,
    pub progress: f64,
}

/// Keeps the link's AGS endpoint current and queues the learner's grades
/// that this launch changed: on this link, and on the learner's other
/// graded links when new competences became active.
pub async fn after_launch<C: ConnectionTrait>(
    db: &C,
    facts: LaunchFacts<'_>,
    now: i64,
) -> Result<usize, DbErr> {
    let graded_here = match facts.service {
        Some(service) if service.scopes.iter().any(|s| s == SCORE_SCOPE) => {
            note_service(db, facts.resource_link_id, service, now).await?;
            true
        }
        _ => false,
    };
    if !facts.is_learner || (!graded_here && facts.newly_active == 0) {
        return Ok(0);
    }
    let mut links: Vec<(Uuid, String, String, i32)> = Vec::new();
    if graded_here {
        links.push((
            facts.resource_link_id,
            facts.lti_link_id.to_owned(),
            facts.link_title.unwrap_or("Carefolio").to_owned(),
            facts.platform_id,
        ));
    }
    if facts.newly_active > 0 {
        for other in synced_links(db, facts.person_id).await? {
            if !links.iter().any(|l| l.0 == other.0) {
                links.push(other);
            }
        }
    }
    let mut queued = 0;
    for (link_id, lti_link_id, label, platform_id) in links {
        let Some(share) = progress(db, link_id, facts.person_id).await?.share() else {
            continue;
        };
        let previous = grade_sync::Entity::find_by_id((link_id, facts.person_id))
            .one(db)
            .await?;
        if previous
            .as_ref()
            .is_some_and(|p| (p.progress - share).abs() < 1e-9)
        {
            continue;
        }
        let user_id = previous
            .map(|p| p.user_id)
            .unwrap_or_else(|| facts.subject.to_owned());
        grade_sync::Entity::insert(grade_sync::ActiveModel {
            resource_link_id: Set(link_id),
            person_id: Set(facts.person_id),
            user_id: Set(user_id.clone()),
            progress: Set(share),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                grade_sync::Column::ResourceLinkId,
                grade_sync::Column::PersonId,
            ])
            .update_columns([grade_sync::Column::Progress, grade_sync::Column::UpdatedAt])
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        let message = ScoreMessage {
            resource_link_id: link_id,
            lti_link_id,
            label,
            user_id,
            progress: share,
        };
        outbox::enqueue(
            db,
            NewMessage {
                kind: OUTBOX_KIND,
                dedupe_key: format!("{OUTBOX_KIND}:{link_id}:{}", facts.person_id),
                platform_id,
                payload: serde_json::to_string(&message).unwrap_or_default(),
            },
        )
        .await?;
        queued += 1;
    }
    Ok(queued)
}

async fn note_service<C: ConnectionTrait>(
    db: &C,
    resource_link_id: Uuid,
    service: &GradeService,
    now: i64,
) -> Result<(), DbErr> {
    let scopes = service.scopes.join(" ");
    let lineitems = service.lineitems.as_ref().map(|u| u.as_str().to_owned());
    let named = service.lineitem.as_ref().map(|u| u.as_str().to_owned());
    let stored = grade_link::Entity::find_by_id(resource_link_id)
        .one(db)
        .await?;
    let unchanged = stored.as_ref().is_some_and(|s| {
        s.lineitems_url == lineitems
            && s.scopes == scopes
            && (named.is_none() || s.lineitem_url == named)
    });
    if unchanged {
        return Ok(());
    }
    // A line item Carefolio created is kept when the platform names none.
    let lineitem = named.or_else(|| stored.and_then(|s| s.lineitem_url));
    grade_link::Entity::insert(grade_link::ActiveModel {
        resource_link_id: Set(resource_link_id),
        lineitems_url: Set(lineitems),
        lineitem_url: Set(lineitem),
        scopes: Set(scopes),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(grade_link::Column::ResourceLinkId)
            .update_columns([
                grade_link::Column::LineitemsUrl,
                grade_link::Column::LineitemUrl,
                grade_link::Column::Scopes,
                grade_link::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct SyncedLink {
    id: Uuid,
    link_id: String,
    title: Option<String>,
    platform_id: i32,
}

/// The graded links the person already has a grade on.
async fn synced_links<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
) -> Result<Vec<(Uuid, String, String, i32)>, DbErr> {
    let sql = "SELECT l.id, l.link_id, l.title, l.platform_id \
               FROM grade_syncs s JOIN resource_links l ON l.id = s.resource_link_id \
               WHERE s.person_id = $1";
    let backend: DbBackend = db.get_database_backend();
    Ok(
        SyncedLink::find_by_statement(Statement::from_sql_and_values(
            backend,
            sql,
            [person_id.into()],
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|l| {
            (
                l.id,
                l.link_id,
                l.title.unwrap_or_else(|| "Carefolio".to_owned()),
                l.platform_id,
            )
        })
        .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_is_covered_out_of_total() {
        assert_eq!(
            Progress {
                covered: 1,
                total: 4
            }
            .share(),
            Some(0.25)
        );
        assert_eq!(
            Progress {
                covered: 0,
                total: 0
            }
            .share(),
            None
        );
        assert_eq!(
            Progress {
                covered: 3,
                total: 3
            }
            .share(),
            Some(1.0)
        );
    }
}
