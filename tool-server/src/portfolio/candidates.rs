//! Evidence candidates: the learner's statements that are tied to
//! competences, offered to be kept as a record of activity or set aside.
//! A statement is tied to a competence when its object or one of its
//! context activities names the competence (by its CASE URI, its
//! `urn:uuid:` identifier or Carefolio's CASE address for it) or names a
//! resource link tied to competences. Voided statements are never offered.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::PortfolioError;
use crate::entities::{
    candidate_dismissal, evidence_item, evidence_version, resource_link_competence,
};
use crate::frameworks::{self, Competence, LanguageMap};
use crate::identity::PersonId;
use crate::util::now_ms;

/// One statement the learner may keep as evidence.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    pub statement_id: Uuid,
    /// The verb as the statement displays it (else its IRI).
    pub verb: String,
    /// The object's name, in the languages the statement gives.
    pub object: Option<LanguageMap>,
    pub timestamp: Option<String>,
    /// The competences it is tied to, in the order it names them.
    pub competences: Vec<Competence>,
}

/// Verbs of statements that are never evidence: a self-rating says how
/// sure the learner feels, not what they did.
const NOT_EVIDENCE: &[&str] = &[crate::xapi::statements::VERB_RATED];

/// How many of the newest statements are looked through.
const LOOKED_THROUGH: u64 = 200;
/// How many candidates are offered at once.
pub const OFFERED: usize = 20;

/// The learner's newest statements tied to competences that they have
/// neither kept nor set aside, newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
    base_url: &str,
) -> Result<Vec<Candidate>, PortfolioError> {
    let statements = crate::xapi::store::recent_for_person(db, person.0, LOOKED_THROUGH).await?;
    let ids: Vec<Uuid> = statements.iter().filter_map(statement_id).collect();
    let handled = handled(db, person, &ids).await?;
    // Each open statement with the activities it names.
    let open: Vec<(Uuid, &Value, Vec<String>)> = statements
        .iter()
        .filter_map(|s| Some((statement_id(s)?, s)))
        .filter(|(id, _)| !handled.contains(id))
        .filter(|(_, s)| !NOT_EVIDENCE.contains(&s["verb"]["id"].as_str().unwrap_or_default()))
        .map(|(id, s)| (id, s, named_activities(s)))
        .collect();

    let mut iris: Vec<String> = open
        .iter()
        .flat_map(|(_, _, named)| named.iter().cloned())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    iris.sort();
    // What each named activity ties: a competence itself, or a resource
    // link's competences.
    let mut ties: HashMap<String, Vec<Competence>> = link_competences(db, &iris, base_url).await?;
    for (iri, competence) in frameworks::store::by_iris(db, &iris, base_url).await? {
        ties.insert(iri, vec![competence]);
    }

    let mut candidates = Vec::new();
    for (id, statement, named) in open {
        let mut tied: Vec<Competence> = Vec::new();
        for iri in &named {
            for competence in ties.get(iri).into_iter().flatten() {
                if !tied.iter().any(|c| c.id == competence.id) {
                    tied.push(competence.clone());
                }
            }
        }
        if tied.is_empty() {
            continue;
        }
        candidates.push(Candidate {
            statement_id: id,
            verb: verb_shown(statement),
            object: serde_json::from_value(statement["object"]["definition"]["name"].clone()).ok(),
            timestamp: statement["timestamp"].as_str().map(str::to_owned),
            competences: tied,
        });
        if candidates.len() == OFFERED {
            break;
        }
    }
    Ok(candidates)
}

fn statement_id(statement: &Value) -> Option<Uuid> {
    statement["id"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok())
}

/// The activities a statement names: its object, then its context
/// activities (parent, grouping, category, other), each once.
fn named_activities(statement: &Value) -> Vec<String> {
    let mut named = Vec::new();
    let object = &statement["object"];
    let is_activity = matches!(
        object.get("objectType").and_then(Value::as_str),
        None | Some("Activity")
    );
    if let Some(id) = object["id"].as_str().filter(|_| is_activity) {
        named.push(id.to_owned());
    }
    let context = &statement["context"]["contextActivities"];
    for kind in ["parent", "grouping", "category", "other"] {
        // 1.0.3 allows a single activity where 2.0 wants a list.
        let activities = match &context[kind] {
            Value::Array(list) => list.iter().collect(),
            single @ Value::Object(_) => vec![single],
            _ => Vec::new(),
        };
        for activity in activities {
            if let Some(id) = activity["id"].as_str() {
                if !named.iter().any(|n| n == id) {
                    named.push(id.to_owned());
                }
            }
        }
    }
    named
}

fn verb_shown(statement: &Value) -> String {
    statement["verb"]["display"]
        .as_object()
        .and_then(|display| display.get("en").or_else(|| display.values().next()))
        .and_then(Value::as_str)
        .or_else(|| statement["verb"]["id"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The competences of the resource links named by Carefolio's activity
/// IRIs for them (`{base_url}/xapi/activities/resource-links/{id}`): what an
/// activity launched from a link reports against.
async fn link_competences<C: ConnectionTrait>(
    db: &C,
    iris: &[String],
    base_url: &str,
) -> Result<HashMap<String, Vec<Competence>>, PortfolioError> {
    let prefix = crate::xapi::statements::link_activity_prefix(base_url);
    let links: Vec<(String, Uuid)> = iris
        .iter()
        .filter_map(|iri| {
            let id = Uuid::parse_str(iri.strip_prefix(prefix.as_str())?).ok()?;
            Some((iri.clone(), id))
        })
        .collect();
    let mut tied = HashMap::new();
    if links.is_empty() {
        return Ok(tied);
    }
    let rows = resource_link_competence::Entity::find()
        .filter(resource_link_competence::Column::ResourceLinkId.is_in(links.iter().map(|l| l.1)))
        .order_by_asc(resource_link_competence::Column::Position)
        .all(db)
        .await?;
    let competence_ids: Vec<Uuid> = rows.iter().map(|r| r.competence_id).collect();
    let competences = frameworks::store::by_ids(db, &competence_ids).await?;
    for (iri, link) in links {
        let of_link: Vec<Competence> = rows
            .iter()
            .filter(|r| r.resource_link_id == link)
            .filter_map(|r| {
                competences
                    .iter()
                    .find(|c| c.id == r.competence_id)
                    .cloned()
            })
            .collect();
        if !of_link.is_empty() {
            tied.insert(iri, of_link);
        }
    }
    Ok(tied)
}

/// Which of these statements the learner kept (on an item not deleted) or
/// set aside.
async fn handled<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>, PortfolioError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let own_items = Query::select()
        .column(evidence_item::Column::Id)
        .from(evidence_item::Entity)
        .and_where(evidence_item::Column::OwnerId.eq(person.0))
        .and_where(evidence_item::Column::DeletedAt.is_null())
        .to_owned();
    let kept: Vec<Option<Uuid>> = evidence_version::Entity::find()
        .select_only()
        .column(evidence_version::Column::StatementId)
        .filter(evidence_version::Column::StatementId.is_in(ids.iter().copied()))
        .filter(evidence_version::Column::ItemId.in_subquery(own_items))
        .into_tuple()
        .all(db)
        .await?;
    let dismissed: Vec<Uuid> = candidate_dismissal::Entity::find()
        .select_only()
        .column(candidate_dismissal::Column::StatementId)
        .filter(candidate_dismissal::Column::PersonId.eq(person.0))
        .filter(candidate_dismissal::Column::StatementId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(kept.into_iter().flatten().chain(dismissed).collect())
}

/// Sets a statement aside: it is no longer offered. Only the learner's own
/// statements can be set aside; doing it twice changes nothing.
pub async fn dismiss<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
    statement: Uuid,
) -> Result<bool, PortfolioError> {
    if !crate::xapi::store::belongs_to(db, statement, person.0).await? {
        return Ok(false);
    }
    candidate_dismissal::Entity::insert(candidate_dismissal::ActiveModel {
        person_id: Set(person.0),
        statement_id: Set(statement),
        dismissed_at: Set(now_ms()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([
            candidate_dismissal::Column::PersonId,
            candidate_dismissal::Column::StatementId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(true)
}
