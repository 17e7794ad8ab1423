//! Badges: the default classes, definitions with clear refusals, the
//! automatic award when an accepted claim completes a class, awards by
//! hand, revocation, and the gradebook score that follows.

use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Digest;

use crate::both_databases;
use crate::helpers::*;

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

        // Open Badges 3.0: the learner's signed credential, private award
        // or not, passes a VC verifier; nobody else can download it.
        let credential_path = format!("/api/v1/badges/{award_id}/credential");
        assert_eq!(download(&app, &credential_path, &aud).await.0, 404);
        let (status, jwt) = download(&app, &credential_path, &ingrid).await;
        assert_eq!(status, 200);
        let report = ob3_verifier(&jwt).await;
        assert_eq!(report["verified"], true, "{report:#}");
        for check in ["signature", "vc_data_model", "json_ld", "open_badge", "status_list", "not_revoked"] {
            assert_eq!(report["checks"][check], true, "{check}: {report:#}");
        }
        let credential = &report["credential"];
        assert_eq!(credential["type"], json!(["VerifiableCredential", "OpenBadgeCredential"]));
        let achievement = &credential["credentialSubject"]["achievement"];
        assert_eq!(achievement["alignment"][0]["targetCode"], "10.2");
        assert_eq!(achievement["alignment"][0]["targetType"], "CFItem");
        let identity = &credential["credentialSubject"]["identifier"][0];
        let salt = identity["salt"].as_str().unwrap();
        let digest = sha2::Sha256::digest(format!("ingrid.hansen@example.org{salt}").as_bytes());
        let expected: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(identity["identityHash"], format!("sha256${expected}"));
        // Tampering breaks the signature.
        let text = String::from_utf8(jwt.clone()).unwrap();
        let mut parts: Vec<&str> = text.split('.').collect();
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&json!({ "iss": credential["issuer"]["id"], "issuer": credential["issuer"], "name": "Forged" })).unwrap(),
        );
        parts[1] = &forged;
        let tampered = ob3_verifier(parts.join(".").as_bytes()).await;
        assert_eq!(tampered["verified"], false, "{tampered:#}");
        assert_eq!(tampered["checks"]["signature"], false, "{tampered:#}");
        // The baked PNG carries the same credential.
        let (status, png) = download(&app, &format!("/api/v1/badges/{award_id}/image.png"), &ingrid).await;
        assert_eq!(status, 200);
        assert!(png.starts_with(b"\x89PNG"));
        let from_image = ob3_verifier(&png).await;
        assert_eq!(from_image["verified"], true, "{from_image:#}");
        assert_eq!(from_image["checks"]["baked_png"], true);

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
        let public = format!("/api/v1/badges/{award_id}");
        assert_eq!(api.call(Method::PATCH, &public, Some(&ingrid), Some(json!({ "public": true }))).await.0, 200);
        assert_eq!(get(&app, &format!("/ob/v2/assertions/{award_id}")).await.0, 200);
        let (status, revoked) = api.post(&revocation, &tove, json!({ "reason": "The notes were copied." })).await;
        assert_eq!(status, 200, "{revoked}");
        assert!(revoked["revoked_at"].is_i64());
        assert_eq!(api.post(&revocation, &tove, json!({ "reason": "again" })).await.0, 409);
        let fallen = eventually_scores(&app, 4).await;
        assert_eq!(fallen["scoreGiven"], 0.0, "the score falls again: {fallen}");
        let (_, badges) = api.get("/api/v1/badges", &ingrid).await;
        assert_eq!(badges[0]["revocation_reason"], "The notes were copied.");
        // Verifiers learn of it: the hosted assertion is gone with its reason.
        let (status, gone) = get(&app, &format!("/ob/v2/assertions/{award_id}")).await;
        assert_eq!(status, 410);
        assert_eq!(gone["revoked"], true);
        assert_eq!(gone["revocationReason"], "The notes were copied.");
        let report = ob2_validator(&app.url(&format!("/ob/v2/assertions/{award_id}")), "ingrid.hansen@example.org").await;
        assert_eq!(report["report"]["valid"], false, "a revoked award fails verification: {report:#}");
        // The 3.0 credential too: its bit in the status list is set.
        let report = ob3_verifier(&jwt).await;
        assert_eq!(report["verified"], false, "{report:#}");
        assert_eq!(report["checks"]["signature"], true, "{report:#}");
        assert_eq!(report["checks"]["not_revoked"], false, "{report:#}");
        let page = app.client.get(app.url(&format!("/badges/awards/{award_id}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Revoked"), "{page}");
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
        assert_eq!(
            get(&app, &format!("/ob/v2/assertions/{award_id}")).await.0,
            404,
            "private: not hosted"
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

        // The evidence it shows: the holder's own, never about a person cared for.
        let (_, reflection) = api.post("/api/v1/evidence", &ingrid, json!({ "kind": "reflection", "title": "How I led the peer group", "body": "We met weekly." })).await;
        let (_, private) = api.post("/api/v1/evidence", &ingrid, json!({ "kind": "reflection", "title": "Visit to Mrs K", "body": "b", "describes_care_recipient": true })).await;
        let (_, oles) = api
            .post(
                "/api/v1/evidence",
                &ole,
                json!({ "kind": "reflection", "title": "Ole's", "body": "b" }),
            )
            .await;
        for refused_item in [&private, &oles] {
            let (status, refused) = api
                .call(
                    Method::PATCH,
                    &path,
                    Some(&ingrid),
                    Some(json!({ "shown_evidence": [refused_item["id"]] })),
                )
                .await;
            assert_eq!(status, 422, "{refused}");
            assert_eq!(refused["field"], "shown_evidence");
        }
        let (status, chosen) = api
            .call(
                Method::PATCH,
                &path,
                Some(&ingrid),
                Some(json!({ "shown_evidence": [reflection["id"]] })),
            )
            .await;
        assert_eq!(status, 200, "{chosen}");
        assert_eq!(chosen["shown_evidence"][0], reflection["id"]);
        assert_eq!(
            chosen["public"], true,
            "choosing evidence leaves visibility as it was"
        );
        let assertion_url = format!("/ob/v2/assertions/{award_id}");
        let page_url = format!("/badges/awards/{award_id}");

        // Open Badges 2.0, hosted: assertion → badge class → issuer.
        let (status, assertion) = get(&app, &assertion_url).await;
        assert_eq!(status, 200, "{assertion}");
        assert_eq!(assertion["@context"], "https://w3id.org/openbadges/v2");
        assert_eq!(assertion["type"], "Assertion");
        assert_eq!(assertion["id"], app.url(&assertion_url));
        assert_eq!(assertion["verification"]["type"], "hosted");
        let recipient = &assertion["recipient"];
        assert_eq!(recipient["type"], "email");
        assert_eq!(recipient["hashed"], true);
        let salt = recipient["salt"].as_str().unwrap();
        let digest = sha2::Sha256::digest(format!("ingrid.hansen@example.org{salt}").as_bytes());
        let expected: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(recipient["identity"], format!("sha256${expected}"));
        let class_url = assertion["badge"].as_str().unwrap().to_owned();
        let (status, badge) = get(&app, class_url.trim_start_matches(&app.url(""))).await;
        assert_eq!(status, 200, "{badge}");
        assert_eq!(badge["type"], "BadgeClass");
        assert_eq!(badge["alignment"][0]["targetCode"], "10");
        assert!(badge["image"].as_str().unwrap().ends_with("/image.svg"));
        let (status, issuer) = get(
            &app,
            badge["issuer"]
                .as_str()
                .unwrap()
                .trim_start_matches(&app.url("")),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(issuer["type"], "Issuer");
        assert_eq!(issuer["name"], "Carefolio");
        let baked = app
            .client
            .get(app.url(&format!("{assertion_url}/baked.svg")))
            .send()
            .await
            .unwrap();
        assert_eq!(baked.status(), 200);
        let baked = baked.text().await.unwrap();
        assert!(
            baked.contains(&format!(
                r#"<openbadges:assertion verify="{}">"#,
                app.url(&assertion_url)
            )),
            "{baked}"
        );
        let page = app.client.get(app.url(&page_url)).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let page = page.text().await.unwrap();
        assert!(
            page.contains("Valid.") && page.contains("Ingrid Hansen"),
            "{page}"
        );
        assert!(
            page.contains("How I led the peer group") && page.contains("We met weekly."),
            "{page}"
        );
        assert!(!page.contains("Mrs K"), "{page}");
        assert_eq!(assertion["evidence"][0]["name"], "How I led the peer group");

        // 1EdTech's Open Badges validator accepts it, for its recipient.
        let report = ob2_validator(&app.url(&assertion_url), "ingrid.hansen@example.org").await;
        assert_eq!(report["report"]["valid"], true, "{report:#}");
        assert_eq!(report["report"]["errorCount"], 0, "{report:#}");
        let wrong = ob2_validator(&app.url(&assertion_url), "someone.else@example.org").await;
        assert_eq!(
            wrong["report"]["valid"], false,
            "another recipient: {wrong:#}"
        );

        // The public award's 3.0 credential is served at its address too.
        let (status, hosted) = download(&app, &format!("/ob/v3/credentials/{award_id}"), "").await;
        assert_eq!(status, 200);
        let hosted = ob3_verifier(&hosted).await;
        assert_eq!(hosted["verified"], true, "{hosted:#}");
        assert_eq!(
            hosted["credential"]["evidence"][0]["name"], "How I led the peer group",
            "the evidence the learner chose to show: {hosted:#}"
        );
        assert!(page.contains(&app.url(&format!("/ob/v3/credentials/{award_id}"))));

        // The baked PNG passes the same validator.
        let (status, png) = download(&app, &format!("{assertion_url}/baked.png"), "").await;
        assert_eq!(status, 200);
        let file = std::env::temp_dir().join(format!("carefolio-baked-{award_id}.png"));
        std::fs::write(&file, &png).unwrap();
        let report = ob2_validator(file.to_str().unwrap(), "ingrid.hansen@example.org").await;
        let _ = std::fs::remove_file(&file);
        assert_eq!(report["report"]["valid"], true, "{report:#}");
        // Given only the file, it found the assertion's address inside.
        assert_eq!(
            report["input"]["value"],
            app.url(&assertion_url),
            "{report:#}"
        );

        // Private again: gone from the web at once.
        api.call(
            Method::PATCH,
            &path,
            Some(&ingrid),
            Some(json!({ "public": false })),
        )
        .await;
        assert_eq!(get(&app, &assertion_url).await.0, 404);
        assert_eq!(get(&app, &page_url).await.0, 404);
        assert_eq!(
            download(&app, &format!("/ob/v3/credentials/{award_id}"), "")
                .await
                .0,
            404
        );
    }
);

/// The body of a download (a credential, an image), with the learner's token.
async fn download(app: &TestApp, path: &str, token: &str) -> (u16, Vec<u8>) {
    let mut request = app.client.get(app.url(path));
    if !token.is_empty() {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

/// Runs the Open Badges 3.0 verifier (tests/openbadges/verify-ob3.mjs:
/// @digitalcredentials/vc with packaged contexts) on a VC-JWT or a PNG
/// with one baked in.
async fn ob3_verifier(input: &[u8]) -> Value {
    let file = std::env::temp_dir().join(format!("carefolio-ob3-{}", uuid::Uuid::new_v4()));
    std::fs::write(&file, input).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/openbadges/verify-ob3.mjs");
    let path = file.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .arg(path)
            .output()
    })
    .await
    .expect("the verifier's thread")
    .expect("node (scripts/setup.sh installs the verifier's packages)");
    let _ = std::fs::remove_file(&file);
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "verifier output is not JSON ({e}): {text} {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Runs 1EdTech's Open Badges 2.0 validator (the Python package
/// `openbadges`, installed by scripts/setup.sh) on a hosted assertion,
/// offline (tests/openbadges/verify.py).
async fn ob2_validator(url: &str, email: &str) -> Value {
    let python = std::env::var("OPENBADGES_PYTHON").unwrap_or_else(|_| {
        format!(
            "{}/.cache/carefolio/openbadges-validator/bin/python",
            std::env::var("HOME").unwrap_or_default()
        )
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/openbadges/verify.py");
    // Off the test's runtime thread: the server under test answers the
    // validator from the same runtime.
    let (program, args) = (
        python.clone(),
        [script.to_owned(), url.to_owned(), email.to_owned()],
    );
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(program).args(args).output()
    })
    .await
    .expect("the validator's thread")
    .unwrap_or_else(|e| {
        panic!("the Open Badges validator's Python {python} (scripts/setup.sh installs it): {e}")
    });
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "validator output is not JSON ({e}): {text} {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

both_databases!(
    a_badge_awarded_by_hand_counts_in_the_gradebook_until_it_is_revoked,
    |app| async move {
        let api = Api { app: &app };
        let admin = admin_token(&app).await;
        let (status, class) = define(
            &app,
            Some(&admin),
            json!({ "key": "peer-support-user", "framework": "carerplus", "node": "10.2", "level": 1, "rule": "competence", "name": { "en": "Peer support (user)" } }),
        )
        .await;
        assert_eq!(status, 200, "{class}");
        let lineitem =
            app.simulator
                .create_line_item("Peer support in practice", "link-peer-support", 10.0);
        let mut overrides = json!({ "sub": "learner-0001" });
        carefolio_tests::simulator::merge(
            &mut overrides,
            &app.simulator.ags_claim(Some(&lineitem)),
        );
        assert_eq!(app.launch("l1", overrides).await.status(), 200);
        assert_eq!(eventually_scores(&app, 1).await["scoreGiven"], 0.0);
        let tove = launched_as(&app, teacher()).await;
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
        let (status, award) = api
            .post(
                "/api/v1/assessment/awards",
                &tove,
                json!({ "badge_class_id": class["id"], "person_id": ingrid_id }),
            )
            .await;
        assert_eq!(status, 201, "{award}");
        let graded = eventually_scores(&app, 2).await;
        assert_eq!(
            graded["scoreGiven"], 50.0,
            "the badge vouches for 10.2: {graded}"
        );
        assert_eq!(graded["gradingProgress"], "FullyGraded");
        let id = award["id"].as_str().unwrap();
        let (status, _) = api
            .post(
                &format!("/api/v1/assessment/awards/{id}/revocation"),
                &tove,
                json!({ "reason": "Awarded to the wrong learner." }),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(eventually_scores(&app, 3).await["scoreGiven"], 0.0);
    }
);

both_databases!(
    a_lead_awards_a_badge_to_many_learners_at_once_and_their_scores_follow,
    |app| async move {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let api = Api { app: &app };
        let admin = admin_token(&app).await;
        let (_, class) = define(
            &app,
            Some(&admin),
            json!({ "key": "peer-support-user", "framework": "carerplus", "node": "10.2", "level": 1, "rule": "competence", "name": { "en": "Peer support (user)" } }),
        )
        .await;
        let lineitem =
            app.simulator
                .create_line_item("Peer support in practice", "link-peer-support", 10.0);
        for (sub, name) in [
            ("learner-0001", "Ingrid Hansen"),
            ("learner-0002", "Ole Dahl"),
        ] {
            let mut overrides = json!({ "sub": sub, "name": name });
            carefolio_tests::simulator::merge(
                &mut overrides,
                &app.simulator.ags_claim(Some(&lineitem)),
            );
            assert_eq!(app.launch(sub, overrides).await.status(), 200);
        }
        eventually_scores(&app, 2).await;
        let mut elsewhere = other_course();
        elsewhere["sub"] = json!("learner-0003");
        elsewhere["name"] = json!("Siri Lund");
        launched_as(&app, elsewhere).await;
        let tove = launched_as(&app, teacher()).await;
        let id_of = |name: &'static str| {
            let db = app.db.clone();
            async move {
                carefolio::entities::person::Entity::find()
                    .filter(carefolio::entities::person::Column::Name.eq(name))
                    .one(&db)
                    .await
                    .unwrap()
                    .unwrap()
                    .id
            }
        };
        let (ingrid, ole, siri, tove_id) = (
            id_of("Ingrid Hansen").await,
            id_of("Ole Dahl").await,
            id_of("Siri Lund").await,
            id_of("Tove Berg").await,
        );
        // Ingrid holds it already.
        assert_eq!(
            api.post(
                "/api/v1/assessment/awards",
                &tove,
                json!({ "badge_class_id": class["id"], "person_id": ingrid })
            )
            .await
            .0,
            201
        );
        eventually_scores(&app, 3).await;

        let batch = "/api/v1/assessment/awards/batch";
        let body = json!({ "badge_class_id": class["id"], "person_ids": [ingrid, ole, ole, siri, tove_id] });
        let ingrid_token = launched_as(
            &app,
            json!({ "sub": "learner-0001", "name": "Ingrid Hansen" }),
        )
        .await;
        let (status, refused) = api.post(batch, &ingrid_token, body.clone()).await;
        assert_eq!(status, 403, "a learner is no lead: {refused}");
        let (status, refused) = api
            .post(
                batch,
                &tove,
                json!({ "badge_class_id": class["id"], "person_ids": [] }),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(refused["field"], "person_ids");
        let too_many: Vec<String> = (0..10_001)
            .map(|_| uuid::Uuid::new_v4().to_string())
            .collect();
        let (status, refused) = api
            .post(
                batch,
                &tove,
                json!({ "badge_class_id": class["id"], "person_ids": too_many }),
            )
            .await;
        assert_eq!(status, 422, "{refused}");

        let (status, outcome) = api.post(batch, &tove, body).await;
        assert_eq!(status, 200, "{outcome}");
        assert_eq!(outcome["awarded"].as_array().unwrap().len(), 1, "{outcome}");
        assert_eq!(outcome["awarded"][0]["person_id"], ole.to_string());
        assert_eq!(outcome["already_held"], json!([ingrid]));
        assert_eq!(
            outcome["refused"],
            json!([siri, tove_id]),
            "not in the course, and the lead themself"
        );
        assert_eq!(outcome["grades_queued"], 1);
        let graded = eventually_scores(&app, 4).await;
        assert_eq!(graded["scoreGiven"], 50.0, "{graded}");
        assert_eq!(graded["userId"], "learner-0002");
        // Its credential verifies like any other.
        let award = outcome["awarded"][0]["award_id"].as_str().unwrap();
        let held = carefolio::entities::badge_award::Entity::find()
            .filter(carefolio::entities::badge_award::Column::PersonId.eq(ole))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].id.to_string(), award);
    }
);
