//! What the widget shows: the learner, the course, the competences tied to
//! this activity and the learner's statements offered as evidence.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::candidates::{self, Candidate};
use super::session::LaunchSession;
use super::PortfolioError;
use crate::entities::{context, resource_link, resource_link_competence};
use crate::frameworks::{self, Competence};
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
    /// Statements tied to competences, offered to keep as evidence.
    pub candidates: Vec<Candidate>,
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
    /// The learner as an xAPI Agent: the actor of statements the widget
    /// records with its launch token.
    #[schema(value_type = Object)]
    pub xapi_actor: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Course {
    pub title: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityLink {
    pub title: Option<String>,
    /// The link opens a learning activity (`POST /api/v1/activity-launch`
    /// gives its address for this learner).
    pub opens_activity: bool,
}

pub async fn load<C: ConnectionTrait>(
    db: &C,
    session: &LaunchSession,
    base_url: &str,
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
    let candidates = candidates::list(db, person.id, base_url).await?;
    Ok(PortfolioView {
        teacher_view: crate::lti::roles::is_instructor(&session.roles),
        learner: Learner {
            name: person.display_name(),
            locale: person.locale,
            xapi_actor: crate::xapi::learners::of_launch(db, session)
                .await?
                .ok_or(PortfolioError::Unauthenticated)?
                .actor(),
        },
        course: course.map(|c| Course {
            title: c.title,
            label: c.label,
        }),
        activity: ActivityLink {
            opens_activity: link.activity_url.is_some(),
            title: link.title,
        },
        competences,
        frameworks,
        candidates,
    })
}
