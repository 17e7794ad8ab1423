//! Configuration loading and what the server does on first start.

use carefolio::config::Settings;
use figment::providers::Env;

use carefolio::startup::Application;

use crate::both_databases;

fn write_config(text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "carefolio-config-{}.toml",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn defaults_then_file_then_environment() {
    let defaults = Settings::load_from(None, Env::prefixed("CFTEST_NONE__").split("__")).unwrap();
    assert_eq!(defaults.server.bind, "127.0.0.1:8300");
    assert!(defaults.database_url().starts_with("sqlite://"));
    assert!(defaults
        .database_url()
        .ends_with("carefolio.sqlite?mode=rwc"));

    let file = write_config(
        r#"
data_dir = "/srv/carefolio"
[server]
bind = "0.0.0.0:9000"
public_url = "https://carefolio.example.org"
[[platforms]]
issuer = "https://moodle.example.org"
client_id = "abc"
auth_url = "https://moodle.example.org/mod/lti/auth.php"
token_url = "https://moodle.example.org/mod/lti/token.php"
jwks_url = "https://moodle.example.org/mod/lti/certs.php"
deployment_ids = ["1"]
"#,
    );
    // A unique prefix keeps this test's variables away from other tests.
    std::env::set_var(
        "CFTEST_LAYER__DATABASE__URL",
        "postgres://carefolio@db/carefolio",
    );
    std::env::set_var("CFTEST_LAYER__SERVER__BIND", "127.0.0.1:9100");
    let settings =
        Settings::load_from(Some(&file), Env::prefixed("CFTEST_LAYER__").split("__")).unwrap();
    assert_eq!(
        settings.server.bind, "127.0.0.1:9100",
        "the environment wins over the file"
    );
    assert_eq!(settings.base_url(), "https://carefolio.example.org");
    assert_eq!(settings.database_url(), "postgres://carefolio@db/carefolio");
    assert_eq!(
        settings.max_connections(),
        10,
        "a larger pool for PostgreSQL"
    );
    assert_eq!(
        settings.data_dir,
        std::path::PathBuf::from("/srv/carefolio")
    );
    assert_eq!(settings.platforms.len(), 1);
    assert_eq!(settings.platforms[0].deployment_ids, ["1"]);
}

#[test]
fn configuration_mistakes_are_reported() {
    let unknown_key = write_config("[server]\nbindd = \"127.0.0.1:1\"\n");
    let error =
        Settings::load_from(Some(&unknown_key), Env::prefixed("CFTEST_NONE__")).unwrap_err();
    assert!(error.to_string().contains("bindd"), "{error}");

    let bad_bind = write_config("[server]\nbind = \"not an address\"\n");
    let error = Settings::load_from(Some(&bad_bind), Env::prefixed("CFTEST_NONE__")).unwrap_err();
    assert!(error.to_string().contains("not an address"), "{error}");

    let missing = std::path::Path::new("/nonexistent/carefolio.toml");
    let error = Settings::load_from(Some(missing), Env::prefixed("CFTEST_NONE__")).unwrap_err();
    assert!(error.to_string().contains("does not exist"), "{error}");
}

async fn tool_kid(client: &reqwest::Client, base: &str) -> String {
    let jwks: serde_json::Value = client
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"][0]["kid"].as_str().unwrap().to_owned()
}

both_databases!(the_tool_key_survives_a_restart, |app| async move {
    let before = tool_kid(&app.client, &app.address).await;
    // A second server on the same database and data directory, as after a restart.
    let mut settings = app.settings.clone();
    settings.server.bind = "127.0.0.1:0".to_owned();
    settings.server.public_url = None;
    let restarted = Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", restarted.port());
    actix_web::rt::spawn(restarted.run_until_stopped());
    assert_eq!(tool_kid(&app.client, &address).await, before);
    // One LTI key and one badge issuer key, generated on the first start only.
    assert_eq!(app.count("tool_keys").await, 2);
});

both_databases!(
    the_front_page_shows_the_values_for_moodle,
    |app| async move {
        let html = app
            .client
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(&app.url("/lti/login")));
        assert!(html.contains(&app.url("/.well-known/jwks.json")));
        // One instruction everywhere: the tool's own custom parameters stay
        // empty, since Moodle lets them override every activity's.
        assert!(
            html.contains("leave empty: each activity names its competences"),
            "{html}"
        );
        assert!(!html.contains("competences&#x3D;"), "{html}");
        assert!(html.contains("41 competences"));
        assert!(html.contains("63 competences"));
        let health = app.client.get(app.url("/health")).send().await.unwrap();
        assert_eq!(health.status(), 200);
    }
);
