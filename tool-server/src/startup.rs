//! Building the application: database, keys, frameworks, registrations,
//! then the HTTP server on an already-bound listener (port 0 in tests).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{error, web, App, HttpServer};
use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::frameworks::store::CompetenceCache;
use crate::grades::delivery::GradeDelivery;
use crate::http::errors::problem;
use crate::http::widget::WidgetAssets;
use crate::http::{routes, AppState};
use crate::platforms;
use crate::platforms::keys::PlatformKeyCache;
use crate::platforms::services::ServiceClient;
use crate::platforms::tool_keys::{self, CurrentKey};
use crate::platforms::PlatformCache;
use crate::signing::Signer;
use crate::xapi::writer::{Limits, StatementWriter};
use crate::{db, frameworks};

/// The largest form body accepted (LTI launches carry one id_token of a
/// few kilobytes).
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// The largest JSON body an API accepts (files and framework documents
/// travel as their own bodies): a reflection of 20,000 characters fits
/// even in four-byte characters.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

/// JSON bodies up to `limit` bytes; a bad or oversized one is answered
/// with a problem body (413 or 400).
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _| {
            let status = match err {
                error::JsonPayloadError::Overflow { .. }
                | error::JsonPayloadError::OverflowKnownLength { .. } => {
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                }
                _ => actix_web::http::StatusCode::BAD_REQUEST,
            };
            let response = problem(status, "invalid_json", &err.to_string());
            error::InternalError::from_response(err, response).into()
        })
}

pub struct Application {
    port: u16,
    server: Server,
    db: DatabaseConnection,
}

/// Opens and migrates the database, and makes sure the tool key, the
/// built-in frameworks and the configured platforms exist.
pub async fn prepare(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let db = db::connect(settings).await?;
    db::migrate(&db).await?;
    tool_keys::ensure_current(&db, tool_keys::KeyUse::Lti).await?;
    tool_keys::ensure_current(&db, tool_keys::KeyUse::Badges).await?;
    frameworks::store::ensure_built_in(&db).await?;
    let added = crate::badges::classes::ensure_defaults(&db).await?;
    if added > 0 {
        tracing::info!(added, "default badges of the built-in frameworks defined");
    }
    for registration in &settings.platforms {
        let platform = platforms::register(&db, registration).await?;
        tracing::info!(issuer = %platform.issuer, client_id = %platform.client_id, "platform registered from configuration");
    }
    Ok(db)
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        settings.check_bind()?;
        let listener = TcpListener::bind(&settings.server.bind).map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {}: {e}{}",
                settings.server.bind,
                if e.kind() == std::io::ErrorKind::AddrInUse {
                    " (another program uses this port: stop it, or choose another address with --bind or server.bind)"
                } else {
                    ""
                }
            )
        })?;
        let port = listener.local_addr()?.port();
        let mut settings = settings;
        // With port 0, the public URL can only be known once bound.
        if settings.server.public_url.is_none() {
            let host = settings
                .server
                .bind
                .rsplit_once(':')
                .map_or("127.0.0.1", |(h, _)| h);
            settings.server.public_url = Some(url::Url::parse(&format!("http://{host}:{port}"))?);
        }
        // Checked before the database is touched: a wrong folder stops the start.
        let widget = Arc::new(WidgetAssets::load(settings.server.widget_dir.as_deref())?);
        let db = prepare(&settings).await?;
        let http = outbound_client()?;
        let forwarder = Arc::new(crate::xapi::forward::Forwarder::new(
            db.clone(),
            http.clone(),
            &settings.xapi_forward,
        )?);
        let tool_key = Arc::new(CurrentKey::default());
        let services = Arc::new(ServiceClient::new(http.clone()));
        let grades = Arc::new(GradeDelivery::new(
            db.clone(),
            services.clone(),
            tool_key.clone(),
        ));
        let state = AppState {
            db: db.clone(),
            base_url: settings.base_url().into(),
            platforms: Arc::new(PlatformCache::new(Duration::from_secs(30))),
            platform_keys: Arc::new(PlatformKeyCache::new(http)),
            grades: grades.clone(),
            services,
            known_activity: Arc::default(),
            roster_refreshes: Arc::new(crate::roster::RefreshGate::new(Duration::from_secs(
                settings.server.roster_refresh_interval_secs,
            ))),
            competences: Arc::new(CompetenceCache::new(Duration::from_secs(600))),
            files: crate::files::FileStore::from_settings(&settings)?,
            statements: Arc::new(StatementWriter::start(
                db::statement_writer(&settings, &db).await?,
                Limits::for_backend(sea_orm::ConnectionTrait::get_database_backend(&db)),
            )),
            widget,
            signer: Arc::new(Signer::load_or_create(&db).await?),
            tool_key,
            issuer_key: Arc::new(CurrentKey::new(tool_keys::KeyUse::Badges)),
            settings: Arc::new(settings),
        };
        if sea_orm::ConnectionTrait::get_database_backend(&db) == sea_orm::DbBackend::Sqlite {
            let checkpointing = db.clone();
            supervise("WAL checkpoints", move || {
                db::checkpoint_periodically(checkpointing.clone())
            });
        } else {
            let analyzing = db.clone();
            supervise("statistics", move || {
                db::analyze_periodically(analyzing.clone())
            });
        }
        let sweeping = db.clone();
        let files = state.files.clone();
        supervise("sweeper", move || {
            sweep_periodically(sweeping.clone(), files.clone())
        });
        supervise("grade delivery", move || grades.clone().run_forever());
        if !forwarder.is_empty() {
            supervise("statement forwarding", move || {
                forwarder.clone().run_forever()
            });
        }
        tracing::info!(url = %state.base_url, "Carefolio listening");
        let server =
            HttpServer::new(move || {
                App::new()
                    .app_data(web::Data::new(state.clone()))
                    .app_data(web::FormConfig::default().limit(MAX_FORM_BYTES).error_handler(
                        |err, _| {
                            let response = match err {
                                error::UrlencodedError::Overflow { size, .. } => problem(
                                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                                    "payload_too_large",
                                    &format!("The form has {size} bytes; at most {MAX_FORM_BYTES} are accepted."),
                                ),
                                ref other => problem(
                                    actix_web::http::StatusCode::BAD_REQUEST,
                                    "invalid_form",
                                    &other.to_string(),
                                ),
                            };
                            error::InternalError::from_response(err, response).into()
                        },
                    ))
                    .app_data(json_config(MAX_JSON_BYTES))
                    .app_data(web::QueryConfig::default().error_handler(|err, _| {
                        let response = problem(
                            actix_web::http::StatusCode::BAD_REQUEST,
                            "invalid_query",
                            &err.to_string(),
                        );
                        error::InternalError::from_response(err, response).into()
                    }))
                    .wrap(tracing_actix())
                    .configure(routes::configure)
            })
            .listen(listener)?
            .run();
        Ok(Application { port, server, db })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The client for every request Carefolio makes: a timeout, so a platform
/// that hangs cannot hold a delivery round forever, and no redirects, so a
/// bearer token (service or registration) goes only where it was meant to.
pub fn outbound_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("Carefolio/", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Runs a background loop for the life of the server: when it panics (or
/// ends), the cause is logged and a fresh one starts a second later, so
/// one bad answer from a platform cannot stop grade delivery.
pub fn supervise<F, Fut>(name: &'static str, start: F)
where
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    actix_web::rt::spawn(async move {
        loop {
            match actix_web::rt::spawn(start()).await {
                Err(e) if e.is_panic() => {
                    tracing::error!(task = name, error = %e, "background task panicked; restarting it")
                }
                _ => tracing::warn!(task = name, "background task ended; restarting it"),
            }
            actix_web::rt::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

/// Forgets used nonces of expired logins every few minutes. Every instance
/// may run it; the deletes are idempotent.
/// Every five minutes: used nonces of expired logins, and uploads an
/// instance left unfinished when it died.
async fn sweep_periodically(db: DatabaseConnection, files: crate::files::FileStore) {
    let mut interval = actix_web::rt::time::interval(Duration::from_secs(300));
    loop {
        interval.tick().await;
        match crate::lti::login::sweep_expired(&db).await {
            Ok(0) => {}
            Ok(nonces) => tracing::debug!(nonces, "forgot the used nonces of expired logins"),
            Err(e) => tracing::warn!(error = %e, "sweeping used nonces failed"),
        }
        match files.sweep_stale_uploads().await {
            Ok(0) => {}
            Ok(uploads) => tracing::info!(uploads, "removed unfinished uploads"),
            Err(e) => tracing::warn!(error = %e, "sweeping unfinished uploads failed"),
        }
    }
}

/// Request logging without query strings, which may carry hints or tokens.
fn tracing_actix() -> actix_web::middleware::Logger {
    actix_web::middleware::Logger::new("%{r}a \"%{method}xi %U\" %s %T")
        .custom_request_replace("method", |req| req.method().to_string())
        .log_target("carefolio::http")
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    #[actix_web::test]
    async fn a_supervised_loop_that_panics_is_started_again() {
        let starts = Arc::new(AtomicUsize::new(0));
        let counter = starts.clone();
        supervise("test loop", move || {
            let counter = counter.clone();
            async move {
                if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("a bad answer");
                }
                std::future::pending::<()>().await;
            }
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while starts.load(Ordering::SeqCst) < 2 {
            assert!(std::time::Instant::now() < deadline, "not restarted");
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
