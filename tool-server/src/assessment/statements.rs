//! Every decision is also an xAPI statement about the competence, so a
//! provider's LRS sees assessment as well as activity.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use crate::entities::{claim, context, lti_identity};
use crate::frameworks::LanguageMap;
use crate::xapi::statements::{self, AccountActor, Activity, AssessedStatement};
use crate::xapi::store as statement_store;

/// How a person appears in statements: their account on the platform of
/// the course, else any platform they came from, else Carefolio itself.
async fn actor_of<C: ConnectionTrait>(
    db: &C,
    person: Uuid,
    platform: Option<i32>,
    base_url: &str,
) -> Result<(AccountActor, Option<i32>), sea_orm::DbErr> {
    let identities = lti_identity::Entity::find()
        .filter(lti_identity::Column::PersonId.eq(person))
        .order_by_desc(lti_identity::Column::LastLaunchAt)
        .all(db)
        .await?;
    let chosen = identities
        .iter()
        .find(|i| Some(i.platform_id) == platform)
        .or(identities.first());
    Ok(match chosen {
        Some(identity) => (
            AccountActor {
                home_page: identity.issuer.clone(),
                name: identity.subject.clone(),
            },
            Some(identity.platform_id),
        ),
        None => (
            AccountActor {
                home_page: base_url.to_owned(),
                name: person.to_string(),
            },
            None,
        ),
    })
}

pub struct Decided<'a> {
    pub claim: &'a claim::Model,
    pub assessor: Uuid,
    pub outcome: &'a str,
    pub feedback: &'a str,
    pub competence_iri: &'a str,
    pub competence_title: LanguageMap,
    pub level_title: Option<&'a LanguageMap>,
    pub base_url: &'a str,
    pub at: i64,
}

/// Records the statement of a decision; returns its id.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    decided: Decided<'_>,
) -> Result<Uuid, sea_orm::DbErr> {
    let course = context::Entity::find_by_id(decided.claim.context_id)
        .one(db)
        .await?;
    let platform = course.as_ref().map(|c| c.platform_id);
    let (learner, learner_platform) =
        actor_of(db, decided.claim.owner_id, platform, decided.base_url).await?;
    let (assessor, _) = actor_of(db, decided.assessor, platform, decided.base_url).await?;
    let competence = Activity {
        id: decided.competence_iri.to_owned(),
        name: Some(decided.competence_title),
        activity_type: Some("https://w3id.org/xapi/competency/activity-types/competency"),
    };
    let course_activity = course.as_ref().map(|c| Activity {
        id: format!("{}/xapi/activities/courses/{}", decided.base_url, c.id),
        name: c
            .title
            .as_ref()
            .map(|t| LanguageMap::from([("en".to_owned(), t.clone())])),
        activity_type: Some("http://adlnet.gov/expapi/activities/course"),
    });
    let claim_iri = format!(
        "{}/xapi/activities/claims/{}",
        decided.base_url, decided.claim.id
    );
    let (id, statement) = statements::assessed(AssessedStatement {
        learner: &learner,
        assessor: &assessor,
        competence: &competence,
        course: course_activity.as_ref(),
        outcome: decided.outcome,
        level: decided.claim.level,
        level_title: decided.level_title,
        feedback: decided.feedback,
        claim_iri: &claim_iri,
        base_url: decided.base_url,
        timestamp_ms: decided.at,
    });
    let authority = json!({
        "objectType": "Agent",
        "name": "Carefolio",
        "account": { "homePage": decided.base_url, "name": "carefolio" }
    });
    statement_store::insert(
        db,
        statement_store::NewStatement {
            id,
            person_id: Some(decided.claim.owner_id),
            platform_id: learner_platform.or(platform),
            client_id: None,
            id_is_new: true,
            statement,
        },
        &authority,
    )
    .await?;
    Ok(id)
}
