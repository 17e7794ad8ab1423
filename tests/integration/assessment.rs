//! Claims and their assessment: the learner's claim with its evidence
//! frozen at submission, the assessors' queue and decisions, several
//! assessors who disagree and the lead who reconciles, and who may do what.

use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::*;

async fn person_named(app: &TestApp, name: &str) -> String {
    carefolio::entities::person::Entity::find()
        .filter(carefolio::entities::person::Column::Name.eq(name))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{name} has launched"))
        .id
        .to_string()
}

async fn patch(api: &Api<'_>, path: &str, token: &str, body: Value) -> (u16, Value) {
    api.call(Method::PATCH, path, Some(token), Some(body)).await
}

/// A reflection of the learner's; returns its id.
async fn reflection(api: &Api<'_>, token: &str, title: &str) -> String {
    let (status, item) = api
        .post(
            "/api/v1/evidence",
            token,
            json!({ "kind": "reflection", "title": title, "body": "What I did and learnt." }),
        )
        .await;
    assert_eq!(status, 201, "{item}");
    item["id"].as_str().unwrap().to_owned()
}

/// A submitted claim of `carerplus:10.2` at level 1 resting on `evidence`.
async fn submitted_claim(app: &TestApp, token: &str, evidence: &[&str]) -> String {
    let api = Api { app };
    let competence = competence_id(app, "carerplus:10.2").await;
    let (status, claim) = api
        .post(
            "/api/v1/claims",
            token,
            json!({ "competence_id": competence, "level": 1, "statement": "I led the peer group twice.", "evidence": evidence }),
        )
        .await;
    assert_eq!(status, 201, "{claim}");
    assert_eq!(claim["status"], "draft");
    let id = claim["id"].as_str().unwrap().to_owned();
    let (status, claim) = api
        .post(&format!("/api/v1/claims/{id}/submit"), token, json!({}))
        .await;
    assert_eq!(status, 200, "{claim}");
    assert_eq!(claim["status"], "submitted");
    id
}

both_databases!(
    a_claim_is_decided_on_the_evidence_as_submitted_and_the_decision_is_a_statement,
    |app| async move {
        let api = Api { app: &app };
        let ingrid = launched_as(&app, json!({})).await;
        let tove = launched_as(&app, teacher()).await;
        let item = reflection(&api, &ingrid, "Leading the peer group").await;
        let claim = submitted_claim(&app, &ingrid, &[&item]).await;

        // Edits after submission make a new version the claim never sees.
        let (status, _) = patch(
            &api,
            &format!("/api/v1/evidence/{item}"),
            &ingrid,
            json!({ "title": "Rewritten later" }),
        )
        .await;
        assert_eq!(status, 200);
        let (status, refused) = patch(
            &api,
            &format!("/api/v1/claims/{claim}"),
            &ingrid,
            json!({ "statement": "changed" }),
        )
        .await;
        assert_eq!(status, 409, "{refused}");
        assert_eq!(refused["code"], "claim_state");

        let (status, queue) = api.get("/api/v1/assessment/queue", &tove).await;
        assert_eq!(status, 200);
        let queue = queue.as_array().unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0]["claim_id"], claim.as_str());
        assert_eq!(queue[0]["learner_name"], "Ingrid Hansen");
        assert_eq!(queue[0]["code"], "10.2");
        assert_eq!(queue[0]["evidence_count"], 1);

        let (status, review) = api
            .get(&format!("/api/v1/assessment/claims/{claim}"), &tove)
            .await;
        assert_eq!(status, 200, "{review}");
        assert_eq!(review["evidence"][0]["title"], "Leading the peer group");
        assert_eq!(review["evidence"][0]["version"], 1);
        assert_eq!(
            review["claim"]["rounds"][0]["statement"],
            "I led the peer group twice."
        );
        assert_eq!(review["may_decide"], true);
        assert_eq!(review["may_reconcile"], false);

        // The learner's audit trail shows the assessor's reading.
        let (_, trail) = api.get("/api/v1/audit", &ingrid).await;
        assert!(
            trail
                .as_array()
                .unwrap()
                .iter()
                .any(|line| line["reader_kind"] == "assessor"
                    && line["reader"] == "Tove Berg"
                    && line["item_id"] == item.as_str()),
            "{trail}"
        );

        let (status, decided) = api
            .post(
                &format!("/api/v1/assessment/claims/{claim}/decisions"),
                &tove,
                json!({ "outcome": "accepted", "feedback": "Clear and well documented.", "item_feedback": [{ "item_id": item, "feedback": "Good reflection." }] }),
            )
            .await;
        assert_eq!(status, 201, "{decided}");
        assert_eq!(decided["claim"]["status"], "accepted");
        let (_, queue) = api.get("/api/v1/assessment/queue", &tove).await;
        assert_eq!(
            queue.as_array().unwrap().len(),
            0,
            "a decided claim leaves the queue"
        );

        let (_, mine) = api.get(&format!("/api/v1/claims/{claim}"), &ingrid).await;
        assert_eq!(mine["status"], "accepted");
        let decision = &mine["rounds"][0]["decisions"][0];
        assert_eq!(decision["outcome"], "accepted");
        assert_eq!(decision["assessor_name"], "Tove Berg");
        assert_eq!(decision["feedback"], "Clear and well documented.");
        assert_eq!(decision["item_feedback"][0]["feedback"], "Good reflection.");

        // Deciding again, or withdrawing a decided claim, is refused.
        let (status, _) = api
            .post(
                &format!("/api/v1/assessment/claims/{claim}/decisions"),
                &tove,
                json!({ "outcome": "not_yet_competent" }),
            )
            .await;
        assert_eq!(status, 409);
        let (status, _) = api
            .post(
                &format!("/api/v1/claims/{claim}/withdraw"),
                &ingrid,
                json!({}),
            )
            .await;
        assert_eq!(status, 409);

        // The decision is an xAPI statement about the competence.
        let rows = carefolio::entities::xapi_statement::Entity::find()
            .filter(
                carefolio::entities::xapi_statement::Column::VerbId
                    .eq("http://adlnet.gov/expapi/verbs/passed"),
            )
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        let statement: Value = serde_json::from_str(&rows[0].statement).unwrap();
        assert_eq!(statement["actor"]["account"]["name"], "learner-0001");
        assert_eq!(statement["object"]["id"], trail_object(&app, &claim).await);
        assert_eq!(
            statement["context"]["instructor"]["account"]["name"],
            "teacher-0001"
        );
        assert_eq!(statement["result"]["success"], true);
        let extensions = statement["result"]["extensions"].as_object().unwrap();
        let level = extensions
            .iter()
            .find(|(k, _)| k.ends_with("/xapi/extensions/level"))
            .unwrap()
            .1;
        assert_eq!(level["position"], 1);
    }
);

both_databases!(
    disagreeing_assessors_go_to_the_lead_who_reconciles_with_a_reason,
    |app| async move {
        let api = Api { app: &app };
        let ingrid = launched_as(&app, json!({})).await;
        let tove = launched_as(&app, teacher()).await;
        // Aud comes from another course; Tove names her an assessor of hers.
        let mut aud_claims = other_course();
        aud_claims["sub"] = "assessor-0001".into();
        aud_claims["name"] = "Aud Lie".into();
        let aud = launched_as(&app, aud_claims).await;
        let aud_id = person_named(&app, "Aud Lie").await;
        let (status, _) = api
            .call(
                Method::PUT,
                &format!("/api/v1/assessment/course/assessors/{aud_id}"),
                Some(&tove),
                None,
            )
            .await;
        assert_eq!(status, 204);
        let (status, settings) = patch(
            &api,
            "/api/v1/assessment/course",
            &tove,
            json!({ "required_decisions": 2 }),
        )
        .await;
        assert_eq!(status, 200, "{settings}");
        let (_, overview) = api.get("/api/v1/assessment/course", &tove).await;
        assert_eq!(overview["settings"]["required_decisions"], 2);
        let assessors = overview["assessors"].as_array().unwrap();
        assert!(assessors
            .iter()
            .any(|a| a["name"] == "Aud Lie" && a["named"] == true && a["lead"] == false));
        assert!(assessors
            .iter()
            .any(|a| a["name"] == "Tove Berg" && a["teacher"] == true && a["lead"] == true));

        let item = reflection(&api, &ingrid, "Evidence").await;
        let claim = submitted_claim(&app, &ingrid, &[&item]).await;
        let decisions = format!("/api/v1/assessment/claims/{claim}/decisions");

        let (status, after_tove) = api
            .post(
                &decisions,
                &tove,
                json!({ "outcome": "accepted", "feedback": "Yes." }),
            )
            .await;
        assert_eq!(status, 201, "{after_tove}");
        assert_eq!(after_tove["claim"]["status"], "in_review");
        assert_eq!(after_tove["claim"]["awaiting_lead"], false);

        // Aud does not see Tove's decision before making her own.
        let (_, aud_queue) = api.get("/api/v1/assessment/queue", &aud).await;
        assert_eq!(aud_queue.as_array().unwrap().len(), 1);
        let (status, aud_view) = api
            .get(&format!("/api/v1/assessment/claims/{claim}"), &aud)
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            aud_view["claim"]["rounds"][0]["decisions"]
                .as_array()
                .unwrap()
                .len(),
            0,
            "{aud_view}"
        );
        // Nor does the learner while the claim is in review.
        let (_, mine) = api.get(&format!("/api/v1/claims/{claim}"), &ingrid).await;
        assert_eq!(mine["rounds"][0]["decisions"].as_array().unwrap().len(), 0);

        let (status, after_aud) = api
            .post(
                &decisions,
                &aud,
                json!({ "outcome": "not_yet_competent", "feedback": "Not yet." }),
            )
            .await;
        assert_eq!(status, 201, "{after_aud}");
        assert_eq!(after_aud["claim"]["status"], "in_review");
        assert_eq!(after_aud["claim"]["awaiting_lead"], true);
        assert_eq!(
            after_aud["claim"]["rounds"][0]["decisions"]
                .as_array()
                .unwrap()
                .len(),
            2,
            "seen once decided"
        );

        // Only the lead reconciles, and only with a reason.
        let reconciliation = format!("/api/v1/assessment/claims/{claim}/reconciliation");
        let (status, _) = api
            .post(
                &reconciliation,
                &aud,
                json!({ "outcome": "accepted", "reason": "x" }),
            )
            .await;
        assert_eq!(status, 403);
        let (status, refused) = api
            .post(
                &reconciliation,
                &tove,
                json!({ "outcome": "accepted", "reason": " " }),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(refused["field"], "reason");
        let (_, lead_queue) = api.get("/api/v1/assessment/queue", &tove).await;
        assert_eq!(
            lead_queue[0]["awaiting_lead"], true,
            "the lead sees the disagreement in their queue"
        );
        let (_, aud_queue) = api.get("/api/v1/assessment/queue", &aud).await;
        assert_eq!(aud_queue.as_array().unwrap().len(), 0);
        let (status, settled) = api
            .post(&reconciliation, &tove, json!({ "outcome": "accepted", "feedback": "Accepted.", "reason": "The second video shows the skill." }))
            .await;
        assert_eq!(status, 201, "{settled}");
        assert_eq!(settled["claim"]["status"], "accepted");

        let (_, mine) = api.get(&format!("/api/v1/claims/{claim}"), &ingrid).await;
        let trail = mine["rounds"][0]["decisions"].as_array().unwrap();
        assert_eq!(trail.len(), 3, "{mine}");
        assert_eq!(trail[2]["reconciles"], true);
        assert_eq!(trail[2]["reason"], "The second video shows the skill.");
        let statements = carefolio::entities::xapi_statement::Entity::find()
            .filter(
                carefolio::entities::xapi_statement::Column::ObjectId
                    .eq(trail_object(&app, &claim).await),
            )
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(
            statements.len(),
            3,
            "one statement per decision, the reconciliation included"
        );
    }
);

/// The competence IRI a claim's statements name.
async fn trail_object(app: &TestApp, claim: &str) -> String {
    let row = carefolio::entities::claim::Entity::find_by_id(claim.parse::<uuid::Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let competence = carefolio::entities::competence::Entity::find_by_id(row.competence_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    competence
        .uri
        .unwrap_or_else(|| format!("urn:uuid:{}", competence.id))
}

both_databases!(
    more_evidence_needed_opens_a_new_round_and_keeps_the_first,
    |app| async move {
        let api = Api { app: &app };
        let ingrid = launched_as(&app, json!({})).await;
        let tove = launched_as(&app, teacher()).await;
        let first = reflection(&api, &ingrid, "First try").await;
        let claim = submitted_claim(&app, &ingrid, &[&first]).await;
        let decisions = format!("/api/v1/assessment/claims/{claim}/decisions");
        let (status, _) = api.post(&decisions, &tove, json!({ "outcome": "more_evidence_needed", "feedback": "Add what the group said." })).await;
        assert_eq!(status, 201);
        let (_, mine) = api.get(&format!("/api/v1/claims/{claim}"), &ingrid).await;
        assert_eq!(mine["status"], "more_evidence_needed");
        assert_eq!(
            mine["rounds"][0]["decisions"][0]["feedback"],
            "Add what the group said."
        );

        let second = reflection(&api, &ingrid, "What the group said").await;
        let (status, changed) = patch(
            &api,
            &format!("/api/v1/claims/{claim}"),
            &ingrid,
            json!({ "evidence": [first, second], "statement": "Now with the group's words." }),
        )
        .await;
        assert_eq!(status, 200, "{changed}");
        assert_eq!(changed["round"], 2);
        assert_eq!(changed["rounds"].as_array().unwrap().len(), 2);
        assert_eq!(
            changed["rounds"][0]["evidence"].as_array().unwrap().len(),
            1,
            "round 1 keeps what it had"
        );
        assert_eq!(
            changed["rounds"][1]["evidence"].as_array().unwrap().len(),
            2
        );
        let (status, level_change) = patch(
            &api,
            &format!("/api/v1/claims/{claim}"),
            &ingrid,
            json!({ "level": 2 }),
        )
        .await;
        assert_eq!(status, 409, "{level_change}");
        let (status, resubmitted) = api
            .post(
                &format!("/api/v1/claims/{claim}/submit"),
                &ingrid,
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{resubmitted}");
        assert_eq!(resubmitted["status"], "submitted");

        let (_, review) = api
            .get(&format!("/api/v1/assessment/claims/{claim}"), &tove)
            .await;
        assert_eq!(review["evidence"].as_array().unwrap().len(), 2);
        assert_eq!(review["may_decide"], true, "a new round is decided anew");
        let (status, decided) = api
            .post(&decisions, &tove, json!({ "outcome": "accepted" }))
            .await;
        assert_eq!(status, 201, "{decided}");
        assert_eq!(decided["claim"]["status"], "accepted");
        assert_eq!(
            decided["claim"]["rounds"][0]["decisions"][0]["outcome"],
            "more_evidence_needed"
        );
        assert_eq!(
            decided["claim"]["rounds"][1]["decisions"][0]["outcome"],
            "accepted"
        );
    }
);

both_databases!(
    only_the_assessors_of_a_claims_course_reach_it_and_never_their_own,
    |app| async move {
        let api = Api { app: &app };
        let ingrid = launched_as(&app, json!({})).await;
        let ole = launched_as(&app, json!({ "sub": "learner-0002", "name": "Ole Nilsen" })).await;
        let tove = launched_as(&app, teacher()).await;
        let mut other_teacher_claims = teacher();
        other_teacher_claims["sub"] = "teacher-0099".into();
        other_teacher_claims["name"] = "Per Annen".into();
        other_teacher_claims[lti("context")] = other_course()[lti("context")].clone();
        other_teacher_claims[lti("resource_link")] = other_course()[lti("resource_link")].clone();
        let other_teacher = launched_as(&app, other_teacher_claims).await;

        let item = reflection(&api, &ingrid, "Mine").await;
        let competence_id = competence_id(&app, "carerplus:10.2").await;
        let other_competence = crate::helpers::competence_id(&app, "carerplus:10.1").await;
        // A draft is not there for assessors.
        let (_, draft) = api
            .post(
                "/api/v1/claims",
                &ingrid,
                json!({ "competence_id": other_competence, "statement": "s", "evidence": [item] }),
            )
            .await;
        let draft_id = draft["id"].as_str().unwrap();
        let (status, _) = api
            .get(&format!("/api/v1/assessment/claims/{draft_id}"), &tove)
            .await;
        assert_eq!(status, 404);
        let claim = submitted_claim(&app, &ingrid, &[&item]).await;
        let review = format!("/api/v1/assessment/claims/{claim}");
        let decisions = format!("{review}/decisions");

        // A fellow learner, a teacher of another course: nothing.
        for (who, token) in [
            ("a fellow learner", &ole),
            ("another course's teacher", &other_teacher),
        ] {
            let (_, queue) = api.get("/api/v1/assessment/queue", token).await;
            assert_eq!(queue.as_array().unwrap().len(), 0, "{who}");
            let (status, _) = api.get(&review, token).await;
            assert_eq!(status, 404, "{who}");
            let (status, _) = api
                .post(&decisions, token, json!({ "outcome": "accepted" }))
                .await;
            assert_eq!(status, 404, "{who}");
            let (status, _) = api.get(&format!("/api/v1/claims/{claim}"), token).await;
            assert_eq!(status, 404, "{who} reads a learner's claim");
        }
        // A learner manages nothing of the course's assessment.
        let (status, _) = api.get("/api/v1/assessment/course", &ole).await;
        assert_eq!(status, 403);
        let (status, _) = patch(
            &api,
            "/api/v1/assessment/course",
            &ole,
            json!({ "required_decisions": 1 }),
        )
        .await;
        assert_eq!(status, 403);

        // A teacher's own claim never reaches their queue and they cannot decide it.
        let own_item = reflection(&api, &tove, "Tove's own").await;
        let own = submitted_claim(&app, &tove, &[&own_item]).await;
        let (_, queue) = api.get("/api/v1/assessment/queue", &tove).await;
        assert!(queue
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["claim_id"] != own.as_str()));
        let (status, refused) = api
            .post(
                &format!("/api/v1/assessment/claims/{own}/decisions"),
                &tove,
                json!({ "outcome": "accepted" }),
            )
            .await;
        assert_eq!(status, 403, "{refused}");

        // Another learner's evidence cannot back a claim; bad fields are named.
        let oles = reflection(&api, &ole, "Ole's").await;
        let (status, refused) = api
            .post(
                "/api/v1/claims",
                &ingrid,
                json!({ "competence_id": competence_id, "evidence": [oles] }),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(refused["field"], "evidence");
        let (status, refused) = api
            .post(
                "/api/v1/claims",
                &ingrid,
                json!({ "competence_id": competence_id, "level": 9 }),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(refused["field"], "level");
        let (status, refused) = patch(
            &api,
            "/api/v1/assessment/course",
            &tove,
            json!({ "required_decisions": 0 }),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(refused["field"], "required_decisions");
        let ole_id = person_named(&app, "Ole Nilsen").await;
        let (status, refused) = patch(
            &api,
            "/api/v1/assessment/course",
            &tove,
            json!({ "lead_assessor_id": ole_id }),
        )
        .await;
        assert_eq!(status, 422, "a lead must assess in the course: {refused}");
        // A second open claim of a competence is refused, naming the first.
        let (status, refused) = api
            .post(
                "/api/v1/claims",
                &ingrid,
                json!({ "competence_id": competence_id, "statement": "again" }),
            )
            .await;
        assert_eq!(status, 409, "{refused}");
        assert!(
            refused["detail"].as_str().unwrap().contains(&claim),
            "{refused}"
        );
        // An empty claim cannot be submitted; a withdrawn one is not reviewed.
        let third_competence = crate::helpers::competence_id(&app, "carerplus:10.3").await;
        let (_, empty) = api
            .post(
                "/api/v1/claims",
                &ingrid,
                json!({ "competence_id": third_competence, "statement": "s" }),
            )
            .await;
        let (status, refused) = api
            .post(
                &format!("/api/v1/claims/{}/submit", empty["id"].as_str().unwrap()),
                &ingrid,
                json!({}),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(refused["field"], "evidence");
        let (status, withdrawn) = api
            .post(
                &format!("/api/v1/claims/{claim}/withdraw"),
                &ingrid,
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(withdrawn["status"], "withdrawn");
        let (_, queue) = api.get("/api/v1/assessment/queue", &tove).await;
        assert!(queue
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["claim_id"] != claim.as_str()));
        let (status, _) = api
            .post(&decisions, &tove, json!({ "outcome": "accepted" }))
            .await;
        assert_eq!(status, 409);
    }
);

both_databases!(
    an_assessors_file_address_works_while_they_assess_the_course,
    |app| async move {
        let api = Api { app: &app };
        let ingrid = launched_as(&app, json!({})).await;
        let tove = launched_as(&app, teacher()).await;
        let mut aud_claims = other_course();
        aud_claims["sub"] = "assessor-0001".into();
        aud_claims["name"] = "Aud Lie".into();
        let aud = launched_as(&app, aud_claims).await;
        let aud_id = person_named(&app, "Aud Lie").await;
        let named = format!("/api/v1/assessment/course/assessors/{aud_id}");
        assert_eq!(
            api.call(Method::PUT, &named, Some(&tove), None).await.0,
            204
        );

        let photo: Value = app
            .client
            .post(app.url("/api/v1/evidence/files?name=poster.png"))
            .bearer_auth(&ingrid)
            .header("content-type", "image/png")
            .body(PNG.to_vec())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let item = photo["id"].as_str().unwrap().to_owned();
        let claim = submitted_claim(&app, &ingrid, &[&item]).await;
        let (status, review) = api
            .get(&format!("/api/v1/assessment/claims/{claim}"), &aud)
            .await;
        assert_eq!(status, 200, "{review}");
        let address = review["evidence"][0]["file_url"]
            .as_str()
            .unwrap()
            .to_owned();
        let file = app.client.get(app.url(&address)).send().await.unwrap();
        assert_eq!(file.status(), 200);
        assert_eq!(file.headers()["content-type"], "image/png");
        assert_eq!(file.bytes().await.unwrap().as_ref(), PNG);
        let (_, trail) = api.get("/api/v1/audit", &ingrid).await;
        assert!(
            trail
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["reader"] == "Aud Lie" && l["action"] == "read_item"),
            "{trail}"
        );
        // An altered address finds nothing.
        let altered = address.replace("access=", "access=x");
        assert_eq!(
            app.client
                .get(app.url(&altered))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );

        // Once Aud no longer assesses the course, neither the claim nor its file is hers to read.
        assert_eq!(
            api.call(Method::DELETE, &named, Some(&tove), None).await.0,
            204
        );
        assert_eq!(
            app.client
                .get(app.url(&address))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        assert_eq!(
            api.get(&format!("/api/v1/assessment/claims/{claim}"), &aud)
                .await
                .0,
            404
        );
        assert_eq!(
            api.call(Method::DELETE, &named, Some(&tove), None).await.0,
            404
        );
    }
);
