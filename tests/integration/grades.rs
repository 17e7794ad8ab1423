//! Assignment and Grade Services against the simulator's gradebook: the
//! token with a signed assertion, Moodle's line item URLs, scores posted
//! once per change through the durable outbox, outages, 409s, and
//! `carefolio grades push`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use carefolio::grades::ags;
use carefolio::grades::delivery::GradeDelivery;
use carefolio::outbox::Due;
use carefolio::platforms::services::ServiceClient;
use carefolio::platforms::{self, tool_keys};
use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::*;

/// Waits until `check` holds, for at most 15 s.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until every queued grade is marked delivered.
async fn eventually_delivered(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while outbox_state(app)
        .await
        .iter()
        .any(|(_, _, delivered)| !delivered)
    {
        assert!(Instant::now() < deadline, "timed out waiting for delivery");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The course's instructor chooses the activity rule: the grade is the
/// share of the link's competences with recorded activity.
async fn choose_activity_rule(app: &TestApp) {
    let tove = launched_as(app, teacher()).await;
    let (status, settings) = patch_json(
        app,
        "/api/v1/assessment/course",
        &tove,
        json!({ "grading_rule": "activity" }),
    )
    .await;
    assert_eq!(status, 200, "{settings}");
    assert_eq!(settings["grading_rule"], "activity");
}

async fn patch_json(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    Api { app }
        .call(reqwest::Method::PATCH, path, Some(token), Some(body))
        .await
}

async fn graded_launch(app: &TestApp, hint: &str, subject: &str, ags: Value) -> u16 {
    let mut overrides = json!({ "sub": subject });
    carefolio_tests::simulator::merge(&mut overrides, &ags);
    app.launch(hint, overrides).await.status().as_u16()
}

/// Every queued grade as (dedupe key, version, delivered): a launch queues
/// in its own transaction, so after its answer this says all it queued.
async fn outbox_state(app: &TestApp) -> Vec<(String, i64, bool)> {
    use sea_orm::{EntityTrait, QueryOrder};
    carefolio::entities::outbox_message::Entity::find()
        .order_by_asc(carefolio::entities::outbox_message::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            (
                row.dedupe_key,
                i64::from(row.version),
                row.delivered_at.is_some(),
            )
        })
        .collect()
}

async fn outbox_row(app: &TestApp) -> (i32, Option<String>, bool, bool) {
    use sea_orm::EntityTrait;
    let row = carefolio::entities::outbox_message::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .expect("a queued grade");
    (
        row.attempts,
        row.last_error,
        row.failed_at.is_some(),
        row.delivered_at.is_some(),
    )
}

/// Waits for the first delivery attempt of the one queued grade; returns
/// its error, whether it failed for good, and whether it was delivered.
async fn first_attempt(app: &TestApp) -> (String, bool, bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (attempts, error, failed, delivered) = outbox_row(app).await;
        if attempts >= 1 {
            return (error.unwrap_or_default(), failed, delivered);
        }
        assert!(Instant::now() < deadline, "no delivery attempt");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

both_databases!(
    a_graded_launch_posts_progress_once_to_moodles_line_item,
    |app| async move {
        choose_activity_rule(&app).await;
        let lineitem =
            app.simulator
                .create_line_item("Peer support in practice", "link-peer-support", 10.0);
        assert!(
            lineitem.ends_with("?type_id=1"),
            "a Moodle-style line item URL"
        );
        let ags = app.simulator.ags_claim(Some(&lineitem));
        assert_eq!(
            graded_launch(&app, "l1", "learner-0001", ags.clone()).await,
            200
        );
        eventually("the score", || app.simulator.scores().len() == 1).await;
        let (item, score) = app.simulator.scores().remove(0);
        assert_eq!(item, lineitem);
        assert_eq!(score["userId"], "learner-0001");
        assert_eq!(score["scoreGiven"], 100.0, "both competences have activity");
        assert_eq!(score["scoreMaximum"], 100);
        assert_eq!(score["activityProgress"], "Completed");
        assert_eq!(score["gradingProgress"], "FullyGraded");
        assert!(score["timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(app.simulator.token_requests(), 1);

        // Launching again changes nothing, so nothing more is queued (a new
        // version or a new message would be), and nothing more is sent.
        eventually_delivered(&app).await;
        let before = outbox_state(&app).await;
        assert_eq!(
            graded_launch(&app, "l2", "learner-0001", ags.clone()).await,
            200
        );
        assert_eq!(outbox_state(&app).await, before, "nothing queued again");
        assert_eq!(app.simulator.scores().len(), 1, "no duplicate score");

        // An instructor's launch is not graded.
        let instructor = json!({ lti("roles"): [carefolio_tests::simulator::INSTRUCTOR] });
        let mut overrides = ags.clone();
        carefolio_tests::simulator::merge(&mut overrides, &instructor);
        assert_eq!(
            graded_launch(&app, "t1", "teacher-0001", overrides).await,
            200
        );
        assert_eq!(
            outbox_state(&app).await,
            before,
            "nothing queued for a teacher"
        );
        assert_eq!(app.simulator.scores().len(), 1);

        // The result reads back through AGS.
        let platform = platforms::by_issuer(&app.db, &app.simulator.issuer)
            .await
            .unwrap()
            .remove(0);
        let key = tool_keys::ensure_current(&app.db, tool_keys::KeyUse::Lti)
            .await
            .unwrap();
        let services = ServiceClient::new(reqwest::Client::new());
        let token = services
            .token(&platform, &key, &[carefolio_tests::simulator::RESULT_SCOPE])
            .await
            .unwrap();
        let lineitem = platform.service_url(&lineitem).unwrap();
        let results = ags::results(&services, &token, &lineitem, None)
            .await
            .unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0]["userId"], "learner-0001");
        assert_eq!(results[0]["resultScore"], 100.0);
    }
);

both_databases!(
    without_a_line_item_the_tool_creates_one_and_reuses_it,
    |app| async move {
        let ags = app.simulator.ags_claim(None);
        assert_eq!(
            graded_launch(&app, "a", "learner-a", ags.clone()).await,
            200
        );
        eventually("the first score", || app.simulator.scores().len() == 1).await;
        assert_eq!(graded_launch(&app, "b", "learner-b", ags).await, 200);
        eventually("the second score", || app.simulator.scores().len() == 2).await;
        let items = app.simulator.line_items();
        assert_eq!(items.len(), 1, "one line item for the link");
        assert_eq!(items[0]["resourceLinkId"], "link-peer-support");
        assert_eq!(items[0]["tag"], "carefolio-competence-progress");
        let users: Vec<Value> = app
            .simulator
            .scores()
            .iter()
            .map(|(_, s)| s["userId"].clone())
            .collect();
        assert_eq!(users, vec![json!("learner-a"), json!("learner-b")]);
    }
);

both_databases!(
    a_link_without_the_score_scope_is_not_graded,
    |app| async move {
        let lineitem = app
            .simulator
            .create_line_item("x", "link-peer-support", 10.0);
        let ags = json!({ carefolio_tests::simulator::AGS_CLAIM: {
            "scope": [carefolio_tests::simulator::RESULT_SCOPE],
            "lineitem": lineitem,
        }});
        assert_eq!(graded_launch(&app, "a", "learner-a", ags).await, 200);
        // The launch would have queued its grade in its own transaction.
        assert_eq!(app.count("outbox").await, 0);
        assert!(app.simulator.scores().is_empty());
    }
);

both_databases!(
    a_same_second_conflict_is_retried_with_a_later_timestamp,
    |app| async move {
        choose_activity_rule(&app).await;
        let lineitem = app
            .simulator
            .create_line_item("x", "link-peer-support", 10.0);
        // The gradebook already holds a score stamped a second ahead.
        let ahead = chrono::Utc::now() + chrono::Duration::seconds(1);
        app.simulator.seed_score(
            &lineitem,
            json!({ "userId": "learner-0001", "scoreGiven": 0, "scoreMaximum": 100,
                    "timestamp": ahead.to_rfc3339_opts(chrono::SecondsFormat::Millis, true) }),
        );
        let ags = app.simulator.ags_claim(Some(&lineitem));
        assert_eq!(graded_launch(&app, "l", "learner-0001", ags).await, 200);
        eventually("the retried score", || app.simulator.scores().len() == 2).await;
        assert!(
            app.simulator.conflicts() >= 1,
            "the platform answered 409 first"
        );
        let (_, score) = app.simulator.scores().pop().unwrap();
        assert_eq!(score["scoreGiven"], 100.0);
    }
);

both_databases!(
    grades_wait_out_an_outage_and_grades_push_sends_them,
    |app| async move {
        let lineitem = app
            .simulator
            .create_line_item("x", "link-peer-support", 10.0);
        app.simulator.set_down(true);
        let ags = app.simulator.ags_claim(Some(&lineitem));
        assert_eq!(graded_launch(&app, "l", "learner-0001", ags).await, 200);
        let (error, failed, delivered) = first_attempt(&app).await;
        assert!(error.contains("503"), "the outage is recorded");
        assert!(!failed, "an outage is retried, not given up");
        assert!(!delivered);
        assert!(app.simulator.scores().is_empty());

        let status = app.run_carefolio(&["grades", "status"]).await;
        let text = String::from_utf8_lossy(&status.stdout).to_string();
        assert!(text.contains("1 pending, 0 failed, 0 delivered"), "{text}");
        assert!(text.contains("503"), "the last error is shown: {text}");

        // Still down: push reports the failure and exits non-zero.
        let push = app.run_carefolio(&["grades", "push"]).await;
        assert!(!push.status.success());
        assert!(String::from_utf8_lossy(&push.stdout).contains("0 sent, 1 failed"));

        app.simulator.set_down(false);
        let push = app.run_carefolio(&["grades", "push"]).await;
        let text = String::from_utf8_lossy(&push.stdout).to_string();
        assert!(
            push.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&push.stderr)
        );
        assert!(text.contains("1 sent, 0 failed"), "{text}");
        assert_eq!(app.simulator.scores().len(), 1);
        let (_, _, _, delivered) = outbox_row(&app).await;
        assert!(delivered);
    }
);

both_databases!(
    concurrent_senders_deliver_each_grade_exactly_once,
    |app| async move {
        let lineitem = app
            .simulator
            .create_line_item("x", "link-peer-support", 10.0);
        app.simulator.set_down(true);
        let ags = app.simulator.ags_claim(Some(&lineitem));
        let learners = 12;
        for n in 0..learners {
            let subject = format!("learner-{n}");
            assert_eq!(
                graded_launch(&app, &subject, &subject, ags.clone()).await,
                200
            );
        }
        assert_eq!(app.count("outbox").await, learners);
        app.simulator.set_down(false);
        // Two more senders besides the server's own loop, all at once.
        let http = reqwest::Client::new();
        let first = GradeDelivery::new(
            app.db.clone(),
            Arc::new(ServiceClient::new(http.clone())),
            Default::default(),
        );
        let second = GradeDelivery::new(
            app.db.clone(),
            Arc::new(ServiceClient::new(http)),
            Default::default(),
        );
        let (a, b) = tokio::join!(
            first.deliver(Due::Everything),
            second.deliver(Due::Everything)
        );
        a.unwrap();
        b.unwrap();
        // Every grade is marked delivered after its score was accepted.
        eventually_delivered(&app).await;
        assert_eq!(outbox_state(&app).await.len() as i64, learners);
        let mut users: Vec<String> = app
            .simulator
            .scores()
            .iter()
            .map(|(_, s)| s["userId"].as_str().unwrap().to_owned())
            .collect();
        users.sort();
        users.dedup();
        assert_eq!(users.len() as i64, learners);
        assert_eq!(
            app.simulator.scores().len() as i64,
            learners,
            "no grade sent twice"
        );
    }
);

both_databases!(
    a_score_the_platform_refuses_waits_for_an_operator,
    |app| async move {
        // A line item URL the platform does not know: 404, permanent.
        let ags = app.simulator.ags_claim(Some(&format!(
            "{}/ags/lineitem/99?type_id=1",
            app.simulator.issuer
        )));
        assert_eq!(graded_launch(&app, "l", "learner-0001", ags).await, 200);
        let (error, failed, _) = first_attempt(&app).await;
        assert!(failed, "a 404 is not retried by itself");
        assert!(error.contains("404"));
        let status = app.run_carefolio(&["grades", "status"]).await;
        assert!(
            String::from_utf8_lossy(&status.stdout).contains("0 pending, 1 failed, 0 delivered")
        );
    }
);

both_databases!(
    a_refusal_cut_inside_a_character_neither_stops_delivery_nor_shows_raw_text,
    |app| async move {
        // A Norwegian error page whose 300th byte falls inside "ø", with markup
        // and control characters.
        let page = format!(
            "<html>\u{7}{}ø Tjenesten er midlertidig utilgjengelig, prøv igjen senere. {}</html>",
            "a".repeat(292),
            "ø".repeat(2000)
        );
        let lineitem = app
            .simulator
            .create_line_item("x", "link-peer-support", 10.0);
        app.simulator.set_down_saying(&page);
        let ags = app.simulator.ags_claim(Some(&lineitem));
        assert_eq!(graded_launch(&app, "l", "learner-0001", ags).await, 200);
        let (error, failed, _) = first_attempt(&app).await;
        assert!(!failed);
        assert!(error.contains("503"), "{error}");
        assert!(error.chars().count() < 400, "a short excerpt: {error}");
        assert!(!error.contains('\u{7}'), "no control characters: {error}");
        // The server's own delivery loop is still alive: once the platform
        // is back, it sends the grade without help.
        app.simulator.set_down(false);
        eventually("the score", || app.simulator.scores().len() == 1).await;
    }
);

both_databases!(
    a_slow_platform_holds_up_only_its_own_grades,
    |app| async move {
        // Two platforms; the first answers each score after 8 seconds.
        let fast = another_platform(&app, "fast-client", 1);
        register_platform(&app, &fast, &fast.issuer).await;
        app.simulator.set_slow(Duration::from_secs(8));

        // The slow platform's grade is queued first.
        let slow_item = app
            .simulator
            .create_line_item("x", "link-peer-support", 10.0);
        let ags = app.simulator.ags_claim(Some(&slow_item));
        assert_eq!(graded_launch(&app, "s", "learner-slow", ags).await, 200);
        let fast_item = fast.create_line_item("y", "link-peer-support", 10.0);
        fast.prepare_launch("f", fast.ags_claim(Some(&fast_item)));
        launch_from(&app, &fast, "f").await;

        // The fast platform's grade arrives while the slow one's is pending.
        let deadline = Instant::now() + Duration::from_secs(6);
        while fast.scores().is_empty() {
            assert!(
                Instant::now() < deadline,
                "the fast platform waited for the slow one"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            app.simulator.scores().is_empty(),
            "the slow one is still answering"
        );
        eventually("the slow platform's score", || {
            app.simulator.scores().len() == 1
        })
        .await;
    }
);

both_databases!(
    concurrent_senders_create_one_line_item_for_a_link,
    |app| async move {
        // No line item yet; the platform lets the tool create one, slowly,
        // so that senders overlap while it is being created.
        app.simulator.set_down(true);
        let ags = app.simulator.ags_claim(None);
        let learners = 6;
        for n in 0..learners {
            let subject = format!("learner-{n}");
            assert_eq!(
                graded_launch(&app, &subject, &subject, ags.clone()).await,
                200
            );
        }
        app.simulator
            .set_slow_line_items(Duration::from_millis(700));
        app.simulator.set_down(false);
        let http = reqwest::Client::new();
        let senders: Vec<GradeDelivery> = (0..3)
            .map(|_| {
                GradeDelivery::new(
                    app.db.clone(),
                    Arc::new(ServiceClient::new(http.clone())),
                    Default::default(),
                )
            })
            .collect();
        let reports =
            futures::future::join_all(senders.iter().map(|s| s.deliver(Due::Everything))).await;
        for report in reports {
            report.unwrap();
        }
        // Those that found another sender creating it retry later.
        let deadline = Instant::now() + Duration::from_secs(30);
        while outbox_state(&app).await.iter().any(|(_, _, d)| !d) {
            assert!(Instant::now() < deadline, "timed out waiting for delivery");
            for sender in &senders {
                sender.deliver(Due::Everything).await.unwrap();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(app.simulator.line_items().len(), 1, "one gradebook column");
        assert_eq!(app.simulator.scores().len() as i64, learners);
    }
);

both_databases!(
    a_stored_line_item_on_another_host_gets_no_score,
    |app| async move {
        // A line item address stored before service URLs were checked.
        let elsewhere = another_platform(&app, "elsewhere-client", 1);
        let foreign = elsewhere.create_line_item("x", "link-peer-support", 10.0);
        let own = app
            .simulator
            .create_line_item("x", "link-peer-support", 10.0);
        app.simulator.set_down(true);
        let ags = app.simulator.ags_claim(Some(&own));
        assert_eq!(graded_launch(&app, "l", "learner-0001", ags).await, 200);
        // The first attempt meets the outage; the address changes before the retry.
        first_attempt(&app).await;
        {
            use carefolio::entities::grade_link;
            use sea_orm::sea_query::Expr;
            use sea_orm::EntityTrait;
            grade_link::Entity::update_many()
                .col_expr(
                    grade_link::Column::LineitemUrl,
                    Expr::value(foreign.clone()),
                )
                .exec(&app.db)
                .await
                .unwrap();
        }
        app.simulator.set_down(false);
        let deadline = Instant::now() + Duration::from_secs(15);
        let (error, failed, delivered) = loop {
            let (attempts, error, failed, delivered) = outbox_row(&app).await;
            if attempts >= 2 {
                break (error.unwrap_or_default(), failed, delivered);
            }
            assert!(Instant::now() < deadline, "no second attempt");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(error.contains("not on the platform's hosts"), "{error}");
        assert!(failed, "waits for an operator instead of retrying");
        assert!(!delivered);
        assert!(elsewhere.scores().is_empty(), "no score went elsewhere");
        assert!(app.simulator.scores().is_empty());
    }
);

both_databases!(
    the_gradebook_shows_pending_while_claims_wait_and_the_share_accepted_once_decided,
    |app| async move {
        let api = Api { app: &app };
        let lineitem =
            app.simulator
                .create_line_item("Peer support in practice", "link-peer-support", 10.0);
        let mut overrides = json!({ "sub": "learner-0001" });
        carefolio_tests::simulator::merge(
            &mut overrides,
            &app.simulator.ags_claim(Some(&lineitem)),
        );
        let html = app.launch("l1", overrides).await.text().await.unwrap();
        let ingrid = launch_token(&html).expect("token");
        let tove = launched_as(&app, teacher()).await;
        let last = |n: usize| {
            let scores = app.simulator.scores();
            assert_eq!(scores.len(), n, "{scores:?}");
            scores[n - 1].1.clone()
        };
        // Launching achieves nothing yet under the claims rule.
        eventually("the first score", || app.simulator.scores().len() == 1).await;
        let first = last(1);
        assert_eq!(first["scoreGiven"], 0.0);
        assert_eq!(first["activityProgress"], "Initialized");
        assert_eq!(first["gradingProgress"], "FullyGraded");

        let mut sent = 1;
        for (reference, level, score_after, activity_after) in [
            ("carerplus:10.2", Some(1), 50.0, "InProgress"),
            ("pat:5.1", None, 100.0, "Completed"),
        ] {
            let (_, item) = api
                .post(
                    "/api/v1/evidence",
                    &ingrid,
                    json!({ "kind": "reflection", "title": reference, "body": "b" }),
                )
                .await;
            let competence = competence_id(&app, reference).await;
            let (status, claim) = api
                .post("/api/v1/claims", &ingrid, json!({ "competence_id": competence, "level": level, "statement": "s", "evidence": [item["id"]] }))
                .await;
            assert_eq!(status, 201, "{claim}");
            let id = claim["id"].as_str().unwrap().to_owned();
            let (status, _) = api
                .post(&format!("/api/v1/claims/{id}/submit"), &ingrid, json!({}))
                .await;
            assert_eq!(status, 200);
            sent += 1;
            eventually("the pending score", || app.simulator.scores().len() == sent).await;
            let pending = last(sent);
            assert_eq!(pending["gradingProgress"], "PendingManual", "{pending}");
            assert_eq!(pending["activityProgress"], "InProgress");

            let (status, _) = api
                .post(
                    &format!("/api/v1/assessment/claims/{id}/decisions"),
                    &tove,
                    json!({ "outcome": "accepted" }),
                )
                .await;
            assert_eq!(status, 201);
            sent += 1;
            eventually("the decided score", || app.simulator.scores().len() == sent).await;
            let decided = last(sent);
            assert_eq!(decided["scoreGiven"], score_after, "{decided}");
            assert_eq!(decided["gradingProgress"], "FullyGraded");
            assert_eq!(decided["activityProgress"], activity_after);
        }
    }
);
