//! The learning record store: statements sent by clients, their
//! validation, atomic batches, immutability, voiding, attachments, the
//! document resources, and what each credential may reach.

use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::both_databases;
use crate::helpers::*;
use carefolio::xapi::clients::Reach;

fn statement(actor: &str, verb: &str) -> Value {
    json!({
        "actor": { "objectType": "Agent", "mbox": format!("mailto:{actor}@example.org") },
        "verb": { "id": format!("http://example.org/verbs/{verb}"), "display": { "en-US": verb } },
        "object": { "id": "http://example.org/activities/hand-hygiene", "definition": { "name": { "en-US": "Hand hygiene" } } }
    })
}

fn agent(actor: &str) -> String {
    json!({ "mbox": format!("mailto:{actor}@example.org") }).to_string()
}

async fn json_body(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: {text}"))
}

both_databases!(
    activity_definitions_are_merged_across_requests_and_a_repeat_changes_nothing,
    |app| async move {
        let client = app.xapi_client("provider", Reach::Everything, "all").await;
        let with_definition = |definition: Value| {
            let mut sent = statement("ingrid", "completed");
            sent["object"]["definition"] = definition;
            sent
        };
        let definition = || async {
            json_body(
                app.xapi(Method::GET, "/xapi/activities", &client)
                    .query(&[("activityId", "http://example.org/activities/hand-hygiene")])
                    .send()
                    .await
                    .unwrap(),
            )
            .await["definition"]
                .clone()
        };
        let (app_ref, client_ref) = (&app, &client);
        let send = |sent: Value| async move {
            let posted = app_ref
                .xapi(Method::POST, "/xapi/statements", client_ref)
                .json(&sent)
                .send()
                .await
                .unwrap();
            assert_eq!(posted.status(), 200);
        };

        send(with_definition(
            json!({ "name": { "en-US": "Hand hygiene" } }),
        ))
        .await;
        // A later request adds a language and a description: merged in.
        send(with_definition(json!({
            "name": { "en-GB": "Hand hygiene (UK)" },
            "description": { "en-US": "Washing and drying hands" }
        })))
        .await;
        let merged = json!({
            "name": { "en-US": "Hand hygiene", "en-GB": "Hand hygiene (UK)" },
            "description": { "en-US": "Washing and drying hands" }
        });
        assert_eq!(definition().await, merged);
        // Repeating the first definition takes nothing away.
        send(with_definition(
            json!({ "name": { "en-US": "Hand hygiene" } }),
        ))
        .await;
        assert_eq!(definition().await, merged);
        // A changed name replaces that language, in one request's batch too.
        send(json!([
            with_definition(json!({ "name": { "en-US": "Hand washing" } })),
            with_definition(json!({ "type": "http://adlnet.gov/expapi/activities/lesson" }))
        ]))
        .await;
        assert_eq!(
            definition().await,
            json!({
                "name": { "en-US": "Hand washing", "en-GB": "Hand hygiene (UK)" },
                "description": { "en-US": "Washing and drying hands" },
                "type": "http://adlnet.gov/expapi/activities/lesson"
            })
        );
        // And the first name again replaces the changed one.
        send(with_definition(
            json!({ "name": { "en-US": "Hand hygiene" } }),
        ))
        .await;
        assert_eq!(definition().await["name"]["en-US"], "Hand hygiene");
    }
);

both_databases!(
    posted_statements_are_stored_atomically_and_never_changed,
    |app| async move {
        let client = app.xapi_client("provider", Reach::Everything, "all").await;
        let batch = json!([
            statement("ingrid", "completed"),
            statement("kari", "attempted")
        ]);
        let posted = app
            .xapi(Method::POST, "/xapi/statements", &client)
            .json(&batch)
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 200);
        assert_eq!(posted.headers()["x-experience-api-version"], "2.0.0");
        let ids = json_body(posted).await;
        assert_eq!(ids.as_array().unwrap().len(), 2);

        let found = json_body(
            app.xapi(Method::GET, "/xapi/statements", &client)
                .query(&[
                    ("agent", agent("ingrid")),
                    ("verb", "http://example.org/verbs/completed".into()),
                ])
                .send()
                .await
                .unwrap(),
        )
        .await;
        let statements = found["statements"].as_array().unwrap();
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0]["id"], ids[0]);
        assert_eq!(
            statements[0]["authority"]["name"], "provider",
            "the LRS sets the authority"
        );
        assert!(statements[0]["stored"].is_string() && statements[0]["version"] == "2.0.0");

        // One bad statement refuses the batch, naming the field; nothing of it is stored.
        let before = app.count("xapi_statements").await;
        let mut bad = statement("ingrid", "passed");
        bad["verb"]["id"] = json!("not an iri");
        let refused = app
            .xapi(Method::POST, "/xapi/statements", &client)
            .json(&json!([statement("ingrid", "passed"), bad]))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
        let problem = json_body(refused).await;
        assert_eq!(problem["field"], "statement[1].verb.id");
        assert_eq!(app.count("xapi_statements").await, before);

        // The same id with other content is a conflict; with the same content, accepted.
        let id = uuid::Uuid::new_v4().to_string();
        let put = |body: Value| {
            app.xapi(Method::PUT, "/xapi/statements", &client)
                .query(&[("statementId", id.as_str())])
                .json(&body)
                .send()
        };
        assert_eq!(
            put(statement("kari", "completed")).await.unwrap().status(),
            204
        );
        assert_eq!(
            put(statement("kari", "completed")).await.unwrap().status(),
            204
        );
        let changed = put(statement("kari", "failed")).await.unwrap();
        assert_eq!(changed.status(), 409);
        assert_eq!(error_code(&changed), "statement_conflict");
        let kept = json_body(
            app.xapi(Method::GET, "/xapi/statements", &client)
                .query(&[("statementId", id.as_str())])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(kept["verb"]["id"], "http://example.org/verbs/completed");

        // Unknown parameters are refused rather than ignored.
        let misspelt = app
            .xapi(Method::GET, "/xapi/statements", &client)
            .query(&[("verbs", "http://example.org/verbs/completed")])
            .send()
            .await
            .unwrap();
        assert_eq!(misspelt.status(), 400);
    }
);

both_databases!(
    voided_statements_are_reachable_only_as_voided,
    |app| async move {
        let client = app.xapi_client("provider", Reach::Everything, "all").await;
        let ids = json_body(
            app.xapi(Method::POST, "/xapi/statements", &client)
                .json(&statement("ingrid", "completed"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let target = ids[0].as_str().unwrap().to_owned();
        let voiding = json!({
            "actor": { "mbox": "mailto:teacher@example.org" },
            "verb": { "id": "http://adlnet.gov/expapi/verbs/voided" },
            "object": { "objectType": "StatementRef", "id": target }
        });
        let voided = json_body(
            app.xapi(Method::POST, "/xapi/statements", &client)
                .json(&voiding)
                .send()
                .await
                .unwrap(),
        )
        .await;
        let voiding_id = voided[0].as_str().unwrap().to_owned();
        let get = |name: &'static str, id: String| {
            app.xapi(Method::GET, "/xapi/statements", &client)
                .query(&[(name, id)])
                .send()
        };
        assert_eq!(
            get("statementId", target.clone()).await.unwrap().status(),
            404
        );
        assert_eq!(
            get("voidedStatementId", target.clone())
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(
            get("voidedStatementId", voiding_id.clone())
                .await
                .unwrap()
                .status(),
            404
        );
        let listed = json_body(
            app.xapi(Method::GET, "/xapi/statements", &client)
                .query(&[("agent", agent("ingrid"))])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!(listed["statements"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != target.as_str()));

        // A voiding statement cannot itself be voided.
        let mut again = voiding.clone();
        again["object"]["id"] = json!(voiding_id);
        let refused = app
            .xapi(Method::POST, "/xapi/statements", &client)
            .json(&again)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
    }
);

both_databases!(
    each_credential_reaches_only_its_owner_and_its_scope,
    |app| async move {
        let other = another_platform(&app, "other-client", 1);
        register_platform(&app, &other, &other.issuer).await;
        let first = platform_id(&app, &app.simulator.issuer).await;
        let second = platform_id(&app, &other.issuer).await;
        let writer_a = app
            .xapi_client(
                "a-writer",
                Reach::Platform(first),
                "statements/write,statements/read/mine",
            )
            .await;
        let other_writer_a = app
            .xapi_client("a-writer-2", Reach::Platform(first), "statements/write")
            .await;
        let reader_a = app
            .xapi_client("a-reader", Reach::Platform(first), "statements/read")
            .await;
        let reader_b = app
            .xapi_client("b-reader", Reach::Platform(second), "all/read")
            .await;
        let operator = app
            .xapi_client("operator", Reach::Everything, "all/read")
            .await;

        let posted = json_body(
            app.xapi(Method::POST, "/xapi/statements", &writer_a)
                .json(&statement("ingrid", "completed"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let id = posted[0].as_str().unwrap().to_owned();
        let read = |client: (String, String)| {
            let app = &app;
            let id = id.clone();
            async move {
                app.xapi(Method::GET, "/xapi/statements", &client)
                    .query(&[("statementId", id)])
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(
            read(writer_a.clone()).await,
            200,
            "its own statement, read back"
        );
        assert_eq!(read(reader_a.clone()).await, 200, "its platform's reader");
        assert_eq!(read(operator.clone()).await, 200, "the operator");
        assert_eq!(
            read(reader_b.clone()).await,
            404,
            "another platform's reader never sees it"
        );
        assert_eq!(
            read(other_writer_a.clone()).await,
            403,
            "write-only credentials read nothing"
        );

        // statements/read/mine: another writer's statement is not its own.
        let theirs = json_body(
            app.xapi(Method::POST, "/xapi/statements", &other_writer_a)
                .json(&statement("kari", "completed"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let mine_only = app
            .xapi(Method::GET, "/xapi/statements", &writer_a)
            .query(&[("statementId", theirs[0].as_str().unwrap())])
            .send()
            .await
            .unwrap();
        assert_eq!(mine_only.status(), 404);

        // Readers cannot write; nobody without `state` reaches state.
        let refused = app
            .xapi(Method::POST, "/xapi/statements", &reader_a)
            .json(&statement("x", "y"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);
        assert_eq!(error_code(&refused), "xapi_scope_missing");
        let state_params = [
            (
                "activityId",
                "http://example.org/activities/hand-hygiene".to_owned(),
            ),
            ("agent", agent("ingrid")),
            ("stateId", "bookmark".to_owned()),
        ];
        let no_state = app
            .xapi(Method::GET, "/xapi/activities/state", &writer_a)
            .query(&state_params)
            .send()
            .await
            .unwrap();
        assert_eq!(no_state.status(), 403);

        // Documents are kept per owner: platform B never reads platform A's state.
        let state_a = app
            .xapi_client("a-state", Reach::Platform(first), "state")
            .await;
        let state_b = app
            .xapi_client("b-state", Reach::Platform(second), "state")
            .await;
        let put = app
            .xapi(Method::PUT, "/xapi/activities/state", &state_a)
            .query(&state_params)
            .json(&json!({ "page": 3 }))
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 204);
        let own = app
            .xapi(Method::GET, "/xapi/activities/state", &state_a)
            .query(&state_params)
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), 200);
        let foreign = app
            .xapi(Method::GET, "/xapi/activities/state", &state_b)
            .query(&state_params)
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status(), 404);
    }
);

both_databases!(documents_follow_etags_and_merge_json, |app| async move {
    let client = app.xapi_client("provider", Reach::Everything, "all").await;
    let params = [
        (
            "activityId",
            "http://example.org/activities/hand-hygiene".to_owned(),
        ),
        ("profileId", "settings".to_owned()),
    ];
    let path = "/xapi/activities/profile";
    let created = app
        .xapi(Method::PUT, path, &client)
        .query(&params)
        .header("If-None-Match", "*")
        .json(&json!({ "a": 1, "b": 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 204);
    let again = app
        .xapi(Method::PUT, path, &client)
        .query(&params)
        .header("If-None-Match", "*")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 412, "If-None-Match: * refuses to overwrite");
    let unconditional = app
        .xapi(Method::PUT, path, &client)
        .query(&params)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        unconditional.status(),
        409,
        "changing a document needs its ETag"
    );

    let got = app
        .xapi(Method::GET, path, &client)
        .query(&params)
        .send()
        .await
        .unwrap();
    let etag = got.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() == 42, "{etag}");
    let merged = app
        .xapi(Method::POST, path, &client)
        .query(&params)
        .header("If-Match", &etag)
        .json(&json!({ "b": 3 }))
        .send()
        .await
        .unwrap();
    assert_eq!(merged.status(), 204);
    let stale = app
        .xapi(Method::POST, path, &client)
        .query(&params)
        .header("If-Match", &etag)
        .json(&json!({ "c": 4 }))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    let document = json_body(
        app.xapi(Method::GET, path, &client)
            .query(&params)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(document, json!({ "a": 1, "b": 3 }));

    let not_json = app
        .xapi(Method::POST, path, &client)
        .query(&params)
        .header("Content-Type", "text/plain")
        .body("plain words")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400, "only JSON objects merge");

    let listed = json_body(
        app.xapi(Method::GET, path, &client)
            .query(&[("activityId", "http://example.org/activities/hand-hygiene")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(listed, json!(["settings"]));
    let deleted = app
        .xapi(Method::DELETE, path, &client)
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        app.xapi(Method::GET, path, &client)
            .query(&params)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
});

both_databases!(
    attachments_travel_with_their_hashes_checked,
    |app| async move {
        let client = app.xapi_client("provider", Reach::Everything, "all").await;
        let content = b"Notes from the home visit".to_vec();
        let hash = format!("{:x}", Sha256::digest(&content));
        let mut with_attachment = statement("ingrid", "completed");
        with_attachment["attachments"] = json!([{
            "usageType": "http://example.org/attachments/notes",
            "display": { "en-US": "Notes" },
            "contentType": "text/plain",
            "length": content.len(),
            "sha2": hash,
        }]);
        let multipart = |declared_hash: &str, bytes: &[u8]| {
            let mut body = Vec::new();
            body.extend_from_slice(b"--xyz\r\nContent-Type: application/json\r\n\r\n");
            body.extend_from_slice(with_attachment.to_string().as_bytes());
            body.extend_from_slice(
            format!("\r\n--xyz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {declared_hash}\r\n\r\n").as_bytes(),
        );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n--xyz--\r\n");
            body
        };
        let tampered = app
            .xapi(Method::POST, "/xapi/statements", &client)
            .header("Content-Type", "multipart/mixed; boundary=xyz")
            .body(multipart(&hash, b"Other words"))
            .send()
            .await
            .unwrap();
        assert_eq!(tampered.status(), 400);
        assert_eq!(app.count("xapi_attachments").await, 0);
        let missing = app
            .xapi(Method::POST, "/xapi/statements", &client)
            .json(&with_attachment)
            .send()
            .await
            .unwrap();
        assert_eq!(
            missing.status(),
            400,
            "an attachment without fileUrl must be sent"
        );

        let stored = app
            .xapi(Method::POST, "/xapi/statements", &client)
            .header("Content-Type", "multipart/mixed; boundary=xyz")
            .body(multipart(&hash, &content))
            .send()
            .await
            .unwrap();
        assert_eq!(stored.status(), 200);
        let id = json_body(stored).await[0].as_str().unwrap().to_owned();
        let fetched = app
            .xapi(Method::GET, "/xapi/statements", &client)
            .query(&[("statementId", id.as_str()), ("attachments", "true")])
            .send()
            .await
            .unwrap();
        let content_type = fetched.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("multipart/mixed; boundary="),
            "{content_type}"
        );
        let body = fetched.bytes().await.unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains(&format!("X-Experience-API-Hash: {hash}")));
        assert!(text.contains("Notes from the home visit"));
    }
);

both_databases!(
    about_is_open_and_every_answer_names_its_version,
    |app| async move {
        let about = app.client.get(app.url("/xapi/about")).send().await.unwrap();
        assert_eq!(about.status(), 200);
        let body = json_body(about).await;
        assert_eq!(body["version"], json!(["1.0.3", "2.0.0"]));
        let client = app.xapi_client("provider", Reach::Everything, "all").await;
        let v1 = app
            .client
            .get(app.url("/xapi/statements?limit=bad"))
            .basic_auth(&client.0, Some(&client.1))
            .header("X-Experience-API-Version", "1.0.3")
            .send()
            .await
            .unwrap();
        assert_eq!(v1.status(), 400);
        assert_eq!(v1.headers()["x-experience-api-version"], "1.0.3");
        assert!(v1
            .headers()
            .contains_key("x-experience-api-consistent-through"));
    }
);

both_databases!(
    query_answers_give_statements_as_stored_and_hide_2_0_properties_from_1_0_3,
    |app| async move {
        let client = app.xapi_client("provider", Reach::Everything, "all").await;
        let mut with_context_agents = statement("ingrid", "completed");
        with_context_agents["context"] = json!({
            "contextAgents": [{ "objectType": "contextAgent", "agent": { "mbox": "mailto:mentor@example.org" } }],
            "language": "nb-NO"
        });
        let posted = app
            .xapi(Method::POST, "/xapi/statements", &client)
            .json(&json!([
                with_context_agents,
                statement("ingrid", "attempted")
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 200);
        let ids = json_body(posted).await;
        let query = [("agent", agent("ingrid"))];

        let v2 = app
            .xapi(Method::GET, "/xapi/statements", &client)
            .query(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(v2.status(), 200);
        assert!(v2.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        assert!(v2.headers().contains_key("last-modified"));
        let v2 = json_body(v2).await;
        assert_eq!(v2["more"], "");
        let listed = v2["statements"].as_array().unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0]["id"], ids[1], "newest first");
        assert_eq!(
            listed[1]["context"]["contextAgents"][0]["agent"]["mbox"],
            "mailto:mentor@example.org"
        );
        // A listed statement is the statement fetched by its id.
        let by_id = json_body(
            app.xapi(Method::GET, "/xapi/statements", &client)
                .query(&[("statementId", ids[1].as_str().unwrap())])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(listed[0], by_id);

        let v1 = app
            .client
            .get(app.url("/xapi/statements"))
            .query(&query)
            .basic_auth(&client.0, Some(&client.1))
            .header("X-Experience-API-Version", "1.0.3")
            .send()
            .await
            .unwrap();
        assert_eq!(v1.status(), 200);
        let v1 = json_body(v1).await;
        let listed = v1["statements"].as_array().unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed[1]["context"].get("contextAgents").is_none());
        assert_eq!(listed[1]["context"]["language"], "nb-NO");

        // A page that is not the last links to the next.
        let paged = json_body(
            app.xapi(Method::GET, "/xapi/statements", &client)
                .query(&[("agent", agent("ingrid")), ("limit", "1".into())])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(paged["statements"].as_array().unwrap().len(), 1);
        assert!(paged["more"]
            .as_str()
            .unwrap()
            .starts_with("/xapi/statements?"));
    }
);

/// The plan of each query a filtered read runs, one line per step.
async fn plans(app: &TestApp, filters: &carefolio::xapi::query::Filters) -> Vec<String> {
    use sea_orm::{DbBackend, Statement, TransactionTrait};
    let backend = app.db.get_database_backend();
    let reader = carefolio::xapi::query::Reader {
        reach: Reach::Everything,
        only_client: None,
        only_person: None,
    };
    let mut lines = Vec::new();
    let txn = app.db.begin().await.unwrap();
    if backend == DbBackend::Postgres {
        // With sequential scans priced out, a plan that still has one has
        // no index to use.
        txn.execute_unprepared("SET LOCAL enable_seqscan = off")
            .await
            .unwrap();
    }
    for query in carefolio::xapi::query::filtered_queries(backend, reader, filters, 100, None) {
        let explain = match backend {
            DbBackend::Sqlite => format!("EXPLAIN QUERY PLAN {}", query.sql),
            _ => format!("EXPLAIN {}", query.sql),
        };
        let statement = Statement::from_sql_and_values(
            backend,
            explain,
            query.values.map(|v| v.0).unwrap_or_default(),
        );
        for row in txn.query_all(statement).await.unwrap() {
            let line: String = match backend {
                DbBackend::Sqlite => row.try_get("", "detail").unwrap(),
                _ => row.try_get("", "QUERY PLAN").unwrap(),
            };
            lines.push(line);
        }
        lines.push("--".to_owned());
    }
    txn.rollback().await.unwrap();
    lines
}

both_databases!(
    filtered_statement_queries_never_scan_the_store,
    |app| async move {
        let client = app.xapi_client("provider", Reach::Everything, "all").await;
        let batch: Vec<Value> = (0..50)
            .map(|n| {
                statement(
                    &format!("learner-{}", n % 5),
                    ["completed", "attempted"][n % 2],
                )
            })
            .collect();
        assert_eq!(
            app.xapi(Method::POST, "/xapi/statements", &client)
                .json(&batch)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );

        use carefolio::xapi::query::Filters;
        let agent_key = "mbox:mailto:learner-1@example.org".to_owned();
        let cases = [
            (
                "agent and verb",
                Filters {
                    agent: Some(agent_key.clone()),
                    verb: Some("http://example.org/verbs/completed".into()),
                    ..Default::default()
                },
            ),
            (
                "agent",
                Filters {
                    agent: Some(agent_key.clone()),
                    ..Default::default()
                },
            ),
            (
                "related agents",
                Filters {
                    agent: Some(agent_key),
                    related_agents: true,
                    ..Default::default()
                },
            ),
            (
                "verb",
                Filters {
                    verb: Some("http://example.org/verbs/completed".into()),
                    ..Default::default()
                },
            ),
            (
                "activity",
                Filters {
                    activity: Some("http://example.org/activities/hand-hygiene".into()),
                    related_activities: true,
                    ..Default::default()
                },
            ),
            (
                "registration",
                Filters {
                    registration: Some(uuid::Uuid::new_v4()),
                    ..Default::default()
                },
            ),
            (
                "since",
                Filters {
                    since_ms: Some(carefolio::util::now_ms() - 3_600_000),
                    ascending: true,
                    ..Default::default()
                },
            ),
        ];
        for (name, filters) in cases {
            let plan = plans(&app, &filters).await;
            let scans: Vec<&String> = plan
                .iter()
                .filter(|line| {
                    // SQLite: "SCAN s" reads the whole table; PostgreSQL:
                    // "Seq Scan on xapi_statements". Walking the partial index
                    // of references reads only statements that point at another.
                    let line = line.trim_start_matches([' ', '-', '>']);
                    (line.starts_with("SCAN ")
                        && !line.contains("LIST SUBQUERY")
                        && !line.contains("CO-ROUTINE")
                        && !line.contains("USING INDEX xapi_statements_refs"))
                        || line.starts_with("Seq Scan")
                })
                .collect();
            assert!(
                scans.is_empty(),
                "{name}: the plan scans a table ({scans:?}):\n{}",
                plan.join("\n")
            );
            if name == "agent and verb"
                && app.db.get_database_backend() == sea_orm::DbBackend::Postgres
            {
                assert!(
                    plan.iter()
                        .any(|line| line.contains("verb_hash") && !line.contains("Seq Scan")),
                    "the mentions are filtered by verb before any statement is read:\n{}",
                    plan.join("\n")
                );
            }
        }
    }
);

both_databases!(
    a_query_by_agent_and_verb_finds_mentions_with_and_without_the_verbs_hash,
    |app| async move {
        let client = app.xapi_client("provider", Reach::Everything, "all").await;
        let batch: Vec<Value> = (0..12)
            .map(|n| statement("ingrid", ["completed", "attempted", "passed"][n % 3]))
            .collect();
        let posted = app
            .xapi(Method::POST, "/xapi/statements", &client)
            .json(&batch)
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 200);
        // Mentions written before the hash was kept have none.
        app.db
            .execute_unprepared(
                "UPDATE xapi_statement_agents SET verb_hash = NULL \
                 WHERE statement_seq % 2 = 0",
            )
            .await
            .unwrap();
        for verb in ["completed", "attempted", "passed"] {
            let found = json_body(
                app.xapi(Method::GET, "/xapi/statements", &client)
                    .query(&[
                        ("agent", agent("ingrid")),
                        ("verb", format!("http://example.org/verbs/{verb}")),
                    ])
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            let statements = found["statements"].as_array().unwrap();
            assert_eq!(statements.len(), 4, "{verb}: {found}");
            assert!(statements
                .iter()
                .all(|s| s["verb"]["id"] == format!("http://example.org/verbs/{verb}")));
        }
    }
);

/// A `carefolio serve` process on the test app's database and data
/// folder, answering at `url` once this returns.
async fn serve(app: &TestApp, port: u16, url: &str) -> std::process::Child {
    let server = app
        .carefolio_command()
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("carefolio serve starts");
    carefolio_tests::launcher::wait_until_healthy(
        &app.client,
        url,
        std::time::Duration::from_secs(60),
    )
    .await
    .expect("carefolio serve answers");
    server
}

fn batch_of(count: usize, round: usize) -> (Vec<String>, Value) {
    let statements: Vec<Value> = (0..count)
        .map(|n| {
            let mut statement = statement(&format!("learner-{}", (round + n) % 50), "completed");
            statement["id"] = json!(uuid::Uuid::new_v4());
            statement
        })
        .collect();
    let ids = statements
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    (ids, Value::Array(statements))
}

both_databases!(
    acknowledged_statements_survive_a_kill_during_concurrent_posts,
    |app| async move {
        let (key, secret) = app.xapi_client("provider", Reach::Everything, "all").await;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}");
        let mut server = serve(&app, port, &url).await;

        // 16 clients post batches of 20 until the server dies under them.
        let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Vec<String>>::new()));
        let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Vec<String>>::new()));
        let mut clients = Vec::new();
        for client in 0..16 {
            let (url, key, secret) = (url.clone(), key.clone(), secret.clone());
            let (acknowledged, sent) = (acknowledged.clone(), sent.clone());
            clients.push(actix_web::rt::spawn(async move {
                let http = reqwest::Client::new();
                for round in 0.. {
                    let (ids, body) = batch_of(20, client * 1000 + round);
                    sent.lock().unwrap().push(ids.clone());
                    let answer = http
                        .post(format!("{url}/xapi/statements"))
                        .basic_auth(&key, Some(&secret))
                        .header("X-Experience-API-Version", "2.0.0")
                        .json(&body)
                        .send()
                        .await;
                    match answer {
                        Ok(response) if response.status() == 200 => {
                            acknowledged.lock().unwrap().push(ids)
                        }
                        Ok(response) => panic!("POST answered {}", response.status()),
                        // The server was killed.
                        Err(_) => break,
                    }
                }
            }));
        }
        // Kill it once it has acknowledged a good number, mid-stream.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while acknowledged.lock().unwrap().len() < 150 {
            assert!(
                std::time::Instant::now() < deadline,
                "too few acknowledgements"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        for client in clients {
            client.await.unwrap();
        }

        let mut server = serve(&app, port, &url).await;
        let stored_of = |ids: &[String]| {
            use carefolio::entities::xapi_statement;
            use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
            let ids: Vec<uuid::Uuid> = ids.iter().map(|id| id.parse().unwrap()).collect();
            let db = app.db.clone();
            async move {
                xapi_statement::Entity::find()
                    .filter(xapi_statement::Column::Id.is_in(ids))
                    .count(&db)
                    .await
                    .unwrap()
            }
        };
        let acknowledged = acknowledged.lock().unwrap().clone();
        for ids in &acknowledged {
            assert_eq!(
                stored_of(ids).await,
                ids.len() as u64,
                "an acknowledged batch is missing after the restart"
            );
        }
        // Batches cut off by the kill are stored whole or not at all.
        let sent = sent.lock().unwrap().clone();
        assert!(
            sent.len() > acknowledged.len(),
            "no request was in flight when the server was killed"
        );
        for ids in &sent {
            let stored = stored_of(ids).await;
            assert!(
                stored == 0 || stored == ids.len() as u64,
                "a batch was stored in part: {stored} of {}",
                ids.len()
            );
        }
        // The restarted server answers with them.
        let http = reqwest::Client::new();
        for ids in acknowledged.iter().step_by(25) {
            let found = http
                .get(format!("{url}/xapi/statements?statementId={}", ids[0]))
                .basic_auth(&key, Some(&secret))
                .header("X-Experience-API-Version", "2.0.0")
                .send()
                .await
                .unwrap();
            assert_eq!(found.status(), 200);
        }
        server.kill().unwrap();
        server.wait().unwrap();
    }
);
