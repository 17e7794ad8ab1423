//! What the widget shows: the learner, the course, the competences tied to
//! this activity and the learner's recorded activity.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::Value;

use super::session::LaunchSession;
use super::PortfolioError;
use crate::entities::{context, resource_link, resource_link_competence};
use crate::frameworks::{self, Competence, LanguageMap};
use crate::identity;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PortfolioView {
    /// Whether the person looking teaches this course: the widget then
    /// shows the course's learners (`/api/v1/learners`) instead of a
    /// portfolio of their own.
    pub teacher_view: bool,
    pub learner: Learner,
    pub course: Option<Course>,
    pub activity: ActivityLink,
    pub competences: Vec<Competence>,
    /// The frameworks a competence map can be shown for: this activity's
    /// first, then the others, by title.
    pub frameworks: Vec<FrameworkChoice>,
    pub recorded: Vec<RecordedActivity>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FrameworkChoice {
    pub key: String,
    pub title: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = LaunchedPerson)]
pub struct Learner {
    pub name: Option<String>,
    pub locale: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Course {
    pub title: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityLink {
    pub title: Option<String>,
}

/// One line of the learner's history, derived from a stored statement.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordedActivity {
    /// The statement's id: what a kept record of activity points to.
    pub statement_id: Option<String>,
    pub verb: String,
    pub object: Option<LanguageMap>,
    pub timestamp: Option<String>,
    pub competences: Vec<String>,
}

pub const RECENT_ACTIVITY: u64 = 20;

pub async fn load<C: ConnectionTrait>(
    db: &C,
    session: &LaunchSession,
) -> Result<PortfolioView, PortfolioError> {
    let person = identity::get(db, session.person_id)
        .await?
        .ok_or(PortfolioError::Unauthenticated)?;
    let link = resource_link::Entity::find_by_id(session.resource_link_id)
        .one(db)
        .await?
        .ok_or(PortfolioError::Unauthenticated)?;
    let course = match link.context_id {
        Some(id) => context::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let tied: Vec<_> = resource_link_competence::Entity::find()
        .filter(resource_link_competence::Column::ResourceLinkId.eq(link.id))
        .order_by_asc(resource_link_competence::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|tie| tie.competence_id)
        .collect();
    let competences = frameworks::store::by_ids(db, &tied).await?;
    let mut frameworks: Vec<FrameworkChoice> = frameworks::store::headers(db, None)
        .await?
        .into_iter()
        .map(|h| FrameworkChoice {
            key: h.key,
            title: h.title,
        })
        .collect();
    frameworks.sort_by_key(|f| {
        (
            !competences.iter().any(|c| c.framework_key == f.key),
            f.title.to_lowercase(),
        )
    });
    let recorded = crate::xapi::store::recent_for_person(db, person.id.0, RECENT_ACTIVITY)
        .await?
        .iter()
        .map(recorded_activity)
        .collect();
    Ok(PortfolioView {
        teacher_view: crate::lti::roles::is_instructor(&session.roles),
        learner: Learner {
            name: person.display_name(),
            locale: person.locale,
        },
        course: course.map(|c| Course {
            title: c.title,
            label: c.label,
        }),
        activity: ActivityLink { title: link.title },
        competences,
        frameworks,
        recorded,
    })
}

fn recorded_activity(statement: &Value) -> RecordedActivity {
    let verb = statement["verb"]["display"]
        .as_object()
        .and_then(|display| display.values().next())
        .and_then(Value::as_str)
        .or_else(|| statement["verb"]["id"].as_str())
        .unwrap_or("")
        .to_owned();
    let competences = statement["context"]["contextActivities"]["other"]
        .as_array()
        .map(|others| {
            others
                .iter()
                .filter_map(|a| a["definition"]["name"].as_object())
                .filter_map(|name| name.get("en").or_else(|| name.values().next()))
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    RecordedActivity {
        statement_id: statement["id"].as_str().map(str::to_owned),
        verb,
        object: serde_json::from_value(statement["object"]["definition"]["name"].clone()).ok(),
        timestamp: statement["timestamp"].as_str().map(str::to_owned),
        competences,
    }
}
