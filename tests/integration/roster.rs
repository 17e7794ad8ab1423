//! Names and Role Provisioning: an instructor lists the course's learners
//! from the platform's roster (fetched page by page with a service token,
//! Moodle's short role names normalised, kept in the database and
//! refreshed on demand), with each learner's progress on the activity.

use carefolio_tests::simulator::roster_member as member;
use carefolio_tests::simulator::{merge, INSTRUCTOR};
use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::*;

fn course_members() -> Vec<Value> {
    let mut members = vec![
        member("learner-0001", "Ingrid Hansen", "Learner"),
        member("learner-0002", "Mateo Silva", "Learner"),
        member("learner-0003", "Amina Yusuf", "Learner"),
        member("learner-0004", "Jonas Weber", "Learner"),
        member("teacher-0001", "Tove Berg", "Instructor"),
        member("learner-0005", "Lena Novak", "Learner"),
        member("learner-0006", "Pavel Horak", "Learner"),
    ];
    members[5]["status"] = json!("Inactive");
    members[6]["status"] = json!("Deleted");
    members
}

/// Launches with the roster claim; returns the widget's launch token.
async fn launch_with_roster(app: &TestApp, hint: &str, extra: Value) -> String {
    let mut overrides = app.simulator.roster_claim();
    merge(&mut overrides, &extra);
    let response = app.launch(hint, overrides).await;
    assert_eq!(response.status(), 200);
    launch_token(&response.text().await.unwrap()).expect("a launch token")
}

fn as_instructor() -> Value {
    json!({ "sub": "teacher-0001", "name": "Tove Berg", lti("roles"): [INSTRUCTOR] })
}

async fn learners(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/api/v1/learners{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn names(list: &Value) -> Vec<String> {
    list["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap_or("").to_owned())
        .collect()
}

both_databases!(
    an_instructor_lists_the_learners_from_every_page_of_the_roster,
    with no_refresh_interval,
    |app| async move {
        app.simulator
            .set_roster("course-care-101", course_members());
        app.simulator.set_roster_page_size(3);
        launch_with_roster(&app, "ingrid", json!({})).await;
        let token = launch_with_roster(&app, "teacher", as_instructor()).await;

        let response = learners(&app, &token, "").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let list: Value = response.json().await.unwrap();
        assert_eq!(
            app.simulator.roster_pages_served(),
            3,
            "seven members, three per page"
        );
        // Learners only (the instructor is not one), deleted members gone, sorted by name.
        assert_eq!(
            names(&list),
            [
                "Amina Yusuf",
                "Ingrid Hansen",
                "Jonas Weber",
                "Lena Novak",
                "Mateo Silva"
            ]
        );
        assert_eq!(list["course"]["title"], "Digital skills for care work");
        assert!(list["roster"]["fetched_at"].as_str().is_some());
        assert_eq!(list["roster"]["warning"], Value::Null);
        let ingrid = &list["learners"][1];
        assert_eq!(ingrid["user_id"], "learner-0001");
        assert_eq!(ingrid["email"], "learner-0001@example.org");
        assert_eq!(ingrid["started"], true);
        assert_eq!(ingrid["competences_covered"], 2);
        assert_eq!(ingrid["competences_total"], 2);
        let amina = &list["learners"][0];
        assert_eq!(amina["started"], false);
        assert_eq!(amina["competences_covered"], 0);
        assert_eq!(list["learners"][3]["status"], "Inactive");

        // Moodle's short role names are stored as the full URIs launches carry.
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let teacher = carefolio::entities::roster_member::Entity::find()
            .filter(carefolio::entities::roster_member::Column::UserId.eq("teacher-0001"))
            .one(&app.db)
            .await
            .unwrap()
            .expect("the instructor is on the stored roster");
        assert_eq!(teacher.roles, format!("[\"{INSTRUCTOR}\"]"));
        // Being listed creates no portfolio.
        assert_eq!(app.count("people").await, 2);

        // A fresh roster is served from the database…
        assert_eq!(learners(&app, &token, "").await.status(), 200);
        assert_eq!(app.simulator.roster_pages_served(), 3);
        // …until the instructor asks for a refresh, which sees the change.
        let mut changed = course_members();
        changed.remove(1);
        app.simulator.set_roster("course-care-101", changed);
        let refreshed: Value = learners(&app, &token, "?refresh=true")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(app.simulator.roster_pages_served(), 5);
        assert_eq!(
            names(&refreshed),
            ["Amina Yusuf", "Ingrid Hansen", "Jonas Weber", "Lena Novak"]
        );
    }
);

both_databases!(
    learners_and_strangers_cannot_list_a_course,
    |app| async move {
        app.simulator
            .set_roster("course-care-101", course_members());
        let token = launch_with_roster(&app, "ingrid", json!({})).await;
        let response = learners(&app, &token, "").await;
        assert_eq!(response.status(), 403);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "not_an_assessor");
        assert_eq!(app.simulator.roster_pages_served(), 0);

        let anonymous = app
            .client
            .get(app.url("/api/v1/learners"))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 401);
        assert_eq!(error_code(&anonymous), "unauthenticated");
        assert_eq!(learners(&app, "forged.token", "").await.status(), 401);
    }
);

both_databases!(
    without_the_roster_service_the_list_is_refused_with_the_reason,
    |app| async move {
        let response = app.launch("teacher", as_instructor()).await;
        let token = launch_token(&response.text().await.unwrap()).unwrap();
        let response = learners(&app, &token, "").await;
        assert_eq!(response.status(), 409);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "roster_not_offered");
        assert!(body["detail"]
            .as_str()
            .unwrap()
            .contains("Names and Role Provisioning"));
    }
);

both_databases!(
    an_unreachable_platform_leaves_the_stored_roster_in_use,
    with no_refresh_interval,
    |app| async move {
        app.simulator
            .set_roster("course-care-101", course_members());
        let token = launch_with_roster(&app, "teacher", as_instructor()).await;

        // Nothing stored yet: the failure is the answer.
        app.simulator.set_down(true);
        let response = learners(&app, &token, "").await;
        assert_eq!(response.status(), 502);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "roster_unavailable");
        assert!(body["detail"].as_str().unwrap().contains("503"));

        app.simulator.set_down(false);
        let first: Value = learners(&app, &token, "").await.json().await.unwrap();
        assert_eq!(first["learners"].as_array().unwrap().len(), 5);

        // Down again: a refresh keeps the stored roster and says so.
        app.simulator.set_down(true);
        let response = learners(&app, &token, "?refresh=true").await;
        assert_eq!(response.status(), 200);
        let stale: Value = response.json().await.unwrap();
        assert_eq!(names(&stale), names(&first));
        assert!(stale["roster"]["warning"]
            .as_str()
            .unwrap()
            .contains("could not be reached"));
        assert_eq!(stale["roster"]["fetched_at"], first["roster"]["fetched_at"]);
    }
);

both_databases!(
    roster_refreshes_are_spaced_out_and_concurrent_ones_share_one_fetch,
    |app| async move {
        app.simulator
            .set_roster("course-care-101", course_members());
        app.simulator.set_roster_page_size(3);
        let token = launch_with_roster(&app, "teacher", as_instructor()).await;

        // Ten teachers' widgets ask at once: one fetch of the three pages.
        let requests = (0..10).map(|_| learners(&app, &token, "?refresh=true"));
        for response in futures::future::join_all(requests).await {
            assert_eq!(response.status(), 200);
        }
        assert_eq!(
            app.simulator.roster_pages_served(),
            3,
            "one fetch for all ten"
        );

        // Asked again at once: the stored list, with a note saying why.
        let again: Value = learners(&app, &token, "?refresh=true")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(app.simulator.roster_pages_served(), 3, "no second fetch");
        assert!(again["roster"]["note"]
            .as_str()
            .unwrap()
            .contains("less than 30 seconds ago"));
        assert_eq!(names(&again).len(), 5);
    }
);

both_databases!(
    a_roster_address_that_redirects_is_not_followed_with_the_token,
    |app| async move {
        app.simulator
            .set_roster("course-care-101", course_members());
        // The launch names a roster address that answers with a redirect.
        let real = app.simulator.memberships_url("course-care-101");
        let bouncing = real.replacen(
            &app.simulator.issuer,
            &format!("{}/bounce", app.simulator.issuer),
            1,
        );
        let claim = json!({ carefolio_tests::simulator::NRPS_CLAIM: {
            "context_memberships_url": bouncing,
            "service_versions": ["2.0"],
        }});
        let mut overrides = claim;
        merge(&mut overrides, &as_instructor());
        let response = app.launch("teacher", overrides).await;
        let token = launch_token(&response.text().await.unwrap()).unwrap();
        let answer = learners(&app, &token, "").await;
        assert_eq!(answer.status(), 502);
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["code"], "roster_unavailable");
        assert!(body["detail"].as_str().unwrap().contains("302"), "{body}");
        assert_eq!(
            app.simulator.roster_pages_served(),
            0,
            "the redirect was not followed"
        );
    }
);

both_databases!(
    a_next_link_to_another_host_is_refused_before_the_token_goes_there,
    |app| async move {
        // Another server the platform's `next` link points at.
        let elsewhere = another_platform(&app, "elsewhere-client", 1);
        elsewhere.set_roster("course-care-101", course_members());
        app.simulator
            .set_roster("course-care-101", course_members());
        app.simulator.set_roster_page_size(2);
        app.simulator.set_roster_next_base(&elsewhere.issuer);
        let token = launch_with_roster(&app, "teacher", as_instructor()).await;
        let answer = learners(&app, &token, "").await;
        assert_eq!(answer.status(), 502);
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["code"], "roster_unavailable");
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains("not on the platform's hosts"), "{detail}");
        assert_eq!(app.simulator.roster_pages_served(), 1);
        assert_eq!(elsewhere.roster_pages_served(), 0, "nothing was sent there");
    }
);

both_databases!(
    service_urls_of_a_launch_must_be_on_the_platform,
    |app| async move {
        let elsewhere = another_platform(&app, "elsewhere-client", 1);
        let foreign = elsewhere.memberships_url("course-care-101");
        for claim in [
            json!({ carefolio_tests::simulator::NRPS_CLAIM: {
                "context_memberships_url": foreign, "service_versions": ["2.0"] }}),
            json!({ carefolio_tests::simulator::AGS_CLAIM: {
                "scope": [carefolio_tests::simulator::SCORE_SCOPE],
                "lineitem": format!("{}/ags/lineitems/1/lineitem", elsewhere.issuer) }}),
            json!({ carefolio_tests::simulator::AGS_CLAIM: {
                "scope": [carefolio_tests::simulator::SCORE_SCOPE],
                "lineitems": "file:///etc/passwd" }}),
            json!({ carefolio_tests::simulator::AGS_CLAIM: {
                "scope": [carefolio_tests::simulator::SCORE_SCOPE],
                "lineitems": app.simulator.issuer.replacen("http://", "http://user:pw@", 1) + "/ags/lineitems" }}),
        ] {
            let refused = app.launch("ingrid", claim.clone()).await;
            assert_eq!(refused.status(), 400, "{claim}");
            assert_eq!(error_code(&refused), "invalid_claim", "{claim}");
        }
        assert_eq!(app.count("xapi_statements").await, 0);
        assert_eq!(app.count("people").await, 0);
    }
);
