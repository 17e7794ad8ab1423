//! Saving a framework (a first import or a newer version of one already
//! stored) and loading it back for export. A newer version updates items
//! in place by identifier, adds new ones and retires the ones it leaves
//! out: retired items stay, so evidence and links tied to them still
//! resolve, and the report names them with how much is tied to them.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use super::model::{self, Framework, Node, Scale};
use super::{FrameworkError, LanguageMap};
use crate::entities::{competence, framework, resource_link_competence};
use crate::util::now_ms;

/// What an import did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = FrameworkImportReport)]
pub struct ImportReport {
    pub key: String,
    pub title: String,
    /// Whether this was the framework's first import.
    pub created: bool,
    pub previous_version: Option<String>,
    pub version: Option<String>,
    /// Live competences after the import.
    pub competences: u64,
    /// Codes of items that are new.
    pub added: Vec<String>,
    /// Codes of items whose text, place, scale or rule changed.
    pub changed: Vec<String>,
    /// Codes of items retired earlier that this version brings back.
    pub restored: Vec<String>,
    /// Items this version leaves out.
    pub retired: Vec<RetiredItem>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RetiredItem {
    pub code: String,
    pub title: String,
    /// Activities (resource links) tied to the item; they keep the tie.
    pub tied_links: u64,
}

/// Where an import came from, kept with the framework.
#[derive(Debug, Clone)]
pub struct Source {
    /// `built-in`, a file name or a URL.
    pub name: String,
    /// The document as read.
    pub document: String,
}

/// Saves `framework` under `key` (or the key it already has, or one made
/// from its title), in one transaction: a failed import changes nothing.
pub async fn save<C: TransactionTrait>(
    db: &C,
    requested_key: Option<&str>,
    framework: &Framework,
    source: Source,
) -> Result<ImportReport, FrameworkError> {
    if let Some(key) = requested_key {
        if !model::is_valid_key(key) {
            return Err(FrameworkError::InvalidKey(key.to_owned()));
        }
    }
    let txn = db.begin().await?;
    let existing = framework::Entity::find_by_id(framework.identifier)
        .one(&txn)
        .await?;
    let key = match (&existing, requested_key) {
        (Some(row), Some(key)) if row.key != key => {
            return Err(FrameworkError::AlreadyImportedAs {
                key: key.to_owned(),
                existing: row.key.clone(),
            })
        }
        (Some(row), _) => row.key.clone(),
        (None, Some(key)) => {
            if key_taken(&txn, key).await? {
                return Err(FrameworkError::DuplicateKey(key.to_owned()));
            }
            key.to_owned()
        }
        (None, None) => free_key(&txn, &model::key_from_title(&framework.title)).await?,
    };
    // Item identifiers are global: refuse a file that reuses another framework's.
    let ids: Vec<Uuid> = framework.nodes.iter().map(|n| n.identifier).collect();
    for chunk in ids.chunks(500) {
        if let Some(foreign) = competence::Entity::find()
            .filter(competence::Column::Id.is_in(chunk.iter().copied()))
            .filter(competence::Column::FrameworkId.ne(framework.identifier))
            .one(&txn)
            .await?
        {
            return Err(FrameworkError::Invalid(model::Invalid::new(
                format!("item {}", foreign.code),
                format!(
                    "the identifier {} belongs to an item of another framework",
                    foreign.id
                ),
            )));
        }
    }

    let now = now_ms();
    let scale_json = framework
        .scale
        .as_ref()
        .map_or_else(|| "[]".to_owned(), to_json);
    let mut row = framework::ActiveModel {
        id: Set(framework.identifier),
        key: Set(key.clone()),
        title: Set(framework.title.clone()),
        language: Set(framework.language.clone()),
        version: Set(framework.version.clone()),
        publisher: Set(framework.publisher.clone()),
        description: Set(framework.description.clone()),
        levels: Set(scale_json),
        case_package: Set(source.document),
        imported_at: Set(now),
        uri: Set(Some(framework.uri.clone())),
        creator: Set(framework.creator.clone()),
        official_source_url: Set(framework.official_source_url.clone()),
        source: Set(Some(source.name)),
        updated_at: Set(Some(now)),
    };
    let previous_version = match &existing {
        Some(stored) => {
            row.imported_at = Set(stored.imported_at);
            row.update(&txn).await?;
            stored.version.clone()
        }
        None => {
            if let Err(e) = row.insert(&txn).await {
                return Err(if crate::db::is_unique_violation(&e) {
                    FrameworkError::DuplicateKey(key)
                } else {
                    e.into()
                });
            }
            None
        }
    };

    let stored: HashMap<Uuid, competence::Model> = competence::Entity::find()
        .filter(competence::Column::FrameworkId.eq(framework.identifier))
        .all(&txn)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    let mut report = ImportReport {
        key,
        title: framework.title.clone(),
        created: existing.is_none(),
        previous_version,
        version: framework.version.clone(),
        competences: framework.nodes.iter().filter(|n| n.is_competence()).count() as u64,
        added: Vec::new(),
        changed: Vec::new(),
        restored: Vec::new(),
        retired: Vec::new(),
    };
    let mut inserts = Vec::new();
    for node in &framework.nodes {
        let fresh = to_row(framework.identifier, node);
        match stored.get(&node.identifier) {
            None => {
                report.added.push(node.code.clone());
                inserts.push(fresh);
            }
            Some(old) => {
                let wanted = competence::Model {
                    retired_at: None,
                    ..row_model(framework.identifier, node)
                };
                if old.retired_at.is_some() {
                    report.restored.push(node.code.clone());
                } else if *old != wanted {
                    report.changed.push(node.code.clone());
                }
                if *old != wanted {
                    let mut update: competence::ActiveModel = fresh;
                    update.retired_at = Set(None);
                    update.update(&txn).await?;
                }
            }
        }
    }
    for chunk in inserts.chunks(100) {
        competence::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    let kept: std::collections::HashSet<Uuid> = ids.iter().copied().collect();
    let mut gone: Vec<&competence::Model> = stored
        .values()
        .filter(|row| row.retired_at.is_none() && !kept.contains(&row.id))
        .collect();
    gone.sort_by_key(|row| model::natural_key(&row.code));
    for row in gone {
        let tied_links = resource_link_competence::Entity::find()
            .filter(resource_link_competence::Column::CompetenceId.eq(row.id))
            .count(&txn)
            .await?;
        let title: LanguageMap = serde_json::from_str(&row.title).unwrap_or_default();
        report.retired.push(RetiredItem {
            code: row.code.clone(),
            title: model::pick(&title, &framework.language)
                .unwrap_or(&row.code)
                .to_owned(),
            tied_links,
        });
        competence::ActiveModel {
            id: Set(row.id),
            retired_at: Set(Some(now)),
            ..Default::default()
        }
        .update(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(report)
}

async fn key_taken<C: ConnectionTrait>(db: &C, key: &str) -> Result<bool, sea_orm::DbErr> {
    Ok(framework::Entity::find()
        .filter(framework::Column::Key.eq(key))
        .count(db)
        .await?
        > 0)
}

/// `base`, or `base-2`, `base-3`… whichever is free.
async fn free_key<C: ConnectionTrait>(db: &C, base: &str) -> Result<String, sea_orm::DbErr> {
    let mut candidate = base.to_owned();
    let mut n = 1;
    while key_taken(db, &candidate).await? {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn row_model(framework_id: Uuid, node: &Node) -> competence::Model {
    competence::Model {
        id: node.identifier,
        framework_id,
        parent_id: node.parent,
        code: node.code.clone(),
        item_type: node.item_type.clone(),
        title: to_json(&node.title),
        description: node.description.as_ref().map(to_json),
        uri: Some(node.uri.clone()),
        position: node.position,
        incomplete: node.is_incomplete(),
        scale: node.scale.as_ref().map(to_json),
        rule: node.rule.as_ref().map(to_json),
        related: (!node.related.is_empty()).then(|| to_json(&node.related)),
        notes: node.notes.clone(),
        retired_at: None,
    }
}

fn to_row(framework_id: Uuid, node: &Node) -> competence::ActiveModel {
    let row = row_model(framework_id, node);
    competence::ActiveModel {
        id: Set(row.id),
        framework_id: Set(row.framework_id),
        parent_id: Set(row.parent_id),
        code: Set(row.code),
        item_type: Set(row.item_type),
        title: Set(row.title),
        description: Set(row.description),
        uri: Set(row.uri),
        position: Set(row.position),
        incomplete: Set(row.incomplete),
        scale: Set(row.scale),
        rule: Set(row.rule),
        related: Set(row.related),
        notes: Set(row.notes),
        retired_at: Set(row.retired_at),
    }
}

/// A stored scale: the current shape, or the list of level names that
/// earlier versions stored.
pub fn parse_scale(json: &str, language: &str) -> Option<Scale> {
    if let Ok(scale) = serde_json::from_str::<Scale>(json) {
        return (!scale.levels.is_empty()).then_some(scale);
    }
    let names: Vec<String> = serde_json::from_str(json).ok()?;
    (!names.is_empty()).then(|| Scale {
        levels: names
            .into_iter()
            .map(|name| model::Level {
                title: LanguageMap::from([(language.to_owned(), name)]),
                description: None,
            })
            .collect(),
    })
}

/// The stored framework with this key, as the model (live items only).
pub async fn load<C: ConnectionTrait>(db: &C, key: &str) -> Result<Framework, FrameworkError> {
    let row = framework::Entity::find()
        .filter(framework::Column::Key.eq(key))
        .one(db)
        .await?
        .ok_or_else(|| FrameworkError::NotFound(key.to_owned()))?;
    let items = competence::Entity::find()
        .filter(competence::Column::FrameworkId.eq(row.id))
        .filter(competence::Column::RetiredAt.is_null())
        .all(db)
        .await?;
    let live: std::collections::HashSet<Uuid> = items.iter().map(|i| i.id).collect();
    let nodes = items
        .into_iter()
        .map(|item| {
            let mut rule: Option<model::CompletionRule> = item
                .rule
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok());
            if let Some(model::CompletionRule {
                kind: model::RuleKind::Points { children, .. },
                ..
            }) = &mut rule
            {
                children.retain(|child| live.contains(&child.node));
            }
            let related: Vec<Uuid> = item
                .related
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok())
                .unwrap_or_default();
            Node {
                identifier: item.id,
                uri: item.uri.unwrap_or_else(|| format!("urn:uuid:{}", item.id)),
                code: item.code,
                item_type: item.item_type,
                title: serde_json::from_str(&item.title).unwrap_or_default(),
                description: item.description.and_then(|d| serde_json::from_str(&d).ok()),
                parent: item.parent_id.filter(|p| live.contains(p)),
                position: item.position,
                notes: item.notes,
                scale: item
                    .scale
                    .as_deref()
                    .and_then(|s| parse_scale(s, &row.language)),
                rule,
                related: related.into_iter().filter(|r| live.contains(r)).collect(),
            }
        })
        .collect();
    let mut framework = Framework {
        identifier: row.id,
        uri: row.uri.unwrap_or_else(|| format!("urn:uuid:{}", row.id)),
        title: row.title,
        scale: parse_scale(&row.levels, &row.language),
        language: row.language,
        version: row.version,
        creator: row.creator,
        publisher: row.publisher,
        description: row.description,
        official_source_url: row.official_source_url,
        nodes,
    };
    framework.validate(|id| format!("stored item {id}"))?;
    Ok(framework)
}

/// Identifiers of the stored framework with `key` (if any), matched by
/// code, so that re-importing a Moodle CSV keeps every tie.
pub struct StoredIdentities {
    framework: Option<Uuid>,
    nodes: HashMap<String, (Uuid, String)>,
}

impl StoredIdentities {
    pub async fn of<C: ConnectionTrait>(db: &C, key: &str) -> Result<Self, sea_orm::DbErr> {
        let Some(row) = framework::Entity::find()
            .filter(framework::Column::Key.eq(key))
            .one(db)
            .await?
        else {
            return Ok(StoredIdentities {
                framework: None,
                nodes: HashMap::new(),
            });
        };
        let mut nodes = HashMap::new();
        // Live items win over retired ones with the same code.
        let mut items = competence::Entity::find()
            .filter(competence::Column::FrameworkId.eq(row.id))
            .all(db)
            .await?;
        items.sort_by_key(|i| i.retired_at.is_none());
        for item in items {
            let uri = item.uri.unwrap_or_else(|| format!("urn:uuid:{}", item.id));
            nodes.insert(item.code, (item.id, uri));
        }
        Ok(StoredIdentities {
            framework: Some(row.id),
            nodes,
        })
    }
}

impl super::moodle_csv::Identities for StoredIdentities {
    fn framework(&self, id_number: &str) -> Uuid {
        self.framework
            .unwrap_or_else(|| super::moodle_csv::Derived.framework(id_number))
    }

    fn node(&self, framework: Uuid, code: &str) -> (Uuid, String) {
        match self.nodes.get(code) {
            Some(known) => known.clone(),
            None => super::moodle_csv::Derived.node(framework, code),
        }
    }
}
