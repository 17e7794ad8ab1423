//! Credentials for one learner: the launch token the widget holds, and the
//! token an activity opened from an LMS link fetches the cmi5 way (cmi5,
//! section 8.1: the launch URL carries `endpoint`, `fetch`, `actor`,
//! `registration` and `activityId`; one POST to `fetch` answers the
//! `auth-token`, once). Either credential writes statements about its
//! learner only, reads that learner's statements, and keeps that learner's
//! state; nothing else. Both are signed, not stored: any instance checks
//! them without a database read; only the fetch is spent in the database.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::entities::{lti_identity, resource_link};
use crate::identity::PersonId;
use crate::portfolio::session::LaunchSession;
use crate::signing::{self, Purpose, SealError, Signer};
use crate::util::now_ms;

/// The user name of a learner credential sent as HTTP Basic (the cmi5
/// `auth-token` is `base64("learner:" + token)`).
const BASIC_USER: &str = "learner";
/// How long the fetch address of an opened activity stays usable.
const FETCH_TTL_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnerCredential {
    pub person: PersonId,
    pub platform: i32,
    pub resource_link: Uuid,
    /// The registration of an opened activity; none for the widget.
    pub registration: Option<Uuid>,
    /// The learner's account as Carefolio's own statements name it: the
    /// platform's issuer and the LTI `sub`.
    pub home_page: String,
    pub name: String,
}

impl LearnerCredential {
    pub fn actor(&self) -> Value {
        json!({ "objectType": "Agent", "account": { "homePage": self.home_page, "name": self.name } })
    }

    /// The key statements index this learner by (`agents::key`).
    pub fn actor_key(&self) -> String {
        super::agents::account_key(&self.home_page, &self.name)
    }
}

/// What a fetch address and a learner credential carry, kept short.
#[derive(Serialize, Deserialize)]
struct Sealed {
    #[serde(rename = "p")]
    person: Uuid,
    #[serde(rename = "f")]
    platform: i32,
    #[serde(rename = "l")]
    resource_link: Uuid,
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    registration: Option<Uuid>,
    #[serde(rename = "h")]
    home_page: String,
    #[serde(rename = "n")]
    name: String,
    #[serde(rename = "e")]
    expires_at_ms: i64,
    /// Spends a fetch address once.
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    once: Option<Uuid>,
}

impl Sealed {
    fn credential(self) -> LearnerCredential {
        LearnerCredential {
            person: PersonId(self.person),
            platform: self.platform,
            resource_link: self.resource_link,
            registration: self.registration,
            home_page: self.home_page,
            name: self.name,
        }
    }
}

/// The credential of a launch: the learner's account on the platform of
/// the launched link. None when the link or the identity is gone.
pub async fn of_launch<C: ConnectionTrait>(
    db: &C,
    session: &LaunchSession,
) -> Result<Option<LearnerCredential>, DbErr> {
    let Some(link) = resource_link::Entity::find_by_id(session.resource_link_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let identity = lti_identity::Entity::find()
        .filter(lti_identity::Column::PlatformId.eq(link.platform_id))
        .filter(lti_identity::Column::PersonId.eq(session.person_id.0))
        .one(db)
        .await?;
    Ok(identity.map(|identity| LearnerCredential {
        person: session.person_id,
        platform: link.platform_id,
        resource_link: link.id,
        registration: None,
        home_page: identity.issuer,
        name: identity.subject,
    }))
}

/// The address to open an activity at, for this learner: `activity_url`
/// with the cmi5 launch parameters, a new registration and a fetch
/// address usable once in the next ten minutes.
pub fn activity_launch_url(
    signer: &Signer,
    learner: &LearnerCredential,
    activity_url: &url::Url,
    base_url: &str,
) -> Result<(url::Url, Uuid), SealError> {
    let registration = Uuid::new_v4();
    let fetch_token = signer.seal(
        Purpose::ActivityFetch,
        &Sealed {
            person: learner.person.0,
            platform: learner.platform,
            resource_link: learner.resource_link,
            registration: Some(registration),
            home_page: learner.home_page.clone(),
            name: learner.name.clone(),
            expires_at_ms: now_ms() + FETCH_TTL_MS,
            once: Some(Uuid::new_v4()),
        },
    )?;
    let mut url = activity_url.clone();
    url.query_pairs_mut()
        .append_pair("endpoint", &format!("{base_url}/xapi/"))
        .append_pair("fetch", &format!("{base_url}/activity/fetch/{fetch_token}"))
        .append_pair("actor", &learner.actor().to_string())
        .append_pair("registration", &registration.to_string())
        .append_pair(
            "activityId",
            &super::statements::link_activity_id(base_url, learner.resource_link),
        );
    Ok((url, registration))
}

/// Why a fetch gave no credential (cmi5 8.2.3 error codes).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("this launch has already been used: open the activity again from your course")]
    AlreadyUsed,
    #[error(
        "this launch address is not valid or has expired: open the activity again from your course"
    )]
    Invalid,
    #[error("database error")]
    Database(#[from] DbErr),
    #[error(transparent)]
    Sealing(#[from] SealError),
}

impl FetchError {
    /// The cmi5 `error-code`: 1 already used, 2 invalid, 3 general.
    pub fn cmi5_code(&self) -> &'static str {
        match self {
            FetchError::AlreadyUsed => "1",
            FetchError::Invalid => "2",
            FetchError::Database(_) | FetchError::Sealing(_) => "3",
        }
    }
}

/// Trades a fetch address's token, once, for the learner's credential:
/// the cmi5 `auth-token`, valid for `ttl_secs`.
pub async fn fetch<C: ConnectionTrait>(
    db: &C,
    signer: &Signer,
    token: &str,
    ttl_secs: i64,
) -> Result<String, FetchError> {
    let sealed: Sealed = signer
        .open(Purpose::ActivityFetch, token)
        .ok_or(FetchError::Invalid)?;
    let once = sealed.once.ok_or(FetchError::Invalid)?;
    if sealed.expires_at_ms < now_ms() {
        return Err(FetchError::Invalid);
    }
    if !signing::use_once(db, &format!("fetch:{once}"), sealed.expires_at_ms).await? {
        return Err(FetchError::AlreadyUsed);
    }
    let credential = signer.seal(
        Purpose::LearnerCredential,
        &Sealed {
            expires_at_ms: now_ms() + ttl_secs * 1000,
            once: None,
            ..sealed
        },
    )?;
    Ok(STANDARD.encode(format!("{BASIC_USER}:{credential}")))
}

/// The learner credential in HTTP Basic credentials, if that is what they
/// are and they are valid now.
pub fn from_basic(signer: &Signer, user: &str, password: &str) -> Option<LearnerCredential> {
    if user != BASIC_USER {
        return None;
    }
    let sealed: Sealed = signer.open(Purpose::LearnerCredential, password)?;
    (sealed.expires_at_ms >= now_ms()).then(|| sealed.credential())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learner() -> LearnerCredential {
        LearnerCredential {
            person: PersonId(Uuid::new_v4()),
            platform: 3,
            resource_link: Uuid::new_v4(),
            registration: None,
            home_page: "https://lms.example.org".into(),
            name: "learner-7".into(),
        }
    }

    #[test]
    fn the_launch_url_carries_the_cmi5_parameters() {
        let signer = Signer::from_key(b"key");
        let learner = learner();
        let activity = url::Url::parse("https://course.example.org/au/index.html?lang=nb")
            .expect("test value");
        let (url, registration) = activity_launch_url(
            &signer,
            &learner,
            &activity,
            "https://carefolio.example.org",
        )
        .expect("sealed");
        let pairs: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs["lang"], "nb", "the activity's own parameters stay");
        assert_eq!(pairs["endpoint"], "https://carefolio.example.org/xapi/");
        assert!(pairs["fetch"].starts_with("https://carefolio.example.org/activity/fetch/"));
        assert_eq!(pairs["registration"], registration.to_string());
        let actor: Value = serde_json::from_str(&pairs["actor"]).expect("test value");
        assert_eq!(actor["account"]["name"], "learner-7");
        assert_eq!(
            pairs["activityId"],
            format!(
                "https://carefolio.example.org/xapi/activities/resource-links/{}",
                learner.resource_link
            )
        );
    }

    #[test]
    fn a_credential_opens_only_as_a_learner_credential_of_this_key() {
        let signer = Signer::from_key(b"key");
        let sealed = Sealed {
            person: Uuid::new_v4(),
            platform: 1,
            resource_link: Uuid::new_v4(),
            registration: None,
            home_page: "h".into(),
            name: "n".into(),
            expires_at_ms: now_ms() + 60_000,
            once: None,
        };
        let token = signer
            .seal(Purpose::LearnerCredential, &sealed)
            .expect("test value");
        assert!(from_basic(&signer, "learner", &token).is_some());
        assert!(from_basic(&signer, "someone", &token).is_none());
        assert!(from_basic(&Signer::from_key(b"other"), "learner", &token).is_none());
        let fetch_token = signer
            .seal(Purpose::ActivityFetch, &sealed)
            .expect("test value");
        assert!(from_basic(&signer, "learner", &fetch_token).is_none());
        let expired = signer
            .seal(
                Purpose::LearnerCredential,
                &Sealed {
                    expires_at_ms: now_ms() - 1,
                    ..sealed
                },
            )
            .expect("test value");
        assert!(from_basic(&signer, "learner", &expired).is_none());
    }
}
