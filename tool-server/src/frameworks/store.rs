//! Storing frameworks and looking competences up.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use super::{
    case, model, versions, Competence, CompetenceRef, FrameworkError, FrameworkSummary,
    LanguageMap, BUILT_IN,
};
use crate::entities::{competence, framework};

/// Loads the built-in frameworks that are not in the database yet, and
/// brings a built-in framework up to date when Carefolio ships a newer
/// version of it (unless an administrator imported one over it).
pub async fn ensure_built_in<C: TransactionTrait + ConnectionTrait>(
    db: &C,
) -> Result<(), FrameworkError> {
    for (key, package) in BUILT_IN {
        let framework = case::read(package.as_bytes())?;
        let stored = framework::Entity::find()
            .filter(framework::Column::Key.eq(*key))
            .one(db)
            .await?;
        // Rows from before sources were recorded (none) were loaded from here too.
        let up_to_date = stored.as_ref().is_some_and(|row| {
            let ours = row.source.as_deref().is_none_or(|s| s == BUILT_IN_SOURCE);
            !ours || row.version == framework.version
        });
        if up_to_date {
            continue;
        }
        let source = versions::Source {
            name: BUILT_IN_SOURCE.to_owned(),
            document: (*package).to_owned(),
        };
        match versions::save(db, Some(key), &framework, source).await {
            Ok(report) => tracing::info!(
                key,
                competences = report.competences,
                version = report.version.as_deref().unwrap_or(""),
                "loaded built-in framework"
            ),
            // Another instance loaded it at the same moment.
            Err(FrameworkError::DuplicateKey(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The source recorded for frameworks Carefolio ships.
pub const BUILT_IN_SOURCE: &str = "built-in";
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<FrameworkSummary>, FrameworkError> {
    let frameworks = framework::Entity::find()
        .select_only()
        .columns([
            framework::Column::Id,
            framework::Column::Key,
            framework::Column::Title,
            framework::Column::Language,
            framework::Column::Levels,
        ])
        .order_by_asc(framework::Column::Key)
        .into_tuple::<(Uuid, String, String, String, String)>()
        .all(db)
        .await?;
    let mut summaries = Vec::with_capacity(frameworks.len());
    for (id, key, title, language, levels) in frameworks {
        let competence_count = competence::Entity::find()
            .filter(competence::Column::FrameworkId.eq(id))
            .filter(competence::Column::ItemType.eq(model::COMPETENCE))
            .filter(competence::Column::RetiredAt.is_null())
            .count(db)
            .await?;
        summaries.push(FrameworkSummary {
            id,
            levels: versions::parse_scale(&levels, &language)
                .map(|scale| {
                    scale
                        .levels
                        .iter()
                        .map(|level| {
                            model::pick(&level.title, &language)
                                .unwrap_or("")
                                .to_owned()
                        })
                        .collect()
                })
                .unwrap_or_default(),
            key,
            title,
            language,
            competence_count,
        });
    }
    Ok(summaries)
}

/// A framework's identity without its (large) stored package.
struct FrameworkName {
    id: Uuid,
    key: String,
    title: String,
}

fn names_query() -> sea_orm::Select<framework::Entity> {
    framework::Entity::find().select_only().columns([
        framework::Column::Id,
        framework::Column::Key,
        framework::Column::Title,
    ])
}

async fn names_where<C: ConnectionTrait>(
    db: &C,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<Vec<FrameworkName>, sea_orm::DbErr> {
    Ok(names_query()
        .filter(condition)
        .into_tuple::<(Uuid, String, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, key, title)| FrameworkName { id, key, title })
        .collect())
}

fn to_competence(row: competence::Model, framework: &FrameworkName) -> Competence {
    Competence {
        id: row.id,
        framework_key: framework.key.clone(),
        framework_title: framework.title.clone(),
        iri: row
            .uri
            .clone()
            .unwrap_or_else(|| format!("urn:uuid:{}", row.id)),
        code: row.code,
        item_type: row.item_type,
        title: serde_json::from_str(&row.title).unwrap_or_default(),
        description: row.description.and_then(|d| serde_json::from_str(&d).ok()),
        incomplete: row.incomplete,
        retired: row.retired_at.is_some(),
    }
}

/// Looks up competence references; returns the found competences in the
/// order given and the references that match nothing.
pub async fn resolve<C: ConnectionTrait>(
    db: &C,
    references: &[CompetenceRef],
) -> Result<(Vec<Competence>, Vec<CompetenceRef>), FrameworkError> {
    Ok(split(references, lookup(db, references).await?))
}

/// One answer per reference, in the order given.
async fn lookup<C: ConnectionTrait>(
    db: &C,
    references: &[CompetenceRef],
) -> Result<Vec<Option<Competence>>, FrameworkError> {
    let mut answers = Vec::with_capacity(references.len());
    let mut frameworks: HashMap<String, Option<FrameworkName>> = HashMap::new();
    for reference in references {
        if !frameworks.contains_key(&reference.framework) {
            let row = names_where(db, framework::Column::Key.eq(&reference.framework))
                .await?
                .pop();
            frameworks.insert(reference.framework.clone(), row);
        }
        let Some(Some(framework)) = frameworks.get(&reference.framework) else {
            answers.push(None);
            continue;
        };
        let row = competence::Entity::find()
            .filter(competence::Column::FrameworkId.eq(framework.id))
            .filter(competence::Column::Code.eq(&reference.code))
            .filter(competence::Column::RetiredAt.is_null())
            .one(db)
            .await?;
        answers.push(row.map(|row| to_competence(row, framework)));
    }
    Ok(answers)
}

/// Competence lookups by reference, cached in memory. Items of an imported
/// framework do not change under the same identifier, so entries only expire
/// to bound memory and to pick up re-imports.
pub struct CompetenceCache {
    entries: std::sync::RwLock<HashMap<CompetenceRef, (std::time::Instant, Competence)>>,
    ttl: std::time::Duration,
}

impl CompetenceCache {
    pub fn new(ttl: std::time::Duration) -> Self {
        CompetenceCache {
            entries: Default::default(),
            ttl,
        }
    }

    /// Forgets every entry: after an import on this instance, so that
    /// retired and renamed items show at once (other instances within the TTL).
    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Like [`resolve`], answering from memory what it can.
    pub async fn resolve<C: ConnectionTrait>(
        &self,
        db: &C,
        references: &[CompetenceRef],
    ) -> Result<(Vec<Competence>, Vec<CompetenceRef>), FrameworkError> {
        let mut answers: Vec<Option<Competence>> = {
            let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
            references
                .iter()
                .map(|reference| {
                    entries
                        .get(reference)
                        .filter(|(stored, _)| stored.elapsed() < self.ttl)
                        .map(|(_, competence)| competence.clone())
                })
                .collect()
        };
        let missing: Vec<CompetenceRef> = references
            .iter()
            .zip(&answers)
            .filter(|(_, answer)| answer.is_none())
            .map(|(reference, _)| reference.clone())
            .collect();
        if !missing.is_empty() {
            let looked_up = lookup(db, &missing).await?;
            let now = std::time::Instant::now();
            let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
            for (reference, competence) in missing.iter().zip(&looked_up) {
                if let Some(competence) = competence {
                    entries.insert(reference.clone(), (now, competence.clone()));
                }
            }
            let mut looked_up = looked_up.into_iter();
            for answer in answers.iter_mut().filter(|answer| answer.is_none()) {
                *answer = looked_up.next().flatten();
            }
        }
        Ok(split(references, answers))
    }
}

/// Separates per-reference answers into the competences found, in order,
/// and the references that matched nothing.
fn split(
    references: &[CompetenceRef],
    answers: Vec<Option<Competence>>,
) -> (Vec<Competence>, Vec<CompetenceRef>) {
    let mut found = Vec::new();
    let mut unknown = Vec::new();
    for (reference, answer) in references.iter().zip(answers) {
        match answer {
            Some(competence) => found.push(competence),
            None => unknown.push(reference.clone()),
        }
    }
    (found, unknown)
}

/// The competences with these ids, in the given order.
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<Vec<Competence>, FrameworkError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = competence::Entity::find()
        .filter(competence::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let mut by_id: HashMap<Uuid, Competence> = with_frameworks(db, rows)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Competence rows as the rest of the product sees them, with their
/// frameworks' keys and titles (one query for all the frameworks).
async fn with_frameworks<C: ConnectionTrait>(
    db: &C,
    rows: Vec<competence::Model>,
) -> Result<Vec<Competence>, FrameworkError> {
    let framework_ids: HashSet<Uuid> = rows.iter().map(|r| r.framework_id).collect();
    let frameworks: HashMap<Uuid, FrameworkName> =
        names_where(db, framework::Column::Id.is_in(framework_ids))
            .await?
            .into_iter()
            .map(|f| (f.id, f))
            .collect();
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let framework = frameworks.get(&row.framework_id)?;
            Some(to_competence(row, framework))
        })
        .collect())
}

/// The competences statements name by IRI: a competence's CASE URI, its
/// `urn:uuid:` identifier, or the address Carefolio serves it at
/// (`{base_url}/ims/case/v1p0/CFItems/{id}`). IRIs that name no competence
/// are left out of the answer.
pub async fn by_iris<C: ConnectionTrait>(
    db: &C,
    iris: &[String],
    base_url: &str,
) -> Result<HashMap<String, Competence>, FrameworkError> {
    let own_prefix = format!("{base_url}/ims/case/v1p0/CFItems/");
    let identifier = |iri: &str| {
        iri.strip_prefix("urn:uuid:")
            .or_else(|| iri.strip_prefix(own_prefix.as_str()))
            .and_then(|id| Uuid::parse_str(id).ok())
    };
    let mut found = HashMap::new();
    // A few hundred at a time: well inside both databases' parameter limits.
    for chunk in iris.chunks(400) {
        let ids: Vec<Uuid> = chunk.iter().filter_map(|iri| identifier(iri)).collect();
        let rows = competence::Entity::find()
            .filter(
                competence::Column::Uri
                    .is_in(chunk.iter().cloned())
                    .or(competence::Column::Id.is_in(ids)),
            )
            .all(db)
            .await?;
        let competences = with_frameworks(db, rows).await?;
        for iri in chunk {
            // Its CASE URI (the IRI a competence is known by), else its identifier.
            let by_uri = competences.iter().find(|c| c.iri == *iri);
            let by_id = || {
                let id = identifier(iri)?;
                competences.iter().find(|c| c.id == id)
            };
            if let Some(competence) = by_uri.or_else(by_id) {
                found.insert(iri.clone(), competence.clone());
            }
        }
    }
    Ok(found)
}

/// One item of a framework tree, for choosing competences.
#[derive(Debug, Clone, Serialize)]
pub struct TreeNode {
    /// `framework:code`, the form the `competences` custom parameter takes.
    pub reference: String,
    pub code: String,
    pub item_type: String,
    /// English where the framework has it, else the framework's language.
    pub title: String,
    /// The title in the framework's own language, when it differs.
    pub original_title: Option<String>,
    /// Only competences can be chosen; categories and areas group them.
    pub selectable: bool,
    /// Set by a caller showing an earlier choice.
    pub checked: bool,
    pub children: Vec<TreeNode>,
}

impl TreeNode {
    /// Checks the selectable nodes whose reference is in `chosen`.
    pub fn check(nodes: &mut [TreeNode], chosen: &[String]) {
        for node in nodes {
            node.checked = node.selectable && chosen.contains(&node.reference);
            TreeNode::check(&mut node.children, chosen);
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FrameworkTree {
    pub key: String,
    pub title: String,
    pub language: String,
    pub items: Vec<TreeNode>,
}

/// Every framework with its items nested as the framework orders them.
pub async fn trees<C: ConnectionTrait>(db: &C) -> Result<Vec<FrameworkTree>, FrameworkError> {
    let frameworks = framework::Entity::find()
        .select_only()
        .columns([
            framework::Column::Id,
            framework::Column::Key,
            framework::Column::Title,
            framework::Column::Language,
        ])
        .order_by_asc(framework::Column::Key)
        .into_tuple::<(Uuid, String, String, String)>()
        .all(db)
        .await?;
    let rows = competence::Entity::find()
        .filter(competence::Column::RetiredAt.is_null())
        .order_by_asc(competence::Column::Position)
        .order_by_asc(competence::Column::Code)
        .all(db)
        .await?;
    let mut children: HashMap<Option<Uuid>, Vec<&competence::Model>> = HashMap::new();
    for row in &rows {
        children.entry(row.parent_id).or_default().push(row);
    }
    Ok(frameworks
        .into_iter()
        .map(|(id, key, title, language)| {
            let top: Vec<TreeNode> = children
                .get(&None)
                .into_iter()
                .flatten()
                .filter(|row| row.framework_id == id)
                .map(|row| tree_node(row, &key, &language, &children))
                .collect();
            FrameworkTree {
                items: top,
                key,
                title,
                language,
            }
        })
        .collect())
}

fn tree_node(
    row: &competence::Model,
    framework_key: &str,
    language: &str,
    children: &HashMap<Option<Uuid>, Vec<&competence::Model>>,
) -> TreeNode {
    let titles: LanguageMap = serde_json::from_str(&row.title).unwrap_or_default();
    let original = titles.get(language).cloned();
    let title = titles
        .get("en")
        .or(original.as_ref())
        .or_else(|| titles.values().next())
        .cloned()
        .unwrap_or_else(|| row.code.clone());
    TreeNode {
        reference: format!("{framework_key}:{}", row.code),
        code: row.code.clone(),
        item_type: row.item_type.clone(),
        original_title: original.filter(|o| o != &title),
        selectable: row.item_type == "Competence",
        checked: false,
        children: children
            .get(&Some(row.id))
            .into_iter()
            .flatten()
            .map(|child| tree_node(child, framework_key, language, children))
            .collect(),
        title,
    }
}

/// A framework without its stored document: what lookups need.
#[derive(Debug, Clone)]
pub struct FrameworkHeader {
    pub id: Uuid,
    pub key: String,
    pub title: String,
    pub language: String,
    /// The scale as stored (see `versions::parse_scale`).
    pub levels: String,
}

/// The frameworks matching `condition` (all when none), without reading
/// their stored documents.
pub async fn headers<C: ConnectionTrait>(
    db: &C,
    condition: Option<sea_orm::sea_query::SimpleExpr>,
) -> Result<Vec<FrameworkHeader>, sea_orm::DbErr> {
    let mut query = framework::Entity::find().select_only().columns([
        framework::Column::Id,
        framework::Column::Key,
        framework::Column::Title,
        framework::Column::Language,
        framework::Column::Levels,
    ]);
    if let Some(condition) = condition {
        query = query.filter(condition);
    }
    Ok(query
        .into_tuple::<(Uuid, String, String, String, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, key, title, language, levels)| FrameworkHeader {
            id,
            key,
            title,
            language,
            levels,
        })
        .collect())
}
