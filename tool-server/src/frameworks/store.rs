//! Storing frameworks and looking competences up.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use super::{
    case, Competence, CompetenceRef, FrameworkError, FrameworkSummary, LanguageMap, BUILT_IN,
};
use crate::entities::{competence, framework};
use crate::util::now_ms;

/// Loads the built-in frameworks that are not in the database yet.
pub async fn ensure_built_in<C: TransactionTrait + ConnectionTrait>(
    db: &C,
) -> Result<(), FrameworkError> {
    for (key, package) in BUILT_IN {
        let exists = framework::Entity::find()
            .filter(framework::Column::Key.eq(*key))
            .count(db)
            .await?
            > 0;
        if exists {
            continue;
        }
        match import(db, key, package).await {
            Ok(summary) => tracing::info!(
                key,
                competences = summary.competence_count,
                "loaded built-in framework"
            ),
            // Another instance loaded it at the same moment.
            Err(FrameworkError::DuplicateKey(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn language_map(language: &str, text: &str) -> LanguageMap {
    LanguageMap::from([(language.to_owned(), text.to_owned())])
}

/// Imports a CASE package under `key`.
pub async fn import<C: TransactionTrait>(
    db: &C,
    key: &str,
    json: &str,
) -> Result<FrameworkSummary, FrameworkError> {
    let package = case::parse(json).map_err(|e| FrameworkError::InvalidPackage(e.to_string()))?;
    let document_id = Uuid::parse_str(&package.document.identifier).map_err(|_| {
        FrameworkError::InvalidPackage("CFDocument.identifier is not a UUID".into())
    })?;
    let doc_language = package
        .document
        .language
        .clone()
        .unwrap_or_else(|| "en".to_owned());

    let mut parents: HashMap<&str, (&str, i32)> = HashMap::new();
    for association in package
        .associations
        .iter()
        .filter(|a| a.association_type == "isChildOf")
    {
        parents.insert(
            association.origin.identifier.as_str(),
            (
                association.destination.identifier.as_str(),
                association.sequence_number.unwrap_or(0),
            ),
        );
    }
    let levels: Vec<String> = package
        .rubrics
        .first()
        .and_then(|rubric| rubric.criteria.first())
        .map(|criterion| {
            let mut levels: Vec<_> = criterion.levels.iter().collect();
            levels.sort_by_key(|level| level.position.unwrap_or(0));
            levels
                .iter()
                .filter_map(|level| level.quality.clone())
                .collect()
        })
        .unwrap_or_default();

    let txn = db.begin().await?;
    let insert = framework::ActiveModel {
        id: Set(document_id),
        key: Set(key.to_owned()),
        title: Set(package.document.title.clone()),
        language: Set(doc_language.clone()),
        version: Set(package.document.version.clone()),
        publisher: Set(package.document.publisher.clone()),
        description: Set(package.document.description.clone()),
        levels: Set(serde_json::to_string(&levels).unwrap_or_else(|_| "[]".into())),
        case_package: Set(json.to_owned()),
        imported_at: Set(now_ms()),
    }
    .insert(&txn)
    .await;
    if let Err(e) = insert {
        return Err(if crate::db::is_unique_violation(&e) {
            FrameworkError::DuplicateKey(key.to_owned())
        } else {
            e.into()
        });
    }

    let mut rows = Vec::with_capacity(package.items.len());
    for item in &package.items {
        let id = Uuid::parse_str(&item.identifier).map_err(|_| {
            FrameworkError::InvalidPackage(format!(
                "CFItem.identifier {:?} is not a UUID",
                item.identifier
            ))
        })?;
        let language = item
            .language
            .clone()
            .unwrap_or_else(|| doc_language.clone());
        let (title, description) = match &item.abbreviated_statement {
            Some(short) => (
                language_map(&language, short),
                Some(language_map(&language, &item.full_statement)),
            ),
            None => (language_map(&language, &item.full_statement), None),
        };
        let mut title = title;
        // Convention: an item not in English carries its English label in alternativeLabel.
        if let Some(english) = &item.alternative_label {
            if !language.starts_with("en") {
                title.insert("en".to_owned(), english.clone());
            }
        }
        let (parent, position) = match parents.get(item.identifier.as_str()) {
            Some((parent, position)) if *parent != package.document.identifier => {
                (Uuid::parse_str(parent).ok(), *position)
            }
            Some((_, position)) => (None, *position),
            None => (None, 0),
        };
        rows.push(competence::ActiveModel {
            id: Set(id),
            framework_id: Set(document_id),
            parent_id: Set(parent),
            code: Set(item
                .human_coding_scheme
                .clone()
                .unwrap_or_else(|| item.identifier.clone())),
            item_type: Set(item
                .item_type
                .clone()
                .unwrap_or_else(|| "Competence".to_owned())),
            title: Set(serde_json::to_string(&title).unwrap_or_default()),
            description: Set(description.map(|d| serde_json::to_string(&d).unwrap_or_default())),
            uri: Set(Some(item.uri.clone())),
            position: Set(position),
            incomplete: Set(item
                .notes
                .as_deref()
                .is_some_and(|n| n.starts_with("incomplete"))),
        });
    }
    let competence_count = rows
        .iter()
        .filter(|r| matches!(&r.item_type, Set(t) if t == "Competence"))
        .count() as u64;
    for chunk in rows.chunks(100) {
        competence::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(FrameworkSummary {
        id: document_id,
        key: key.to_owned(),
        title: package.document.title,
        language: doc_language,
        levels,
        competence_count,
    })
}

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
            .filter(competence::Column::ItemType.eq("Competence"))
            .count(db)
            .await?;
        summaries.push(FrameworkSummary {
            id,
            levels: serde_json::from_str(&levels).unwrap_or_default(),
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
    let framework_ids: Vec<Uuid> = rows.iter().map(|r| r.framework_id).collect();
    let frameworks: HashMap<Uuid, FrameworkName> =
        names_where(db, framework::Column::Id.is_in(framework_ids))
            .await?
            .into_iter()
            .map(|f| (f.id, f))
            .collect();
    let mut by_id: HashMap<Uuid, Competence> = rows
        .into_iter()
        .filter_map(|row| {
            let framework = frameworks.get(&row.framework_id)?;
            Some((row.id, to_competence(row, framework)))
        })
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
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
