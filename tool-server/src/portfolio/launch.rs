//! Recording an accepted launch: one transaction that consumes the nonce,
//! upserts the person, course, membership and resource link, ties the link
//! to its competences and stores the "launched" statement; then a launch
//! token for the widget is issued. If any step fails, nothing is stored.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::{known, session, PortfolioError};
use crate::entities::{context, membership, resource_link, resource_link_competence};
use crate::frameworks::store::CompetenceCache;
use crate::frameworks::{Competence, CompetenceRef, LanguageMap};
use crate::grades;
use crate::identity::{self, Person};
use crate::lti::claims::{ContextClaim, ResourceLinkClaim};
use crate::lti::launch::{consume_nonce, ValidatedLaunch};
use crate::lti::roles;
use crate::signing::Signer;
use crate::util::now_ms;
use crate::xapi::people;
use crate::xapi::statements::{self, AccountActor, Activity, LaunchedStatement};
use crate::xapi::store as statement_store;

use lti_config::{
    ACTIVITY_URL_PARAMETER, COMPETENCES_PARAMETER, GRADED_PARAMETER, PICKED_COMPETENCES_PARAMETER,
};

pub struct RecordedLaunch {
    pub person: Person,
    pub course_title: Option<String>,
    pub link_title: Option<String>,
    pub competences: Vec<Competence>,
    /// References in the custom parameter that match no competence, or do not parse.
    pub unknown_competences: Vec<String>,
    /// A `competences` value the launch ignored because the picker chose otherwise.
    pub overridden_competences: Option<String>,
    pub statement_id: Uuid,
    pub session_token: String,
    /// Grades this launch queued for the LMS.
    pub grades_queued: usize,
}

pub struct LaunchSettings<'a> {
    pub base_url: &'a str,
    pub session_ttl_secs: i64,
    pub competences: &'a CompetenceCache,
    pub signer: &'a Signer,
    pub activity: &'a grades::KnownActivity,
}

fn named(text: &Option<String>) -> Option<LanguageMap> {
    text.as_ref()
        .map(|t| LanguageMap::from([("en".to_owned(), t.clone())]))
}

/// What every accepted launch records, whatever its message: the used
/// nonce, the person, and the course with the person's membership.
struct Entered {
    person: Person,
    course: Option<context::Model>,
    link: Option<resource_link::Model>,
    /// The identity is new, or its email address changed: statements
    /// naming it may be waiting for the person.
    newly_named: bool,
}

async fn enter<C: sea_orm::ConnectionTrait>(
    txn: &C,
    launch: &ValidatedLaunch,
    link_id: Option<&str>,
    now: i64,
) -> Result<Entered, PortfolioError> {
    let message = &launch.message;
    let platform = &launch.platform;
    consume_nonce(txn, &launch.login).await?;
    let known = known::lookup(txn, platform, message, link_id).await?;
    let previous_email = known.identity.as_ref().map(|i| i.person.email.clone());
    let person = identity::upsert_lti_person(
        txn,
        platform,
        &message.subject,
        &message.person,
        &message.roles,
        known.identity,
    )
    .await?;

    let course = match &message.context {
        Some(claim) => Some(
            upsert_course(
                txn,
                CourseUpdate {
                    platform_id: platform.id.0,
                    person_id: person.id.0,
                    claim,
                    roles: &message.roles,
                    memberships_url: message
                        .roster
                        .as_ref()
                        .map(|r| r.context_memberships_url.as_str()),
                    now,
                },
                known.course,
                known.membership,
            )
            .await?,
        ),
        None => None,
    };
    let newly_named = previous_email.is_none_or(|email| email != person.email);
    Ok(Entered {
        person,
        course,
        link: known.link,
        newly_named,
    })
}

/// Records a deep linking request: the nonce is used up and the
/// instructor is known from then on; no link exists yet.
pub async fn record_deep_linking_request<C: TransactionTrait>(
    db: &C,
    launch: &ValidatedLaunch,
) -> Result<Person, PortfolioError> {
    let txn = db.begin().await?;
    let entered = enter(&txn, launch, None, now_ms()).await?;
    txn.commit().await?;
    Ok(entered.person)
}

#[tracing::instrument(skip_all, fields(platform = %launch.platform.issuer))]
pub async fn record<C: TransactionTrait + sea_orm::ConnectionTrait>(
    db: &C,
    launch: &ValidatedLaunch,
    link_claim: &ResourceLinkClaim,
    settings: LaunchSettings<'_>,
) -> Result<RecordedLaunch, PortfolioError> {
    let message = &launch.message;
    let platform = &launch.platform;
    let chosen = LinkCompetences::from_custom(&message.custom);
    let (references, mut unknown_competences) = match &chosen.codes {
        Some(list) => CompetenceRef::parse_list(list),
        None => (Vec::new(), Vec::new()),
    };
    let now = now_ms();

    // Looked up before the write transaction opens: it holds SQLite's
    // single writer for as short a time as possible.
    let (competences, unmatched) = settings.competences.resolve(db, &references).await?;
    unknown_competences.extend(unmatched.iter().map(ToString::to_string));
    let txn = db.begin().await?;
    let Entered {
        person,
        course,
        link: previous,
        newly_named,
    } = enter(&txn, launch, Some(&link_claim.id), now).await?;

    let competence_codes = chosen.codes.clone();
    let activity_url = activity_url(&message.custom);
    let ties_changed = previous
        .as_ref()
        .is_none_or(|p| p.competence_codes != competence_codes);
    let unchanged = previous.as_ref().filter(|p| {
        !ties_changed
            && p.deployment_id == message.deployment_id.as_str()
            && p.context_id == course.as_ref().map(|c| c.id)
            && p.title == link_claim.title
            && p.description == link_claim.description
            && p.activity_url == activity_url
    });
    let link = match unchanged {
        Some(link) => link.clone(),
        None => {
            resource_link::Entity::insert(resource_link::ActiveModel {
                id: Set(Uuid::new_v4()),
                platform_id: Set(platform.id.0),
                deployment_id: Set(message.deployment_id.to_string()),
                context_id: Set(course.as_ref().map(|c| c.id)),
                link_id: Set(link_claim.id.clone()),
                title: Set(link_claim.title.clone()),
                description: Set(link_claim.description.clone()),
                competence_codes: Set(competence_codes),
                updated_at: Set(now),
                activity_url: Set(activity_url),
            })
            .on_conflict(
                OnConflict::columns([
                    resource_link::Column::PlatformId,
                    resource_link::Column::LinkId,
                ])
                .update_columns([
                    resource_link::Column::DeploymentId,
                    resource_link::Column::ContextId,
                    resource_link::Column::Title,
                    resource_link::Column::Description,
                    resource_link::Column::CompetenceCodes,
                    resource_link::Column::UpdatedAt,
                    resource_link::Column::ActivityUrl,
                ])
                .to_owned(),
            )
            .exec_with_returning(&txn)
            .await?
        }
    };

    if ties_changed {
        resource_link_competence::Entity::delete_many()
            .filter(resource_link_competence::Column::ResourceLinkId.eq(link.id))
            .exec(&txn)
            .await?;
        let ties: Vec<_> = competences
            .iter()
            .enumerate()
            .map(
                |(position, competence)| resource_link_competence::ActiveModel {
                    resource_link_id: Set(link.id),
                    competence_id: Set(competence.id),
                    position: Set(position as i32),
                },
            )
            .collect();
        if !ties.is_empty() {
            resource_link_competence::Entity::insert_many(ties)
                .exec_without_returning(&txn)
                .await?;
        }
    }

    let competence_ids: Vec<Uuid> = competences.iter().map(|c| c.id).collect();
    let newly_active =
        grades::record_activity(&txn, settings.activity, person.id.0, &competence_ids, now).await?;
    let grades_queued = grades::after_launch(
        &txn,
        grades::LaunchFacts {
            platform_id: platform.id.0,
            resource_link_id: link.id,
            lti_link_id: &link_claim.id,
            link_title: link.title.as_deref(),
            person_id: person.id.0,
            subject: &message.subject,
            is_learner: roles::is_learner(&message.roles),
            service: message
                .grades
                .as_ref()
                .filter(|_| link_is_graded(&message.custom)),
            newly_active,
        },
        now,
    )
    .await?;

    let actor = AccountActor {
        home_page: platform.issuer.clone(),
        name: message.subject.clone(),
    };
    let link_activity = Activity {
        id: statements::link_activity_id(settings.base_url, link.id),
        name: named(&link.title),
        activity_type: Some("http://adlnet.gov/expapi/activities/link"),
    };
    let course_activity = course.as_ref().map(|c| Activity {
        id: format!("{}/xapi/activities/courses/{}", settings.base_url, c.id),
        name: named(&c.title),
        activity_type: Some("http://adlnet.gov/expapi/activities/course"),
    });
    let (statement_id, statement) = statements::launched(LaunchedStatement {
        actor: &actor,
        resource_link: &link_activity,
        course: course_activity.as_ref(),
        competences: &competences,
        platform_name: &platform.name,
        locale: message.person.locale.as_deref(),
        timestamp_ms: now,
    });
    let authority = json!({
        "objectType": "Agent",
        "name": "Carefolio",
        "account": { "homePage": settings.base_url, "name": "carefolio" }
    });
    statement_store::insert(
        &txn,
        statement_store::NewStatement {
            id: statement_id,
            person_id: Some(person.id.0),
            platform_id: Some(platform.id.0),
            client_id: None,
            id_is_new: true,
            statement,
        },
        &authority,
    )
    .await?;

    // Statements sent before this person was known (or before the platform
    // gave their address) become theirs now; later ones are theirs as they
    // are stored.
    if newly_named {
        let names = people::names_of(&platform.issuer, &message.subject, person.email.as_deref());
        people::link(&txn, person.id, platform.id.0, &names).await?;
    }

    // Issued before the commit: a launch that cannot give the widget its
    // token records nothing.
    let session_token = session::issue(
        settings.signer,
        person.id,
        link.id,
        &message.roles,
        settings.session_ttl_secs,
    )?;
    txn.commit().await?;
    settings.activity.remember(person.id.0, &competence_ids);

    Ok(RecordedLaunch {
        person,
        course_title: course.and_then(|c| c.title),
        link_title: link.title,
        competences,
        unknown_competences,
        overridden_competences: chosen.overridden,
        statement_id,
        session_token,
        grades_queued,
    })
}

/// Which competences a link names, from its custom parameters.
#[derive(Debug, PartialEq)]
pub struct LinkCompetences {
    /// The references the launch counts: the picker's choice when there is one.
    pub codes: Option<String>,
    /// The other value of `competences` when it differs from the picker's
    /// choice: a tool-level setting (which Moodle lets win over an
    /// activity's) or an edit made after picking.
    pub overridden: Option<String>,
}

impl LinkCompetences {
    pub fn from_custom(custom: &std::collections::BTreeMap<String, String>) -> LinkCompetences {
        let named = custom.get(COMPETENCES_PARAMETER);
        match custom.get(PICKED_COMPETENCES_PARAMETER) {
            Some(picked) => LinkCompetences {
                codes: Some(picked.clone()),
                overridden: named
                    .filter(|named| !same_references(named, picked))
                    .cloned(),
            },
            None => LinkCompetences {
                codes: named.cloned(),
                overridden: None,
            },
        }
    }
}

/// Whether two `competences` values name the same references, ignoring
/// spaces and order.
fn same_references(a: &str, b: &str) -> bool {
    let normalise = |list: &str| {
        let mut references: Vec<String> = list
            .split(',')
            .map(|r| r.trim().to_ascii_lowercase())
            .filter(|r| !r.is_empty())
            .collect();
        references.sort();
        references.dedup();
        references
    };
    normalise(a) == normalise(b)
}

/// Whether the link wants a grade: every link does unless the picker
/// marked it ungraded.
/// The activity a link opens (`activity_url`): a web address, at most
/// 2,000 characters; anything else is ignored (and logged), never a link
/// the widget would offer.
pub fn activity_url(custom: &std::collections::BTreeMap<String, String>) -> Option<String> {
    let given = custom.get(ACTIVITY_URL_PARAMETER)?.trim();
    if given.is_empty() {
        return None;
    }
    let usable = given.len() <= 2000
        && url::Url::parse(given)
            .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
    if !usable {
        tracing::warn!(activity_url = %given.chars().take(200).collect::<String>(), "ignored: not a web address");
        return None;
    }
    Some(given.to_owned())
}

pub fn link_is_graded(custom: &std::collections::BTreeMap<String, String>) -> bool {
    custom
        .get(GRADED_PARAMETER)
        .is_none_or(|graded| !graded.trim().eq_ignore_ascii_case("no"))
}

struct CourseUpdate<'a> {
    platform_id: i32,
    person_id: Uuid,
    claim: &'a ContextClaim,
    roles: &'a [String],
    /// The roster service the launch offered; the latest launch's wins.
    memberships_url: Option<&'a str>,
    now: i64,
}

/// Finds or creates the course and the person's membership in it, given the
/// rows as read in this transaction. They are written only when the
/// platform sent something new: most launches change nothing here, and a
/// write costs SQLite far more than a read.
async fn upsert_course<C: sea_orm::ConnectionTrait>(
    txn: &C,
    update: CourseUpdate<'_>,
    existing: Option<context::Model>,
    membership: Option<membership::Model>,
) -> Result<context::Model, sea_orm::DbErr> {
    let CourseUpdate {
        platform_id,
        person_id,
        claim,
        roles,
        memberships_url,
        now,
    } = update;
    let course = match existing {
        Some(row)
            if row.label == claim.label
                && row.title == claim.title
                && row.memberships_url.as_deref() == memberships_url =>
        {
            row
        }
        _ => {
            context::Entity::insert(context::ActiveModel {
                id: Set(Uuid::new_v4()),
                platform_id: Set(platform_id),
                context_id: Set(claim.id.clone()),
                label: Set(claim.label.clone()),
                title: Set(claim.title.clone()),
                updated_at: Set(now),
                memberships_url: Set(memberships_url.map(str::to_owned)),
                roster_fetched_at: Set(None),
            })
            .on_conflict(
                OnConflict::columns([context::Column::PlatformId, context::Column::ContextId])
                    .update_columns([
                        context::Column::Label,
                        context::Column::Title,
                        context::Column::UpdatedAt,
                        context::Column::MembershipsUrl,
                    ])
                    .to_owned(),
            )
            .exec_with_returning(txn)
            .await?
        }
    };
    let roles_json = serde_json::to_string(roles).unwrap_or_else(|_| "[]".into());
    let membership = membership.filter(|m| m.person_id == person_id && m.context_id == course.id);
    if membership.is_none_or(|m| m.roles != roles_json) {
        membership::Entity::insert(membership::ActiveModel {
            person_id: Set(person_id),
            context_id: Set(course.id),
            roles: Set(roles_json),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([membership::Column::PersonId, membership::Column::ContextId])
                .update_columns([membership::Column::Roles, membership::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    }
    Ok(course)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn custom(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_pickers_choice_wins_and_a_different_competences_value_is_reported() {
        let overridden = LinkCompetences::from_custom(&custom(&[
            ("competences", "carerplus:10.2,pat:5.1"),
            ("picked_competences", "pat:2.4"),
        ]));
        assert_eq!(overridden.codes.as_deref(), Some("pat:2.4"));
        assert_eq!(
            overridden.overridden.as_deref(),
            Some("carerplus:10.2,pat:5.1")
        );
        let same = LinkCompetences::from_custom(&custom(&[
            ("competences", "pat:5.1, carerplus:10.2"),
            ("picked_competences", "carerplus:10.2,pat:5.1"),
        ]));
        assert_eq!(same.overridden, None);
        let manual = LinkCompetences::from_custom(&custom(&[("competences", "pat:5.1")]));
        assert_eq!(manual.codes.as_deref(), Some("pat:5.1"));
        assert_eq!(manual.overridden, None);
    }

    #[test]
    fn only_a_link_marked_ungraded_is_not_graded() {
        assert!(link_is_graded(&custom(&[])));
        assert!(link_is_graded(&custom(&[("graded", "yes")])));
        assert!(!link_is_graded(&custom(&[("graded", "no")])));
    }
}
