//! Accepted launches: what they record and which valid variants pass.

use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::*;

async fn statements(app: &TestApp) -> Vec<Value> {
    let (key, secret) = app.xapi_credentials().await;
    let body: Value = app
        .xapi_get("/xapi/statements", &key, &secret)
        .send()
        .await
        .expect("statements")
        .json()
        .await
        .expect("json");
    body["statements"].as_array().cloned().unwrap_or_default()
}

both_databases!(
    a_valid_launch_shows_the_learner_and_records_everything,
    |app| async move {
        let response = app.launch("ingrid", json!({})).await;
        assert_eq!(response.status(), 200);
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        // Framed by the platform's own origin, and by no other site.
        assert!(
            csp.contains(&format!("frame-ancestors {};", app.simulator.issuer)),
            "{csp}"
        );
        assert!(response.headers().get("x-frame-options").is_none());
        let html = response.text().await.unwrap();
        assert!(html.contains("Ingrid Hansen"), "{html}");
        assert!(
            html.contains("Peer support and exchange of good practices"),
            "{html}"
        );
        assert!(html.contains("Hjelper og støtter brukere til å sette seg mål"));
        assert!(launch_token(&html).is_some());
        assert_eq!(app.count("people").await, 1);
        assert_eq!(app.count("lti_identities").await, 1);
        assert_eq!(app.count("contexts").await, 1);
        assert_eq!(app.count("memberships").await, 1);
        assert_eq!(app.count("resource_links").await, 1);
        assert_eq!(app.count("resource_link_competences").await, 2);
        assert_eq!(app.count("xapi_statements").await, 1);
        assert_eq!(app.count("used_nonces").await, 1);
    }
);

both_databases!(
    the_launch_statement_is_xapi_shaped_and_names_the_competences,
    |app| async move {
        assert_eq!(app.launch("ingrid", json!({})).await.status(), 200);
        let all = statements(&app).await;
        assert_eq!(all.len(), 1);
        let statement = &all[0];
        assert!(uuid::Uuid::parse_str(statement["id"].as_str().unwrap()).is_ok());
        assert_eq!(statement["actor"]["objectType"], "Agent");
        assert_eq!(
            statement["actor"]["account"]["homePage"],
            app.simulator.issuer.as_str()
        );
        assert_eq!(statement["actor"]["account"]["name"], "learner-0001");
        assert!(
            statement["actor"].get("mbox").is_none(),
            "no personal data in the actor"
        );
        assert_eq!(
            statement["verb"]["id"],
            "http://adlnet.gov/expapi/verbs/launched"
        );
        assert_eq!(statement["object"]["objectType"], "Activity");
        assert!(statement["object"]["id"]
            .as_str()
            .unwrap()
            .starts_with(&app.url("/xapi/activities/resource-links/")));
        assert_eq!(
            statement["object"]["definition"]["name"]["en"],
            "Peer support in practice"
        );
        let grouping = &statement["context"]["contextActivities"]["grouping"][0];
        assert_eq!(
            grouping["definition"]["name"]["en"],
            "Digital skills for care work"
        );
        assert_eq!(
            grouping["definition"]["type"],
            "http://adlnet.gov/expapi/activities/course"
        );
        let others = statement["context"]["contextActivities"]["other"]
            .as_array()
            .unwrap();
        assert_eq!(others.len(), 2);
        assert!(others
            .iter()
            .all(|o| o["id"].as_str().unwrap().starts_with("urn:uuid:")));
        assert_eq!(
            others[0]["definition"]["name"]["en"],
            "Peer support and exchange of good practices"
        );
        assert_eq!(
            others[1]["definition"]["name"]["en"],
            "Helps and supports peers to set goals and to dream of future possibilities."
        );
        assert_eq!(statement["context"]["language"], "en");
        assert_eq!(statement["version"], "1.0.3");
        assert!(statement["stored"].as_str().is_some());
        assert!(statement["timestamp"].as_str().is_some());
        assert_eq!(statement["authority"]["account"]["name"], "carefolio");
    }
);

both_databases!(a_second_launch_updates_the_same_person, |app| async move {
    assert_eq!(app.launch("first", json!({})).await.status(), 200);
    let response = app
        .launch(
            "second",
            json!({ "name": "Ingrid H. Berg", "family_name": "Berg", "email": null }),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Ingrid H. Berg"));
    assert_eq!(app.count("people").await, 1);
    assert_eq!(app.count("xapi_statements").await, 2);
    let person = carefolio::entities::person::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.family_name.as_deref(), Some("Berg"));
    assert_eq!(
        person.email.as_deref(),
        Some("ingrid.hansen@example.org"),
        "an absent claim keeps what was shared before"
    );
    assert_eq!(
        person.locale.as_deref(),
        Some("en"),
        "Moodle's locale comes from launch_presentation"
    );
});

use sea_orm::EntityTrait;

both_databases!(short_unknown_and_no_roles_are_accepted, |app| async move {
    for (hint, roles) in [
        ("short", json!(["Learner"])),
        ("unknown", json!(["http://example.org/roles#Gardener"])),
        ("none", json!([])),
    ] {
        let response = app.launch(hint, json!({ lti("roles"): roles })).await;
        assert_eq!(response.status(), 200, "roles {roles}");
    }
    let identity = carefolio::entities::lti_identity::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(identity.len(), 1);
});

both_databases!(short_role_names_are_stored_as_full_uris, |app| async move {
    assert_eq!(
        app.launch("short", json!({ lti("roles"): ["Instructor"] }))
            .await
            .status(),
        200
    );
    let identity = carefolio::entities::lti_identity::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        identity.roles,
        r#"["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]"#
    );
});

both_databases!(
    launches_with_little_or_no_personal_data_are_accepted,
    |app| async move {
        let variants = [
            (
                "email-only",
                json!({ "sub": "u-email", "name": null, "given_name": null, "family_name": null }),
            ),
            ("names-only", json!({ "sub": "u-names", "email": null })),
            (
                "anonymous",
                json!({ "sub": "u-anon", "name": null, "given_name": null, "family_name": null, "email": null }),
            ),
            (
                "no-context",
                json!({ "sub": "u-noctx", lti("context"): null }),
            ),
        ];
        for (hint, overrides) in variants {
            let response = app.launch(hint, overrides).await;
            assert_eq!(response.status(), 200, "{hint}");
            let html = response.text().await.unwrap();
            assert!(
                html.contains("Peer support and exchange of good practices"),
                "{hint}"
            );
        }
        assert_eq!(app.count("people").await, 4);
        assert_eq!(
            app.count("contexts").await,
            1,
            "the launch without context creates none"
        );
        let names_only = app
            .launch(
                "names-only-again",
                json!({ "sub": "u-names", "email": null }),
            )
            .await;
        assert!(names_only.text().await.unwrap().contains("Ingrid Hansen"));
    }
);

both_databases!(
    unknown_competences_are_reported_on_the_launch_page,
    |app| async move {
        let response = app
        .launch("typo", json!({ lti("custom"): { "competences": "carerplus:10.2, carerplus:99.9, nope:1.1, garbage" } }))
        .await;
        assert_eq!(response.status(), 200);
        let html = response.text().await.unwrap();
        assert!(html.contains("id=\"unknown-competences\""));
        for reported in ["carerplus:99.9", "nope:1.1", "garbage"] {
            assert!(html.contains(reported), "{reported} is reported");
        }
        assert_eq!(
            app.count("resource_link_competences").await,
            1,
            "the known one is still tied"
        );

        // Again, with the known competence now answered from the cache and
        // the unknown ones in between looked up anew.
        let response = app
            .launch("typo-again", json!({ lti("custom"): { "competences": "nope:1.1, carerplus:10.2, pat:5.1, carerplus:99.9" } }))
            .await;
        let html = response.text().await.unwrap();
        for reported in ["nope:1.1", "carerplus:99.9"] {
            assert!(html.contains(reported), "{reported} is reported again");
        }
        let view: Value = app
            .client
            .get(app.url("/api/v1/portfolio"))
            .bearer_auth(launch_token(&html).unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let codes: Vec<_> = view["competences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].clone())
            .collect();
        assert_eq!(
            codes,
            [json!("10.2"), json!("5.1")],
            "known ones in the order given"
        );
    }
);

both_databases!(
    changing_the_custom_parameter_reties_the_link,
    |app| async move {
        assert_eq!(app.launch("a", json!({})).await.status(), 200);
        assert_eq!(app.count("resource_link_competences").await, 2);
        let response = app
            .launch("b", json!({ lti("custom"): { "competences": "pat:12.6" } }))
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(app.count("resource_link_competences").await, 1);
        assert_eq!(app.count("resource_links").await, 1);
    }
);

both_databases!(the_tool_publishes_its_key_with_a_kid, |app| async move {
    let jwks = app.get_json("/.well-known/jwks.json").await;
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["alg"], "RS256");
    assert!(keys[0]["kid"].as_str().is_some_and(|k| k.len() >= 20));
    assert!(keys[0].get("d").is_none(), "never the private part");
});

both_databases!(
    a_platform_key_rotation_is_picked_up_with_one_coalesced_fetch,
    |app| async move {
        assert_eq!(app.launch("before", json!({})).await.status(), 200);
        assert_eq!(app.simulator.jwks_requests(), 1);
        app.simulator.rotate_key(PlatformKey::shared(1));
        let mut answers = Vec::new();
        for i in 0..4 {
            answers.push(app.begin_launch(&format!("after-{i}"), json!({})).await);
        }
        let launches = answers
            .iter()
            .map(|a| app.post_launch(Some(&a.id_token), Some(&a.state)));
        let responses = futures::future::join_all(launches).await;
        for response in responses {
            assert_eq!(response.status(), 200);
        }
        assert_eq!(
            app.simulator.jwks_requests(),
            2,
            "concurrent launches with the new kid share one fetch"
        );
    }
);

both_databases!(
    a_platform_that_rotates_twice_within_a_second_fails_no_launch,
    |app| async move {
        assert_eq!(app.launch("first", json!({})).await.status(), 200);
        app.simulator.rotate_key(PlatformKey::shared(1));
        assert_eq!(app.launch("second", json!({})).await.status(), 200);
        // The next key arrives well within the minimum refetch interval.
        app.simulator.rotate_key(PlatformKey::shared(2));
        assert_eq!(app.launch("third", json!({})).await.status(), 200);
        assert_eq!(app.simulator.jwks_requests(), 3);
    }
);

both_databases!(
    invented_kids_make_at_most_one_platform_fetch_a_second,
    |app| async move {
        assert_eq!(app.launch("first", json!({})).await.status(), 200);
        let before = app.simulator.jwks_requests();
        let key = app.simulator.current_key();
        let started = std::time::Instant::now();
        for i in 0..4 {
            let answer = app.begin_launch(&format!("attack-{i}"), json!({})).await;
            let token = sign(&answer.claims, Signing::Rs256WithKid(&key, "invented-kid"));
            let response = app.post_launch(Some(&token), Some(&answer.state)).await;
            assert_eq!(response.status(), 401);
            assert_eq!(error_code(&response), "unknown_kid");
        }
        let fetches = app.simulator.jwks_requests() - before;
        let allowed = started.elapsed().as_secs() as usize + 1;
        assert!(
            fetches <= allowed,
            "{fetches} fetches in {:?}",
            started.elapsed()
        );
        assert!(fetches >= 1, "an unknown kid is looked up at least once");
    }
);

both_databases!(
    a_renamed_course_and_changed_roles_are_written,
    |app| async move {
        assert_eq!(app.launch("before", json!({})).await.status(), 200);
        let renamed = json!({
            lti("context"): { "id": "course-care-101", "label": "CARE101", "title": "Digital skills for care work (2027)" },
            lti("roles"): [carefolio_tests::simulator::INSTRUCTOR],
        });
        assert_eq!(app.launch("after", renamed).await.status(), 200);
        assert_eq!(app.count("contexts").await, 1);
        let course = carefolio::entities::context::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            course.title.as_deref(),
            Some("Digital skills for care work (2027)")
        );
        let membership = carefolio::entities::membership::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert!(
            membership.roles.contains("membership#Instructor"),
            "{}",
            membership.roles
        );
    }
);

both_databases!(
    the_canvas_developer_key_is_served_for_this_servers_url,
    |app| async move {
        let key = app.get_json("/lti/config/canvas.json").await;
        assert_eq!(key["oidc_initiation_url"], app.url("/lti/login"));
        assert_eq!(key["target_link_uri"], app.url("/lti/launch"));
        assert_eq!(key["public_jwk_url"], app.url("/.well-known/jwks.json"));
        assert_eq!(key["extensions"][0]["domain"], "127.0.0.1");
        assert_eq!(
            key["extensions"][0]["settings"]["placements"][0]["placement"],
            "course_navigation"
        );
    }
);

both_databases!(a_huge_competences_parameter_is_bounded, |app| async move {
    // Real references first (each twice), then thousands that match
    // nothing and some that do not parse: about 40 KB.
    let mut entries: Vec<String> = (1..=6).map(|n| format!("pat:5.{n}")).collect();
    entries.extend((1..=6).map(|n| format!("pat:5.{n}")));
    entries.extend((0..3000).map(|n| format!("pat:{n}.9")));
    entries.extend((0..200).map(|n| format!("junk{n}")));
    let list = entries.join(",");
    let response = app
        .launch("huge", json!({ lti("custom"): { "competences": list } }))
        .await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    // The page reports a bounded list, ending with how many were left out.
    let reported = html.matches("<code>").count();
    assert!(reported <= 130, "{reported} entries reported");
    assert!(
        html.contains("more left out"),
        "the page says some were left out"
    );
    // The link is tied to its real competences, once each.
    assert_eq!(app.count("resource_link_competences").await, 6);
});

both_databases!(
    a_second_registration_claiming_an_issuer_shares_none_of_its_people,
    |app| async move {
        // The victim launches from the real platform.
        let victim = app
            .launch("ingrid", json!({ "name": "Ingrid Hansen" }))
            .await;
        assert_eq!(victim.status(), 200);
        let victim_token = launch_token(&victim.text().await.unwrap()).unwrap();

        // A registration for the same issuer whose keys are an attacker's
        // (made by an operator's mistake or a forged registration).
        let attacker = another_platform(&app, "attacker-client", 2);
        attacker.impersonate(&app.simulator.issuer);
        register_platform(&app, &attacker, &app.simulator.issuer).await;
        // The attacker launches as the victim's `sub`, renaming them.
        attacker.prepare_launch(
            "x",
            json!({ "sub": "learner-0001", "name": "Renamed By Attacker" }),
        );
        let page = launch_from(&app, &attacker, "x").await;
        let attacker_token = launch_token(&page).expect("the forged registration's own launch");

        // Two people: the victim's portfolio is untouched and not reachable.
        assert_eq!(app.count("people").await, 2);
        let victim_view = app
            .client
            .get(app.url("/api/v1/portfolio"))
            .bearer_auth(&victim_token)
            .send()
            .await
            .unwrap();
        let victim_view: Value = victim_view.json().await.unwrap();
        assert_eq!(victim_view["learner"]["name"], "Ingrid Hansen");
        let attacker_view: Value = app
            .client
            .get(app.url("/api/v1/portfolio"))
            .bearer_auth(&attacker_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(attacker_view["learner"]["name"], "Renamed By Attacker");
        assert_eq!(
            attacker_view["candidates"].as_array().unwrap().len(),
            1,
            "only its own launch, none of the victim's"
        );
    }
);

both_databases!(
    an_origin_an_operator_adds_is_the_platforms_for_services_and_frames,
    |app| async move {
        use carefolio::config::PlatformRegistration;
        use carefolio::platforms;
        let registration = |origins: Vec<&str>| PlatformRegistration {
            issuer: app.simulator.issuer.clone(),
            client_id: app.simulator.client_id.clone(),
            auth_url: app.simulator.auth_url(),
            token_url: app.simulator.token_url(),
            jwks_url: app.simulator.jwks_url(),
            deployment_ids: vec![app.simulator.deployment_id.clone()],
            name: None,
            origins: origins.into_iter().map(str::to_owned).collect(),
        };
        // More than an origin is refused, and the registration is unchanged.
        for bad in [
            "https://school.example/courses",
            "http://school.example",
            "https://u@school.example",
        ] {
            let refused = platforms::register(&app.db, &registration(vec![bad])).await;
            assert!(
                matches!(refused, Err(platforms::RegistrationError::BadOrigin(_))),
                "{bad}: {refused:?}"
            );
        }
        let lineitem = "https://school.example/api/lti/courses/1/line_items/7";
        let claim = json!({ carefolio_tests::simulator::AGS_CLAIM: {
            "scope": [carefolio_tests::simulator::SCORE_SCOPE], "lineitem": lineitem }});
        let stored = platforms::by_issuer(&app.db, &app.simulator.issuer)
            .await
            .unwrap()
            .remove(0);
        assert!(stored.service_url(lineitem).is_err());

        platforms::register(&app.db, &registration(vec!["https://School.example/"]))
            .await
            .expect("an origin");
        let after = app.launch("ingrid", claim).await;
        assert_eq!(after.status(), 200);
        let csp = after.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains(&format!(
                "frame-ancestors {} https://school.example;",
                app.simulator.issuer
            )),
            "{csp}"
        );
    }
);
