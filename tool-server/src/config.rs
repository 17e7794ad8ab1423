//! Configuration: defaults, then an optional TOML file, then
//! `CAREFOLIO__SECTION__KEY` environment variables.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use url::Url;

pub const DEFAULT_BIND: &str = "127.0.0.1:8300";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    /// Where the SQLite database, uploaded files and other local state live.
    pub data_dir: PathBuf,
    /// Platforms registered from the configuration file, created at start.
    #[serde(default)]
    pub platforms: Vec<PlatformRegistration>,
    /// Where evidence files are kept and what may be uploaded.
    #[serde(default)]
    pub files: FileSettings,
    /// Who issues the badges: the training provider, as badges name it.
    #[serde(default)]
    pub badges: BadgeSettings,
    /// Other learning record stores every statement is sent on to.
    #[serde(default)]
    pub xapi_forward: Vec<ForwardTarget>,
}

/// A learning record store statements are forwarded to (`[[xapi_forward]]`
/// in the configuration file).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardTarget {
    /// Names the store in logs, in `carefolio xapi-forward` and in the
    /// database (how far it has been sent): keep it when the address changes.
    pub name: String,
    /// The store's xAPI endpoint, such as `https://lrs.example.org/xapi/`:
    /// https, or http on this machine only.
    pub endpoint: Url,
    /// The credentials the store gave Carefolio (HTTP Basic).
    pub key: String,
    pub secret: String,
    /// The xAPI version spoken to it: `1.0.3` or `2.0.0`.
    #[serde(default = "default_forward_version")]
    pub version: String,
    /// A statement still not accepted this many hours after it was stored
    /// is set aside (a dead letter) and the next ones are sent.
    #[serde(default = "default_dead_letter_hours")]
    pub dead_letter_after_hours: u64,
    /// Statements are sent once they have been stored this long, so that
    /// one still being written by another instance is never passed over.
    #[serde(default = "default_settle_ms")]
    pub settle_ms: u64,
}

fn default_forward_version() -> String {
    "1.0.3".to_owned()
}

fn default_dead_letter_hours() -> u64 {
    7 * 24
}

fn default_settle_ms() -> u64 {
    5_000
}

/// The issuer of badges, as backpacks and verifiers show it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BadgeSettings {
    /// The training provider's name; "Carefolio" when unset.
    pub issuer_name: Option<String>,
    /// The provider's web site; Carefolio's public URL when unset.
    pub issuer_url: Option<Url>,
    /// An address people can write to about the badges.
    pub issuer_email: Option<String>,
}

/// Evidence files: a local folder (the default) or an S3-compatible store.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// A folder for the files; defaults to `files` in the data directory.
    /// Ignored when `s3` is set.
    pub local_dir: Option<PathBuf>,
    /// An S3-compatible bucket; when set, files go there instead.
    pub s3: Option<S3Settings>,
    /// The largest file a learner may upload, in bytes.
    #[serde(default = "default_max_upload_bytes")]
    pub max_upload_bytes: u64,
    /// The media types that may be uploaded, as sniffed from the content;
    /// `type/*` allows a whole family.
    #[serde(default = "default_allowed_types")]
    pub allowed_types: Vec<String>,
}

fn default_max_upload_bytes() -> u64 {
    256 * 1024 * 1024
}

/// Pictures, documents, sound and film: what care workers photograph,
/// scan, record and write. Never HTML, SVG or scripts (they could run in
/// a reader's browser).
pub fn default_allowed_types() -> Vec<String> {
    [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/heif",
        "image/avif",
        "application/pdf",
        "audio/*",
        "video/mp4",
        "video/webm",
        "video/quicktime",
        "video/x-matroska",
        "text/plain",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/rtf",
    ]
    .iter()
    .map(|t| (*t).to_owned())
    .collect()
}

impl Default for FileSettings {
    fn default() -> Self {
        FileSettings {
            local_dir: None,
            s3: None,
            max_upload_bytes: default_max_upload_bytes(),
            allowed_types: default_allowed_types(),
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    pub bucket: String,
    /// The store's address, e.g. `https://s3.eu-north-1.amazonaws.com` or a
    /// MinIO/Garage server; AWS's default for the region when unset.
    pub endpoint: Option<String>,
    #[serde(default = "default_region")]
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Keys start with this, so one bucket can hold several things.
    #[serde(default)]
    pub prefix: String,
    /// Plain http to the endpoint (only for a store on the same host or network).
    #[serde(default)]
    pub allow_http: bool,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

/// The secret key never shows, in logs or elsewhere.
impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("prefix", &self.prefix)
            .field("allow_http", &self.allow_http)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    /// The URL the LMS and browsers reach this server at; defaults to `http://{bind}`.
    pub public_url: Option<Url>,
    /// A folder with the wasm-bindgen output of `portfolio-wasm`
    /// (`portfolio_wasm.js` and `portfolio_wasm_bg.wasm`) to serve instead
    /// of the widget built into the binary.
    pub widget_dir: Option<PathBuf>,
    /// How long the widget's launch token stays valid, in seconds.
    pub launch_token_ttl_secs: i64,
    /// The shortest time between two roster refreshes of one course that a
    /// teacher can ask for (`?refresh=true`), in seconds.
    #[serde(default = "default_roster_refresh_interval")]
    pub roster_refresh_interval_secs: u64,
}

fn default_roster_refresh_interval() -> u64 {
    30
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://…` or `postgres://…`; defaults to a SQLite file in the data directory.
    pub url: Option<String>,
    /// Pool size; defaults to 2 for SQLite (one writer at a time anyway, and
    /// fewer connections keep their page caches warm) and 10 for PostgreSQL.
    pub max_connections: Option<u32>,
}

/// The URL's password never shows, in logs or elsewhere.
impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &self.url.as_deref().map(crate::db::redact))
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// A platform registration, from the configuration file or from
/// `carefolio platform add` (the same fields, as options).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct PlatformRegistration {
    /// The platform's issuer (Moodle: "Platform ID").
    #[arg(long)]
    pub issuer: String,
    /// The client id the platform gave the tool (Moodle: "Client ID").
    #[arg(long)]
    pub client_id: String,
    /// OIDC authentication request URL.
    #[arg(long)]
    pub auth_url: String,
    /// OAuth2 access token URL.
    #[arg(long)]
    pub token_url: String,
    /// The platform's public keyset URL.
    #[arg(long)]
    pub jwks_url: String,
    /// A deployment id; repeat for several.
    #[arg(long = "deployment-id", required = true)]
    pub deployment_ids: Vec<String>,
    /// A name to show for the platform (default: its issuer).
    #[arg(long)]
    pub name: Option<String>,
    /// Another origin (scheme://host[:port]) where the LMS frames Carefolio
    /// and serves its services, when that is not the host of its issuer or
    /// endpoints (Canvas: your institution's address, such as
    /// https://school.instructure.com). Repeat for several.
    #[arg(long = "origin")]
    #[serde(default)]
    pub origins: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            server: ServerSettings {
                bind: DEFAULT_BIND.to_owned(),
                public_url: None,
                widget_dir: None,
                launch_token_ttl_secs: 3600,
                roster_refresh_interval_secs: default_roster_refresh_interval(),
            },
            database: DatabaseSettings {
                url: None,
                max_connections: None,
            },
            data_dir: PathBuf::from("data"),
            platforms: Vec::new(),
            files: FileSettings::default(),
            badges: BadgeSettings::default(),
            xapi_forward: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration is invalid: {0}")]
    Invalid(#[from] Box<figment::Error>),
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("the address to listen on, {0:?}, is not an IP address and port such as 127.0.0.1:8300 or 0.0.0.0:8300 (server.bind, --bind or CAREFOLIO__SERVER__BIND)")]
    BadBind(String),
}

/// Every environment variable this program reads (besides `RUST_LOG`).
const KNOWN_ENV: &[&str] = &[
    "CAREFOLIO__SERVER__BIND",
    "CAREFOLIO__SERVER__PUBLIC_URL",
    "CAREFOLIO__SERVER__WIDGET_DIR",
    "CAREFOLIO__SERVER__LAUNCH_TOKEN_TTL_SECS",
    "CAREFOLIO__SERVER__ROSTER_REFRESH_INTERVAL_SECS",
    "CAREFOLIO__DATABASE__URL",
    "CAREFOLIO__DATABASE__MAX_CONNECTIONS",
    "CAREFOLIO__DATA_DIR",
    "CAREFOLIO__FILES__LOCAL_DIR",
    "CAREFOLIO__FILES__MAX_UPLOAD_BYTES",
    "CAREFOLIO__FILES__ALLOWED_TYPES",
    "CAREFOLIO__FILES__S3__BUCKET",
    "CAREFOLIO__FILES__S3__ENDPOINT",
    "CAREFOLIO__FILES__S3__REGION",
    "CAREFOLIO__FILES__S3__ACCESS_KEY_ID",
    "CAREFOLIO__FILES__S3__SECRET_ACCESS_KEY",
    "CAREFOLIO__FILES__S3__PREFIX",
    "CAREFOLIO__FILES__S3__ALLOW_HTTP",
    "CAREFOLIO__BADGES__ISSUER_NAME",
    "CAREFOLIO__BADGES__ISSUER_URL",
    "CAREFOLIO__BADGES__ISSUER_EMAIL",
    "CAREFOLIO_CONFIG",
];

impl Settings {
    /// Loads the settings; `file` is the TOML file named on the command line
    /// or in `CAREFOLIO_CONFIG` (a missing named file is an error).
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Self::load_from(file, Env::prefixed("CAREFOLIO__").split("__"))
    }

    pub fn load_from(file: Option<&Path>, env: Env) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::MissingFile(file.to_owned()));
            }
            figment = figment.merge(Toml::file(file));
        }
        let settings: Settings = figment.merge(env).extract().map_err(Box::new)?;
        settings.check_bind()?;
        Ok(settings)
    }

    /// `server.bind` must be an IP address and port, such as `127.0.0.1:8300`.
    pub fn check_bind(&self) -> Result<(), ConfigError> {
        match self.server.bind.parse::<std::net::SocketAddr>() {
            Ok(_) => Ok(()),
            Err(_) => Err(ConfigError::BadBind(self.server.bind.clone())),
        }
    }

    /// Names of `CAREFOLIO_*` variables that nothing reads: usually typos.
    pub fn unknown_env_vars() -> Vec<String> {
        std::env::vars()
            .map(|(name, _)| name)
            .filter(|name| name.starts_with("CAREFOLIO_") && !KNOWN_ENV.contains(&name.as_str()))
            .collect()
    }

    pub fn public_url(&self) -> Url {
        match &self.server.public_url {
            Some(url) => url.clone(),
            None => Url::parse(&format!("http://{}", self.server.bind))
                .unwrap_or_else(|_| Url::parse("http://127.0.0.1:8300").expect("literal URL")),
        }
    }

    /// `public_url` without a trailing slash, for building absolute URLs.
    pub fn base_url(&self) -> String {
        self.public_url().as_str().trim_end_matches('/').to_owned()
    }

    pub fn max_connections(&self) -> u32 {
        let default = if self.database_url().starts_with("sqlite:") {
            2
        } else {
            10
        };
        self.database.max_connections.unwrap_or(default)
    }

    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("carefolio.sqlite").display()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_password_never_shows_in_debug_output() {
        let mut settings = Settings::default();
        settings.database.url =
            Some("postgres://carefolio:s3cret-Pa55@db.example/carefolio".into());
        let shown = format!("{settings:?}");
        assert!(!shown.contains("s3cret-Pa55"), "{shown}");
        assert!(shown.contains("db.example"), "{shown}");
    }
}
