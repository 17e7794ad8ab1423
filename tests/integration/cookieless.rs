//! Launches inside an LMS frame when the browser refuses the tool's
//! cookies there: headless Chromium blocking third-party cookies, the
//! simulated platform on `localhost` and the tool on `127.0.0.1` (two
//! sites). With Platform Storage the launch succeeds; without it the tool
//! offers a window of its own and records nothing.

use std::time::Duration;

use carefolio::config::PlatformRegistration;
use carefolio::platforms;
use carefolio_tests::simulator::PlatformSimulator;
use carefolio_tests::webdriver::Browser;
use serde_json::json;

use crate::both_databases;
use crate::helpers::*;

/// A platform on another site than the tool, registered with it.
async fn platform_on_another_site(app: &TestApp) -> PlatformSimulator {
    let platform = PlatformSimulator::start_with(
        "localhost:0",
        "framing-client",
        "framing-deployment",
        PlatformKey::shared(2),
    )
    .expect("a platform on localhost");
    platform.set_tool(&app.address);
    assert!(app.address.contains("127.0.0.1"), "{}", app.address);
    platforms::register(
        &app.db,
        &PlatformRegistration {
            issuer: platform.issuer.clone(),
            client_id: platform.client_id.clone(),
            auth_url: platform.auth_url(),
            token_url: platform.token_url(),
            jwks_url: platform.jwks_url(),
            deployment_ids: vec![platform.deployment_id.clone()],
            name: Some("Framing LMS".into()),
            origins: Vec::new(),
        },
    )
    .await
    .unwrap();
    platform
}

/// Chromium without third-party cookies, inside the tool's frame of the
/// platform's course page.
async fn framed_course_page(platform: &PlatformSimulator, query: &str) -> Browser {
    let browser = Browser::start_blocking_third_party_cookies()
        .await
        .expect("headless Chromium");
    browser
        .goto(&format!("{}/course?{query}", platform.issuer))
        .await
        .unwrap();
    browser.enter_frame(0).await.unwrap();
    browser
}

/// Posts a launch as a browser holding no cookie would: the platform's
/// fields, and the proof read from the platform's storage when given.
async fn post_launch_without_cookie(
    app: &TestApp,
    answer: &PlatformAnswer,
    storage_target: Option<&str>,
    storage_proof: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![
        ("id_token", answer.id_token.as_str()),
        ("state", answer.state.as_str()),
    ];
    if let Some(target) = storage_target {
        form.push(("lti_storage_target", target));
    }
    if let Some(proof) = storage_proof {
        form.push(("carefolio_storage_proof", proof));
    }
    reqwest::Client::new()
        .post(app.url("/lti/launch"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// The value of `attribute="…"` in `html`, unescaped.
fn attribute(html: &str, attribute: &str) -> Option<String> {
    let marker = format!("{attribute}=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&amp;", "&")
            .replace("&#x3D;", "="),
    )
}

/// A login offered the platform's storage: what the login page keeps there
/// (the proof), and what the platform then posts to the tool.
async fn begin_storage_launch(
    app: &TestApp,
    login_hint: &str,
    overrides: serde_json::Value,
) -> (PlatformAnswer, String) {
    app.simulator.prepare_launch(login_hint, overrides);
    let mut initiation = app.simulator.login_initiation(login_hint);
    initiation.push(("lti_storage_target".into(), "_parent".into()));
    let page = app.post_login(&initiation).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let proof = attribute(&page, "data-storage-proof").expect("the proof to store");
    let auth_url = attribute(&page, "data-auth-url").expect("the platform's address");
    let answer = app.answer_from_platform(&auth_url).await;
    assert_ne!(proof, answer.state, "the proof is not the state itself");
    (answer, proof)
}

both_databases!(
    a_framed_launch_without_cookies_succeeds_through_platform_storage,
    |app| async move {
        let platform = platform_on_another_site(&app).await;
        platform.prepare_launch("kari", json!({ "name": "Kari Nordmann" }));
        let browser = Browser::start_blocking_third_party_cookies()
            .await
            .expect("headless Chromium");
        browser
            .goto(&format!(
                "{}/course?login_hint=kari&storage=1",
                platform.issuer
            ))
            .await
            .unwrap();
        browser.enter_frame(0).await.unwrap();
        browser
            .wait_for(
                "return document.querySelector('#carefolio-portfolio[data-state=\"loaded\"] .cf-widget') !== null",
                Duration::from_secs(20),
            )
            .await
            .unwrap();
        let learner = browser
            .eval("return document.querySelector('.cf-learner').textContent")
            .await
            .unwrap();
        assert_eq!(learner, "Kari Nordmann's portfolio");
        // No state cookie reached the tool: the proof the login page kept
        // in the platform's storage was read back before the launch counted.
        browser.leave_frames().await.unwrap();
        let log = browser
            .eval("return window.platformStorageLog")
            .await
            .unwrap();
        assert_eq!(log, json!(["put", "get"]));
        assert_eq!(app.count("xapi_statements").await, 1);
        browser.quit().await;
    }
);

both_databases!(
    over_http_from_another_site_without_storage_the_frame_says_why_and_offers_no_window,
    |app| async move {
        // Over plain http the state cookie is SameSite=Lax: neither the frame
        // nor a window of its own would get it back with the platform's
        // cross-site form_post, so no window is offered; the page says why.
        let platform = platform_on_another_site(&app).await;
        platform.prepare_launch("kari", json!({}));
        let browser = framed_course_page(&platform, "login_hint=kari").await;
        browser
            .wait_for(
                "return document.querySelector('[data-code=\"insecure_cross_site\"]') !== null",
                Duration::from_secs(20),
            )
            .await
            .unwrap();
        let page = browser
            .eval("return document.body.innerText")
            .await
            .unwrap();
        let page = page.as_str().unwrap();
        assert!(page.contains("served over https"), "{page}");
        let offered = browser
            .eval("return document.querySelector('a[target=\"_blank\"]') !== null || document.getElementById('cf-new-window') !== null")
            .await
            .unwrap();
        assert_eq!(offered, false);
        assert_eq!(app.count("xapi_statements").await, 0);
        browser.quit().await;
    }
);

both_databases!(
    a_launch_without_cookie_unlocks_nothing_until_the_storage_proof_comes_back,
    |app| async move {
        let (answer, proof) = begin_storage_launch(&app, "kari", json!({})).await;
        // The first post answers only a page that reads the platform's storage.
        let check = post_launch_without_cookie(&app, &answer, Some("_parent"), None).await;
        assert_eq!(check.status(), 200);
        let csp = check.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("form-action 'self'"), "{csp}");
        let page = check.text().await.unwrap();
        assert!(page.contains("id=\"cf-storage-check\""), "{page}");
        assert_eq!(
            attribute(&page, "data-storage-key").unwrap(),
            format!("carefolio_state_{}", answer.state)
        );
        assert!(
            page.contains("data-storage-origin=\"http://127.0.0.1:"),
            "{page}"
        );
        // No launch token, no recording, no grade message, no person yet.
        assert!(!page.contains("data-token"), "{page}");
        assert!(!page.contains(&proof), "the page does not hold the proof");
        assert_eq!(app.count("xapi_statements").await, 0);
        assert_eq!(app.count("outbox").await, 0);
        assert_eq!(app.count("people").await, 0);

        // The same id_token and state replayed from another client, without
        // the proof or with a made-up one, record nothing.
        let forged =
            post_launch_without_cookie(&app, &answer, Some("_parent"), Some(&answer.state)).await;
        assert_eq!(error_code(&forged), "state_mismatch");
        let (other, other_proof) = begin_storage_launch(&app, "ola", json!({})).await;
        let borrowed =
            post_launch_without_cookie(&app, &answer, Some("_parent"), Some(&other_proof)).await;
        assert_eq!(
            error_code(&borrowed),
            "state_mismatch",
            "a proof binds its own state"
        );
        assert_eq!(app.count("xapi_statements").await, 0);
        assert_eq!(app.count("people").await, 0);

        // With the proof the launch is recorded and the page holds its token.
        let launched =
            post_launch_without_cookie(&app, &answer, Some("_parent"), Some(&proof)).await;
        assert_eq!(launched.status(), 200);
        let page = launched.text().await.unwrap();
        assert!(page.contains("data-token=\""), "{page}");
        assert_eq!(app.count("xapi_statements").await, 1);
        // Once used, the token is refused on either step.
        let again = post_launch_without_cookie(&app, &answer, Some("_parent"), Some(&proof)).await;
        assert_eq!(error_code(&again), "nonce_replayed");
        let again = post_launch_without_cookie(&app, &answer, Some("_parent"), None).await;
        assert_eq!(error_code(&again), "nonce_replayed");
        // Ola's own proof still opens Ola's launch.
        let ola =
            post_launch_without_cookie(&app, &other, Some("_parent"), Some(&other_proof)).await;
        assert_eq!(ola.status(), 200);
        assert_eq!(app.count("xapi_statements").await, 2);

        // Without a cookie and without platform storage the launch is refused.
        let answer = app.begin_launch("per", json!({})).await;
        let refused = post_launch_without_cookie(&app, &answer, None, None).await;
        assert_eq!(error_code(&refused), "state_mismatch");
        // A storage target that is no frame name does not count.
        let odd =
            post_launch_without_cookie(&app, &answer, Some("javascript:alert(1)"), None).await;
        assert_eq!(error_code(&odd), "state_mismatch");
        assert_eq!(app.count("xapi_statements").await, 2);
    }
);

both_databases!(
    deep_linking_without_cookie_goes_through_the_platform_storage_too,
    |app| async move {
        let (answer, proof) =
            begin_storage_launch(&app, "teacher", app.simulator.deep_linking_overrides()).await;
        let check = post_launch_without_cookie(&app, &answer, Some("_parent"), None).await;
        assert_eq!(check.status(), 200);
        let page = check.text().await.unwrap();
        assert!(page.contains("id=\"cf-storage-check\""), "{page}");
        assert!(
            !page.contains("name=\"session\""),
            "no picker before the proof"
        );
        let forged =
            post_launch_without_cookie(&app, &answer, Some("_parent"), Some("made-up")).await;
        assert_eq!(error_code(&forged), "state_mismatch");
        assert_eq!(app.count("people").await, 0);
        let picker = post_launch_without_cookie(&app, &answer, Some("_parent"), Some(&proof)).await;
        assert_eq!(picker.status(), 200);
        let page = picker.text().await.unwrap();
        assert!(page.contains("name=\"session\""), "the picker: {page}");
        assert_eq!(app.count("people").await, 1);
    }
);
