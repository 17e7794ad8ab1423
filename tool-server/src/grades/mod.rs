//! Grades: what Carefolio tells an LMS gradebook about a learner, and when.
//!
//! The rule lives in [`standing`]: by default a learner's grade on a link is
//! the share of the link's competences whose claims assessors accepted,
//! pending while claims wait for review; a course may instead keep the
//! activity rule ([`progress`]: the share of the link's competences with
//! recorded activity). A changed grade is queued in the outbox in the same
//! transaction as the launch or decision that changed it; `delivery` sends
//! it with Assignment and Grade Services 2.0.

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

use crate::assessment::course::GradingRule;
use crate::entities::{
    claim, competence_activity, grade_link, grade_sync, resource_link, resource_link_competence,
};
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
    /// AGS `activityProgress`; derived from `progress` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_progress: Option<String>,
    /// AGS `gradingProgress`; `FullyGraded` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grading_progress: Option<String>,
}

/// Where a learner stands on a link, as the gradebook is told.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standing {
    /// 0..1.
    pub share: f64,
    /// AGS `activityProgress`.
    pub activity: &'static str,
    /// AGS `gradingProgress`: `PendingManual` while claims wait for review.
    pub grading: &'static str,
}

impl Standing {
    fn from_activity(share: f64) -> Standing {
        Standing {
            share,
            activity: if share >= 1.0 {
                "Completed"
            } else if share > 0.0 {
                "InProgress"
            } else {
                "Initialized"
            },
            grading: "FullyGraded",
        }
    }

    /// Kept beside the share, to tell a changed standing from the last one sent.
    fn key(self) -> String {
        format!("{}/{}", self.activity, self.grading)
    }
}

/// THE grading rule: the course's choice between accepted claims (the
/// default) and recorded activity. `None` for a link without competences.
pub async fn standing<C: ConnectionTrait>(
    db: &C,
    resource_link_id: Uuid,
    person_id: Uuid,
) -> Result<Option<Standing>, DbErr> {
    standing_with(db, resource_link_id, person_id, &mut Memo::default()).await
}

/// What the standings of many learners share, read once per batch: each
/// link's course, rule and competences, each badge class's competences.
#[derive(Default)]
pub struct Memo {
    links: HashMap<Uuid, (Option<Uuid>, GradingRule, Vec<Uuid>)>,
    pub class_competences: HashMap<Uuid, Vec<Uuid>>,
}

async fn standing_with<C: ConnectionTrait>(
    db: &C,
    resource_link_id: Uuid,
    person_id: Uuid,
    memo: &mut Memo,
) -> Result<Option<Standing>, DbErr> {
    let (course, rule, competences) = match memo.links.get(&resource_link_id) {
        Some(known) => known.clone(),
        None => {
            let known = link_facts(db, resource_link_id).await?;
            memo.links.insert(resource_link_id, known.clone());
            known
        }
    };
    match (rule, course) {
        (GradingRule::Claims, Some(course)) => {
            claims_standing(db, &competences, course, person_id, memo).await
        }
        _ => Ok(progress(db, resource_link_id, person_id)
            .await?
            .share()
            .map(Standing::from_activity)),
    }
}

/// A link's course, the course's grading rule, and the link's competences.
async fn link_facts<C: ConnectionTrait>(
    db: &C,
    resource_link_id: Uuid,
) -> Result<(Option<Uuid>, GradingRule, Vec<Uuid>), DbErr> {
    let course = resource_link::Entity::find_by_id(resource_link_id)
        .one(db)
        .await?
        .and_then(|link| link.context_id);
    let rule = match course {
        Some(course) => {
            crate::assessment::course::settings(db, course)
                .await?
                .grading_rule
        }
        None => GradingRule::Activity,
    };
    let competences: Vec<Uuid> = resource_link_competence::Entity::find()
        .filter(resource_link_competence::Column::ResourceLinkId.eq(resource_link_id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.competence_id)
        .collect();
    Ok((course, rule, competences))
}

/// The share of the link's competences with an accepted claim in its
/// course; `PendingManual` while any of them waits for assessors;
/// `Completed` once every one is decided.
async fn claims_standing<C: ConnectionTrait>(
    db: &C,
    competences: &[Uuid],
    course: Uuid,
    person_id: Uuid,
    memo: &mut Memo,
) -> Result<Option<Standing>, DbErr> {
    if competences.is_empty() {
        return Ok(None);
    }
    let claims = claim::Entity::find()
        .filter(claim::Column::OwnerId.eq(person_id))
        .filter(claim::Column::ContextId.eq(course))
        .filter(claim::Column::CompetenceId.is_in(competences.iter().copied()))
        .filter(claim::Column::Status.is_not_in(["draft", "withdrawn"]))
        .all(db)
        .await?;
    let badges =
        crate::badges::awards::coverage_with(db, person_id, &mut memo.class_competences).await?;
    Ok(Some(standing_from(competences, &claims, &badges)))
}

/// The standing on a link's `competences` given the learner's claims on
/// them in the link's course (drafts and withdrawn ones left out) and
/// what their badges vouch for: a badge held vouches for its competences;
/// a revoked one takes back those only it vouched for.
fn standing_from(
    competences: &[Uuid],
    claims: &[claim::Model],
    badges: &crate::badges::awards::Coverage,
) -> Standing {
    let with = |competence: &Uuid, statuses: &[&str]| {
        claims.iter().any(|c| {
            c.competence_id == *competence
                && statuses.contains(&c.status.as_str())
                && !(c.status == "accepted" && badges.withdrawn.contains(competence))
        })
    };
    let achieved =
        |competence: &Uuid| badges.vouched.contains(competence) || with(competence, &["accepted"]);
    let accepted = competences.iter().filter(|c| achieved(c)).count();
    let pending = competences
        .iter()
        .any(|c| !achieved(c) && with(c, &["submitted", "in_review"]));
    let decided = competences
        .iter()
        .all(|c| achieved(c) || with(c, &["not_yet_competent"]));
    let share = accepted as f64 / competences.len() as f64;
    Standing {
        share,
        activity: if claims.is_empty() && accepted == 0 {
            "Initialized"
        } else if decided {
            "Completed"
        } else {
            "InProgress"
        },
        grading: if pending {
            "PendingManual"
        } else {
            "FullyGraded"
        },
    }
}

/// A graded link of the learner's, as the outbox needs it.
struct GradedLink {
    id: Uuid,
    lti_link_id: String,
    label: String,
    platform_id: i32,
}

/// Queues the learner's standing on `link` when it differs from the last
/// one queued; returns whether it did.
async fn queue_standing<C: ConnectionTrait>(
    db: &C,
    link: &GradedLink,
    person_id: Uuid,
    subject: Option<&str>,
    now: i64,
    memo: &mut Memo,
) -> Result<bool, DbErr> {
    let Some(standing) = standing_with(db, link.id, person_id, memo).await? else {
        return Ok(false);
    };
    let previous = grade_sync::Entity::find_by_id((link.id, person_id))
        .one(db)
        .await?;
    record_standing(db, link, person_id, &standing, previous, subject, now).await
}

/// Stores `standing` and queues its score message, unless it is the
/// standing last sent (`previous`).
async fn record_standing<C: ConnectionTrait>(
    db: &C,
    link: &GradedLink,
    person_id: Uuid,
    standing: &Standing,
    previous: Option<grade_sync::Model>,
    subject: Option<&str>,
    now: i64,
) -> Result<bool, DbErr> {
    if previous.as_ref().is_some_and(|p| {
        (p.progress - standing.share).abs() < 1e-9
            && p.standing
                .as_deref()
                .is_none_or(|key| key == standing.key())
    }) {
        return Ok(false);
    }
    let Some(user_id) = previous
        .map(|p| p.user_id)
        .or_else(|| subject.map(str::to_owned))
    else {
        return Ok(false);
    };
    grade_sync::Entity::insert(grade_sync::ActiveModel {
        resource_link_id: Set(link.id),
        person_id: Set(person_id),
        user_id: Set(user_id.clone()),
        progress: Set(standing.share),
        standing: Set(Some(standing.key())),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            grade_sync::Column::ResourceLinkId,
            grade_sync::Column::PersonId,
        ])
        .update_columns([
            grade_sync::Column::Progress,
            grade_sync::Column::Standing,
            grade_sync::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let message = ScoreMessage {
        resource_link_id: link.id,
        lti_link_id: link.lti_link_id.clone(),
        label: link.label.clone(),
        user_id,
        progress: standing.share,
        activity_progress: Some(standing.activity.to_owned()),
        grading_progress: Some(standing.grading.to_owned()),
    };
    outbox::enqueue(
        db,
        NewMessage {
            kind: OUTBOX_KIND,
            dedupe_key: format!("{OUTBOX_KIND}:{}:{person_id}", link.id),
            platform_id: link.platform_id,
            payload: serde_json::to_string(&message).unwrap_or_default(),
        },
    )
    .await?;
    Ok(true)
}

/// Queues the changed grades of many learners at once (a batch award).
pub async fn after_claim_changes<C: ConnectionTrait>(
    db: &C,
    people: &[Uuid],
    now: i64,
) -> Result<usize, DbErr> {
    let mut queued = 0;
    let mut memo = Memo::default();
    for chunk in people.chunks(500) {
        // What every learner's standing needs, read for the whole chunk:
        // their graded links with the grade last sent, their claims and
        // their badges.
        let synced = grade_sync::Entity::find()
            .filter(grade_sync::Column::PersonId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        if synced.is_empty() {
            continue;
        }
        let link_ids: std::collections::HashSet<Uuid> =
            synced.iter().map(|s| s.resource_link_id).collect();
        let links: HashMap<Uuid, resource_link::Model> = resource_link::Entity::find()
            .filter(resource_link::Column::Id.is_in(link_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect();
        let mut claims: HashMap<Uuid, Vec<claim::Model>> = HashMap::new();
        for row in claim::Entity::find()
            .filter(claim::Column::OwnerId.is_in(chunk.iter().copied()))
            .filter(claim::Column::Status.is_not_in(["draft", "withdrawn"]))
            .all(db)
            .await?
        {
            claims.entry(row.owner_id).or_default().push(row);
        }
        let coverages =
            crate::badges::awards::coverages(db, chunk, &mut memo.class_competences).await?;
        let none = crate::badges::awards::Coverage::default();
        for previous in synced {
            let Some(link) = links.get(&previous.resource_link_id) else {
                continue;
            };
            let person = previous.person_id;
            let graded = GradedLink {
                id: link.id,
                lti_link_id: link.link_id.clone(),
                label: link.title.clone().unwrap_or_else(|| "Carefolio".to_owned()),
                platform_id: link.platform_id,
            };
            let (course, rule, competences) = match memo.links.get(&link.id) {
                Some(known) => known.clone(),
                None => {
                    let known = link_facts(db, link.id).await?;
                    memo.links.insert(link.id, known.clone());
                    known
                }
            };
            let standing = match (rule, course) {
                (GradingRule::Claims, Some(course)) if !competences.is_empty() => {
                    let theirs: Vec<claim::Model> = claims
                        .get(&person)
                        .map(|list| {
                            list.iter()
                                .filter(|c| {
                                    c.context_id == course && competences.contains(&c.competence_id)
                                })
                                .cloned()
                                .collect()
                        })
                        .unwrap_or_default();
                    standing_from(
                        &competences,
                        &theirs,
                        coverages.get(&person).unwrap_or(&none),
                    )
                }
                // The activity rule, or a link without competences: as one by one.
                _ => match standing_with(db, link.id, person, &mut memo).await? {
                    Some(standing) => standing,
                    None => continue,
                },
            };
            if record_standing(db, &graded, person, &standing, Some(previous), None, now).await? {
                queued += 1;
            }
        }
    }
    Ok(queued)
}

/// Queues the learner's changed grades on every graded link of theirs,
/// after a claim of theirs was submitted, withdrawn or decided (or a badge
/// awarded or revoked): in the transaction that made the change.
pub async fn after_claim_change<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    now: i64,
) -> Result<usize, DbErr> {
    let mut queued = 0;
    for link in synced_links(db, person_id).await? {
        if queue_standing(db, &link, person_id, None, now, &mut Memo::default()).await? {
            queued += 1;
        }
    }
    Ok(queued)
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
    let mut links: Vec<GradedLink> = Vec::new();
    if graded_here {
        links.push(GradedLink {
            id: facts.resource_link_id,
            lti_link_id: facts.lti_link_id.to_owned(),
            label: facts.link_title.unwrap_or("Carefolio").to_owned(),
            platform_id: facts.platform_id,
        });
    }
    if facts.newly_active > 0 {
        for other in synced_links(db, facts.person_id).await? {
            if !links.iter().any(|l| l.id == other.id) {
                links.push(other);
            }
        }
    }
    let mut queued = 0;
    for link in &links {
        if queue_standing(
            db,
            link,
            facts.person_id,
            Some(facts.subject),
            now,
            &mut Memo::default(),
        )
        .await?
        {
            queued += 1;
        }
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
) -> Result<Vec<GradedLink>, DbErr> {
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
        .map(|l| GradedLink {
            id: l.id,
            lti_link_id: l.link_id,
            label: l.title.unwrap_or_else(|| "Carefolio".to_owned()),
            platform_id: l.platform_id,
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
