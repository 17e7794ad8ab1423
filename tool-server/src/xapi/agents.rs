//! Agents and activities as the LRS indexes them: the key of an Agent or
//! identified Group (its inverse functional identifier), and what a
//! statement mentions, for the `agent`, `activity` and `related_*` filters.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

/// The key an Agent or identified Group is indexed by: its inverse
/// functional identifier. Anonymous groups have none.
pub fn key(agent: &Value) -> Option<String> {
    if let Some(mbox) = agent.get("mbox").and_then(Value::as_str) {
        return Some(format!("mbox:{mbox}"));
    }
    if let Some(sum) = agent.get("mbox_sha1sum").and_then(Value::as_str) {
        return Some(format!("mbox_sha1sum:{}", sum.to_ascii_lowercase()));
    }
    if let Some(openid) = agent.get("openid").and_then(Value::as_str) {
        return Some(format!("openid:{openid}"));
    }
    let account = agent.get("account")?;
    Some(account_key(
        account.get("homePage")?.as_str()?,
        account.get("name")?.as_str()?,
    ))
}

/// The key of an agent identified by an account.
pub fn account_key(home_page: &str, name: &str) -> String {
    format!("account:{home_page}|{name}")
}

/// The agents and activities a statement mentions, each marked direct (the
/// actor or object) or related only.
#[derive(Debug, Default)]
pub struct Mentions {
    pub agents: BTreeMap<String, bool>,
    pub activities: BTreeMap<String, bool>,
}

impl Mentions {
    fn agent(&mut self, agent: &Value, direct: bool) {
        if let Some(key) = key(agent) {
            *self.agents.entry(key).or_default() |= direct;
        }
        if let Some(members) = agent.get("member").and_then(Value::as_array) {
            for member in members {
                self.agent(member, false);
            }
        }
    }

    fn activity(&mut self, activity: &Value, direct: bool) {
        if let Some(id) = activity.get("id").and_then(Value::as_str) {
            *self.activities.entry(id.to_owned()).or_default() |= direct;
        }
    }

    fn object(&mut self, object: &Value, direct: bool) {
        match object.get("objectType").and_then(Value::as_str) {
            None | Some("Activity") => self.activity(object, direct),
            Some("Agent") | Some("Group") => self.agent(object, direct),
            Some("SubStatement") => self.body(object, false),
            _ => {}
        }
    }

    fn body(&mut self, statement: &Value, direct: bool) {
        self.agent(&statement["actor"], direct);
        self.object(&statement["object"], direct);
        let context = &statement["context"];
        for key in ["instructor", "team"] {
            if let Some(agent) = context.get(key) {
                self.agent(agent, false);
            }
        }
        for (list, member) in [("contextAgents", "agent"), ("contextGroups", "group")] {
            for entry in context
                .get(list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                self.agent(&entry[member], false);
            }
        }
        if let Some(activities) = context.get("contextActivities").and_then(Value::as_object) {
            for list in activities.values() {
                for activity in list.as_array().into_iter().flatten() {
                    self.activity(activity, false);
                }
            }
        }
    }

    /// What a (validated) statement mentions, its authority included.
    pub fn of(statement: &Value) -> Mentions {
        let mut mentions = Mentions::default();
        mentions.body(statement, true);
        if let Some(authority) = statement.get("authority") {
            mentions.agent(authority, false);
        }
        mentions
    }
}

/// The statement as `format=ids` shows it: agents and groups by their
/// identifier only (groups keep their members), activities and verbs by id.
pub fn ids_only(statement: &mut Value) {
    fn agent(value: &mut Value) {
        let Some(object) = value.as_object_mut() else {
            return;
        };
        let kept: Map<String, Value> = object
            .iter()
            .filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "objectType" | "mbox" | "mbox_sha1sum" | "openid" | "account" | "member"
                )
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        *object = kept;
        if let Some(members) = object.get_mut("member").and_then(Value::as_array_mut) {
            members.iter_mut().for_each(agent);
        }
    }
    fn activity(value: &mut Value) {
        if let Some(id) = value.get("id").cloned() {
            *value = json!({ "id": id });
        }
    }
    fn body(statement: &mut Value) {
        agent(&mut statement["actor"]);
        if let Some(verb) = statement.get_mut("verb").and_then(Value::as_object_mut) {
            verb.remove("display");
        }
        let object = &mut statement["object"];
        match object.get("objectType").and_then(Value::as_str) {
            None | Some("Activity") => activity(object),
            Some("Agent") | Some("Group") => agent(object),
            Some("SubStatement") => body(object),
            _ => {}
        }
        if let Some(context) = statement.get_mut("context").and_then(Value::as_object_mut) {
            for key in ["instructor", "team"] {
                if let Some(value) = context.get_mut(key) {
                    agent(value);
                }
            }
            for (list, member) in [("contextAgents", "agent"), ("contextGroups", "group")] {
                for entry in context
                    .get_mut(list)
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    agent(&mut entry[member]);
                }
            }
            if let Some(lists) = context
                .get_mut("contextActivities")
                .and_then(Value::as_object_mut)
            {
                for list in lists.values_mut() {
                    for item in list.as_array_mut().into_iter().flatten() {
                        activity(item);
                    }
                }
            }
        }
    }
    body(statement);
    if let Some(authority) = statement.get_mut("authority") {
        agent(authority);
    }
}

/// The statement as `format=canonical` shows it: every language map cut
/// to the one language that best fits the client's `Accept-Language`.
pub fn canonical(statement: &mut Value, preferred: &[String]) {
    fn walk(value: &mut Value, preferred: &[String], key: Option<&str>) {
        match value {
            Value::Object(map) => {
                let is_language_map = matches!(key, Some("display" | "name" | "description"))
                    && !map.is_empty()
                    && map.values().all(Value::is_string);
                if is_language_map {
                    let chosen = preferred
                        .iter()
                        .find_map(|tag| {
                            map.keys()
                                .find(|k| k.eq_ignore_ascii_case(tag))
                                .or_else(|| {
                                    map.keys().find(|k| {
                                        k.split('-')
                                            .next()
                                            .is_some_and(|p| p.eq_ignore_ascii_case(tag))
                                    })
                                })
                                .cloned()
                        })
                        .or_else(|| map.keys().next().cloned());
                    if let Some(chosen) = chosen {
                        map.retain(|k, _| *k == chosen);
                    }
                    return;
                }
                for (k, v) in map.iter_mut() {
                    if k != "extensions" {
                        walk(v, preferred, Some(k));
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, preferred, None)),
            _ => {}
        }
    }
    walk(statement, preferred, None);
}

/// The languages of an `Accept-Language` header, most preferred first.
pub fn accepted_languages(header: Option<&str>) -> Vec<String> {
    let mut weighted: Vec<(f32, String)> = header
        .unwrap_or("")
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            if tag.is_empty() || tag == "*" {
                return None;
            }
            let weight = pieces
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse().ok()))
                .unwrap_or(1.0);
            Some((weight, tag.to_owned()))
        })
        .collect();
    weighted.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    weighted.into_iter().map(|(_, tag)| tag).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_separate_direct_and_related() {
        let statement = json!({
            "actor": { "mbox": "mailto:a@example.org" },
            "verb": { "id": "http://example.org/v" },
            "object": { "id": "http://example.org/act" },
            "context": {
                "instructor": { "mbox": "mailto:i@example.org" },
                "contextActivities": { "parent": [{ "id": "http://example.org/parent" }] }
            },
            "authority": { "account": { "homePage": "http://lrs", "name": "k" } }
        });
        let mentions = Mentions::of(&statement);
        assert!(mentions.agents["mbox:mailto:a@example.org"]);
        assert!(!mentions.agents["mbox:mailto:i@example.org"]);
        assert!(!mentions.agents["account:http://lrs|k"]);
        assert!(mentions.activities["http://example.org/act"]);
        assert!(!mentions.activities["http://example.org/parent"]);
    }

    #[test]
    fn canonical_keeps_the_preferred_language() {
        let mut statement =
            json!({ "verb": { "id": "v", "display": { "en-US": "done", "nb": "ferdig" } } });
        canonical(
            &mut statement,
            &accepted_languages(Some("nb-NO, nb;q=0.9, en;q=0.5")),
        );
        assert_eq!(statement["verb"]["display"], json!({ "nb": "ferdig" }));
    }
}
