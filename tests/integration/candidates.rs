//! Statements from learning activities as evidence candidates: tied to
//! competences by the IRIs they name, given to the learner their actor
//! names (then or at the learner's first launch), kept, set aside, and
//! marked when their sender voids them.

use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::both_databases;
use crate::helpers::*;
use carefolio::xapi::clients::Reach;

/// A statement by `actor` about `object`, with `other` as context activities.
fn reported(actor: Value, object: &str, other: &[String]) -> (String, Value) {
    let id = Uuid::new_v4().to_string();
    let other: Vec<Value> = other.iter().map(|iri| json!({ "id": iri })).collect();
    let mut statement = json!({
        "id": id,
        "actor": actor,
        "verb": { "id": "http://adlnet.gov/expapi/verbs/completed", "display": { "en-US": "completed" } },
        "object": { "id": object, "definition": { "name": { "en-US": "Medicines at home" } } },
    });
    if !other.is_empty() {
        statement["context"] = json!({ "contextActivities": { "other": other } });
    }
    (id, statement)
}

fn ingrid_account(app: &TestApp) -> Value {
    json!({ "account": { "homePage": app.simulator.issuer, "name": "learner-0001" } })
}

fn mbox(address: &str) -> Value {
    json!({ "mbox": format!("mailto:{address}") })
}

async fn post(app: &TestApp, client: &(String, String), statements: &[&Value]) {
    let response = app
        .xapi(Method::POST, "/xapi/statements", client)
        .json(&statements)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

fn ids_of(candidates: &Value) -> Vec<String> {
    candidates
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| c["statement_id"].as_str().unwrap().to_owned())
        .collect()
}

fn codes_of(candidates: &Value, id: &str) -> Vec<String> {
    let candidate = candidates
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["statement_id"] == id)
        .unwrap_or_else(|| panic!("{id} is not a candidate: {candidates}"));
    candidate["competences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}:{}",
                c["framework_key"].as_str().unwrap(),
                c["code"].as_str().unwrap()
            )
        })
        .collect()
}

both_databases!(
    tied_statements_become_candidates_the_learner_keeps_or_sets_aside,
    |app| async move {
        let api = Api { app: &app };
        let token = launched_as(&app, json!({})).await;
        let platform = platform_id(&app, &app.simulator.issuer).await;
        let provider = app
            .xapi_client("activity", Reach::Platform(platform), "statements/write")
            .await;
        let hygiene = competence_id(&app, "carerplus:10.2").await;
        let peer = competence_id(&app, "pat:5.1").await;
        let link = carefolio::entities::resource_link::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .expect("the launched link")
            .id;

        // Tied by a competence's identifier, by Carefolio's CASE address for
        // it, and by the resource link the learner launched; one not tied;
        // one about somebody else.
        let (by_urn, s1) = reported(ingrid_account(&app), &format!("urn:uuid:{hygiene}"), &[]);
        let (by_address, s2) = reported(
            mbox("Ingrid.Hansen@example.org"),
            "http://example.org/activities/medicines",
            &[app.url(&format!("/ims/case/v1p0/CFItems/{peer}"))],
        );
        let (by_link, s3) = reported(
            ingrid_account(&app),
            &app.url(&format!("/xapi/activities/resource-links/{link}")),
            &[],
        );
        let (untied, s4) = reported(
            ingrid_account(&app),
            "http://example.org/activities/lunch",
            &[],
        );
        let (someone_else, s5) = reported(
            mbox("kari.nordmann@example.org"),
            &format!("urn:uuid:{hygiene}"),
            &[],
        );
        post(&app, &provider, &[&s1, &s2, &s3, &s4, &s5]).await;

        let (status, candidates) = api.get("/api/v1/candidates", &token).await;
        assert_eq!(status, 200);
        let ids = ids_of(&candidates);
        for tied in [&by_urn, &by_address, &by_link] {
            assert!(ids.contains(tied), "{tied} missing from {candidates}");
        }
        assert!(
            !ids.contains(&untied),
            "a statement tied to nothing is no candidate"
        );
        assert!(
            !ids.contains(&someone_else),
            "another person's statement is never offered"
        );
        assert_eq!(codes_of(&candidates, &by_urn), ["carerplus:10.2"]);
        assert_eq!(codes_of(&candidates, &by_address), ["pat:5.1"]);
        assert_eq!(
            codes_of(&candidates, &by_link),
            ["carerplus:10.2", "pat:5.1"]
        );
        // Newest first: the three just sent come before the launch.
        assert_eq!(ids.len(), 4, "{candidates}");
        let (_, view) = api.get("/api/v1/portfolio", &token).await;
        assert_eq!(ids_of(&view["candidates"]), ids);

        // Set aside: once is enough, twice changes nothing; only one's own.
        let dismissal = format!("/api/v1/candidates/{by_address}/dismissal");
        assert_eq!(api.post(&dismissal, &token, json!({})).await.0, 204);
        assert_eq!(api.post(&dismissal, &token, json!({})).await.0, 204);
        let (status, problem) = api
            .post(
                &format!("/api/v1/candidates/{someone_else}/dismissal"),
                &token,
                json!({}),
            )
            .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (404, Some("statement_not_found"))
        );
        let unauthenticated = app.client.post(app.url(&dismissal)).send().await.unwrap();
        assert_eq!(unauthenticated.status(), 401);
        let (_, candidates) = api.get("/api/v1/candidates", &token).await;
        assert!(!ids_of(&candidates).contains(&by_address));

        // Kept with a note and its competences: no longer offered.
        let (status, kept) = api
            .post(
                "/api/v1/evidence",
                &token,
                json!({
                    "kind": "activity",
                    "title": "completed Medicines at home",
                    "statement_id": by_urn,
                    "body": "I checked the dosette box with Ole.",
                    "tags": [{ "competence_id": hygiene }],
                }),
            )
            .await;
        assert_eq!(status, 201, "{kept}");
        assert_eq!(kept["statement_voided"], false);
        assert_eq!(kept["body"], "I checked the dosette box with Ole.");
        let (_, candidates) = api.get("/api/v1/candidates", &token).await;
        assert!(!ids_of(&candidates).contains(&by_urn));

        // The sender voids the kept statement and the one still offered.
        for target in [&by_urn, &by_link] {
            let voiding = json!({
                "actor": ingrid_account(&app),
                "verb": { "id": "http://adlnet.gov/expapi/verbs/voided", "display": { "en-US": "voided" } },
                "object": { "objectType": "StatementRef", "id": target },
            });
            post(&app, &provider, &[&voiding]).await;
        }
        let (_, item) = api
            .get(
                &format!("/api/v1/evidence/{}", kept["id"].as_str().unwrap()),
                &token,
            )
            .await;
        assert_eq!(item["statement_voided"], true, "{item}");
        assert_eq!(
            item["title"], "completed Medicines at home",
            "the item stays"
        );
        let (_, candidates) = api.get("/api/v1/candidates", &token).await;
        assert!(
            !ids_of(&candidates).contains(&by_link),
            "a voided statement is no candidate"
        );
        let (status, refused) = api
            .post(
                "/api/v1/evidence",
                &token,
                json!({ "kind": "activity", "title": "Link", "statement_id": by_link }),
            )
            .await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["field"], "statement_id");
    }
);

both_databases!(
    statements_wait_for_their_learner_and_never_reach_another_platforms_people,
    |app| async move {
        let api = Api { app: &app };
        let other = another_platform(&app, "other-client", 1);
        register_platform(&app, &other, &other.issuer).await;
        let first = platform_id(&app, &app.simulator.issuer).await;
        let second = platform_id(&app, &other.issuer).await;
        let operator = app
            .xapi_client("operator", Reach::Everything, "statements/write")
            .await;
        let from_first = app
            .xapi_client("first", Reach::Platform(first), "statements/write")
            .await;
        let from_second = app
            .xapi_client("second", Reach::Platform(second), "statements/write")
            .await;
        let hygiene = competence_id(&app, "carerplus:10.2").await;
        let tied = format!("urn:uuid:{hygiene}");
        let newcomer =
            json!({ "account": { "homePage": app.simulator.issuer, "name": "newcomer-7" } });

        // Sent before the learner ever launched: by the operator (by
        // address), by the learner's platform (by account), and by another
        // platform naming the same account and address.
        let (by_operator, s1) = reported(mbox("newcomer@example.org"), &tied, &[]);
        let (by_platform, s2) = reported(newcomer.clone(), &tied, &[]);
        let (by_stranger, s3) = reported(newcomer.clone(), &tied, &[]);
        let (by_stranger_mbox, s4) = reported(mbox("newcomer@example.org"), &tied, &[]);
        post(&app, &operator, &[&s1]).await;
        post(&app, &from_first, &[&s2]).await;
        post(&app, &from_second, &[&s3, &s4]).await;

        let token = launched_as(
            &app,
            json!({ "sub": "newcomer-7", "name": "Nora Newcomer", "email": "newcomer@example.org" }),
        )
        .await;
        let (_, candidates) = api.get("/api/v1/candidates", &token).await;
        let ids = ids_of(&candidates);
        assert!(ids.contains(&by_operator), "{candidates}");
        assert!(ids.contains(&by_platform), "{candidates}");
        assert!(
            !ids.contains(&by_stranger),
            "another platform's statement stays unlinked"
        );
        assert!(
            !ids.contains(&by_stranger_mbox),
            "another platform's statement stays unlinked"
        );

        // Sent after the launch: given to the learner at once.
        let (after, s5) = reported(newcomer.clone(), &tied, &[]);
        post(&app, &from_first, &[&s5]).await;
        let (_, candidates) = api.get("/api/v1/candidates", &token).await;
        assert!(ids_of(&candidates).contains(&after));

        // Two people sharing an address: the operator's statement for it
        // is given to neither.
        launched_as(
            &app,
            json!({ "sub": "newcomer-twin", "name": "Nils Twin", "email": "newcomer@example.org" }),
        )
        .await;
        let (shared, s6) = reported(mbox("newcomer@example.org"), &tied, &[]);
        post(&app, &operator, &[&s6]).await;
        let (_, candidates) = api.get("/api/v1/candidates", &token).await;
        assert!(
            !ids_of(&candidates).contains(&shared),
            "an ambiguous address names nobody"
        );
        let row = carefolio::entities::xapi_statement::Entity::find()
            .filter(
                carefolio::entities::xapi_statement::Column::Id
                    .eq(Uuid::parse_str(&shared).unwrap()),
            )
            .one(&app.db)
            .await
            .unwrap()
            .expect("stored all the same");
        assert_eq!(row.person_id, None);
    }
);
