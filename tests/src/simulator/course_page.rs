//! The LMS page that frames the tool, as Canvas and Brightspace do, with
//! or without Platform Storage: when offered, the login initiation and the
//! launch carry `lti_storage_target=_parent` and the page answers the
//! tool's `lti.put_data` / `lti.get_data` messages from its own origin.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{escape, PlatformSimulator};

/// The storage frame this page offers: the page itself.
pub const STORAGE_TARGET: &str = "_parent";

#[derive(Deserialize)]
pub(super) struct CourseQuery {
    login_hint: Option<String>,
    /// `1`: the page offers its storage to the tool.
    storage: Option<String>,
}

impl PlatformSimulator {
    /// Whether launches for `login_hint` go through a page offering storage.
    pub(super) fn offers_storage(&self, login_hint: &str) -> bool {
        self.lock().storage_hints.contains(login_hint)
    }
}

/// GET `/course?login_hint=…&storage=1`.
pub(super) async fn course(
    simulator: web::Data<PlatformSimulator>,
    query: web::Query<CourseQuery>,
) -> HttpResponse {
    let hint = query.login_hint.clone().unwrap_or_else(|| "learner".into());
    let storage = query.storage.as_deref() == Some("1");
    if storage {
        simulator.lock().storage_hints.insert(hint.clone());
    }
    // The storage answers only the framed tool, with the platform's origin.
    let script = if storage {
        r#"<script>
window.platformStorage = {};
window.platformStorageLog = [];
window.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.subject === "lti.put_data") {
    window.platformStorage[data.key] = data.value;
    window.platformStorageLog.push("put");
    event.source.postMessage({ subject: "lti.put_data.response", message_id: data.message_id, key: data.key, value: data.value }, event.origin);
  } else if (data.subject === "lti.get_data") {
    window.platformStorageLog.push("get");
    event.source.postMessage({ subject: "lti.get_data.response", message_id: data.message_id, key: data.key, value: window.platformStorage[data.key] }, event.origin);
  }
});
</script>"#
    } else {
        ""
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><title>Course</title>{script}<h1>Digital skills for care work</h1>\
             <iframe id=\"tool-frame\" src=\"/start?login_hint={}\" width=\"1000\" height=\"800\"></iframe>",
            escape(&hint)
        ))
}
