//! An LTI 1.3 platform simulator: the test double for an LMS.
//!
//! It holds its own RSA keys, serves its JWKS and an OIDC authorization
//! endpoint on a random port, answers authentication requests the way a
//! platform does (an auto-submitting form that POSTs the signed id_token to
//! the tool), and signs id_tokens with any claims or header a test asks for.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::{web, App, HttpResponse, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::Deserialize;
use serde_json::{json, Value};

mod course_page;
mod registration;
mod roster;
pub use registration::REGISTRATION_TOKEN;
pub use roster::{member as roster_member, NRPS_CLAIM, ROSTER_SCOPE};

pub const LTI: &str = "https://purl.imsglobal.org/spec/lti/claim/";
pub const LEARNER: &str = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner";
pub const INSTRUCTOR: &str = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor";

/// One RSA key of the platform.
#[derive(Clone)]
pub struct PlatformKey {
    pub kid: String,
    pub private_pem: String,
    pub public_pem: String,
    pub jwk: Value,
}

impl PlatformKey {
    pub fn generate(kid: &str) -> PlatformKey {
        let private =
            RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("RSA key generation");
        let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
        PlatformKey {
            kid: kid.to_owned(),
            private_pem: private
                .to_pkcs8_pem(LineEnding::LF)
                .expect("PEM")
                .to_string(),
            public_pem: private
                .to_public_key()
                .to_public_key_pem(LineEnding::LF)
                .expect("public PEM"),
            jwk: json!({ "kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": n, "e": e }),
        }
    }

    /// Key generation is slow; tests share a few pre-made keys.
    pub fn shared(index: usize) -> PlatformKey {
        static KEYS: OnceLock<Vec<Mutex<Option<PlatformKey>>>> = OnceLock::new();
        let keys = KEYS.get_or_init(|| (0..4).map(|_| Mutex::new(None)).collect());
        let mut slot = keys[index].lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert_with(|| PlatformKey::generate(&format!("sim-key-{index}")))
            .clone()
    }
}

/// Which header a token is signed with.
pub enum Signing<'a> {
    /// RS256 with this key, its kid in the header.
    Rs256(&'a PlatformKey),
    /// RS256 with this key but no kid in the header.
    Rs256NoKid(&'a PlatformKey),
    /// RS256 with this key, claiming another kid.
    Rs256WithKid(&'a PlatformKey, &'a str),
    /// `alg: none`, no signature.
    None,
    /// HS256 with the platform's public key PEM as the HMAC secret (key confusion attack).
    Hs256WithPublicKey(&'a PlatformKey),
}

pub fn sign(claims: &Value, signing: Signing<'_>) -> String {
    match signing {
        Signing::Rs256(key) => rs256(claims, key, Some(&key.kid)),
        Signing::Rs256NoKid(key) => rs256(claims, key, None),
        Signing::Rs256WithKid(key, kid) => rs256(claims, key, Some(kid)),
        Signing::None => {
            let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
            let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
            format!("{header}.{payload}.")
        }
        Signing::Hs256WithPublicKey(key) => {
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some(key.kid.clone());
            jsonwebtoken::encode(
                &header,
                claims,
                &EncodingKey::from_secret(key.public_pem.as_bytes()),
            )
            .expect("HS256 signing")
        }
    }
}

fn rs256(claims: &Value, key: &PlatformKey, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    let encoding = EncodingKey::from_rsa_pem(key.private_pem.as_bytes()).expect("RSA PEM");
    jsonwebtoken::encode(&header, claims, &encoding).expect("RS256 signing")
}

/// RFC 7396 JSON merge patch: `null` removes a member.
pub fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    merge(target.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

struct SimulatorState {
    keys: Vec<PlatformKey>,
    /// Claims overrides per login_hint, merged into the default claims.
    launches: HashMap<String, Value>,
    tool_login_url: String,
    tool_launch_url: String,
    tool_jwks_url: String,
    jwks_requests: usize,
    deep_link_returns: Vec<DeepLinkReturn>,
    seen_response_nonces: Vec<String>,
    ags: AgsState,
    roster: roster::RosterState,
    registration: registration::RegistrationState,
    /// Login hints whose launches run in a page offering storage.
    storage_hints: std::collections::HashSet<String>,
    /// The issuer its logins and id_tokens claim, when not its own (a
    /// forged registration of another platform's issuer).
    claimed_issuer: Option<String>,
}

/// The platform's gradebook and its OAuth2 token endpoint.
#[derive(Default)]
struct AgsState {
    /// access token → granted scopes
    tokens: HashMap<String, Vec<String>>,
    token_requests: usize,
    seen_assertion_ids: Vec<String>,
    line_items: Vec<Value>,
    /// (line item index, score as posted)
    scores: Vec<(usize, Value)>,
    /// The latest score's timestamp per (line item, user), as a gradebook
    /// indexes it: an older or equal one is refused.
    latest: HashMap<(usize, String), i64>,
    /// While true, the token and AGS endpoints answer 503.
    down: bool,
    /// What they answer while down, when not the default sentence.
    down_page: Option<String>,
    /// How long the gradebook takes to answer a score.
    slow: Option<std::time::Duration>,
    /// How long it takes to create a line item.
    slow_line_items: Option<std::time::Duration>,
    conflicts: usize,
}

pub const AGS_CLAIM: &str = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint";
pub const SCORE_SCOPE: &str = "https://purl.imsglobal.org/spec/lti-ags/scope/score";
pub const LINEITEM_SCOPE: &str = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem";
pub const RESULT_SCOPE: &str = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly";

/// What arrived at the platform's deep linking return URL, and whether the
/// platform accepted it.
#[derive(Debug, Clone)]
pub struct DeepLinkReturn {
    /// The verified claims, or why the platform refused the response.
    pub outcome: Result<Value, String>,
}

/// Claim prefix of Deep Linking 2.0.
pub const DL: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/";

/// A running simulated platform.
#[derive(Clone)]
pub struct PlatformSimulator {
    pub issuer: String,
    pub client_id: String,
    pub deployment_id: String,
    state: Arc<Mutex<SimulatorState>>,
}

#[derive(Debug, Deserialize)]
pub struct AuthenticationRequest {
    pub scope: Option<String>,
    pub response_type: Option<String>,
    pub response_mode: Option<String>,
    pub prompt: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub login_hint: Option<String>,
    pub lti_message_hint: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
}

impl PlatformSimulator {
    /// Starts the simulator on a random port of `host` with a test key.
    pub fn start(host: &str) -> PlatformSimulator {
        Self::start_with(
            &format!("{host}:0"),
            "carefolio-client",
            "deployment-1",
            PlatformKey::shared(0),
        )
        .expect("start the platform simulator")
    }

    /// Starts the simulator on `address` (`host:port`, port 0 for any) with
    /// the given registration and signing key.
    pub fn start_with(
        address: &str,
        client_id: &str,
        deployment_id: &str,
        key: PlatformKey,
    ) -> std::io::Result<PlatformSimulator> {
        let listener = TcpListener::bind(address)?;
        let bound = listener.local_addr()?;
        let simulator = PlatformSimulator {
            issuer: format!(
                "http://{}:{}",
                address.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h),
                bound.port()
            ),
            client_id: client_id.to_owned(),
            deployment_id: deployment_id.to_owned(),
            state: Arc::new(Mutex::new(SimulatorState {
                keys: vec![key],
                launches: HashMap::new(),
                tool_login_url: String::new(),
                tool_launch_url: String::new(),
                tool_jwks_url: String::new(),
                jwks_requests: 0,
                deep_link_returns: Vec::new(),
                seen_response_nonces: Vec::new(),
                ags: AgsState::default(),
                roster: roster::RosterState::default(),
                registration: registration::RegistrationState::default(),
                storage_hints: Default::default(),
                claimed_issuer: None,
            })),
        };
        let data = web::Data::new(simulator.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/jwks", web::get().to(jwks))
                .route("/auth", web::get().to(authorize))
                .route("/auth", web::post().to(authorize_post))
                .route("/start", web::get().to(start))
                .route("/deep-link-return", web::post().to(deep_link_return))
                .route("/token", web::post().to(token))
                .route("/ags/lineitems", web::get().to(list_line_items))
                .route("/ags/lineitems", web::post().to(create_line_item))
                .route("/ags/lineitem/{n}/scores", web::post().to(post_score))
                .route("/ags/lineitem/{n}/results", web::get().to(results))
                .route(
                    "/nrps/{context}/memberships",
                    web::get().to(roster::memberships),
                )
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(registration::openid_configuration),
                )
                .route("/register", web::post().to(registration::register))
                .route("/course", web::get().to(course_page::course))
                .route("/bounce/{rest:.*}", web::get().to(bounce))
                .route("/", web::get().to(home))
        })
        .workers(1)
        .listen(listener)?
        .run();
        // The simulator lives as long as the runtime that spawned it.
        actix_web::rt::spawn(server);
        Ok(simulator)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimulatorState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn auth_url(&self) -> String {
        format!("{}/auth", self.issuer)
    }
    pub fn token_url(&self) -> String {
        format!("{}/token", self.issuer)
    }
    pub fn jwks_url(&self) -> String {
        format!("{}/jwks", self.issuer)
    }

    /// Tells the simulator where the tool under test lives.
    pub fn set_tool(&self, base_url: &str) {
        let mut state = self.lock();
        state.tool_login_url = format!("{base_url}/lti/login");
        state.tool_launch_url = format!("{base_url}/lti/launch");
        state.tool_jwks_url = format!("{base_url}/.well-known/jwks.json");
    }

    pub fn deep_link_return_url(&self) -> String {
        format!("{}/deep-link-return", self.issuer)
    }

    /// Overrides that turn the default launch into a deep linking request
    /// from an instructor, as Moodle 4.5 sends it when a teacher adds an
    /// activity with "Select content".
    pub fn deep_linking_overrides(&self) -> Value {
        json!({
            format!("{LTI}message_type"): "LtiDeepLinkingRequest",
            format!("{LTI}resource_link"): null,
            format!("{LTI}custom"): null,
            format!("{LTI}roles"): [INSTRUCTOR],
            "sub": "teacher-0001",
            "name": "Tove Berg",
            format!("{DL}deep_linking_settings"): {
                "deep_link_return_url": self.deep_link_return_url(),
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["frame", "iframe", "window"],
                "accept_copy_advice": false,
                "accept_multiple": true,
                "accept_unsigned": false,
                "accept_lineitem": true,
                "auto_create": false,
                "title": "Digital skills for care work",
                "text": "",
                "data": "moodle-dl-data-42",
            },
        })
    }

    /// The AGS endpoint claim for a launch: the link's line item when
    /// `lineitem` is given (as Moodle sends for a graded activity), else
    /// only the container, where the tool finds or creates its own.
    pub fn ags_claim(&self, lineitem: Option<&str>) -> Value {
        let mut claim = json!({
            "scope": [LINEITEM_SCOPE, SCORE_SCOPE, RESULT_SCOPE],
            "lineitems": format!("{}/ags/lineitems?type_id=1", self.issuer),
        });
        if let Some(lineitem) = lineitem {
            claim["lineitem"] = json!(lineitem);
        }
        json!({ AGS_CLAIM: claim })
    }

    /// Creates a line item in the gradebook, as a platform does for a
    /// graded activity; returns its URL (with Moodle's query string).
    pub fn create_line_item(
        &self,
        label: &str,
        resource_link_id: &str,
        score_maximum: f64,
    ) -> String {
        let mut state = self.lock();
        let n = state.ags.line_items.len();
        let id = format!("{}/ags/lineitem/{n}?type_id=1", self.issuer);
        state.ags.line_items.push(json!({
            "id": id, "label": label, "resourceLinkId": resource_link_id, "scoreMaximum": score_maximum,
        }));
        id
    }

    pub fn line_items(&self) -> Vec<Value> {
        self.lock().ags.line_items.clone()
    }

    /// How many scores were received, without copying them (for polling).
    pub fn score_count(&self) -> usize {
        self.lock().ags.scores.len()
    }

    /// Every score received: (line item URL, score).
    pub fn scores(&self) -> Vec<(String, Value)> {
        let state = self.lock();
        state
            .ags
            .scores
            .iter()
            .map(|(n, score)| {
                (
                    state.ags.line_items[*n]["id"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                    score.clone(),
                )
            })
            .collect()
    }

    /// Stores a score as if posted earlier (by the tool or the gradebook).
    pub fn seed_score(&self, lineitem: &str, score: Value) {
        let mut state = self.lock();
        if let Some(n) = state
            .ags
            .line_items
            .iter()
            .position(|item| item["id"] == lineitem)
        {
            if let (Some(user), Some(at)) = (score["userId"].as_str(), timestamp_secs(&score)) {
                let latest = state.ags.latest.entry((n, user.to_owned())).or_insert(at);
                *latest = (*latest).max(at);
            }
            state.ags.scores.push((n, score));
        }
    }

    /// How many scores were refused as same-second conflicts (409).
    pub fn conflicts(&self) -> usize {
        self.lock().ags.conflicts
    }

    pub fn token_requests(&self) -> usize {
        self.lock().ags.token_requests
    }

    /// Takes the gradebook down (503) or brings it back.
    pub fn set_down(&self, down: bool) {
        self.lock().ags.down = down;
    }

    /// Makes the gradebook take `delay` to answer each score.
    pub fn set_slow(&self, delay: std::time::Duration) {
        self.lock().ags.slow = Some(delay);
    }

    /// Makes the gradebook take `delay` to create a line item.
    pub fn set_slow_line_items(&self, delay: std::time::Duration) {
        self.lock().ags.slow_line_items = Some(delay);
    }

    /// Takes the gradebook down with `page` as the 503's body.
    pub fn set_down_saying(&self, page: &str) {
        let mut state = self.lock();
        state.ags.down = true;
        state.ags.down_page = Some(page.to_owned());
    }

    /// Fetches the tool's published keys.
    async fn tool_key(&self, kid: &str) -> Result<jsonwebtoken::DecodingKey, String> {
        let jwks_url = self.lock().tool_jwks_url.clone();
        let jwks: jsonwebtoken::jwk::JwkSet = reqwest::get(&jwks_url)
            .await
            .map_err(|e| format!("tool JWKS: {e}"))?
            .json()
            .await
            .map_err(|e| format!("tool JWKS: {e}"))?;
        let jwk = jwks
            .find(kid)
            .ok_or(format!("the tool publishes no key {kid}"))?;
        jsonwebtoken::DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())
    }

    /// Checks a client assertion as a platform's token endpoint does.
    async fn verify_client_assertion(&self, assertion: &str) -> Result<(), String> {
        let header = jsonwebtoken::decode_header(assertion).map_err(|e| format!("header: {e}"))?;
        let kid = header.kid.ok_or("the assertion has no kid")?;
        let key = self.tool_key(&kid).await?;
        let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
        validation.set_audience(&[self.token_url()]);
        validation.set_issuer(&[&self.client_id]);
        validation.sub = Some(self.client_id.clone());
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        let claims = jsonwebtoken::decode::<Value>(assertion, &key, &validation)
            .map_err(|e| format!("invalid assertion: {e}"))?
            .claims;
        let jti = claims
            .get("jti")
            .and_then(Value::as_str)
            .ok_or("no jti")?
            .to_owned();
        let mut state = self.lock();
        if state.ags.seen_assertion_ids.contains(&jti) {
            return Err("the assertion was used before (jti)".into());
        }
        state.ags.seen_assertion_ids.push(jti);
        Ok(())
    }

    fn bearer_has(&self, request: &actix_web::HttpRequest, scope: &str) -> bool {
        let token = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        self.lock()
            .ags
            .tokens
            .get(token)
            .is_some_and(|scopes| scopes.iter().any(|s| s == scope))
    }

    /// Every deep linking response the platform received, in order.
    pub fn deep_link_returns(&self) -> Vec<DeepLinkReturn> {
        self.lock().deep_link_returns.clone()
    }

    /// Checks a deep linking response JWT as a platform does: the tool's
    /// signature against its published JWKS, issuer, audience, message type,
    /// deployment, expiry and a fresh nonce.
    pub async fn verify_deep_linking_response(&self, jwt: &str) -> Result<Value, String> {
        let header = jsonwebtoken::decode_header(jwt).map_err(|e| format!("header: {e}"))?;
        if header.alg != Algorithm::RS256 {
            return Err(format!("alg must be RS256, got {:?}", header.alg));
        }
        let kid = header.kid.ok_or("the header has no kid")?;
        let key = self.tool_key(&kid).await?;
        let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
        validation.set_audience(&[&self.issuer]);
        validation.set_issuer(&[&self.client_id]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
        let claims = jsonwebtoken::decode::<Value>(jwt, &key, &validation)
            .map_err(|e| format!("rejected: {e}"))?
            .claims;
        let expect = |name: String, wanted: &str| match claims.get(&name).and_then(Value::as_str) {
            Some(v) if v == wanted => Ok(()),
            other => Err(format!("{name} must be {wanted:?}, got {other:?}")),
        };
        expect(format!("{LTI}message_type"), "LtiDeepLinkingResponse")?;
        expect(format!("{LTI}version"), "1.3.0")?;
        expect(format!("{LTI}deployment_id"), &self.deployment_id)?;
        let nonce = claims
            .get("nonce")
            .and_then(Value::as_str)
            .ok_or("no nonce")?
            .to_owned();
        let mut state = self.lock();
        if state.seen_response_nonces.contains(&nonce) {
            return Err("the nonce was used before".into());
        }
        state.seen_response_nonces.push(nonce);
        Ok(claims)
    }

    /// The key the platform signs with now.
    pub fn current_key(&self) -> PlatformKey {
        self.lock().keys.last().cloned().expect("a key")
    }

    /// Publishes a new key and signs with it from now on (the old one stays published).
    pub fn rotate_key(&self, key: PlatformKey) {
        self.lock().keys.push(key);
    }

    pub fn jwks_requests(&self) -> usize {
        self.lock().jwks_requests
    }

    /// Registers claim overrides for a login hint; returns the hint.
    pub fn prepare_launch(&self, login_hint: &str, overrides: Value) -> String {
        self.lock()
            .launches
            .insert(login_hint.to_owned(), overrides);
        login_hint.to_owned()
    }

    /// A valid resource link launch for the tool, before overrides.
    pub fn default_claims(&self, nonce: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        let target = self.lock().tool_launch_url.clone();
        json!({
            "iss": self.claimed_issuer(),
            "aud": self.client_id,
            "sub": "learner-0001",
            "iat": now,
            "exp": now + 60,
            "nonce": nonce,
            "name": "Ingrid Hansen",
            "given_name": "Ingrid",
            "family_name": "Hansen",
            "email": "ingrid.hansen@example.org",
            format!("{LTI}message_type"): "LtiResourceLinkRequest",
            format!("{LTI}version"): "1.3.0",
            format!("{LTI}deployment_id"): self.deployment_id,
            format!("{LTI}target_link_uri"): target,
            format!("{LTI}resource_link"): { "id": "link-peer-support", "title": "Peer support in practice" },
            format!("{LTI}roles"): [LEARNER],
            format!("{LTI}context"): { "id": "course-care-101", "label": "CARE101", "title": "Digital skills for care work", "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"] },
            format!("{LTI}launch_presentation"): { "locale": "en", "document_target": "iframe" },
            format!("{LTI}custom"): { "competences": "carerplus:10.2,pat:5.1" },
        })
    }

    /// Checks an authentication request as a platform would and returns the
    /// signed id_token for it.
    pub fn answer(
        &self,
        request: &AuthenticationRequest,
    ) -> Result<(String, String, String), String> {
        let expect = |name: &str, value: &Option<String>, wanted: &str| match value.as_deref() {
            Some(v) if v == wanted => Ok(()),
            other => Err(format!("{name} must be {wanted:?}, got {other:?}")),
        };
        expect("scope", &request.scope, "openid")?;
        expect("response_type", &request.response_type, "id_token")?;
        expect("response_mode", &request.response_mode, "form_post")?;
        expect("prompt", &request.prompt, "none")?;
        expect("client_id", &request.client_id, &self.client_id)?;
        let launch_url = self.lock().tool_launch_url.clone();
        expect("redirect_uri", &request.redirect_uri, &launch_url)?;
        let nonce = request.nonce.clone().ok_or("nonce is required")?;
        let state = request.state.clone().ok_or("state is required")?;
        let hint = request.login_hint.clone().ok_or("login_hint is required")?;
        let mut claims = self.default_claims(&nonce);
        if let Some(overrides) = self.lock().launches.get(&hint) {
            merge(&mut claims, overrides);
        }
        let token = sign(&claims, Signing::Rs256(&self.current_key()));
        Ok((token, state, launch_url))
    }

    /// The parameters of a login initiation for `login_hint`.
    /// Makes its logins and id_tokens claim `issuer` (another platform's).
    pub fn impersonate(&self, issuer: &str) {
        self.lock().claimed_issuer = Some(issuer.to_owned());
    }

    /// The issuer its logins and id_tokens carry.
    pub fn claimed_issuer(&self) -> String {
        self.lock()
            .claimed_issuer
            .clone()
            .unwrap_or_else(|| self.issuer.clone())
    }

    pub fn login_initiation(&self, login_hint: &str) -> Vec<(String, String)> {
        let issuer = self.claimed_issuer();
        let state = self.lock();
        let mut fields: Vec<(String, String)> = vec![
            ("iss".into(), issuer),
            ("login_hint".into(), login_hint.to_owned()),
            ("target_link_uri".into(), state.tool_launch_url.clone()),
            ("lti_message_hint".into(), format!("msg-{login_hint}")),
            ("client_id".into(), self.client_id.clone()),
            ("lti_deployment_id".into(), self.deployment_id.clone()),
        ];
        if state.storage_hints.contains(login_hint) {
            fields.push((
                "lti_storage_target".into(),
                course_page::STORAGE_TARGET.into(),
            ));
        }
        fields
    }
}

/// GET `/bounce/{path}`: a redirect to `/{path}` with the same query, as
/// a server pointing a bearer token elsewhere would answer.
async fn bounce(request: actix_web::HttpRequest, rest: web::Path<String>) -> HttpResponse {
    let query = request.query_string();
    let location = if query.is_empty() {
        format!("/{rest}")
    } else {
        format!("/{rest}?{query}")
    };
    HttpResponse::Found()
        .insert_header(("location", location))
        .finish()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An auto-submitting HTML form, as platforms use for form_post and for
/// login initiation by POST.
pub fn auto_submit_form(action: &str, fields: &[(String, String)]) -> String {
    let inputs: String = fields
        .iter()
        .map(|(name, value)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                escape(name),
                escape(value)
            )
        })
        .collect();
    format!(
        r#"<!doctype html><html><body><form id="lti" method="post" action="{}">{inputs}<noscript><button>Continue</button></noscript></form><script>document.getElementById("lti").submit();</script></body></html>"#,
        escape(action)
    )
}

async fn jwks(simulator: web::Data<PlatformSimulator>) -> HttpResponse {
    let mut state = simulator.lock();
    state.jwks_requests += 1;
    let keys: Vec<Value> = state.keys.iter().map(|k| k.jwk.clone()).collect();
    HttpResponse::Ok().json(json!({ "keys": keys }))
}

async fn authorize(
    simulator: web::Data<PlatformSimulator>,
    query: web::Query<AuthenticationRequest>,
) -> HttpResponse {
    respond(&simulator, &query)
}

async fn authorize_post(
    simulator: web::Data<PlatformSimulator>,
    form: web::Form<AuthenticationRequest>,
) -> HttpResponse {
    respond(&simulator, &form)
}

#[derive(Deserialize)]
struct DeepLinkForm {
    #[serde(rename = "JWT")]
    jwt: Option<String>,
}

/// POST `/deep-link-return`: the platform's end of deep linking.
async fn deep_link_return(
    simulator: web::Data<PlatformSimulator>,
    form: web::Form<DeepLinkForm>,
) -> HttpResponse {
    let outcome = match &form.jwt {
        Some(jwt) => simulator.verify_deep_linking_response(jwt).await,
        None => Err("no JWT parameter".to_owned()),
    };
    let accepted = outcome.is_ok();
    simulator
        .lock()
        .deep_link_returns
        .push(DeepLinkReturn { outcome });
    if accepted {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body("<!doctype html><title>Added</title><p id=\"platform-added\">The platform received the content items.</p>")
    } else {
        HttpResponse::BadRequest().body("the deep linking response was refused")
    }
}

fn unavailable(simulator: &PlatformSimulator) -> HttpResponse {
    let page = simulator.lock().ags.down_page.clone();
    HttpResponse::ServiceUnavailable()
        .body(page.unwrap_or_else(|| "the platform is down for maintenance".to_owned()))
}

/// What a service endpoint (gradebook, roster) answers before looking at the request: 503
/// while down, 401 without a bearer token granting `scope`.
fn refuse_service(
    simulator: &PlatformSimulator,
    request: &actix_web::HttpRequest,
    scope: &str,
) -> Option<HttpResponse> {
    if simulator.lock().ags.down {
        return Some(unavailable(simulator));
    }
    if !simulator.bearer_has(request, scope) {
        return Some(HttpResponse::Unauthorized().finish());
    }
    None
}

/// POST `/token`: OAuth2 client credentials with a JWT assertion. Like
/// Moodle, only a form-encoded body is understood.
async fn token(
    simulator: web::Data<PlatformSimulator>,
    request: actix_web::HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    if simulator.lock().ags.down {
        return unavailable(&simulator);
    }
    simulator.lock().ags.token_requests += 1;
    let form_encoded = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        return HttpResponse::BadRequest().json(json!({ "error": "invalid_request" }));
    }
    let fields: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    if field("grant_type") != "client_credentials"
        || field("client_assertion_type")
            != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    {
        return HttpResponse::BadRequest().json(json!({ "error": "unsupported_grant_type" }));
    }
    if let Err(reason) = simulator
        .verify_client_assertion(field("client_assertion"))
        .await
    {
        return HttpResponse::BadRequest()
            .json(json!({ "error": "invalid_grant", "error_description": reason }));
    }
    let scopes: Vec<String> = field("scope")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let access_token = format!("sim-token-{}", rand::random::<u64>());
    simulator
        .lock()
        .ags
        .tokens
        .insert(access_token.clone(), scopes.clone());
    HttpResponse::Ok().json(json!({
        "access_token": access_token, "token_type": "Bearer", "expires_in": 3600, "scope": scopes.join(" "),
    }))
}

#[derive(Deserialize)]
struct LineItemQuery {
    resource_link_id: Option<String>,
}

async fn list_line_items(
    simulator: web::Data<PlatformSimulator>,
    request: actix_web::HttpRequest,
    query: web::Query<LineItemQuery>,
) -> HttpResponse {
    if let Some(refusal) = refuse_service(&simulator, &request, LINEITEM_SCOPE) {
        return refusal;
    }
    let items: Vec<Value> = simulator
        .line_items()
        .into_iter()
        .filter(|item| {
            query
                .resource_link_id
                .as_deref()
                .is_none_or(|id| item["resourceLinkId"] == id)
        })
        .collect();
    HttpResponse::Ok()
        .content_type("application/vnd.ims.lis.v2.lineitemcontainer+json")
        .json(items)
}

async fn create_line_item(
    simulator: web::Data<PlatformSimulator>,
    request: actix_web::HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    if let Some(refusal) = refuse_service(&simulator, &request, LINEITEM_SCOPE) {
        return refusal;
    }
    let slow = simulator.lock().ags.slow_line_items;
    if let Some(delay) = slow {
        tokio::time::sleep(delay).await;
    }
    let Ok(item) = serde_json::from_slice::<Value>(&body) else {
        return HttpResponse::BadRequest().finish();
    };
    let id = simulator.create_line_item(
        item["label"].as_str().unwrap_or(""),
        item["resourceLinkId"].as_str().unwrap_or(""),
        item["scoreMaximum"].as_f64().unwrap_or(100.0),
    );
    let mut created = item.clone();
    created["id"] = json!(id);
    if let Some(stored) = simulator.lock().ags.line_items.last_mut() {
        *stored = created.clone();
    }
    HttpResponse::Created()
        .content_type("application/vnd.ims.lis.v2.lineitem+json")
        .json(created)
}

#[derive(Deserialize)]
struct TypeQuery {
    type_id: Option<String>,
}

fn timestamp_secs(score: &Value) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(score.get("timestamp")?.as_str()?)
        .ok()
        .map(|t| t.timestamp())
}

/// POST `/ags/lineitem/{n}/scores?type_id=1`, with Moodle's rules: the
/// query string is required, the content type is the score type, and a
/// score no later (to the second) than the user's previous one is a 409.
async fn post_score(
    simulator: web::Data<PlatformSimulator>,
    request: actix_web::HttpRequest,
    path: web::Path<usize>,
    query: web::Query<TypeQuery>,
    body: web::Bytes,
) -> HttpResponse {
    if let Some(refusal) = refuse_service(&simulator, &request, SCORE_SCOPE) {
        return refusal;
    }
    let slow = simulator.lock().ags.slow;
    if let Some(delay) = slow {
        tokio::time::sleep(delay).await;
    }
    let n = path.into_inner();
    if query.type_id.is_none() || n >= simulator.lock().ags.line_items.len() {
        return HttpResponse::NotFound().finish();
    }
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    if content_type != Some("application/vnd.ims.lis.v1.score+json") {
        return HttpResponse::UnsupportedMediaType().finish();
    }
    let Ok(score) = serde_json::from_slice::<Value>(&body) else {
        return HttpResponse::BadRequest().finish();
    };
    let (Some(user), Some(at)) = (score["userId"].as_str(), timestamp_secs(&score)) else {
        return HttpResponse::BadRequest().finish();
    };
    let mut state = simulator.lock();
    let key = (n, user.to_owned());
    if state
        .ags
        .latest
        .get(&key)
        .is_some_and(|previous| at <= *previous)
    {
        state.ags.conflicts += 1;
        return HttpResponse::Conflict().body("a score for this user at this time exists");
    }
    state.ags.latest.insert(key, at);
    state.ags.scores.push((n, score));
    HttpResponse::Ok().finish()
}

async fn results(
    simulator: web::Data<PlatformSimulator>,
    request: actix_web::HttpRequest,
    path: web::Path<usize>,
) -> HttpResponse {
    if let Some(refusal) = refuse_service(&simulator, &request, RESULT_SCOPE) {
        return refusal;
    }
    let n = path.into_inner();
    let state = simulator.lock();
    let mut latest: HashMap<String, Value> = HashMap::new();
    for (_, score) in state.ags.scores.iter().filter(|(item, _)| *item == n) {
        latest.insert(
            score["userId"].as_str().unwrap_or("").to_owned(),
            score.clone(),
        );
    }
    let results: Vec<Value> = latest
        .into_values()
        .map(|score| json!({ "userId": score["userId"], "resultScore": score["scoreGiven"], "resultMaximum": score["scoreMaximum"] }))
        .collect();
    HttpResponse::Ok()
        .content_type("application/vnd.ims.lis.v2.resultcontainer+json")
        .json(results)
}

fn respond(simulator: &PlatformSimulator, request: &AuthenticationRequest) -> HttpResponse {
    match simulator.answer(request) {
        Ok((token, state, launch_url)) => {
            let mut fields = vec![("id_token".into(), token), ("state".into(), state)];
            let hint = request.login_hint.as_deref().unwrap_or("");
            if simulator.offers_storage(hint) {
                fields.push((
                    "lti_storage_target".into(),
                    course_page::STORAGE_TARGET.into(),
                ));
            }
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(auto_submit_form(&launch_url, &fields))
        }
        Err(reason) => {
            HttpResponse::BadRequest().body(format!("invalid authentication request: {reason}"))
        }
    }
}

#[derive(Deserialize)]
struct StartQuery {
    login_hint: Option<String>,
}

/// GET `/start?login_hint=…`: the browser side of a launch. Like Moodle 4.5,
/// initiates the login by POST.
async fn start(
    simulator: web::Data<PlatformSimulator>,
    query: web::Query<StartQuery>,
) -> HttpResponse {
    let hint = query
        .login_hint
        .clone()
        .unwrap_or_else(|| "learner".to_owned());
    let login_url = simulator.lock().tool_login_url.clone();
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(auto_submit_form(
            &login_url,
            &simulator.login_initiation(&hint),
        ))
}

async fn home(simulator: web::Data<PlatformSimulator>) -> HttpResponse {
    let hints: Vec<String> = simulator.lock().launches.keys().cloned().collect();
    let links: String = hints
        .iter()
        .map(|h| {
            format!(
                r#"<li><a href="/start?login_hint={0}">Launch Carefolio as {0}</a></li>"#,
                escape(h)
            )
        })
        .collect();
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><title>Demo platform</title><h1>Demo LTI platform</h1><p>Issuer <code>{}</code></p><ul>{links}</ul>",
        escape(&simulator.issuer)
    ))
}
