//! Awarding and revoking badges. An award follows from accepted claims:
//! automatically when a decision completes a class's criteria, or by a
//! course's lead assessor. Revocation keeps the award with its reason
//! (verifiers must learn of it), and the gradebook no longer counts the
//! competences only it vouched for.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::classes::{self, BadgeClassView};
use super::BadgeError;
use crate::entities::{badge_award, badge_class, claim, competence, evidence_item, membership};
use crate::identity::PersonId;
use crate::util::now_ms;

/// Competences `person` has accepted claims on, with the highest level
/// accepted (0 for a claim without a level).
async fn accepted_levels<C: ConnectionTrait>(
    db: &C,
    person: Uuid,
) -> Result<HashMap<Uuid, i32>, sea_orm::DbErr> {
    let mut levels: HashMap<Uuid, i32> = HashMap::new();
    for row in claim::Entity::find()
        .filter(claim::Column::OwnerId.eq(person))
        .filter(claim::Column::Status.eq("accepted"))
        .all(db)
        .await?
    {
        let level = row.level.unwrap_or(0);
        let entry = levels.entry(row.competence_id).or_insert(level);
        *entry = (*entry).max(level);
    }
    Ok(levels)
}

/// Whether `person`'s accepted claims meet `class`'s criteria.
async fn fulfilled<C: ConnectionTrait>(
    db: &C,
    class: &badge_class::Model,
    accepted: &HashMap<Uuid, i32>,
) -> Result<bool, sea_orm::DbErr> {
    let counted = classes::competences_of(db, class).await?;
    let wanted = class.level.unwrap_or(0);
    let met = counted
        .iter()
        .filter(|c| accepted.get(c).is_some_and(|level| *level >= wanted))
        .count();
    let required = match class.rule.as_str() {
        "n_of" => usize::try_from(class.required.unwrap_or(1)).unwrap_or(1),
        _ => counted.len(),
    };
    Ok(!counted.is_empty() && met >= required)
}

/// The classes whose criteria count `competence`: on it, or on one of the
/// items above it.
async fn classes_counting<C: ConnectionTrait>(
    db: &C,
    competence_id: Uuid,
) -> Result<Vec<badge_class::Model>, sea_orm::DbErr> {
    let mut nodes = Vec::new();
    let mut next = Some(competence_id);
    while let Some(id) = next {
        if nodes.contains(&id) || nodes.len() > crate::frameworks::model::MAX_DEPTH + 1 {
            break;
        }
        nodes.push(id);
        next = competence::Entity::find_by_id(id)
            .one(db)
            .await?
            .and_then(|row| row.parent_id);
    }
    badge_class::Entity::find()
        .filter(badge_class::Column::NodeId.is_in(nodes))
        .filter(badge_class::Column::RetiredAt.is_null())
        .all(db)
        .await
}

async fn holds<C: ConnectionTrait>(
    db: &C,
    class: Uuid,
    person: Uuid,
) -> Result<bool, sea_orm::DbErr> {
    Ok(badge_award::Entity::find()
        .filter(badge_award::Column::BadgeClassId.eq(class))
        .filter(badge_award::Column::PersonId.eq(person))
        .filter(badge_award::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .is_some())
}

/// The next free place in the issuer's status list.
async fn next_status_index<C: ConnectionTrait>(db: &C) -> Result<i32, sea_orm::DbErr> {
    let last: Option<i32> = badge_award::Entity::find()
        .select_only()
        .column(badge_award::Column::StatusIndex)
        .order_by_desc(badge_award::Column::StatusIndex)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.map_or(0, |index| index + 1))
}

async fn insert_award<C: ConnectionTrait>(
    db: &C,
    class: Uuid,
    person: Uuid,
    course: Option<Uuid>,
    by: Option<PersonId>,
    now: i64,
) -> Result<Uuid, sea_orm::DbErr> {
    let id = Uuid::new_v4();
    badge_award::Entity::insert(badge_award::ActiveModel {
        id: Set(id),
        badge_class_id: Set(class),
        person_id: Set(person),
        context_id: Set(course),
        awarded_at: Set(now),
        awarded_by: Set(by.map(|p| p.0)),
        revoked_at: Set(None),
        revoked_by: Set(None),
        revocation_reason: Set(None),
        status_index: Set(next_status_index(db).await?),
        public: Set(false),
        shown_evidence: Set("[]".to_owned()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(id)
}

/// After a claim on `competence` was accepted: awards every class it
/// completes that `person` does not hold yet. Runs in the decision's
/// transaction; returns the new awards.
pub async fn after_acceptance<C: ConnectionTrait>(
    db: &C,
    person: Uuid,
    competence_id: Uuid,
    course: Uuid,
    now: i64,
) -> Result<Vec<Uuid>, sea_orm::DbErr> {
    let candidates = classes_counting(db, competence_id).await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let accepted = accepted_levels(db, person).await?;
    let mut awarded = Vec::new();
    for class in candidates {
        if !holds(db, class.id, person).await? && fulfilled(db, &class, &accepted).await? {
            awarded.push(insert_award(db, class.id, person, Some(course), None, now).await?);
        }
    }
    Ok(awarded)
}

/// A course's lead assessor awards a class to a learner of the course,
/// whatever the claims say (for evidence assessed outside Carefolio).
pub async fn award_by_lead<C: ConnectionTrait>(
    db: &C,
    lead: PersonId,
    course: Uuid,
    class: Uuid,
    person: Uuid,
) -> Result<AwardView, BadgeError> {
    let capability = crate::assessment::course::assessing(db, lead, course)
        .await?
        .filter(|c| c.lead)
        .ok_or(BadgeError::NotAllowed(
            "only the course's lead assessor awards badges by hand",
        ))?;
    if person == lead.0 {
        return Err(BadgeError::NotAllowed(
            "no one awards a badge to themselves",
        ));
    }
    let member = membership::Entity::find_by_id((person, capability.course))
        .one(db)
        .await?
        .is_some();
    if !member {
        return Err(BadgeError::invalid(
            "person_id",
            "not a member of this course",
        ));
    }
    let row = badge_class::Entity::find_by_id(class)
        .one(db)
        .await?
        .filter(|c| c.retired_at.is_none())
        .ok_or_else(|| BadgeError::invalid("badge_class_id", "no such badge"))?;
    if holds(db, row.id, person).await? {
        return Err(BadgeError::Conflict(
            "the learner holds this badge already".into(),
        ));
    }
    let now = now_ms();
    let id = insert_award(db, row.id, person, Some(course), Some(lead), now).await?;
    crate::grades::after_claim_change(db, person, now).await?;
    award(db, id).await
}

/// The most learners one batch awards to: a large provider's end of term.
pub const MAX_BATCH: usize = 10_000;

/// Rows per statement when a batch writes: well inside SQLite's and
/// PostgreSQL's limits on bound parameters.
const ROWS_PER_INSERT: usize = 1_000;

/// What a batch award did, learner by learner.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct BatchOutcome {
    /// The new awards.
    pub awarded: Vec<BatchAward>,
    /// Learners who hold this badge already: left as they were.
    pub already_held: Vec<Uuid>,
    /// People who are not members of the course (or the lead themself):
    /// nothing awarded.
    pub refused: Vec<Uuid>,
    /// Score messages queued for the LMS gradebook.
    pub grades_queued: usize,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchAward {
    pub person_id: Uuid,
    pub award_id: Uuid,
}

/// A course's lead assessor awards a class to many learners of the course
/// at once (a provider's end of term), in one transaction: every award and
/// every score message it queues, or none.
pub async fn award_batch<C: ConnectionTrait>(
    db: &C,
    lead: PersonId,
    course: Uuid,
    class: Uuid,
    people: &[Uuid],
) -> Result<BatchOutcome, BadgeError> {
    let capability = crate::assessment::course::assessing(db, lead, course)
        .await?
        .filter(|c| c.lead)
        .ok_or(BadgeError::NotAllowed(
            "only the course's lead assessor awards badges by hand",
        ))?;
    if people.is_empty() || people.len() > MAX_BATCH {
        return Err(BadgeError::invalid(
            "person_ids",
            format!("name between 1 and {MAX_BATCH} learners"),
        ));
    }
    let row = badge_class::Entity::find_by_id(class)
        .one(db)
        .await?
        .filter(|c| c.retired_at.is_none())
        .ok_or_else(|| BadgeError::invalid("badge_class_id", "no such badge"))?;
    let mut wanted: Vec<Uuid> = Vec::with_capacity(people.len());
    let mut seen = HashSet::with_capacity(people.len());
    for person in people {
        if seen.insert(*person) {
            wanted.push(*person);
        }
    }
    let mut members = HashSet::with_capacity(wanted.len());
    let mut holders = HashSet::new();
    for chunk in wanted.chunks(ROWS_PER_INSERT) {
        let found: Vec<Uuid> = membership::Entity::find()
            .select_only()
            .column(membership::Column::PersonId)
            .filter(membership::Column::ContextId.eq(capability.course))
            .filter(membership::Column::PersonId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        members.extend(found);
        let held: Vec<Uuid> = badge_award::Entity::find()
            .select_only()
            .column(badge_award::Column::PersonId)
            .filter(badge_award::Column::BadgeClassId.eq(row.id))
            .filter(badge_award::Column::RevokedAt.is_null())
            .filter(badge_award::Column::PersonId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        holders.extend(held);
    }
    let mut outcome = BatchOutcome::default();
    let now = now_ms();
    let mut next_index = next_status_index(db).await?;
    let mut rows = Vec::new();
    for person in wanted {
        if person == lead.0 || !members.contains(&person) {
            outcome.refused.push(person);
        } else if holders.contains(&person) {
            outcome.already_held.push(person);
        } else {
            let id = Uuid::new_v4();
            rows.push(badge_award::ActiveModel {
                id: Set(id),
                badge_class_id: Set(row.id),
                person_id: Set(person),
                context_id: Set(Some(course)),
                awarded_at: Set(now),
                awarded_by: Set(Some(lead.0)),
                revoked_at: Set(None),
                revoked_by: Set(None),
                revocation_reason: Set(None),
                status_index: Set(next_index),
                public: Set(false),
                shown_evidence: Set("[]".to_owned()),
            });
            next_index += 1;
            outcome.awarded.push(BatchAward {
                person_id: person,
                award_id: id,
            });
        }
    }
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(ROWS_PER_INSERT));
        badge_award::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
        rows = rest;
    }
    let awarded: Vec<Uuid> = outcome.awarded.iter().map(|a| a.person_id).collect();
    outcome.grades_queued = crate::grades::after_claim_changes(db, &awarded, now).await?;
    Ok(outcome)
}

/// Who revokes.
#[derive(Debug, Clone, Copy)]
pub enum Revoker {
    /// The lead assessor of the course the award was made in.
    Lead(PersonId),
    /// An administrator (the administrators' API).
    Administrator,
}

pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    by: Revoker,
    id: Uuid,
    reason: &str,
) -> Result<AwardView, BadgeError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > crate::assessment::MAX_TEXT {
        return Err(BadgeError::invalid(
            "reason",
            "say why the badge is revoked (the learner and verifiers see it)",
        ));
    }
    let row = badge_award::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(BadgeError::NotFound)?;
    let revoker = match by {
        Revoker::Administrator => None,
        Revoker::Lead(person) => {
            let course = row.context_id.ok_or(BadgeError::NotFound)?;
            crate::assessment::course::assessing(db, person, course)
                .await?
                .filter(|c| c.lead)
                // Someone else's award in another course is not there for them.
                .ok_or(BadgeError::NotFound)?;
            Some(person.0)
        }
    };
    if row.revoked_at.is_some() {
        return Err(BadgeError::Conflict("this badge is revoked already".into()));
    }
    let now = now_ms();
    badge_award::Entity::update(badge_award::ActiveModel {
        id: Set(id),
        revoked_at: Set(Some(now)),
        revoked_by: Set(revoker),
        revocation_reason: Set(Some(reason.to_owned())),
        ..Default::default()
    })
    .exec(db)
    .await?;
    crate::grades::after_claim_change(db, row.person_id, now).await?;
    award(db, id).await
}

/// What a person's badges say about their competences, for the gradebook.
#[derive(Debug, Default)]
pub struct Coverage {
    /// Vouched for by a badge they hold (a `competence` or `all` class: an
    /// award by hand certifies what it names).
    pub vouched: HashSet<Uuid>,
    /// Taken back: only revoked badges vouched for them.
    pub withdrawn: HashSet<Uuid>,
}

pub async fn coverage<C: ConnectionTrait>(
    db: &C,
    person: Uuid,
) -> Result<Coverage, sea_orm::DbErr> {
    coverage_with(db, person, &mut HashMap::new()).await
}

/// [`coverage`], with the competences of classes already read.
pub async fn coverage_with<C: ConnectionTrait>(
    db: &C,
    person: Uuid,
    class_competences: &mut HashMap<Uuid, Vec<Uuid>>,
) -> Result<Coverage, sea_orm::DbErr> {
    Ok(coverages(db, &[person], class_competences)
        .await?
        .remove(&person)
        .unwrap_or_default())
}

/// The coverage of each of `people` (those without badges are left out),
/// in two reads whatever their number, with the competences of classes
/// already read taken from `class_competences`.
pub async fn coverages<C: ConnectionTrait>(
    db: &C,
    people: &[Uuid],
    class_competences: &mut HashMap<Uuid, Vec<Uuid>>,
) -> Result<HashMap<Uuid, Coverage>, sea_orm::DbErr> {
    let awards = badge_award::Entity::find()
        .filter(badge_award::Column::PersonId.is_in(people.iter().copied()))
        .all(db)
        .await?;
    if awards.is_empty() {
        return Ok(HashMap::new());
    }
    let class_ids: HashSet<Uuid> = awards.iter().map(|a| a.badge_class_id).collect();
    let classes_by_id: HashMap<Uuid, badge_class::Model> = badge_class::Entity::find()
        .filter(badge_class::Column::Id.is_in(class_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut by_person: HashMap<Uuid, Vec<badge_award::Model>> = HashMap::new();
    for award in awards {
        by_person.entry(award.person_id).or_default().push(award);
    }
    let mut out = HashMap::with_capacity(by_person.len());
    for (person, awards) in by_person {
        out.insert(
            person,
            coverage_of(db, awards, &classes_by_id, class_competences).await?,
        );
    }
    Ok(out)
}

async fn coverage_of<C: ConnectionTrait>(
    db: &C,
    awards: Vec<badge_award::Model>,
    classes_by_id: &HashMap<Uuid, badge_class::Model>,
    class_competences: &mut HashMap<Uuid, Vec<Uuid>>,
) -> Result<Coverage, sea_orm::DbErr> {
    let mut revoked = HashSet::new();
    let mut active = HashSet::new();
    for award in awards {
        let Some(class) = classes_by_id.get(&award.badge_class_id) else {
            continue;
        };
        // N of M names no competence in particular.
        if class.rule == "n_of" {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(entry) = class_competences.entry(class.id)
        {
            entry.insert(classes::competences_of(db, class).await?);
        }
        let counted = class_competences[&class.id].clone();
        if award.revoked_at.is_some() {
            revoked.extend(counted);
        } else {
            active.extend(counted);
        }
    }
    Ok(Coverage {
        withdrawn: revoked.difference(&active).copied().collect(),
        vouched: active,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AwardView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub badge: BadgeClassView,
    pub awarded_at: i64,
    /// False: awarded automatically when a decision completed the criteria.
    pub by_hand: bool,
    pub revoked_at: Option<i64>,
    pub revocation_reason: Option<String>,
    /// The learner shows it publicly; private by default.
    pub public: bool,
    /// The evidence items it shows, in order.
    pub shown_evidence: Vec<Uuid>,
}

pub async fn award<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<AwardView, BadgeError> {
    let row = badge_award::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(BadgeError::NotFound)?;
    views(db, vec![row])
        .await?
        .pop()
        .ok_or(BadgeError::NotFound)
}

/// A person's badges, newest first, revoked ones included.
pub async fn of_person<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
) -> Result<Vec<AwardView>, BadgeError> {
    let rows = badge_award::Entity::find()
        .filter(badge_award::Column::PersonId.eq(person.0))
        .order_by_desc(badge_award::Column::AwardedAt)
        .all(db)
        .await?;
    views(db, rows).await
}

async fn views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<badge_award::Model>,
) -> Result<Vec<AwardView>, BadgeError> {
    let class_ids: HashSet<Uuid> = rows.iter().map(|r| r.badge_class_id).collect();
    let class_rows = badge_class::Entity::find()
        .filter(badge_class::Column::Id.is_in(class_ids))
        .all(db)
        .await?;
    let badges: HashMap<Uuid, BadgeClassView> = classes::views(db, class_rows)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(AwardView {
                badge: badges.get(&row.badge_class_id)?.clone(),
                id: row.id,
                person_id: row.person_id,
                awarded_at: row.awarded_at,
                by_hand: row.awarded_by.is_some(),
                revoked_at: row.revoked_at,
                revocation_reason: row.revocation_reason,
                public: row.public,
                shown_evidence: serde_json::from_str(&row.shown_evidence).unwrap_or_default(),
            })
        })
        .collect())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AwardChange {
    /// Shown on the public verification page and hosted for verifiers, or private.
    pub public: Option<bool>,
    /// The evidence items the badge shows with it, in order; never an
    /// item that describes a care recipient.
    pub shown_evidence: Option<Vec<Uuid>>,
}

/// The most evidence items one badge shows.
pub const MAX_SHOWN: usize = 20;

/// The learner makes their award public or private, and chooses the
/// evidence it shows.
/// One of `owner`'s awards; another person's answers NotFound, like one
/// that does not exist.
pub async fn own<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    id: Uuid,
) -> Result<badge_award::Model, BadgeError> {
    badge_award::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|row| row.person_id == owner.0)
        .ok_or(BadgeError::NotFound)
}

pub async fn change<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    id: Uuid,
    change: AwardChange,
) -> Result<AwardView, BadgeError> {
    let row = own(db, owner, id).await?;
    let mut update = badge_award::ActiveModel {
        id: Set(row.id),
        ..Default::default()
    };
    if let Some(public) = change.public {
        update.public = Set(public);
    }
    if let Some(items) = change.shown_evidence {
        update.shown_evidence = Set(serde_json::to_string(&showable(db, owner, &items).await?)
            .unwrap_or_else(|_| "[]".into()));
    }
    badge_award::Entity::update(update).exec(db).await?;
    award(db, id).await
}

/// The owner's own, live items among `items`, none describing a care
/// recipient; refused with the field named otherwise.
async fn showable<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    items: &[Uuid],
) -> Result<Vec<Uuid>, BadgeError> {
    if items.len() > MAX_SHOWN {
        return Err(BadgeError::invalid(
            "shown_evidence",
            format!("at most {MAX_SHOWN} items"),
        ));
    }
    let mut seen = HashSet::new();
    let items: Vec<Uuid> = items.iter().copied().filter(|i| seen.insert(*i)).collect();
    let rows: HashMap<Uuid, evidence_item::Model> = evidence_item::Entity::find()
        .filter(evidence_item::Column::Id.is_in(items.iter().copied()))
        .filter(evidence_item::Column::OwnerId.eq(owner.0))
        .filter(evidence_item::Column::DeletedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    for item in &items {
        match rows.get(item) {
            None => {
                return Err(BadgeError::invalid(
                    "shown_evidence",
                    format!("{item} is not an item of yours"),
                ))
            }
            Some(row) if row.describes_care_recipient => {
                return Err(BadgeError::invalid(
                    "shown_evidence",
                    "an item that describes a person you care for is never shown publicly",
                ))
            }
            Some(_) => {}
        }
    }
    Ok(items)
}

/// The evidence a public award shows, as the public may read it: items
/// that still exist and (checked again) describe no care recipient.
pub async fn shown_evidence<C: ConnectionTrait>(
    db: &C,
    award: &badge_award::Model,
) -> Result<Vec<crate::portfolio::evidence::EvidenceView>, BadgeError> {
    let ids: Vec<Uuid> = serde_json::from_str(&award.shown_evidence).unwrap_or_default();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let views = crate::portfolio::evidence::load_many(db, &ids)
        .await
        .map_err(|e| match e {
            crate::portfolio::evidence::EvidenceError::Database(e) => BadgeError::Database(e),
            _ => BadgeError::NotFound,
        })?;
    Ok(views
        .into_iter()
        .filter(|v| !v.describes_care_recipient)
        .collect())
}
