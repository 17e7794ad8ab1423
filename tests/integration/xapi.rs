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
