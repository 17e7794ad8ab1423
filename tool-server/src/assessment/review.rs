//! The assessor's side: the queue of claims waiting for them across the
//! courses they assess, a claim with the evidence exactly as submitted,
//! decisions, and the lead assessor's reconciliation of disagreeing ones.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::claims::{self, ClaimView, DecisionsShown, ItemFeedback};
use super::course::{self, Assessing};
use super::{bounded_text, statements, AssessmentError, Outcome, Status};
use crate::entities::{claim, claim_evidence, context, decision};
use crate::identity::PersonId;
use crate::portfolio::evidence::EvidenceView;
use crate::util::now_ms;

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueFilter {
    /// Only claims of this competence.
    pub competence: Option<Uuid>,
    /// Only claims of this learner.
    pub learner: Option<Uuid>,
    /// `submitted` or `in_review`.
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueEntry {
    pub claim_id: Uuid,
    pub learner_id: Uuid,
    pub learner_name: String,
    pub course_id: Uuid,
    pub course_title: String,
    pub competence_id: Uuid,
    pub framework_key: String,
    pub code: String,
    pub title: crate::frameworks::LanguageMap,
    pub level: Option<i32>,
    pub status: Status,
    /// Decisions disagree: this waits for the lead assessor (you).
    pub awaiting_lead: bool,
    pub round: i32,
    pub submitted_at: Option<i64>,
    pub evidence_count: usize,
}

/// The most claims one queue answer lists.
pub const QUEUE_LIMIT: u64 = 500;

/// Claims waiting for `person`, oldest submission first: in the courses
/// they assess, never their own, not those they already decided in this
/// round; those whose decisions disagree only for a lead assessor.
pub async fn queue<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
    filter: &QueueFilter,
) -> Result<Vec<QueueEntry>, AssessmentError> {
    let courses = course::courses_assessed_by(db, person).await?;
    if courses.is_empty() {
        return Ok(Vec::new());
    }
    let lead_in: HashSet<Uuid> = courses
        .iter()
        .filter(|c| c.lead)
        .map(|c| c.course)
        .collect();
    let statuses: Vec<&str> = match filter.status.as_deref() {
        None => vec!["submitted", "in_review"],
        Some(wanted @ ("submitted" | "in_review")) => vec![wanted],
        Some(_) => {
            return Err(AssessmentError::invalid(
                "status",
                "submitted or in_review: the queue holds claims waiting for a decision",
            ))
        }
    };
    let mut select = claim::Entity::find()
        .filter(claim::Column::ContextId.is_in(courses.iter().map(|c| c.course)))
        .filter(claim::Column::Status.is_in(statuses))
        .filter(claim::Column::OwnerId.ne(person.0));
    if let Some(competence) = filter.competence {
        select = select.filter(claim::Column::CompetenceId.eq(competence));
    }
    if let Some(learner) = filter.learner {
        select = select.filter(claim::Column::OwnerId.eq(learner));
    }
    let rows = select
        .order_by_asc(claim::Column::SubmittedAt)
        .order_by_asc(claim::Column::Id)
        .all(db)
        .await?;
    // What this assessor already decided, per (claim, round).
    let decided: HashSet<(Uuid, i32)> = if rows.is_empty() {
        HashSet::new()
    } else {
        let mut decided = HashSet::new();
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        for chunk in ids.chunks(500) {
            for row in decision::Entity::find()
                .filter(decision::Column::AssessorId.eq(person.0))
                .filter(decision::Column::ClaimId.is_in(chunk.iter().copied()))
                .all(db)
                .await?
            {
                decided.insert((row.claim_id, row.round));
            }
        }
        decided
    };
    let rows: Vec<claim::Model> = rows
        .into_iter()
        .filter(|row| {
            if row.awaiting_lead {
                lead_in.contains(&row.context_id)
            } else {
                !decided.contains(&(row.id, row.round))
            }
        })
        .take(usize::try_from(QUEUE_LIMIT).unwrap_or(usize::MAX))
        .collect();
    entries(db, rows).await
}

async fn entries<C: ConnectionTrait>(
    db: &C,
    rows: Vec<claim::Model>,
) -> Result<Vec<QueueEntry>, AssessmentError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let names =
        crate::portfolio::sharing::names_of(db, rows.iter().map(|r| r.owner_id).collect()).await?;
    let course_titles: HashMap<Uuid, String> = context::Entity::find()
        .filter(context::Column::Id.is_in(rows.iter().map(|r| r.context_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.title.or(c.label).unwrap_or_default()))
        .collect();
    let mut counts: HashMap<(Uuid, i32), usize> = HashMap::new();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    for chunk in ids.chunks(500) {
        for pin in claim_evidence::Entity::find()
            .filter(claim_evidence::Column::ClaimId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            *counts.entry((pin.claim_id, pin.round)).or_default() += 1;
        }
    }
    let competences =
        claims::competences_of(db, rows.iter().map(|r| r.competence_id).collect()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let (competence, framework_key) = competences.get(&row.competence_id)?;
            Some(QueueEntry {
                claim_id: row.id,
                learner_id: row.owner_id,
                learner_name: names.get(&row.owner_id).cloned().unwrap_or_default(),
                course_id: row.context_id,
                course_title: course_titles
                    .get(&row.context_id)
                    .cloned()
                    .unwrap_or_default(),
                competence_id: competence.id,
                framework_key: framework_key.clone(),
                code: competence.code.clone(),
                title: serde_json::from_str(&competence.title).unwrap_or_default(),
                level: row.level,
                status: Status::parse(&row.status).unwrap_or(Status::Submitted),
                awaiting_lead: row.awaiting_lead,
                round: row.round,
                submitted_at: row.submitted_at,
                evidence_count: counts.get(&(row.id, row.round)).copied().unwrap_or(0),
            })
        })
        .collect())
}

/// A claim an assessor may read: in a course they assess, not their own,
/// and submitted at least once.
async fn assessable<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
    id: Uuid,
) -> Result<(claim::Model, Assessing), AssessmentError> {
    let row = claim::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AssessmentError::NotFound)?;
    // Another course's claim is not there for them, nor a draft.
    let capability = course::assessing(db, person, row.context_id)
        .await?
        .ok_or(AssessmentError::NotFound)?;
    if row.submitted_at.is_none() {
        return Err(AssessmentError::NotFound);
    }
    if row.owner_id == person.0 {
        return Err(AssessmentError::NotAllowed(
            "no one assesses their own claim",
        ));
    }
    Ok((row, capability))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    pub claim: ClaimView,
    pub learner_name: String,
    /// The evidence of the round under review, at the versions submitted.
    pub evidence: Vec<EvidenceView>,
    /// Whether this assessor may decide now.
    pub may_decide: bool,
    /// Whether this assessor may reconcile now (lead, decisions disagree).
    pub may_reconcile: bool,
}

/// The claim with its evidence as submitted, for an assessor of its course.
/// Reading it is written to the learner's audit trail.
pub async fn open<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
    id: Uuid,
) -> Result<ReviewView, AssessmentError> {
    let (row, capability) = assessable(db, person, id).await?;
    let round = submitted_round(db, &row).await?;
    let pins: Vec<(Uuid, i32)> = claim_evidence::Entity::find()
        .filter(claim_evidence::Column::ClaimId.eq(id))
        .filter(claim_evidence::Column::Round.eq(round))
        .order_by_asc(claim_evidence::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.item_id, p.item_version))
        .collect();
    let evidence = crate::portfolio::evidence::load_pinned(db, &pins)
        .await
        .map_err(|e| match e {
            crate::portfolio::evidence::EvidenceError::Database(e) => AssessmentError::Database(e),
            _ => AssessmentError::NotFound,
        })?;
    let ids: Vec<Uuid> = pins.iter().map(|(id, _)| *id).collect();
    crate::portfolio::access::record_assessor_read(db, PersonId(row.owner_id), person, &ids)
        .await?;
    let already = decided_by(db, &row, person).await?;
    let status = Status::parse(&row.status).unwrap_or(Status::Submitted);
    let names = crate::portfolio::sharing::names_of(db, HashSet::from([row.owner_id])).await?;
    let learner_name = names.get(&row.owner_id).cloned().unwrap_or_default();
    let may_decide = status.under_review() && !row.awaiting_lead && !already;
    let may_reconcile = status.under_review() && row.awaiting_lead && capability.lead;
    let claim = claims::views(
        db,
        vec![row],
        DecisionsShown::Assessor {
            person,
            lead: capability.lead,
        },
    )
    .await?
    .remove(0);
    Ok(ReviewView {
        claim,
        learner_name,
        evidence,
        may_decide,
        may_reconcile,
    })
}

/// The round assessors look at: the latest submitted one (the learner may
/// be preparing the next).
async fn submitted_round<C: ConnectionTrait>(
    db: &C,
    row: &claim::Model,
) -> Result<i32, sea_orm::DbErr> {
    Ok(crate::entities::claim_round::Entity::find()
        .filter(crate::entities::claim_round::Column::ClaimId.eq(row.id))
        .filter(crate::entities::claim_round::Column::SubmittedAt.is_not_null())
        .order_by_desc(crate::entities::claim_round::Column::Round)
        .one(db)
        .await?
        .map_or(row.round, |round| round.round))
}

async fn decided_by<C: ConnectionTrait>(
    db: &C,
    row: &claim::Model,
    person: PersonId,
) -> Result<bool, sea_orm::DbErr> {
    Ok(decision::Entity::find()
        .filter(decision::Column::ClaimId.eq(row.id))
        .filter(decision::Column::Round.eq(row.round))
        .filter(decision::Column::AssessorId.eq(person.0))
        .filter(decision::Column::Reconciles.eq(false))
        .one(db)
        .await?
        .is_some())
}

/// A file of a claim's evidence, for an assessor who may still read the
/// claim: the item must be cited by it, with this very file. The read is
/// written to the learner's audit trail.
pub async fn cited_file<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
    claim_id: Uuid,
    item: Uuid,
    sha256: &str,
) -> Result<crate::portfolio::evidence::FileView, AssessmentError> {
    let (row, _) = assessable(db, person, claim_id).await?;
    let pins: Vec<(Uuid, i32)> = claim_evidence::Entity::find()
        .filter(claim_evidence::Column::ClaimId.eq(claim_id))
        .filter(claim_evidence::Column::ItemId.eq(item))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.item_id, p.item_version))
        .collect();
    for pin in pins {
        let views = crate::portfolio::evidence::load_pinned(db, &[pin])
            .await
            .map_err(|_| AssessmentError::NotFound)?;
        if let Some(file) = views.into_iter().next().and_then(|v| v.file) {
            if file.sha256 == sha256 {
                crate::portfolio::access::record_assessor_read(
                    db,
                    PersonId(row.owner_id),
                    person,
                    &[item],
                )
                .await?;
                return Ok(file);
            }
        }
    }
    Err(AssessmentError::NotFound)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DecisionDraft {
    pub outcome: Outcome,
    /// For the learner: what the evidence shows, what is missing.
    #[serde(default)]
    pub feedback: String,
    /// Feedback on single items of the evidence.
    #[serde(default)]
    pub item_feedback: Vec<ItemFeedback>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Reconciliation {
    pub outcome: Outcome,
    #[serde(default)]
    pub feedback: String,
    /// Why this outcome over the disagreeing decisions; kept in the trail.
    pub reason: String,
}

/// What the decision changes, for the caller to act on (grades, badges).
#[derive(Debug, Clone)]
pub struct Decided {
    pub view: ReviewView,
    /// The claim reached a final outcome with this decision.
    pub settled: Option<Outcome>,
}

/// An assessor decides the round under review.
pub async fn decide<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    person: PersonId,
    id: Uuid,
    draft: DecisionDraft,
    base_url: &str,
) -> Result<Decided, AssessmentError> {
    let feedback = bounded_text("feedback", &draft.feedback)?;
    let txn = db.begin().await?;
    let (row, _) = assessable(&txn, person, id).await?;
    let status = Status::parse(&row.status).unwrap_or(Status::Draft);
    if !status.under_review() {
        return Err(AssessmentError::Conflict(format!(
            "this claim is {}, not waiting for a decision",
            status.as_str().replace('_', " ")
        )));
    }
    if row.awaiting_lead {
        return Err(AssessmentError::Conflict(
            "the decisions disagree; the lead assessor decides now".into(),
        ));
    }
    if decided_by(&txn, &row, person).await? {
        return Err(AssessmentError::Conflict(
            "you have already decided this submission".into(),
        ));
    }
    let item_feedback = check_item_feedback(&txn, &row, draft.item_feedback).await?;
    let now = now_ms();
    record_decision(
        &txn,
        &row,
        Recorded {
            assessor: person,
            outcome: draft.outcome,
            feedback,
            item_feedback,
            reason: None,
        },
        base_url,
        now,
    )
    .await?;
    let required = course::settings(&txn, row.context_id)
        .await?
        .required_decisions;
    let outcomes: Vec<String> = decision::Entity::find()
        .filter(decision::Column::ClaimId.eq(id))
        .filter(decision::Column::Round.eq(row.round))
        .filter(decision::Column::Reconciles.eq(false))
        .all(&txn)
        .await?
        .into_iter()
        .map(|d| d.outcome)
        .collect();
    let enough = outcomes.len() >= usize::try_from(required).unwrap_or(1);
    let agreed = outcomes.iter().all(|o| *o == outcomes[0]);
    let settled = (enough && agreed).then_some(draft.outcome);
    let mut update = claim::ActiveModel {
        id: Set(id),
        updated_at: Set(now),
        ..Default::default()
    };
    match settled {
        Some(outcome) => {
            update.status = Set(outcome.status().as_str().to_owned());
            update.decided_at = Set(Some(now));
        }
        None => {
            update.status = Set(Status::InReview.as_str().to_owned());
            update.awaiting_lead = Set(enough && !agreed);
        }
    }
    claim::Entity::update(update).exec(&txn).await?;
    after_decision(&txn, &row, settled, now).await?;
    txn.commit().await?;
    Ok(Decided {
        view: open(db, person, id).await?,
        settled,
    })
}

/// The lead assessor settles decisions that disagree, with a reason.
pub async fn reconcile<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    person: PersonId,
    id: Uuid,
    reconciliation: Reconciliation,
    base_url: &str,
) -> Result<Decided, AssessmentError> {
    let feedback = bounded_text("feedback", &reconciliation.feedback)?;
    let reason = bounded_text("reason", &reconciliation.reason)?;
    if reason.is_empty() {
        return Err(AssessmentError::invalid(
            "reason",
            "say why this outcome settles the disagreeing decisions",
        ));
    }
    let txn = db.begin().await?;
    let (row, capability) = assessable(&txn, person, id).await?;
    if !capability.lead {
        return Err(AssessmentError::NotAllowed(
            "only the course's lead assessor reconciles decisions",
        ));
    }
    if !row.awaiting_lead {
        return Err(AssessmentError::Conflict(
            "this claim has no disagreeing decisions to reconcile".into(),
        ));
    }
    let now = now_ms();
    record_decision(
        &txn,
        &row,
        Recorded {
            assessor: person,
            outcome: reconciliation.outcome,
            feedback,
            item_feedback: Vec::new(),
            reason: Some(reason),
        },
        base_url,
        now,
    )
    .await?;
    claim::Entity::update(claim::ActiveModel {
        id: Set(id),
        status: Set(reconciliation.outcome.status().as_str().to_owned()),
        awaiting_lead: Set(false),
        decided_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    after_decision(&txn, &row, Some(reconciliation.outcome), now).await?;
    txn.commit().await?;
    Ok(Decided {
        view: open(db, person, id).await?,
        settled: Some(reconciliation.outcome),
    })
}

/// A decision as it is written: by an assessor, or (with a reason) the
/// lead's reconciliation.
struct Recorded {
    assessor: PersonId,
    outcome: Outcome,
    feedback: String,
    item_feedback: Vec<ItemFeedback>,
    reason: Option<String>,
}

/// Writes a decision on the round under review, with its xAPI statement.
async fn record_decision<C: ConnectionTrait>(
    db: &C,
    row: &claim::Model,
    recorded: Recorded,
    base_url: &str,
    now: i64,
) -> Result<(), AssessmentError> {
    let statement_id = record_statement(
        db,
        row,
        recorded.assessor,
        recorded.outcome,
        &recorded.feedback,
        base_url,
        now,
    )
    .await?;
    decision::Entity::insert(decision::ActiveModel {
        id: Set(Uuid::new_v4()),
        claim_id: Set(row.id),
        round: Set(row.round),
        assessor_id: Set(recorded.assessor.0),
        outcome: Set(recorded.outcome.as_str().to_owned()),
        feedback: Set(recorded.feedback),
        reconciles: Set(recorded.reason.is_some()),
        reason: Set(recorded.reason),
        item_feedback: Set(
            serde_json::to_string(&recorded.item_feedback).unwrap_or_else(|_| "[]".into())
        ),
        statement_id: Set(Some(statement_id)),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// What follows a decision, in its transaction: the badges an acceptance
/// completes, and the learner's changed grades.
async fn after_decision<C: ConnectionTrait>(
    db: &C,
    row: &claim::Model,
    settled: Option<Outcome>,
    now: i64,
) -> Result<(), AssessmentError> {
    if settled == Some(Outcome::Accepted) {
        crate::badges::awards::after_acceptance(
            db,
            row.owner_id,
            row.competence_id,
            row.context_id,
            now,
        )
        .await?;
    }
    crate::grades::after_claim_change(db, row.owner_id, now).await?;
    Ok(())
}

/// Feedback only on items the round cites.
async fn check_item_feedback<C: ConnectionTrait>(
    db: &C,
    row: &claim::Model,
    feedback: Vec<ItemFeedback>,
) -> Result<Vec<ItemFeedback>, AssessmentError> {
    let cited: HashSet<Uuid> = claim_evidence::Entity::find()
        .filter(claim_evidence::Column::ClaimId.eq(row.id))
        .filter(claim_evidence::Column::Round.eq(row.round))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.item_id)
        .collect();
    let mut out = Vec::new();
    for item in feedback {
        if !cited.contains(&item.item_id) {
            return Err(AssessmentError::invalid(
                "item_feedback",
                format!("{} is not evidence of this claim", item.item_id),
            ));
        }
        let text = bounded_text("item_feedback", &item.feedback)?;
        if !text.is_empty() {
            out.push(ItemFeedback {
                item_id: item.item_id,
                feedback: text,
            });
        }
    }
    Ok(out)
}

async fn record_statement<C: ConnectionTrait>(
    db: &C,
    row: &claim::Model,
    assessor: PersonId,
    outcome: Outcome,
    feedback: &str,
    base_url: &str,
    at: i64,
) -> Result<Uuid, AssessmentError> {
    let (competence, _) = claims::competence_of(db, row.competence_id)
        .await?
        .ok_or(AssessmentError::NotFound)?;
    let scales = crate::portfolio::evidence::scales_of(db, std::iter::once(&competence)).await?;
    let level_title = row.level.and_then(|level| {
        let index = usize::try_from(level - 1).ok()?;
        scales
            .get(&competence.id)?
            .levels
            .get(index)
            .map(|l| l.title.clone())
    });
    let iri = competence
        .uri
        .clone()
        .unwrap_or_else(|| format!("urn:uuid:{}", competence.id));
    Ok(statements::record(
        db,
        statements::Decided {
            claim: row,
            assessor: assessor.0,
            outcome: outcome.as_str(),
            feedback,
            competence_iri: &iri,
            competence_title: serde_json::from_str(&competence.title).unwrap_or_default(),
            level_title: level_title.as_ref(),
            base_url,
            at,
        },
    )
    .await?)
}
