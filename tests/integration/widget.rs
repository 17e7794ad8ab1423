//! The portfolio widget as learners and teachers use it, in headless
//! Chromium: every view is checked by axe-core for WCAG 2.2 A and AA
//! violations, works at 320 px, and answers the keyboard.

use std::path::PathBuf;
use std::time::Duration;

use carefolio_tests::simulator::roster_member as member;
use carefolio_tests::simulator::{merge, INSTRUCTOR, LTI};
use carefolio_tests::webdriver::Browser;
use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(20);

fn axe_source() -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run scripts/setup.sh (it installs axe-core)",
            path.display()
        )
    })
}

/// Fails on any WCAG A or AA violation in the current view; saves a
/// screenshot of it when `CAREFOLIO_SCREENSHOTS` names a folder.
async fn check_view(browser: &Browser, axe: &str, view: &str) {
    let violations = browser.axe_violations(axe).await.unwrap();
    assert!(
        violations.is_empty(),
        "axe-core found WCAG violations in the {view} view:\n{}",
        violations.join("\n")
    );
    if let Ok(dir) = std::env::var("CAREFOLIO_SCREENSHOTS") {
        let dir = PathBuf::from(dir);
        let _ = std::fs::create_dir_all(&dir);
        browser
            .screenshot(&dir.join(format!("{view}.png")))
            .await
            .unwrap();
    }
}

async fn wait_page(browser: &Browser, page: &str) {
    browser
        .wait_for(
            &format!("return document.querySelector('#carefolio-portfolio[data-page=\"{page}\"]') !== null"),
            WAIT,
        )
        .await
        .unwrap();
}

async fn fits_the_width(browser: &Browser) -> bool {
    browser
        .eval("return document.documentElement.scrollWidth <= window.innerWidth")
        .await
        .unwrap()
        == true
}

async fn launch_in_browser(app: &TestApp, hint: &str, overrides: Value) -> Browser {
    assert!(
        widget_dir().join("portfolio_wasm_bg.wasm").exists(),
        "the widget is not built: run scripts/build-widget.sh"
    );
    app.simulator.prepare_launch(hint, overrides);
    let browser = Browser::start(&[]).await.expect("headless Chromium");
    browser.resize(1000, 900).await.unwrap();
    browser
        .goto(&format!("{}/start?login_hint={hint}", app.simulator.issuer))
        .await
        .unwrap();
    browser
        .wait_for(
            "return document.querySelector('#carefolio-portfolio[data-state=\"loaded\"] .cf-map') !== null \
             || document.querySelector('#carefolio-portfolio[data-page=\"queue\"] :is(.cf-queue, .cf-queue-empty)') !== null",
            WAIT,
        )
        .await
        .unwrap();
    browser
}

both_databases!(
    a_learner_uploads_tags_collects_shares_and_comments_in_the_widget,
    |app| async move {
        let axe = axe_source();
        let browser = launch_in_browser(
            &app,
            "ann",
            json!({ "name": "Ann Olsen", format!("{LTI}launch_presentation"): { "locale": "en-GB" } }),
        )
        .await;
        check_view(&browser, &axe, "map").await;

        // Upload a picture through the file picker, tagged with a competence.
        browser.click("#add-evidence").await.unwrap();
        wait_page(&browser, "add").await;
        check_view(&browser, &axe, "add").await;
        let picture = std::env::temp_dir().join(format!("carefolio-{}.png", uuid::Uuid::new_v4()));
        std::fs::write(&picture, PNG).unwrap();
        browser
            .send_keys("#new-file", picture.to_str().unwrap())
            .await
            .unwrap();
        browser
            .wait_for(
                "const c = document.querySelector('#chosen-file'); return c && c.textContent",
                WAIT,
            )
            .await
            .unwrap();
        browser
            .type_into("#new-title", "My first care plan photo")
            .await
            .unwrap();
        let competence = browser
            .eval("const s = document.querySelector('#tag-pick'); s.value = s.options[1].value; return s.value")
            .await
            .unwrap();
        browser.click(".cf-add-tag").await.unwrap();
        browser
            .wait_for(
                "return document.querySelectorAll('.cf-chosen-tag').length === 1",
                WAIT,
            )
            .await
            .unwrap();
        browser.click("#save-evidence").await.unwrap();
        wait_page(&browser, "evidence").await;
        browser
            .wait_for(
                "return document.querySelectorAll('.cf-card').length === 1",
                WAIT,
            )
            .await
            .unwrap();
        let status = browser
            .eval("return document.querySelector('#cf-status').textContent")
            .await
            .unwrap();
        assert_eq!(
            status,
            "“My first care plan photo” is saved in your portfolio."
        );
        assert_eq!(app.count("evidence_items").await, 1);
        check_view(&browser, &axe, "evidence").await;

        // The competence map counts it.
        browser.click("#tab-map").await.unwrap();
        wait_page(&browser, "map").await;
        browser
            .wait_for(
                &format!("return document.querySelector('#rate-{} ') && document.querySelector('.cf-node[data-evidence=\"1\"]') !== null", competence.as_str().unwrap()),
                WAIT,
            )
            .await
            .unwrap();

        // The item shows the picture from its short-lived address; its owner comments.
        browser.click("#tab-evidence").await.unwrap();
        wait_page(&browser, "evidence").await;
        browser.click(".cf-card-title").await.unwrap();
        wait_page(&browser, "item").await;
        browser
            .wait_for("const i = document.querySelector('.cf-item-content img'); return i && i.complete && i.naturalWidth === 1", WAIT)
            .await
            .unwrap();
        browser
            .wait_for(
                "return document.querySelector('[id^=\"comment-body-\"]') !== null",
                WAIT,
            )
            .await
            .unwrap();
        check_view(&browser, &axe, "item").await;
        browser
            .type_into(
                "[id^=\"comment-body-\"]",
                "Taken at the day centre, with permission.",
            )
            .await
            .unwrap();
        browser
            .click(".cf-comment-form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for(
                "return document.querySelectorAll('.cf-comment').length === 1",
                WAIT,
            )
            .await
            .unwrap();

        // A collection with the item.
        browser.click("#tab-collections").await.unwrap();
        wait_page(&browser, "collections").await;
        browser
            .wait_for("return document.querySelector('.cf-empty') !== null", WAIT)
            .await
            .unwrap();
        check_view(&browser, &axe, "collections").await;
        browser.click("#collection-new").await.unwrap();
        wait_page(&browser, "collection").await;
        browser
            .wait_for(
                "return document.querySelector('[id^=\"col-item-\"]') !== null",
                WAIT,
            )
            .await
            .unwrap();
        browser
            .type_into("#col-title", "Placement, spring")
            .await
            .unwrap();
        browser.click("[id^=\"col-item-\"]").await.unwrap();
        browser
            .wait_for(
                "return document.querySelectorAll('.cf-order-item').length === 1",
                WAIT,
            )
            .await
            .unwrap();
        check_view(&browser, &axe, "collection").await;
        browser.click("#save-collection").await.unwrap();
        wait_page(&browser, "collections").await;
        browser
            .wait_for(
                "return document.querySelectorAll('.cf-collection').length === 1",
                WAIT,
            )
            .await
            .unwrap();

        // A secret link to the collection: it works, then stops at once.
        browser.click("#tab-sharing").await.unwrap();
        wait_page(&browser, "sharing").await;
        browser
            .wait_for("return document.querySelector('#share-what option:nth-child(2)') !== null && document.querySelector('.cf-audit, .cf-empty') !== null", WAIT)
            .await
            .unwrap();
        check_view(&browser, &axe, "sharing").await;
        browser
            .eval("const s = document.querySelector('#share-what'); s.value = s.options[1].value")
            .await
            .unwrap();
        browser.click("#share-kind-link").await.unwrap();
        browser.click("#share-save").await.unwrap();
        let link = browser
            .wait_for(
                "const l = document.querySelector('#new-link'); return l && l.value",
                WAIT,
            )
            .await
            .unwrap();
        let link = link.as_str().unwrap().to_owned();
        assert!(link.contains("/s/"), "{link}");
        let page = app.client.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page
            .text()
            .await
            .unwrap()
            .contains("My first care plan photo"));
        check_view(&browser, &axe, "sharing-link").await;
        browser.click(".cf-share button").await.unwrap();
        browser
            .wait_for(
                "return document.querySelectorAll('.cf-share').length === 0",
                WAIT,
            )
            .await
            .unwrap();
        assert_eq!(app.client.get(&link).send().await.unwrap().status(), 404);

        // At 320 px nothing is cut off, and the views stay clean.
        browser.resize(320, 800).await.unwrap();
        browser.click("#tab-map").await.unwrap();
        wait_page(&browser, "map").await;
        assert!(
            fits_the_width(&browser).await,
            "the map is wider than 320 px"
        );
        check_view(&browser, &axe, "map-320").await;
        browser.click("#tab-evidence").await.unwrap();
        wait_page(&browser, "evidence").await;
        assert!(
            fits_the_width(&browser).await,
            "the evidence list is wider than 320 px"
        );
        check_view(&browser, &axe, "evidence-320").await;

        // By keyboard: Enter on a tab opens it and moves the focus to its title.
        browser
            .eval("document.querySelector('#tab-collections').focus()")
            .await
            .unwrap();
        browser.press("\u{E007}").await.unwrap();
        wait_page(&browser, "collections").await;
        browser
            .wait_for(
                "return document.activeElement && document.activeElement.id === 'cf-page-title'",
                WAIT,
            )
            .await
            .unwrap();
        let _ = std::fs::remove_file(picture);
        browser.quit().await;
    }
);

both_databases!(
    a_norwegian_learner_sees_norwegian_and_a_refused_file_in_plain_words,
    |app| async move {
        let axe = axe_source();
        let browser = launch_in_browser(
            &app,
            "kari",
            json!({ "name": "Kari Nordmann", format!("{LTI}launch_presentation"): { "locale": "nb-NO" } }),
        )
        .await;
        let tabs = browser
            .eval("return [...document.querySelectorAll('.cf-tab')].map(t => t.textContent)")
            .await
            .unwrap();
        assert_eq!(
            tabs,
            json!([
                "Mine kompetanser",
                "Min dokumentasjon",
                "Samlinger",
                "Deling"
            ])
        );
        let lang = browser
            .eval("return document.querySelector('.cf-widget').lang")
            .await
            .unwrap();
        assert_eq!(lang, "nb");
        check_view(&browser, &axe, "map-nb").await;

        // A page that claims to be a PNG is refused, in Norwegian, and nothing is kept.
        browser.click("#add-evidence").await.unwrap();
        wait_page(&browser, "add").await;
        let fake = std::env::temp_dir().join(format!("carefolio-{}.png", uuid::Uuid::new_v4()));
        std::fs::write(&fake, "<html><script>alert(1)</script></html>").unwrap();
        browser
            .send_keys("#new-file", fake.to_str().unwrap())
            .await
            .unwrap();
        browser.click("#save-evidence").await.unwrap();
        let status = browser
            .wait_for(
                "const s = document.querySelector('.cf-status-error'); return s && s.textContent",
                WAIT,
            )
            .await
            .unwrap();
        assert_eq!(
            status,
            "Filen er ikke det navnet sier. Lagre den på nytt i riktig format og prøv igjen."
        );
        assert_eq!(app.count("evidence_items").await, 0);
        assert_eq!(app.count("blobs").await, 0);
        check_view(&browser, &axe, "add-refused-nb").await;

        // A link that is not a web address: told in Norwegian which field.
        browser.click("#kind-link").await.unwrap();
        browser
            .wait_for("return document.querySelector('#new-url') !== null", WAIT)
            .await
            .unwrap();
        browser
            .type_into("#new-url", "ikke en lenke")
            .await
            .unwrap();
        browser.type_into("#new-title", "Kurset").await.unwrap();
        browser.click("#save-evidence").await.unwrap();
        browser
            .wait_for(
                "const s = document.querySelector('.cf-status-error'); return s && s.textContent === 'Skriv hele nettadressen, som begynner med https://'",
                WAIT,
            )
            .await
            .unwrap();
        assert_eq!(app.count("evidence_items").await, 0);
        let _ = std::fs::remove_file(fake);
        browser.quit().await;
    }
);

both_databases!(
    a_teacher_opens_a_learners_map_of_what_they_shared_with_the_course,
    |app| async move {
        let axe = axe_source();
        app.simulator.set_roster(
            "course-care-101",
            vec![
                member("learner-0001", "Ingrid Hansen", "Learner"),
                member("learner-0002", "Mateo Silva", "Learner"),
                member("teacher-0001", "Tove Berg", "Instructor"),
            ],
        );
        // Ingrid adds a reflection and shares her portfolio with the course's teachers.
        let token = launched_as(&app, app.simulator.roster_claim()).await;
        let portfolio = Api { app: &app }.get("/api/v1/portfolio", &token).await.1;
        let competence = portfolio["competences"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let framework = portfolio["frameworks"][0]["key"]
            .as_str()
            .unwrap()
            .to_owned();
        let created = app
            .client
            .post(app.url("/api/v1/evidence"))
            .bearer_auth(&token)
            .json(&json!({ "kind": "reflection", "title": "Supporting a peer's goal", "body": "We made a plan.", "tags": [{ "competence_id": competence }] }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let shared = app
            .client
            .post(app.url("/api/v1/shares"))
            .bearer_auth(&token)
            .json(&json!({ "kind": "course" }))
            .send()
            .await
            .unwrap();
        assert_eq!(shared.status(), 201);

        let mut teacher = app.simulator.roster_claim();
        merge(
            &mut teacher,
            &json!({ "sub": "teacher-0001", "name": "Tove Berg", format!("{LTI}roles"): [INSTRUCTOR] }),
        );
        let browser = launch_in_browser(&app, "tove", teacher).await;
        // A teacher starts at the claims to assess; the learners are one tab away.
        check_view(&browser, &axe, "queue-empty").await;
        browser.click("#tab-learners").await.unwrap();
        browser
            .wait_for("return document.querySelector('.cf-roster') !== null", WAIT)
            .await
            .unwrap();
        check_view(&browser, &axe, "learners").await;
        let names = browser
            .eval(
                "return [...document.querySelectorAll('.cf-roster-name')].map(n => n.textContent)",
            )
            .await
            .unwrap();
        assert_eq!(names, json!(["Ingrid Hansen", "Mateo Silva"]));
        // Only Ingrid has opened Carefolio: only she has a map to open.
        let buttons = browser
            .eval("return document.querySelectorAll('.cf-roster-open').length")
            .await
            .unwrap();
        assert_eq!(buttons, 1);
        browser.click(".cf-roster-open").await.unwrap();
        wait_page(&browser, "learner-map").await;
        browser
            .wait_for(
                &format!("return document.querySelector('.cf-map[data-framework=\"{framework}\"] .cf-node[data-evidence=\"1\"]') !== null"),
                WAIT,
            )
            .await
            .unwrap();
        let editable = browser
            .eval("return document.querySelectorAll('.cf-map select, .cf-add-for').length")
            .await
            .unwrap();
        assert_eq!(
            editable, 0,
            "a teacher's view of a learner's map is read-only"
        );
        check_view(&browser, &axe, "learner-map").await;
        browser.quit().await;
    }
);

both_databases!(
    a_learner_asks_for_assessment_an_assessor_decides_by_keyboard_and_the_badge_shows_on_the_map,
    |app| async move {
        let axe = axe_source();
        // Ingrid has a reflection on the activity's competence.
        let ingrid = json!({ "name": "Ingrid Hansen", "email": "ingrid.hansen@example.org" });
        let token = launched_as(&app, ingrid.clone()).await;
        let portfolio = Api { app: &app }.get("/api/v1/portfolio", &token).await.1;
        let competence = portfolio["competences"][0].clone();
        let framework = portfolio["frameworks"][0]["key"]
            .as_str()
            .unwrap()
            .to_owned();
        let created = app
            .client
            .post(app.url("/api/v1/evidence"))
            .bearer_auth(&token)
            .json(&json!({ "kind": "reflection", "title": "Supporting a peer's goal", "body": "We made a plan together.", "tags": [{ "competence_id": competence["id"], "level": 1 }] }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        // A badge for this one competence, so that acceptance earns it.
        let admin = admin_token(&app).await;
        let defined = app
            .client
            .post(app.url("/api/v1/admin/badge-classes"))
            .bearer_auth(&admin)
            .json(&json!({ "key": "one-competence", "framework": framework, "node": competence["code"], "level": 1, "rule": "competence", "name": { "en": "Peer goal support" } }))
            .send()
            .await
            .unwrap();
        assert_eq!(defined.status(), 200, "{}", defined.text().await.unwrap());

        // In the widget, the competence with evidence offers assessment.
        let learner = launch_in_browser(&app, "ingrid", ingrid.clone()).await;
        let ask = format!(
            ".cf-ask[data-competence=\"{}\"]",
            competence["id"].as_str().unwrap()
        );
        learner
            .wait_for(
                &format!("return document.querySelector('{ask}') !== null"),
                WAIT,
            )
            .await
            .unwrap();
        learner.click(&ask).await.unwrap();
        wait_page(&learner, "claim").await;
        check_view(&learner, &axe, "claim").await;
        // Sending without a statement is refused in plain words.
        learner.click("#claim-send").await.unwrap();
        learner
            .wait_for("const s = document.querySelector('.cf-status-error'); return s && s.textContent.includes('Write a few sentences')", WAIT)
            .await
            .unwrap();
        learner
            .type_into(
                "#claim-statement",
                "I helped a peer set a goal and follow it up.",
            )
            .await
            .unwrap();
        learner.click("#claim-send").await.unwrap();
        wait_page(&learner, "map").await;
        learner
            .wait_for("return document.querySelector('.cf-claim-status[data-status=\"submitted\"]') !== null", WAIT)
            .await
            .unwrap();
        check_view(&learner, &axe, "map-claim-waiting").await;
        learner.quit().await;

        // The teacher's queue: the claim waits; the decision is made by keyboard alone.
        let mut teacher = json!({ "sub": "teacher-0001", "name": "Tove Berg" });
        merge(
            &mut teacher,
            &json!({ format!("{LTI}roles"): [INSTRUCTOR] }),
        );
        let tove = launch_in_browser(&app, "tove", teacher).await;
        tove.wait_for(
            "return document.querySelectorAll('.cf-queue-entry').length === 1",
            WAIT,
        )
        .await
        .unwrap();
        let who = tove
            .eval("return document.querySelector('.cf-queue-who').textContent")
            .await
            .unwrap();
        assert!(who.as_str().unwrap().starts_with("Ingrid Hansen"), "{who}");
        check_view(&tove, &axe, "queue").await;
        assert!(fits_the_width(&tove).await);
        tove.eval("document.querySelector('.cf-review-open').focus(); return true")
            .await
            .unwrap();
        tove.press("\u{E007}").await.unwrap();
        wait_page(&tove, "review").await;
        tove.wait_for(
            "return document.querySelector('.cf-decision') !== null",
            WAIT,
        )
        .await
        .unwrap();
        let evidence = tove
            .eval("return document.querySelector('.cf-review-evidence').textContent")
            .await
            .unwrap();
        assert!(
            evidence
                .as_str()
                .unwrap()
                .contains("We made a plan together."),
            "{evidence}"
        );
        check_view(&tove, &axe, "review").await;
        // Saving with no outcome chosen says so, and puts the focus on the choice.
        tove.eval("document.querySelector('#decision-save').focus(); return true")
            .await
            .unwrap();
        tove.press("\u{E007}").await.unwrap();
        tove.wait_for(
            "return document.activeElement && document.activeElement.id === 'outcome-accepted'",
            WAIT,
        )
        .await
        .unwrap();
        // Space chooses the focused outcome; Tab moves on to the feedback.
        tove.press(" ").await.unwrap();
        tove.press("\u{E004}").await.unwrap();
        let focused = tove.eval("return document.activeElement.id").await.unwrap();
        assert_eq!(focused, "decision-feedback");
        tove.press("Clear plan, well followed up.").await.unwrap();
        tove.press("\u{E004}").await.unwrap();
        let focused = tove.eval("return document.activeElement.id").await.unwrap();
        assert_eq!(focused, "decision-save");
        tove.press("\u{E007}").await.unwrap();
        wait_page(&tove, "queue").await;
        tove.wait_for(
            "return document.querySelector('.cf-queue-empty') !== null",
            WAIT,
        )
        .await
        .unwrap();
        let said = tove
            .eval("return document.querySelector('#cf-status').textContent")
            .await
            .unwrap();
        assert_eq!(said, "Decision saved. The learner will see it.");
        tove.quit().await;

        // Ingrid's map: accepted, the feedback, and the badge it earned.
        let learner = launch_in_browser(&app, "ingrid-again", ingrid).await;
        learner
            .wait_for("return document.querySelector('.cf-claim-status[data-status=\"accepted\"]') !== null && document.querySelector('.cf-badge') !== null", WAIT)
            .await
            .unwrap();
        let feedback = learner
            .eval("return document.querySelector('.cf-claim-feedback').textContent")
            .await
            .unwrap();
        assert_eq!(feedback, "Clear plan, well followed up.");
        let badge = learner
            .eval("return document.querySelector('.cf-badge-name').textContent")
            .await
            .unwrap();
        assert_eq!(badge, "Peer goal support");
        let image_loaded = learner
            .wait_for("const i = document.querySelector('.cf-badge-image'); return i && i.complete && i.naturalWidth > 0", WAIT)
            .await;
        assert!(image_loaded.is_ok(), "the badge image loads");
        check_view(&learner, &axe, "map-badge").await;
        learner.resize(320, 800).await.unwrap();
        assert!(
            fits_the_width(&learner).await,
            "the map with a badge fits a phone"
        );
        check_view(&learner, &axe, "map-badge-phone").await;
        learner.resize(1000, 900).await.unwrap();
        // "Download credential" hands the browser the signed credential.
        learner
            .eval("window.__downloads = []; const make = URL.createObjectURL; URL.createObjectURL = b => { window.__downloads.push(b); return make(b); }; return true")
            .await
            .unwrap();
        learner
            .click(".cf-badge-actions button:first-child")
            .await
            .unwrap();
        let jwt = learner
            .wait_for("const b = window.__downloads[0]; if (!b) return null; if (window.__text === undefined) { window.__text = null; b.text().then(t => window.__text = t); } return window.__text", WAIT)
            .await
            .unwrap();
        let jwt = jwt.as_str().unwrap();
        assert_eq!(jwt.split('.').count(), 3, "a compact JWS: {jwt}");
        assert!(jwt.starts_with("eyJ"), "{jwt}");
        // Private until she shows it.
        learner
            .click(".cf-badge-actions [aria-pressed]")
            .await
            .unwrap();
        learner
            .wait_for("return document.querySelector('.cf-badge-actions [aria-pressed=\"true\"]') !== null && document.querySelector('.cf-badge-public a') !== null", WAIT)
            .await
            .unwrap();
        let page = learner
            .eval("return document.querySelector('.cf-badge-public a').href")
            .await
            .unwrap();
        let public = app.client.get(page.as_str().unwrap()).send().await.unwrap();
        assert_eq!(public.status(), 200);
        learner.quit().await;
    }
);

both_databases!(
    a_learner_keeps_what_an_activity_reported_and_sets_the_rest_aside,
    |app| async move {
        let axe = axe_source();
        // An activity reports before the learner's first launch: the
        // statements wait for her and are hers once she arrives.
        let platform = platform_id(&app, &app.simulator.issuer).await;
        let provider = app
            .xapi_client(
                "medicines course",
                carefolio::xapi::clients::Reach::Platform(platform),
                "statements/write",
            )
            .await;
        let hygiene = competence_id(&app, "carerplus:10.2").await;
        let peer = competence_id(&app, "pat:5.1").await;
        let actor =
            json!({ "account": { "homePage": app.simulator.issuer, "name": "learner-0001" } });
        let completed = uuid::Uuid::new_v4().to_string();
        let answered = uuid::Uuid::new_v4().to_string();
        let statements = json!([
            {
                "id": completed, "actor": actor,
                "verb": { "id": "http://adlnet.gov/expapi/verbs/completed", "display": { "en-US": "completed" } },
                "object": { "id": format!("urn:uuid:{hygiene}"), "definition": { "name": { "en-US": "Safe use of medicines at home" } } },
                "timestamp": "2026-11-30T10:15:00Z"
            },
            {
                "id": answered, "actor": actor,
                "verb": { "id": "http://adlnet.gov/expapi/verbs/answered", "display": { "en-US": "answered" } },
                "object": { "id": "http://example.org/quiz/recovery", "definition": { "name": { "en-US": "Quiz on recovery stories" } } },
                "context": { "contextActivities": { "other": [{ "id": app.url(&format!("/ims/case/v1p0/CFItems/{peer}")) }] } },
                "timestamp": "2026-11-30T11:40:00Z"
            }
        ]);
        let sent = app
            .xapi(reqwest::Method::POST, "/xapi/statements", &provider)
            .json(&statements)
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 200);

        let browser = launch_in_browser(
            &app,
            "ann",
            json!({ "name": "Ann Olsen", format!("{LTI}launch_presentation"): { "locale": "en-GB" } }),
        )
        .await;
        // Both reports and the launch itself are offered, each saying what it shows.
        browser
            .wait_for(
                "return document.querySelectorAll('.cf-candidate').length === 3",
                WAIT,
            )
            .await
            .unwrap();
        let shows = browser
            .eval("return [...document.querySelectorAll('.cf-candidate-shows')].map(e => e.textContent)")
            .await
            .unwrap();
        assert!(
            shows
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s.as_str().unwrap().starts_with("Shows: 10.2 ")),
            "{shows}"
        );
        check_view(&browser, &axe, "candidates").await;
        browser.resize(320, 800).await.unwrap();
        assert!(
            fits_the_width(&browser).await,
            "the offered activities fit a phone"
        );
        browser.resize(1000, 900).await.unwrap();

        // The quiz is set aside.
        browser
            .click("button[aria-label='Not needed: “answered Quiz on recovery stories”']")
            .await
            .unwrap();
        browser
            .wait_for(
                "return document.querySelectorAll('.cf-candidate').length === 2",
                WAIT,
            )
            .await
            .unwrap();
        assert_eq!(app.count("candidate_dismissals").await, 1);

        // The medicines module is kept: it opens with its competence chosen,
        // ready for a note.
        browser
            .click(
                "button[aria-label='Keep “completed Safe use of medicines at home” as evidence']",
            )
            .await
            .unwrap();
        wait_page(&browser, "item").await;
        let chosen = browser
            .eval("return document.querySelectorAll('.cf-chosen-tag').length")
            .await
            .unwrap();
        assert_eq!(chosen, 1);
        browser
            .type_into(
                "#edit-body",
                "I now check the dosette box with the person before each visit ends.",
            )
            .await
            .unwrap();
        browser.click("#save-item").await.unwrap();
        browser
            .wait_for(
                "return document.querySelector('#cf-status').textContent === 'Your changes are saved.'",
                WAIT,
            )
            .await
            .unwrap();
        check_view(&browser, &axe, "kept-activity").await;
        use sea_orm::EntityTrait;
        let versions = carefolio::entities::evidence_version::Entity::find()
            .all(&app.db)
            .await
            .unwrap();
        let noted = versions
            .iter()
            .filter(|v| v.statement_id.map(|id| id.to_string()) == Some(completed.clone()))
            .max_by_key(|v| v.version)
            .expect("the kept record");
        assert_eq!(
            noted.body.as_deref(),
            Some("I now check the dosette box with the person before each visit ends.")
        );

        // The course withdraws the record: the item stays, marked.
        let voiding = json!({
            "actor": actor,
            "verb": { "id": "http://adlnet.gov/expapi/verbs/voided", "display": { "en-US": "voided" } },
            "object": { "objectType": "StatementRef", "id": completed },
        });
        let sent = app
            .xapi(reqwest::Method::POST, "/xapi/statements", &provider)
            .json(&voiding)
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 200);
        let browser = launch_in_browser(&app, "ann", json!({ "name": "Ann Olsen" })).await;
        browser.click("#tab-evidence").await.unwrap();
        wait_page(&browser, "evidence").await;
        browser.click(".cf-card-title").await.unwrap();
        wait_page(&browser, "item").await;
        browser
            .wait_for(
                "return document.querySelector('.cf-withdrawn') !== null",
                WAIT,
            )
            .await
            .unwrap();
        check_view(&browser, &axe, "withdrawn-activity").await;
    }
);

both_databases!(
    the_widget_opens_the_links_activity_and_records_self_ratings_as_statements,
    |app| async move {
        let axe = axe_source();
        let browser = launch_in_browser(
            &app,
            "ann",
            json!({
                "name": "Ann Olsen",
                format!("{LTI}custom"): { "competences": "carerplus:10.2", "activity_url": app.url("/health") },
            }),
        )
        .await;
        // Starting the activity is the next step; adding evidence comes second.
        let classes = browser
            .eval("return [document.querySelector('#open-activity').className, document.querySelector('#add-evidence').className]")
            .await
            .unwrap();
        assert!(
            classes[0].as_str().unwrap().contains("button-primary"),
            "{classes}"
        );
        assert!(
            classes[1].as_str().unwrap().contains("button-secondary"),
            "{classes}"
        );
        check_view(&browser, &axe, "activity").await;
        browser.click("#open-activity").await.unwrap();
        browser
            .wait_for(
                "const s = document.querySelector('#cf-status'); return (s && s.textContent.startsWith('The learning activity opened')) || document.querySelector('.cf-activity-link a') !== null",
                WAIT,
            )
            .await
            .unwrap();

        // A self-rating is saved and recorded as a statement about Ann,
        // sent with the widget's launch token.
        let competence = competence_id(&app, "carerplus:10.2").await;
        browser
            .eval(&format!(
                "const s = document.querySelector('#rate-{competence}'); s.value = '2'; s.dispatchEvent(new Event('change', {{ bubbles: true }})); return true"
            ))
            .await
            .unwrap();
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let mut recorded = None;
        for _ in 0..100 {
            recorded = carefolio::entities::xapi_statement::Entity::find()
                .filter(
                    carefolio::entities::xapi_statement::Column::VerbId
                        .eq("http://id.tincanapi.com/verb/rated"),
                )
                .one(&app.db)
                .await
                .unwrap();
            if recorded.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let recorded = recorded.expect("the rating recorded as a statement");
        let statement: Value = serde_json::from_str(&recorded.statement).unwrap();
        assert_eq!(statement["actor"]["account"]["name"], "learner-0001");
        assert_eq!(statement["object"]["id"], format!("urn:uuid:{competence}"));
        assert_eq!(statement["result"]["score"]["raw"], 2);
        assert!(
            recorded.person_id.is_some(),
            "the statement is the learner's"
        );
        assert_eq!(
            recorded.client_id, None,
            "sent with the launch token, not a client's credentials"
        );
    }
);
