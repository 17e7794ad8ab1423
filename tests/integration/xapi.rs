//! Reading statements through the xAPI Statement Resource.

use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::*;

both_databases!(statements_need_client_credentials, |app| async move {
    assert_eq!(app.launch("x", json!({})).await.status(), 200);
    let anonymous = app
        .client
        .get(app.url("/xapi/statements"))
        .header("X-Experience-API-Version", "1.0.3")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(error_code(&anonymous), "unauthorized");
    assert!(anonymous.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
    assert_eq!(body["status"], 401);

    let (key, _) = app.xapi_credentials().await;
    let wrong = app
        .client
        .get(app.url("/xapi/statements"))
        .basic_auth(&key, Some("wrong-secret"))
        .header("X-Experience-API-Version", "1.0.3")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
});

both_databases!(
    statements_need_a_supported_version_header,
    |app| async move {
        let (key, secret) = app.xapi_credentials().await;
        let missing = app
            .client
            .get(app.url("/xapi/statements"))
            .basic_auth(&key, Some(&secret))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 400);
        assert_eq!(error_code(&missing), "xapi_version_missing");
        let unsupported = app
            .client
            .get(app.url("/xapi/statements"))
            .basic_auth(&key, Some(&secret))
            .header("X-Experience-API-Version", "0.95")
            .send()
            .await
            .unwrap();
        assert_eq!(unsupported.status(), 400);
        assert_eq!(error_code(&unsupported), "xapi_version_unsupported");
        let v2 = app
            .client
            .get(app.url("/xapi/statements"))
            .basic_auth(&key, Some(&secret))
            .header("X-Experience-API-Version", "2.0.0")
            .send()
            .await
            .unwrap();
        assert_eq!(v2.status(), 200);
        assert_eq!(v2.headers()["x-experience-api-version"], "2.0.0");
        assert!(v2
            .headers()
            .contains_key("x-experience-api-consistent-through"));
    }
);

both_databases!(
    statements_page_with_more_links_and_can_be_fetched_by_id,
    |app| async move {
        for hint in ["one", "two", "three"] {
            assert_eq!(app.launch(hint, json!({})).await.status(), 200);
        }
        let (key, secret) = app.xapi_credentials().await;
        let get = |path: String| app.xapi_get(&path, &key, &secret).send();
        let mut seen = Vec::new();
        let mut next = "/xapi/statements?limit=2&ascending=true".to_owned();
        while !next.is_empty() {
            let page: Value = get(next.clone()).await.unwrap().json().await.unwrap();
            for statement in page["statements"].as_array().unwrap() {
                seen.push(statement["id"].as_str().unwrap().to_owned());
            }
            next = page["more"].as_str().unwrap().to_owned();
            assert!(seen.len() <= 3, "paging terminates");
        }
        assert_eq!(seen.len(), 3);
        let mut unique = seen.clone();
        unique.dedup();
        assert_eq!(unique.len(), 3);

        let one: Value = get(format!("/xapi/statements?statementId={}", seen[1]))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(one["id"], seen[1].as_str());
        let missing = get(format!(
            "/xapi/statements?statementId={}",
            uuid::Uuid::new_v4()
        ))
        .await
        .unwrap();
        assert_eq!(missing.status(), 404);
        let bad = get("/xapi/statements?since=yesterday".to_owned())
            .await
            .unwrap();
        assert_eq!(bad.status(), 400);
        assert_eq!(error_code(&bad), "invalid_parameter");
    }
);

both_databases!(statements_filter_by_verb_and_activity, |app| async move {
    assert_eq!(app.launch("one", json!({})).await.status(), 200);
    let (key, secret) = app.xapi_credentials().await;
    let query = |q: &'static str| {
        app.xapi_get("/xapi/statements", &key, &secret)
            .query(&[("verb", q)])
            .send()
    };
    let launched: Value = query("http://adlnet.gov/expapi/verbs/launched")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(launched["statements"].as_array().unwrap().len(), 1);
    let other: Value = query("http://adlnet.gov/expapi/verbs/completed")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(other["statements"].as_array().unwrap().len(), 0);
});

both_databases!(
    a_platforms_credentials_read_only_that_platforms_statements_and_revoked_ones_nothing,
    |app| async move {
        // A second platform, registered beside the first, with a launch each.
        let other = another_platform(&app, "other-client", 1);
        register_platform(&app, &other, &other.issuer).await;
        assert_eq!(app.launch("ingrid", json!({})).await.status(), 200);
        launch_from(&app, &other, "someone-else").await;

        let read = |key: String, secret: String, path: String| {
            let app = &app;
            async move { app.xapi_get(&path, &key, &secret).send().await.unwrap() }
        };
        let homes = |body: &Value| -> Vec<String> {
            body["statements"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    s["actor"]["account"]["homePage"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect()
        };

        // The operator's credentials read both platforms' statements.
        let (key, secret) = app.xapi_credentials().await;
        let all: Value = read(key, secret, "/xapi/statements".into())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(all["statements"].as_array().unwrap().len(), 2);
        let other_statement = all["statements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["actor"]["account"]["homePage"] == other.issuer.as_str())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();

        // The first platform's credentials read its own statement only.
        let created = app
            .run_carefolio(&[
                "xapi-client",
                "add",
                "--name",
                "first-lms-reports",
                "--platform",
                &app.simulator.issuer,
                "--scope",
                "statements/read",
            ])
            .await;
        assert!(
            created.status.success(),
            "{}",
            String::from_utf8_lossy(&created.stderr)
        );
        let printed = String::from_utf8_lossy(&created.stdout).to_string();
        let field = |name: &str| {
            printed
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name}:")))
                .map(|v| v.trim().to_owned())
                .unwrap()
        };
        let (key, secret) = (field("key"), field("secret"));
        let own: Value = read(key.clone(), secret.clone(), "/xapi/statements".into())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(homes(&own), vec![app.simulator.issuer.as_str()]);
        let foreign = read(
            key.clone(),
            secret.clone(),
            format!("/xapi/statements?statementId={other_statement}"),
        )
        .await;
        assert_eq!(
            foreign.status(),
            404,
            "another platform's statement is not there"
        );

        // Listed, then revoked: refused at once.
        let listed = app.run_carefolio(&["xapi-client", "list"]).await;
        let listed = String::from_utf8_lossy(&listed.stdout).to_string();
        assert!(
            listed.contains("first-lms-reports") && listed.contains("statements of"),
            "{listed}"
        );
        let revoked = app
            .run_carefolio(&["xapi-client", "revoke", "first-lms-reports"])
            .await;
        assert!(revoked.status.success());
        let refused = read(key, secret, "/xapi/statements".into()).await;
        assert_eq!(refused.status(), 401);
        let listed = app.run_carefolio(&["xapi-client", "list"]).await;
        assert!(String::from_utf8_lossy(&listed.stdout).contains("revoked"));
        let again = app
            .run_carefolio(&["xapi-client", "revoke", "first-lms-reports"])
            .await;
        assert!(!again.status.success(), "nothing left to revoke");
    }
);
