//! The built-in competence frameworks.

use carefolio::entities::competence;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::both_databases;
use crate::helpers::admin_token;

both_databases!(
    carer_plus_and_pat_are_loaded_on_first_start,
    |app| async move {
        let frameworks = carefolio::frameworks::store::list(&app.db).await.unwrap();
        let carer = frameworks
            .iter()
            .find(|f| f.key == "carerplus")
            .expect("CARER+");
        assert_eq!(carer.competence_count, 41);
        assert_eq!(carer.levels, ["User", "Guide/mentor"]);
        let pat = frameworks.iter().find(|f| f.key == "pat").expect("PAT");
        assert_eq!(pat.competence_count, 63);
        assert_eq!(pat.language, "nb");

        let count = |kind: &'static str| {
            let db = app.db.clone();
            async move {
                competence::Entity::find()
                    .filter(competence::Column::ItemType.eq(kind))
                    .all(&db)
                    .await
                    .unwrap()
                    .len()
            }
        };
        assert_eq!(count("Domain").await, 3);
        assert_eq!(count("Competence Area").await, 11);
        assert_eq!(count("Category").await, 12);
    }
);

both_databases!(
    pat_items_carry_norwegian_and_english_and_5_6_is_flagged_incomplete,
    |app| async move {
        let refs = [
            carefolio::frameworks::CompetenceRef::parse("pat:5.6").unwrap(),
            carefolio::frameworks::CompetenceRef::parse("pat:9.5").unwrap(),
            carefolio::frameworks::CompetenceRef::parse("carerplus:10.2").unwrap(),
        ];
        let (found, unknown) = carefolio::frameworks::store::resolve(&app.db, &refs)
            .await
            .unwrap();
        assert!(unknown.is_empty());
        assert!(found[0].incomplete);
        assert_eq!(found[0].title["nb"], "Oppmuntrer .");
        assert!(!found[1].incomplete);
        assert!(found[1].title["nb"].starts_with("Følger lover og regler om taushetsplikt"));
        assert!(found[1].title["en"].contains("confidentiality"));
        assert_eq!(
            found[2].title["en"],
            "Peer support and exchange of good practices"
        );
        assert!(found[2].description.as_ref().unwrap()["en"]
            .starts_with("Engaging in peer communities"));
    }
);

both_databases!(
    restarting_does_not_load_the_frameworks_twice,
    |app| async move {
        let ids = |app: &crate::helpers::TestApp| {
            let db = app.db.clone();
            async move {
                use sea_orm::QueryOrder;
                competence::Entity::find()
                    .order_by_asc(competence::Column::Id)
                    .all(&db)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|c| c.id)
                    .collect::<Vec<_>>()
            }
        };
        let before = ids(&app).await;
        // A second server started on the same database, as after a restart:
        // its start-up loads the built-in frameworks again.
        let mut settings = app.settings.clone();
        settings.server.bind = "127.0.0.1:0".to_owned();
        settings.server.public_url = None;
        let restarted = carefolio::startup::Application::build(settings)
            .await
            .unwrap();
        let address = format!("http://127.0.0.1:{}", restarted.port());
        actix_web::rt::spawn(restarted.run_until_stopped());
        let health = app
            .client
            .get(format!("{address}/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        assert_eq!(app.count("frameworks").await, 2);
        assert_eq!(app.count("competences").await, 3 + 11 + 41 + 12 + 63);
        assert_eq!(ids(&app).await, before, "the same rows, not new ones");
    }
);

const MOODLE_CSV: &[u8] = include_bytes!("../../tool-server/tests/fixtures/moodle-framework.csv");

async fn import(
    app: &crate::helpers::TestApp,
    token: &str,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/admin/frameworks{query}")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn export(app: &crate::helpers::TestApp, token: &str, key: &str, format: &str) -> Vec<u8> {
    let response = app
        .client
        .get(app.url(&format!(
            "/api/v1/admin/frameworks/{key}/export?format={format}"
        )))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "export {key} as {format}");
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename="));
    response.bytes().await.unwrap().to_vec()
}

/// The problem body's `where` and `code`, checking the status.
async fn refusal(response: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    response.json().await.unwrap()
}

both_databases!(
    administrators_import_and_export_frameworks_and_both_formats_round_trip,
    |app| async move {
        let anonymous = app
            .client
            .get(app.url("/api/v1/admin/frameworks"))
            .send()
            .await
            .unwrap();
        assert_eq!(refusal(anonymous, 401).await["code"], "unauthenticated");
        let forged = app
            .client
            .get(app.url("/api/v1/admin/frameworks"))
            .bearer_auth("cfa_forged")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 401);
        // A learner's launch token is no administrator's token.
        let html = app
            .launch("ingrid", serde_json::json!({}))
            .await
            .text()
            .await
            .unwrap();
        let launch = crate::helpers::launch_token(&html).unwrap();
        let learner = import(&app, &launch, "", "text/csv", MOODLE_CSV.to_vec()).await;
        assert_eq!(learner.status(), 401);

        let token = admin_token(&app).await;
        let created = import(&app, &token, "", "text/csv", MOODLE_CSV.to_vec()).await;
        assert_eq!(created.status(), 201);
        let report: serde_json::Value = created.json().await.unwrap();
        assert_eq!(report["key"], "homecare-2025");
        assert_eq!(report["created"], true);
        let list: serde_json::Value = app
            .client
            .get(app.url("/api/v1/admin/frameworks"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(list
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["key"] == "homecare-2025"));
        let stored = carefolio::frameworks::versions::load(&app.db, "homecare-2025")
            .await
            .unwrap();

        // Moodle CSV out and in again: nothing changes.
        let csv = export(&app, &token, "homecare-2025", "moodle-csv").await;
        let again = import(&app, &token, "", "text/csv", csv).await;
        assert_eq!(again.status(), 200);
        let report: serde_json::Value = again.json().await.unwrap();
        assert_eq!(report["created"], false);
        assert_eq!(report["changed"], serde_json::json!([]));
        assert_eq!(report["added"], serde_json::json!([]));
        assert_eq!(report["retired"], serde_json::json!([]));

        // CASE out and in again: the same framework, item for item.
        let case = export(&app, &token, "homecare-2025", "case").await;
        let other_key = import(
            &app,
            &token,
            "?key=elsewhere",
            "application/json",
            case.clone(),
        )
        .await;
        assert_eq!(
            refusal(other_key, 409).await["code"],
            "framework_key_conflict"
        );
        let again = import(&app, &token, "", "application/json", case).await;
        assert_eq!(again.status(), 200);
        let report: serde_json::Value = again.json().await.unwrap();
        assert_eq!(report["changed"], serde_json::json!([]));
        let reloaded = carefolio::frameworks::versions::load(&app.db, "homecare-2025")
            .await
            .unwrap();
        assert_eq!(reloaded, stored);

        // The built-in frameworks export and re-import without a change.
        for key in ["carerplus", "pat"] {
            let before = carefolio::frameworks::versions::load(&app.db, key)
                .await
                .unwrap();
            for format in ["case", "moodle-csv"] {
                let document = export(&app, &token, key, format).await;
                let query = if format == "moodle-csv" {
                    "?format=moodle-csv"
                } else {
                    ""
                };
                let response =
                    import(&app, &token, query, "application/octet-stream", document).await;
                assert_eq!(response.status(), 200, "{key} {format}");
                let report: serde_json::Value = response.json().await.unwrap();
                assert_eq!(report["retired"], serde_json::json!([]), "{key} {format}");
                assert_eq!(report["added"], serde_json::json!([]), "{key} {format}");
            }
            // Moodle's CSV holds one language and no notes; importing it over
            // the stored version keeps the rest.
            let after = carefolio::frameworks::versions::load(&app.db, key)
                .await
                .unwrap();
            assert_eq!(after, before, "{key}");
        }
        let unknown = app
            .client
            .get(app.url("/api/v1/admin/frameworks/nope/export"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(refusal(unknown, 404).await["code"], "framework_not_found");
    }
);

both_databases!(
    a_bad_framework_file_is_refused_with_its_place_and_changes_nothing,
    |app| async move {
        let token = admin_token(&app).await;
        let competences_before = app.count("competences").await;
        let carer_before = carefolio::frameworks::versions::load(&app.db, "carerplus")
            .await
            .unwrap();

        // A Moodle CSV whose sixth row names a parent that is not there.
        let broken = String::from_utf8(MOODLE_CSV.to_vec()).unwrap().replacen(
            "HC-MED,HC-MED-2,",
            "HC-NOPE,HC-MED-2,",
            1,
        );
        let body = refusal(
            import(&app, &token, "", "text/csv", broken.into_bytes()).await,
            422,
        )
        .await;
        assert_eq!(body["code"], "invalid_framework");
        assert_eq!(body["where"], "line 9, column \"Parent ID number\"");
        assert!(body["detail"].as_str().unwrap().contains("HC-NOPE"));

        // A newer CARER+ whose last item has no statement: the items before
        // it are not updated either.
        let mut package: serde_json::Value =
            serde_json::from_str(carefolio::frameworks::BUILT_IN[0].1).unwrap();
        let items = package["CFPackage"]["CFItems"].as_array_mut().unwrap();
        items[0]["abbreviatedStatement"] = "Renamed".into();
        let last = items.len() - 1;
        items[last].as_object_mut().unwrap().remove("fullStatement");
        let body = refusal(
            import(
                &app,
                &token,
                "",
                "application/json",
                serde_json::to_vec(&package).unwrap(),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(body["where"], format!("CFPackage.CFItems[{last}]"));
        assert!(body["detail"].as_str().unwrap().contains("fullStatement"));

        let body = refusal(
            import(
                &app,
                &token,
                "",
                "application/json",
                b"{\"CFPackage\": {".to_vec(),
            )
            .await,
            422,
        )
        .await;
        assert!(body["where"].as_str().unwrap().starts_with("line 1"));

        let huge = vec![b' '; carefolio::frameworks::MAX_DOCUMENT_BYTES + 1];
        let response = import(&app, &token, "", "text/csv", huge).await;
        assert_eq!(response.status(), 413);
        let empty = import(&app, &token, "", "text/csv", Vec::new()).await;
        assert_eq!(empty.status(), 400);
        let bad_key = import(
            &app,
            &token,
            "?key=Not%20A%20Key",
            "text/csv",
            MOODLE_CSV.to_vec(),
        )
        .await;
        assert_eq!(refusal(bad_key, 400).await["code"], "invalid_framework_key");

        assert_eq!(app.count("competences").await, competences_before);
        let carer_after = carefolio::frameworks::versions::load(&app.db, "carerplus")
            .await
            .unwrap();
        assert_eq!(carer_after, carer_before);
    }
);

both_databases!(
    a_newer_version_keeps_what_is_tied_to_its_items_and_reports_the_retired_ones,
    |app| async move {
        let token = admin_token(&app).await;
        assert_eq!(
            import(&app, &token, "", "text/csv", MOODLE_CSV.to_vec())
                .await
                .status(),
            201
        );
        // An activity tied to a competence of version 1.
        let html = app
            .launch(
                "ingrid",
                serde_json::json!({ crate::helpers::lti("custom"): { "competences": "homecare-2025:HC-SAFE-1,homecare-2025:HC-SAFE-2" } }),
            )
            .await
            .text()
            .await
            .unwrap();
        let launch = crate::helpers::launch_token(&html).expect("launched");

        // Version 2 drops HC-SAFE-1, renames HC-SAFE-2 and adds HC-NEW.
        let v2 = String::from_utf8(MOODLE_CSV.to_vec())
            .unwrap()
            .lines()
            .filter(|line| !line.starts_with("HC-SAFE,HC-SAFE-1,"))
            .map(|line| {
                line.replace("HC-SAFE-1", "")
                    .replace(",Hygiene,", ",Hygiene and infection control,")
            })
            .chain(std::iter::once(
                "HC-SAFE,HC-NEW,Using a lifting aid,,1,,,,0,null,,200,0,".to_owned(),
            ))
            .collect::<Vec<_>>()
            .join("\n");
        let response = import(&app, &token, "", "text/csv", v2.into_bytes()).await;
        assert_eq!(response.status(), 200);
        let report: serde_json::Value = response.json().await.unwrap();
        assert_eq!(report["added"], serde_json::json!(["HC-NEW"]));
        assert!(report["changed"]
            .as_array()
            .unwrap()
            .contains(&"HC-SAFE-2".into()));
        assert_eq!(
            report["retired"],
            serde_json::json!([{ "code": "HC-SAFE-1", "title": "Spotting fall risks", "tied_links": 1 }])
        );

        // The activity still shows both competences; the retired one says so.
        let view: serde_json::Value = app
            .client
            .get(app.url("/api/v1/portfolio"))
            .bearer_auth(&launch)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let competences = view["competences"].as_array().unwrap();
        assert_eq!(competences.len(), 2, "{view}");
        let retired = competences
            .iter()
            .find(|c| c["code"] == "HC-SAFE-1")
            .unwrap();
        assert_eq!(retired["retired"], true);
        let renamed = competences
            .iter()
            .find(|c| c["code"] == "HC-SAFE-2")
            .unwrap();
        assert_eq!(renamed["title"]["en"], "Hygiene and infection control");
        assert_eq!(renamed["retired"], false);
        // Retired items are left out of exports and new references.
        let csv =
            String::from_utf8(export(&app, &token, "homecare-2025", "moodle-csv").await).unwrap();
        assert!(!csv.contains("HC-SAFE-1,"), "{csv}");
        let (found, unknown) = carefolio::frameworks::store::resolve(
            &app.db,
            &[carefolio::frameworks::CompetenceRef::parse("homecare-2025:HC-SAFE-1").unwrap()],
        )
        .await
        .unwrap();
        assert!(found.is_empty() && unknown.len() == 1);

        // Version 1 again brings it back, with the same identity.
        let response = import(&app, &token, "", "text/csv", MOODLE_CSV.to_vec()).await;
        let report: serde_json::Value = response.json().await.unwrap();
        assert_eq!(report["restored"], serde_json::json!(["HC-SAFE-1"]));
        assert_eq!(report["retired"][0]["code"], "HC-NEW");
    }
);

both_databases!(
    a_framework_is_imported_from_a_case_provider_and_unsafe_addresses_are_never_fetched,
    |app| async move {
        let token = admin_token(&app).await;
        let provider = carefolio_tests::case_provider::CaseProvider::start();
        let identifier = "6f2d4c9e-1b7a-4e3f-9c1d-2a5b8e7f0a11";
        let package = serde_json::json!({
            "CFDocument": {
                "identifier": identifier, "uri": format!("https://case.example.org/uri/{identifier}"),
                "title": "Digital skills in home care", "language": "en", "version": "2.0",
                "caseVersion": "1.1", "frameworkType": "competency",
            },
            "CFItems": [
                { "identifier": "6f2d4c9e-1b7a-4e3f-9c1d-2a5b8e7f0a12", "uri": "https://case.example.org/uri/a",
                  "fullStatement": "Uses a tablet with the care recipient", "humanCodingScheme": "DS.1",
                  "CFItemType": "Competence" },
            ],
            "CFAssociations": [],
        });
        let url = provider.serve(identifier, 200, serde_json::to_vec(&package).unwrap());
        let by_url = |url: String| {
            let app = &app;
            let token = token.clone();
            async move {
                app.client
                    .post(app.url("/api/v1/admin/frameworks/import-url"))
                    .bearer_auth(token)
                    .json(&serde_json::json!({ "url": url }))
                    .send()
                    .await
                    .unwrap()
            }
        };
        let response = by_url(url.clone()).await;
        assert_eq!(response.status(), 201);
        let report: serde_json::Value = response.json().await.unwrap();
        assert_eq!(report["key"], "digital-skills-in-home-care");
        assert_eq!(report["version"], "2.0");
        assert_eq!(provider.requests(), 1);

        // Refused before any request: plain http to another host, a private
        // address, credentials, a path that is no CASE package.
        for bad in [
            format!("http://case.example.org/ims/case/v1p0/CFPackages/{identifier}"),
            format!("https://10.1.2.3/ims/case/v1p0/CFPackages/{identifier}"),
            format!("https://user:secret@case.example.org/ims/case/v1p0/CFPackages/{identifier}"),
            format!("{}/admin", provider.base),
        ] {
            let body = refusal(by_url(bad.clone()).await, 400).await;
            assert_eq!(body["code"], "invalid_framework_url", "{bad}");
        }
        assert_eq!(provider.requests(), 1);

        // A redirect is not followed; an error or a non-CASE answer is reported.
        let body = refusal(by_url(provider.redirecting_url(identifier)).await, 502).await;
        assert_eq!(body["code"], "case_provider_failed");
        let missing = format!(
            "{}/ims/case/v1p0/CFPackages/6f2d4c9e-1b7a-4e3f-9c1d-2a5b8e7f0aff",
            provider.base
        );
        let body = refusal(by_url(missing).await, 502).await;
        assert!(body["detail"].as_str().unwrap().contains("404"), "{body}");
        let html_id = "6f2d4c9e-1b7a-4e3f-9c1d-2a5b8e7f0a13";
        let html = provider.serve(html_id, 200, b"<html>maintenance</html>".to_vec());
        let body = refusal(by_url(html).await, 422).await;
        assert_eq!(body["code"], "invalid_framework");
    }
);

both_databases!(
    frameworks_and_administrators_tokens_are_managed_from_the_command_line,
    |app| async move {
        let dir =
            std::env::temp_dir().join(format!("carefolio-fw-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv_path = dir.join("homecare.csv");
        std::fs::write(&csv_path, MOODLE_CSV).unwrap();
        let output = app
            .run_carefolio(&["framework", "import", csv_path.to_str().unwrap()])
            .await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains("Imported \"Home care basics\" as homecare-2025"),
            "{stdout}"
        );

        let out_path = dir.join("carer.case.json");
        let output = app
            .run_carefolio(&[
                "framework",
                "export",
                "carerplus",
                "--format",
                "case",
                "--output",
                out_path.to_str().unwrap(),
            ])
            .await;
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let exported: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
        assert_eq!(
            exported["CFPackage"]["CFItems"].as_array().unwrap().len(),
            55
        );

        let output = app
            .run_carefolio(&["framework", "export", "pat", "--format", "moodle-csv"])
            .await;
        let csv = String::from_utf8_lossy(&output.stdout);
        assert!(
            csv.starts_with("Parent ID number,ID number,Short name,"),
            "{csv}"
        );
        assert_eq!(
            csv.lines().filter(|l| l.starts_with("5,5.")).count(),
            6,
            "{csv}"
        );

        let bad = dir.join("bad.csv");
        std::fs::write(&bad, "Parent ID number,ID number\n,x\n").unwrap();
        let output = app
            .run_carefolio(&["framework", "import", bad.to_str().unwrap()])
            .await;
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("line 1"), "{stderr}");

        let output = app
            .run_carefolio(&["admin-token", "add", "--name", "provisioning"])
            .await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let token = stdout
            .split_whitespace()
            .find(|w| w.starts_with("cfa_"))
            .expect("token shown")
            .to_owned();
        let list = |token: String| {
            let app = &app;
            async move {
                app.client
                    .get(app.url("/api/v1/admin/frameworks"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(list(token.clone()).await, 200);
        let output = app.run_carefolio(&["admin-token", "list"]).await;
        assert!(String::from_utf8_lossy(&output.stdout).contains("provisioning"));
        let output = app
            .run_carefolio(&["admin-token", "revoke", "provisioning"])
            .await;
        assert!(output.status.success());
        assert_eq!(list(token).await, 401, "a revoked token is refused at once");
        let _ = std::fs::remove_dir_all(&dir);
    }
);
