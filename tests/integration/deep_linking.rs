//! Deep Linking 2.0 against the platform simulator: an instructor picks
//! competences, the tool answers a signed LtiDeepLinkingResponse, the
//! platform verifies it against the tool's JWKS, and the created link
//! launches with the chosen competences. Plus every refusal.

use carefolio::lti::deep_linking::PickingSession;
use carefolio::signing::Signer;
use carefolio_tests::simulator::{DeepLinkReturn, DL};
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::*;
use crate::launch_rejections::{assert_rejected, rejected_launch};

/// A deep linking request launched by the simulator, with `extra` merged
/// into its claims; returns the tool's answer page.
async fn request_deep_linking(app: &TestApp, extra: Value) -> reqwest::Response {
    let mut overrides = app.simulator.deep_linking_overrides();
    carefolio_tests::simulator::merge(&mut overrides, &extra);
    app.launch("teacher", overrides).await
}

/// Opens the picker; returns its session token and HTML.
async fn open_picker(app: &TestApp) -> (String, String) {
    let response = request_deep_linking(app, json!({})).await;
    assert_eq!(response.status(), 200, "the picker opens");
    let html = response.text().await.unwrap();
    let session = form_value(&html, "session").expect("a session in the picker");
    (session, html)
}

async fn submit(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url("/lti/deep-linking"))
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// Follows the tool's return page: posts its JWT where its form points, as
/// the browser's auto-submit does; returns what the platform made of it.
async fn return_to_platform(app: &TestApp, page: reqwest::Response) -> DeepLinkReturn {
    assert_eq!(page.status(), 200, "the tool answers with a return page");
    // Its form may go to the platform's return URL's origin, and nowhere else.
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let origin = url::Url::parse(&app.simulator.deep_link_return_url())
        .unwrap()
        .origin()
        .ascii_serialization();
    assert!(csp.contains(&format!("form-action {origin};")), "{csp}");
    assert!(
        csp.contains(&format!("frame-ancestors {};", app.simulator.issuer)),
        "only the platform frames it: {csp}"
    );
    let html = page.text().await.unwrap();
    let action = {
        let marker = r#"action=""#;
        let start = html.find(marker).expect("a form") + marker.len();
        html[start..start + html[start..].find('"').unwrap()].to_owned()
    };
    assert_eq!(action, app.simulator.deep_link_return_url());
    assert!(
        html.contains("/autosubmit.js\"></script>"),
        "the page submits itself"
    );
    let jwt = form_value(&html, "JWT").expect("a JWT field");
    let before = app.simulator.deep_link_returns().len();
    app.client
        .post(&action)
        .form(&[("JWT", jwt)])
        .send()
        .await
        .unwrap();
    let returns = app.simulator.deep_link_returns();
    assert_eq!(
        returns.len(),
        before + 1,
        "the platform received one response"
    );
    returns.last().cloned().unwrap()
}

fn accepted(answer: DeepLinkReturn) -> Value {
    match answer.outcome {
        Ok(claims) => claims,
        Err(reason) => panic!("the platform refused the response: {reason}"),
    }
}

fn items(claims: &Value) -> Vec<Value> {
    claims[format!("{DL}content_items")]
        .as_array()
        .cloned()
        .expect("content_items")
}

both_databases!(
    an_instructor_adds_graded_activities_the_platform_accepts_and_learners_launch,
    |app| async move {
        let (session, html) = open_picker(&app).await;
        // Both built-in frameworks are offered, every competence selectable.
        assert!(html.contains(r#"data-framework="carerplus""#));
        assert!(html.contains(r#"data-framework="pat""#));
        assert_eq!(
            html.matches(r#"name="competence""#).count(),
            41 + 63,
            "CARER+ has 41 competences and PAT 63"
        );
        assert!(html.contains(r#"id="cf-search""#), "the tree is searchable");

        let page = submit(
            &app,
            &[
                ("session", &session),
                ("competence", "pat:5.1"),
                ("competence", "carerplus:10.2"),
                // Ticked twice: still one activity.
                ("competence", "pat:5.1"),
                ("graded", "1"),
                ("score_maximum", "50"),
                ("split", "each"),
                ("action", "add"),
            ],
        )
        .await;
        let claims = accepted(return_to_platform(&app, page).await);
        assert_eq!(
            claims[format!("{DL}data")],
            "moodle-dl-data-42",
            "data is echoed"
        );
        let items = items(&claims);
        assert_eq!(items.len(), 2, "one activity per competence");
        for (item, reference) in items.iter().zip(["pat:5.1", "carerplus:10.2"]) {
            assert_eq!(item["type"], "ltiResourceLink");
            assert_eq!(item["custom"]["competences"], reference);
            assert_eq!(item["url"], app.url("/lti/launch"));
            assert_eq!(item["lineItem"]["scoreMaximum"], 50.0);
            assert!(item["title"].as_str().unwrap().len() > 4);
        }

        // The platform creates the link; a learner launches it.
        let launch = app
            .launch(
                "learner-after-dl",
                json!({
                    lti("resource_link"): { "id": "created-by-dl", "title": items[0]["title"] },
                    lti("custom"): items[0]["custom"],
                }),
            )
            .await;
        assert_eq!(launch.status(), 200);
        let page = launch.text().await.unwrap();
        assert!(page.contains("5.1"), "the chosen competence is shown");
        assert!(!page.contains("unknown-competences"));
    }
);

both_databases!(
    one_ungraded_activity_is_named_after_its_competences,
    |app| async move {
        let (session, _) = open_picker(&app).await;
        let page = submit(
            &app,
            &[
                ("session", &session),
                ("competence", "pat:5.1"),
                ("competence", "carerplus:10.2"),
                ("split", "one"),
                ("action", "add"),
            ],
        )
        .await;
        let claims = accepted(return_to_platform(&app, page).await);
        let items = items(&claims);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["custom"]["competences"], "pat:5.1,carerplus:10.2");
        assert_eq!(items[0]["title"], "Competences 5.1, 10.2");
        assert!(
            items[0].get("lineItem").is_none(),
            "not graded: no line item"
        );
    }
);

both_databases!(cancelling_returns_no_items, |app| async move {
    let (session, _) = open_picker(&app).await;
    let page = submit(&app, &[("session", &session), ("action", "cancel")]).await;
    let claims = accepted(return_to_platform(&app, page).await);
    assert!(items(&claims).is_empty());
    assert_eq!(
        claims[format!("{DL}msg")],
        "No Carefolio activity was added."
    );
});

both_databases!(
    a_learner_is_refused_through_the_platform,
    |app| async move {
        let page = request_deep_linking(
            &app,
            json!({ lti("roles"): [carefolio_tests::simulator::LEARNER] }),
        )
        .await;
        let claims = accepted(return_to_platform(&app, page).await);
        assert!(items(&claims).is_empty());
        assert!(claims[format!("{DL}errormsg")]
            .as_str()
            .unwrap()
            .contains("Only teachers"));
        assert!(claims[format!("{DL}errorlog")].as_str().unwrap().len() > 10);
        assert_eq!(claims[format!("{DL}data")], "moodle-dl-data-42");
    }
);

both_databases!(
    a_platform_not_accepting_resource_links_is_told_so,
    |app| async move {
        let page = request_deep_linking(
            &app,
            json!({ format!("{DL}deep_linking_settings"): { "accept_types": ["file", "html"] } }),
        )
        .await;
        let claims = accepted(return_to_platform(&app, page).await);
        assert!(items(&claims).is_empty());
        assert!(claims[format!("{DL}errorlog")]
            .as_str()
            .unwrap()
            .contains("ltiResourceLink"));
    }
);

both_databases!(a_platform_ignoring_line_items_gets_none, |app| async move {
    let response = request_deep_linking(
            &app,
            json!({ format!("{DL}deep_linking_settings"): { "accept_lineitem": false, "accept_multiple": false } }),
        )
        .await;
    let html = response.text().await.unwrap();
    assert!(!html.contains(r#"name="graded""#), "no grading offered");
    assert!(!html.contains(r#"name="split""#), "one activity only");
    let session = form_value(&html, "session").unwrap();
    let page = submit(
        &app,
        &[
            ("session", &session),
            ("competence", "pat:5.1"),
            ("competence", "pat:5.2"),
            ("graded", "1"),
            ("split", "each"),
            ("action", "add"),
        ],
    )
    .await;
    let items = items(&accepted(return_to_platform(&app, page).await));
    assert_eq!(items.len(), 1, "accept_multiple false: one item");
    assert!(items[0].get("lineItem").is_none());
});

both_databases!(
    a_choice_without_competences_shows_the_picker_again,
    |app| async move {
        let (session, _) = open_picker(&app).await;
        let response = submit(
            &app,
            &[("session", &session), ("title", "Mine"), ("action", "add")],
        )
        .await;
        assert_eq!(response.status(), 400);
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"id="cf-error""#), "the error is shown");
        assert!(html.contains(r#"value="Mine""#), "the title typed is kept");
        let unknown = submit(
            &app,
            &[
                ("session", &session),
                ("competence", "pat:99.9"),
                ("action", "add"),
            ],
        )
        .await;
        assert_eq!(unknown.status(), 400);
        let html = unknown.text().await.unwrap();
        assert!(html.contains("pat:99.9"), "the unknown competence is named");
        let bad_grade = submit(
            &app,
            &[
                ("session", &session),
                ("competence", "pat:5.1"),
                ("graded", "1"),
                ("score_maximum", "-3"),
                ("action", "add"),
            ],
        )
        .await;
        assert_eq!(bad_grade.status(), 400);
        assert!(app.simulator.deep_link_returns().is_empty());
        // The session was not used up: a correct choice still goes through.
        let page = submit(
            &app,
            &[
                ("session", &session),
                ("competence", "pat:5.1"),
                ("action", "add"),
            ],
        )
        .await;
        assert_eq!(
            items(&accepted(return_to_platform(&app, page).await)).len(),
            1
        );
    }
);

both_databases!(a_picker_session_answers_only_once, |app| async move {
    let (session, _) = open_picker(&app).await;
    let fields = [
        ("session", session.as_str()),
        ("competence", "pat:5.1"),
        ("action", "add"),
    ];
    assert_eq!(submit(&app, &fields).await.status(), 200);
    let again = submit(&app, &fields).await;
    assert_eq!(again.status(), 409);
    assert_eq!(error_code(&again), "deep_linking_session_used");
    assert!(again.text().await.unwrap().contains("already been sent"));
});

both_databases!(
    altered_foreign_and_expired_sessions_are_refused,
    |app| async move {
        let (session, _) = open_picker(&app).await;
        let (payload, signature) = session.split_once('.').unwrap();
        let altered = format!("{payload}x.{signature}");
        let launch_page = app.launch("learner", json!({})).await.text().await.unwrap();
        let launch_token = launch_token(&launch_page).unwrap();
        for (token, why) in [
            (altered.as_str(), "altered"),
            (launch_token.as_str(), "a launch token"),
            ("", "empty"),
        ] {
            let response = submit(
                &app,
                &[
                    ("session", token),
                    ("competence", "pat:5.1"),
                    ("action", "add"),
                ],
            )
            .await;
            assert_eq!(response.status(), 401, "{why}");
            assert_eq!(
                error_code(&response),
                "invalid_deep_linking_session",
                "{why}"
            );
        }

        // A session signed with the server's own key but past its expiry.
        let stored = carefolio::entities::server_secret::Entity::find_by_id("token-signing-key")
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        use base64::Engine;
        let key = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(stored.value)
            .unwrap();
        let signer = Signer::from_key(&key);
        let mut expired: PickingSession = signer
            .open(carefolio::signing::Purpose::DeepLinkingSession, &session)
            .unwrap();
        expired.expires_at_ms = chrono::Utc::now().timestamp_millis() - 1000;
        let response = submit(
            &app,
            &[
                ("session", &expired.seal(&signer).unwrap()),
                ("competence", "pat:5.1"),
                ("action", "add"),
            ],
        )
        .await;
        assert_eq!(response.status(), 401);
        assert_eq!(error_code(&response), "deep_linking_session_expired");
        assert!(app.simulator.deep_link_returns().is_empty());
    }
);

both_databases!(
    deep_linking_requests_get_the_launch_checks,
    |app| async move {
        let overrides = app.simulator.deep_linking_overrides();
        let now = chrono::Utc::now().timestamp();
        rejected_launch(
            &app,
            overrides.clone(),
            |c| {
                c["iat"] = json!(now - 120);
                c["exp"] = json!(now - 60);
            },
            401,
            "token_expired",
        )
        .await;
        rejected_launch(
            &app,
            overrides.clone(),
            |c| {
                c.as_object_mut()
                    .unwrap()
                    .get_mut(&format!("{DL}deep_linking_settings"))
                    .unwrap()
                    .as_object_mut()
                    .unwrap()
                    .remove("deep_link_return_url");
            },
            400,
            "missing_claims",
        )
        .await;
        rejected_launch(
            &app,
            overrides.clone(),
            |c| {
                c[format!("{DL}deep_linking_settings")]["deep_link_return_url"] =
                    json!("javascript:alert(1)")
            },
            400,
            "invalid_claim",
        )
        .await;

        // Replayed: the second post of the same request is refused.
        let answer = app.begin_launch("teacher-replay", overrides).await;
        let first = app
            .post_launch(Some(&answer.id_token), Some(&answer.state))
            .await;
        assert_eq!(first.status(), 200);
        assert_rejected(
            &app,
            Some(&answer.id_token),
            Some(&answer.state),
            401,
            "nonce_replayed",
        )
        .await;
    }
);
