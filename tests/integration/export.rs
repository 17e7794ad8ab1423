//! A learner's whole portfolio as one zip: the JSON data, every file once,
//! LEAP2A, and a site that opens offline.

use serde_json::{json, Value};

use crate::helpers::*;

/// The zip's entries: name → bytes.
async fn entries(zip: Vec<u8>) -> std::collections::BTreeMap<String, Vec<u8>> {
    let reader = async_zip::base::read::mem::ZipFileReader::new(zip)
        .await
        .expect("a zip");
    let mut out = std::collections::BTreeMap::new();
    for index in 0..reader.file().entries().len() {
        let name = reader.file().entries()[index]
            .filename()
            .as_str()
            .unwrap()
            .to_owned();
        let mut entry = reader.reader_with_entry(index).await.unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end_checked(&mut bytes).await.unwrap();
        out.insert(name, bytes);
    }
    out
}

/// A portfolio with a reflection, a photo, a link, a collection, a
/// self-rating and a peer's comment; returns the owner's token.
async fn fill(app: &TestApp) -> String {
    let ingrid = launched_as(app, json!({})).await;
    let ole = launched_as(app, json!({ "sub": "learner-0002", "name": "Ole Nilsen" })).await;
    let (found, _) = carefolio::frameworks::store::resolve(
        &app.db,
        &[carefolio::frameworks::CompetenceRef::parse("carerplus:10.2").unwrap()],
    )
    .await
    .unwrap();
    let peer_support = found[0].id;
    let post = |path: &str, token: &str, body: Value| {
        let request = app
            .client
            .post(app.url(path))
            .bearer_auth(token)
            .json(&body);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let reflection = post("/api/v1/evidence", &ingrid, json!({ "kind": "reflection", "title": "What I learnt", "body": "Peer groups *help*.", "tags": [{ "competence_id": peer_support, "level": 2 }] })).await;
    let photo: Value = app
        .client
        .post(app.url("/api/v1/evidence/files?name=tablet.png"))
        .bearer_auth(&ingrid)
        .header("content-type", "image/png")
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = post(
        "/api/v1/evidence",
        &ingrid,
        json!({ "kind": "link", "title": "Certificate", "url": "https://kurs.example.no/c/1" }),
    )
    .await;
    post("/api/v1/collections", &ingrid, json!({ "title": "Placement, spring", "introduction": "Three months at **Solsiden**.", "items": [photo["id"], reflection["id"]] })).await;
    app.client
        .put(app.url(&format!("/api/v1/self-ratings/{peer_support}")))
        .bearer_auth(&ingrid)
        .json(&json!({ "rating": 1 }))
        .send()
        .await
        .unwrap();
    let people: Value = app
        .client
        .get(app.url("/api/v1/course-people"))
        .bearer_auth(&ingrid)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let share = post(
        "/api/v1/shares",
        &ingrid,
        json!({ "kind": "person", "person_id": people[0]["id"] }),
    )
    .await;
    post(
        &format!(
            "/api/v1/evidence/{}/comments?share={}",
            reflection["id"].as_str().unwrap(),
            share["id"].as_str().unwrap()
        ),
        &ole,
        json!({ "body": "Well put!" }),
    )
    .await;
    let _ = link;
    ingrid
}

crate::both_databases!(
    a_learner_downloads_the_whole_portfolio_as_one_zip,
    |app| async move {
        let ingrid = fill(&app).await;
        let response = app
            .client
            .get(app.url("/api/v1/export"))
            .bearer_auth(&ingrid)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/zip");
        assert!(response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"carefolio-portfolio-"));
        let zip = entries(response.bytes().await.unwrap().to_vec()).await;
        let names: Vec<&str> = zip.keys().map(String::as_str).collect();
        assert!(
            names.contains(&"index.html")
                && names.contains(&"portfolio.json")
                && names.contains(&"leap2a.xml"),
            "{names:?}"
        );
        let files: Vec<&&str> = names.iter().filter(|n| n.starts_with("files/")).collect();
        assert_eq!(files.len(), 1, "{names:?}");
        assert_eq!(zip[*files[0]], PNG);

        let data: Value = serde_json::from_slice(&zip["portfolio.json"]).unwrap();
        assert_eq!(data["format"], "carefolio-portfolio/1");
        assert_eq!(data["person"]["name"], "Ingrid Hansen");
        assert_eq!(data["items"].as_array().unwrap().len(), 3);
        let reflection = data["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["kind"] == "reflection")
            .unwrap();
        assert_eq!(reflection["versions"][0]["tags"][0]["code"], "10.2");
        assert_eq!(reflection["versions"][0]["tags"][0]["level"], 2);
        assert_eq!(reflection["comments"][0]["author"], "Ole Nilsen");
        assert_eq!(data["collections"][0]["title"], "Placement, spring");
        assert_eq!(data["self_ratings"][0]["rating"], 1);

        let feed =
            carefolio::portfolio::leap2a::read(std::str::from_utf8(&zip["leap2a.xml"]).unwrap())
                .unwrap();
        assert_eq!(feed.entries.len(), 4, "three items and a collection");
        let selection = feed
            .entries
            .iter()
            .find(|e| e.rdf_type == "leap2:selection")
            .unwrap();
        assert_eq!(selection.has_part.len(), 2);
        let file_entry = feed.entries.iter().find(|e| e.enclosure.is_some()).unwrap();
        assert_eq!(file_entry.enclosure.as_deref(), Some(*files[0]));

        let site = String::from_utf8(zip["index.html"].clone()).unwrap();
        assert!(site.contains("<h1>Ingrid Hansen's portfolio</h1>"));
        assert!(site.contains(&format!("<img src=\"{}\"", files[0])));
        assert!(site.contains("<em>help</em>"));
        assert!(
            !site.contains("http://") || !site.contains("src=\"http"),
            "nothing loaded from outside the zip"
        );

        // Another learner's export holds none of it.
        let ole = launched_as(&app, json!({ "sub": "learner-0002", "name": "Ole Nilsen" })).await;
        let theirs = app
            .client
            .get(app.url("/api/v1/export"))
            .bearer_auth(&ole)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        let theirs = entries(theirs).await;
        let data: Value = serde_json::from_slice(&theirs["portfolio.json"]).unwrap();
        assert_eq!(data["items"], json!([]));
        assert_eq!(
            app.client
                .get(app.url("/api/v1/export"))
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
    }
);

/// The exported site opens from the disk in Chromium, pictures and all,
/// with the network off.
#[actix_web::test]
async fn the_exported_site_opens_offline() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let ingrid = fill(&app).await;
    let zip = app
        .client
        .get(app.url("/api/v1/export"))
        .bearer_auth(&ingrid)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let dir = std::env::temp_dir().join(format!(
        "carefolio-export-{}",
        uuid::Uuid::new_v4().simple()
    ));
    for (name, bytes) in entries(zip).await {
        let path = dir.join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    drop(app);
    let browser = carefolio_tests::webdriver::Browser::start(&[])
        .await
        .expect("headless Chromium");
    browser
        .goto(&format!("file://{}", dir.join("index.html").display()))
        .await
        .unwrap();
    let loaded = browser
        .wait_for(
            "const img = document.querySelector('img'); return img && img.complete && img.naturalWidth > 0 ? document.title : null;",
            std::time::Duration::from_secs(10),
        )
        .await
        .expect("the picture loads from the zip's files folder");
    assert!(
        loaded.as_str().unwrap().contains("Ingrid Hansen"),
        "{loaded}"
    );
    let text = browser
        .eval("return document.body.innerText;")
        .await
        .unwrap();
    let text = text.as_str().unwrap();
    assert!(
        text.contains("Placement, spring")
            && text.contains("Peer support and exchange of good practices"),
        "{text}"
    );
    browser.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Compares what holds across an instance: items, tags, files, collections.
fn portable(data: &Value) -> Value {
    let items = data["items"].as_array().unwrap();
    let title_of = |id: &Value| {
        items
            .iter()
            .find(|i| &i["id"] == id)
            .map(|i| i["versions"].as_array().unwrap().last().unwrap()["title"].clone())
    };
    let mut kept: Vec<Value> = items
        .iter()
        .map(|item| {
            let current = item["versions"].as_array().unwrap().last().unwrap();
            json!({
                "kind": item["kind"],
                "care": item["describes_care_recipient"],
                "title": current["title"],
                "body": current["body"],
                "url": current["url"],
                "file": current["file"].get("sha256").map(|_| json!([current["file"]["sha256"], current["file"]["name"], current["file"]["media_type"]])),
                "tags": current["tags"].as_array().unwrap().iter().map(|t| json!([t["competence"], t["level"]])).collect::<Vec<_>>(),
            })
        })
        .collect();
    kept.sort_by_key(|v| v["title"].to_string());
    json!({
        "items": kept,
        "collections": data["collections"].as_array().unwrap().iter().map(|c| json!({
            "title": c["title"], "introduction": c["introduction"],
            "items": c["items"].as_array().unwrap().iter().map(&title_of).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "ratings": data["self_ratings"].as_array().unwrap().iter().map(|r| json!([r["competence"], r["rating"]])).collect::<Vec<_>>(),
    })
}

crate::both_databases!(
    a_leap2a_export_imports_again_with_nothing_lost,
    |app| async move {
        let ingrid = fill(&app).await;
        let zip = app
            .client
            .get(app.url("/api/v1/export"))
            .bearer_auth(&ingrid)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        let original: Value =
            serde_json::from_slice(&entries(zip.clone()).await["portfolio.json"]).unwrap();

        // Ingrid takes her portfolio to another provider: a fresh Carefolio.
        let elsewhere = spawn_app_with(Backend::Sqlite, |_| {}).await;
        let there = launched_as(
            &elsewhere,
            json!({ "sub": "someone-else", "name": "Ingrid Hansen" }),
        )
        .await;
        let response = elsewhere
            .client
            .post(elsewhere.url("/api/v1/import"))
            .bearer_auth(&there)
            .body(zip)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let report: Value = response.json().await.unwrap();
        assert_eq!(report["items"], 3, "{report}");
        assert_eq!(report["files"], 1);
        assert_eq!(report["collections"], 1);
        assert_eq!(report["self_ratings"], 1);
        assert_eq!(report["skipped"], json!([]));
        let again = elsewhere
            .client
            .get(elsewhere.url("/api/v1/export"))
            .bearer_auth(&there)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        let imported: Value =
            serde_json::from_slice(&entries(again).await["portfolio.json"]).unwrap();
        assert_eq!(portable(&imported), portable(&original));

        // Not a zip, or a zip without a feed: a clear refusal, nothing added.
        let response = elsewhere
            .client
            .post(elsewhere.url("/api/v1/import"))
            .bearer_auth(&there)
            .body("not a zip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422);
        assert_eq!(error_code(&response), "invalid_import");
        assert_eq!(elsewhere.count("evidence_items").await, 3);
    }
);

/// A zip of these entries.
async fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer =
            async_zip::base::write::ZipFileWriter::new(futures::io::Cursor::new(&mut out));
        for (name, bytes) in files {
            let entry = async_zip::ZipEntryBuilder::new(
                (*name).to_owned().into(),
                async_zip::Compression::Deflate,
            );
            writer.write_entry_whole(entry, bytes).await.unwrap();
        }
        writer.close().await.unwrap();
    }
    out
}

/// Mahara's export: journal posts in HTML, files with enclosures, a page
/// as a selection, and Mahara's own elements, which are skipped.
const MAHARA_FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns:leap2="http://terms.leapspecs.org/" xmlns:categories="http://wiki.leapspecs.org/2A/categories/"
      xmlns:portfolio="http://mahara.example.org/export/7/1764500000"
      xmlns:mahara="http://wiki.mahara.org/Developer_Area/Import%2F%2FExport/LEAP_Extensions#">
  <id>http://mahara.example.org/export/7/1764500000</id>
  <title>Mahara LEAP2A Export for Ingrid Hansen, 30 November 2026, 10:00</title>
  <author><name>Ingrid Hansen</name></author>
  <updated>2026-11-30T10:00:00+01:00</updated>
  <generator uri="https://mahara.org/" version="24.04">Mahara</generator>
  <entry>
    <title>Reflections on my placement</title>
    <id>portfolio:artefact12</id>
    <updated>2026-11-01T10:00:00+01:00</updated>
    <published>2026-11-01T10:00:00+01:00</published>
    <content type="html">&lt;p&gt;I learnt to &lt;strong&gt;listen&lt;/strong&gt;.&lt;/p&gt;&lt;p&gt;Then to ask.&lt;/p&gt;</content>
    <rdf:type rdf:resource="leap2:entry"/>
    <category term="placement"/>
    <mahara:artefactplugin mahara:type="post" mahara:plugin="blog"/>
  </entry>
  <entry>
    <title>care-plan.pdf</title>
    <id>portfolio:artefact15</id>
    <updated>2026-11-02T10:00:00+01:00</updated>
    <summary type="text">The plan we made together.</summary>
    <rdf:type rdf:resource="leap2:resource"/>
    <category term="Offline" scheme="categories:resource_type#"/>
    <content type="application/pdf" src="files/care-plan.pdf"/>
    <mahara:artefactplugin mahara:type="file" mahara:plugin="file"/>
  </entry>
  <entry>
    <title>page.html</title>
    <id>portfolio:artefact16</id>
    <updated>2026-11-02T10:00:00+01:00</updated>
    <rdf:type rdf:resource="leap2:resource"/>
    <link rel="enclosure" href="files/page.html" type="text/html" length="40"/>
  </entry>
  <entry>
    <title>My placement</title>
    <id>portfolio:view3</id>
    <updated>2026-11-03T10:00:00+01:00</updated>
    <content type="html">&lt;p&gt;What I did in spring.&lt;/p&gt;</content>
    <rdf:type rdf:resource="leap2:selection"/>
    <category term="Grouping" scheme="categories:selection_type#"/>
    <link rel="leap2:has_part" href="portfolio:artefact15" leap2:display_order="2"/>
    <link rel="leap2:has_part" href="portfolio:artefact12" leap2:display_order="1"/>
  </entry>
</feed>"#;

crate::both_databases!(
    a_mahara_leap2a_export_imports_into_the_portfolio,
    |app| async move {
        let ingrid = launched_as(&app, json!({})).await;
        let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
        let zip = zip_of(&[
            ("leap2a.xml", MAHARA_FEED.as_bytes()),
            ("files/care-plan.pdf", pdf),
            ("files/page.html", b"<html><script>alert(1)</script></html>"),
        ])
        .await;
        let response = app
            .client
            .post(app.url("/api/v1/import"))
            .bearer_auth(&ingrid)
            .body(zip)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let report: Value = response.json().await.unwrap();
        assert_eq!(report["items"], 2, "{report}");
        assert_eq!(report["files"], 1);
        assert_eq!(report["collections"], 1);
        let skipped = report["skipped"].as_array().unwrap();
        assert_eq!(skipped.len(), 1, "{report}");
        assert!(
            skipped[0].as_str().unwrap().starts_with("page.html: "),
            "{report}"
        );
        let items: Value = app
            .client
            .get(app.url("/api/v1/evidence"))
            .bearer_auth(&ingrid)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let post = items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["title"] == "Reflections on my placement")
            .unwrap();
        assert_eq!(post["kind"], "reflection");
        assert_eq!(post["body"], "I learnt to listen.\nThen to ask.");
        let file = items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["kind"] == "file")
            .unwrap();
        assert_eq!(file["file"]["media_type"], "application/pdf");
        assert_eq!(file["body"], "The plan we made together.");
        let collections: Value = app
            .client
            .get(app.url("/api/v1/collections"))
            .bearer_auth(&ingrid)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(collections[0]["title"], "My placement");
        assert_eq!(collections[0]["introduction"], "What I did in spring.");
        assert_eq!(
            collections[0]["items"],
            json!([post["id"], file["id"]]),
            "in Mahara's display order"
        );
    }
);

/// `carefolio portfolio export` writes the same zip, with progress, and
/// `portfolio import` adds one to another person's portfolio.
#[actix_web::test]
async fn the_command_line_exports_with_progress_and_imports() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    fill(&app).await;
    let dir = std::env::temp_dir().join(format!(
        "carefolio-cli-export-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let zip = dir.join("ingrid.zip");
    let output = app
        .run_carefolio(&[
            "portfolio",
            "export",
            "ingrid.hansen@example.org",
            "--output",
            zip.to_str().unwrap(),
        ])
        .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Ingrid and Ole share the simulator's e-mail address: the command asks which.
    assert!(!output.status.success());
    assert!(stderr.contains("2 people have the address"), "{stderr}");
    let ingrid_id = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        carefolio::entities::person::Entity::find()
            .filter(carefolio::entities::person::Column::Name.eq("Ingrid Hansen"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .id
            .to_string()
    };
    let output = app
        .run_carefolio(&[
            "portfolio",
            "export",
            &ingrid_id,
            "--output",
            zip.to_str().unwrap(),
        ])
        .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("1 of 1 files"), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("Wrote "));
    let written = entries(std::fs::read(&zip).unwrap()).await;
    let data: Value = serde_json::from_slice(&written["portfolio.json"]).unwrap();
    assert_eq!(data["items"].as_array().unwrap().len(), 3);
    assert!(!dir.join("ingrid.zip.part").exists());

    let someone = launched_as(
        &app,
        json!({ "sub": "learner-0003", "name": "Kari Nordmann", "email": "kari@example.org" }),
    )
    .await;
    let output = app
        .run_carefolio(&[
            "portfolio",
            "import",
            "kari@example.org",
            zip.to_str().unwrap(),
        ])
        .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("Imported 3 items (1 files), 1 collections, 1 self-ratings."),
        "{stdout}"
    );
    let items: Value = app
        .client
        .get(app.url("/api/v1/evidence"))
        .bearer_auth(&someone)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(items.as_array().unwrap().len(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

crate::both_databases!(
    a_download_link_of_the_export_works_without_a_token_for_its_owner_only_and_not_when_altered,
    |app| async move {
        let ingrid = fill(&app).await;
        // Asking for the address needs the launch token.
        let anonymous = app
            .client
            .post(app.url("/api/v1/export/address"))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 401);
        let address: Value = app
            .client
            .post(app.url("/api/v1/export/address"))
            .bearer_auth(&ingrid)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let url = address["url"].as_str().unwrap().to_owned();
        assert!(url.starts_with("/exports/portfolio.zip?access="), "{url}");
        assert_eq!(address["expires_in"], 300);

        // A plain GET (as a download link makes) streams the owner's zip.
        let response = app.client.get(app.url(&url)).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/zip");
        assert_eq!(response.headers()["referrer-policy"], "no-referrer");
        let zip = entries(response.bytes().await.unwrap().to_vec()).await;
        assert!(zip.contains_key("portfolio.json"));

        // An altered address, or a file address used for the export, is refused.
        let altered = format!("{}x", url);
        assert_eq!(
            app.client
                .get(app.url(&altered))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        let missing = app
            .client
            .get(app.url("/exports/portfolio.zip"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 400);
    }
);
