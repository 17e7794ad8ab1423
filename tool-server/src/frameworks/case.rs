//! 1EdTech CASE 1.0 JSON: packages read into the framework model and
//! written from it. Both the 1.0 shape (`{"CFPackage": {...}}`) and the 1.1
//! shape (unwrapped) are read; the 1.0 shape is written.
//!
//! CASE gives each item one language. Titles and descriptions in further
//! languages, and Moodle-style completion rules, travel in the item's
//! `extensions.carefolio` object, which other CASE readers ignore.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::model::{self, CompletionRule, Framework, Invalid, Level, Node, Scale};
use super::LanguageMap;

#[derive(Debug, Deserialize)]
struct Package {
    #[serde(rename = "CFDocument")]
    document: Document,
    #[serde(rename = "CFItems", default)]
    items: Vec<Item>,
    #[serde(rename = "CFAssociations", default)]
    associations: Vec<Association>,
    #[serde(rename = "CFRubrics", default)]
    rubrics: Vec<Rubric>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    identifier: String,
    uri: String,
    title: String,
    language: Option<String>,
    version: Option<String>,
    creator: Option<String>,
    publisher: Option<String>,
    description: Option<String>,
    #[serde(rename = "officialSourceURL")]
    official_source_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    identifier: String,
    uri: String,
    full_statement: String,
    abbreviated_statement: Option<String>,
    alternative_label: Option<String>,
    human_coding_scheme: Option<String>,
    #[serde(rename = "CFItemType")]
    item_type: Option<String>,
    language: Option<String>,
    notes: Option<String>,
    #[serde(default)]
    extensions: Option<Extensions>,
}

/// Carefolio's own extension of an item or a level.
#[derive(Debug, Default, Deserialize, Serialize)]
struct Extensions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    carefolio: Option<CarefolioExtension>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct CarefolioExtension {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<LanguageMap>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<LanguageMap>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rule: Option<CompletionRule>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Association {
    association_type: String,
    sequence_number: Option<i32>,
    #[serde(rename = "originNodeURI")]
    origin: LinkUri,
    #[serde(rename = "destinationNodeURI")]
    destination: LinkUri,
}

#[derive(Debug, Deserialize, Serialize)]
struct LinkUri {
    #[serde(default)]
    title: String,
    identifier: String,
    #[serde(default)]
    uri: String,
}

#[derive(Debug, Deserialize)]
struct Rubric {
    #[serde(rename = "CFRubricCriteria", default)]
    criteria: Vec<RubricCriterion>,
}

#[derive(Debug, Deserialize)]
struct RubricCriterion {
    #[serde(rename = "CFItemURI")]
    item: Option<LinkUri>,
    #[serde(rename = "CFRubricCriterionLevels", default)]
    levels: Vec<RubricLevel>,
}

#[derive(Debug, Deserialize)]
struct RubricLevel {
    quality: Option<String>,
    description: Option<String>,
    position: Option<i32>,
    #[serde(default)]
    extensions: Option<Extensions>,
}

/// Reads a CASE package (1.0 or 1.1 shape) into the model. Errors name
/// the JSON field (`CFItems[3].identifier`) or the line and column.
pub fn read(json: &[u8]) -> Result<Framework, Invalid> {
    let value: Value = serde_json::from_slice(json).map_err(|e| {
        Invalid::new(
            format!("line {}, column {}", e.line(), e.column()),
            format!("not valid JSON: {e}"),
        )
    })?;
    let (value, prefix) = match value {
        Value::Object(mut object) if object.contains_key("CFPackage") => {
            (object.remove("CFPackage").unwrap_or_default(), "CFPackage.")
        }
        other => (other, ""),
    };
    let package: Package = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        Invalid::new(format!("{prefix}{path}"), e.into_inner().to_string())
    })?;
    into_model(package, prefix)
}

fn uuid_at(value: &str, place: impl FnOnce() -> String) -> Result<Uuid, Invalid> {
    Uuid::parse_str(value).map_err(|_| Invalid::new(place(), format!("{value:?} is not a UUID")))
}

fn into_model(package: Package, prefix: &str) -> Result<Framework, Invalid> {
    let document = package.document;
    let document_id = uuid_at(&document.identifier, || {
        format!("{prefix}CFDocument.identifier")
    })?;
    let language = document
        .language
        .clone()
        .filter(|l| !l.trim().is_empty())
        .unwrap_or_else(|| "en".to_owned());

    let mut index_of: HashMap<Uuid, usize> = HashMap::new();
    let mut nodes = Vec::with_capacity(package.items.len());
    let mut places: HashMap<Uuid, String> = HashMap::new();
    for (i, item) in package.items.into_iter().enumerate() {
        let place = format!("{prefix}CFItems[{i}]");
        let identifier = uuid_at(&item.identifier, || format!("{place}.identifier"))?;
        if item.full_statement.trim().is_empty() {
            return Err(Invalid::new(
                format!("{place}.fullStatement"),
                "the statement is empty",
            ));
        }
        let item_language = item
            .language
            .clone()
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| language.clone());
        let text = |value: &str| LanguageMap::from([(item_language.clone(), value.to_owned())]);
        let (mut title, mut description) = match &item.abbreviated_statement {
            Some(short) if !short.trim().is_empty() => {
                (text(short), Some(text(&item.full_statement)))
            }
            _ => (text(&item.full_statement), None),
        };
        // Convention: an item not in English carries its English label in alternativeLabel.
        if let Some(english) = &item.alternative_label {
            if !item_language.starts_with("en") && !english.trim().is_empty() {
                title.insert("en".to_owned(), english.clone());
            }
        }
        let extension = item
            .extensions
            .and_then(|e| e.carefolio)
            .unwrap_or_default();
        if let Some(all) = extension.title {
            title = all;
        }
        if let Some(all) = extension.description {
            description = Some(all);
        }
        index_of.insert(identifier, nodes.len());
        places.insert(identifier, place);
        nodes.push(Node {
            identifier,
            uri: item.uri,
            code: item
                .human_coding_scheme
                .filter(|c| !c.trim().is_empty())
                .unwrap_or_else(|| item.identifier.clone()),
            item_type: item
                .item_type
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| model::COMPETENCE.to_owned()),
            title,
            description,
            parent: None,
            position: 0,
            notes: item.notes.filter(|n| !n.is_empty()),
            scale: None,
            rule: extension.rule,
            related: Vec::new(),
        });
    }

    for (i, association) in package.associations.iter().enumerate() {
        let place = format!("{prefix}CFAssociations[{i}]");
        let kind = association.association_type.as_str();
        if kind != "isChildOf" && kind != "isRelatedTo" {
            continue;
        }
        let origin = uuid_at(&association.origin.identifier, || {
            format!("{place}.originNodeURI.identifier")
        })?;
        let Some(&child) = index_of.get(&origin) else {
            return Err(Invalid::new(
                format!("{place}.originNodeURI"),
                format!("{origin} is not an item of this package"),
            ));
        };
        let destination = uuid_at(&association.destination.identifier, || {
            format!("{place}.destinationNodeURI.identifier")
        })?;
        match kind {
            "isChildOf" => {
                if destination != document_id && !index_of.contains_key(&destination) {
                    return Err(Invalid::new(
                        format!("{place}.destinationNodeURI"),
                        format!(
                            "{destination} is neither the document nor an item of this package"
                        ),
                    ));
                }
                let node = &mut nodes[child];
                node.parent = (destination != document_id).then_some(destination);
                node.position = association.sequence_number.unwrap_or(0);
            }
            // A relation to another framework's item is not kept.
            _ => {
                if index_of.contains_key(&destination) {
                    nodes[child].related.push(destination);
                }
            }
        }
    }

    let mut scale = None;
    for (r, rubric) in package.rubrics.iter().enumerate() {
        for (c, criterion) in rubric.criteria.iter().enumerate() {
            let place = format!("{prefix}CFRubrics[{r}].CFRubricCriteria[{c}]");
            let levels = read_levels(&criterion.levels, &language, &place)?;
            match &criterion.item {
                Some(item) => {
                    let id = uuid_at(&item.identifier, || format!("{place}.CFItemURI.identifier"))?;
                    let Some(&index) = index_of.get(&id) else {
                        return Err(Invalid::new(
                            format!("{place}.CFItemURI"),
                            format!("{id} is not an item of this package"),
                        ));
                    };
                    nodes[index].scale = levels;
                }
                None if scale.is_none() => scale = levels,
                None => {}
            }
        }
    }

    let mut framework = Framework {
        identifier: document_id,
        uri: document.uri,
        title: document.title,
        language,
        version: document.version,
        creator: document.creator,
        publisher: document.publisher,
        description: document.description,
        official_source_url: document.official_source_url,
        scale,
        nodes,
    };
    framework.validate(|id| {
        places
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("item {id}"))
    })?;
    Ok(framework)
}

fn read_levels(
    levels: &[RubricLevel],
    language: &str,
    place: &str,
) -> Result<Option<Scale>, Invalid> {
    if levels.is_empty() {
        return Ok(None);
    }
    let mut ordered: Vec<(usize, &RubricLevel)> = levels.iter().enumerate().collect();
    ordered.sort_by_key(|(i, level)| (level.position.unwrap_or(*i as i32), *i));
    let mut out = Vec::with_capacity(levels.len());
    for (i, level) in ordered {
        let quality = level.quality.as_deref().unwrap_or("").trim();
        let extension = level.extensions.as_ref().and_then(|e| e.carefolio.as_ref());
        let title = match extension.and_then(|e| e.title.clone()) {
            Some(all) => all,
            None if quality.is_empty() => {
                return Err(Invalid::new(
                    format!("{place}.CFRubricCriterionLevels[{i}].quality"),
                    "the level has no name",
                ))
            }
            None => LanguageMap::from([(language.to_owned(), quality.to_owned())]),
        };
        let description = match extension.and_then(|e| e.description.clone()) {
            Some(all) => Some(all),
            None => level
                .description
                .as_ref()
                .filter(|d| !d.trim().is_empty())
                .map(|d| LanguageMap::from([(language.to_owned(), d.clone())])),
        };
        out.push(Level { title, description });
    }
    Ok(Some(Scale { levels: out }))
}

/// The package as CASE 1.0 JSON (`{"CFPackage": …}`). Identifiers of the
/// associations, rubrics and item types are derived from the framework's,
/// so exporting twice gives the same document.
pub fn write(framework: &Framework, changed: &str) -> Value {
    let document_link = serde_json::json!({
        "title": framework.title,
        "identifier": framework.identifier,
        "uri": framework.uri,
    });
    let derived = |what: &str| Uuid::new_v5(&framework.identifier, what.as_bytes());
    let urn = |id: Uuid| format!("urn:uuid:{id}");

    let mut item_types: Vec<&str> = Vec::new();
    for node in &framework.nodes {
        if !item_types.contains(&node.item_type.as_str()) {
            item_types.push(&node.item_type);
        }
    }
    let type_link = |name: &str| {
        let id = derived(&format!("item-type:{name}"));
        serde_json::json!({"title": name, "identifier": id, "uri": urn(id)})
    };

    let items: Vec<Value> = framework
        .nodes
        .iter()
        .map(|node| {
            let language = if node.title.contains_key(&framework.language) {
                framework.language.clone()
            } else {
                node.title.keys().next().cloned().unwrap_or_default()
            };
            let title = model::pick(&node.title, &language).unwrap_or(&node.code);
            let mut item = serde_json::json!({
                "identifier": node.identifier,
                "uri": node.uri,
                "CFDocumentURI": document_link,
                "humanCodingScheme": node.code,
                "CFItemType": node.item_type,
                "CFItemTypeURI": type_link(&node.item_type),
                "language": language,
                "lastChangeDateTime": changed,
            });
            let own = |map: &LanguageMap| map.len() == 1 && map.contains_key(&language);
            match &node.description {
                Some(description) => {
                    item["abbreviatedStatement"] = title.into();
                    item["fullStatement"] =
                        model::pick(description, &language).unwrap_or(title).into();
                }
                None => item["fullStatement"] = title.into(),
            }
            if !language.starts_with("en") {
                if let Some(english) = node.title.get("en") {
                    item["alternativeLabel"] = english.as_str().into();
                }
            }
            if let Some(notes) = &node.notes {
                item["notes"] = notes.as_str().into();
            }
            let extension = CarefolioExtension {
                title: (!own(&node.title)).then(|| node.title.clone()),
                description: node.description.clone().filter(|d| !own(d)),
                rule: node.rule.clone(),
            };
            if extension.title.is_some()
                || extension.description.is_some()
                || extension.rule.is_some()
            {
                item["extensions"] = serde_json::json!({ "carefolio": extension });
            }
            item
        })
        .collect();

    let mut associations = Vec::new();
    let link_to = |node: &Node| serde_json::json!({"title": node.code, "identifier": node.identifier, "uri": node.uri});
    for node in &framework.nodes {
        let destination = match node.parent.and_then(|p| framework.node(p)) {
            Some(parent) => link_to(parent),
            None => document_link.clone(),
        };
        let id = derived(&format!("isChildOf:{}", node.identifier));
        associations.push(serde_json::json!({
            "identifier": id,
            "uri": urn(id),
            "associationType": "isChildOf",
            "sequenceNumber": node.position,
            "originNodeURI": link_to(node),
            "destinationNodeURI": destination,
            "CFDocumentURI": document_link,
            "lastChangeDateTime": changed,
        }));
    }
    // Related items once per pair, from the one that comes first.
    let order: HashMap<Uuid, usize> = framework
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.identifier, i))
        .collect();
    for (i, node) in framework.nodes.iter().enumerate() {
        for related in &node.related {
            let Some(other) = framework.node(*related) else {
                continue;
            };
            if order.get(related).is_some_and(|&j| j > i) {
                let id = derived(&format!("isRelatedTo:{}:{}", node.identifier, related));
                associations.push(serde_json::json!({
                    "identifier": id,
                    "uri": urn(id),
                    "associationType": "isRelatedTo",
                    "originNodeURI": link_to(node),
                    "destinationNodeURI": link_to(other),
                    "CFDocumentURI": document_link,
                    "lastChangeDateTime": changed,
                }));
            }
        }
    }

    let mut criteria = Vec::new();
    let rubric_id = derived("rubric");
    let mut criterion = |scale: &Scale, node: Option<&Node>| {
        let key = node.map_or("framework".to_owned(), |n| n.identifier.to_string());
        let criterion_id = derived(&format!("criterion:{key}"));
        let levels: Vec<Value> = scale
            .levels
            .iter()
            .enumerate()
            .map(|(i, level)| {
                write_level(
                    level,
                    &framework.language,
                    criterion_id,
                    i,
                    changed,
                    &derived,
                )
            })
            .collect();
        let mut value = serde_json::json!({
            "identifier": criterion_id,
            "uri": urn(criterion_id),
            "category": node.map_or("Proficiency level".to_owned(), |n| format!("Proficiency level of {}", n.code)),
            "position": criteria.len() + 1,
            "rubricId": rubric_id,
            "lastChangeDateTime": changed,
            "CFRubricCriterionLevels": levels,
        });
        if let Some(node) = node {
            value["CFItemURI"] = link_to(node);
        }
        criteria.push(value);
    };
    if let Some(scale) = &framework.scale {
        criterion(scale, None);
    }
    for node in &framework.nodes {
        if let Some(scale) = &node.scale {
            criterion(scale, Some(node));
        }
    }

    let mut document = serde_json::json!({
        "identifier": framework.identifier,
        "uri": framework.uri,
        "title": framework.title,
        "language": framework.language,
        "lastChangeDateTime": changed,
        "CFPackageURI": document_link,
    });
    for (field, value) in [
        ("version", &framework.version),
        ("creator", &framework.creator),
        ("publisher", &framework.publisher),
        ("description", &framework.description),
        ("officialSourceURL", &framework.official_source_url),
    ] {
        if let Some(value) = value {
            document[field] = value.as_str().into();
        }
    }
    let item_types: Vec<Value> = item_types
        .iter()
        .map(|name| {
            let mut link = type_link(name);
            link["description"] = (*name).into();
            link["hierarchyCode"] = (*name).into();
            link["lastChangeDateTime"] = changed.into();
            link
        })
        .collect();
    let mut package = serde_json::json!({
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
        "CFDefinitions": {
            "CFConcepts": [], "CFSubjects": [], "CFLicenses": [],
            "CFItemTypes": item_types, "CFAssociationGroupings": [],
        },
    });
    if !criteria.is_empty() {
        package["CFRubrics"] = serde_json::json!([{
            "identifier": rubric_id,
            "uri": urn(rubric_id),
            "title": "Proficiency levels",
            "lastChangeDateTime": changed,
            "CFRubricCriteria": criteria,
        }]);
    }
    serde_json::json!({ "CFPackage": package })
}

fn write_level(
    level: &Level,
    language: &str,
    criterion: Uuid,
    index: usize,
    changed: &str,
    derived: &impl Fn(&str) -> Uuid,
) -> Value {
    let id = derived(&format!("level:{criterion}:{index}"));
    let quality = model::pick(&level.title, language).unwrap_or("");
    let mut value = serde_json::json!({
        "identifier": id,
        "uri": format!("urn:uuid:{id}"),
        "quality": quality,
        "position": index + 1,
        "score": index + 1,
        "criterionId": criterion,
        "lastChangeDateTime": changed,
    });
    let own = |map: &LanguageMap| map.len() == 1 && map.contains_key(language);
    if let Some(description) = &level.description {
        if let Some(text) = model::pick(description, language) {
            value["description"] = text.into();
        }
    }
    let extension = CarefolioExtension {
        title: (!own(&level.title)).then(|| level.title.clone()),
        description: level.description.clone().filter(|d| !own(d)),
        rule: None,
    };
    if extension.title.is_some() || extension.description.is_some() {
        value["extensions"] = serde_json::json!({ "carefolio": extension });
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frameworks::model::tests::{framework, node, text};
    use crate::frameworks::model::{ChildPoints, RuleKind, RuleOutcome};
    use crate::frameworks::BUILT_IN;

    #[test]
    fn the_built_in_frameworks_survive_export_and_import() {
        for (key, json) in BUILT_IN {
            let original = read(json.as_bytes()).expect(key);
            let exported =
                serde_json::to_vec(&write(&original, "2026-11-30T00:00:00Z")).expect("json");
            let again = read(&exported).expect("re-read");
            assert_eq!(original, again, "{key}");
        }
    }

    #[test]
    fn languages_scales_rules_and_relations_round_trip() {
        let mut parent = node(1, "1", None, 1);
        parent.title.insert("nb".into(), "Element 1".into());
        parent.description = Some(text("nb", "Bare på norsk"));
        parent.rule = Some(CompletionRule {
            outcome: RuleOutcome::Complete,
            kind: RuleKind::Points {
                required: 2,
                children: vec![ChildPoints {
                    node: Uuid::from_u128(2),
                    points: 2,
                    required: true,
                }],
            },
        });
        let mut child = node(2, "1.1", Some(1), 1);
        child.scale = Some(Scale {
            levels: vec![Level {
                title: text("en", "Expert"),
                description: Some(text("en", "Teaches it")),
            }],
        });
        child.related = vec![Uuid::from_u128(3)];
        let mut f = framework(vec![parent, child, node(3, "1.2", Some(1), 2)]);
        f.scale = Some(Scale {
            levels: vec![
                Level {
                    title: text("en", "User"),
                    description: None,
                },
                Level {
                    title: [
                        ("en".to_owned(), "Guide".to_owned()),
                        ("nb".to_owned(), "Veileder".to_owned()),
                    ]
                    .into(),
                    description: None,
                },
            ],
        });
        f.validate(|id| id.to_string()).expect("valid");
        let exported = serde_json::to_vec(&write(&f, "2026-11-30T00:00:00Z")).expect("json");
        assert_eq!(read(&exported).expect("re-read"), f);
    }

    #[test]
    fn errors_name_the_field() {
        let bad_id = br#"{"CFPackage":{"CFDocument":{"identifier":"x","uri":"u","title":"t"},"CFItems":[]}}"#;
        let e = read(bad_id).expect_err("bad id");
        assert_eq!(e.place, "CFPackage.CFDocument.identifier");

        let missing = br#"{"CFDocument":{"identifier":"00000000-0000-0000-0000-000000000001","uri":"u","title":"t"},
            "CFItems":[{"identifier":"00000000-0000-0000-0000-000000000002","uri":"u"}]}"#;
        let e = read(missing).expect_err("no statement");
        assert_eq!(e.place, "CFItems[0]");
        assert!(e.problem.contains("fullStatement"), "{e}");

        let dangling = br#"{"CFDocument":{"identifier":"00000000-0000-0000-0000-000000000001","uri":"u","title":"t"},
            "CFItems":[{"identifier":"00000000-0000-0000-0000-000000000002","uri":"u","fullStatement":"s"}],
            "CFAssociations":[{"associationType":"isChildOf",
              "originNodeURI":{"identifier":"00000000-0000-0000-0000-000000000002"},
              "destinationNodeURI":{"identifier":"00000000-0000-0000-0000-000000000009"}}]}"#;
        let e = read(dangling).expect_err("dangling");
        assert_eq!(e.place, "CFAssociations[0].destinationNodeURI");

        let e = read(b"{\n  \"CFPackage\": [").expect_err("truncated");
        assert!(e.place.starts_with("line 2"), "{e}");
    }
}
