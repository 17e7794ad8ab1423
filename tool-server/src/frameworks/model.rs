//! A framework as Carefolio holds it, whatever format it came in: the
//! document, its proficiency scale, and its items as a tree. Imports build
//! one, exports read one, and the store saves and loads one.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::LanguageMap;

/// Bounds on what an import may hold, so that a hostile or broken file
/// cannot make the server build an unbounded tree.
pub const MAX_NODES: usize = 20_000;
pub const MAX_LEVELS: usize = 20;
pub const MAX_TEXT_CHARS: usize = 20_000;
pub const MAX_CODE_CHARS: usize = 100;
/// The deepest tree accepted (CARER+ is 3 deep, DigComp-style frameworks 4).
pub const MAX_DEPTH: usize = 12;

/// The item type of nodes a learner can be assessed on; other types
/// (domains, areas, categories) group them.
pub const COMPETENCE: &str = "Competence";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Framework {
    /// The CASE CFDocument identifier; stable across versions.
    pub identifier: Uuid,
    pub uri: String,
    pub title: String,
    /// BCP 47 tag of the framework's own language.
    pub language: String,
    pub version: Option<String>,
    pub creator: Option<String>,
    pub publisher: Option<String>,
    pub description: Option<String>,
    pub official_source_url: Option<String>,
    /// The levels every competence can be shown at, unless it has its own.
    pub scale: Option<Scale>,
    /// Parents before their children; siblings in `position` order.
    pub nodes: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scale {
    /// Lowest first. A claim names a level by its 1-based position.
    pub levels: Vec<Level>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    pub title: LanguageMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<LanguageMap>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The CASE CFItem identifier; stable across versions.
    pub identifier: Uuid,
    /// The node's IRI (CASE `uri`), used as its xAPI activity id.
    pub uri: String,
    /// The human coding scheme ("10.2"), unique in the framework.
    pub code: String,
    pub item_type: String,
    pub title: LanguageMap,
    pub description: Option<LanguageMap>,
    pub parent: Option<Uuid>,
    pub position: i32,
    /// The framework's notes on the item; notes starting "incomplete"
    /// mark an item whose source text is missing.
    pub notes: Option<String>,
    /// Levels of this competence when they differ from the framework's.
    pub scale: Option<Scale>,
    /// How the competence follows from its children (Moodle's rules).
    pub rule: Option<CompletionRule>,
    /// Identifiers of related nodes of the same framework (both ways).
    pub related: Vec<Uuid>,
}

impl Node {
    pub fn is_competence(&self) -> bool {
        self.item_type == COMPETENCE
    }

    pub fn is_incomplete(&self) -> bool {
        self.notes
            .as_deref()
            .is_some_and(|notes| notes.starts_with("incomplete"))
    }

    /// The title in `language`, else English, else any, else the code.
    pub fn title_in(&self, language: &str) -> &str {
        pick(&self.title, language).unwrap_or(&self.code)
    }
}

/// The text in `language`, else in English, else in any language.
pub fn pick<'a>(map: &'a LanguageMap, language: &str) -> Option<&'a str> {
    map.get(language)
        .or_else(|| map.get("en"))
        .or_else(|| map.values().next())
        .map(String::as_str)
}

/// What completes a parent competence from its children (Moodle's
/// `competency_rule_all` and `competency_rule_points`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletionRule {
    pub outcome: RuleOutcome,
    pub kind: RuleKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOutcome {
    None,
    /// Attach evidence to the parent.
    Evidence,
    /// Recommend the parent for review.
    Recommend,
    /// Complete the parent.
    Complete,
}

impl RuleOutcome {
    pub fn moodle_number(self) -> u8 {
        match self {
            RuleOutcome::None => 0,
            RuleOutcome::Evidence => 1,
            RuleOutcome::Recommend => 2,
            RuleOutcome::Complete => 3,
        }
    }

    pub fn from_moodle_number(number: u8) -> Option<RuleOutcome> {
        Some(match number {
            0 => RuleOutcome::None,
            1 => RuleOutcome::Evidence,
            2 => RuleOutcome::Recommend,
            3 => RuleOutcome::Complete,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuleKind {
    /// Every child completed.
    All,
    /// Children's points add up to `required`; `required` children must be among them.
    Points {
        required: u32,
        children: Vec<ChildPoints>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildPoints {
    pub node: Uuid,
    pub points: u32,
    pub required: bool,
}

/// A problem found in a framework, naming where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {problem}")]
pub struct Invalid {
    /// A line of a CSV file ("line 12, column \"ID number\"") or a field of
    /// a JSON document ("CFItems[3].identifier").
    pub place: String,
    pub problem: String,
}

impl Invalid {
    pub fn new(place: impl Into<String>, problem: impl Into<String>) -> Invalid {
        Invalid {
            place: place.into(),
            problem: problem.into(),
        }
    }
}

impl Framework {
    /// Checks what every format must satisfy and puts the nodes in tree
    /// order. `place` names a node in the format's terms for messages.
    pub fn validate(&mut self, place: impl Fn(Uuid) -> String) -> Result<(), Invalid> {
        if self.title.trim().is_empty() {
            return Err(Invalid::new("framework", "the title is empty"));
        }
        if self.nodes.len() > MAX_NODES {
            return Err(Invalid::new(
                "framework",
                format!(
                    "{} items; at most {MAX_NODES} are accepted",
                    self.nodes.len()
                ),
            ));
        }
        check_scale(self.scale.as_ref(), || "framework scale".to_owned())?;
        let mut ids = HashSet::new();
        let mut codes = HashMap::new();
        for node in &self.nodes {
            let at = || place(node.identifier);
            if !ids.insert(node.identifier) {
                return Err(Invalid::new(at(), "the identifier is used twice"));
            }
            if node.code.trim().is_empty() {
                return Err(Invalid::new(at(), "the code is empty"));
            }
            if node.code.chars().count() > MAX_CODE_CHARS || node.code.contains(char::is_whitespace)
            {
                return Err(Invalid::new(
                    at(),
                    format!(
                        "the code {:?} must be at most {MAX_CODE_CHARS} characters without spaces",
                        node.code
                    ),
                ));
            }
            if let Some(other) = codes.insert(node.code.as_str(), node.identifier) {
                return Err(Invalid::new(
                    at(),
                    format!("the code {:?} is also used by {}", node.code, place(other)),
                ));
            }
            if node.title.values().all(|t| t.trim().is_empty()) {
                return Err(Invalid::new(at(), "the title is empty"));
            }
            let texts = node
                .title
                .values()
                .chain(node.description.iter().flat_map(|d| d.values()));
            if texts
                .into_iter()
                .any(|t| t.chars().count() > MAX_TEXT_CHARS)
            {
                return Err(Invalid::new(
                    at(),
                    format!("a text is longer than {MAX_TEXT_CHARS} characters"),
                ));
            }
            check_scale(node.scale.as_ref(), || format!("{}, scale", at()))?;
        }
        for node in &self.nodes {
            if let Some(parent) = node.parent {
                if !ids.contains(&parent) {
                    return Err(Invalid::new(
                        place(node.identifier),
                        format!("the parent {parent} is not an item of this framework"),
                    ));
                }
            }
            for related in &node.related {
                if !ids.contains(related) {
                    return Err(Invalid::new(
                        place(node.identifier),
                        format!("the related item {related} is not an item of this framework"),
                    ));
                }
            }
            if let Some(CompletionRule {
                kind: RuleKind::Points { children, .. },
                ..
            }) = &node.rule
            {
                for child in children {
                    let is_child = self
                        .nodes
                        .iter()
                        .any(|n| n.identifier == child.node && n.parent == Some(node.identifier));
                    if !is_child {
                        return Err(Invalid::new(
                            place(node.identifier),
                            format!(
                                "the rule gives points to {}, which is not a child of this item",
                                child.node
                            ),
                        ));
                    }
                }
            }
        }
        self.order(&place)?;
        self.make_related_symmetric();
        Ok(())
    }

    /// Parents before children, siblings by position then code; refuses cycles.
    fn order(&mut self, place: &impl Fn(Uuid) -> String) -> Result<(), Invalid> {
        let mut children: HashMap<Option<Uuid>, Vec<usize>> = HashMap::new();
        for (index, node) in self.nodes.iter().enumerate() {
            children.entry(node.parent).or_default().push(index);
        }
        for list in children.values_mut() {
            list.sort_by(|&a, &b| {
                let (a, b) = (&self.nodes[a], &self.nodes[b]);
                a.position
                    .cmp(&b.position)
                    .then_with(|| natural_key(&a.code).cmp(&natural_key(&b.code)))
            });
        }
        let mut ordered = Vec::with_capacity(self.nodes.len());
        // Depth-first, with an explicit stack: (node index, depth).
        let mut stack: Vec<(usize, usize)> = children
            .get(&None)
            .into_iter()
            .flatten()
            .rev()
            .map(|&i| (i, 1))
            .collect();
        while let Some((index, depth)) = stack.pop() {
            if depth > MAX_DEPTH {
                return Err(Invalid::new(
                    place(self.nodes[index].identifier),
                    format!("the tree is deeper than {MAX_DEPTH} levels"),
                ));
            }
            ordered.push(index);
            let id = self.nodes[index].identifier;
            for &child in children.get(&Some(id)).into_iter().flatten().rev() {
                stack.push((child, depth + 1));
            }
        }
        if ordered.len() != self.nodes.len() {
            let reached: HashSet<usize> = ordered.iter().copied().collect();
            let stuck = (0..self.nodes.len())
                .find(|i| !reached.contains(i))
                .map(|i| self.nodes[i].identifier)
                .unwrap_or_default();
            return Err(Invalid::new(
                place(stuck),
                "the item is its own ancestor (the parent links form a cycle)",
            ));
        }
        let mut nodes: Vec<Option<Node>> = std::mem::take(&mut self.nodes)
            .into_iter()
            .map(Some)
            .collect();
        self.nodes = ordered
            .into_iter()
            .filter_map(|i| nodes[i].take())
            .collect();
        // Positions only order siblings: number them 1, 2, 3… in each family.
        let mut counts: HashMap<Option<Uuid>, i32> = HashMap::new();
        for node in &mut self.nodes {
            let count = counts.entry(node.parent).or_default();
            *count += 1;
            node.position = *count;
        }
        Ok(())
    }

    fn make_related_symmetric(&mut self) {
        let mut pairs: HashSet<(Uuid, Uuid)> = HashSet::new();
        for node in &self.nodes {
            for &other in &node.related {
                if other != node.identifier {
                    pairs.insert((node.identifier, other));
                    pairs.insert((other, node.identifier));
                }
            }
        }
        let position: HashMap<Uuid, usize> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.identifier, i))
            .collect();
        for node in &mut self.nodes {
            let mut related: Vec<Uuid> = pairs
                .iter()
                .filter(|(from, _)| *from == node.identifier)
                .map(|(_, to)| *to)
                .collect();
            related.sort_by_key(|id| position.get(id).copied().unwrap_or(usize::MAX));
            node.related = related;
        }
    }

    /// The node with this identifier.
    pub fn node(&self, identifier: Uuid) -> Option<&Node> {
        self.nodes.iter().find(|n| n.identifier == identifier)
    }

    /// How deep each node is (top level = 1), by identifier.
    pub fn depths(&self) -> HashMap<Uuid, usize> {
        let mut depths = HashMap::new();
        // Nodes are in tree order: a parent's depth is known before its children's.
        for node in &self.nodes {
            let depth = node
                .parent
                .and_then(|p| depths.get(&p).copied())
                .unwrap_or(0)
                + 1;
            depths.insert(node.identifier, depth);
        }
        depths
    }
}

fn check_scale(scale: Option<&Scale>, place: impl Fn() -> String) -> Result<(), Invalid> {
    let Some(scale) = scale else { return Ok(()) };
    if scale.levels.is_empty() || scale.levels.len() > MAX_LEVELS {
        return Err(Invalid::new(
            place(),
            format!("a scale has 1 to {MAX_LEVELS} levels"),
        ));
    }
    for (index, level) in scale.levels.iter().enumerate() {
        if level.title.values().all(|t| t.trim().is_empty()) {
            return Err(Invalid::new(
                place(),
                format!("level {} has no title", index + 1),
            ));
        }
    }
    Ok(())
}

/// Orders "2" before "10" and "1.2" before "1.10".
pub fn natural_key(code: &str) -> Vec<(u64, String)> {
    code.split(['.', '-', '_'])
        .map(|part| match part.parse::<u64>() {
            Ok(n) => (n, String::new()),
            Err(_) => (u64::MAX, part.to_owned()),
        })
        .collect()
}

/// A key for a framework made from its title: lower-case letters and
/// digits joined by hyphens, at most 32 characters.
pub fn key_from_title(title: &str) -> String {
    let mut key = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.is_empty() && !key.ends_with('-') {
            key.push('-');
        }
        if key.len() >= 32 {
            break;
        }
    }
    let key = key.trim_end_matches('-').to_owned();
    if key.is_empty() {
        "framework".to_owned()
    } else {
        key
    }
}

/// Whether `key` can name a framework in references like `carerplus:10.2`.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn text(language: &str, value: &str) -> LanguageMap {
        LanguageMap::from([(language.to_owned(), value.to_owned())])
    }

    pub fn node(id: u128, code: &str, parent: Option<u128>, position: i32) -> Node {
        Node {
            identifier: Uuid::from_u128(id),
            uri: format!("urn:uuid:{}", Uuid::from_u128(id)),
            code: code.to_owned(),
            item_type: if parent.is_some() {
                COMPETENCE.to_owned()
            } else {
                "Category".to_owned()
            },
            title: text("en", &format!("Item {code}")),
            description: None,
            parent: parent.map(Uuid::from_u128),
            position,
            notes: None,
            scale: None,
            rule: None,
            related: Vec::new(),
        }
    }

    pub fn framework(nodes: Vec<Node>) -> Framework {
        Framework {
            identifier: Uuid::from_u128(999),
            uri: format!("urn:uuid:{}", Uuid::from_u128(999)),
            title: "Test framework".into(),
            language: "en".into(),
            version: None,
            creator: None,
            publisher: None,
            description: None,
            official_source_url: None,
            scale: None,
            nodes,
        }
    }

    fn place(id: Uuid) -> String {
        format!("item {id}")
    }

    #[test]
    fn validation_orders_the_tree_and_fills_related_both_ways() {
        let mut second = node(2, "1.10", Some(1), 0);
        second.related = vec![Uuid::from_u128(3)];
        let mut f = framework(vec![
            second,
            node(3, "1.2", Some(1), 0),
            node(1, "1", None, 1),
            node(4, "2", None, 2),
        ]);
        f.validate(place).expect("valid");
        let codes: Vec<&str> = f.nodes.iter().map(|n| n.code.as_str()).collect();
        assert_eq!(codes, ["1", "1.2", "1.10", "2"]);
        assert_eq!(f.nodes[1].related, [Uuid::from_u128(2)]);
        assert_eq!(f.nodes[2].related, [Uuid::from_u128(3)]);
    }

    #[test]
    fn cycles_duplicates_and_missing_parents_are_named() {
        let mut f = framework(vec![node(1, "1", Some(2), 0), node(2, "2", Some(1), 0)]);
        let e = f.validate(place).expect_err("cycle");
        assert!(e.problem.contains("cycle"), "{e}");

        let mut f = framework(vec![node(1, "1", None, 0), node(2, "1", None, 0)]);
        let e = f.validate(place).expect_err("duplicate code");
        assert!(e.problem.contains("also used by"), "{e}");

        let mut f = framework(vec![node(1, "1", Some(7), 0)]);
        let e = f.validate(place).expect_err("missing parent");
        assert_eq!(e.place, place(Uuid::from_u128(1)));
        assert!(e.problem.contains("parent"), "{e}");
    }

    #[test]
    fn keys_come_from_titles() {
        assert_eq!(
            key_from_title("CARER+ Digital Competence"),
            "carer-digital-competence"
        );
        assert_eq!(key_from_title("!!!"), "framework");
        assert!(is_valid_key("carerplus"));
        assert!(!is_valid_key("Carer Plus"));
    }
}
