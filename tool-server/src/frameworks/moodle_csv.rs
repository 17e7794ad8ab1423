//! Moodle's competency framework CSV (the format of Moodle's
//! `tool_lpimportcsv` import and export): one framework row, then one row
//! per competency naming its parent by ID number.
//!
//! What maps: ID numbers are codes, short names titles, descriptions
//! descriptions (HTML read as text), the taxonomy (one term per depth)
//! item types, scales the proficiency levels (the proficient values; the
//! yes/no scale "Not yet competent,Competent" means no levels),
//! completion rules, and cross-references. Moodle holds one language and
//! no item notes or identifiers.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::{
    self, ChildPoints, CompletionRule, Framework, Invalid, Level, Node, RuleKind, RuleOutcome,
    Scale,
};
use super::LanguageMap;

/// The header row, in Moodle's column order.
pub const HEADERS: [&str; 14] = [
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
];

const PARENT: usize = 0;
const ID_NUMBER: usize = 1;
const SHORT_NAME: usize = 2;
const DESCRIPTION: usize = 3;
const DESCRIPTION_FORMAT: usize = 4;
const SCALE_VALUES: usize = 5;
const SCALE_CONFIGURATION: usize = 6;
const RULE_TYPE: usize = 7;
const RULE_OUTCOME: usize = 8;
const RULE_CONFIG: usize = 9;
const RELATED: usize = 10;
const EXPORT_ID: usize = 11;
const IS_FRAMEWORK: usize = 12;
const TAXONOMY: usize = 13;

const RULE_ALL: &str = "core_competency\\competency_rule_all";
const RULE_POINTS: &str = "core_competency\\competency_rule_points";
/// Moodle's description formats.
const FORMAT_HTML: u8 = 1;
const FORMAT_PLAIN: u8 = 2;
/// The scale Moodle frameworks use when competence is yes or no.
const NOT_YET: &str = "Not yet competent";
const COMPETENT: &str = "Competent";

/// Moodle's taxonomy terms and the item types they stand for.
const TAXONOMY_TERMS: [(&str, &str); 11] = [
    ("competency", model::COMPETENCE),
    ("domain", "Domain"),
    ("concept", "Category"),
    ("behaviour", "Behaviour"),
    ("indicator", "Indicator"),
    ("level", "Level"),
    ("outcome", "Outcome"),
    ("practice", "Practice"),
    ("proficiency", "Proficiency"),
    ("skill", "Skill"),
    ("value", "Value"),
];

/// The Moodle taxonomy term for an item type; areas and categories are concepts.
pub fn taxonomy_term(item_type: &str) -> &'static str {
    match item_type {
        "Competence Area" | "Area" | "Category" => "concept",
        other => TAXONOMY_TERMS
            .iter()
            .find(|(term, kind)| *kind == other || term.eq_ignore_ascii_case(other))
            .map_or("competency", |(term, _)| term),
    }
}

fn item_type_of(term: &str) -> String {
    TAXONOMY_TERMS
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(term.trim()))
        .map_or(model::COMPETENCE, |(_, kind)| kind)
        .to_owned()
}

/// Identifiers for the framework and its items: those of a stored version
/// of the same framework where codes match, so that a re-import keeps
/// everything tied to them.
pub trait Identities {
    fn framework(&self, id_number: &str) -> Uuid;
    fn node(&self, framework: Uuid, code: &str) -> (Uuid, String);
}

/// Identifiers made from the ID numbers alone (a first import).
pub struct Derived;

impl Identities for Derived {
    fn framework(&self, id_number: &str) -> Uuid {
        Uuid::new_v5(
            &Uuid::NAMESPACE_URL,
            format!("moodle-csv:{id_number}").as_bytes(),
        )
    }

    fn node(&self, framework: Uuid, code: &str) -> (Uuid, String) {
        let id = Uuid::new_v5(&framework, code.as_bytes());
        (id, format!("urn:uuid:{id}"))
    }
}

#[derive(Serialize, Deserialize)]
struct ScaleEntry {
    id: usize,
    #[serde(default)]
    scaledefault: u8,
    #[serde(default)]
    proficient: u8,
}

#[derive(Serialize, Deserialize)]
struct PointsConfig {
    base: PointsBase,
    competencies: Vec<PointsChild>,
}

#[derive(Serialize, Deserialize)]
struct PointsBase {
    points: u32,
}

#[derive(Serialize, Deserialize)]
struct PointsChild {
    id: i64,
    points: u32,
    required: u8,
}

struct Row {
    line: u64,
    fields: Vec<String>,
}

impl Row {
    fn get(&self, column: usize) -> &str {
        self.fields.get(column).map_or("", |f| f.trim())
    }

    fn at(&self, column: usize) -> String {
        format!("line {}, column \"{}\"", self.line, HEADERS[column])
    }
}

/// The framework row's ID number, if the document has one.
pub fn id_number(csv_bytes: &[u8]) -> Option<String> {
    let csv_bytes = csv_bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(csv_bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_bytes);
    reader
        .records()
        .map_while(Result::ok)
        .find(|record| matches!(record.get(IS_FRAMEWORK).map(str::trim), Some("1" | "true")))
        .and_then(|record| record.get(ID_NUMBER).map(|id| id.trim().to_owned()))
        .filter(|id| !id.is_empty())
}

/// Reads a Moodle competency framework CSV. `language` is the language of
/// its texts (Moodle does not say).
pub fn read(
    csv_bytes: &[u8],
    language: &str,
    identities: &dyn Identities,
) -> Result<Framework, Invalid> {
    let csv_bytes = csv_bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(csv_bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(csv_bytes);
    let headers = reader
        .headers()
        .map_err(|e| Invalid::new("line 1", format!("the header row cannot be read: {e}")))?
        .clone();
    if headers.len() < HEADERS.len() {
        return Err(Invalid::new(
            "line 1",
            format!(
                "{} columns; Moodle's framework CSV has {}: {}",
                headers.len(),
                HEADERS.len(),
                HEADERS.join(", ")
            ),
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Invalid::new(format!("line {line}"), format!("not valid CSV: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rows.len() > model::MAX_NODES {
            return Err(Invalid::new(
                format!("line {line}"),
                format!("more than {} competencies", model::MAX_NODES),
            ));
        }
        rows.push(Row {
            line,
            fields: record.iter().map(str::to_owned).collect(),
        });
    }

    let is_framework = |row: &Row| matches!(row.get(IS_FRAMEWORK), "1" | "true");
    let mut framework_rows = rows.iter().filter(|row| is_framework(row));
    let Some(head) = framework_rows.next() else {
        return Err(Invalid::new(
            "file",
            "no framework row (a row with \"Is framework\" set to 1)",
        ));
    };
    if let Some(second) = framework_rows.next() {
        return Err(Invalid::new(
            second.at(IS_FRAMEWORK),
            "a second framework row; a file holds one framework",
        ));
    }
    let id_number = head.get(ID_NUMBER);
    if id_number.is_empty() {
        return Err(Invalid::new(
            head.at(ID_NUMBER),
            "the framework has no ID number",
        ));
    }
    let framework_id = identities.framework(id_number);
    let text = |value: &str| LanguageMap::from([(language.to_owned(), value.to_owned())]);
    let scale = read_scale(head, language)?;
    let taxonomy: Vec<String> = head.get(TAXONOMY).split(',').map(item_type_of).collect();

    let competencies: Vec<&Row> = rows.iter().filter(|row| !is_framework(row)).collect();
    let mut by_code: HashMap<&str, (Uuid, &Row)> = HashMap::new();
    let mut by_export_id: HashMap<i64, Uuid> = HashMap::new();
    let mut nodes = Vec::with_capacity(competencies.len());
    let mut places = HashMap::new();
    for row in &competencies {
        let code = row.get(ID_NUMBER);
        if code.is_empty() {
            return Err(Invalid::new(
                row.at(ID_NUMBER),
                "the competency has no ID number",
            ));
        }
        if row.get(SHORT_NAME).is_empty() {
            return Err(Invalid::new(
                row.at(SHORT_NAME),
                "the competency has no short name",
            ));
        }
        let (identifier, uri) = identities.node(framework_id, code);
        if let Some((_, first)) = by_code.insert(code, (identifier, row)) {
            return Err(Invalid::new(
                row.at(ID_NUMBER),
                format!("the ID number {code:?} is also on line {}", first.line),
            ));
        }
        if let Ok(export_id) = row.get(EXPORT_ID).parse::<i64>() {
            by_export_id.insert(export_id, identifier);
        }
        places.insert(identifier, format!("line {}", row.line));
        let short_name = row.get(SHORT_NAME);
        let description = read_description(row)?;
        // A shortened title whose whole text is the description (as Carefolio writes it).
        let (title, description) = match description {
            Some(full) if is_shortened_from(short_name, &full) && !full.contains('\n') => {
                (full, None)
            }
            other => (short_name.to_owned(), other),
        };
        nodes.push(Node {
            identifier,
            uri,
            code: code.to_owned(),
            item_type: String::new(),
            title: text(&title),
            description: description.map(|d| text(&d)),
            parent: None,
            position: 0,
            notes: None,
            scale: read_scale(row, language)?,
            rule: None,
            related: Vec::new(),
        });
    }
    // Moodle's export lists competencies in no particular order; its
    // exported IDs follow creation, which follows the order siblings were
    // imported or added in. Without them, the rows' order counts.
    let all_exported = competencies
        .iter()
        .all(|row| row.get(EXPORT_ID).parse::<i64>().is_ok());
    let mut order: Vec<(i64, usize)> = competencies
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let exported = row
                .get(EXPORT_ID)
                .parse::<i64>()
                .ok()
                .filter(|_| all_exported);
            (exported.unwrap_or(index as i64), index)
        })
        .collect();
    order.sort();
    for (rank, (_, index)) in order.into_iter().enumerate() {
        nodes[index].position = rank as i32 + 1;
    }
    for (node, row) in nodes.iter_mut().zip(&competencies) {
        let parent_code = row.get(PARENT);
        node.parent = if parent_code.is_empty() {
            None
        } else {
            match by_code.get(parent_code) {
                Some((id, _)) => Some(*id),
                None => {
                    return Err(Invalid::new(
                        row.at(PARENT),
                        format!("{parent_code:?} is the ID number of no competency in the file"),
                    ))
                }
            }
        };
        for related in row.get(RELATED).split(',').filter(|r| !r.trim().is_empty()) {
            let related = related.trim().replace("%2C", ",");
            match by_code.get(related.as_str()) {
                Some((id, _)) => node.related.push(*id),
                None => {
                    return Err(Invalid::new(
                        row.at(RELATED),
                        format!("{related:?} is the ID number of no competency in the file"),
                    ))
                }
            }
        }
        node.rule = read_rule(row, &by_export_id)?;
    }
    let mut framework = Framework {
        identifier: framework_id,
        uri: format!("urn:uuid:{framework_id}"),
        title: head.get(SHORT_NAME).to_owned(),
        language: language.to_owned(),
        version: None,
        creator: None,
        publisher: None,
        description: read_description(head)?,
        official_source_url: None,
        scale,
        nodes,
    };
    if framework.title.is_empty() {
        return Err(Invalid::new(
            head.at(SHORT_NAME),
            "the framework has no short name",
        ));
    }
    // Item types follow the taxonomy term of each depth.
    let depths = {
        let mut copy = framework.clone();
        copy.validate(|id| places.get(&id).cloned().unwrap_or_default())?;
        copy.depths()
    };
    for node in &mut framework.nodes {
        let depth = depths.get(&node.identifier).copied().unwrap_or(1);
        node.item_type = taxonomy
            .get(depth - 1)
            .cloned()
            .unwrap_or_else(|| model::COMPETENCE.to_owned());
    }
    framework.validate(|id| places.get(&id).cloned().unwrap_or_default())?;
    Ok(framework)
}

fn read_description(row: &Row) -> Result<Option<String>, Invalid> {
    let raw = row.get(DESCRIPTION);
    if raw.is_empty() {
        return Ok(None);
    }
    let format = match row.get(DESCRIPTION_FORMAT) {
        "" => FORMAT_HTML,
        number => number.parse::<u8>().map_err(|_| {
            Invalid::new(
                row.at(DESCRIPTION_FORMAT),
                format!("{number:?} is not a number"),
            )
        })?,
    };
    // Moodle's own format (0) and HTML (1) may hold markup; plain (2) and Markdown (4) are text.
    let text = if format <= FORMAT_HTML {
        html_to_text(raw)
    } else {
        raw.to_owned()
    };
    Ok(Some(text).filter(|t| !t.is_empty()))
}

fn read_scale(row: &Row, language: &str) -> Result<Option<Scale>, Invalid> {
    let values = row.get(SCALE_VALUES);
    if values.is_empty() {
        return Ok(None);
    }
    let names: Vec<&str> = values.split(',').map(str::trim).collect();
    let config = row.get(SCALE_CONFIGURATION);
    let entries: Vec<serde_json::Value> = serde_json::from_str(config).map_err(|e| {
        Invalid::new(
            row.at(SCALE_CONFIGURATION),
            format!("not Moodle's scale configuration (a JSON list): {e}"),
        )
    })?;
    let mut proficient = Vec::new();
    // The first entry names the scale; the rest say which values are proficient.
    for entry in entries.into_iter().skip(1) {
        let entry: ScaleEntry = serde_json::from_value(entry).map_err(|e| {
            Invalid::new(
                row.at(SCALE_CONFIGURATION),
                format!("an entry is not {{\"id\", \"proficient\"}}: {e}"),
            )
        })?;
        if entry.proficient == 1 {
            let Some(name) = entry.id.checked_sub(1).and_then(|i| names.get(i)) else {
                return Err(Invalid::new(
                    row.at(SCALE_CONFIGURATION),
                    format!(
                        "value {} is not one of the {} scale values",
                        entry.id,
                        names.len()
                    ),
                ));
            };
            proficient.push((entry.id, *name));
        }
    }
    proficient.sort_by_key(|(id, _)| *id);
    if proficient.is_empty() {
        return Err(Invalid::new(
            row.at(SCALE_CONFIGURATION),
            "no scale value is marked proficient",
        ));
    }
    if proficient.len() == 1 && proficient[0].1 == COMPETENT {
        return Ok(None);
    }
    Ok(Some(Scale {
        levels: proficient
            .into_iter()
            .map(|(_, name)| Level {
                title: LanguageMap::from([(language.to_owned(), name.to_owned())]),
                description: None,
            })
            .collect(),
    }))
}

fn read_rule(
    row: &Row,
    by_export_id: &HashMap<i64, Uuid>,
) -> Result<Option<CompletionRule>, Invalid> {
    let class = row.get(RULE_TYPE).trim_start_matches('\\');
    if class.is_empty() {
        return Ok(None);
    }
    let outcome = match row.get(RULE_OUTCOME) {
        "" => RuleOutcome::None,
        number => number
            .parse::<u8>()
            .ok()
            .and_then(RuleOutcome::from_moodle_number)
            .ok_or_else(|| {
                Invalid::new(
                    row.at(RULE_OUTCOME),
                    format!("{number:?} is not 0, 1, 2 or 3"),
                )
            })?,
    };
    let kind = match class {
        RULE_ALL => RuleKind::All,
        RULE_POINTS => {
            let config: PointsConfig = serde_json::from_str(row.get(RULE_CONFIG)).map_err(|e| {
                Invalid::new(
                    row.at(RULE_CONFIG),
                    format!("not a points rule configuration: {e}"),
                )
            })?;
            let mut children = Vec::with_capacity(config.competencies.len());
            for child in config.competencies {
                let Some(node) = by_export_id.get(&child.id) else {
                    return Err(Invalid::new(
                        row.at(RULE_CONFIG),
                        format!("competency {} is the exported ID of no row", child.id),
                    ));
                };
                children.push(ChildPoints {
                    node: *node,
                    points: child.points,
                    required: child.required == 1,
                });
            }
            RuleKind::Points {
                required: config.base.points,
                children,
            }
        }
        other => {
            return Err(Invalid::new(
                row.at(RULE_TYPE),
                format!("{other:?} is not one of Moodle's rules ({RULE_ALL}, {RULE_POINTS})"),
            ))
        }
    };
    Ok(Some(CompletionRule { outcome, kind }))
}

/// A Moodle CSV read over a stored version of the same framework keeps
/// what the CSV cannot hold: texts in other languages, item notes, level
/// descriptions, and the document's version, creator and publisher.
pub fn keep_what_it_cannot_hold(framework: &mut Framework, stored: &Framework) {
    let language = framework.language.clone();
    let merge = |new: &mut LanguageMap, old: &LanguageMap| {
        for (tag, text) in old {
            if *tag != language {
                new.entry(tag.clone()).or_insert_with(|| text.clone());
            }
        }
    };
    let merge_scale = |new: &mut Option<Scale>, old: &Option<Scale>| {
        if let (Some(new), Some(old)) = (new.as_mut(), old) {
            if new.levels.len() == old.levels.len() {
                for (level, before) in new.levels.iter_mut().zip(&old.levels) {
                    merge(&mut level.title, &before.title);
                    if level.description.is_none() {
                        level.description = before.description.clone();
                    }
                }
            }
        }
    };
    framework.version = framework.version.take().or_else(|| stored.version.clone());
    framework.creator = framework.creator.take().or_else(|| stored.creator.clone());
    framework.publisher = framework
        .publisher
        .take()
        .or_else(|| stored.publisher.clone());
    framework.official_source_url = framework
        .official_source_url
        .take()
        .or_else(|| stored.official_source_url.clone());
    framework.uri = stored.uri.clone();
    merge_scale(&mut framework.scale, &stored.scale);
    for node in &mut framework.nodes {
        let Some(before) = stored.node(node.identifier) else {
            continue;
        };
        if let (Some(short), Some(full)) = (node.title.get(&language), before.title.get(&language))
        {
            if is_shortened_from(short, full) {
                node.title.insert(language.clone(), full.clone());
            }
        }
        merge(&mut node.title, &before.title);
        match (&mut node.description, &before.description) {
            (Some(new), Some(old)) => merge(new, old),
            (None, Some(old)) => {
                let others: LanguageMap = old
                    .iter()
                    .filter(|(tag, _)| **tag != language)
                    .map(|(t, d)| (t.clone(), d.clone()))
                    .collect();
                node.description = (!others.is_empty()).then_some(others);
            }
            _ => {}
        }
        if node.notes.is_none() {
            node.notes = before.notes.clone();
        }
        // Moodle's taxonomy is per depth; a stored type of the same term stays.
        if taxonomy_term(&node.item_type) == taxonomy_term(&before.item_type) {
            node.item_type = before.item_type.clone();
        }
        merge_scale(&mut node.scale, &before.scale);
    }
}

/// Text of an HTML fragment: tags dropped, paragraphs and line breaks
/// kept as new lines, the common entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = &rest[start..];
            break;
        };
        let tag = rest[start + 1..start + end]
            .trim_start_matches('/')
            .to_ascii_lowercase();
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if matches!(
            name.as_str(),
            "br" | "p" | "div" | "li" | "h1" | "h2" | "h3" | "h4" | "tr"
        ) && !out.ends_with('\n')
            && !out.is_empty()
        {
            out.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes the framework as Moodle's CSV, texts in `language` where they
/// have it.
pub fn write(framework: &Framework, key: &str) -> Vec<u8> {
    let language = framework.language.as_str();
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let depths = framework.depths();
    let max_depth = depths.values().copied().max().unwrap_or(0);
    let taxonomy: Vec<&str> = (1..=max_depth)
        .map(|depth| {
            framework
                .nodes
                .iter()
                .find(|n| depths.get(&n.identifier) == Some(&depth))
                .map_or("competency", |n| taxonomy_term(&n.item_type))
        })
        .collect();
    let (values, config) = write_scale(framework.scale.as_ref(), language);
    let mut rows: Vec<Vec<String>> = vec![HEADERS.iter().map(|h| (*h).to_owned()).collect()];
    rows.push(vec![
        String::new(),
        key.to_owned(),
        framework.title.clone(),
        framework.description.clone().unwrap_or_default(),
        FORMAT_PLAIN.to_string(),
        values,
        config,
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        "1".to_owned(),
        taxonomy.join(","),
    ]);
    // Rows are numbered from 1 in "Exported ID", which points rules refer to.
    let export_ids: HashMap<Uuid, usize> = framework
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.identifier, i + 1))
        .collect();
    for node in &framework.nodes {
        let parent = node
            .parent
            .and_then(|p| framework.node(p))
            .map(|p| p.code.clone())
            .unwrap_or_default();
        let (values, config) = match &node.scale {
            Some(scale) => write_scale(Some(scale), language),
            None => (String::new(), String::new()),
        };
        let (rule_type, outcome, rule_config) = match &node.rule {
            None => (String::new(), String::new(), "null".to_owned()),
            Some(rule) => {
                let outcome = rule.outcome.moodle_number().to_string();
                match &rule.kind {
                    RuleKind::All => (RULE_ALL.to_owned(), outcome, "null".to_owned()),
                    RuleKind::Points { required, children } => {
                        let config = PointsConfig {
                            base: PointsBase { points: *required },
                            competencies: children
                                .iter()
                                .map(|c| PointsChild {
                                    id: export_ids.get(&c.node).copied().unwrap_or(0) as i64,
                                    points: c.points,
                                    required: u8::from(c.required),
                                })
                                .collect(),
                        };
                        (
                            RULE_POINTS.to_owned(),
                            outcome,
                            serde_json::to_string(&config).unwrap_or_default(),
                        )
                    }
                }
            }
        };
        let related: Vec<String> = node
            .related
            .iter()
            .filter_map(|id| framework.node(*id))
            .map(|n| n.code.replace(',', "%2C"))
            .collect();
        let title = node.title_in(language);
        let description = node
            .description
            .as_ref()
            .and_then(|d| model::pick(d, language))
            .unwrap_or("");
        // Moodle cuts short names at 100 characters: a longer title goes
        // shortened, and whole in the description when that is free.
        let (short_name, description) = match shorten(title) {
            Some(short) if description.is_empty() => (short, title.to_owned()),
            Some(short) => (short, description.to_owned()),
            None => (title.to_owned(), description.to_owned()),
        };
        rows.push(vec![
            parent,
            node.code.clone(),
            short_name,
            description,
            FORMAT_PLAIN.to_string(),
            values,
            config,
            rule_type,
            outcome,
            rule_config,
            related.join(","),
            export_ids
                .get(&node.identifier)
                .copied()
                .unwrap_or(0)
                .to_string(),
            "0".to_owned(),
            String::new(),
        ]);
    }
    for row in rows {
        // Writing to memory fails only on allocation.
        let _ = writer.write_record(&row);
    }
    writer.into_inner().unwrap_or_default()
}

/// The longest short name Moodle keeps.
const SHORT_NAME_CHARS: usize = 100;
const ELLIPSIS: char = '…';

/// A title longer than Moodle's short names, cut at a word and ended
/// with an ellipsis; `None` when it fits.
fn shorten(title: &str) -> Option<String> {
    if title.chars().count() <= SHORT_NAME_CHARS {
        return None;
    }
    let head: String = title.chars().take(SHORT_NAME_CHARS - 1).collect();
    let cut = head
        .rfind(char::is_whitespace)
        .filter(|&at| at > SHORT_NAME_CHARS / 2)
        .unwrap_or(head.len());
    let head = head[..cut].trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == ';');
    Some(format!("{head}{ELLIPSIS}"))
}

/// A short name that is a shortened title (ending in an ellipsis) whose
/// whole text opens `full`.
fn is_shortened_from(short: &str, full: &str) -> bool {
    let Some(head) = short
        .strip_suffix(ELLIPSIS)
        .or_else(|| short.strip_suffix("..."))
    else {
        return false;
    };
    !head.is_empty() && full.starts_with(head.trim_end())
}

/// Moodle's scale values and configuration for a scale: "Not yet
/// competent" first, then the levels, all proficient; no levels is the
/// yes/no scale.
fn write_scale(scale: Option<&Scale>, language: &str) -> (String, String) {
    let levels: Vec<String> = match scale {
        Some(scale) => scale
            .levels
            .iter()
            .map(|l| {
                model::pick(&l.title, language)
                    .unwrap_or("")
                    .replace(',', " /")
            })
            .collect(),
        None => vec![COMPETENT.to_owned()],
    };
    let mut values = vec![NOT_YET.to_owned()];
    values.extend(levels.iter().cloned());
    let mut config = vec![serde_json::json!({"scaleid": "0"})];
    for i in 0..levels.len() {
        config.push(serde_json::json!(ScaleEntry {
            id: i + 2,
            scaledefault: u8::from(i == 0),
            proficient: 1,
        }));
    }
    (
        values.join(","),
        serde_json::Value::from(config).to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frameworks::{case, BUILT_IN};

    /// What Moodle's CSV holds of a framework, to compare a round trip.
    fn holdable(framework: &Framework) -> Framework {
        let mut copy = framework.clone();
        let language = copy.language.clone();
        let only = |map: &LanguageMap| {
            LanguageMap::from([(
                language.clone(),
                model::pick(map, &language).unwrap_or("").to_owned(),
            )])
        };
        copy.version = None;
        copy.creator = None;
        copy.publisher = None;
        copy.official_source_url = None;
        let scale_names = |scale: &Option<Scale>| {
            scale.as_ref().map(|s| Scale {
                levels: s
                    .levels
                    .iter()
                    .map(|l| Level {
                        title: only(&l.title),
                        description: None,
                    })
                    .collect(),
            })
        };
        copy.scale = scale_names(&copy.scale);
        for node in &mut copy.nodes {
            node.title = only(&node.title);
            node.description = node.description.as_ref().map(only);
            node.notes = None;
            node.scale = scale_names(&node.scale);
            node.item_type = item_type_of(taxonomy_term(&node.item_type));
        }
        copy
    }

    /// Identifiers as the original had them, matched by code.
    struct Same<'a>(&'a Framework);

    impl Identities for Same<'_> {
        fn framework(&self, _: &str) -> Uuid {
            self.0.identifier
        }
        fn node(&self, _: Uuid, code: &str) -> (Uuid, String) {
            let node = self
                .0
                .nodes
                .iter()
                .find(|n| n.code == code)
                .expect("known code");
            (node.identifier, node.uri.clone())
        }
    }

    #[test]
    fn the_built_in_frameworks_survive_moodle_export_and_import() {
        for (key, json) in BUILT_IN {
            let original = case::read(json.as_bytes()).expect(key);
            let csv = write(&original, key);
            let mut again = read(&csv, &original.language, &Same(&original)).expect("re-read");
            again.uri = original.uri.clone();
            assert_eq!(holdable(&original), again, "{key}");
        }
    }

    #[test]
    fn a_moodle_export_imports_with_its_rules_scales_and_cross_references() {
        let csv = include_bytes!("../../tests/fixtures/moodle-framework.csv");
        let framework = read(csv, "en", &Derived).expect("a Moodle export");
        assert_eq!(framework.title, "Home care basics");
        assert_eq!(
            framework.scale, None,
            "Not yet competent/Competent is yes or no"
        );
        assert_eq!(framework.nodes.len(), 8);
        let description = framework.description.as_deref().expect("description");
        assert_eq!(
            description,
            "Competences a home care worker shows in the first year.\nAgreed with the county & the union."
        );
        let by_code = |code: &str| framework.nodes.iter().find(|n| n.code == code).expect(code);
        assert_eq!(by_code("HC-SAFE").item_type, "Domain");
        assert_eq!(by_code("HC-SAFE-1").item_type, model::COMPETENCE);
        assert_eq!(by_code("HC-MED-2a").item_type, "Skill");
        assert_eq!(
            by_code("HC-SAFE-1").related,
            [by_code("HC-MED-1").identifier]
        );
        assert_eq!(
            by_code("HC-MED-1").related,
            [by_code("HC-SAFE-1").identifier]
        );
        let levels = &by_code("HC-MED-1")
            .scale
            .as_ref()
            .expect("own scale")
            .levels;
        assert_eq!(levels.len(), 2);
        assert_eq!(levels[1].title["en"], "Independently");
        assert_eq!(
            by_code("HC-MED").rule,
            Some(CompletionRule {
                outcome: RuleOutcome::Recommend,
                kind: RuleKind::Points {
                    required: 3,
                    children: vec![
                        ChildPoints {
                            node: by_code("HC-MED-1").identifier,
                            points: 2,
                            required: true
                        },
                        ChildPoints {
                            node: by_code("HC-MED-2").identifier,
                            points: 1,
                            required: false
                        },
                    ],
                },
            })
        );
        assert_eq!(
            by_code("HC-SAFE").rule.as_ref().map(|r| &r.kind),
            Some(&RuleKind::All)
        );
        assert_eq!(
            by_code("HC-SAFE-2").description.as_ref().expect("text")["en"],
            "Hand washing\nand protective equipment."
        );
        // Written again and read back, it is the same.
        let again = read(&write(&framework, "HOMECARE-2025"), "en", &Derived).expect("again");
        assert_eq!(again, framework);
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let header = HEADERS.join(",");
        let csv = format!(
            "{header}\n,F,Framework,,1,\"Not yet competent,Competent\",\"[{{\"\"scaleid\"\":\"\"1\"\"}},{{\"\"id\"\":2,\"\"scaledefault\"\":1,\"\"proficient\"\":1}}]\",,,,,,1,competency\nX,A,Alpha,,1,,,,,,,,0,\n"
        );
        let e = read(csv.as_bytes(), "en", &Derived).expect_err("unknown parent");
        assert_eq!(e.place, "line 3, column \"Parent ID number\"");

        let csv = format!("{header}\n,F,Framework,,1,\"A,B\",not json,,,,,,1,\n");
        let e = read(csv.as_bytes(), "en", &Derived).expect_err("bad scale");
        assert_eq!(e.place, "line 2, column \"Scale configuration\"");

        let e = read(b"a,b\n1,2\n", "en", &Derived).expect_err("not Moodle's columns");
        assert_eq!(e.place, "line 1");
    }

    #[test]
    fn long_titles_are_shortened_for_moodle_and_whole_again_on_import() {
        let long = "Følger lover og regler om taushetsplikt og personvern, og vet når og hvordan informasjon kan deles med andre i teamet og med pårørende";
        let short = shorten(long).expect("longer than 100");
        assert!(short.chars().count() <= SHORT_NAME_CHARS, "{short}");
        assert!(short.ends_with('…') && !short.ends_with(" …"), "{short}");
        assert!(is_shortened_from(&short, long));
        assert!(!is_shortened_from("Følger…", "Annet"));
        assert_eq!(shorten("Kort tittel"), None);
    }

    #[test]
    fn rows_in_any_order_give_the_order_of_their_exported_ids() {
        let original = case::read(BUILT_IN[0].1.as_bytes()).expect("CARER+");
        let csv = String::from_utf8(write(&original, "carerplus")).expect("UTF-8");
        let mut lines: Vec<&str> = csv.lines().collect();
        // Moodle lists competencies in no particular order: reverse them.
        lines[2..].reverse();
        let shuffled = lines.join("\n");
        let read_back = |text: &str| read(text.as_bytes(), "en", &Same(&original)).expect("read");
        assert_eq!(read_back(&shuffled), read_back(&csv));
    }

    #[test]
    fn html_descriptions_become_text() {
        assert_eq!(
            html_to_text("<p>One &amp; two<br>three</p><p>Four</p>"),
            "One & two\nthree\nFour"
        );
    }
}
