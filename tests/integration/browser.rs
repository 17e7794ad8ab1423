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
        // Her locale is Norwegian: the widget speaks Bokmål.
        assert_eq!(learner, "Porteføljen til Kari Nordmann");
        let tab = browser
            .eval("return document.querySelector('#tab-map').textContent")
            .await
            .unwrap();
        assert_eq!(tab, "Mine kompetanser");
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

both_databases!(
    a_teachers_widget_lists_the_learners_and_says_when_the_list_is_old,
    with no_refresh_interval,
    |app| async move {
        use carefolio_tests::simulator::{merge, roster_member as member, INSTRUCTOR, LTI};
        app.simulator.set_roster(
            "course-care-101",
            vec![
                member("learner-0001", "Ingrid Hansen", "Learner"),
                member("teacher-0001", "Tove Berg", "Instructor"),
                member("learner-0002", "Mateo Silva", "Learner"),
            ],
        );
        // Ingrid has opened the activity; Mateo has not.
        assert_eq!(
            app.launch("ingrid", app.simulator.roster_claim())
                .await
                .status(),
            200
        );
        let mut teacher = app.simulator.roster_claim();
        merge(
            &mut teacher,
            &json!({ "sub": "teacher-0001", "name": "Tove Berg", format!("{LTI}roles"): [INSTRUCTOR] }),
        );
        app.simulator.prepare_launch("teacher", teacher);
        let browser = Browser::start(&[]).await.expect("headless Chromium");
        browser
            .goto(&format!(
                "{}/start?login_hint=teacher",
                app.simulator.issuer
            ))
            .await
            .unwrap();
        // A teacher starts at the claims to assess; the learners are one tab away.
        browser
            .wait_for(
                "return document.querySelector('#carefolio-portfolio[data-page=\"queue\"] :is(.cf-queue, .cf-queue-empty)') !== null",
                Duration::from_secs(20),
            )
            .await
            .unwrap();
        browser.click("#tab-learners").await.unwrap();
        browser
            .wait_for(
                "return document.querySelectorAll('.cf-roster-learner').length === 2",
                Duration::from_secs(20),
            )
            .await
            .unwrap();
        let rows = "return [...document.querySelectorAll('.cf-roster-learner')].map(e => [e.querySelector('.cf-roster-name').textContent, e.querySelector('.cf-roster-progress').textContent])";
        let expected = json!([
            ["Ingrid Hansen", "2 of 2 competences"],
            ["Mateo Silva", "Has not opened Carefolio yet"]
        ]);
        assert_eq!(browser.eval(rows).await.unwrap(), expected);
        let heading = browser
            .eval("return document.querySelector('.cf-learner').textContent")
            .await
            .unwrap();
        assert_eq!(heading, "Your learners' progress");
        assert_eq!(
            browser
                .eval("return document.querySelector('.cf-roster-warning') === null && document.querySelector('.cf-recorded') === null")
                .await
                .unwrap(),
            true,
            "no warning yet, and no history of the teacher's own"
        );

        // The LMS cannot be reached: the list stays, with a warning.
        app.simulator.set_down(true);
        browser.click(".cf-roster-refresh").await.unwrap();
        browser
            .wait_for(
                "return document.querySelector('.cf-roster-warning') !== null",
                Duration::from_secs(20),
            )
            .await
            .unwrap();
        assert_eq!(browser.eval(rows).await.unwrap(), expected);
        let warning = browser
            .eval("return document.querySelector('.cf-roster-warning').textContent")
            .await
            .unwrap();
        assert!(
            warning.as_str().unwrap().contains("as it was last fetched"),
            "{warning}"
        );
        browser.quit().await;
    }
);
