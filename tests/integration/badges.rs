//! Badges: the default classes, definitions with clear refusals, the
//! automatic award when an accepted claim completes a class, awards by
//! hand, revocation, and the gradebook score that follows.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::*;

async fn admin_token(app: &TestApp) -> String {
    carefolio::admin::create(&app.db, "tests").await.unwrap()
}

async fn define(app: &TestApp, token: Option<&str>, body: Value) -> (u16, Value) {
    Api { app }
        .call(
            Method::POST,
            "/api/v1/admin/badge-classes",
            token,
            Some(body),
        )
        .await
}

async fn eventually_scores(app: &TestApp, count: usize) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let scores = app.simulator.scores();
        if scores.len() >= count {
            return scores[count - 1].1.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{} scores, waited for {count}",
            scores.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

both_databases!(
    from_evidence_through_disagreeing_assessors_to_a_badge_and_a_grade_that_falls_when_it_is_revoked,
    |app| async move {
        let api = Api { app: &app };
        let admin = admin_token(&app).await;
        let (status, class) = define(
            &app,
            Some(&admin),
            json!({ "key": "peer-support-user", "framework": "carerplus", "node": "10.2", "level": 1, "rule": "competence",
                    "name": { "en": "Peer support (user)", "nb": "Likemannsstøtte (bruker)" } }),
        )
        .await;
        assert_eq!(status, 200, "{class}");
        assert_eq!(class["competences"], 1);

        let lineitem = app.simulator.create_line_item("Peer support in practice", "link-peer-support", 10.0);
        let mut overrides = json!({ "sub": "learner-0001" });
        carefolio_tests::simulator::merge(&mut overrides, &app.simulator.ags_claim(Some(&lineitem)));
        let ingrid = launch_token(&app.launch("l1", overrides).await.text().await.unwrap()).unwrap();
        let first = eventually_scores(&app, 1).await;
        assert_eq!(first["scoreGiven"], 0.0);
        let tove = launched_as(&app, teacher()).await;
        let mut aud_claims = other_course();
        aud_claims["sub"] = "assessor-0001".into();
        aud_claims["name"] = "Aud Lie".into();
        let aud = launched_as(&app, aud_claims).await;
        let aud_id = {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            carefolio::entities::person::Entity::find()
                .filter(carefolio::entities::person::Column::Name.eq("Aud Lie"))
                .one(&app.db)
                .await
                .unwrap()
                .unwrap()
                .id
        };
        assert_eq!(api.call(Method::PUT, &format!("/api/v1/assessment/course/assessors/{aud_id}"), Some(&tove), None).await.0, 204);
        assert_eq!(api.call(Method::PATCH, "/api/v1/assessment/course", Some(&tove), Some(json!({ "required_decisions": 2 }))).await.0, 200);

        let (_, item) = api.post("/api/v1/evidence", &ingrid, json!({ "kind": "reflection", "title": "Leading the group", "body": "b" })).await;
        let competence = competence_id(&app, "carerplus:10.2").await;
        let (_, claim) = api.post("/api/v1/claims", &ingrid, json!({ "competence_id": competence, "level": 1, "statement": "I led it.", "evidence": [item["id"]] })).await;
        let id = claim["id"].as_str().unwrap().to_owned();
        assert_eq!(api.post(&format!("/api/v1/claims/{id}/submit"), &ingrid, json!({})).await.0, 200);
        let pending = eventually_scores(&app, 2).await;
        assert_eq!(pending["gradingProgress"], "PendingManual");

        let decisions = format!("/api/v1/assessment/claims/{id}/decisions");
        assert_eq!(api.post(&decisions, &tove, json!({ "outcome": "accepted" })).await.0, 201);
        assert_eq!(api.post(&decisions, &aud, json!({ "outcome": "not_yet_competent" })).await.0, 201);
        let (_, none_yet) = api.get("/api/v1/badges", &ingrid).await;
        assert_eq!(none_yet.as_array().unwrap().len(), 0, "no badge while the decisions disagree");
        let (status, settled) = api
            .post(&format!("/api/v1/assessment/claims/{id}/reconciliation"), &tove, json!({ "outcome": "accepted", "reason": "The notes show it." }))
            .await;
        assert_eq!(status, 201, "{settled}");

        let (_, badges) = api.get("/api/v1/badges", &ingrid).await;
        let badges = badges.as_array().unwrap();
        assert_eq!(badges.len(), 1, "{badges:?}");
        let award = &badges[0];
        assert_eq!(award["badge"]["key"], "peer-support-user");
        assert_eq!(award["by_hand"], false);
        assert_eq!(award["public"], false, "nothing public by default");
        let award_id = award["id"].as_str().unwrap().to_owned();
        let graded = eventually_scores(&app, 3).await;
        assert_eq!(graded["scoreGiven"], 50.0, "{graded}");
        assert_eq!(graded["gradingProgress"], "FullyGraded");

        // Only the course's lead revokes, and only with a reason.
        let revocation = format!("/api/v1/assessment/awards/{award_id}/revocation");
        assert_eq!(api.post(&revocation, &aud, json!({ "reason": "x" })).await.0, 404, "not the lead");
        assert_eq!(api.post(&revocation, &ingrid, json!({ "reason": "x" })).await.0, 404, "the learner");
        let (status, refused) = api.post(&revocation, &tove, json!({ "reason": "  " })).await;
        assert_eq!(status, 422);
        assert_eq!(refused["field"], "reason");
        let (status, revoked) = api.post(&revocation, &tove, json!({ "reason": "The notes were copied." })).await;
        assert_eq!(status, 200, "{revoked}");
        assert!(revoked["revoked_at"].is_i64());
        assert_eq!(api.post(&revocation, &tove, json!({ "reason": "again" })).await.0, 409);
        let fallen = eventually_scores(&app, 4).await;
        assert_eq!(fallen["scoreGiven"], 0.0, "the score falls again: {fallen}");
        let (_, badges) = api.get("/api/v1/badges", &ingrid).await;
        assert_eq!(badges[0]["revocation_reason"], "The notes were copied.");
    }
);

both_databases!(
    badge_classes_ship_for_carer_and_pat_and_a_definition_is_refused_with_the_field_named,
    |app| async move {
        let api = Api { app: &app };
        let ingrid = launched_as(&app, json!({})).await;
        let tove = launched_as(&app, teacher()).await;
        let ole = launched_as(&app, json!({ "sub": "learner-0002", "name": "Ole Nilsen" })).await;
        let (_, pat) = api
            .get("/api/v1/badge-classes?framework=pat", &ingrid)
            .await;
        assert_eq!(pat.as_array().unwrap().len(), 12, "one per PAT category");
        let (_, carer) = api
            .get("/api/v1/badge-classes?framework=carerplus", &ingrid)
            .await;
        assert_eq!(
            carer.as_array().unwrap().len(),
            22,
            "one per CARER+ area and level"
        );
        assert!(carer
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["key"] == "carerplus-10-2" && c["level"] == 2 && c["rule"] == "all"));

        let admin = admin_token(&app).await;
        assert_eq!(define(&app, None, json!({})).await.0, 401);
        assert_eq!(
            define(&app, Some(&ingrid), json!({})).await.0,
            401,
            "a launch token is no admin token"
        );
        let base = json!({ "key": "area-ten-two-of", "framework": "carerplus", "node": "10", "level": 1, "rule": "n_of", "required": 2, "name": { "en": "Two of area 10" } });
        for (change, field) in [
            (json!({ "key": "Not A Key" }), "key"),
            (json!({ "framework": "nope" }), "framework"),
            (json!({ "node": "99.9" }), "node"),
            (json!({ "rule": "competence" }), "rule"),
            (json!({ "required": 99 }), "required"),
            (json!({ "level": 5 }), "level"),
            (json!({ "name": { "en": " " } }), "name"),
            (
                json!({ "image_svg": "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>" }),
                "image_svg",
            ),
        ] {
            let mut body = base.clone();
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (status, refused) = define(&app, Some(&admin), body).await;
            assert_eq!(status, 422, "{field}: {refused}");
            assert_eq!(refused["field"], field);
        }
        let (status, class) = define(&app, Some(&admin), base.clone()).await;
        assert_eq!(status, 200, "{class}");
        assert_eq!(class["competences"], 3);
        let class_id = class["id"].as_str().unwrap().to_owned();

        let image = app
            .client
            .get(app.url(&format!("/badges/classes/{class_id}/image.svg")))
            .send()
            .await
            .unwrap();
        assert_eq!(image.status(), 200);
        assert_eq!(image.headers()["content-type"], "image/svg+xml");
        assert_eq!(image.headers()["x-content-type-options"], "nosniff");
        assert!(image.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox"));
        assert!(image.text().await.unwrap().starts_with("<svg"));

        // Awards by hand: the course's lead, to a learner of the course, once.
        let ingrid_id = {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            carefolio::entities::person::Entity::find()
                .filter(carefolio::entities::person::Column::Name.eq("Ingrid Hansen"))
                .one(&app.db)
                .await
                .unwrap()
                .unwrap()
                .id
        };
        let manual = json!({ "badge_class_id": class_id, "person_id": ingrid_id });
        assert_eq!(
            api.post("/api/v1/assessment/awards", &ole, manual.clone())
                .await
                .0,
            403,
            "a learner"
        );
        let (status, award) = api
            .post("/api/v1/assessment/awards", &tove, manual.clone())
            .await;
        assert_eq!(status, 201, "{award}");
        assert_eq!(award["by_hand"], true);
        assert_eq!(
            api.post("/api/v1/assessment/awards", &tove, manual).await.0,
            409
        );
        // The criteria of a class someone holds cannot change.
        let mut stricter = base.clone();
        stricter["required"] = json!(3);
        assert_eq!(define(&app, Some(&admin), stricter).await.0, 409);

        // Only its holder makes an award public.
        let award_id = award["id"].as_str().unwrap();
        let path = format!("/api/v1/badges/{award_id}");
        assert_eq!(
            api.call(
                Method::PATCH,
                &path,
                Some(&ole),
                Some(json!({ "public": true }))
            )
            .await
            .0,
            404
        );
        let (status, shown) = api
            .call(
                Method::PATCH,
                &path,
                Some(&ingrid),
                Some(json!({ "public": true })),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(shown["public"], true);
    }
);
