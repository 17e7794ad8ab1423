//! Faults in the store are reported as errors, never shown as empty or
//! made-up values.

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::both_databases;
use crate::helpers::*;

async fn execute(app: &TestApp, sql: &str) {
    app.db.execute_unprepared(sql).await.expect(sql);
}

both_databases!(
    a_front_page_that_cannot_read_the_database_says_so,
    |app| async move {
        execute(&app, "ALTER TABLE frameworks RENAME TO frameworks_gone").await;
        let response = app.client.get(app.url("/")).send().await.unwrap();
        assert_eq!(response.status(), 500);
        assert_eq!(error_code(&response), "internal_error");
        let page = response.text().await.unwrap();
        assert!(page.contains("could not read its database"), "{page}");
    }
);

both_databases!(
    a_stored_statement_that_is_not_json_is_an_error_not_a_null,
    |app| async move {
        let html = app.launch("ingrid", json!({})).await.text().await.unwrap();
        let token = launch_token(&html).unwrap();
        execute(&app, "UPDATE xapi_statements SET statement = '{not json'").await;
        let (key, secret) = app.xapi_credentials().await;
        let statements = app
            .xapi_get("/xapi/statements", &key, &secret)
            .send()
            .await
            .unwrap();
        assert_eq!(statements.status(), 500);
        assert_eq!(error_code(&statements), "internal_error");
        execute(&app, "UPDATE xapi_statements SET statement = '[]'").await;
        let not_an_object = app
            .xapi_get("/xapi/statements", &key, &secret)
            .send()
            .await
            .unwrap();
        assert_eq!(not_an_object.status(), 500);
        execute(&app, "UPDATE xapi_statements SET statement = '{not json'").await;
        let portfolio = app
            .client
            .get(app.url("/api/v1/portfolio"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(portfolio.status(), 500);
    }
);

both_databases!(
    a_stored_platform_url_that_does_not_parse_is_an_error_not_a_stand_in,
    |app| async move {
        execute(&app, "UPDATE platforms SET jwks_url = 'not a url'").await;
        let output = app.run_carefolio(&["platform", "list"]).await;
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("the stored jwks_url \"not a url\" is not a URL"),
            "{stderr}"
        );
        let response = app
            .post_login(&app.simulator.login_initiation("hint"))
            .await;
        assert_eq!(response.status(), 500);
    }
);

/// The security headers every page carries; returns its policy.
fn page_headers(response: &reqwest::Response) -> String {
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("base-uri 'none'"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    assert!(csp.contains("form-action"), "{csp}");
    csp
}

both_databases!(every_page_carries_a_policy_that_fits_it, |app| async move {
    // The front page: no forms, never framed.
    let front = app.client.get(app.url("/")).send().await.unwrap();
    let csp = page_headers(&front);
    assert!(
        csp.contains("form-action 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );

    // A launch page: framed by the LMS, no forms.
    let launch = app.launch("ingrid", json!({})).await;
    assert_eq!(launch.status(), 200);
    let csp = page_headers(&launch);
    assert!(
        csp.contains("form-action 'none'") && !csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );

    // An error page, framed too.
    let refused = app.post_launch(Some("not-a-jwt"), Some("state")).await;
    assert_eq!(refused.status(), 400);
    let csp = page_headers(&refused);
    assert!(csp.contains("form-action 'none'"), "{csp}");

    // The picker posts back to Carefolio only.
    let picker = app
        .launch("teacher", app.simulator.deep_linking_overrides())
        .await;
    assert_eq!(picker.status(), 200);
    let csp = page_headers(&picker);
    assert!(csp.contains("form-action 'self'"), "{csp}");
});
