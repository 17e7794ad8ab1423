//! The widget in a real browser: headless Chromium drives a full simulated
//! launch (POST login initiation, OIDC redirect, form_post) and the WASM
//! widget renders the portfolio from the API.

use std::time::Duration;

use carefolio_tests::webdriver::Browser;
use serde_json::json;

use crate::both_databases;
use crate::helpers::*;

both_databases!(
    a_launch_in_chromium_mounts_the_widget_with_the_learner_and_competences,
    |app| async move {
        assert!(
            widget_dir().join("portfolio_wasm_bg.wasm").exists(),
            "the widget is not built: run scripts/build-widget.sh"
        );
        app.simulator.prepare_launch("kari", json!({
        "name": "Kari Nordmann",
        format!("{}launch_presentation", carefolio_tests::simulator::LTI): { "locale": "nb-NO" },
    }));
        let browser = Browser::start(&[]).await.expect("headless Chromium");
        browser
            .goto(&format!("{}/start?login_hint=kari", app.simulator.issuer))
            .await
            .unwrap();
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
        let titles = browser
        .eval("return [...document.querySelectorAll('.cf-competence .cf-title')].map(e => e.textContent)")
        .await
        .unwrap();
        // The learner's locale is Norwegian: PAT shows its own text, CARER+ (English only) falls back.
        assert_eq!(titles[0], "Peer support and exchange of good practices");
        assert_eq!(
            titles[1],
            "Hjelper og støtter brukere til å sette seg mål og drømme om fremtidige muligheter."
        );
        let recorded = browser
            .eval("return document.querySelectorAll('.cf-recorded .cf-entry').length")
            .await
            .unwrap();
        assert_eq!(recorded, 1);

        // Switching the language re-renders through the widget's own listener.
        browser
            .eval("document.querySelector('.cf-language[data-language=\"en\"]').click()")
            .await
            .unwrap();
        browser
        .wait_for(
            "return [...document.querySelectorAll('.cf-competence .cf-title')].map(e => e.textContent)[1] === 'Helps and supports peers to set goals and to dream of future possibilities.'",
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert_eq!(app.count("xapi_statements").await, 1);
        browser.quit().await;
    }
);

both_databases!(
    an_instructor_searches_the_picker_and_the_choice_reaches_the_platform,
    |app| async move {
        app.simulator
            .prepare_launch("teacher", app.simulator.deep_linking_overrides());
        let browser = Browser::start(&[]).await.expect("headless Chromium");
        browser
            .goto(&format!(
                "{}/start?login_hint=teacher",
                app.simulator.issuer
            ))
            .await
            .unwrap();
        browser
            .wait_for(
                "return document.getElementById('cf-search') !== null",
                Duration::from_secs(20),
            )
            .await
            .unwrap();
        // Typing filters the tree to the matching competences.
        browser
            .eval(
                "const s = document.getElementById('cf-search'); s.value = 'good practices'; s.dispatchEvent(new Event('input'));",
            )
            .await
            .unwrap();
        let visible = browser
            .eval("return [...document.querySelectorAll('.cf-item')].filter(i => !i.hidden).map(i => i.querySelector('input').value)")
            .await
            .unwrap();
        assert_eq!(visible, json!(["carerplus:10.2"]));
        let status = browser
            .eval("return document.getElementById('cf-search-status').textContent")
            .await
            .unwrap();
        assert_eq!(status, "1 competence matches");

        browser
            .eval("document.querySelector('input[value=\"carerplus:10.2\"]').click(); document.querySelector('button[value=\"add\"]').click();")
            .await
            .unwrap();
        // The return page submits itself to the platform.
        browser
            .wait_for(
                "return document.getElementById('platform-added') !== null",
                Duration::from_secs(20),
            )
            .await
            .unwrap();
        let returns = app.simulator.deep_link_returns();
        assert_eq!(returns.len(), 1);
        let claims = returns[0]
            .outcome
            .clone()
            .expect("the platform accepted it");
        assert_eq!(
            claims[format!("{}content_items", carefolio_tests::simulator::DL)][0]["custom"]
                ["competences"],
            "carerplus:10.2"
        );
        browser.quit().await;
    }
);
