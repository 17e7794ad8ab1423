//! Deep Linking 2.0 (tool side): the instructor's picking session, which
//! outlives the launch that started it, and the signed
//! `LtiDeepLinkingResponse` that carries the chosen activities back.

use jsonwebtoken::{Algorithm, Header};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::claims::{DeepLinkingSettings, LaunchMessage, LTI_CLAIM};
use crate::platforms::tool_keys::{SigningKey, ToolKeyError};
use crate::platforms::{DeploymentId, Platform};
use crate::signing::{Purpose, Signer};
use crate::util::{now_ms, random_token};

pub const RESOURCE_LINK_ITEM: &str = "ltiResourceLink";
pub const DEEP_LINKING_RESPONSE: &str = "LtiDeepLinkingResponse";
/// How long an instructor may take to choose.
pub const SESSION_TTL_MS: i64 = 60 * 60 * 1000;
/// The platform checks `exp`; a response is posted within seconds.
const RESPONSE_TTL_SECS: i64 = 5 * 60;
/// Tag of the line items Carefolio asks for, to find them again through AGS.
pub const LINE_ITEM_TAG: &str = "carefolio-competence-progress";

#[derive(Debug, thiserror::Error)]
pub enum DeepLinkingError {
    #[error("the deep linking session is not valid")]
    InvalidSession,
    #[error(
        "the deep linking session has expired; start adding the activity again from your course"
    )]
    SessionExpired,
    #[error("this selection has already been sent to your course")]
    SessionUsed,
    #[error(
        "the platform's deep_link_return_url is not an http(s) URL on the platform's own hosts"
    )]
    BadReturnUrl,
    #[error("{0}")]
    BadChoice(String),
    #[error("the tool's signing key is unavailable")]
    Key(#[from] ToolKeyError),
    #[error("the response could not be signed")]
    Signing(#[from] jsonwebtoken::errors::Error),
    #[error("the frameworks could not be read")]
    Frameworks(#[from] crate::frameworks::FrameworkError),
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Sealing(#[from] crate::signing::SealError),
}

impl DeepLinkingError {
    pub fn code(&self) -> &'static str {
        match self {
            DeepLinkingError::InvalidSession => "invalid_deep_linking_session",
            DeepLinkingError::SessionExpired => "deep_linking_session_expired",
            DeepLinkingError::SessionUsed => "deep_linking_session_used",
            DeepLinkingError::BadReturnUrl => "invalid_claim",
            DeepLinkingError::BadChoice(_) => "invalid_choice",
            DeepLinkingError::Key(_)
            | DeepLinkingError::Signing(_)
            | DeepLinkingError::Frameworks(_)
            | DeepLinkingError::Database(_)
            | DeepLinkingError::Sealing(_) => "internal_error",
        }
    }
}

/// Everything needed to answer the platform, carried signed through the
/// instructor's browser so that no instance has to remember it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PickingSession {
    /// Random; marks the session used once a response is sent.
    pub id: String,
    pub issuer: String,
    pub client_id: String,
    pub deployment_id: DeploymentId,
    pub return_url: String,
    pub data: Option<String>,
    pub accept_multiple: bool,
    pub accept_lineitem: Option<bool>,
    pub expires_at_ms: i64,
    /// The platform's origins, which alone may frame the picker.
    pub frame_ancestors: String,
}

impl PickingSession {
    pub fn begin(
        platform: &Platform,
        message: &LaunchMessage,
        settings: &DeepLinkingSettings,
    ) -> Result<PickingSession, DeepLinkingError> {
        let url =
            url::Url::parse(&settings.return_url).map_err(|_| DeepLinkingError::BadReturnUrl)?;
        // The signed answer goes back to the platform that asked, nowhere else.
        if !matches!(url.scheme(), "http" | "https") || !platform.origins.contains(&url) {
            return Err(DeepLinkingError::BadReturnUrl);
        }
        Ok(PickingSession {
            id: random_token(16),
            issuer: platform.issuer.clone(),
            client_id: platform.client_id.clone(),
            deployment_id: message.deployment_id.clone(),
            return_url: settings.return_url.clone(),
            data: settings.data.clone(),
            accept_multiple: settings.accept_multiple,
            accept_lineitem: settings.accept_lineitem,
            expires_at_ms: now_ms() + SESSION_TTL_MS,
            frame_ancestors: platform.origins.frame_ancestors(),
        })
    }

    pub fn seal(&self, signer: &Signer) -> Result<String, DeepLinkingError> {
        Ok(signer.seal(Purpose::DeepLinkingSession, self)?)
    }

    pub fn open(signer: &Signer, token: &str) -> Result<PickingSession, DeepLinkingError> {
        let session: PickingSession = signer
            .open(Purpose::DeepLinkingSession, token)
            .ok_or(DeepLinkingError::InvalidSession)?;
        if session.expires_at_ms < now_ms() {
            return Err(DeepLinkingError::SessionExpired);
        }
        Ok(session)
    }

    /// Marks the session used; a second response from it is refused, so a
    /// resubmitted form cannot create the activities twice.
    pub async fn consume<C: ConnectionTrait>(&self, db: &C) -> Result<(), DeepLinkingError> {
        let fresh =
            crate::signing::use_once(db, &format!("dl.{}", self.id), self.expires_at_ms).await?;
        if fresh {
            Ok(())
        } else {
            Err(DeepLinkingError::SessionUsed)
        }
    }
}

/// An activity the instructor chose, as it becomes an `ltiResourceLink`.
#[derive(Debug, Clone)]
pub struct ChosenActivity {
    pub title: String,
    pub text: Option<String>,
    /// The `competences` custom parameter: `framework:code` references.
    pub competences: String,
    /// The maximum score of its grade column, when graded.
    pub score_maximum: Option<f64>,
}

/// What goes back to the platform.
pub enum Answer {
    Activities(Vec<ChosenActivity>),
    /// The instructor cancelled: no items, and a message saying so.
    Cancelled,
    /// The request cannot be served; the platform shows `message` and logs `log`.
    Refused {
        message: String,
        log: String,
    },
}

/// The response claims (Deep Linking 2.0 §4.5).
pub fn response_claims(session: &PickingSession, launch_url: &str, answer: &Answer) -> Value {
    let now = now_ms() / 1000;
    let mut claims = json!({
        "iss": session.client_id,
        "aud": session.issuer,
        "iat": now,
        "exp": now + RESPONSE_TTL_SECS,
        "nonce": random_token(16),
        format!("{LTI_CLAIM}message_type"): DEEP_LINKING_RESPONSE,
        format!("{LTI_CLAIM}version"): "1.3.0",
        format!("{LTI_CLAIM}deployment_id"): session.deployment_id,
    });
    let dl = |name: &str| format!("https://purl.imsglobal.org/spec/lti-dl/claim/{name}");
    let object = claims.as_object_mut().expect("an object");
    // `data` must come back exactly as sent, and only when it was sent.
    if let Some(data) = &session.data {
        object.insert(dl("data"), Value::String(data.clone()));
    }
    match answer {
        Answer::Activities(activities) => {
            let items: Vec<Value> = activities
                .iter()
                .map(|activity| content_item(activity, launch_url, session.accept_lineitem))
                .collect();
            let count = items.len();
            object.insert(dl("content_items"), Value::Array(items));
            object.insert(
                dl("msg"),
                Value::String(if count == 1 {
                    "Added one Carefolio activity.".to_owned()
                } else {
                    format!("Added {count} Carefolio activities.")
                }),
            );
        }
        Answer::Cancelled => {
            object.insert(dl("content_items"), json!([]));
            object.insert(dl("msg"), json!("No Carefolio activity was added."));
        }
        Answer::Refused { message, log } => {
            object.insert(dl("content_items"), json!([]));
            object.insert(dl("errormsg"), Value::String(message.clone()));
            object.insert(dl("errorlog"), Value::String(log.clone()));
        }
    }
    claims
}

fn content_item(
    activity: &ChosenActivity,
    launch_url: &str,
    accept_lineitem: Option<bool>,
) -> Value {
    let mut item = Map::new();
    item.insert("type".into(), json!(RESOURCE_LINK_ITEM));
    item.insert("title".into(), json!(activity.title));
    if let Some(text) = &activity.text {
        item.insert("text".into(), json!(text));
    }
    item.insert("url".into(), json!(launch_url));
    item.insert(
        "custom".into(),
        json!({
            lti_config::COMPETENCES_PARAMETER: activity.competences,
            lti_config::PICKED_COMPETENCES_PARAMETER: activity.competences,
            lti_config::GRADED_PARAMETER: if activity.score_maximum.is_some() { "yes" } else { "no" },
        }),
    );
    // A platform that said it ignores line items gets none.
    if let (Some(maximum), false) = (activity.score_maximum, accept_lineitem == Some(false)) {
        item.insert(
            "lineItem".into(),
            json!({ "scoreMaximum": maximum, "label": activity.title, "tag": LINE_ITEM_TAG }),
        );
    }
    Value::Object(item)
}

/// Signs the response with the tool's current key.
pub fn sign_response(claims: &Value, key: &SigningKey) -> Result<String, DeepLinkingError> {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    Ok(jsonwebtoken::encode(&header, claims, &key.encoding_key)?)
}

/// Why a deep linking request cannot be served at all, before the picker.
pub fn refusal(message: &LaunchMessage, settings: &DeepLinkingSettings) -> Option<Answer> {
    if !super::roles::is_instructor(&message.roles) {
        return Some(Answer::Refused {
            message: "Only teachers and course designers can add Carefolio activities.".into(),
            log: "Carefolio: deep linking request from a user without an instructor role".into(),
        });
    }
    if !settings
        .accept_types
        .iter()
        .any(|t| t == RESOURCE_LINK_ITEM)
    {
        return Some(Answer::Refused {
            message: "This place in the course does not accept LTI resource links, the only kind of item Carefolio creates.".into(),
            log: format!(
                "Carefolio: accept_types {:?} lacks ltiResourceLink",
                settings.accept_types
            ),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(data: Option<&str>, accept_lineitem: Option<bool>) -> PickingSession {
        PickingSession {
            id: "id".into(),
            issuer: "https://lms.example".into(),
            client_id: "client".into(),
            deployment_id: DeploymentId::parse("1").expect("a deployment id"),
            return_url: "https://lms.example/return".into(),
            data: data.map(str::to_owned),
            accept_multiple: true,
            accept_lineitem,
            expires_at_ms: now_ms() + 1000,
            frame_ancestors: "https://lms.example".into(),
        }
    }

    fn activity(score_maximum: Option<f64>) -> ChosenActivity {
        ChosenActivity {
            title: "Peer support".into(),
            text: None,
            competences: "pat:5.1".into(),
            score_maximum,
        }
    }

    const DL: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/";

    #[test]
    fn data_is_echoed_only_when_sent() {
        let with = response_claims(&session(Some(""), None), "u", &Answer::Cancelled);
        assert_eq!(with[format!("{DL}data")], "");
        let without = response_claims(&session(None, None), "u", &Answer::Cancelled);
        assert!(without.get(format!("{DL}data")).is_none());
    }

    #[test]
    fn line_items_are_left_out_where_the_platform_ignores_them() {
        let answer = Answer::Activities(vec![activity(Some(10.0))]);
        let accepted = response_claims(&session(None, Some(true)), "u", &answer);
        assert_eq!(
            accepted[format!("{DL}content_items")][0]["lineItem"]["scoreMaximum"],
            10.0
        );
        let ignored = response_claims(&session(None, Some(false)), "u", &answer);
        assert!(ignored[format!("{DL}content_items")][0]
            .get("lineItem")
            .is_none());
        let ungraded = response_claims(
            &session(None, Some(true)),
            "u",
            &Answer::Activities(vec![activity(None)]),
        );
        let item = &ungraded[format!("{DL}content_items")][0];
        assert!(item.get("lineItem").is_none());
        assert_eq!(item["custom"]["graded"], "no");
        assert_eq!(item["custom"]["picked_competences"], "pat:5.1");
        assert_eq!(
            accepted[format!("{DL}content_items")][0]["custom"]["graded"],
            "yes"
        );
    }

    #[test]
    fn a_refusal_carries_errormsg_and_errorlog_and_no_items() {
        let claims = response_claims(
            &session(None, None),
            "u",
            &Answer::Refused {
                message: "shown".into(),
                log: "logged".into(),
            },
        );
        assert_eq!(claims[format!("{DL}errormsg")], "shown");
        assert_eq!(claims[format!("{DL}errorlog")], "logged");
        assert_eq!(claims[format!("{DL}content_items")], json!([]));
        assert_eq!(claims["iss"], "client");
        assert_eq!(claims["aud"], "https://lms.example");
    }

    #[test]
    fn a_sealed_session_opens_until_it_expires() {
        let signer = Signer::from_key(b"key");
        let fresh = session(None, None);
        assert!(PickingSession::open(&signer, &fresh.seal(&signer).expect("sealed")).is_ok());
        let mut old = fresh.clone();
        old.expires_at_ms = now_ms() - 1;
        assert!(matches!(
            PickingSession::open(&signer, &old.seal(&signer).expect("sealed")),
            Err(DeepLinkingError::SessionExpired)
        ));
        assert!(matches!(
            PickingSession::open(&signer, "x.y"),
            Err(DeepLinkingError::InvalidSession)
        ));
    }
}
