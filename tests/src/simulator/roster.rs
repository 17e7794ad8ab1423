//! The platform's Names and Role Provisioning Service, shaped like
//! Moodle's: short role names (`Learner`, `Instructor`), pages linked with
//! `Link: <…>; rel="next"`, and a bearer token that must grant the
//! membership scope.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{refuse_service, PlatformSimulator};

pub const ROSTER_SCOPE: &str =
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly";
pub const NRPS_CLAIM: &str = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice";

pub(super) struct RosterState {
    /// context id → members as the platform lists them
    members: HashMap<String, Vec<Value>>,
    page_size: usize,
    /// Pages served, over all contexts.
    pages_served: usize,
    /// Where `next` links point instead of this platform, as a hostile
    /// platform would send the tool's token elsewhere.
    next_base: Option<String>,
}

impl Default for RosterState {
    fn default() -> Self {
        RosterState {
            members: HashMap::new(),
            page_size: 50,
            pages_served: 0,
            next_base: None,
        }
    }
}

/// A roster member as Moodle lists one.
pub fn member(user_id: &str, name: &str, role: &str) -> Value {
    json!({
        "user_id": user_id,
        "name": name,
        "email": format!("{user_id}@example.org"),
        "roles": [role],
        "status": "Active",
    })
}

impl PlatformSimulator {
    pub fn memberships_url(&self, context_id: &str) -> String {
        format!("{}/nrps/{context_id}/memberships", self.issuer)
    }

    /// The NRPS claim for the default course, as Moodle sends it when the
    /// tool may see course members.
    pub fn roster_claim(&self) -> Value {
        json!({ NRPS_CLAIM: {
            "context_memberships_url": self.memberships_url("course-care-101"),
            "service_versions": ["2.0"],
        }})
    }

    /// Replaces a course's members.
    pub fn set_roster(&self, context_id: &str, members: Vec<Value>) {
        self.lock()
            .roster
            .members
            .insert(context_id.to_owned(), members);
    }

    pub fn set_roster_page_size(&self, size: usize) {
        self.lock().roster.page_size = size.max(1);
    }

    /// Makes `next` links point at `base` (another server's address).
    pub fn set_roster_next_base(&self, base: &str) {
        self.lock().roster.next_base = Some(base.to_owned());
    }

    pub fn roster_pages_served(&self) -> usize {
        self.lock().roster.pages_served
    }
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    page: Option<usize>,
}

/// GET `/nrps/{context}/memberships?page=n`.
pub(super) async fn memberships(
    simulator: web::Data<PlatformSimulator>,
    request: actix_web::HttpRequest,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> HttpResponse {
    if let Some(refusal) = refuse_service(&simulator, &request, ROSTER_SCOPE) {
        return refusal;
    }
    let context_id = path.into_inner();
    let page = query.page.unwrap_or(1).max(1);
    let (members, has_next) = {
        let mut state = simulator.lock();
        let size = state.roster.page_size;
        let Some(all) = state.roster.members.get(&context_id).cloned() else {
            return HttpResponse::NotFound().body("no such course");
        };
        state.roster.pages_served += 1;
        let start = (page - 1) * size;
        let members: Vec<Value> = all.iter().skip(start).take(size).cloned().collect();
        (members, start + size < all.len())
    };
    let url = simulator.memberships_url(&context_id);
    let mut response = HttpResponse::Ok();
    response.content_type("application/vnd.ims.lti-nrps.v2.membershipcontainer+json");
    let mut links = vec![format!("<{url}?page=1>; rel=\"first\"")];
    if has_next {
        let next_base = simulator.lock().roster.next_base.clone();
        let next_url = match next_base {
            Some(base) => url.replacen(&simulator.issuer, &base, 1),
            None => url.clone(),
        };
        links.push(format!("<{next_url}?page={}>; rel=\"next\"", page + 1));
    }
    response.insert_header(("Link", links.join(", ")));
    response.json(json!({
        "id": format!("{url}?page={page}"),
        "context": { "id": context_id, "label": "CARE101", "title": "Digital skills for care work" },
        "members": members,
    }))
}
