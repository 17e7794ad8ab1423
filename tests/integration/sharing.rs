//! Collections, sharing and comments, and the authorization matrix: the
//! owner, a named reader, the course's teachers, a link holder, and
//! everyone else, against every portfolio endpoint.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::*;

both_databases!(
    sharing_shows_each_reader_only_what_is_shared_with_them_and_every_read_is_audited,
    |app| async move {
        let api = Api { app: &app };
        let ingrid = launched_as(&app, json!({})).await;
        let ole = launched_as(&app, json!({ "sub": "learner-0002", "name": "Ole Nilsen" })).await;
        let tove = launched_as(&app, teacher()).await;
        let mut outsider_claims = other_course();
        outsider_claims["sub"] = "learner-0099".into();
        outsider_claims["name"] = "Per Utenfor".into();
        let outsider = launched_as(&app, outsider_claims).await;
        let mut other_teacher_claims = teacher();
        other_teacher_claims["sub"] = "teacher-0099".into();
        other_teacher_claims[lti("context")] = other_course()[lti("context")].clone();
        other_teacher_claims[lti("resource_link")] = other_course()[lti("resource_link")].clone();
        let other_teacher = launched_as(&app, other_teacher_claims).await;

        let peer_support = {
            let (found, _) = carefolio::frameworks::store::resolve(
                &app.db,
                &[carefolio::frameworks::CompetenceRef::parse("carerplus:10.2").unwrap()],
            )
            .await
            .unwrap();
            found[0].id.to_string()
        };
        let (_, a) = api.post("/api/v1/evidence", &ingrid, json!({ "kind": "reflection", "title": "What I learnt", "body": "Peer groups help.", "tags": [{ "competence_id": peer_support, "level": 1 }] })).await;
        let b: Value = app
            .client
            .post(app.url("/api/v1/evidence/files?name=mrs-k.png&describes_care_recipient=true"))
            .bearer_auth(&ingrid)
            .header("content-type", "image/png")
            .body(PNG.to_vec())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(b["describes_care_recipient"], true);
        let (_, c) = api.post("/api/v1/evidence", &ingrid, json!({ "kind": "link", "title": "Certificate", "url": "https://kurs.example.no/c/1", "tags": [{ "competence_id": peer_support, "level": 2 }] })).await;
        let (a, b, c) = (a["id"].clone(), b["id"].clone(), c["id"].clone());
        let (status, collection) = api.post("/api/v1/collections", &ingrid, json!({ "title": "Placement, spring", "introduction": "My **placement**.", "items": [c, b] })).await;
        assert_eq!(status, 201);
        assert_eq!(collection["items"], json!([c, b]));
        assert!(collection["introduction_html"]
            .as_str()
            .unwrap()
            .contains("<strong>placement</strong>"));
        // Another learner's item cannot go into a collection.
        let (_, theirs) = api
            .post(
                "/api/v1/evidence",
                &ole,
                json!({ "kind": "reflection", "title": "Mine", "body": "x" }),
            )
            .await;
        let (status, problem) = api
            .post(
                "/api/v1/collections",
                &ingrid,
                json!({ "title": "Sneaky", "items": [theirs["id"]] }),
            )
            .await;
        assert_eq!((status, problem["field"].as_str()), (422, Some("items")));

        // Whom Ingrid can share with: people of her course only.
        let (_, people) = api.get("/api/v1/course-people", &ingrid).await;
        let names: Vec<&str> = people
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Tove Berg", "Ole Nilsen"], "teachers first");
        let ole_id = people[1]["id"].clone();
        let outsider_id = {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            carefolio::entities::person::Entity::find()
                .filter(carefolio::entities::person::Column::Name.eq("Per Utenfor"))
                .one(&app.db)
                .await
                .unwrap()
                .unwrap()
                .id
        };
        let (status, _) = api
            .post(
                "/api/v1/shares",
                &ingrid,
                json!({ "kind": "person", "person_id": outsider_id }),
            )
            .await;
        assert_eq!(status, 422, "not of her course");

        // A named reader sees everything shared with them, care-recipient items too.
        let (status, to_ole) = api
            .post(
                "/api/v1/shares",
                &ingrid,
                json!({ "kind": "person", "person_id": ole_id }),
            )
            .await;
        assert_eq!(status, 201);
        let to_ole = to_ole["id"].as_str().unwrap().to_owned();
        let (_, mine) = api.get("/api/v1/shared-with-me", &ole).await;
        assert_eq!(mine[0]["owner_name"], "Ingrid Hansen");
        let (status, seen) = api.get(&format!("/api/v1/shared/{to_ole}"), &ole).await;
        assert_eq!(status, 200);
        assert_eq!(seen["items"].as_array().unwrap().len(), 3);
        assert_eq!(seen["may_comment"], true);
        let file_url = seen["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == b)
            .unwrap()["file_url"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            app.client
                .get(app.url(&file_url))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        for stranger in [&tove, &outsider, &other_teacher] {
            let (status, problem) = api.get(&format!("/api/v1/shared/{to_ole}"), stranger).await;
            assert_eq!(
                (status, problem["code"].as_str()),
                (404, Some("share_not_found"))
            );
        }

        // The course's teachers see the collection shared with the course.
        let (status, to_course) = api
            .post(
                "/api/v1/shares",
                &ingrid,
                json!({ "kind": "course", "collection_id": collection["id"] }),
            )
            .await;
        assert_eq!(status, 201);
        let to_course = to_course["id"].as_str().unwrap().to_owned();
        let (_, for_tove) = api.get("/api/v1/shared-with-me", &tove).await;
        assert_eq!(for_tove[0]["collection_title"], "Placement, spring");
        let (_, seen) = api.get(&format!("/api/v1/shared/{to_course}"), &tove).await;
        let ids: Vec<Value> = seen["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].clone())
            .collect();
        assert_eq!(
            ids,
            vec![c.clone(), b.clone()],
            "the collection's items, in its order"
        );
        assert_eq!(seen["collection"]["title"], "Placement, spring");
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
        let (status, map) = api
            .get(
                &format!("/api/v1/learners/{ingrid_id}/map/carerplus"),
                &tove,
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            map["totals"]["evidence"], 1,
            "only the shared link counts, not the reflection"
        );
        for (who, expected) in [(&ole, 403), (&other_teacher, 404), (&outsider, 403)] {
            let (status, _) = api
                .get(&format!("/api/v1/learners/{ingrid_id}/map/carerplus"), who)
                .await;
            assert_eq!(status, expected);
            let (status, _) = api.get(&format!("/api/v1/shared/{to_course}"), who).await;
            assert_eq!(status, 404);
        }

        // Comments: named readers and teachers, on what they can see.
        let (status, _) = api
            .post(
                &format!(
                    "/api/v1/evidence/{}/comments?share={to_ole}",
                    a.as_str().unwrap()
                ),
                &ole,
                json!({ "body": "Good point about peer groups!" }),
            )
            .await;
        assert_eq!(status, 201);
        let (status, _) = api
            .post(
                &format!(
                    "/api/v1/evidence/{}/comments?share={to_course}",
                    a.as_str().unwrap()
                ),
                &tove,
                json!({ "body": "not in the collection" }),
            )
            .await;
        assert_eq!(
            status, 404,
            "the reflection is not in the shared collection"
        );
        let (status, _) = api
            .post(
                &format!(
                    "/api/v1/evidence/{}/comments?share={to_course}",
                    c.as_str().unwrap()
                ),
                &tove,
                json!({ "body": "Please add the date." }),
            )
            .await;
        assert_eq!(status, 201);
        let (status, _) = api
            .post(
                &format!("/api/v1/evidence/{}/comments", a.as_str().unwrap()),
                &ole,
                json!({ "body": "no share named" }),
            )
            .await;
        assert_eq!(status, 404);
        let (_, unseen) = api.get("/api/v1/comments/unseen", &ingrid).await;
        assert_eq!(unseen.as_array().unwrap().len(), 2);
        assert_eq!(unseen[0]["author_name"], "Ole Nilsen");
        let (status, _) = api.post("/api/v1/comments/seen", &ingrid, json!({})).await;
        assert_eq!(status, 204);
        let (_, unseen) = api.get("/api/v1/comments/unseen", &ingrid).await;
        assert_eq!(unseen, json!([]));
        let (_, thread) = api
            .get(
                &format!("/api/v1/evidence/{}/comments", c.as_str().unwrap()),
                &ingrid,
            )
            .await;
        assert_eq!(thread[0]["body"], "Please add the date.");

        // A secret link: read-only, never a care-recipient item, revoked at once.
        let (status, link) = api
            .post(
                "/api/v1/shares",
                &ingrid,
                json!({ "kind": "link", "expires_in_days": 30 }),
            )
            .await;
        assert_eq!(status, 201);
        let url = link["url"].as_str().unwrap().to_owned();
        let secret = url.rsplit('/').next().unwrap().to_owned();
        assert!(link["expires_at"].as_i64().is_some());
        let (status, public) = api
            .call(Method::GET, &format!("/api/v1/public/{secret}"), None, None)
            .await;
        assert_eq!(status, 200);
        let ids: Vec<Value> = public["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].clone())
            .collect();
        assert!(
            !ids.contains(&b),
            "a care-recipient item never goes out by link"
        );
        assert_eq!(ids.len(), 2);
        assert_eq!(public["may_comment"], false);
        let (status, collection_link) = api
            .post(
                "/api/v1/shares",
                &ingrid,
                json!({ "kind": "link", "collection_id": collection["id"] }),
            )
            .await;
        assert_eq!(status, 201);
        let collection_secret = collection_link["url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let (_, public) = api
            .call(
                Method::GET,
                &format!("/api/v1/public/{collection_secret}"),
                None,
                None,
            )
            .await;
        assert_eq!(
            public["items"].as_array().unwrap().len(),
            1,
            "the collection without its care-recipient item"
        );
        // The page the link opens: readable without sign-in, no script.
        let page = app.client.get(&url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("script-src"),
            "{csp}"
        );
        let html = page.text().await.unwrap();
        assert!(
            html.contains("<h1>Ingrid Hansen&#x27;s portfolio</h1>"),
            "{html}"
        );
        assert!(html.contains("What I learnt") && html.contains("Certificate"));
        assert!(
            !html.contains("mrs-k.png"),
            "no care-recipient item on the page"
        );
        let ole_file_for_b = file_url.clone();
        let (status, _) = api
            .call(
                Method::DELETE,
                &format!("/api/v1/shares/{}", link["id"].as_str().unwrap()),
                Some(&ingrid),
                None,
            )
            .await;
        assert_eq!(status, 204);
        let (status, _) = api
            .call(Method::GET, &format!("/api/v1/public/{secret}"), None, None)
            .await;
        assert_eq!(status, 404, "revoked: at once");
        let (status, _) = api
            .call(Method::GET, "/api/v1/public/not-a-secret", None, None)
            .await;
        assert_eq!(status, 404);
        let (status, _) = api
            .post(
                "/api/v1/shares",
                &ingrid,
                json!({ "kind": "link", "expires_in_days": 0 }),
            )
            .await;
        assert_eq!(status, 422);
        // Revoking Ole's share stops his file address too.
        api.call(
            Method::DELETE,
            &format!("/api/v1/shares/{to_ole}"),
            Some(&ingrid),
            None,
        )
        .await;
        assert_eq!(
            app.client
                .get(app.url(&ole_file_for_b))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        let (status, _) = api.get(&format!("/api/v1/shared/{to_ole}"), &ole).await;
        assert_eq!(status, 404);
        // Only the owner revokes.
        let (status, _) = api
            .call(
                Method::DELETE,
                &format!("/api/v1/shares/{to_course}"),
                Some(&tove),
                None,
            )
            .await;
        assert_eq!(status, 404);

        // The audit trail names every reader and what they read.
        let (_, trail) = api.get("/api/v1/audit", &ingrid).await;
        let lines = trail.as_array().unwrap();
        let count = |kind: &str, action: &str| {
            lines
                .iter()
                .filter(|l| l["reader_kind"] == kind && l["action"] == action)
                .count()
        };
        assert_eq!(count("person", "read_item"), 3);
        assert_eq!(count("person", "read_file"), 1);
        assert_eq!(count("person", "comment"), 1);
        assert_eq!(count("course_teacher", "read_item"), 2);
        assert_eq!(count("link", "read_item"), 5, "the JSON twice and the page");
        assert!(lines
            .iter()
            .filter(|l| l["reader_kind"] == "person")
            .all(|l| l["reader"] == "Ole Nilsen"));
        assert!(lines
            .iter()
            .filter(|l| l["reader_kind"] == "link")
            .all(|l| l["reader"].is_null()));
        // Nobody else sees Ingrid's trail: each sees only their own.
        let (_, oles) = api.get("/api/v1/audit", &ole).await;
        assert_eq!(oles, json!([]));
    }
);

both_databases!(an_expired_share_stops_working, |app| async move {
    let api = Api { app: &app };
    let ingrid = launched_as(&app, json!({})).await;
    api.post(
        "/api/v1/evidence",
        &ingrid,
        json!({ "kind": "reflection", "title": "t", "body": "b" }),
    )
    .await;
    let (_, link) = api
        .post(
            "/api/v1/shares",
            &ingrid,
            json!({ "kind": "link", "expires_in_days": 1 }),
        )
        .await;
    let secret = link["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        api.call(Method::GET, &format!("/api/v1/public/{secret}"), None, None)
            .await
            .0,
        200
    );
    {
        use sea_orm::{ConnectionTrait, Statement};
        app.db
            .execute(Statement::from_string(
                app.db.get_database_backend(),
                "UPDATE shares SET expires_at = 1".to_owned(),
            ))
            .await
            .unwrap();
    }
    assert_eq!(
        api.call(Method::GET, &format!("/api/v1/public/{secret}"), None, None)
            .await
            .0,
        404
    );
});

both_databases!(
    a_file_address_from_a_course_share_stops_when_its_reader_no_longer_teaches_the_course,
    |app| async move {
        let api = Api { app: &app };
        let ingrid = launched_as(&app, json!({})).await;
        let tove = launched_as(&app, teacher()).await;
        let uploaded: Value = app
            .client
            .post(app.url("/api/v1/evidence/files?name=certificate.png"))
            .bearer_auth(&ingrid)
            .body(PNG.to_vec())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(uploaded["id"].is_string(), "{uploaded}");
        let (status, share) = api
            .post("/api/v1/shares", &ingrid, json!({ "kind": "course" }))
            .await;
        assert_eq!(status, 201);
        let share = share["id"].as_str().unwrap().to_owned();
        let (status, seen) = api.get(&format!("/api/v1/shared/{share}"), &tove).await;
        assert_eq!(status, 200);
        let file_url = seen["items"][0]["file_url"].as_str().unwrap().to_owned();
        let file = app.client.get(app.url(&file_url)).send().await.unwrap();
        assert_eq!(file.status(), 200);

        // Tove's next launch in the course is as a learner: the address
        // she was given no longer opens the file.
        let mut as_learner = teacher();
        as_learner[lti("roles")] =
            json!(["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]);
        launched_as(&app, as_learner).await;
        let file = app.client.get(app.url(&file_url)).send().await.unwrap();
        assert_eq!(file.status(), 404);
    }
);
