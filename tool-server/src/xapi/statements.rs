//! Building the statements Carefolio records (xAPI 1.0.3, valid under 2.0).

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::VERB_LAUNCHED;
use crate::frameworks::{Competence, LanguageMap};
use crate::util::rfc3339_ms;

/// An xAPI Activity as it appears in a statement.
#[derive(Debug, Clone)]
pub struct Activity {
    pub id: String,
    pub name: Option<LanguageMap>,
    pub activity_type: Option<&'static str>,
}

impl Activity {
    fn to_json(&self) -> Value {
        let mut definition = Map::new();
        if let Some(name) = &self.name {
            definition.insert("name".into(), json!(name));
        }
        if let Some(kind) = self.activity_type {
            definition.insert("type".into(), json!(kind));
        }
        let mut activity = json!({ "objectType": "Activity", "id": self.id });
        if !definition.is_empty() {
            activity["definition"] = Value::Object(definition);
        }
        activity
    }
}

/// The activity IRI of a resource link: what its launches are about, and
/// the `activityId` an activity opened from it reports against.
pub fn link_activity_id(base_url: &str, link: Uuid) -> String {
    format!("{}{link}", link_activity_prefix(base_url))
}

/// What every resource link's activity IRI starts with.
pub fn link_activity_prefix(base_url: &str) -> String {
    format!("{base_url}/xapi/activities/resource-links/")
}

/// An Agent identified by an account on the platform that launched them:
/// homePage = the platform's issuer, name = the LTI `sub`.
#[derive(Debug, Clone)]
pub struct AccountActor {
    pub home_page: String,
    pub name: String,
}

impl AccountActor {
    /// The key statements are indexed by, for queries by agent.
    pub fn key(&self) -> String {
        super::agents::account_key(&self.home_page, &self.name)
    }

    fn to_json(&self) -> Value {
        json!({ "objectType": "Agent", "account": { "homePage": self.home_page, "name": self.name } })
    }
}

pub struct LaunchedStatement<'a> {
    pub actor: &'a AccountActor,
    pub resource_link: &'a Activity,
    pub course: Option<&'a Activity>,
    pub competences: &'a [Competence],
    pub platform_name: &'a str,
    pub locale: Option<&'a str>,
    pub timestamp_ms: i64,
}

/// Renders an LTI locale (`en_us`, `nb-NO`) as an RFC 5646 tag.
fn language_tag(locale: &str) -> Option<String> {
    let tag = locale.replace('_', "-");
    let valid = !tag.is_empty()
        && tag.split('-').all(|part| {
            !part.is_empty() && part.len() <= 8 && part.chars().all(|c| c.is_ascii_alphanumeric())
        });
    valid.then_some(tag)
}

/// The "launched" statement for an accepted LTI launch. The course is the
/// grouping; each competence tied to the link is an `other` context activity.
pub fn launched(input: LaunchedStatement<'_>) -> (Uuid, Value) {
    let id = Uuid::new_v4();
    let mut context_activities = Map::new();
    if let Some(course) = input.course {
        context_activities.insert("grouping".into(), json!([course.to_json()]));
    }
    if !input.competences.is_empty() {
        let competences: Vec<Value> = input
            .competences
            .iter()
            .map(|competence| {
                Activity {
                    id: competence.iri.clone(),
                    name: Some(competence.title.clone()),
                    activity_type: None,
                }
                .to_json()
            })
            .collect();
        context_activities.insert("other".into(), Value::Array(competences));
    }
    let mut context = json!({ "platform": input.platform_name });
    if !context_activities.is_empty() {
        context["contextActivities"] = Value::Object(context_activities);
    }
    if let Some(language) = input.locale.and_then(language_tag) {
        context["language"] = json!(language);
    }
    let statement = json!({
        "id": id,
        "actor": input.actor.to_json(),
        "verb": { "id": VERB_LAUNCHED, "display": { "en-US": "launched" } },
        "object": input.resource_link.to_json(),
        "context": context,
        "timestamp": rfc3339_ms(input.timestamp_ms),
    });
    (id, statement)
}

/// A learner's self-rating of a competence, which the widget records.
pub const VERB_RATED: &str = "http://id.tincanapi.com/verb/rated";
pub const VERB_PASSED: &str = "http://adlnet.gov/expapi/verbs/passed";
pub const VERB_FAILED: &str = "http://adlnet.gov/expapi/verbs/failed";
/// An assessor asked for more evidence: neither passed nor failed.
pub const VERB_REVIEWED: &str = "http://id.tincanapi.com/verb/reviewed";

/// An assessor's decision on a learner's claim of a competence.
pub struct AssessedStatement<'a> {
    pub learner: &'a AccountActor,
    pub assessor: &'a AccountActor,
    pub competence: &'a Activity,
    pub course: Option<&'a Activity>,
    /// `accepted`, `more_evidence_needed` or `not_yet_competent`.
    pub outcome: &'a str,
    pub level: Option<i32>,
    pub level_title: Option<&'a LanguageMap>,
    pub feedback: &'a str,
    /// Where the claim can be named: `{base}/xapi/activities/claims/{id}`.
    pub claim_iri: &'a str,
    pub base_url: &'a str,
    pub timestamp_ms: i64,
}

/// The statement of an assessment decision: the learner as actor, the
/// competence as object, the assessor as the context's `instructor`, the
/// level in the result's extensions.
pub fn assessed(input: AssessedStatement<'_>) -> (Uuid, Value) {
    let id = Uuid::new_v4();
    let (verb, display, success) = match input.outcome {
        "accepted" => (VERB_PASSED, "passed", Some(true)),
        "not_yet_competent" => (VERB_FAILED, "failed", Some(false)),
        _ => (VERB_REVIEWED, "reviewed", None),
    };
    let mut extensions = Map::new();
    extensions.insert(
        format!("{}/xapi/extensions/outcome", input.base_url),
        json!(input.outcome),
    );
    if let Some(level) = input.level {
        extensions.insert(
            format!("{}/xapi/extensions/level", input.base_url),
            json!({ "position": level, "title": input.level_title }),
        );
    }
    let mut result = json!({ "extensions": extensions });
    if let Some(success) = success {
        result["success"] = json!(success);
    }
    if !input.feedback.is_empty() {
        result["response"] = json!(input.feedback);
    }
    let mut context_activities = Map::new();
    context_activities.insert(
        "parent".into(),
        json!([{ "objectType": "Activity", "id": input.claim_iri }]),
    );
    if let Some(course) = input.course {
        context_activities.insert("grouping".into(), json!([course.to_json()]));
    }
    let statement = json!({
        "id": id,
        "actor": input.learner.to_json(),
        "verb": { "id": verb, "display": { "en-US": display } },
        "object": input.competence.to_json(),
        "result": result,
        "context": {
            "instructor": input.assessor.to_json(),
            "platform": "Carefolio",
            "contextActivities": context_activities,
        },
        "timestamp": rfc3339_ms(input.timestamp_ms),
    });
    (id, statement)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lti_locales_become_language_tags() {
        assert_eq!(language_tag("en_us").as_deref(), Some("en-us"));
        assert_eq!(language_tag("nb").as_deref(), Some("nb"));
        assert_eq!(language_tag("not a tag"), None);
    }
}
