use std::path::PathBuf;

use carefolio::config::{PlatformRegistration, Settings};
use carefolio::startup::Application;
use carefolio_tests::simulator::{PlatformSimulator, LTI};
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};

pub use carefolio_tests::simulator::{sign, PlatformKey, Signing};

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once per database backend:
/// `both_databases!(name, |app| async move { ... });`, or with settings
/// adjusted first: `both_databases!(name, with |s| ..., |app| async move { ... });`
#[macro_export]
macro_rules! both_databases {
    ($name:ident, |$app:ident| $body:expr) => {
        $crate::both_databases!($name, with | _ | {}, |$app| $body);
    };
    ($name:ident, with $adjust:expr, |$app:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[actix_web::test]
            async fn sqlite() {
                let $app =
                    $crate::helpers::spawn_app_with($crate::helpers::Backend::Sqlite, $adjust)
                        .await;
                $body.await
            }

            #[actix_web::test]
            async fn postgres() {
                let $app =
                    $crate::helpers::spawn_app_with($crate::helpers::Backend::Postgres, $adjust)
                        .await;
                $body.await
            }
        }
    };
}

pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Where the built widget lives (scripts/build-widget.sh puts it there).
pub fn widget_dir() -> PathBuf {
    match std::env::var("CAREFOLIO__SERVER__WIDGET_DIR") {
        Ok(dir) => PathBuf::from(dir),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../portfolio-wasm/pkg"),
    }
}

pub struct TestApp {
    pub address: String,
    /// The settings the server was built with (its database, data directory…).
    pub settings: Settings,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    pub simulator: PlatformSimulator,
    data_dir: PathBuf,
    postgres_database: Option<String>,
}

/// What the platform's authorization endpoint answered: the form it would
/// have the browser POST to the tool.
#[derive(Debug, Clone)]
pub struct PlatformAnswer {
    pub id_token: String,
    pub state: String,
    pub claims: Value,
}

pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    init_logging();
    let simulator = PlatformSimulator::start("127.0.0.1");
    let data_dir =
        std::env::temp_dir().join(format!("carefolio-test-{}", uuid::Uuid::new_v4().simple()));
    let mut settings = Settings::default();
    settings.server.bind = "127.0.0.1:0".to_owned();
    settings.server.widget_dir = Some(widget_dir());
    settings.data_dir = data_dir.clone();
    settings.platforms = vec![PlatformRegistration {
        issuer: simulator.issuer.clone(),
        client_id: simulator.client_id.clone(),
        auth_url: simulator.auth_url(),
        token_url: simulator.token_url(),
        jwks_url: simulator.jwks_url(),
        deployment_ids: vec![simulator.deployment_id.clone()],
        name: Some("Simulated Moodle".to_owned()),
        origins: Vec::new(),
    }];
    let mut postgres_database = None;
    if let Backend::Postgres = backend {
        let name = format!("carefolio_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(postgres_admin_url())
            .await
            .expect("PostgreSQL admin connection");
        admin
            .execute(Statement::from_string(
                admin.get_database_backend(),
                format!("CREATE DATABASE \"{name}\""),
            ))
            .await
            .expect("create test database");
        admin.close().await.ok();
        let mut url = url::Url::parse(&postgres_admin_url()).expect("admin URL");
        url.set_path(&name);
        settings.database.url = Some(url.to_string());
        postgres_database = Some(name);
    }
    adjust(&mut settings);
    let data_dir = settings.data_dir.clone();
    let application = Application::build(settings.clone())
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let db = application.db().clone();
    actix_web::rt::spawn(application.run_until_stopped());
    simulator.set_tool(&address);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    TestApp {
        address,
        settings,
        db,
        client,
        simulator,
        data_dir,
        postgres_database,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some(name) = self.postgres_database.take() {
            // Drop runs outside async; use a short-lived runtime on its own thread.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(async {
                    let admin = Database::connect(postgres_admin_url()).await.ok()?;
                    admin
                        .execute(Statement::from_string(
                            admin.get_database_backend(),
                            format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                        ))
                        .await
                        .ok()?;
                    admin.close().await.ok()
                })
            })
            .join();
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Login initiation by POST, as Moodle 4.5 sends it.
    pub async fn post_login(&self, params: &[(String, String)]) -> reqwest::Response {
        self.client
            .post(self.url("/lti/login"))
            .form(params)
            .send()
            .await
            .expect("login request")
    }

    /// Runs login initiation and the platform's authorization step; returns
    /// what the platform would post to the tool, without posting it.
    pub async fn begin_launch(&self, login_hint: &str, overrides: Value) -> PlatformAnswer {
        self.simulator.prepare_launch(login_hint, overrides);
        let response = self
            .post_login(&self.simulator.login_initiation(login_hint))
            .await;
        assert_eq!(
            response.status(),
            302,
            "login initiation redirects to the platform"
        );
        let location = response.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        self.answer_from_platform(&location).await
    }

    /// The platform's authorization step for the authentication request at
    /// `location`: what the platform would post to the tool.
    pub async fn answer_from_platform(&self, location: &str) -> PlatformAnswer {
        let url = url::Url::parse(location).expect("absolute redirect");
        let query: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        // Go through the simulator's real HTTP endpoint, as a browser would.
        let answer = self
            .client
            .get(location)
            .send()
            .await
            .expect("authorization request");
        assert_eq!(
            answer.status(),
            200,
            "the platform accepts the authentication request"
        );
        let html = answer.text().await.expect("form");
        let id_token = form_value(&html, "id_token").expect("id_token in the form");
        let state = form_value(&html, "state").expect("state in the form");
        assert_eq!(Some(&state), query.get("state"));
        let claims = decode_claims(&id_token);
        PlatformAnswer {
            id_token,
            state,
            claims,
        }
    }

    pub async fn post_launch(
        &self,
        id_token: Option<&str>,
        state: Option<&str>,
    ) -> reqwest::Response {
        let mut form = Vec::new();
        if let Some(token) = id_token {
            form.push(("id_token", token));
        }
        if let Some(state) = state {
            form.push(("state", state));
        }
        self.client
            .post(self.url("/lti/launch"))
            .form(&form)
            .send()
            .await
            .expect("launch request")
    }

    /// A complete, valid launch with these claim overrides.
    pub async fn launch(&self, login_hint: &str, overrides: Value) -> reqwest::Response {
        let answer = self.begin_launch(login_hint, overrides).await;
        self.post_launch(Some(&answer.id_token), Some(&answer.state))
            .await
    }

    /// Re-signs the answer's claims after `change` with the platform's current key.
    pub fn resign(&self, answer: &PlatformAnswer, change: impl FnOnce(&mut Value)) -> String {
        let mut claims = answer.claims.clone();
        change(&mut claims);
        sign(&claims, Signing::Rs256(&self.simulator.current_key()))
    }

    /// GET `path` on this server, expecting 200 and JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("GET request");
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("a JSON body")
    }

    /// `carefolio` working on this server's own data directory and database.
    pub fn carefolio_command(&self) -> std::process::Command {
        let mut command = carefolio_binary();
        command
            .env("CAREFOLIO__DATA_DIR", &self.settings.data_dir)
            .env("RUST_LOG", "error");
        if let Some(url) = &self.settings.database.url {
            command.env("CAREFOLIO__DATABASE__URL", url);
        }
        command
    }

    /// Runs `carefolio <args>` on this server's data without blocking the
    /// runtime that serves the tool and the simulator.
    pub async fn run_carefolio(&self, args: &[&str]) -> std::process::Output {
        let mut command = self.carefolio_command();
        command.args(args);
        tokio::task::spawn_blocking(move || command.output().expect("run carefolio"))
            .await
            .expect("the command's thread")
    }

    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one(Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("count")
    }

    /// A GET of the xAPI resource at `path` as an xAPI 1.0.3 client with these credentials.
    pub fn xapi_get(&self, path: &str, key: &str, secret: &str) -> reqwest::RequestBuilder {
        self.client
            .get(self.url(path))
            .basic_auth(key, Some(secret))
            .header("X-Experience-API-Version", "1.0.3")
    }

    /// Creates xAPI credentials that read every statement, through the
    /// same code the CLI uses.
    pub async fn xapi_credentials(&self) -> (String, String) {
        self.xapi_client(
            "test reader",
            carefolio::xapi::clients::Reach::Everything,
            "statements/read",
        )
        .await
    }

    /// Creates xAPI credentials with this reach and these scopes.
    pub async fn xapi_client(
        &self,
        name: &str,
        reach: carefolio::xapi::clients::Reach,
        scopes: &str,
    ) -> (String, String) {
        let client = carefolio::xapi::clients::create(
            &self.db,
            name,
            reach,
            carefolio::xapi::scopes::Scopes::parse(scopes).expect("scopes"),
        )
        .await
        .expect("client");
        (client.key, client.secret)
    }

    /// An xAPI 2.0 request to the LRS with these credentials.
    pub fn xapi(
        &self,
        method: Method,
        path: &str,
        (key, secret): &(String, String),
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .basic_auth(key, Some(secret))
            .header("X-Experience-API-Version", "2.0.0")
    }
}

pub fn lti(name: &str) -> String {
    format!("{LTI}{name}")
}

pub fn form_value(html: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

pub fn decode_claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64");
    serde_json::from_slice(&bytes).expect("json")
}

pub fn error_code(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("x-carefolio-error")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// The launch token the launch page hands the widget.
pub fn launch_token(html: &str) -> Option<String> {
    carefolio_tests::launcher::launch_token_of(html).ok()
}

/// Logs from the server under test, when RUST_LOG asks for them.
pub fn init_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("RUST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_test_writer()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .try_init();
        }
    });
}

/// The `carefolio` binary that `cargo build -p carefolio` puts next to the test binary.
pub fn carefolio_binary() -> std::process::Command {
    let exe = std::env::current_exe().expect("test binary path");
    let binary = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target directory")
        .join("carefolio");
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build -p carefolio` first (scripts/test.sh does)",
        binary.display()
    );
    std::process::Command::new(binary)
}

/// Settings that let a teacher refresh a roster at any time (tests that
/// refresh twice in a row).
pub fn no_refresh_interval(settings: &mut Settings) {
    settings.server.roster_refresh_interval_secs = 0;
}

/// Another platform simulator, its tool set to this server, with `key`
/// (index of a shared test key) and client id `client_id`; not registered.
pub fn another_platform(app: &TestApp, client_id: &str, key: usize) -> PlatformSimulator {
    let platform = PlatformSimulator::start_with(
        "127.0.0.1:0",
        client_id,
        &format!("{client_id}-deployment"),
        PlatformKey::shared(key),
    )
    .expect("another platform");
    platform.set_tool(&app.address);
    platform
}

/// Registers `platform` with this server as an operator would, under
/// `issuer` (its own, or one it claims).
pub async fn register_platform(app: &TestApp, platform: &PlatformSimulator, issuer: &str) {
    carefolio::platforms::register(
        &app.db,
        &PlatformRegistration {
            issuer: issuer.to_owned(),
            client_id: platform.client_id.clone(),
            auth_url: platform.auth_url(),
            token_url: platform.token_url(),
            jwks_url: platform.jwks_url(),
            deployment_ids: vec![platform.deployment_id.clone()],
            name: None,
            origins: Vec::new(),
        },
    )
    .await
    .expect("registered");
}

/// A launch from `platform` as a fresh browser makes it; returns the page.
pub async fn launch_from(app: &TestApp, platform: &PlatformSimulator, hint: &str) -> String {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    carefolio_tests::launcher::scripted_launch(&browser, platform, &app.address, hint)
        .await
        .expect("launch")
}

/// A 1×1 PNG, for uploads.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Launches with `overrides` of the simulator's default claims; returns
/// the widget's launch token.
pub async fn launched_as(app: &TestApp, overrides: Value) -> String {
    let html = app
        .launch("hint", overrides)
        .await
        .text()
        .await
        .expect("page");
    launch_token(&html).expect("launch token")
}

/// Calls the JSON API and answers (status, body or null).
pub struct Api<'a> {
    pub app: &'a TestApp,
}

impl Api<'_> {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.app.client.request(method, self.app.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }
}

/// The id of the platform registration of this issuer.
pub async fn platform_id(app: &TestApp, issuer: &str) -> i32 {
    carefolio::platforms::one_of_issuer(&app.db, issuer, None)
        .await
        .unwrap()
        .expect("registered platform")
        .id
        .0
}

/// A new administrators' API token.
pub async fn admin_token(app: &TestApp) -> String {
    carefolio::admin::create(&app.db, "tests").await.unwrap()
}

/// Claims of the course's instructor.
pub fn teacher() -> Value {
    json!({ "sub": "teacher-0001", "name": "Tove Berg", lti("roles"): [carefolio_tests::simulator::INSTRUCTOR] })
}

/// Another course, with its own activity (a resource link belongs to one course).
pub fn other_course() -> Value {
    json!({
        lti("context"): { "id": "course-other", "label": "OTHER", "title": "Another course" },
        lti("resource_link"): { "id": "link-other-course", "title": "Another activity" },
    })
}

/// The id of a competence, as `framework:code` (`carerplus:10.2`).
pub async fn competence_id(app: &TestApp, reference: &str) -> String {
    let (found, _) = carefolio::frameworks::store::resolve(
        &app.db,
        &[carefolio::frameworks::CompetenceRef::parse(reference).expect("a reference")],
    )
    .await
    .expect("resolved");
    found[0].id.to_string()
}
