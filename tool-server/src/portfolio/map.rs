//! The competence map of one learner in one framework (every item with
//! the learner's evidence and self-rating, with totals for areas and
//! domains), self-ratings, and the course activities that cover what a
//! learner rated lowest: the start of a learning pathway.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use uuid::Uuid;

use super::evidence::EvidenceError;
use crate::entities::{
    competence, evidence_item, evidence_tag, framework, resource_link, resource_link_competence,
    self_rating,
};
use crate::frameworks::{model, versions, LanguageMap};
use crate::identity::PersonId;
use crate::util::now_ms;

/// Self-ratings where a competence has no levels: not yet, beginning, mostly, confident.
pub const UNLEVELLED_MAX: i32 = 3;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CompetenceMap {
    pub key: String,
    pub title: String,
    pub language: String,
    /// The framework's levels, lowest first; empty when it has none.
    pub levels: Vec<LanguageMap>,
    pub items: Vec<MapNode>,
    pub totals: Totals,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MapNode {
    pub id: Uuid,
    pub code: String,
    pub item_type: String,
    pub title: LanguageMap,
    pub description: Option<LanguageMap>,
    /// Whether a learner can be assessed on it (a competence, not a group).
    pub competence: bool,
    pub incomplete: bool,
    /// Its own levels, when they differ from the framework's.
    pub levels: Option<Vec<LanguageMap>>,
    /// The highest self-rating allowed: the number of levels, or
    /// [`UNLEVELLED_MAX`].
    pub rating_max: i32,
    /// Evidence items tagged with this item.
    pub evidence: u32,
    /// Of those, how many claim each level (index 0 is level 1).
    pub evidence_by_level: Vec<u32>,
    pub self_rating: Option<i32>,
    /// For groups: what their competences add up to.
    pub totals: Option<Totals>,
    #[schema(no_recursion)]
    pub children: Vec<MapNode>,
}

#[derive(Debug, Default, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Totals {
    pub competences: u32,
    pub with_evidence: u32,
    pub rated: u32,
    pub evidence: u32,
}

impl Totals {
    fn add(&mut self, other: Totals) {
        self.competences += other.competences;
        self.with_evidence += other.with_evidence;
        self.rated += other.rated;
        self.evidence += other.evidence;
    }
}

/// Per competence: (items tagged, items per level).
type EvidenceCounts = HashMap<Uuid, (u32, Vec<u32>)>;

/// Evidence counts of `owner` per competence, from the current versions
/// of their live items (only those in `shown`, when given).
async fn evidence_counts<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    shown: Option<&HashSet<Uuid>>,
) -> Result<EvidenceCounts, sea_orm::DbErr> {
    let items: HashMap<Uuid, i32> = evidence_item::Entity::find()
        .filter(evidence_item::Column::OwnerId.eq(owner.0))
        .filter(evidence_item::Column::DeletedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .filter(|i| shown.is_none_or(|shown| shown.contains(&i.id)))
        .map(|i| (i.id, i.current_version))
        .collect();
    let mut counts: EvidenceCounts = HashMap::new();
    let ids: Vec<Uuid> = items.keys().copied().collect();
    for chunk in ids.chunks(500) {
        for tag in evidence_tag::Entity::find()
            .filter(evidence_tag::Column::ItemId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            if items.get(&tag.item_id) != Some(&tag.version) {
                continue;
            }
            let entry = counts.entry(tag.competence_id).or_default();
            entry.0 += 1;
            if let Some(level) = tag.level.and_then(|l| usize::try_from(l - 1).ok()) {
                if entry.1.len() <= level {
                    entry.1.resize(level + 1, 0);
                }
                entry.1[level] += 1;
            }
        }
    }
    Ok(counts)
}

async fn ratings_of<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
) -> Result<HashMap<Uuid, i32>, sea_orm::DbErr> {
    Ok(self_rating::Entity::find()
        .filter(self_rating::Column::PersonId.eq(person.0))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.competence_id, r.rating))
        .collect())
}

/// The map of framework `key` for `owner`, counting only the items in
/// `shown` when given (what a reader may see).
pub async fn map<C: ConnectionTrait>(
    db: &C,
    owner: PersonId,
    key: &str,
    shown: Option<&HashSet<Uuid>>,
) -> Result<CompetenceMap, EvidenceError> {
    let framework = crate::frameworks::store::headers(db, Some(framework::Column::Key.eq(key)))
        .await?
        .pop()
        .ok_or(EvidenceError::NotFound)?;
    let rows = competence::Entity::find()
        .filter(competence::Column::FrameworkId.eq(framework.id))
        .filter(competence::Column::RetiredAt.is_null())
        .order_by_asc(competence::Column::Position)
        .all(db)
        .await?;
    let counts = evidence_counts(db, owner, shown).await?;
    let ratings = ratings_of(db, owner).await?;
    let scale = versions::parse_scale(&framework.levels, &framework.language);
    let titles = |scale: &model::Scale| -> Vec<LanguageMap> {
        scale.levels.iter().map(|l| l.title.clone()).collect()
    };
    let mut children: HashMap<Option<Uuid>, Vec<&competence::Model>> = HashMap::new();
    for row in &rows {
        children.entry(row.parent_id).or_default().push(row);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| {
            a.position
                .cmp(&b.position)
                .then_with(|| model::natural_key(&a.code).cmp(&model::natural_key(&b.code)))
        });
    }
    struct Build<'a> {
        children: &'a HashMap<Option<Uuid>, Vec<&'a competence::Model>>,
        counts: &'a EvidenceCounts,
        ratings: &'a HashMap<Uuid, i32>,
        framework_levels: i32,
        language: &'a str,
    }
    fn node(build: &Build<'_>, row: &competence::Model) -> MapNode {
        let own = row
            .scale
            .as_deref()
            .and_then(|s| versions::parse_scale(s, build.language));
        let levels = own
            .as_ref()
            .map_or(build.framework_levels, |s| s.levels.len() as i32);
        let kids: Vec<MapNode> = build
            .children
            .get(&Some(row.id))
            .into_iter()
            .flatten()
            .map(|child| node(build, child))
            .collect();
        let is_competence = row.item_type == model::COMPETENCE;
        let (evidence, by_level) = build.counts.get(&row.id).cloned().unwrap_or_default();
        let rating = build.ratings.get(&row.id).copied();
        let totals = (!kids.is_empty()).then(|| {
            let mut totals = Totals::default();
            for kid in &kids {
                if let Some(t) = kid.totals {
                    totals.add(t);
                }
                if kid.competence {
                    totals.add(Totals {
                        competences: 1,
                        with_evidence: u32::from(kid.evidence > 0),
                        rated: u32::from(kid.self_rating.is_some()),
                        evidence: kid.evidence,
                    });
                }
            }
            totals
        });
        MapNode {
            id: row.id,
            code: row.code.clone(),
            item_type: row.item_type.clone(),
            title: serde_json::from_str(&row.title).unwrap_or_default(),
            description: row
                .description
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok()),
            competence: is_competence,
            incomplete: row.incomplete,
            levels: own.map(|s| s.levels.iter().map(|l| l.title.clone()).collect()),
            rating_max: if levels > 0 { levels } else { UNLEVELLED_MAX },
            evidence,
            evidence_by_level: by_level,
            self_rating: rating,
            totals,
            children: kids,
        }
    }
    let build = Build {
        children: &children,
        counts: &counts,
        ratings: &ratings,
        framework_levels: scale.as_ref().map_or(0, |s| s.levels.len() as i32),
        language: &framework.language,
    };
    let items: Vec<MapNode> = children
        .get(&None)
        .into_iter()
        .flatten()
        .map(|row| node(&build, row))
        .collect();
    let mut totals = Totals::default();
    for item in &items {
        if let Some(t) = item.totals {
            totals.add(t);
        } else if item.competence {
            totals.add(Totals {
                competences: 1,
                with_evidence: u32::from(item.evidence > 0),
                rated: u32::from(item.self_rating.is_some()),
                evidence: item.evidence,
            });
        }
    }
    Ok(CompetenceMap {
        key: framework.key,
        title: framework.title,
        language: framework.language,
        levels: scale.as_ref().map(titles).unwrap_or_default(),
        items,
        totals,
    })
}

/// Sets `person`'s rating of a competence; refuses ratings off its scale.
pub async fn rate<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
    competence_id: Uuid,
    rating: i32,
) -> Result<(), EvidenceError> {
    let row = competence::Entity::find_by_id(competence_id)
        .filter(competence::Column::RetiredAt.is_null())
        .one(db)
        .await?
        .ok_or(EvidenceError::NotFound)?;
    let framework =
        crate::frameworks::store::headers(db, Some(framework::Column::Id.eq(row.framework_id)))
            .await?
            .pop()
            .ok_or(EvidenceError::NotFound)?;
    let levels = row
        .scale
        .as_deref()
        .and_then(|s| versions::parse_scale(s, &framework.language))
        .or_else(|| versions::parse_scale(&framework.levels, &framework.language))
        .map_or(0, |s| s.levels.len() as i32);
    let max = if levels > 0 { levels } else { UNLEVELLED_MAX };
    if !(0..=max).contains(&rating) {
        return Err(EvidenceError::Invalid {
            field: "rating",
            problem: format!("{} is rated 0 to {max}, not {rating}", row.code),
        });
    }
    self_rating::Entity::insert(self_rating::ActiveModel {
        person_id: Set(person.0),
        competence_id: Set(competence_id),
        rating: Set(rating),
        updated_at: Set(now_ms()),
    })
    .on_conflict(
        OnConflict::columns([
            self_rating::Column::PersonId,
            self_rating::Column::CompetenceId,
        ])
        .update_columns([self_rating::Column::Rating, self_rating::Column::UpdatedAt])
        .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// A course activity worth doing next.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub title: Option<String>,
    pub description: Option<String>,
    /// The competences it covers, lowest-rated first, as `framework:code`.
    pub competences: Vec<String>,
    /// The learner's lowest self-rating among them, as a share of the
    /// scale (0 = not yet); `None` when none of them is rated.
    pub lowest_rating: Option<f32>,
}

/// The activities of the course (`context`) tied to competences, ordered
/// by the learner's lowest self-rating on what they cover (a competence
/// not rated counts as halfway up its scale), at most `limit`.
pub async fn suggestions<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
    context: Uuid,
    exclude_link: Uuid,
    limit: usize,
) -> Result<Vec<Suggestion>, EvidenceError> {
    let links = resource_link::Entity::find()
        .filter(resource_link::Column::ContextId.eq(context))
        .filter(resource_link::Column::Id.ne(exclude_link))
        .all(db)
        .await?;
    if links.is_empty() {
        return Ok(Vec::new());
    }
    let ties = resource_link_competence::Entity::find()
        .filter(resource_link_competence::Column::ResourceLinkId.is_in(links.iter().map(|l| l.id)))
        .all(db)
        .await?;
    let competence_ids: HashSet<Uuid> = ties.iter().map(|t| t.competence_id).collect();
    let rows: HashMap<Uuid, competence::Model> = competence::Entity::find()
        .filter(competence::Column::Id.is_in(competence_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let all = crate::frameworks::store::headers(db, None).await?;
    let keys: HashMap<Uuid, String> = all.iter().map(|f| (f.id, f.key.clone())).collect();
    let scales = {
        let frameworks: HashMap<Uuid, crate::frameworks::store::FrameworkHeader> =
            all.into_iter().map(|f| (f.id, f)).collect();
        rows.values()
            .map(|row| {
                let fw = frameworks.get(&row.framework_id);
                let levels = fw
                    .and_then(|f| {
                        row.scale
                            .as_deref()
                            .and_then(|s| versions::parse_scale(s, &f.language))
                            .or_else(|| versions::parse_scale(&f.levels, &f.language))
                    })
                    .map_or(0, |s| s.levels.len() as i32);
                (row.id, if levels > 0 { levels } else { UNLEVELLED_MAX })
            })
            .collect::<HashMap<Uuid, i32>>()
    };
    let ratings = ratings_of(db, person).await?;
    let mut suggestions: Vec<Suggestion> = links
        .into_iter()
        .filter_map(|link| {
            let mut covered: Vec<(Option<f32>, String)> = ties
                .iter()
                .filter(|t| t.resource_link_id == link.id)
                .filter_map(|t| {
                    let row = rows.get(&t.competence_id)?;
                    let share = ratings.get(&row.id).map(|r| {
                        *r as f32 / *scales.get(&row.id).unwrap_or(&UNLEVELLED_MAX) as f32
                    });
                    Some((
                        share,
                        format!("{}:{}", keys.get(&row.framework_id)?, row.code),
                    ))
                })
                .collect();
            if covered.is_empty() {
                return None;
            }
            covered.sort_by(|a, b| rank(a.0).total_cmp(&rank(b.0)));
            Some(Suggestion {
                title: link.title,
                description: link.description,
                lowest_rating: covered.iter().filter_map(|c| c.0).reduce(f32::min),
                competences: covered.into_iter().map(|c| c.1).collect(),
            })
        })
        .collect();
    suggestions.sort_by(|a, b| rank(a.lowest_rating).total_cmp(&rank(b.lowest_rating)));
    suggestions.truncate(limit);
    Ok(suggestions)
}

/// Rated low comes first, then not rated, then rated high.
fn rank(share: Option<f32>) -> f32 {
    share.unwrap_or(0.5)
}
