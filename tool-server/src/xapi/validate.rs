//! Validation of statements sent to the LRS (xAPI 1.0.3 Data, section 2, and
//! IEEE 9274.1.1 section 4.2). A statement is checked in one pass over its
//! JSON; the first problem is reported with the path of the offending field
//! (`statement.context.instructor.mbox`), so a client can fix it.
//!
//! Checking also normalises what the specification lets the LRS normalise:
//! a single context activity becomes an array of one, and (2.0) timestamps
//! with an offset are stored in UTC.

use std::fmt;

use serde_json::{Map, Value};

use super::Version;

/// What is wrong with a statement, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub reason: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// Where in the statement the checker is: a linked list on the stack, so a
/// valid statement costs no allocation for paths.
#[derive(Clone, Copy)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    pub fn root(name: &'a str) -> Path<'a> {
        Path {
            parent: None,
            segment: Segment::Key(name),
        }
    }

    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::Key(key),
        }
    }

    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::Index(index),
        }
    }

    fn render(&self) -> String {
        let mut segments = Vec::new();
        let mut at = Some(self);
        while let Some(path) = at {
            segments.push(path.segment);
            at = path.parent;
        }
        let mut rendered = String::new();
        for segment in segments.iter().rev() {
            match segment {
                Segment::Key(key) => {
                    if !rendered.is_empty() {
                        rendered.push('.');
                    }
                    rendered.push_str(key);
                }
                Segment::Index(index) => rendered.push_str(&format!("[{index}]")),
            }
        }
        rendered
    }

    pub fn invalid(&self, reason: impl Into<String>) -> Invalid {
        Invalid {
            field: self.render(),
            reason: reason.into(),
        }
    }
}

type Checked = Result<(), Invalid>;

const STATEMENT_KEYS: &[&str] = &[
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
];
const SUBSTATEMENT_KEYS: &[&str] = &[
    "objectType",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "attachments",
];
const AGENT_KEYS: &[&str] = &[
    "objectType",
    "name",
    "mbox",
    "mbox_sha1sum",
    "openid",
    "account",
];
const GROUP_KEYS: &[&str] = &[
    "objectType",
    "name",
    "mbox",
    "mbox_sha1sum",
    "openid",
    "account",
    "member",
];
const IFIS: &[&str] = &["mbox", "mbox_sha1sum", "openid", "account"];
const INTERACTION_TYPES: &[&str] = &[
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
];
const CONTEXT_ACTIVITY_KEYS: &[&str] = &["parent", "grouping", "category", "other"];

/// Checks a statement sent by a client and normalises it in place.
pub fn statement(value: &mut Value, version: Version, path: &Path<'_>) -> Checked {
    let object = as_object_mut(value, path)?;
    only_keys(object, STATEMENT_KEYS, path)?;
    no_nulls_outside_extensions(object, path)?;
    if let Some(id) = object.get("id") {
        uuid(id, &path.key("id"))?;
    }
    statement_body(object, version, path, false)?;
    if let Some(version_value) = object.get("version") {
        statement_version(version_value, version, &path.key("version"))?;
    }
    if let Some(stored) = object.get("stored") {
        timestamp(stored, &path.key("stored"))?;
    }
    if let Some(authority) = object.get("authority") {
        self::authority(authority, &path.key("authority"))?;
    }
    if version == Version::V2 {
        for key in ["timestamp", "stored"] {
            if let Some(Value::String(text)) = object.get_mut(key) {
                if let Some(utc) = in_utc(text) {
                    *text = utc;
                }
            }
        }
    }
    voiding(object, path)
}

/// What a statement and a sub-statement share: actor, verb, object, result,
/// context, timestamp, attachments.
fn statement_body(
    object: &mut Map<String, Value>,
    version: Version,
    path: &Path<'_>,
    within_substatement: bool,
) -> Checked {
    for key in ["actor", "verb", "object"] {
        required(object, key, path)?;
    }
    actor(&object["actor"], &path.key("actor"))?;
    verb(&object["verb"], &path.key("verb"))?;
    let object_type = statement_object(
        object.get_mut("object").expect("checked above"),
        version,
        &path.key("object"),
        within_substatement,
    )?;
    if let Some(result) = object.get("result") {
        self::result(result, &path.key("result"))?;
    }
    if let Some(context) = object.get_mut("context") {
        self::context(context, version, object_type, &path.key("context"))?;
    }
    if let Some(stamp) = object.get("timestamp") {
        timestamp(stamp, &path.key("timestamp"))?;
    }
    if let Some(attachments) = object.get("attachments") {
        self::attachments(attachments, &path.key("attachments"))?;
    }
    Ok(())
}

/// A voiding statement's object is a StatementRef (Data 2.3.2).
fn voiding(object: &Map<String, Value>, path: &Path<'_>) -> Checked {
    let verb_id = object["verb"].get("id").and_then(Value::as_str);
    if verb_id == Some(super::VERB_VOIDED)
        && object["object"].get("objectType").and_then(Value::as_str) != Some("StatementRef")
    {
        return Err(path
            .key("object")
            .invalid("a voiding statement's object must be a StatementRef"));
    }
    Ok(())
}

/// The member `key` of `object`, which must be there.
fn required<'v>(
    object: &'v Map<String, Value>,
    key: &str,
    path: &Path<'_>,
) -> Result<&'v Value, Invalid> {
    object
        .get(key)
        .ok_or_else(|| path.key(key).invalid("is required"))
}

fn as_object<'v>(value: &'v Value, path: &Path<'_>) -> Result<&'v Map<String, Value>, Invalid> {
    value
        .as_object()
        .ok_or_else(|| path.invalid("must be a JSON object"))
}

fn as_object_mut<'v>(
    value: &'v mut Value,
    path: &Path<'_>,
) -> Result<&'v mut Map<String, Value>, Invalid> {
    value
        .as_object_mut()
        .ok_or_else(|| path.invalid("must be a JSON object"))
}

fn only_keys(object: &Map<String, Value>, allowed: &[&str], path: &Path<'_>) -> Checked {
    match object.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(key) => Err(path
            .key(key)
            .invalid("is not a property allowed here (names are case-sensitive)")),
        None => Ok(()),
    }
}

fn no_nulls_outside_extensions(object: &Map<String, Value>, path: &Path<'_>) -> Checked {
    for (key, value) in object {
        if key == "extensions" {
            continue;
        }
        let here = path.key(key);
        match value {
            Value::Null => return Err(here.invalid("must not be null")),
            Value::Object(inner) => no_nulls_outside_extensions(inner, &here)?,
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let at = here.index(i);
                    match item {
                        Value::Null => return Err(at.invalid("must not be null")),
                        Value::Object(inner) => no_nulls_outside_extensions(inner, &at)?,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn string<'v>(value: &'v Value, path: &Path<'_>) -> Result<&'v str, Invalid> {
    value
        .as_str()
        .ok_or_else(|| path.invalid("must be a string"))
}

/// A UUID in its canonical hyphenated form (Data 4.5: RFC 4122).
pub fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn uuid(value: &Value, path: &Path<'_>) -> Checked {
    if is_uuid(string(value, path)?) {
        Ok(())
    } else {
        Err(path.invalid("must be a UUID (8-4-4-4-12 hexadecimal digits)"))
    }
}

/// An absolute IRI: a scheme, a colon and something after it.
pub fn is_iri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn iri(value: &Value, path: &Path<'_>) -> Checked {
    if is_iri(string(value, path)?) {
        Ok(())
    } else {
        Err(path.invalid("must be an absolute IRI"))
    }
}

/// RFC 5646 language tag: language (2–3 letters with up to three extlangs,
/// or 4–8 letters), script, region, variants, extensions, private use; or a
/// private-use tag alone.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-').peekable();
    let Some(language) = parts.next() else {
        return false;
    };
    let alpha = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphabetic())
    };
    let alnum = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric())
    };
    if language.eq_ignore_ascii_case("x") || language.eq_ignore_ascii_case("i") {
        let rest: Vec<&str> = parts.collect();
        return !rest.is_empty() && rest.iter().all(|p| alnum(p, 1, 8));
    }
    if !alpha(language, 2, 8) {
        return false;
    }
    if language.len() <= 3 {
        let mut extlangs = 0;
        while let Some(part) = parts.peek() {
            if extlangs < 3 && alpha(part, 3, 3) {
                extlangs += 1;
                parts.next();
            } else {
                break;
            }
        }
    }
    if parts.peek().is_some_and(|p| alpha(p, 4, 4)) {
        parts.next();
    }
    if parts
        .peek()
        .is_some_and(|p| alpha(p, 2, 2) || (p.len() == 3 && p.chars().all(|c| c.is_ascii_digit())))
    {
        parts.next();
    }
    while let Some(part) = parts.peek() {
        let variant = alnum(part, 5, 8)
            || (part.len() == 4
                && part.starts_with(|c: char| c.is_ascii_digit())
                && alnum(part, 4, 4));
        if variant {
            parts.next();
        } else {
            break;
        }
    }
    while let Some(singleton) = parts.next() {
        if singleton.len() != 1 || !singleton.chars().all(|c| c.is_ascii_alphanumeric()) {
            return false;
        }
        let private = singleton.eq_ignore_ascii_case("x");
        let mut count = 0;
        while let Some(part) = parts.peek() {
            let fits = if private {
                alnum(part, 1, 8)
            } else {
                alnum(part, 2, 8)
            };
            if fits {
                count += 1;
                parts.next();
            } else {
                break;
            }
        }
        if count == 0 {
            return false;
        }
    }
    true
}

fn language_map(value: &Value, path: &Path<'_>) -> Checked {
    let map = as_object(value, path)?;
    for (tag, text) in map {
        let here = path.key(tag);
        if !is_language_tag(tag) {
            return Err(here.invalid("is not an RFC 5646 language tag"));
        }
        string(text, &here)?;
    }
    Ok(())
}

fn extensions(value: &Value, path: &Path<'_>) -> Checked {
    let map = as_object(value, path)?;
    for key in map.keys() {
        if !is_iri(key) {
            return Err(path.key(key).invalid("extension keys must be IRIs"));
        }
    }
    Ok(())
}

fn is_mailto(text: &str) -> bool {
    text.strip_prefix("mailto:")
        .is_some_and(|address| address.contains('@') && !address.contains(char::is_whitespace))
}

fn ifi(object: &Map<String, Value>, key: &str, path: &Path<'_>) -> Checked {
    let value = &object[key];
    let here = path.key(key);
    match key {
        "mbox" => {
            if !is_mailto(string(value, &here)?) {
                return Err(here.invalid("must be a mailto: IRI with an email address"));
            }
        }
        "mbox_sha1sum" => {
            let text = string(value, &here)?;
            if text.len() != 40 || !text.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(here.invalid("must be the hex SHA-1 of a mailto: IRI"));
            }
        }
        "openid" => iri(value, &here)?,
        "account" => {
            let account = as_object(value, &here)?;
            only_keys(account, &["homePage", "name"], &here)?;
            let home_page = required(account, "homePage", &here)?;
            iri(home_page, &here.key("homePage"))?;
            let name = required(account, "name", &here)?;
            string(name, &here.key("name"))?;
        }
        _ => unreachable!("only IFIs are passed"),
    }
    Ok(())
}

fn ifi_count(object: &Map<String, Value>, path: &Path<'_>) -> Result<usize, Invalid> {
    let mut count = 0;
    for key in IFIS {
        if object.contains_key(*key) {
            ifi(object, key, path)?;
            count += 1;
        }
    }
    Ok(count)
}

fn name(object: &Map<String, Value>, path: &Path<'_>) -> Checked {
    match object.get("name") {
        Some(name) => string(name, &path.key("name")).map(|_| ()),
        None => Ok(()),
    }
}

/// An Agent: at most the agent properties and exactly one identifier.
fn agent(value: &Value, path: &Path<'_>) -> Checked {
    let object = as_object(value, path)?;
    if let Some(kind) = object.get("objectType") {
        if string(kind, &path.key("objectType"))? != "Agent" {
            return Err(path.key("objectType").invalid("must be \"Agent\""));
        }
    }
    only_keys(object, AGENT_KEYS, path)?;
    name(object, path)?;
    match ifi_count(object, path)? {
        1 => Ok(()),
        0 => Err(path.invalid("an Agent needs one of mbox, mbox_sha1sum, openid or account")),
        _ => Err(path.invalid("an Agent has exactly one of mbox, mbox_sha1sum, openid or account")),
    }
}

/// A Group: anonymous (members, no identifier) or identified (one identifier).
fn group(value: &Value, path: &Path<'_>) -> Checked {
    let object = as_object(value, path)?;
    if object.get("objectType").and_then(Value::as_str) != Some("Group") {
        return Err(path.key("objectType").invalid("must be \"Group\""));
    }
    only_keys(object, GROUP_KEYS, path)?;
    name(object, path)?;
    let identifiers = ifi_count(object, path)?;
    if identifiers > 1 {
        return Err(
            path.invalid("a Group has at most one of mbox, mbox_sha1sum, openid or account")
        );
    }
    match object.get("member") {
        Some(members) => {
            let here = path.key("member");
            let members = members
                .as_array()
                .ok_or_else(|| here.invalid("must be an array of Agents"))?;
            if identifiers == 0 && members.is_empty() {
                return Err(here.invalid("an anonymous Group must list its members"));
            }
            for (i, member) in members.iter().enumerate() {
                agent(member, &here.index(i))?;
            }
            Ok(())
        }
        None if identifiers == 0 => {
            Err(path.invalid("an anonymous Group must list its members in `member`"))
        }
        None => Ok(()),
    }
}

/// An actor, instructor or authority: an Agent, or a Group when
/// `objectType` says so.
fn agent_or_group(value: &Value, path: &Path<'_>) -> Checked {
    let object = as_object(value, path)?;
    match object.get("objectType") {
        None => agent(value, path),
        Some(kind) => match string(kind, &path.key("objectType"))? {
            "Agent" => agent(value, path),
            "Group" => group(value, path),
            _ => Err(path
                .key("objectType")
                .invalid("must be \"Agent\" or \"Group\"")),
        },
    }
}

/// An Agent or Group given as a request parameter (`agent=`).
pub fn agent_parameter(value: &Value) -> Checked {
    agent_or_group(value, &Path::root("agent"))
}

fn actor(value: &Value, path: &Path<'_>) -> Checked {
    agent_or_group(value, path)
}

/// The authority: an Agent, or an anonymous Group of exactly two Agents
/// (the OAuth consumer and user; Data 2.4.9).
fn authority(value: &Value, path: &Path<'_>) -> Checked {
    agent_or_group(value, path)?;
    let object = as_object(value, path)?;
    if object.get("objectType").and_then(Value::as_str) == Some("Group") {
        if IFIS.iter().any(|k| object.contains_key(*k)) {
            return Err(path.invalid("an authority Group must be anonymous"));
        }
        let members = object.get("member").and_then(Value::as_array);
        if members.map_or(0, Vec::len) != 2 {
            return Err(path
                .key("member")
                .invalid("an authority Group has exactly two Agents"));
        }
    }
    Ok(())
}

fn verb(value: &Value, path: &Path<'_>) -> Checked {
    let object = as_object(value, path)?;
    only_keys(object, &["id", "display"], path)?;
    let id = required(object, "id", path)?;
    iri(id, &path.key("id"))?;
    if let Some(display) = object.get("display") {
        language_map(display, &path.key("display"))?;
    }
    Ok(())
}

/// What kind of object a statement has, for the context rules that depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ObjectKind {
    Activity,
    Other,
}

fn statement_object(
    value: &mut Value,
    version: Version,
    path: &Path<'_>,
    within_substatement: bool,
) -> Result<ObjectKind, Invalid> {
    let kind = {
        let object = as_object(value, path)?;
        match object.get("objectType") {
            None => "Activity".to_owned(),
            Some(kind) => string(kind, &path.key("objectType"))?.to_owned(),
        }
    };
    match kind.as_str() {
        "Activity" => {
            activity(value, path)?;
            Ok(ObjectKind::Activity)
        }
        "Agent" => agent(value, path).map(|_| ObjectKind::Other),
        "Group" => group(value, path).map(|_| ObjectKind::Other),
        "StatementRef" => statement_ref(value, path).map(|_| ObjectKind::Other),
        "SubStatement" => {
            if within_substatement {
                return Err(path.invalid("a SubStatement cannot contain another SubStatement"));
            }
            let object = as_object_mut(value, path)?;
            only_keys(object, SUBSTATEMENT_KEYS, path)?;
            statement_body(object, version, path, true)?;
            Ok(ObjectKind::Other)
        }
        _ => Err(path
            .key("objectType")
            .invalid("must be Activity, Agent, Group, StatementRef or SubStatement")),
    }
}

fn statement_ref(value: &Value, path: &Path<'_>) -> Checked {
    let object = as_object(value, path)?;
    only_keys(object, &["objectType", "id"], path)?;
    if object.get("objectType").and_then(Value::as_str) != Some("StatementRef") {
        return Err(path.key("objectType").invalid("must be \"StatementRef\""));
    }
    let id = required(object, "id", path)?;
    uuid(id, &path.key("id"))
}

fn activity(value: &Value, path: &Path<'_>) -> Checked {
    let object = as_object(value, path)?;
    if let Some(kind) = object.get("objectType") {
        if string(kind, &path.key("objectType"))? != "Activity" {
            return Err(path.key("objectType").invalid("must be \"Activity\""));
        }
    }
    only_keys(object, &["objectType", "id", "definition"], path)?;
    let id = required(object, "id", path)?;
    iri(id, &path.key("id"))?;
    if let Some(definition) = object.get("definition") {
        activity_definition(definition, &path.key("definition"))?;
    }
    Ok(())
}

fn activity_definition(value: &Value, path: &Path<'_>) -> Checked {
    let object = as_object(value, path)?;
    only_keys(
        object,
        &[
            "name",
            "description",
            "type",
            "moreInfo",
            "interactionType",
            "correctResponsesPattern",
            "choices",
            "scale",
            "source",
            "target",
            "steps",
            "extensions",
        ],
        path,
    )?;
    for key in ["name", "description"] {
        if let Some(map) = object.get(key) {
            language_map(map, &path.key(key))?;
        }
    }
    for key in ["type", "moreInfo"] {
        if let Some(value) = object.get(key) {
            iri(value, &path.key(key))?;
        }
    }
    if let Some(value) = object.get("extensions") {
        extensions(value, &path.key("extensions"))?;
    }
    let interaction = match object.get("interactionType") {
        Some(kind) => {
            let here = path.key("interactionType");
            let kind = string(kind, &here)?;
            if !INTERACTION_TYPES.contains(&kind) {
                return Err(here.invalid(format!(
                    "must be one of {} (case-sensitive)",
                    INTERACTION_TYPES.join(", ")
                )));
            }
            Some(kind)
        }
        None => None,
    };
    if let Some(pattern) = object.get("correctResponsesPattern") {
        let here = path.key("correctResponsesPattern");
        if interaction.is_none() {
            return Err(here.invalid("needs an interactionType"));
        }
        let items = pattern
            .as_array()
            .ok_or_else(|| here.invalid("must be an array of strings"))?;
        for (i, item) in items.iter().enumerate() {
            string(item, &here.index(i))?;
        }
    }
    let allowed: &[&str] = match interaction {
        Some("choice") | Some("sequencing") => &["choices"],
        Some("likert") => &["scale"],
        Some("matching") => &["source", "target"],
        Some("performance") => &["steps"],
        _ => &[],
    };
    for key in ["choices", "scale", "source", "target", "steps"] {
        if let Some(list) = object.get(key) {
            let here = path.key(key);
            if !allowed.contains(&key) {
                return Err(here.invalid(match interaction {
                    Some(kind) => format!("is not used by a {kind:?} interaction"),
                    None => "needs an interactionType".to_owned(),
                }));
            }
            interaction_components(list, &here)?;
        }
    }
    Ok(())
}

fn interaction_components(value: &Value, path: &Path<'_>) -> Checked {
    let items = value
        .as_array()
        .ok_or_else(|| path.invalid("must be an array of interaction components"))?;
    let mut seen = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let here = path.index(i);
        let component = as_object(item, &here)?;
        only_keys(component, &["id", "description"], &here)?;
        let id = required(component, "id", &here)?;
        let id = string(id, &here.key("id"))?;
        if id.is_empty() {
            return Err(here.key("id").invalid("must not be empty"));
        }
        if !seen.insert(id) {
            return Err(here.key("id").invalid("repeats another component's id"));
        }
        if let Some(description) = component.get("description") {
            language_map(description, &here.key("description"))?;
        }
    }
    Ok(())
}

fn result(value: &Value, path: &Path<'_>) -> Checked {
    let object = as_object(value, path)?;
    only_keys(
        object,
        &[
            "score",
            "success",
            "completion",
            "response",
            "duration",
            "extensions",
        ],
        path,
    )?;
    for key in ["success", "completion"] {
        if let Some(value) = object.get(key) {
            if !value.is_boolean() {
                return Err(path.key(key).invalid("must be true or false"));
            }
        }
    }
    if let Some(response) = object.get("response") {
        string(response, &path.key("response"))?;
    }
    if let Some(value) = object.get("duration") {
        let here = path.key("duration");
        if !is_duration(string(value, &here)?) {
            return Err(here.invalid("must be an ISO 8601 duration such as PT1H30M"));
        }
    }
    if let Some(value) = object.get("extensions") {
        extensions(value, &path.key("extensions"))?;
    }
    if let Some(score) = object.get("score") {
        self::score(score, &path.key("score"))?;
    }
    Ok(())
}

fn score(value: &Value, path: &Path<'_>) -> Checked {
    let object = as_object(value, path)?;
    only_keys(object, &["scaled", "raw", "min", "max"], path)?;
    let number = |key: &str| -> Result<Option<f64>, Invalid> {
        match object.get(key) {
            None => Ok(None),
            Some(value) => value
                .as_f64()
                .map(Some)
                .ok_or_else(|| path.key(key).invalid("must be a number")),
        }
    };
    let (scaled, raw, min, max) = (
        number("scaled")?,
        number("raw")?,
        number("min")?,
        number("max")?,
    );
    if scaled.is_some_and(|s| !(-1.0..=1.0).contains(&s)) {
        return Err(path.key("scaled").invalid("must be between -1 and 1"));
    }
    if let (Some(min), Some(max)) = (min, max) {
        if min >= max {
            return Err(path.key("min").invalid("must be less than max"));
        }
    }
    if let Some(raw) = raw {
        if min.is_some_and(|min| raw < min) {
            return Err(path.key("raw").invalid("must not be less than min"));
        }
        if max.is_some_and(|max| raw > max) {
            return Err(path.key("raw").invalid("must not be more than max"));
        }
    }
    Ok(())
}

/// ISO 8601 duration: `P[nY][nM][nD][T[nH][nM][nS]]` or `PnW`; only the
/// last component may have a fraction.
pub fn is_duration(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('P') else {
        return false;
    };
    if let Some(weeks) = rest.strip_suffix('W') {
        return is_decimal(weeks);
    }
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) => {
            if time.is_empty() {
                return false;
            }
            (date, Some(time))
        }
        None => (rest, None),
    };
    let mut components = 0;
    let mut fraction_seen = false;
    for (part, units) in [(date, "YMD"), (time.unwrap_or(""), "HMS")] {
        let mut number = String::new();
        let mut next_unit = 0;
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' || c == ',' {
                number.push(c);
                continue;
            }
            let Some(position) = units[next_unit..].find(c) else {
                return false;
            };
            if !is_decimal(&number) || fraction_seen {
                return false;
            }
            fraction_seen = number.contains(['.', ',']);
            next_unit += position + 1;
            components += 1;
            number.clear();
        }
        if !number.is_empty() {
            return false;
        }
    }
    components > 0
}

fn is_decimal(text: &str) -> bool {
    let mut parts = text.splitn(2, ['.', ',']);
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

fn context(
    value: &mut Value,
    version: Version,
    object_kind: ObjectKind,
    path: &Path<'_>,
) -> Checked {
    let mut keys = vec![
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    ];
    if version == Version::V2 {
        keys.extend(["contextAgents", "contextGroups"]);
    }
    let object = as_object_mut(value, path)?;
    only_keys(object, &keys, path)?;
    if let Some(registration) = object.get("registration") {
        uuid(registration, &path.key("registration"))?;
    }
    if let Some(instructor) = object.get("instructor") {
        agent_or_group(instructor, &path.key("instructor"))?;
    }
    if let Some(team) = object.get("team") {
        group(team, &path.key("team"))?;
    }
    for key in ["revision", "platform"] {
        if let Some(value) = object.get(key) {
            string(value, &path.key(key))?;
            if object_kind != ObjectKind::Activity {
                return Err(path
                    .key(key)
                    .invalid("is only allowed when the statement's object is an Activity"));
            }
        }
    }
    if let Some(language) = object.get("language") {
        let here = path.key("language");
        if !is_language_tag(string(language, &here)?) {
            return Err(here.invalid("is not an RFC 5646 language tag"));
        }
    }
    if let Some(statement) = object.get("statement") {
        statement_ref(statement, &path.key("statement"))?;
    }
    if let Some(value) = object.get("extensions") {
        extensions(value, &path.key("extensions"))?;
    }
    if let Some(activities) = object.get_mut("contextActivities") {
        context_activities(activities, &path.key("contextActivities"))?;
    }
    for (key, kind, member) in [
        ("contextAgents", "contextAgent", "agent"),
        ("contextGroups", "contextGroup", "group"),
    ] {
        if let Some(list) = object.get(key) {
            context_members(list, kind, member, &path.key(key))?;
        }
    }
    Ok(())
}

/// 2.0 `contextAgents` / `contextGroups`: typed agents or groups with
/// optional `relevantTypes` (a non-empty array of IRIs when present).
fn context_members(value: &Value, kind: &str, member: &str, path: &Path<'_>) -> Checked {
    let items = value
        .as_array()
        .ok_or_else(|| path.invalid(format!("must be an array of {kind} objects")))?;
    for (i, item) in items.iter().enumerate() {
        let here = path.index(i);
        let object = as_object(item, &here)?;
        only_keys(object, &["objectType", member, "relevantTypes"], &here)?;
        if object.get("objectType").and_then(Value::as_str) != Some(kind) {
            return Err(here
                .key("objectType")
                .invalid(format!("must be \"{kind}\"")));
        }
        let target = required(object, member, &here)?;
        if member == "agent" {
            agent(target, &here.key(member))?;
        } else {
            group(target, &here.key(member))?;
        }
        if let Some(types) = object.get("relevantTypes") {
            let types_path = here.key("relevantTypes");
            let types = types
                .as_array()
                .ok_or_else(|| types_path.invalid("must be an array of IRIs"))?;
            if types.is_empty() {
                return Err(types_path.invalid("must not be empty when present"));
            }
            for (j, kind) in types.iter().enumerate() {
                iri(kind, &types_path.index(j))?;
            }
        }
    }
    Ok(())
}

fn context_activities(value: &mut Value, path: &Path<'_>) -> Checked {
    let object = as_object_mut(value, path)?;
    only_keys(object, CONTEXT_ACTIVITY_KEYS, path)?;
    for (key, list) in object.iter_mut() {
        let here = path.key(key);
        if list.is_object() {
            // A single Activity is stored as an array of one (Data 2.4.6.2).
            let single = list.take();
            *list = Value::Array(vec![single]);
        }
        let items = list
            .as_array()
            .ok_or_else(|| here.invalid("must be an Activity or an array of Activities"))?;
        for (i, item) in items.iter().enumerate() {
            activity(item, &here.index(i))?;
        }
    }
    Ok(())
}

fn attachments(value: &Value, path: &Path<'_>) -> Checked {
    let items = value
        .as_array()
        .ok_or_else(|| path.invalid("must be an array of Attachments"))?;
    for (i, item) in items.iter().enumerate() {
        let here = path.index(i);
        let object = as_object(item, &here)?;
        only_keys(
            object,
            &[
                "usageType",
                "display",
                "description",
                "contentType",
                "length",
                "sha2",
                "fileUrl",
            ],
            &here,
        )?;
        for key in ["usageType", "display", "contentType", "length", "sha2"] {
            required(object, key, &here)?;
        }
        iri(&object["usageType"], &here.key("usageType"))?;
        language_map(&object["display"], &here.key("display"))?;
        if let Some(description) = object.get("description") {
            language_map(description, &here.key("description"))?;
        }
        let content_type = string(&object["contentType"], &here.key("contentType"))?;
        if !is_media_type(content_type) {
            return Err(here
                .key("contentType")
                .invalid("must be a media type such as text/plain"));
        }
        if !object["length"].is_u64() {
            return Err(here.key("length").invalid("must be a non-negative integer"));
        }
        let sha2 = string(&object["sha2"], &here.key("sha2"))?;
        if !matches!(sha2.len(), 56 | 64 | 96 | 128) || !sha2.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(here
                .key("sha2")
                .invalid("must be a hex SHA-2 hash of the attachment"));
        }
        if let Some(url) = object.get("fileUrl") {
            iri(url, &here.key("fileUrl"))?;
        }
    }
    Ok(())
}

fn is_media_type(text: &str) -> bool {
    let essence = text.split(';').next().unwrap_or("").trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
    };
    essence
        .split_once('/')
        .is_some_and(|(kind, sub)| token(kind) && token(sub))
}

fn statement_version(value: &Value, version: Version, path: &Path<'_>) -> Checked {
    let text = string(value, path)?;
    let family_ok = |prefix: &str| {
        text == prefix
            || text
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|patch| !patch.is_empty() && patch.chars().all(|c| c.is_ascii_digit()))
    };
    let accepted = match version {
        Version::V1 => family_ok("1.0"),
        Version::V2 => family_ok("1.0") || family_ok("2.0"),
    };
    if accepted {
        Ok(())
    } else {
        Err(path.invalid(match version {
            Version::V1 => "must be 1.0.x",
            Version::V2 => "must be 1.0.x or 2.0.x",
        }))
    }
}

/// A timestamp: ISO 8601 / RFC 3339 date and time. An offset of `-00:00`
/// (unknown local offset, RFC 3339 section 4.3) is refused.
fn timestamp(value: &Value, path: &Path<'_>) -> Checked {
    let text = string(value, path)?;
    parse_timestamp(text).map(|_| ()).ok_or_else(|| {
        path.invalid("must be an ISO 8601 date and time such as 2026-11-30T09:15:00.000Z")
    })
}

/// Milliseconds since the epoch of an xAPI timestamp.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let negative_zero = ["-00", "-0000", "-00:00"].iter().any(|z| text.ends_with(z))
        && text.len() > 19
        && text[19..].rfind('-').is_some_and(|at| {
            let offset = &text[19 + at..];
            matches!(offset, "-00" | "-0000" | "-00:00")
        });
    if negative_zero {
        return None;
    }
    let normalised = normalise_offset(text)?;
    chrono::DateTime::parse_from_rfc3339(&normalised)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Rewrites ISO 8601 offsets RFC 3339 lacks (`+01`, `+0100`, none) as `+01:00` / `Z`.
fn normalise_offset(text: &str) -> Option<String> {
    if text.len() < 19 || !text.is_char_boundary(19) {
        return None;
    }
    let (date_time, rest) = text.split_at(19);
    let (fraction, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let offset = match offset {
        "" => "Z".to_owned(),
        "Z" | "z" => "Z".to_owned(),
        o if o.len() == 3 => format!("{o}:00"),
        o if o.len() == 5 && !o.contains(':') => format!("{}:{}", &o[..3], &o[3..]),
        o => o.to_owned(),
    };
    Some(format!("{date_time}{fraction}{offset}"))
}

/// A timestamp with an offset, rewritten in UTC with its precision kept.
fn in_utc(text: &str) -> Option<String> {
    if text.ends_with('Z') {
        return None;
    }
    let normalised = normalise_offset(text)?;
    let parsed = chrono::DateTime::parse_from_rfc3339(&normalised).ok()?;
    let digits = text[19..]
        .chars()
        .skip_while(|c| *c != '.')
        .skip(1)
        .take_while(char::is_ascii_digit)
        .count();
    let format = match digits {
        0 => chrono::SecondsFormat::Secs,
        1..=3 => chrono::SecondsFormat::Millis,
        4..=6 => chrono::SecondsFormat::Micros,
        _ => chrono::SecondsFormat::Nanos,
    };
    Some(
        parsed
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(format, true),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The shared corpus (also used to compare validators): every case
    /// gets the verdict the specification gives it, in each version.
    #[test]
    fn the_statement_corpus_gets_the_specifications_verdicts() {
        let corpus: Value =
            serde_json::from_str(include_str!("../../../tests/fixtures/xapi/statements.json"))
                .expect("the corpus is JSON");
        let mut checked = 0;
        for case in corpus["cases"].as_array().expect("cases") {
            for (version, name) in [(Version::V1, "1.0.3"), (Version::V2, "2.0.0")] {
                let applies =
                    matches!(case["version"].as_str(), Some("both")) || case["version"] == name;
                if !applies {
                    continue;
                }
                let verdict = check(case["statement"].clone(), version);
                assert_eq!(
                    verdict.is_ok(),
                    case["valid"] == true,
                    "{name}: {} ({verdict:?})",
                    case["name"]
                );
                checked += 1;
            }
        }
        assert!(checked > 80, "only {checked} verdicts checked");
    }

    fn check(mut value: Value, version: Version) -> Result<Value, Invalid> {
        statement(&mut value, version, &Path::root("statement"))?;
        Ok(value)
    }

    fn minimal() -> Value {
        json!({
            "actor": { "mbox": "mailto:ingrid@example.org" },
            "verb": { "id": "http://adlnet.gov/expapi/verbs/completed", "display": { "en-US": "completed" } },
            "object": { "id": "http://example.org/activities/hand-hygiene" }
        })
    }

    #[test]
    fn a_minimal_statement_is_valid_in_both_versions() {
        assert!(check(minimal(), Version::V1).is_ok());
        assert!(check(minimal(), Version::V2).is_ok());
    }

    #[test]
    fn problems_name_the_field() {
        let mut statement = minimal();
        statement["context"] = json!({ "instructor": { "mbox": "ingrid@example.org" } });
        let error = check(statement, Version::V2).expect_err("refused");
        assert_eq!(error.field, "statement.context.instructor.mbox");
        let mut statement = minimal();
        statement["Actor"] = json!({});
        assert_eq!(
            check(statement, Version::V2).expect_err("refused").field,
            "statement.Actor"
        );
    }

    #[test]
    fn context_agents_are_2_0_only_and_relevant_types_optional() {
        let mut statement = minimal();
        statement["context"] = json!({ "contextAgents": [
            { "objectType": "contextAgent", "agent": { "mbox": "mailto:a@example.org" } }
        ] });
        assert!(check(statement.clone(), Version::V2).is_ok());
        assert!(check(statement.clone(), Version::V1).is_err());
        statement["context"]["contextAgents"][0]["relevantTypes"] = json!([]);
        assert!(check(statement, Version::V2).is_err());
    }

    #[test]
    fn single_context_activities_become_arrays() {
        let mut statement = minimal();
        statement["context"] =
            json!({ "contextActivities": { "parent": { "id": "http://example.org/p" } } });
        let checked = check(statement, Version::V1).expect("valid");
        assert!(checked["context"]["contextActivities"]["parent"].is_array());
    }

    #[test]
    fn timestamps() {
        assert!(parse_timestamp("2008-09-15T15:53:00.601Z").is_some());
        assert!(parse_timestamp("2008-09-15T15:53:00.601+00:00").is_some());
        assert!(parse_timestamp("2008-09-15T15:53:00+0100").is_some());
        assert!(parse_timestamp("2008-09-15T15:53:00.601-00:00").is_none());
        assert!(parse_timestamp("2008-09-15T15:53:00.601-0000").is_none());
        assert!(parse_timestamp("2008-09-15T15:53:00.601-00").is_none());
        assert!(parse_timestamp("01/011/2015").is_none());
        assert_eq!(
            in_utc("2008-09-15T17:53:00.601+02:00").as_deref(),
            Some("2008-09-15T15:53:00.601Z")
        );
    }

    #[test]
    fn durations_and_language_tags() {
        for valid in ["PT1H30M", "P1D", "PT0.5S", "P3W", "P1Y2M3DT4H5M6.7S"] {
            assert!(is_duration(valid), "{valid}");
        }
        for invalid in ["P", "PT", "1H", "PT1.5H30M", "P1H"] {
            assert!(!is_duration(invalid), "{invalid}");
        }
        for valid in [
            "de",
            "de-DE",
            "zh-Hant",
            "sr-Latn-RS",
            "cmn",
            "es-419",
            "x-private",
        ] {
            assert!(is_language_tag(valid), "{valid}");
        }
        for invalid in ["something", "", "e", "de-", "en-US-"] {
            assert!(!is_language_tag(invalid), "{invalid}");
        }
    }

    #[test]
    fn anonymous_groups_need_members_and_agents_one_identifier() {
        let mut statement = minimal();
        statement["actor"] = json!({ "objectType": "Group" });
        assert!(check(statement.clone(), Version::V1).is_err());
        statement["actor"] =
            json!({ "mbox": "mailto:a@example.org", "openid": "http://a.example.org" });
        assert!(check(statement, Version::V1).is_err());
    }

    #[test]
    fn nulls_are_refused_except_in_extensions() {
        let mut statement = minimal();
        statement["verb"]["display"]["en-US"] = Value::Null;
        assert!(check(statement, Version::V1).is_err());
        let mut statement = minimal();
        statement["result"] = json!({ "extensions": { "http://example.org/x": null } });
        assert!(check(statement, Version::V1).is_ok());
    }
}
