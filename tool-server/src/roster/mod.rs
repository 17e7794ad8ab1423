//! Course rosters: who is in a course, from the platform's Names and Role
//! Provisioning Service, kept in the database so that every instance
//! answers from the same copy. Used to list an assessor's learners with
//! their progress; being listed never creates a portfolio.

pub mod nrps;

use std::collections::HashMap;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::{context, lti_identity, resource_link, roster_member};
use crate::grades;
use crate::identity;
use crate::lti::roles;
use crate::platforms::services::{ServiceClient, ServiceError};
use crate::platforms::tool_keys::CurrentKey;
use crate::platforms::{self, Platform};
use crate::portfolio::session::Teaching;
use crate::util::{now_ms, rfc3339_ms};
use nrps::{MemberStatus, ROSTER_SCOPE};

/// How long a fetched roster is used before the next request refreshes it.
pub const FRESH_FOR_MS: i64 = 15 * 60 * 1000;
/// Rows per insert statement when a roster is stored.
const INSERT_BATCH: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("only the course's instructors can list its learners")]
    NotAnAssessor,
    #[error("this activity is not part of a course")]
    NoCourse,
    #[error("the platform did not offer its roster service (Names and Role Provisioning) for this course; enable it in the tool's registration")]
    NotOffered,
    #[error("the platform's roster could not be fetched: {0}")]
    Platform(#[source] ServiceError),
    #[error("database error")]
    Database(#[from] DbErr),
}

impl RosterError {
    pub fn code(&self) -> &'static str {
        match self {
            RosterError::NotAnAssessor => "not_an_assessor",
            RosterError::NoCourse => "no_course",
            RosterError::NotOffered => "roster_not_offered",
            RosterError::Platform(_) => "roster_unavailable",
            RosterError::Database(_) => "internal_error",
        }
    }
}

/// What the caller needs to reach a platform's services.
pub struct RosterAccess<'a> {
    pub services: &'a ServiceClient,
    pub key: &'a CurrentKey,
    pub refreshes: &'a RefreshGate,
}

/// Keeps roster refreshes of one course apart: requests that arrive while
/// a refresh of their course runs wait for it and use its result, and a
/// refresh asked for within `min_interval` of the last is answered from
/// the stored roster. In memory, safe to lose: the interval check reads the
/// stored fetch time, so every instance honours it.
pub struct RefreshGate {
    courses: std::sync::Mutex<HashMap<Uuid, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    min_interval_ms: i64,
}

impl RefreshGate {
    pub fn new(min_interval: std::time::Duration) -> RefreshGate {
        RefreshGate {
            courses: std::sync::Mutex::default(),
            min_interval_ms: i64::try_from(min_interval.as_millis()).unwrap_or(i64::MAX),
        }
    }

    fn lock_for(&self, course: Uuid) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        let mut courses = self.courses.lock().unwrap_or_else(|p| p.into_inner());
        // Forget the courses nobody is refreshing, so the map stays small.
        courses.retain(|_, lock| std::sync::Arc::strong_count(lock) > 1);
        courses.entry(course).or_default().clone()
    }
}

/// Fetches the course's whole roster and replaces the stored one in one
/// transaction; returns when it was fetched.
pub async fn refresh<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    service: &RosterAccess<'_>,
    platform: &Platform,
    course: &context::Model,
) -> Result<i64, RosterError> {
    let url = course
        .memberships_url
        .as_deref()
        .ok_or(RosterError::NotOffered)?;
    let url = platform
        .service_url(url)
        .map_err(|e| RosterError::Platform(e.into()))?;
    let key = service
        .key
        .get(db)
        .await
        .map_err(|e| RosterError::Platform(e.into()))?;
    // A token the platform no longer accepts is renewed once.
    let mut renewed = false;
    let members = loop {
        let token = service
            .services
            .token(platform, &key, &[ROSTER_SCOPE])
            .await
            .map_err(RosterError::Platform)?;
        match nrps::fetch_all(service.services, platform, &token, &url).await {
            Err(e) if e.is_unauthorized() && !renewed => {
                service.services.forget_tokens(platform.id.0);
                renewed = true;
            }
            fetched => break fetched.map_err(RosterError::Platform)?,
        }
    };

    let now = now_ms();
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<roster_member::ActiveModel> = members
        .into_iter()
        .filter(|m| m.status != MemberStatus::Deleted && seen.insert(m.user_id.clone()))
        .map(|m| roster_member::ActiveModel {
            context_id: Set(course.id),
            user_id: Set(m.user_id),
            roles: Set(serde_json::to_string(&m.roles).unwrap_or_else(|_| "[]".into())),
            status: Set(m.status.as_str().to_owned()),
            name: Set(m.name),
            given_name: Set(m.given_name),
            family_name: Set(m.family_name),
            email: Set(m.email),
            fetched_at: Set(now),
        })
        .collect();
    let count = rows.len();

    let txn = db.begin().await?;
    roster_member::Entity::delete_many()
        .filter(roster_member::Column::ContextId.eq(course.id))
        .exec(&txn)
        .await?;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<_> = rows.by_ref().take(INSERT_BATCH).collect();
        // A concurrent refresh of the same course may have stored a row
        // first; the newer fetch's values win either way.
        roster_member::Entity::insert_many(batch)
            .on_conflict(
                OnConflict::columns([
                    roster_member::Column::ContextId,
                    roster_member::Column::UserId,
                ])
                .update_columns([
                    roster_member::Column::Roles,
                    roster_member::Column::Status,
                    roster_member::Column::Name,
                    roster_member::Column::GivenName,
                    roster_member::Column::FamilyName,
                    roster_member::Column::Email,
                    roster_member::Column::FetchedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    context::ActiveModel {
        id: Set(course.id),
        roster_fetched_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    txn.commit().await?;
    tracing::info!(course = %course.id, members = count, "roster refreshed");
    Ok(now)
}

/// Whether to ask the platform even when the stored roster is fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    IfStale,
    Now,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LearnerList {
    pub course: CourseSummary,
    pub roster: RosterState,
    pub learners: Vec<Learner>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CourseSummary {
    pub title: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RosterState {
    /// When the roster was fetched (RFC 3339).
    pub fetched_at: Option<String>,
    /// Set when the platform could not be reached and an older roster is shown.
    pub warning: Option<String>,
    /// Set when a refresh was asked for too soon after the last one.
    pub note: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Learner {
    pub user_id: String,
    /// Their Carefolio person, once they have opened Carefolio: the key
    /// to their competence map (`/api/v1/learners/{person}/map/{key}`).
    pub person_id: Option<Uuid>,
    pub name: Option<String>,
    pub email: Option<String>,
    /// `Active` or `Inactive` in the course.
    pub status: String,
    /// Whether the learner has opened Carefolio from this platform.
    pub started: bool,
    /// Competences of this activity with recorded activity.
    pub competences_covered: u32,
    pub competences_total: u32,
}

/// The learners of the course the session's activity belongs to, for a
/// teacher of that course. The stored roster is refreshed when stale
/// (or when asked); if the platform cannot be reached, the stored roster
/// is shown with a warning.
pub async fn learners_of<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    service: &RosterAccess<'_>,
    teaching: &Teaching,
    refresh_when: Refresh,
) -> Result<LearnerList, RosterError> {
    let session = teaching.session();
    let link = resource_link::Entity::find_by_id(session.resource_link_id)
        .one(db)
        .await?
        .ok_or(RosterError::NoCourse)?;
    let mut course = match link.context_id {
        Some(id) => context::Entity::find_by_id(id).one(db).await?,
        None => None,
    }
    .ok_or(RosterError::NoCourse)?;
    let platform = platforms::by_id(db, course.platform_id)
        .await?
        .ok_or(RosterError::NoCourse)?;

    // One refresh of a course at a time in this process; whoever had to
    // wait reads again what the other stored.
    let gate = service.refreshes.lock_for(course.id);
    let _refreshing = match gate.try_lock() {
        Ok(free) => free,
        Err(_) => {
            let waited = gate.lock().await;
            if let Some(current) = context::Entity::find_by_id(course.id).one(db).await? {
                course = current;
            }
            waited
        }
    };
    let age = course.roster_fetched_at.map(|at| now_ms() - at);
    let stale = age.is_none_or(|age| age > FRESH_FOR_MS);
    let asked_too_soon = age.is_some_and(|age| age < service.refreshes.min_interval_ms);
    let mut warning = None;
    let note = (refresh_when == Refresh::Now && asked_too_soon && !stale).then(|| {
        format!(
            "The list was fetched from the course less than {} seconds ago; this is that list.",
            service.refreshes.min_interval_ms / 1000
        )
    });
    if stale || (refresh_when == Refresh::Now && !asked_too_soon) {
        match refresh(db, service, &platform, &course).await {
            Ok(fetched_at) => course.roster_fetched_at = Some(fetched_at),
            Err(RosterError::Platform(e)) if course.roster_fetched_at.is_some() => {
                tracing::warn!(course = %course.id, error = %e, "roster refresh failed; showing the stored roster");
                warning = Some(format!(
                    "The platform could not be reached ({e}); this is the roster as it was last fetched."
                ));
            }
            Err(e) => return Err(e),
        }
    }

    let members = roster_member::Entity::find()
        .filter(roster_member::Column::ContextId.eq(course.id))
        .order_by_asc(roster_member::Column::Name)
        .order_by_asc(roster_member::Column::UserId)
        .all(db)
        .await?;
    let learners: Vec<_> = members
        .into_iter()
        .filter(|m| {
            let member_roles: Vec<String> = serde_json::from_str(&m.roles).unwrap_or_default();
            roles::is_learner(&member_roles)
        })
        .collect();
    let people = people_of(db, platform.id, &learners).await?;
    let person_ids: Vec<Uuid> = people.values().copied().collect();
    let (total, progress) = grades::progress_of_many(db, link.id, &person_ids).await?;

    Ok(LearnerList {
        course: CourseSummary {
            title: course.title,
            label: course.label,
        },
        roster: RosterState {
            fetched_at: course.roster_fetched_at.map(rfc3339_ms),
            warning,
            note,
        },
        learners: learners
            .into_iter()
            .map(|m| {
                let person = people.get(&m.user_id);
                Learner {
                    person_id: person.copied(),
                    started: person.is_some(),
                    competences_covered: person.and_then(|p| progress.get(p)).copied().unwrap_or(0),
                    competences_total: total,
                    name: identity::display_name(m.name, m.given_name, m.family_name),
                    user_id: m.user_id,
                    email: m.email,
                    status: m.status,
                }
            })
            .collect(),
    })
}

/// The people behind the members who have launched through this registration.
async fn people_of<C: ConnectionTrait>(
    db: &C,
    platform: platforms::PlatformId,
    members: &[roster_member::Model],
) -> Result<HashMap<String, Uuid>, DbErr> {
    let mut people = HashMap::new();
    for chunk in members.chunks(INSERT_BATCH) {
        let identities = lti_identity::Entity::find()
            .filter(lti_identity::Column::PlatformId.eq(platform.0))
            .filter(lti_identity::Column::Subject.is_in(chunk.iter().map(|m| m.user_id.clone())))
            .all(db)
            .await?;
        people.extend(identities.into_iter().map(|i| (i.subject, i.person_id)));
    }
    Ok(people)
}
