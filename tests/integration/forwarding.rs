//! Forwarding to another learning record store: a second Carefolio plays
//! the remote store. Everything arrives once, attachments included; a
//! statement the store refuses is set aside and the rest go on; an outage
//! is waited out, and a new forwarder on the same database (as after a
//! restart) takes up where the last acknowledgement left off, repeating
//! nothing the store does not already have; statements that waited too long
//! are set aside.

use std::time::Duration;

use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::*;
use carefolio::config::ForwardTarget;
use carefolio::xapi::clients::Reach;
use carefolio::xapi::forward::{self, Forwarder};

fn statement(n: usize) -> Value {
    json!({
        "id": Uuid::new_v4(),
        "actor": { "mbox": format!("mailto:learner{}@example.org", n % 7) },
        "verb": { "id": "http://adlnet.gov/expapi/verbs/completed", "display": { "en-US": "completed" } },
        "object": { "id": format!("http://example.org/activities/module-{n}") }
    })
}

fn target(
    name: &str,
    endpoint: &str,
    (key, secret): &(String, String),
    hours: u64,
) -> ForwardTarget {
    ForwardTarget {
        name: name.to_owned(),
        endpoint: url::Url::parse(endpoint).unwrap(),
        key: key.clone(),
        secret: secret.clone(),
        version: "1.0.3".to_owned(),
        dead_letter_after_hours: hours,
        settle_ms: 0,
    }
}

async fn dead_letters(
    app: &TestApp,
    name: &str,
) -> Vec<carefolio::entities::xapi_forward_dead_letter::Model> {
    carefolio::entities::xapi_forward_dead_letter::Entity::find()
        .filter(carefolio::entities::xapi_forward_dead_letter::Column::Name.eq(name))
        .all(&app.db)
        .await
        .unwrap()
}

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn statements_reach_another_store_once(backend: Backend) {
    let remote = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let remote_key = remote
        .xapi_client("carefolio", Reach::Everything, "all")
        .await;
    // The store already holds a statement under an id Carefolio will use
    // for another: it refuses that one (409).
    let taken = statement(0);
    let mut clashing = taken.clone();
    clashing["verb"]["id"] = json!("http://adlnet.gov/expapi/verbs/attempted");
    let sent = remote
        .xapi(Method::POST, "/xapi/statements", &remote_key)
        .json(&taken)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);

    let endpoint = remote.url("/xapi/");
    let key = remote_key.clone();
    let app = spawn_app_with(backend, move |settings| {
        settings.xapi_forward = vec![target("analytics", &endpoint, &key, 168)];
    })
    .await;
    let provider = app.xapi_client("provider", Reach::Everything, "all").await;
    let batch: Vec<Value> = (1..=150).map(statement).collect();
    let sent = app
        .xapi(Method::POST, "/xapi/statements", &provider)
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let sent = app
        .xapi(Method::POST, "/xapi/statements", &provider)
        .json(&clashing)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    // One with an attachment, which travels with it.
    let content = b"Notes from the home visit".to_vec();
    let hash = format!("{:x}", Sha256::digest(&content));
    let mut noted = statement(151);
    noted["attachments"] = json!([{
        "usageType": "http://example.org/attachments/notes",
        "display": { "en-US": "Notes" },
        "contentType": "text/plain",
        "length": content.len(),
        "sha2": hash,
    }]);
    let mut body = Vec::new();
    body.extend_from_slice(b"--xyz\r\nContent-Type: application/json\r\n\r\n");
    body.extend_from_slice(noted.to_string().as_bytes());
    body.extend_from_slice(format!("\r\n--xyz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {hash}\r\n\r\n").as_bytes());
    body.extend_from_slice(&content);
    body.extend_from_slice(b"\r\n--xyz--\r\n");
    let sent = app
        .xapi(Method::POST, "/xapi/statements", &provider)
        .header("Content-Type", "multipart/mixed; boundary=xyz")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);

    // The running server's forwarder delivers them all but the clash.
    let mut arrived = 0;
    for _ in 0..200 {
        arrived = remote.count("xapi_statements").await;
        if arrived == 152 && !dead_letters(&app, "analytics").await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = forward::status(&app.db, &["analytics".to_owned()])
        .await
        .unwrap();
    let reasons: Vec<String> = dead_letters(&app, "analytics")
        .await
        .into_iter()
        .map(|d| d.reason)
        .take(2)
        .collect();
    assert_eq!(
        arrived, 152,
        "150 + the attached one + the store's own: {status:?} {reasons:?}"
    );
    assert_eq!(remote.count("xapi_attachments").await, 1);
    let set_aside = dead_letters(&app, "analytics").await;
    assert_eq!(set_aside.len(), 1);
    assert_eq!(
        set_aside[0].statement_id.to_string(),
        taken["id"].as_str().unwrap()
    );
    assert!(
        set_aside[0].reason.starts_with("409"),
        "{}",
        set_aside[0].reason
    );
    let kept: Value = remote
        .xapi(Method::GET, "/xapi/statements", &remote_key)
        .query(&[("statementId", taken["id"].as_str().unwrap())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        kept["verb"]["id"], "http://adlnet.gov/expapi/verbs/completed",
        "the store's own is untouched"
    );
    let status = forward::status(&app.db, &["analytics".to_owned()])
        .await
        .unwrap();
    assert_eq!((status[0].waiting, status[0].dead_letters), (0, 1));

    // A second store, down at first: nothing is lost while it is.
    let http = reqwest::Client::new();
    let down = format!("http://127.0.0.1:{}/xapi/", closed_port());
    let during_outage = Forwarder::new(
        app.db.clone(),
        http.clone(),
        &[target("backup", &down, &remote_key, 168)],
    )
    .unwrap();
    let rounds = during_outage.run_once().await.unwrap();
    assert_eq!(rounds[0].1.sent, 0);
    assert!(rounds[0].1.unavailable.is_some());
    let status = forward::status(&app.db, &["backup".to_owned()])
        .await
        .unwrap();
    assert_eq!((status[0].waiting, status[0].attempts), (152, 1));
    // Restarted, with the store back: it takes up from the database,
    // once the pause after the failure is over.
    let restarted = Forwarder::new(
        app.db.clone(),
        http.clone(),
        &[target("backup", &remote.url("/xapi/"), &remote_key, 168)],
    )
    .unwrap();
    assert!(
        restarted.run_once().await.unwrap()[0].1.skipped,
        "the pause after a failure is kept"
    );
    forward::due_now(&app.db, &["backup".to_owned()])
        .await
        .unwrap();
    let rounds = restarted.run_once().await.unwrap();
    assert_eq!(
        (rounds[0].1.sent, rounds[0].1.dead_letters),
        (151, 1),
        "{rounds:?}"
    );
    assert_eq!(remote.count("xapi_statements").await, 152, "nothing twice");

    // A store down for longer than the age allowed: what waited is set aside.
    let expired = Forwarder::new(
        app.db.clone(),
        http,
        &[target("expired", &down, &remote_key, 0)],
    )
    .unwrap();
    let rounds = expired.run_once().await.unwrap();
    assert_eq!(rounds[0].1.dead_letters, 152, "{rounds:?}");
    assert!(dead_letters(&app, "expired").await[0]
        .reason
        .contains("not accepted within 0 hours"));
    let status = forward::status(&app.db, &["expired".to_owned()])
        .await
        .unwrap();
    assert_eq!(status[0].waiting, 0);
}

#[actix_web::test]
async fn statements_reach_another_store_once_from_sqlite() {
    statements_reach_another_store_once(Backend::Sqlite).await;
}

#[actix_web::test]
async fn statements_reach_another_store_once_from_postgres() {
    statements_reach_another_store_once(Backend::Postgres).await;
}

#[actix_web::test]
async fn a_store_that_is_not_https_is_refused_at_the_start() {
    let key = ("k".to_owned(), "s".to_owned());
    for (endpoint, problem) in [
        ("http://lrs.example.org/xapi/", "https"),
        ("ftp://127.0.0.1/xapi/", "https"),
        ("https://user:pw@lrs.example.org/xapi/", "credentials"),
    ] {
        let error = Forwarder::new(
            sea_orm::DatabaseConnection::Disconnected,
            reqwest::Client::new(),
            &[target("bad", endpoint, &key, 1)],
        )
        .err()
        .unwrap_or_else(|| panic!("{endpoint} accepted"));
        assert!(error.to_string().contains(problem), "{endpoint}: {error}");
    }
}
