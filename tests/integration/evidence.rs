//! Evidence in the learner's portfolio: reflections, links and files tagged
//! with competences and levels, versions, the competence map and
//! self-ratings; refused uploads; who can never reach whose evidence.

use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::*;

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn upload(
    app: &TestApp,
    token: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/evidence/files?name={name}")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

both_databases!(
    a_learner_keeps_reflections_links_and_files_tagged_with_competences_and_levels,
    |app| async move {
        let token = launched_as(&app, json!({})).await;
        let peer_support = competence_id(&app, "carerplus:10.2").await;
        let pat = competence_id(&app, "pat:5.1").await;

        let reflection = send(
            &app,
            reqwest::Method::POST,
            "/api/v1/evidence",
            &token,
            Some(json!({
                "kind": "reflection",
                "title": "Video call with Mrs K.",
                "body": "I **helped** her call her daughter.\n\n<script>alert(1)</script>",
                "tags": [{ "competence_id": peer_support, "level": 2 }],
                "describes_care_recipient": true,
            })),
        )
        .await;
        assert_eq!(reflection.status(), 201);
        let reflection: Value = reflection.json().await.unwrap();
        assert_eq!(reflection["version"], 1);
        assert_eq!(reflection["tags"][0]["code"], "10.2");
        assert_eq!(reflection["tags"][0]["level_title"]["en"], "Guide/mentor");
        assert!(reflection["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>helped</strong>"));
        assert!(!reflection["body_html"]
            .as_str()
            .unwrap()
            .contains("<script"));
        assert_eq!(reflection["describes_care_recipient"], true);

        let link = send(&app, reqwest::Method::POST, "/api/v1/evidence", &token, Some(json!({
            "kind": "link", "title": "Course certificate", "url": "https://kurs.example.no/cert/123",
            "tags": [{ "competence_id": pat }],
        }))).await;
        assert_eq!(link.status(), 201);

        // Levels are checked against the competence's scale; PAT has none.
        for (body, field) in [
            (
                json!({ "kind": "link", "title": "x", "url": "javascript:alert(1)" }),
                "url",
            ),
            (
                json!({ "kind": "reflection", "title": "", "body": "text" }),
                "title",
            ),
            (
                json!({ "kind": "reflection", "title": "x", "body": "y", "tags": [{ "competence_id": peer_support, "level": 3 }] }),
                "tags",
            ),
            (
                json!({ "kind": "reflection", "title": "x", "body": "y", "tags": [{ "competence_id": pat, "level": 1 }] }),
                "tags",
            ),
            (
                json!({ "kind": "reflection", "title": "x", "body": "y", "tags": [{ "competence_id": uuid::Uuid::new_v4() }] }),
                "tags",
            ),
            (
                json!({ "kind": "activity", "title": "x", "statement_id": uuid::Uuid::new_v4() }),
                "statement_id",
            ),
        ] {
            let response = send(
                &app,
                reqwest::Method::POST,
                "/api/v1/evidence",
                &token,
                Some(body.clone()),
            )
            .await;
            assert_eq!(response.status(), 422, "{body}");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["field"], field, "{body}");
        }

        // The longest reflection goes in, even in four-byte characters; a
        // body beyond any reflection is refused before it is read.
        let longest = "🙂".repeat(carefolio::portfolio::evidence::MAX_BODY_CHARS);
        let response = send(
            &app,
            reqwest::Method::POST,
            "/api/v1/evidence",
            &token,
            Some(json!({ "kind": "reflection", "title": "Long", "body": longest })),
        )
        .await;
        assert_eq!(response.status(), 201);
        let too_long = send(&app, reqwest::Method::POST, "/api/v1/evidence", &token, Some(json!({ "kind": "reflection", "title": "Too long", "body": "a".repeat(300 * 1024) }))).await;
        assert_eq!(too_long.status(), 413);
        assert_eq!(error_code(&too_long), "invalid_json");
        let longest_id = response.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        send(
            &app,
            reqwest::Method::DELETE,
            &format!("/api/v1/evidence/{longest_id}"),
            &token,
            None,
        )
        .await;

        // A file: stored once, served safely at a short-lived address.
        let file = upload(&app, &token, "photo.png", "image/png", PNG.to_vec()).await;
        assert_eq!(file.status(), 201);
        let file: Value = file.json().await.unwrap();
        assert_eq!(file["kind"], "file");
        assert_eq!(file["title"], "photo.png");
        assert_eq!(file["file"]["media_type"], "image/png");
        assert_eq!(file["file"]["inline"], true);
        let address = file["file_url"].as_str().unwrap().to_owned();
        let served = app.client.get(app.url(&address)).send().await.unwrap();
        assert_eq!(served.status(), 200);
        assert_eq!(served.headers()["content-type"], "image/png");
        assert_eq!(served.headers()["x-content-type-options"], "nosniff");
        assert!(served.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox"));
        assert!(served.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline; filename=\"photo.png\""));
        assert_eq!(served.bytes().await.unwrap().as_ref(), PNG);
        let again = upload(&app, &token, "same-photo.png", "image/png", PNG.to_vec()).await;
        assert_eq!(again.status(), 201);
        assert_eq!(app.count("blobs").await, 1, "one file, stored once");
        assert_eq!(
            app.count("evidence_items").await,
            5,
            "the deleted long one stays as a row"
        );

        // An edit makes a new version; the first stays as it was.
        let id = reflection["id"].as_str().unwrap();
        let edited = send(
            &app,
            reqwest::Method::PATCH,
            &format!("/api/v1/evidence/{id}"),
            &token,
            Some(json!({
                "title": "Video call with Mrs K. (March)",
                "tags": [{ "competence_id": peer_support, "level": 1 }, { "competence_id": pat }],
            })),
        )
        .await;
        assert_eq!(edited.status(), 200);
        let edited: Value = edited.json().await.unwrap();
        assert_eq!(edited["version"], 2);
        assert_eq!(edited["tags"].as_array().unwrap().len(), 2);
        assert_eq!(
            edited["body"], reflection["body"],
            "what is not given stays"
        );
        assert_eq!(app.count("evidence_versions").await, 6);
        let first = carefolio::entities::evidence_version::Entity::find_by_id((
            uuid::Uuid::parse_str(id).unwrap(),
            1,
        ));
        use sea_orm::EntityTrait;
        assert_eq!(
            first.one(&app.db).await.unwrap().unwrap().title,
            "Video call with Mrs K."
        );

        // The map counts current versions and shows the self-rating.
        let rate = send(
            &app,
            reqwest::Method::PUT,
            &format!("/api/v1/self-ratings/{peer_support}"),
            &token,
            Some(json!({ "rating": 2 })),
        )
        .await;
        assert_eq!(rate.status(), 204);
        let off_scale = send(
            &app,
            reqwest::Method::PUT,
            &format!("/api/v1/self-ratings/{peer_support}"),
            &token,
            Some(json!({ "rating": 3 })),
        )
        .await;
        assert_eq!(off_scale.status(), 422);
        let map: Value = send(
            &app,
            reqwest::Method::GET,
            "/api/v1/map/carerplus",
            &token,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(map["levels"][1]["en"], "Guide/mentor");
        let domain_c = map["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["code"] == "C")
            .unwrap();
        let area_10 = domain_c["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["code"] == "10")
            .unwrap();
        let item = area_10["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["code"] == "10.2")
            .unwrap();
        assert_eq!(item["evidence"], 1);
        assert_eq!(item["evidence_by_level"], json!([1]));
        assert_eq!(item["self_rating"], 2);
        assert_eq!(area_10["totals"]["with_evidence"], 1);
        assert_eq!(domain_c["totals"]["competences"], 9);
        assert_eq!(map["totals"]["competences"], 41);
        assert_eq!(map["totals"]["rated"], 1);
        let pat_map: Value = send(&app, reqwest::Method::GET, "/api/v1/map/pat", &token, None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            pat_map["totals"]["evidence"], 2,
            "the link and the edited reflection"
        );

        let list: Value = send(&app, reqwest::Method::GET, "/api/v1/evidence", &token, None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list.as_array().unwrap().len(), 4);
        assert_eq!(list[0]["id"], edited["id"], "newest change first");
        let deleted = send(
            &app,
            reqwest::Method::DELETE,
            &format!("/api/v1/evidence/{id}"),
            &token,
            None,
        )
        .await;
        assert_eq!(deleted.status(), 204);
        let list: Value = send(&app, reqwest::Method::GET, "/api/v1/evidence", &token, None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list.as_array().unwrap().len(), 3);
        let gone = send(
            &app,
            reqwest::Method::GET,
            &format!("/api/v1/evidence/{id}"),
            &token,
            None,
        )
        .await;
        assert_eq!(gone.status(), 404);
    }
);

both_databases!(
    bad_uploads_are_refused_with_a_clear_error_and_leave_nothing_behind,
    with |settings: &mut carefolio::config::Settings| settings.files.max_upload_bytes = 64 * 1024,
    |app| async move {
        let token = launched_as(&app, json!({})).await;
        let files = carefolio::files::FileStore::from_settings(&app.settings).unwrap();
        let html = b"<!DOCTYPE html><html><script>fetch('/api/v1/evidence')</script></html>".to_vec();
        for (name, content_type, bytes, status, code) in [
            ("photo.png", "image/png", html.clone(), 415, "file_type_mismatch"),
            ("page.html", "text/html", html.clone(), 415, "file_type_not_allowed"),
            ("page.bin", "application/octet-stream", html.clone(), 415, "file_type_not_allowed"),
            ("drawing.svg", "application/octet-stream", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec(), 415, "file_type_not_allowed"),
            ("empty.txt", "text/plain", Vec::new(), 400, "file_empty"),
            ("big.txt", "text/plain", vec![b'a'; 64 * 1024 + 1], 413, "file_too_large"),
        ] {
            let response = upload(&app, &token, name, content_type, bytes).await;
            assert_eq!(response.status(), status, "{name}");
            assert_eq!(error_code(&response), code, "{name}");
            let problem: Value = response.json().await.unwrap();
            assert!(!problem["detail"].as_str().unwrap().is_empty());
        }
        // The body ends before the length announced: the connection drops mid-upload.
        {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let address = app.address.trim_start_matches("http://");
            let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
            let head = format!(
                "POST /api/v1/evidence/files?name=cut.txt HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: text/plain\r\nContent-Length: 50000\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            stream.write_all(&[b'x'; 20000]).await.unwrap();
            stream.shutdown().await.unwrap();
            let mut answer = Vec::new();
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        }
        // Nothing stored, nothing left half-written.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(app.count("evidence_items").await, 0);
        assert_eq!(app.count("blobs").await, 0);
        assert_eq!(files.pending_uploads().await.unwrap(), 0);
        assert_eq!(files.blob_count().await.unwrap(), 0);
        // A file within the limit still goes in.
        let ok = upload(&app, &token, "notes.txt", "text/plain", b"Notes from the visit".to_vec()).await;
        assert_eq!(ok.status(), 201);
        assert_eq!(files.blob_count().await.unwrap(), 1);
    }
);

both_databases!(
    no_one_else_reaches_a_learners_evidence_or_its_files,
    |app| async move {
        let owner = launched_as(&app, json!({})).await;
        let other = launched_as(&app, json!({ "sub": "learner-0002", "name": "Ole Nilsen" })).await;
        let teacher = launched_as(&app, json!({ "sub": "teacher-0001", "name": "Tove Berg", lti("roles"): [carefolio_tests::simulator::INSTRUCTOR] })).await;
        let item: Value = upload(&app, &owner, "photo.png", "image/png", PNG.to_vec())
            .await
            .json()
            .await
            .unwrap();
        let id = item["id"].as_str().unwrap();
        for intruder in [&other, &teacher] {
            for (method, body) in [
                (reqwest::Method::GET, None),
                (reqwest::Method::PATCH, Some(json!({ "title": "mine now" }))),
                (reqwest::Method::DELETE, None),
            ] {
                let response = send(
                    &app,
                    method.clone(),
                    &format!("/api/v1/evidence/{id}"),
                    intruder,
                    body,
                )
                .await;
                assert_eq!(response.status(), 404, "{method}");
                assert_eq!(error_code(&response), "evidence_not_found");
            }
            let list: Value = send(
                &app,
                reqwest::Method::GET,
                "/api/v1/evidence",
                intruder,
                None,
            )
            .await
            .json()
            .await
            .unwrap();
            assert_eq!(list, json!([]));
        }
        let unauthenticated = app
            .client
            .get(app.url("/api/v1/evidence"))
            .send()
            .await
            .unwrap();
        assert_eq!(unauthenticated.status(), 401);
        // The file's address works only as issued: not for another item,
        // not altered, not without its token.
        let address = item["file_url"].as_str().unwrap();
        let (path, access) = address.split_once("?access=").unwrap();
        let other_item: Value = upload(&app, &other, "mine.png", "image/png", PNG.to_vec())
            .await
            .json()
            .await
            .unwrap();
        let swapped = format!(
            "/files/{}/photo.png?access={access}",
            other_item["id"].as_str().unwrap()
        );
        let mut forged = access.to_owned();
        forged.insert(3, 'x');
        for attempt in [swapped, format!("{path}?access={forged}"), path.to_owned()] {
            let response = app.client.get(app.url(&attempt)).send().await.unwrap();
            assert!(
                matches!(response.status().as_u16(), 400 | 404),
                "{attempt}: {}",
                response.status()
            );
        }
        let unchanged: Value = send(
            &app,
            reqwest::Method::GET,
            &format!("/api/v1/evidence/{id}"),
            &owner,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(unchanged["title"], "photo.png");
        // Deleted, its file's address stops working at once.
        send(
            &app,
            reqwest::Method::DELETE,
            &format!("/api/v1/evidence/{id}"),
            &owner,
            None,
        )
        .await;
        let after = app.client.get(app.url(address)).send().await.unwrap();
        assert_eq!(after.status(), 404);
    }
);

/// The same upload, download and refusal against a real S3-compatible
/// server (moto), on both databases; a file larger than one multipart part.
#[actix_web::test]
async fn evidence_files_live_in_an_s3_compatible_store() {
    let s3 = carefolio_tests::s3::S3Server::start().await;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (endpoint, bucket) = (s3.endpoint.clone(), s3.bucket.clone());
        let app = spawn_app_with(backend, move |settings| {
            settings.files.s3 = Some(carefolio::config::S3Settings {
                bucket,
                endpoint: Some(endpoint),
                region: "us-east-1".into(),
                access_key_id: "testing".into(),
                secret_access_key: "testing".into(),
                prefix: "carefolio".into(),
                allow_http: true,
            });
        })
        .await;
        let token = launched_as(&app, json!({})).await;
        let item: Value = upload(&app, &token, "photo.png", "image/png", PNG.to_vec())
            .await
            .json()
            .await
            .unwrap();
        let served = app
            .client
            .get(app.url(item["file_url"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(served.bytes().await.unwrap().as_ref(), PNG);

        // 12 MB of audio-like bytes: three multipart parts.
        let mut big = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
        big.extend((0..12 * 1024 * 1024).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
        let response = upload(&app, &token, "interview.mp3", "audio/mpeg", big.clone()).await;
        assert_eq!(response.status(), 201);
        let item: Value = response.json().await.unwrap();
        assert_eq!(item["file"]["media_type"], "audio/mpeg");
        let served = app
            .client
            .get(app.url(item["file_url"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(
            served.headers()["content-length"],
            big.len().to_string().as_str()
        );
        assert!(
            served.bytes().await.unwrap().as_ref() == big.as_slice(),
            "the same bytes back"
        );

        let refused = upload(
            &app,
            &token,
            "photo.png",
            "image/png",
            b"<html><script></script></html>".to_vec(),
        )
        .await;
        assert_eq!(refused.status(), 415);
        let blobs = s3.keys("carefolio/blobs/").await;
        assert_eq!(blobs.len(), 2, "{blobs:?}");
        assert_eq!(s3.keys("carefolio/uploads/").await, Vec::<String>::new());
    }
}
