//! Badge classes: what earns a badge. Providers define them from JSON
//! (`carefolio badge define`, the administrators' API); CARER+ and PAT
//! ship with one per CARER+ area and level and one per PAT category.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::image::{self, Drawing};
use super::BadgeError;
use crate::entities::{badge_award, badge_class, competence, framework};
use crate::frameworks::model::{self, pick};
use crate::frameworks::{versions, LanguageMap};
use crate::util::now_ms;

/// The frameworks that ship with default badges.
pub const WITH_DEFAULTS: &[&str] = &["carerplus", "pat"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The node itself, a competence, accepted (at the level).
    Competence,
    /// Every competence under the node accepted.
    All,
    /// `required` of the competences under the node accepted.
    NOf,
}

impl Rule {
    fn as_str(self) -> &'static str {
        match self {
            Rule::Competence => "competence",
            Rule::All => "all",
            Rule::NOf => "n_of",
        }
    }

    fn parse(text: &str) -> Rule {
        match text {
            "competence" => Rule::Competence,
            "n_of" => Rule::NOf,
            _ => Rule::All,
        }
    }
}

/// A badge class as a provider writes it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Definition {
    /// Stable name, `[a-z0-9_-]`, for example `carerplus-3-2`.
    pub key: String,
    /// The framework's key.
    pub framework: String,
    /// The node's code in the framework (a competence, an area, a category).
    pub node: String,
    /// The level, 1-based, where the framework has levels.
    pub level: Option<i32>,
    pub rule: Rule,
    /// For `n_of`: how many competences.
    pub required: Option<i32>,
    /// Per language: `{"en": "…", "nb": "…"}`.
    #[schema(value_type = HashMap<String, String>)]
    pub name: LanguageMap,
    #[serde(default)]
    #[schema(value_type = HashMap<String, String>)]
    pub description: LanguageMap,
    /// An SVG of the provider's; without one, Carefolio draws one.
    pub image_svg: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BadgeClassView {
    pub id: Uuid,
    pub key: String,
    pub framework_key: String,
    pub node_id: Uuid,
    pub node_code: String,
    pub level: Option<i32>,
    #[schema(value_type = Option<HashMap<String, String>>)]
    pub level_title: Option<LanguageMap>,
    pub rule: Rule,
    pub required: Option<i32>,
    /// The competences that count toward it.
    pub competences: usize,
    #[schema(value_type = HashMap<String, String>)]
    pub name: LanguageMap,
    #[schema(value_type = HashMap<String, String>)]
    pub description: LanguageMap,
    pub built_in: bool,
    /// Where its image is served.
    pub image_path: String,
}

/// The competences a class counts: the node itself for `competence`,
/// else every competence under it (not retired).
pub async fn competences_of<C: ConnectionTrait>(
    db: &C,
    class: &badge_class::Model,
) -> Result<Vec<Uuid>, sea_orm::DbErr> {
    if Rule::parse(&class.rule) == Rule::Competence {
        return Ok(vec![class.node_id]);
    }
    // Only the tree's shape: titles and texts are most of a row and are
    // not needed here, and this runs for every award on every grade.
    let rows: Vec<(Uuid, Option<Uuid>, String)> = competence::Entity::find()
        .select_only()
        .column(competence::Column::Id)
        .column(competence::Column::ParentId)
        .column(competence::Column::ItemType)
        .filter(competence::Column::FrameworkId.eq(class.framework_id))
        .filter(competence::Column::RetiredAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(descendants(&rows, class.node_id))
}

fn descendant_competences(rows: &[competence::Model], node: Uuid) -> Vec<Uuid> {
    let shape: Vec<(Uuid, Option<Uuid>, String)> = rows
        .iter()
        .map(|row| (row.id, row.parent_id, row.item_type.clone()))
        .collect();
    descendants(&shape, node)
}

/// The competences under `node`, from (id, parent, item type) rows.
fn descendants(rows: &[(Uuid, Option<Uuid>, String)], node: Uuid) -> Vec<Uuid> {
    let mut children: HashMap<Uuid, Vec<(Uuid, &str)>> = HashMap::new();
    for (id, parent, item_type) in rows {
        if let Some(parent) = parent {
            children.entry(*parent).or_default().push((*id, item_type));
        }
    }
    let mut found = Vec::new();
    let mut stack = vec![node];
    let mut seen = HashSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        for (child, item_type) in children.get(&id).into_iter().flatten() {
            if *item_type == model::COMPETENCE {
                found.push(*child);
            }
            stack.push(*child);
        }
    }
    found
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 100
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Defines a badge class, or changes one of the same key (its criteria only
/// while nobody holds it).
pub async fn define<C: ConnectionTrait>(
    db: &C,
    definition: Definition,
) -> Result<BadgeClassView, BadgeError> {
    if !valid_key(&definition.key) {
        return Err(BadgeError::invalid("key", "1 to 100 of a-z, 0-9, - and _"));
    }
    let header = crate::frameworks::store::headers(
        db,
        Some(framework::Column::Key.eq(definition.framework.as_str())),
    )
    .await?
    .pop()
    .ok_or_else(|| BadgeError::invalid("framework", "no framework has this key"))?;
    let rows = competence::Entity::find()
        .filter(competence::Column::FrameworkId.eq(header.id))
        .filter(competence::Column::RetiredAt.is_null())
        .all(db)
        .await?;
    let node = rows
        .iter()
        .find(|row| row.code == definition.node)
        .ok_or_else(|| BadgeError::invalid("node", "no item of the framework has this code"))?;
    let counted = match definition.rule {
        Rule::Competence if node.item_type != model::COMPETENCE => {
            return Err(BadgeError::invalid(
                "rule",
                "`competence` needs a competence as its node; use `all` or `n_of` for a group",
            ))
        }
        Rule::Competence => 1,
        Rule::All | Rule::NOf => descendant_competences(&rows, node.id).len(),
    };
    if counted == 0 {
        return Err(BadgeError::invalid(
            "node",
            "no competence lies under this item",
        ));
    }
    let required = match definition.rule {
        Rule::NOf => {
            let required = definition
                .required
                .ok_or_else(|| BadgeError::invalid("required", "`n_of` needs `required`"))?;
            if required < 1 || usize::try_from(required).unwrap_or(usize::MAX) > counted {
                return Err(BadgeError::invalid(
                    "required",
                    format!("between 1 and {counted}, the competences under the item"),
                ));
            }
            Some(required)
        }
        _ => None,
    };
    if let Some(level) = definition.level {
        let scale = versions::parse_scale(&header.levels, &header.language);
        let levels = scale.map_or(0, |s| s.levels.len());
        if level < 1 || usize::try_from(level).unwrap_or(usize::MAX) > levels {
            return Err(BadgeError::invalid(
                "level",
                if levels == 0 {
                    "this framework has no levels".to_owned()
                } else {
                    format!("between 1 and {levels}")
                },
            ));
        }
    }
    if definition.name.values().all(|n| n.trim().is_empty()) {
        return Err(BadgeError::invalid(
            "name",
            "a name in at least one language",
        ));
    }
    if let Some(svg) = &definition.image_svg {
        image::check_supplied(svg).map_err(|problem| BadgeError::invalid("image_svg", problem))?;
    }
    let existing = badge_class::Entity::find()
        .filter(badge_class::Column::Key.eq(definition.key.as_str()))
        .one(db)
        .await?;
    let row = badge_class::ActiveModel {
        id: Set(existing.as_ref().map_or_else(Uuid::new_v4, |e| e.id)),
        key: Set(definition.key.clone()),
        framework_id: Set(header.id),
        node_id: Set(node.id),
        level: Set(definition.level),
        rule: Set(definition.rule.as_str().to_owned()),
        required: Set(required),
        name: Set(serde_json::to_string(&definition.name).unwrap_or_else(|_| "{}".into())),
        description: Set(
            serde_json::to_string(&definition.description).unwrap_or_else(|_| "{}".into())
        ),
        image_svg: Set(definition.image_svg.clone()),
        built_in: Set(false),
        created_at: Set(existing.as_ref().map_or_else(now_ms, |e| e.created_at)),
        retired_at: Set(None),
    };
    match existing {
        Some(old) => {
            let criteria_changed = old.node_id != node.id
                || old.level != definition.level
                || old.rule != definition.rule.as_str()
                || old.required != required;
            if criteria_changed {
                let held = badge_award::Entity::find()
                    .filter(badge_award::Column::BadgeClassId.eq(old.id))
                    .one(db)
                    .await?
                    .is_some();
                if held {
                    return Err(BadgeError::Conflict(format!(
                        "{} has been awarded: its criteria cannot change; define a new badge",
                        old.key
                    )));
                }
            }
            badge_class::Entity::update(row).exec(db).await?;
        }
        None => {
            badge_class::Entity::insert(row)
                .exec_without_returning(db)
                .await?;
        }
    }
    let stored = badge_class::Entity::find()
        .filter(badge_class::Column::Key.eq(definition.key.as_str()))
        .one(db)
        .await?
        .ok_or(BadgeError::NotFound)?;
    Ok(views(db, vec![stored]).await?.remove(0))
}

/// Adds the default badges of CARER+ and PAT where missing: one per node
/// whose children are competences (CARER+'s areas, PAT's categories), per
/// level where the framework has levels.
pub async fn ensure_defaults<C: ConnectionTrait>(db: &C) -> Result<usize, sea_orm::DbErr> {
    let mut added = 0;
    let known: HashSet<String> = badge_class::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.key)
        .collect();
    for key in WITH_DEFAULTS {
        let Some(header) =
            crate::frameworks::store::headers(db, Some(framework::Column::Key.eq(*key)))
                .await?
                .pop()
        else {
            continue;
        };
        let rows = competence::Entity::find()
            .filter(competence::Column::FrameworkId.eq(header.id))
            .filter(competence::Column::RetiredAt.is_null())
            .order_by_asc(competence::Column::Position)
            .all(db)
            .await?;
        let parents: HashSet<Uuid> = rows
            .iter()
            .filter(|r| r.item_type == model::COMPETENCE)
            .filter_map(|r| r.parent_id)
            .collect();
        let scale = versions::parse_scale(&header.levels, &header.language);
        let levels: Vec<Option<i32>> = match &scale {
            Some(scale) if !scale.levels.is_empty() => (1..=scale.levels.len())
                .map(|l| Some(i32::try_from(l).unwrap_or(i32::MAX)))
                .collect(),
            _ => vec![None],
        };
        // "CARER+", "PAT": the framework's title up to its first space.
        let short = header.title.split_whitespace().next().unwrap_or(key);
        let mut new_rows = Vec::new();
        for node in rows
            .iter()
            .filter(|r| parents.contains(&r.id) && r.item_type != model::COMPETENCE)
        {
            let title: LanguageMap = serde_json::from_str(&node.title).unwrap_or_default();
            for level in &levels {
                let class_key = match level {
                    Some(level) => format!("{key}-{}-{level}", node.code.to_lowercase()),
                    None => format!("{key}-{}", node.code.to_lowercase()),
                };
                if known.contains(&class_key) || !valid_key(&class_key) {
                    continue;
                }
                let level_title = level.and_then(|l| {
                    let index = usize::try_from(l - 1).ok()?;
                    scale.as_ref()?.levels.get(index).map(|t| t.title.clone())
                });
                let name: LanguageMap = title
                    .iter()
                    .map(|(language, text)| {
                        let level = level_title
                            .as_ref()
                            .and_then(|t| pick(t, language))
                            .map(|l| format!(" — {l}"))
                            .unwrap_or_default();
                        (
                            language.clone(),
                            format!("{short} {}: {text}{level}", node.code),
                        )
                    })
                    .collect();
                let description: LanguageMap = LanguageMap::from([(
                    "en".to_owned(),
                    format!(
                        "Awarded when assessors have accepted every competence of {} {} of the {} framework{}.",
                        node.code,
                        pick(&title, "en").unwrap_or(""),
                        header.title,
                        level_title
                            .as_ref()
                            .and_then(|t| pick(t, "en"))
                            .map(|l| format!(", at the level {l}"))
                            .unwrap_or_default()
                    ),
                )]);
                new_rows.push(badge_class::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    key: Set(class_key),
                    framework_id: Set(header.id),
                    node_id: Set(node.id),
                    level: Set(*level),
                    rule: Set(Rule::All.as_str().to_owned()),
                    required: Set(None),
                    name: Set(serde_json::to_string(&name).unwrap_or_else(|_| "{}".into())),
                    description: Set(
                        serde_json::to_string(&description).unwrap_or_else(|_| "{}".into())
                    ),
                    image_svg: Set(None),
                    built_in: Set(true),
                    created_at: Set(now_ms()),
                    retired_at: Set(None),
                });
            }
        }
        added += new_rows.len();
        if !new_rows.is_empty() {
            badge_class::Entity::insert_many(new_rows)
                .exec_without_returning(db)
                .await?;
        }
    }
    Ok(added)
}

/// Every badge class, or a framework's, by key.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    framework_key: Option<&str>,
) -> Result<Vec<BadgeClassView>, BadgeError> {
    let mut select = badge_class::Entity::find().filter(badge_class::Column::RetiredAt.is_null());
    if let Some(key) = framework_key {
        let Some(header) =
            crate::frameworks::store::headers(db, Some(framework::Column::Key.eq(key)))
                .await?
                .pop()
        else {
            return Ok(Vec::new());
        };
        select = select.filter(badge_class::Column::FrameworkId.eq(header.id));
    }
    let rows = select
        .order_by_asc(badge_class::Column::Key)
        .all(db)
        .await?;
    views(db, rows).await
}

pub async fn views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<badge_class::Model>,
) -> Result<Vec<BadgeClassView>, BadgeError> {
    let framework_ids: HashSet<Uuid> = rows.iter().map(|r| r.framework_id).collect();
    let headers: HashMap<Uuid, crate::frameworks::store::FrameworkHeader> =
        crate::frameworks::store::headers(db, Some(framework::Column::Id.is_in(framework_ids)))
            .await?
            .into_iter()
            .map(|h| (h.id, h))
            .collect();
    let mut competences: HashMap<Uuid, Vec<competence::Model>> = HashMap::new();
    for id in headers.keys() {
        competences.insert(
            *id,
            competence::Entity::find()
                .filter(competence::Column::FrameworkId.eq(*id))
                .filter(competence::Column::RetiredAt.is_null())
                .all(db)
                .await?,
        );
    }
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let header = headers.get(&row.framework_id)?;
            let nodes = competences.get(&row.framework_id)?;
            let node = nodes.iter().find(|n| n.id == row.node_id)?;
            let rule = Rule::parse(&row.rule);
            let counted = match rule {
                Rule::Competence => 1,
                _ => descendant_competences(nodes, node.id).len(),
            };
            let level_title = row.level.and_then(|level| {
                let index = usize::try_from(level - 1).ok()?;
                versions::parse_scale(&header.levels, &header.language)?
                    .levels
                    .get(index)
                    .map(|l| l.title.clone())
            });
            Some(BadgeClassView {
                image_path: format!("/badges/classes/{}/image.svg", row.id),
                id: row.id,
                key: row.key,
                framework_key: header.key.clone(),
                node_id: node.id,
                node_code: node.code.clone(),
                level: row.level,
                level_title,
                rule,
                required: row.required,
                competences: counted,
                name: serde_json::from_str(&row.name).unwrap_or_default(),
                description: serde_json::from_str(&row.description).unwrap_or_default(),
                built_in: row.built_in,
            })
        })
        .collect())
}

/// The class's image: the provider's, or one drawn for it.
/// One class as the API and the Open Badges documents describe it.
pub async fn view<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<BadgeClassView, BadgeError> {
    let row = badge_class::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(BadgeError::NotFound)?;
    views(db, vec![row])
        .await?
        .pop()
        .ok_or(BadgeError::NotFound)
}

pub async fn image_of<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<String, BadgeError> {
    let row = badge_class::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(BadgeError::NotFound)?;
    if let Some(svg) = row.image_svg.clone() {
        return Ok(svg);
    }
    let view = views(db, vec![row])
        .await?
        .pop()
        .ok_or(BadgeError::NotFound)?;
    let header = crate::frameworks::store::headers(
        db,
        Some(framework::Column::Key.eq(view.framework_key.as_str())),
    )
    .await?
    .pop()
    .ok_or(BadgeError::NotFound)?;
    let node = competence::Entity::find_by_id(view.node_id)
        .one(db)
        .await?
        .ok_or(BadgeError::NotFound)?;
    let title: LanguageMap = serde_json::from_str(&node.title).unwrap_or_default();
    let level = view
        .level_title
        .as_ref()
        .and_then(|t| pick(t, &header.language))
        .map(str::to_owned);
    Ok(image::draw(&Drawing {
        framework_key: &header.key,
        framework_title: header
            .title
            .split_whitespace()
            .next()
            .unwrap_or(&header.key),
        code: &node.code,
        title: pick(&title, &header.language).unwrap_or(""),
        level: level.as_deref(),
    }))
}
