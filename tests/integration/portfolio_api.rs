//! The widget's JSON API, authenticated by the launch token.

use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::*;

both_databases!(
    the_launch_token_opens_the_learners_portfolio,
    |app| async move {
        let html = app.launch("ingrid", json!({})).await.text().await.unwrap();
        let token = launch_token(&html).expect("token on the page");
        let response = app
            .client
            .get(app.url("/api/v1/portfolio"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let view: Value = response.json().await.unwrap();
        assert_eq!(view["learner"]["name"], "Ingrid Hansen");
        assert_eq!(view["course"]["title"], "Digital skills for care work");
        assert_eq!(view["activity"]["title"], "Peer support in practice");
        let competences = view["competences"].as_array().unwrap();
        assert_eq!(competences.len(), 2);
        assert_eq!(competences[0]["code"], "10.2");
        assert_eq!(competences[0]["framework_key"], "carerplus");
        assert_eq!(competences[1]["code"], "5.1");
        assert_eq!(competences[1]["framework_key"], "pat");
        // The launch is tied to the link's competences: offered as evidence.
        let candidates = view["candidates"].as_array().unwrap();
        assert_eq!(candidates.len(), 1);
        assert_eq!(candidates[0]["verb"], "launched");
        assert_eq!(candidates[0]["object"]["en"], "Peer support in practice");
        assert_eq!(candidates[0]["competences"].as_array().unwrap().len(), 2);
    }
);

both_databases!(
    the_api_refuses_missing_and_forged_tokens,
    |app| async move {
        let none = app
            .client
            .get(app.url("/api/v1/portfolio"))
            .send()
            .await
            .unwrap();
        assert_eq!(none.status(), 401);
        assert_eq!(none.headers()["content-type"], "application/problem+json");
        let body: Value = none.json().await.unwrap();
        assert_eq!(body["code"], "unauthenticated");
        let forged = app
            .client
            .get(app.url("/api/v1/portfolio"))
            .bearer_auth("forged")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 401);
        assert_eq!(error_code(&forged), "unauthenticated");

        // Well-formed tokens: one sealed with another key for a real person
        // and link, one whose claims were altered to an instructor's.
        let html = app.launch("ingrid", json!({})).await.text().await.unwrap();
        let genuine = launch_token(&html).unwrap();
        let session = carefolio::portfolio::session::authenticate(
            &carefolio::signing::Signer::load_or_create(&app.db)
                .await
                .unwrap(),
            &genuine,
        )
        .unwrap();
        let other_key = carefolio::portfolio::session::issue(
            &carefolio::signing::Signer::from_key(b"another tool's key"),
            session.person_id,
            session.resource_link_id,
            &[carefolio_tests::simulator::INSTRUCTOR.to_owned()],
            3600,
        )
        .unwrap();
        let (payload, signature) = genuine.split_once('.').unwrap();
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: Value = serde_json::from_slice(&engine.decode(payload).unwrap()).unwrap();
        claims["r"] = json!([carefolio_tests::simulator::INSTRUCTOR]);
        let altered = format!(
            "{}.{signature}",
            engine.encode(serde_json::to_vec(&claims).unwrap())
        );
        for (what, token) in [("another key", other_key), ("altered claims", altered)] {
            for path in ["/api/v1/portfolio", "/api/v1/learners"] {
                let response = app
                    .client
                    .get(app.url(path))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 401, "{what} on {path}");
                assert_eq!(error_code(&response), "unauthenticated", "{what} on {path}");
            }
        }
        // The genuine token still works.
        let ok = app
            .client
            .get(app.url("/api/v1/portfolio"))
            .bearer_auth(&genuine)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
    }
);

both_databases!(an_expired_launch_token_is_refused, with |s: &mut carefolio::config::Settings| s.server.launch_token_ttl_secs = -1, |app| async move {
    let html = app.launch("late", json!({})).await.text().await.unwrap();
    let token = launch_token(&html).unwrap();
    let response = app
        .client
        .get(app.url("/api/v1/portfolio"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(error_code(&response), "session_expired");
});

both_databases!(unknown_routes_answer_a_json_404, |app| async move {
    let response = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(error_code(&response), "not_found");
});

both_databases!(a_malformed_launch_form_is_a_400_problem, |app| async move {
    let response = app
        .client
        .post(app.url("/lti/launch"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(&response), "invalid_form");
});

both_databases!(
    widget_files_are_compressed_versioned_and_revalidated,
    |app| async move {
        let page = app.launch("assets", json!({})).await.text().await.unwrap();
        let end = page.find("/boot.js").unwrap();
        let start = page[..end].rfind("/widget/").unwrap();
        let path: String = page[start..].chars().take_while(|c| *c != '"').collect();
        assert!(
            path.ends_with("/boot.js") && path.matches('/').count() == 3,
            "{path}"
        );
        let version = path.split('/').nth(2).unwrap().to_owned();
        assert!(
            page.contains(&format!("/widget/{version}/widget.css")),
            "the page links the widget's styles under the same version"
        );

        let client = reqwest::Client::new();
        let wasm = client
            .get(app.url(&format!("/widget/{version}/portfolio_wasm_bg.wasm")))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(wasm.status(), 200);
        assert_eq!(wasm.headers()["content-encoding"], "gzip");
        assert_eq!(wasm.headers()["content-type"], "application/wasm");
        assert!(wasm.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable"));
        let etag = wasm.headers()["etag"].to_str().unwrap().to_owned();
        let zipped = wasm.bytes().await.unwrap().len();
        let plain = client
            .get(app.url("/widget/portfolio_wasm_bg.wasm"))
            .send()
            .await
            .unwrap();
        assert_eq!(plain.headers()["cache-control"], "no-cache");
        assert!(plain.headers().get("content-encoding").is_none());
        assert!(
            zipped * 2 < plain.bytes().await.unwrap().len(),
            "gzip saves at least half"
        );

        let again = client
            .get(app.url("/widget/portfolio_wasm_bg.wasm"))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        // An old version's path is served, but not kept for a year.
        let old = client
            .get(app.url("/widget/0123456789abcdef/boot.js"))
            .send()
            .await
            .unwrap();
        assert_eq!(old.status(), 200);
        assert_eq!(old.headers()["cache-control"], "no-cache");
    }
);

/// The path of a documented operation with its parameters filled in.
fn concrete(path: &str, operation: &Value) -> String {
    let mut concrete = path.to_owned();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        if parameter["in"] != "path" {
            continue;
        }
        let name = parameter["name"].as_str().unwrap();
        let value = if parameter["schema"]["format"] == "uuid" {
            uuid::Uuid::new_v4().to_string()
        } else {
            "carerplus".to_owned()
        };
        concrete = concrete.replace(&format!("{{{name}}}"), &value);
    }
    concrete
}

both_databases!(
    every_documented_operation_refuses_a_caller_without_the_token_it_documents,
    |app| async move {
        let document = app.get_json("/api/v1/openapi.json").await;
        let learner = launched_as(&app, json!({})).await;
        let mut checked = 0;
        let mut public = 0;
        for (path, operations) in document["paths"].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                let url = app.url(&concrete(path, operation));
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let security = operation["security"].as_array().unwrap();
                let schemes: Vec<&str> = security
                    .iter()
                    .filter_map(|s| s.as_object())
                    .flat_map(|s| s.keys().map(String::as_str))
                    .collect();
                if schemes.is_empty() {
                    // Reached by a secret in the address: a made-up one finds nothing.
                    let response = app
                        .client
                        .request(method.clone(), format!("{url}?access=made-up"))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(
                        response.status(),
                        404,
                        "{method} {path} with a made-up secret"
                    );
                    public += 1;
                    continue;
                }
                let mut callers = vec![
                    ("no token", None),
                    ("a forged token", Some("forged.token.value".to_owned())),
                ];
                if schemes == ["admin_token"] {
                    callers.push(("a learner's launch token", Some(learner.clone())));
                }
                for (who, token) in callers {
                    let mut request = app.client.request(method.clone(), &url);
                    if let Some(token) = token {
                        request = request.bearer_auth(token);
                    }
                    let response = request.send().await.unwrap();
                    assert_eq!(response.status(), 401, "{method} {path} with {who}");
                    assert_eq!(
                        response.headers()["content-type"],
                        "application/problem+json",
                        "{method} {path} with {who}"
                    );
                }
                checked += 1;
            }
        }
        assert!(checked >= 35, "{checked} operations checked");
        assert_eq!(public, 3, "the file, export and secret-link reads");
    }
);
