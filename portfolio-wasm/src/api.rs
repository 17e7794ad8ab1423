//! The client for Carefolio's JSON API, authenticated by the launch token.

use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestCredentials, RequestInit, RequestMode, Response};

use crate::json::{field, from_json, object, FromJson, ToJson};

/// Text per language tag, in the order the server sent them. A list, not
/// a map: a handful of languages, and a map's code would weigh more.
pub type LanguageMap = Vec<(String, String)>;
pub type Id = String;

#[derive(Debug, Clone)]
pub struct Portfolio {
    /// The person looking teaches the course: show its learners.
    pub teacher_view: bool,
    pub learner: Learner,
    pub course: Option<Course>,
    pub activity: ActivityLink,
    pub competences: Vec<Competence>,
    pub frameworks: Vec<FrameworkChoice>,
    /// Statements tied to competences, offered to keep as evidence.
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone)]
pub struct Learner {
    pub name: Option<String>,
    pub locale: Option<String>,
    /// The learner as the statements about them name them.
    pub xapi_actor: JsValue,
}

#[derive(Debug, Clone)]
pub struct Course {
    pub title: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ActivityLink {
    pub title: Option<String>,
    /// The link opens a learning activity of its own.
    pub opens_activity: bool,
}

#[derive(Debug, Clone)]
pub struct Competence {
    pub id: Id,
    pub code: String,
    pub title: LanguageMap,
}

#[derive(Debug, Clone)]
pub struct FrameworkChoice {
    pub key: String,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct ActivityLaunch {
    pub url: String,
}

/// Something the learner did that an activity reported, tied to
/// competences: it can be kept as evidence or set aside.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub statement_id: Id,
    pub verb: String,
    pub object: Option<LanguageMap>,
    pub timestamp: Option<String>,
    pub competences: Vec<Competence>,
}

/// A framework's competence map for one learner.
#[derive(Debug, Clone)]
pub struct CompetenceMap {
    pub key: String,
    pub title: String,
    pub levels: Vec<LanguageMap>,
    pub items: Vec<MapNode>,
    pub totals: Totals,
}

#[derive(Debug, Clone)]
pub struct MapNode {
    pub id: Id,
    pub code: String,
    pub title: LanguageMap,
    pub competence: bool,
    pub incomplete: bool,
    pub levels: Option<Vec<LanguageMap>>,
    pub rating_max: i32,
    pub evidence: u32,
    pub evidence_by_level: Vec<u32>,
    pub self_rating: Option<i32>,
    pub totals: Option<Totals>,
    pub children: Vec<MapNode>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub competences: u32,
    pub with_evidence: u32,
    pub rated: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub competence_id: Id,
    pub level: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct Evidence {
    pub id: Id,
    pub kind: String,
    pub title: String,
    /// What the learner wrote, as written (Markdown).
    pub body: Option<String>,
    /// Sanitised by the server: no script, no images, safe links.
    pub body_html: Option<String>,
    pub url: Option<String>,
    pub file: Option<FileInfo>,
    pub file_url: Option<String>,
    /// The activity withdrew (voided) the statement after it was kept.
    pub statement_voided: bool,
    pub tags: Vec<TagView>,
    pub describes_care_recipient: bool,
    pub created_at: i64,
}

/// A learner's claim of a competence, as the learner or an assessor sees it.
#[derive(Debug, Clone)]
pub struct Claim {
    pub id: Id,
    pub status: String,
    pub competence: ClaimCompetence,
    pub level: Option<i32>,
    pub level_title: Option<LanguageMap>,
    pub round: i32,
    pub rounds: Vec<Round>,
}

#[derive(Debug, Clone)]
pub struct ClaimCompetence {
    pub id: Id,
    pub code: String,
    pub title: LanguageMap,
}

#[derive(Debug, Clone)]
pub struct Round {
    pub round: i32,
    pub statement: String,
    pub decisions: Vec<Decision>,
}

#[derive(Debug, Clone)]
pub struct Decision {
    pub assessor_name: String,
    pub outcome: String,
    pub feedback: String,
    pub reconciles: bool,
    pub reason: Option<String>,
}

/// A claim waiting in an assessor's queue.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    pub claim_id: Id,
    pub learner_id: Id,
    pub learner_name: String,
    pub course_title: String,
    pub competence_id: Id,
    pub code: String,
    pub title: LanguageMap,
    pub status: String,
    pub awaiting_lead: bool,
    pub submitted_at: Option<i64>,
    pub evidence_count: u32,
}

/// A claim opened for review, with its evidence as submitted.
#[derive(Debug, Clone)]
pub struct Review {
    pub claim: Claim,
    pub learner_name: String,
    pub evidence: Vec<Evidence>,
    pub may_decide: bool,
    pub may_reconcile: bool,
}

/// A badge the learner was awarded.
#[derive(Debug, Clone)]
pub struct Award {
    pub id: Id,
    pub badge: AwardBadge,
    pub awarded_at: i64,
    pub revoked_at: Option<i64>,
    pub revocation_reason: Option<String>,
    pub public: bool,
}

#[derive(Debug, Clone)]
pub struct AwardBadge {
    pub key: String,
    pub name: LanguageMap,
    pub image_path: String,
}

#[derive(Debug, Clone)]
pub struct FileInfo {
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub inline: bool,
}

#[derive(Debug, Clone)]
pub struct TagView {
    pub competence_id: Id,
    pub code: String,
    pub title: LanguageMap,
    pub level: Option<i32>,
    pub level_title: Option<LanguageMap>,
}

impl TagView {
    pub fn tag(&self) -> Tag {
        Tag {
            competence_id: self.competence_id.clone(),
            level: self.level,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Collection {
    pub id: Id,
    pub title: String,
    pub introduction: Option<String>,
    pub introduction_html: Option<String>,
    pub items: Vec<Id>,
}

#[derive(Debug, Clone)]
pub struct CollectionDraft {
    pub title: String,
    pub introduction: Option<String>,
    pub items: Vec<Id>,
}

#[derive(Debug, Clone)]
pub struct Share {
    pub id: Id,
    pub kind: String,
    pub collection_id: Option<Id>,
    pub person_name: Option<String>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ShareDraft {
    pub kind: String,
    pub collection_id: Option<Id>,
    pub person_id: Option<Id>,
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct CoursePerson {
    pub id: Id,
    pub name: String,
    pub teaches: bool,
}

#[derive(Debug, Clone)]
pub struct SharedWithMe {
    pub share_id: Id,
    pub owner_name: String,
    pub collection_title: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct SharedPortfolio {
    pub owner_name: String,
    pub collection: Option<Collection>,
    pub items: Vec<Evidence>,
    pub may_comment: bool,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub item_id: Id,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct AuditLine {
    pub at: i64,
    pub action: String,
    pub reader_kind: String,
    pub reader: Option<String>,
    pub item_title: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Suggestion {
    pub title: Option<String>,
    pub description: Option<String>,
    pub competences: Vec<String>,
}

/// The course's learners, for its teachers (`/api/v1/learners`).
#[derive(Debug, Clone)]
pub struct LearnerList {
    pub roster: RosterState,
    pub learners: Vec<RosterLearner>,
}

#[derive(Debug, Clone)]
pub struct RosterState {
    pub fetched_at: Option<String>,
    pub warning: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RosterLearner {
    pub person_id: Option<Id>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub status: String,
    pub started: bool,
    pub competences_covered: u32,
    pub competences_total: u32,
}

#[derive(Debug, Clone)]
pub struct ExportAddress {
    pub url: String,
}

/// Why a request failed: the server's stable code (when it sent one) and
/// its explanation.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: Option<String>,
    /// The field a validation error names.
    pub field: Option<String>,
    pub detail: String,
}

pub struct ApiClient {
    pub base_url: String,
    pub token: String,
}

fn describe(error: JsValue) -> ApiError {
    ApiError {
        code: None,
        field: None,
        detail: error
            .as_string()
            .or_else(|| js_sys::Error::from(error).message().as_string())
            .unwrap_or_else(|| "the browser could not reach the server".to_owned()),
    }
}

impl From<&str> for ApiError {
    fn from(detail: &str) -> ApiError {
        ApiError {
            code: None,
            field: None,
            detail: detail.to_owned(),
        }
    }
}

fn parse(text: &str) -> Option<JsValue> {
    js_sys::JSON::parse(text).ok()
}

/// The server's problem body (`code`, `detail`), or its status.
fn problem(status: u16, text: &str) -> ApiError {
    let body = parse(text).unwrap_or(JsValue::UNDEFINED);
    ApiError {
        code: field(&body, "code").as_string(),
        field: field(&body, "field").as_string(),
        detail: field(&body, "detail")
            .as_string()
            .unwrap_or_else(|| format!("the server answered {status}")),
    }
}

fn read<T: FromJson>(text: &str) -> Result<T, ApiError> {
    parse(text)
        .and_then(|value| T::from_json(&value))
        .ok_or_else(|| ApiError::from("unexpected answer from the server"))
}

fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

impl ToJson for Tag {
    fn to_json(&self) -> JsValue {
        object(&[
            ("competence_id", self.competence_id.to_json()),
            ("level", self.level.to_json()),
        ])
    }
}

impl ApiClient {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1/{path}", self.base_url.trim_end_matches('/'))
    }

    /// An address the server gave (`/files/…`), on the server's origin.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.trim_end_matches('/'))
    }

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

    pub async fn map(&self, framework: &str) -> Result<CompetenceMap, ApiError> {
        self.get(&format!("map/{}", encode(framework))).await
    }

    pub async fn learner_map(
        &self,
        person: &str,
        framework: &str,
    ) -> Result<CompetenceMap, ApiError> {
        self.get(&format!("learners/{person}/map/{}", encode(framework)))
            .await
    }

    pub async fn evidence(&self) -> Result<Vec<Evidence>, ApiError> {
        self.get("evidence").await
    }

    pub async fn create_evidence(&self, body: &JsValue) -> Result<Evidence, ApiError> {
        self.send("POST", "evidence", Some(body)).await
    }

    pub async fn update_evidence(&self, id: &str, body: &JsValue) -> Result<Evidence, ApiError> {
        self.send("PATCH", &format!("evidence/{id}"), Some(body))
            .await
    }

    pub async fn delete_evidence(&self, id: &str) -> Result<(), ApiError> {
        self.send_empty("DELETE", &format!("evidence/{id}"), None)
            .await
    }

    pub async fn rate(&self, competence: &str, rating: i32) -> Result<(), ApiError> {
        let body = object(&[("rating", rating.to_json())]);
        self.send_empty("PUT", &format!("self-ratings/{competence}"), Some(&body))
            .await
    }

    /// Where to open the link's learning activity, for this learner.
    pub async fn activity_launch(&self) -> Result<ActivityLaunch, ApiError> {
        self.send("POST", "activity-launch", None).await
    }

    /// Sets a statement aside: it is no longer offered as evidence.
    pub async fn dismiss_candidate(&self, statement: &str) -> Result<(), ApiError> {
        self.send_empty("POST", &format!("candidates/{statement}/dismissal"), None)
            .await
    }

    pub async fn suggestions(&self) -> Result<Vec<Suggestion>, ApiError> {
        self.get("suggestions").await
    }

    pub async fn collections(&self) -> Result<Vec<Collection>, ApiError> {
        self.get("collections").await
    }

    pub async fn save_collection(
        &self,
        id: Option<&str>,
        draft: &CollectionDraft,
    ) -> Result<Collection, ApiError> {
        let body = object(&[
            ("title", draft.title.to_json()),
            ("introduction", draft.introduction.to_json()),
            ("items", draft.items.to_json()),
        ]);
        match id {
            Some(id) => {
                self.send("PUT", &format!("collections/{id}"), Some(&body))
                    .await
            }
            None => self.send("POST", "collections", Some(&body)).await,
        }
    }

    pub async fn delete_collection(&self, id: &str) -> Result<(), ApiError> {
        self.send_empty("DELETE", &format!("collections/{id}"), None)
            .await
    }

    pub async fn shares(&self) -> Result<Vec<Share>, ApiError> {
        self.get("shares").await
    }

    pub async fn create_share(&self, draft: &ShareDraft) -> Result<Share, ApiError> {
        let body = object(&[
            ("kind", draft.kind.to_json()),
            ("collection_id", draft.collection_id.to_json()),
            ("person_id", draft.person_id.to_json()),
            ("expires_in_days", draft.expires_in_days.to_json()),
        ]);
        self.send("POST", "shares", Some(&body)).await
    }

    pub async fn revoke_share(&self, id: &str) -> Result<(), ApiError> {
        self.send_empty("DELETE", &format!("shares/{id}"), None)
            .await
    }

    pub async fn course_people(&self) -> Result<Vec<CoursePerson>, ApiError> {
        self.get("course-people").await
    }

    pub async fn shared_with_me(&self) -> Result<Vec<SharedWithMe>, ApiError> {
        self.get("shared-with-me").await
    }

    pub async fn shared(&self, share: &str) -> Result<SharedPortfolio, ApiError> {
        self.get(&format!("shared/{share}")).await
    }

    fn comments_path(item: &str, share: Option<&str>) -> String {
        match share {
            Some(share) => format!("evidence/{item}/comments?share={share}"),
            None => format!("evidence/{item}/comments"),
        }
    }

    pub async fn comments(
        &self,
        item: &str,
        share: Option<&str>,
    ) -> Result<Vec<Comment>, ApiError> {
        self.get(&Self::comments_path(item, share)).await
    }

    pub async fn add_comment(
        &self,
        item: &str,
        share: Option<&str>,
        body: &str,
    ) -> Result<Comment, ApiError> {
        let body = object(&[("body", body.to_json())]);
        self.send("POST", &Self::comments_path(item, share), Some(&body))
            .await
    }

    pub async fn unseen_comments(&self) -> Result<Vec<Comment>, ApiError> {
        self.get("comments/unseen").await
    }

    pub async fn mark_comments_seen(&self) -> Result<(), ApiError> {
        self.send_empty("POST", "comments/seen", None).await
    }

    pub async fn audit(&self) -> Result<Vec<AuditLine>, ApiError> {
        self.get("audit").await
    }

    pub async fn claims(&self) -> Result<Vec<Claim>, ApiError> {
        self.get("claims").await
    }

    /// Creates a claim and submits it for assessment.
    pub async fn claim(&self, body: &JsValue) -> Result<Claim, ApiError> {
        let claim: Claim = self.send("POST", "claims", Some(body)).await?;
        self.submit_claim(&claim.id).await
    }

    /// Answers "more evidence needed": the claim's new statement and
    /// evidence, submitted as its next round.
    pub async fn resubmit(&self, id: &str, body: &JsValue) -> Result<Claim, ApiError> {
        let _: Claim = self
            .send("PATCH", &format!("claims/{id}"), Some(body))
            .await?;
        self.submit_claim(id).await
    }

    async fn submit_claim(&self, id: &str) -> Result<Claim, ApiError> {
        self.send("POST", &format!("claims/{id}/submit"), Some(&object(&[])))
            .await
    }

    pub async fn queue(&self) -> Result<Vec<QueueEntry>, ApiError> {
        self.get("assessment/queue").await
    }

    pub async fn review(&self, id: &str) -> Result<Review, ApiError> {
        self.get(&format!("assessment/claims/{id}")).await
    }

    /// Records a decision, or with a reason the lead's reconciliation.
    pub async fn decide(&self, id: &str, body: &JsValue, reconcile: bool) -> Result<(), ApiError> {
        let path = if reconcile {
            format!("assessment/claims/{id}/reconciliation")
        } else {
            format!("assessment/claims/{id}/decisions")
        };
        self.send_empty("POST", &path, Some(body)).await
    }

    pub async fn badges(&self) -> Result<Vec<Award>, ApiError> {
        self.get("badges").await
    }

    pub async fn show_badge(&self, id: &str, public: bool) -> Result<Award, ApiError> {
        let body = object(&[("public", public.to_json())]);
        self.send("PATCH", &format!("badges/{id}"), Some(&body))
            .await
    }

    /// Fetches `path` with the launch token and hands it to the browser as
    /// a download named `name`: a plain link would carry no token.
    pub async fn download(&self, path: &str, name: &str) -> Result<(), ApiError> {
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_mode(RequestMode::SameOrigin);
        init.set_credentials(RequestCredentials::Omit);
        let request = Request::new_with_str_and_init(&self.url(path), &init).map_err(describe)?;
        request
            .headers()
            .set("Authorization", &format!("Bearer {}", self.token))
            .map_err(describe)?;
        let window = web_sys::window().ok_or("no window")?;
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(describe)?
            .dyn_into()
            .map_err(describe)?;
        if !response.ok() {
            let text = JsFuture::from(response.text().map_err(describe)?)
                .await
                .map_err(describe)?
                .as_string()
                .unwrap_or_default();
            return Err(problem(response.status(), &text));
        }
        let blob: web_sys::Blob = JsFuture::from(response.blob().map_err(describe)?)
            .await
            .map_err(describe)?
            .dyn_into()
            .map_err(describe)?;
        let address = web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)?;
        let document = window.document().ok_or("no document")?;
        let anchor: web_sys::HtmlAnchorElement = document
            .create_element("a")
            .map_err(describe)?
            .dyn_into()
            .map_err(|_| "not an anchor")?;
        anchor.set_href(&address);
        anchor.set_download(name);
        anchor.click();
        let _ = web_sys::Url::revoke_object_url(&address);
        Ok(())
    }

    pub async fn export_address(&self) -> Result<ExportAddress, ApiError> {
        self.send("POST", "export/address", None).await
    }

    async fn get<T: FromJson>(&self, path: &str) -> Result<T, ApiError> {
        self.send("GET", path, None).await
    }

    async fn send<T: FromJson>(
        &self,
        method: &str,
        path: &str,
        body: Option<&JsValue>,
    ) -> Result<T, ApiError> {
        let text = self.request(method, path, body).await?;
        read(&text)
    }

    async fn send_empty(
        &self,
        method: &str,
        path: &str,
        body: Option<&JsValue>,
    ) -> Result<(), ApiError> {
        self.request(method, path, body).await.map(drop)
    }

    async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&JsValue>,
    ) -> Result<String, ApiError> {
        self.request_to(&self.url(path), method, body, &[]).await
    }

    /// Records a statement about the learner in Carefolio's learning record
    /// store, with the launch token as the credential.
    pub async fn send_statement(&self, statement: &JsValue) -> Result<(), ApiError> {
        let url = format!("{}/xapi/statements", self.base_url.trim_end_matches('/'));
        self.request_to(
            &url,
            "POST",
            Some(statement),
            &[("X-Experience-API-Version", "2.0.0")],
        )
        .await
        .map(drop)
    }

    async fn request_to(
        &self,
        url: &str,
        method: &str,
        body: Option<&JsValue>,
        extra_headers: &[(&str, &str)],
    ) -> Result<String, ApiError> {
        let init = RequestInit::new();
        init.set_method(method);
        init.set_mode(RequestMode::SameOrigin);
        // The token travels in a header; no cookies are needed or sent.
        init.set_credentials(RequestCredentials::Omit);
        if let Some(body) = body {
            init.set_body(&js_sys::JSON::stringify(body).map_err(describe)?.into());
        }
        let request = Request::new_with_str_and_init(url, &init).map_err(describe)?;
        let headers = request.headers();
        for (name, value) in extra_headers {
            headers.set(name, value).map_err(describe)?;
        }
        headers
            .set("Authorization", &format!("Bearer {}", self.token))
            .map_err(describe)?;
        headers
            .set("Accept", "application/json")
            .map_err(describe)?;
        if body.is_some() {
            headers
                .set("Content-Type", "application/json")
                .map_err(describe)?;
        }

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
            return Err(problem(response.status(), &text));
        }
        Ok(text)
    }

    /// Uploads `file` as a new evidence item, calling `progress(sent,
    /// total)` as it goes. `fetch` reports no upload progress, so this
    /// one request goes through `XMLHttpRequest`.
    pub async fn upload(
        &self,
        file: &web_sys::File,
        title: &str,
        describes_care_recipient: bool,
        progress: impl Fn(f64, f64) + 'static,
    ) -> Result<Evidence, ApiError> {
        let path = format!(
            "evidence/files?name={}&title={}&describes_care_recipient={describes_care_recipient}",
            encode(&file.name()),
            encode(title)
        );
        let xhr = web_sys::XmlHttpRequest::new().map_err(describe)?;
        xhr.open("POST", &self.url(&path)).map_err(describe)?;
        xhr.set_request_header("Authorization", &format!("Bearer {}", self.token))
            .map_err(describe)?;
        xhr.set_request_header("Accept", "application/json")
            .map_err(describe)?;
        let on_progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(
            move |event: web_sys::ProgressEvent| {
                if event.length_computable() {
                    progress(event.loaded(), event.total());
                }
            },
        );
        xhr.upload()
            .map_err(describe)?
            .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        let finished = js_sys::Promise::new(&mut |resolve, _reject| {
            xhr.set_onloadend(Some(&resolve));
        });
        xhr.send_with_opt_blob(Some(file)).map_err(describe)?;
        JsFuture::from(finished).await.map_err(describe)?;
        drop(on_progress);
        let status = xhr.status().map_err(describe)?;
        let text = xhr.response_text().map_err(describe)?.unwrap_or_default();
        if status == 0 {
            return Err(ApiError {
                code: Some("network".into()),
                field: None,
                detail: "the connection was lost during the upload".into(),
            });
        }
        if !(200..300).contains(&status) {
            return Err(problem(status, &text));
        }
        read(&text)
    }
}

from_json! {
    Portfolio { teacher_view, learner, course, activity, competences, frameworks, candidates }
    Learner { name, locale, xapi_actor }
    Course { title }
    ActivityLink { title, opens_activity }
    Competence { id, code, title }
    FrameworkChoice { key, title }
    Candidate { statement_id, verb, object, timestamp, competences }
    ActivityLaunch { url }
    CompetenceMap { key, title, levels, items, totals }
    MapNode { id, code, title, competence, incomplete, levels, rating_max, evidence, evidence_by_level, self_rating, totals, children }
    Totals { competences, with_evidence, rated }
    Evidence { id, kind, title, body, body_html, url, file, file_url, statement_voided, tags, describes_care_recipient, created_at }
    FileInfo { name, media_type, size, inline }
    TagView { competence_id, code, title, level, level_title }
    Collection { id, title, introduction, introduction_html, items }
    Share { id, kind, collection_id, person_name, expires_at, revoked_at, url }
    CoursePerson { id, name, teaches }
    SharedWithMe { share_id, owner_name, collection_title, created_at }
    SharedPortfolio { owner_name, collection, items, may_comment }
    Comment { item_id, author_name, body, created_at }
    AuditLine { at, action, reader_kind, reader, item_title }
    Suggestion { title, description, competences }
    LearnerList { roster, learners }
    RosterState { fetched_at, warning, note }
    RosterLearner { person_id, name, email, status, started, competences_covered, competences_total }
    ExportAddress { url }
    Claim { id, status, competence, level, level_title, round, rounds }
    ClaimCompetence { id, code, title }
    Round { round, statement, decisions }
    Decision { assessor_name, outcome, feedback, reconciles, reason }
    QueueEntry { claim_id, learner_id, learner_name, course_title, competence_id, code, title, status, awaiting_lead, submitted_at, evidence_count }
    Review { claim, learner_name, evidence, may_decide, may_reconcile }
    Award { id, badge, awarded_at, revoked_at, revocation_reason, public }
    AwardBadge { key, name, image_path }
}
