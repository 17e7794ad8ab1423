//! Credentials for one learner: the widget's launch token (Bearer) and the
//! token an activity opened from a link fetches the cmi5 way. Each writes
//! statements about its learner only, reads only theirs, keeps only their
//! state, and is spent or refused as the specification says.

use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::both_databases;
use crate::helpers::*;
use carefolio::xapi::clients::Reach;
use carefolio_tests::simulator::LTI;

const ACTIVITY: &str = "https://course.example.org/au/index.html?lang=nb";

fn verb(name: &str) -> Value {
    json!({ "id": format!("http://adlnet.gov/expapi/verbs/{name}"), "display": { "en-US": name } })
}

both_databases!(
    the_widgets_launch_token_records_statements_about_its_learner_only,
    |app| async move {
        let api = Api { app: &app };
        let token = launched_as(&app, json!({})).await;
        let (_, view) = api.get("/api/v1/portfolio", &token).await;
        let me = view["learner"]["xapi_actor"].clone();
        assert_eq!(me["account"]["name"], "learner-0001");
        assert_eq!(view["activity"]["opens_activity"], false);
        let hygiene = competence_id(&app, "carerplus:10.2").await;
        let bearer = |method: Method| {
            app.client
                .request(method, app.url("/xapi/statements"))
                .bearer_auth(&token)
                .header("X-Experience-API-Version", "2.0.0")
        };

        // A self-rating, as the widget records it: stored as the learner's,
        // never offered as evidence.
        let rated = json!({
            "actor": me,
            "verb": { "id": "http://id.tincanapi.com/verb/rated", "display": { "en-US": "rated" } },
            "object": { "id": format!("urn:uuid:{hygiene}") },
            "result": { "score": { "raw": 3, "min": 1, "max": 4 } },
        });
        let sent = bearer(Method::POST).json(&rated).send().await.unwrap();
        assert_eq!(sent.status(), 200);
        let id: Vec<String> = sent.json().await.unwrap();
        let (_, candidates) = api.get("/api/v1/candidates", &token).await;
        assert!(candidates
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["statement_id"] != id[0].as_str()));
        let read: Value = bearer(Method::GET)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let verbs: Vec<&str> = read["statements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["verb"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(verbs.len(), 2, "the rating and the launch: {read}");
        assert_eq!(
            read["statements"][0]["authority"]["account"]["name"],
            "carefolio"
        );

        // About somebody else, or voiding: refused, nothing stored.
        let before = app.count("xapi_statements").await;
        let mut other = rated.clone();
        other["actor"] = json!({ "mbox": "mailto:kari.nordmann@example.org" });
        let refused = bearer(Method::POST).json(&other).send().await.unwrap();
        assert_eq!(refused.status(), 403);
        assert_eq!(error_code(&refused), "xapi_not_this_learner");
        let voiding = json!({
            "actor": me, "verb": verb("voided"),
            "object": { "objectType": "StatementRef", "id": id[0] },
        });
        let refused = bearer(Method::POST).json(&voiding).send().await.unwrap();
        assert_eq!(refused.status(), 403);
        assert_eq!(app.count("xapi_statements").await, before);

        // A forged or altered token is no credential.
        let forged = app
            .client
            .get(app.url("/xapi/statements"))
            .bearer_auth(format!("{token}x"))
            .header("X-Experience-API-Version", "2.0.0")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 401);

        // This link opens no activity.
        let (status, problem) = api.post("/api/v1/activity-launch", &token, json!({})).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (404, Some("no_activity"))
        );
    }
);

both_databases!(
    an_activity_opened_from_a_link_fetches_a_credential_once_and_reports_for_its_learner,
    |app| async move {
        let api = Api { app: &app };
        let token = launched_as(
            &app,
            json!({ format!("{LTI}custom"): { "competences": "carerplus:10.2", "activity_url": ACTIVITY } }),
        )
        .await;
        let (_, view) = api.get("/api/v1/portfolio", &token).await;
        assert_eq!(view["activity"]["opens_activity"], true);
        let (status, launch) = api.post("/api/v1/activity-launch", &token, json!({})).await;
        assert_eq!(status, 200, "{launch}");
        let url = url::Url::parse(launch["url"].as_str().unwrap()).unwrap();
        assert_eq!(url.host_str(), Some("course.example.org"));
        let params: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        assert_eq!(params["lang"], "nb");
        assert_eq!(params["endpoint"], app.url("/xapi/"));
        let actor: Value = serde_json::from_str(&params["actor"]).unwrap();
        assert_eq!(actor["account"]["name"], "learner-0001");
        let registration = params["registration"].clone();
        let activity_id = params["activityId"].clone();

        // The fetch gives the credential once (cmi5 8.2).
        let fetched = app.client.post(&params["fetch"]).send().await.unwrap();
        assert_eq!(fetched.status(), 200);
        assert_eq!(fetched.headers()["access-control-allow-origin"], "*");
        let auth_token = fetched.json::<Value>().await.unwrap()["auth-token"]
            .as_str()
            .unwrap()
            .to_owned();
        let again: Value = app
            .client
            .post(&params["fetch"])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(again["error-code"], "1", "{again}");
        let mut altered = params["fetch"].clone();
        altered.push('x');
        let tampered = app.client.post(&altered).send().await.unwrap();
        assert_eq!(tampered.status(), 400);
        assert_eq!(tampered.json::<Value>().await.unwrap()["error-code"], "2");

        let as_activity = |method: Method, path: &str| {
            app.client
                .request(method, app.url(path))
                .header("Authorization", format!("Basic {auth_token}"))
                .header("X-Experience-API-Version", "1.0.3")
        };
        // What the activity reports is the learner's, tied to the link's
        // competence, and offered in the portfolio.
        let completed = json!({
            "actor": actor, "verb": verb("completed"),
            "object": { "id": activity_id, "definition": { "name": { "en-US": "Medicines at home" } } },
            "context": { "registration": registration },
        });
        let sent = as_activity(Method::POST, "/xapi/statements")
            .json(&completed)
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 200);
        let id: Vec<String> = sent.json().await.unwrap();
        let (_, candidates) = api.get("/api/v1/candidates", &token).await;
        let offered = candidates
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["statement_id"] == id[0].as_str())
            .unwrap_or_else(|| panic!("not offered: {candidates}"));
        assert_eq!(offered["competences"][0]["code"], "10.2");

        // Another learner's statements stay out of its reach.
        let platform = platform_id(&app, &app.simulator.issuer).await;
        let operator = app
            .xapi_client("operator", Reach::Platform(platform), "statements/write")
            .await;
        let kari = json!({
            "actor": { "mbox": "mailto:kari.nordmann@example.org" }, "verb": verb("completed"),
            "object": { "id": activity_id },
        });
        let sent = app
            .xapi(Method::POST, "/xapi/statements", &operator)
            .json(&kari)
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 200);
        let read: Value = as_activity(Method::GET, "/xapi/statements")
            .query(&[("activity", activity_id.as_str())])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let statements = read["statements"].as_array().unwrap();
        assert!(
            statements.iter().any(|s| s["id"] == id[0].as_str()),
            "{read}"
        );
        assert!(
            statements
                .iter()
                .all(|s| s["actor"]["account"]["name"] == "learner-0001"),
            "only the learner's own statements (the report and the launch): {read}"
        );

        // Its learner's state, and nobody else's; no profiles.
        let state = |agent: &Value| {
            [
                ("activityId", activity_id.clone()),
                ("agent", agent.to_string()),
                ("stateId", "bookmark".to_owned()),
                ("registration", registration.clone()),
            ]
        };
        let put = as_activity(Method::PUT, "/xapi/activities/state")
            .query(&state(&actor))
            .json(&json!({ "page": 4 }))
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 204);
        let foreign = as_activity(Method::GET, "/xapi/activities/state")
            .query(&state(
                &json!({ "mbox": "mailto:kari.nordmann@example.org" }),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status(), 403);
        let profile = as_activity(Method::GET, "/xapi/activities/profile")
            .query(&[("activityId", activity_id.as_str()), ("profileId", "p")])
            .send()
            .await
            .unwrap();
        assert_eq!(profile.status(), 403);

        // A credential of another key, or not a learner's, is refused.
        let forged = format!(
            "Basic {}",
            base64_of(&format!("learner:{}", Uuid::new_v4()))
        );
        let refused = app
            .client
            .get(app.url("/xapi/statements"))
            .header("Authorization", forged)
            .header("X-Experience-API-Version", "1.0.3")
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
    }
);

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}
