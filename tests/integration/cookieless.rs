//! Launches inside an LMS frame when the browser refuses the tool's
//! cookies there: headless Chromium blocking third-party cookies, the
//! simulated platform on `localhost` and the tool on `127.0.0.1` (two
//! sites). With Platform Storage the launch succeeds; without it the tool
//! offers a window of its own and records nothing.

use std::time::Duration;

use carefolio::config::PlatformRegistration;
use carefolio::lti::platforms;
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

/// Posts a launch as a browser holding no cookie would.
async fn post_launch_without_cookie(
    app: &TestApp,
    answer: &PlatformAnswer,
    storage_target: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![
        ("id_token", answer.id_token.as_str()),
        ("state", answer.state.as_str()),
    ];
    if let Some(target) = storage_target {
        form.push(("lti_storage_target", target));
    }
    reqwest::Client::new()
        .post(app.url("/lti/launch"))
        .form(&form)
        .send()
        .await
        .unwrap()
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
        // No state cookie reached the tool: the launch page checked the
        // platform's storage instead.
        let checked = browser
            .eval("return document.getElementById('carefolio-portfolio').dataset.storageKey.startsWith('carefolio_state_')")
            .await
            .unwrap();
        assert_eq!(checked, true);
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
    a_launch_without_cookie_is_gated_on_the_platform_storage_check,
    |app| async move {
        // The platform offers storage; the browser holds no cookie.
        let answer = app.begin_launch("kari", json!({})).await;
        let response = post_launch_without_cookie(&app, &answer, Some("_parent")).await;
        assert_eq!(response.status(), 200);
        let page = response.text().await.unwrap();
        // Nothing shows until the page has found the state in the platform's storage.
        assert!(
            page.contains(&format!("data-storage-value=\"{}\"", answer.state)),
            "{page}"
        );
        assert!(
            page.contains("data-storage-origin=\"http://127.0.0.1:"),
            "{page}"
        );
        // The portfolio itself is hidden (not only the failure notice).
        let start = page
            .find("<div id=\"carefolio-portfolio\"")
            .expect("the portfolio element");
        let tag = &page[start..start + page[start..].find('>').unwrap()];
        assert!(tag.contains(" hidden"), "{tag}");
        assert!(page.contains("id=\"cf-storage-failed\""));

        // Without a cookie and without platform storage the launch is refused.
        let answer = app.begin_launch("ola", json!({})).await;
        let refused = post_launch_without_cookie(&app, &answer, None).await;
        assert_eq!(error_code(&refused), "state_mismatch");
        // A storage target that is no frame name does not count.
        let answer = app.begin_launch("per", json!({})).await;
        let odd = post_launch_without_cookie(&app, &answer, Some("javascript:alert(1)")).await;
        assert_eq!(error_code(&odd), "state_mismatch");
        // Deep linking needs the cookie: its picker has no storage check.
        let answer = app
            .begin_launch("teacher", app.simulator.deep_linking_overrides())
            .await;
        let picker = post_launch_without_cookie(&app, &answer, Some("_parent")).await;
        assert_eq!(error_code(&picker), "state_mismatch");
        assert_eq!(app.count("xapi_statements").await, 1);
    }
);
