//! The client for Carefolio's JSON API, authenticated by the launch token.

use std::collections::BTreeMap;

use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestCredentials, RequestInit, RequestMode, Response};

pub type LanguageMap = BTreeMap<String, String>;

#[derive(Debug, Clone, Deserialize)]
pub struct Portfolio {
    /// The person looking teaches the course: show its learners.
    #[serde(default)]
    pub teacher_view: bool,
    pub learner: Learner,
    pub course: Option<Course>,
    pub activity: ActivityLink,
    pub competences: Vec<Competence>,
    pub recorded: Vec<RecordedActivity>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Learner {
    pub name: Option<String>,
    pub locale: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Course {
    pub title: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ActivityLink {
    pub title: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Competence {
    pub framework_title: String,
    pub code: String,
    pub title: LanguageMap,
    pub incomplete: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RecordedActivity {
    pub verb: String,
    pub object: Option<LanguageMap>,
    pub timestamp: Option<String>,
}

/// The course's learners, for its teachers (`/api/v1/learners`).
#[derive(Debug, Clone, Deserialize)]
pub struct LearnerList {
    pub roster: RosterState,
    pub learners: Vec<RosterLearner>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RosterState {
    pub fetched_at: Option<String>,
    pub warning: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RosterLearner {
    pub name: Option<String>,
    pub email: Option<String>,
    pub status: String,
    pub started: bool,
    pub competences_covered: u32,
    pub competences_total: u32,
}

/// Why a request failed: the server's stable code (when it sent one) and
/// its explanation.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: Option<String>,
    pub detail: String,
}

#[derive(Deserialize)]
struct Problem {
    code: Option<String>,
    detail: Option<String>,
}

pub struct ApiClient {
    pub base_url: String,
    pub token: String,
}

fn describe(error: JsValue) -> ApiError {
    ApiError {
        code: None,
        detail: error.as_string().unwrap_or_else(|| format!("{error:?}")),
    }
}

impl From<&str> for ApiError {
    fn from(detail: &str) -> ApiError {
        ApiError {
            code: None,
            detail: detail.to_owned(),
        }
    }
}

impl ApiClient {
    pub async fn portfolio(&self) -> Result<Portfolio, ApiError> {
        self.get("portfolio").await
    }

    /// The course's learners; `refresh` asks the LMS again at once.
    pub async fn learners(&self, refresh: bool) -> Result<LearnerList, ApiError> {
        self.get(if refresh {
            "learners?refresh=true"
        } else {
            "learners"
        })
        .await
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_mode(RequestMode::SameOrigin);
        // The token travels in a header; no cookies are needed or sent.
        init.set_credentials(RequestCredentials::Omit);
        let url = format!("{}/api/v1/{path}", self.base_url.trim_end_matches('/'));
        let request = Request::new_with_str_and_init(&url, &init).map_err(describe)?;
        let headers = request.headers();
        headers
            .set("Authorization", &format!("Bearer {}", self.token))
            .map_err(describe)?;
        headers
            .set("Accept", "application/json")
            .map_err(describe)?;

        let window = web_sys::window().ok_or("no window")?;
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(describe)?
            .dyn_into()
            .map_err(describe)?;
        let text = JsFuture::from(response.text().map_err(describe)?)
            .await
            .map_err(describe)?
            .as_string()
            .unwrap_or_default();
        if !response.ok() {
            let problem = serde_json::from_str::<Problem>(&text).ok();
            return Err(ApiError {
                code: problem.as_ref().and_then(|p| p.code.clone()),
                detail: problem
                    .and_then(|p| p.detail)
                    .unwrap_or_else(|| format!("the server answered {}", response.status())),
            });
        }
        serde_json::from_str(&text).map_err(|e| ApiError {
            code: None,
            detail: format!("unexpected answer from the server: {e}"),
        })
    }
}
