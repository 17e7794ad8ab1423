//! The platform's side of LTI Dynamic Registration: its OpenID
//! configuration and its registration endpoint, each guarded by the
//! registration token, shaped like Moodle's (which returns a deployment)
//! or Canvas's (which creates the deployment later).

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::PlatformSimulator;

pub const REGISTRATION_TOKEN: &str = "registration-token-7";

#[derive(Default)]
pub(super) struct RegistrationState {
    canvas: bool,
    /// The issuer its configuration claims, when not its own.
    claimed_issuer: Option<String>,
    /// Registration requests received, as sent.
    received: Vec<Value>,
}

impl PlatformSimulator {
    pub fn openid_configuration_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer)
    }

    /// Answers registration like Canvas instead of Moodle.
    pub fn behave_like_canvas(&self) {
        self.lock().registration.canvas = true;
    }

    /// Makes the OpenID configuration claim another platform's issuer.
    pub fn claim_issuer(&self, issuer: &str) {
        self.lock().registration.claimed_issuer = Some(issuer.to_owned());
    }

    /// Forgets the registrations received: the next one gets the
    /// simulator's own client id again.
    pub fn reset_registrations(&self) {
        self.lock().registration.received.clear();
    }

    pub fn registrations_received(&self) -> Vec<Value> {
        self.lock().registration.received.clone()
    }

    fn has_registration_token(&self, request: &actix_web::HttpRequest) -> bool {
        request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {REGISTRATION_TOKEN}"))
    }
}

/// GET `/.well-known/openid-configuration`.
pub(super) async fn openid_configuration(
    simulator: web::Data<PlatformSimulator>,
    request: actix_web::HttpRequest,
) -> HttpResponse {
    if !simulator.has_registration_token(&request) {
        return HttpResponse::Unauthorized().finish();
    }
    let canvas = simulator.lock().registration.canvas;
    let issuer = simulator
        .lock()
        .registration
        .claimed_issuer
        .clone()
        .unwrap_or_else(|| simulator.issuer.clone());
    let mut messages = vec![
        json!({ "type": "LtiResourceLinkRequest" }),
        json!({ "type": "LtiDeepLinkingRequest" }),
    ];
    if canvas {
        messages[1]["placements"] = json!([
            "https://canvas.instructure.com/lti/assignment_selection",
            "https://canvas.instructure.com/lti/link_selection"
        ]);
    } else {
        messages[1]["placements"] = json!(["ContentArea"]);
    }
    HttpResponse::Ok().json(json!({
        "issuer": issuer,
        "token_endpoint": simulator.token_url(),
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "jwks_uri": simulator.jwks_url(),
        "authorization_endpoint": simulator.auth_url(),
        "registration_endpoint": format!("{}/register", simulator.issuer),
        "scopes_supported": [
            "openid",
            "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
            "https://purl.imsglobal.org/spec/lti-ags/scope/score",
            "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
            "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
        ],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
        "https://purl.imsglobal.org/spec/lti-platform-configuration": {
            "product_family_code": if canvas { "canvas" } else { "moodle" },
            "version": "4.5",
            "messages_supported": messages,
        },
    }))
}

/// POST `/register`: checks the request as a platform does and registers
/// the tool under the simulator's client id.
pub(super) async fn register(
    simulator: web::Data<PlatformSimulator>,
    request: actix_web::HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    if !simulator.has_registration_token(&request) {
        return HttpResponse::Unauthorized().finish();
    }
    let Ok(registration) = serde_json::from_slice::<Value>(&body) else {
        return HttpResponse::BadRequest().json(json!({ "error": "invalid_client_metadata" }));
    };
    let configuration = &registration["https://purl.imsglobal.org/spec/lti-tool-configuration"];
    let problems: Vec<&str> = [
        (
            registration["application_type"] == "web",
            "application_type",
        ),
        (
            registration["initiate_login_uri"].is_string(),
            "initiate_login_uri",
        ),
        (registration["redirect_uris"].is_array(), "redirect_uris"),
        (registration["jwks_uri"].is_string(), "jwks_uri"),
        (
            registration["token_endpoint_auth_method"] == "private_key_jwt",
            "token_endpoint_auth_method",
        ),
        (configuration["domain"].is_string(), "domain"),
        (
            configuration["target_link_uri"].is_string(),
            "target_link_uri",
        ),
    ]
    .into_iter()
    .filter(|(ok, _)| !ok)
    .map(|(_, name)| name)
    .collect();
    if !problems.is_empty() {
        return HttpResponse::BadRequest().json(json!({
            "error": "invalid_client_metadata",
            "error_description": format!("missing or wrong: {}", problems.join(", ")),
        }));
    }
    let (canvas, count) = {
        let mut state = simulator.lock();
        state.registration.received.push(registration.clone());
        (state.registration.canvas, state.registration.received.len())
    };
    let mut answer = registration.clone();
    // Each registration gets a client id of its own, as Moodle's do.
    answer["client_id"] = json!(if count == 1 {
        simulator.client_id.clone()
    } else {
        format!("{}-{count}", simulator.client_id)
    });
    if !canvas {
        answer["https://purl.imsglobal.org/spec/lti-tool-configuration"]["deployment_id"] =
            json!(simulator.deployment_id);
    }
    HttpResponse::Ok().json(answer)
}
