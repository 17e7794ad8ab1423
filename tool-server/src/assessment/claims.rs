//! A learner's claims: a competence (at a level), a statement and the
//! evidence for it. Each submission is a round whose statement and
//! evidence versions never change again; answering "more evidence needed"
//! starts the next round and keeps the earlier ones.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{bounded_text, AssessmentError, Outcome, Status, MAX_EVIDENCE};
use crate::entities::{
    claim, claim_evidence, claim_round, competence, decision, evidence_item, evidence_version,
    framework,
};
use crate::frameworks::LanguageMap;
use crate::identity::PersonId;
use crate::portfolio::session::LaunchSession;
use crate::util::now_ms;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ClaimDraft {
    pub competence_id: Uuid,
    /// 1-based position on the competence's scale, where it has one.
    pub level: Option<i32>,
    #[serde(default)]
    pub statement: String,
    /// Evidence items of the learner, in the order to show them.
    #[serde(default)]
    pub evidence: Vec<Uuid>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ClaimChange {
    pub level: Option<i32>,
    pub statement: Option<String>,
    pub evidence: Option<Vec<Uuid>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClaimCompetence {
    pub id: Uuid,
    pub framework_key: String,
    pub code: String,
    pub title: LanguageMap,
    /// The IRI the framework gives it (CASE URI or Carefolio's own).
    pub iri: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CitedItem {
    pub item_id: Uuid,
    /// The version the round was submitted with.
    pub version: i32,
    pub title: String,
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemFeedback {
    pub item_id: Uuid,
    pub feedback: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: Uuid,
    pub assessor_id: Uuid,
    pub assessor_name: String,
    pub outcome: Outcome,
    pub feedback: String,
    pub item_feedback: Vec<ItemFeedback>,
    /// The lead assessor's decision over disagreeing ones.
    pub reconciles: bool,
    pub reason: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundView {
    pub round: i32,
    pub statement: String,
    /// None while the learner is still preparing it.
    pub submitted_at: Option<i64>,
    pub evidence: Vec<CitedItem>,
    pub decisions: Vec<DecisionView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClaimView {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub course_id: Uuid,
    pub status: Status,
    pub competence: ClaimCompetence,
    pub level: Option<i32>,
    pub level_title: Option<LanguageMap>,
    /// The latest round.
    pub round: i32,
    /// Decisions disagree and wait for the lead assessor.
    pub awaiting_lead: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    pub decided_at: Option<i64>,
    /// Oldest first.
    pub rounds: Vec<RoundView>,
}

/// Which decisions a reader sees.
#[derive(Debug, Clone, Copy)]
pub enum DecisionsShown {
    /// The learner: decisions of rounds that are decided.
    Owner,
    /// An assessor: earlier rounds, and the current one once they have
    /// decided it (or as lead, when decisions wait for them).
    Assessor { person: PersonId, lead: bool },
}

pub(super) async fn competence_of<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<(competence::Model, String)>, sea_orm::DbErr> {
    let Some(row) = competence::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let key =
        crate::frameworks::store::headers(db, Some(framework::Column::Id.eq(row.framework_id)))
            .await?
            .into_iter()
            .next()
            .map(|f| f.key)
            .unwrap_or_default();
    Ok(Some((row, key)))
}

/// Competences by id with their framework's key, in two queries.
pub(super) async fn competences_of<C: ConnectionTrait>(
    db: &C,
    ids: HashSet<Uuid>,
) -> Result<HashMap<Uuid, (competence::Model, String)>, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = competence::Entity::find()
        .filter(competence::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let framework_ids: HashSet<Uuid> = rows.iter().map(|r| r.framework_id).collect();
    let keys: HashMap<Uuid, String> =
        crate::frameworks::store::headers(db, Some(framework::Column::Id.is_in(framework_ids)))
            .await?
            .into_iter()
            .map(|f| (f.id, f.key))
            .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let key = keys.get(&row.framework_id).cloned().unwrap_or_default();
            (row.id, (row, key))
        })
        .collect())
}

/// Checks a level against the competence's scale; `None` is always allowed
/// (a claim without a level, or a competence without levels).
async fn check_level<C: ConnectionTrait>(
    db: &C,
    row: &competence::Model,
    level: Option<i32>,
) -> Result<Option<LanguageMap>, AssessmentError> {
    let scales = crate::portfolio::evidence::scales_of(db, std::iter::once(row)).await?;
    match (level, scales.get(&row.id)) {
        (None, _) => Ok(None),
        (Some(level), Some(scale)) => {
            let index = usize::try_from(level - 1).ok();
            match index.and_then(|i| scale.levels.get(i)) {
                Some(found) => Ok(Some(found.title.clone())),
                None => Err(AssessmentError::invalid(
                    "level",
                    format!("between 1 and {}", scale.levels.len()),
                )),
            }
        }
        (Some(_), None) => Err(AssessmentError::invalid(
            "level",
            "this competence has no levels",
        )),
    }
}

/// The learner's own, undeleted items among `ids`, pinned at their current
/// versions, in the order given.
async fn pin_evidence<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, i32)>, AssessmentError> {
    if ids.len() > MAX_EVIDENCE {
        return Err(AssessmentError::invalid(
            "evidence",
            format!("at most {MAX_EVIDENCE} items"),
        ));
    }
    let mut seen = HashSet::new();
    let ids: Vec<Uuid> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    let rows: HashMap<Uuid, evidence_item::Model> = evidence_item::Entity::find()
        .filter(evidence_item::Column::Id.is_in(ids.iter().copied()))
        .filter(evidence_item::Column::OwnerId.eq(owner.0))
        .filter(evidence_item::Column::DeletedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    ids.iter()
        .map(|id| {
            rows.get(id)
                .map(|row| (row.id, row.current_version))
                .ok_or_else(|| {
                    AssessmentError::invalid("evidence", format!("{id} is not an item of yours"))
                })
        })
        .collect()
}

async fn write_pins<C: ConnectionTrait>(
    db: &C,
    claim: Uuid,
    round: i32,
    pins: &[(Uuid, i32)],
) -> Result<(), sea_orm::DbErr> {
    claim_evidence::Entity::delete_many()
        .filter(claim_evidence::Column::ClaimId.eq(claim))
        .filter(claim_evidence::Column::Round.eq(round))
        .exec(db)
        .await?;
    if pins.is_empty() {
        return Ok(());
    }
    let rows =
        pins.iter()
            .enumerate()
            .map(|(position, (item, version))| claim_evidence::ActiveModel {
                claim_id: Set(claim),
                round: Set(round),
                item_id: Set(*item),
                item_version: Set(*version),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            });
    claim_evidence::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A new draft claim in the course of the learner's launch.
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    session: &LaunchSession,
    draft: ClaimDraft,
) -> Result<ClaimView, AssessmentError> {
    let course = crate::portfolio::access::course_of(db, session)
        .await?
        .ok_or(AssessmentError::NoCourse)?;
    let owner = session.person_id;
    let (row, _) = competence_of(db, draft.competence_id)
        .await?
        .filter(|(row, _)| row.retired_at.is_none())
        .ok_or_else(|| AssessmentError::invalid("competence_id", "no such competence"))?;
    check_level(db, &row, draft.level).await?;
    let statement = bounded_text("statement", &draft.statement)?;
    let pins = pin_evidence(db, owner, &draft.evidence).await?;
    // One open claim per competence and course: a second would split the
    // evidence and the assessors' attention.
    let open = claim::Entity::find()
        .filter(claim::Column::OwnerId.eq(owner.0))
        .filter(claim::Column::ContextId.eq(course))
        .filter(claim::Column::CompetenceId.eq(row.id))
        .filter(claim::Column::Status.is_in([
            Status::Draft.as_str(),
            Status::Submitted.as_str(),
            Status::InReview.as_str(),
            Status::MoreEvidenceNeeded.as_str(),
        ]))
        .one(db)
        .await?;
    if let Some(open) = open {
        return Err(AssessmentError::Conflict(format!(
            "you already have an open claim of {} in this course ({}); add to it or withdraw it first",
            row.code, open.id
        )));
    }
    let id = Uuid::new_v4();
    let now = now_ms();
    let txn = db.begin().await?;
    claim::Entity::insert(claim::ActiveModel {
        id: Set(id),
        owner_id: Set(owner.0),
        context_id: Set(course),
        resource_link_id: Set(Some(session.resource_link_id)),
        competence_id: Set(row.id),
        level: Set(draft.level),
        status: Set(Status::Draft.as_str().to_owned()),
        round: Set(1),
        awaiting_lead: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(None),
        decided_at: Set(None),
    })
    .exec_without_returning(&txn)
    .await?;
    claim_round::Entity::insert(claim_round::ActiveModel {
        claim_id: Set(id),
        round: Set(1),
        statement: Set(statement),
        submitted_at: Set(None),
    })
    .exec_without_returning(&txn)
    .await?;
    write_pins(&txn, id, 1, &pins).await?;
    txn.commit().await?;
    own(db, owner, id).await
}

async fn owned_row<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    id: Uuid,
) -> Result<claim::Model, AssessmentError> {
    claim::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|row| row.owner_id == owner.0)
        .ok_or(AssessmentError::NotFound)
}

fn status_of(row: &claim::Model) -> Status {
    Status::parse(&row.status).unwrap_or(Status::Draft)
}

/// The round the learner may still change: the latest, when it is not
/// submitted yet (a draft, or the answer to "more evidence needed").
async fn open_round<C: ConnectionTrait>(
    db: &C,
    row: &claim::Model,
) -> Result<claim_round::Model, AssessmentError> {
    let status = status_of(row);
    if !matches!(status, Status::Draft | Status::MoreEvidenceNeeded) {
        return Err(AssessmentError::Conflict(format!(
            "a {} claim cannot change; its submitted evidence is frozen",
            status.as_str().replace('_', " ")
        )));
    }
    let latest = claim_round::Entity::find_by_id((row.id, row.round))
        .one(db)
        .await?
        .ok_or(AssessmentError::NotFound)?;
    if latest.submitted_at.is_none() {
        return Ok(latest);
    }
    // "More evidence needed": the next round starts from the last one.
    let next = row.round + 1;
    let pins: Vec<claim_evidence::Model> = claim_evidence::Entity::find()
        .filter(claim_evidence::Column::ClaimId.eq(row.id))
        .filter(claim_evidence::Column::Round.eq(row.round))
        .order_by_asc(claim_evidence::Column::Position)
        .all(db)
        .await?;
    claim_round::Entity::insert(claim_round::ActiveModel {
        claim_id: Set(row.id),
        round: Set(next),
        statement: Set(latest.statement.clone()),
        submitted_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    let pins: Vec<(Uuid, i32)> = pins.iter().map(|p| (p.item_id, p.item_version)).collect();
    write_pins(db, row.id, next, &pins).await?;
    claim::Entity::update(claim::ActiveModel {
        id: Set(row.id),
        round: Set(next),
        updated_at: Set(now_ms()),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(claim_round::Model {
        claim_id: row.id,
        round: next,
        statement: latest.statement,
        submitted_at: None,
    })
}

/// Changes the round the learner is preparing.
pub async fn change<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: PersonId,
    id: Uuid,
    change: ClaimChange,
) -> Result<ClaimView, AssessmentError> {
    let txn = db.begin().await?;
    let row = owned_row(&txn, owner, id).await?;
    let round = open_round(&txn, &row).await?;
    if let Some(level) = change.level {
        if status_of(&row) != Status::Draft {
            return Err(AssessmentError::Conflict(
                "the level of a claim is fixed once submitted".into(),
            ));
        }
        let (competence, _) = competence_of(&txn, row.competence_id)
            .await?
            .ok_or(AssessmentError::NotFound)?;
        check_level(&txn, &competence, Some(level)).await?;
        claim::Entity::update(claim::ActiveModel {
            id: Set(id),
            level: Set(Some(level)),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
    }
    if let Some(statement) = change.statement {
        let statement = bounded_text("statement", &statement)?;
        claim_round::Entity::update(claim_round::ActiveModel {
            claim_id: Set(id),
            round: Set(round.round),
            statement: Set(statement),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
    }
    if let Some(evidence) = change.evidence {
        let pins = pin_evidence(&txn, owner, &evidence).await?;
        write_pins(&txn, id, round.round, &pins).await?;
    }
    claim::Entity::update(claim::ActiveModel {
        id: Set(id),
        updated_at: Set(now_ms()),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    txn.commit().await?;
    own(db, owner, id).await
}

/// Submits the round being prepared: its evidence is pinned at the
/// versions it has now, and assessors see it in their queue.
pub async fn submit<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: PersonId,
    id: Uuid,
) -> Result<ClaimView, AssessmentError> {
    let txn = db.begin().await?;
    let row = owned_row(&txn, owner, id).await?;
    let round = open_round(&txn, &row).await?;
    let cited: Vec<Uuid> = claim_evidence::Entity::find()
        .filter(claim_evidence::Column::ClaimId.eq(id))
        .filter(claim_evidence::Column::Round.eq(round.round))
        .order_by_asc(claim_evidence::Column::Position)
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| p.item_id)
        .collect();
    if cited.is_empty() {
        return Err(AssessmentError::invalid(
            "evidence",
            "a claim needs at least one evidence item",
        ));
    }
    if round.statement.is_empty() {
        return Err(AssessmentError::invalid(
            "statement",
            "say in a few words how the evidence shows the competence",
        ));
    }
    // Pinned now: later edits of an item make versions the claim never sees.
    let pins = pin_evidence(&txn, owner, &cited).await?;
    write_pins(&txn, id, round.round, &pins).await?;
    let now = now_ms();
    claim_round::Entity::update(claim_round::ActiveModel {
        claim_id: Set(id),
        round: Set(round.round),
        submitted_at: Set(Some(now)),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    claim::Entity::update(claim::ActiveModel {
        id: Set(id),
        status: Set(Status::Submitted.as_str().to_owned()),
        awaiting_lead: Set(false),
        submitted_at: Set(Some(now)),
        decided_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    crate::grades::after_claim_change(&txn, owner.0, now).await?;
    txn.commit().await?;
    own(db, owner, id).await
}

/// Withdraws a claim that no assessor has decided yet.
pub async fn withdraw<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    owner: PersonId,
    id: Uuid,
) -> Result<ClaimView, AssessmentError> {
    let txn = db.begin().await?;
    let row = owned_row(&txn, owner, id).await?;
    let status = status_of(&row);
    if !matches!(
        status,
        Status::Draft | Status::Submitted | Status::InReview | Status::MoreEvidenceNeeded
    ) {
        return Err(AssessmentError::Conflict(format!(
            "a {} claim can no longer be withdrawn",
            status.as_str().replace('_', " ")
        )));
    }
    claim::Entity::update(claim::ActiveModel {
        id: Set(id),
        status: Set(Status::Withdrawn.as_str().to_owned()),
        awaiting_lead: Set(false),
        updated_at: Set(now_ms()),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    crate::grades::after_claim_change(&txn, owner.0, now_ms()).await?;
    txn.commit().await?;
    own(db, owner, id).await
}

/// One of the learner's claims.
pub async fn own<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    id: Uuid,
) -> Result<ClaimView, AssessmentError> {
    let row = owned_row(db, owner, id).await?;
    Ok(views(db, vec![row], DecisionsShown::Owner).await?.remove(0))
}

/// The learner's claims, newest change first.
pub async fn list_own<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
) -> Result<Vec<ClaimView>, AssessmentError> {
    let rows = claim::Entity::find()
        .filter(claim::Column::OwnerId.eq(owner.0))
        .order_by_desc(claim::Column::UpdatedAt)
        .all(db)
        .await?;
    views(db, rows, DecisionsShown::Owner).await
}

/// Whether `reader` sees decision `row` of claim `claim`; `reader_decided`:
/// the reader has decided this round themselves.
fn shown(
    claim: &claim::Model,
    row: &decision::Model,
    reader: DecisionsShown,
    reader_decided: bool,
) -> bool {
    let status = status_of(claim);
    let current = row.round == claim.round;
    match reader {
        DecisionsShown::Owner => {
            !(current && (status.under_review() || status == Status::Withdrawn))
        }
        DecisionsShown::Assessor { lead, .. } => {
            !current || reader_decided || (lead && claim.awaiting_lead)
        }
    }
}

/// Claims as a reader sees them, in the order given.
pub async fn views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<claim::Model>,
    reader: DecisionsShown,
) -> Result<Vec<ClaimView>, AssessmentError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut rounds: HashMap<Uuid, Vec<claim_round::Model>> = HashMap::new();
    let mut pins: HashMap<(Uuid, i32), Vec<claim_evidence::Model>> = HashMap::new();
    let mut decisions: HashMap<(Uuid, i32), Vec<decision::Model>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for row in claim_round::Entity::find()
            .filter(claim_round::Column::ClaimId.is_in(chunk.iter().copied()))
            .order_by_asc(claim_round::Column::Round)
            .all(db)
            .await?
        {
            rounds.entry(row.claim_id).or_default().push(row);
        }
        for row in claim_evidence::Entity::find()
            .filter(claim_evidence::Column::ClaimId.is_in(chunk.iter().copied()))
            .order_by_asc(claim_evidence::Column::Position)
            .all(db)
            .await?
        {
            pins.entry((row.claim_id, row.round)).or_default().push(row);
        }
        for row in decision::Entity::find()
            .filter(decision::Column::ClaimId.is_in(chunk.iter().copied()))
            .order_by_asc(decision::Column::CreatedAt)
            .all(db)
            .await?
        {
            decisions
                .entry((row.claim_id, row.round))
                .or_default()
                .push(row);
        }
    }
    // Titles and kinds of the cited versions.
    let wanted: HashSet<(Uuid, i32)> = pins
        .values()
        .flatten()
        .map(|p| (p.item_id, p.item_version))
        .collect();
    let mut titles: HashMap<(Uuid, i32), String> = HashMap::new();
    let wanted: Vec<(Uuid, i32)> = wanted.into_iter().collect();
    for chunk in wanted.chunks(500) {
        use sea_orm::sea_query::Expr;
        for row in evidence_version::Entity::find()
            .filter(
                Expr::tuple([
                    Expr::col(evidence_version::Column::ItemId).into(),
                    Expr::col(evidence_version::Column::Version).into(),
                ])
                .in_tuples(chunk.iter().copied()),
            )
            .all(db)
            .await?
        {
            titles.insert((row.item_id, row.version), row.title);
        }
    }
    let kinds: HashMap<Uuid, String> = {
        let items: HashSet<Uuid> = wanted.iter().map(|(id, _)| *id).collect();
        let items: Vec<Uuid> = items.into_iter().collect();
        let mut kinds = HashMap::new();
        for chunk in items.chunks(500) {
            for row in evidence_item::Entity::find()
                .filter(evidence_item::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?
            {
                kinds.insert(row.id, row.kind);
            }
        }
        kinds
    };
    let assessors: HashSet<Uuid> = decisions
        .values()
        .flatten()
        .map(|d| d.assessor_id)
        .collect();
    let names = crate::portfolio::sharing::names_of(db, assessors).await?;
    let competences = competences_of(db, rows.iter().map(|r| r.competence_id).collect()).await?;
    let scales =
        crate::portfolio::evidence::scales_of(db, competences.values().map(|(c, _)| c)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some((competence, framework_key)) = competences.get(&row.competence_id) else {
            continue;
        };
        let level_title = row.level.and_then(|level| {
            let index = usize::try_from(level - 1).ok()?;
            scales
                .get(&competence.id)?
                .levels
                .get(index)
                .map(|l| l.title.clone())
        });
        let round_views = rounds
            .remove(&row.id)
            .unwrap_or_default()
            .into_iter()
            .map(|round| RoundView {
                evidence: pins
                    .remove(&(row.id, round.round))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|pin| CitedItem {
                        title: titles
                            .get(&(pin.item_id, pin.item_version))
                            .cloned()
                            .unwrap_or_default(),
                        kind: kinds.get(&pin.item_id).cloned().unwrap_or_default(),
                        item_id: pin.item_id,
                        version: pin.item_version,
                    })
                    .collect(),
                decisions: {
                    let all = decisions.remove(&(row.id, round.round)).unwrap_or_default();
                    let reader_decided = match reader {
                        DecisionsShown::Assessor { person, .. } => {
                            all.iter().any(|d| d.assessor_id == person.0)
                        }
                        DecisionsShown::Owner => false,
                    };
                    all.into_iter()
                        .filter(|d| shown(&row, d, reader, reader_decided))
                        .map(|d| decision_view(d, &names))
                        .collect()
                },
                round: round.round,
                statement: round.statement,
                submitted_at: round.submitted_at,
            })
            .collect();
        out.push(ClaimView {
            id: row.id,
            owner_id: row.owner_id,
            course_id: row.context_id,
            status: status_of(&row),
            competence: ClaimCompetence {
                id: competence.id,
                framework_key: framework_key.clone(),
                code: competence.code.clone(),
                title: serde_json::from_str(&competence.title).unwrap_or_default(),
                iri: competence
                    .uri
                    .clone()
                    .unwrap_or_else(|| format!("urn:uuid:{}", competence.id)),
            },
            level: row.level,
            level_title,
            round: row.round,
            awaiting_lead: row.awaiting_lead,
            created_at: row.created_at,
            updated_at: row.updated_at,
            submitted_at: row.submitted_at,
            decided_at: row.decided_at,
            rounds: round_views,
        });
    }
    Ok(out)
}

fn decision_view(row: decision::Model, names: &HashMap<Uuid, String>) -> DecisionView {
    DecisionView {
        id: row.id,
        assessor_name: names.get(&row.assessor_id).cloned().unwrap_or_default(),
        assessor_id: row.assessor_id,
        outcome: Outcome::parse(&row.outcome).unwrap_or(Outcome::MoreEvidenceNeeded),
        feedback: row.feedback,
        item_feedback: serde_json::from_str(&row.item_feedback).unwrap_or_default(),
        reconciles: row.reconciles,
        reason: row.reason,
        created_at: row.created_at,
    }
}
