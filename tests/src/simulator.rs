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
}

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
        let jwks_url = self.lock().tool_jwks_url.clone();
        let jwks: jsonwebtoken::jwk::JwkSet = reqwest::get(&jwks_url)
            .await
            .map_err(|e| format!("tool JWKS: {e}"))?
            .json()
            .await
            .map_err(|e| format!("tool JWKS: {e}"))?;
        let jwk = jwks
            .find(&kid)
            .ok_or(format!("the tool publishes no key {kid}"))?;
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
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
            "iss": self.issuer,
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
    pub fn login_initiation(&self, login_hint: &str) -> Vec<(String, String)> {
        let state = self.lock();
        vec![
            ("iss".into(), self.issuer.clone()),
            ("login_hint".into(), login_hint.to_owned()),
            ("target_link_uri".into(), state.tool_launch_url.clone()),
            ("lti_message_hint".into(), format!("msg-{login_hint}")),
            ("client_id".into(), self.client_id.clone()),
            ("lti_deployment_id".into(), self.deployment_id.clone()),
        ]
    }
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

fn respond(simulator: &PlatformSimulator, request: &AuthenticationRequest) -> HttpResponse {
    match simulator.answer(request) {
        Ok((token, state, launch_url)) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(auto_submit_form(
                &launch_url,
                &[("id_token".into(), token), ("state".into(), state)],
            )),
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
