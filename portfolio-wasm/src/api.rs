//! The client for Carefolio's JSON API, authenticated by the launch token.

use std::collections::BTreeMap;

use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestCredentials, RequestInit, RequestMode, Response};

pub type LanguageMap = BTreeMap<String, String>;

#[derive(Debug, Clone, Deserialize)]
pub struct Portfolio {
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

#[derive(Deserialize)]
struct Problem {
    detail: Option<String>,
}

pub struct ApiClient {
    pub base_url: String,
    pub token: String,
}

fn describe(error: JsValue) -> String {
    error.as_string().unwrap_or_else(|| format!("{error:?}"))
}

impl ApiClient {
    pub async fn portfolio(&self) -> Result<Portfolio, String> {
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_mode(RequestMode::SameOrigin);
        // The token travels in a header; no cookies are needed or sent.
        init.set_credentials(RequestCredentials::Omit);
        let url = format!("{}/api/v1/portfolio", self.base_url.trim_end_matches('/'));
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
            let detail = serde_json::from_str::<Problem>(&text)
                .ok()
                .and_then(|p| p.detail);
            return Err(
                detail.unwrap_or_else(|| format!("the server answered {}", response.status()))
            );
        }
        serde_json::from_str(&text).map_err(|e| format!("unexpected answer from the server: {e}"))
    }
}
