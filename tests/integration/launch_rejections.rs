//! Every launch the tool must refuse: the 1EdTech certification known-bad
//! cases and the rest. Each answers 4xx with a readable page and a stable
//! error code, and stores nothing.

use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::*;

/// Posts the token, checks status and code, and that nothing was stored.
pub async fn assert_rejected(
    app: &TestApp,
    id_token: Option<&str>,
    state: Option<&str>,
    status: u16,
    code: &str,
) {
    let people_before = app.count("people").await;
    let statements_before = app.count("xapi_statements").await;
    let used_nonces_before = app.count("used_nonces").await;
    let response = app.post_launch(id_token, state).await;
    assert_eq!(response.status().as_u16(), status, "status for {code}");
    assert_eq!(error_code(&response), code);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(
        html.contains(&format!(r#"data-code="{code}""#)),
        "the page shows the code: {html}"
    );
    assert_eq!(
        app.count("people").await,
        people_before,
        "{code}: no person stored"
    );
    assert_eq!(
        app.count("xapi_statements").await,
        statements_before,
        "{code}: no statement stored"
    );
    assert_eq!(
        app.count("used_nonces").await,
        used_nonces_before,
        "{code}: the nonce is not used up"
    );
}

async fn rejected_claims(app: &TestApp, change: impl FnOnce(&mut Value), status: u16, code: &str) {
    rejected_launch(app, json!({}), change, status, code).await;
}

/// A launch prepared with `overrides`, then altered by `change` and
/// re-signed, is refused with `status` and `code`.
pub async fn rejected_launch(
    app: &TestApp,
    overrides: Value,
    change: impl FnOnce(&mut Value),
    status: u16,
    code: &str,
) {
    let answer = app.begin_launch("bad", overrides).await;
    let token = app.resign(&answer, change);
    assert_rejected(app, Some(&token), Some(&answer.state), status, code).await;
}

fn remove(claims: &mut Value, name: &str) {
    claims.as_object_mut().unwrap().remove(name);
}

both_databases!(a_token_without_kid_is_rejected, |app| async move {
    let answer = app.begin_launch("bad", json!({})).await;
    let token = sign(
        &answer.claims,
        Signing::Rs256NoKid(&app.simulator.current_key()),
    );
    assert_rejected(&app, Some(&token), Some(&answer.state), 401, "missing_kid").await;
});

both_databases!(a_token_with_an_unknown_kid_is_rejected, |app| async move {
    let answer = app.begin_launch("bad", json!({})).await;
    let token = sign(
        &answer.claims,
        Signing::Rs256WithKid(&app.simulator.current_key(), "no-such-key"),
    );
    assert_rejected(&app, Some(&token), Some(&answer.state), 401, "unknown_kid").await;
});

both_databases!(a_wrong_lti_version_is_rejected, |app| async move {
    rejected_claims(
        &app,
        |c| c[lti("version")] = json!("1.2.0"),
        400,
        "wrong_lti_version",
    )
    .await;
});

both_databases!(a_missing_lti_version_is_rejected, |app| async move {
    rejected_claims(&app, |c| remove(c, &lti("version")), 400, "missing_claims").await;
});

both_databases!(something_that_is_not_a_jwt_is_rejected, |app| async move {
    let answer = app.begin_launch("bad", json!({})).await;
    assert_rejected(
        &app,
        Some("this is not a JWT"),
        Some(&answer.state),
        400,
        "not_a_jwt",
    )
    .await;
    assert_rejected(&app, Some("a.b.c"), Some(&answer.state), 400, "not_a_jwt").await;
});

both_databases!(
    a_token_missing_several_claims_is_rejected_naming_them,
    |app| async move {
        let answer = app.begin_launch("bad", json!({})).await;
        let token = app.resign(&answer, |c| {
            remove(c, &lti("message_type"));
            remove(c, &lti("roles"));
            remove(c, &lti("deployment_id"));
        });
        let response = app.post_launch(Some(&token), Some(&answer.state)).await;
        assert_eq!(response.status(), 400);
        assert_eq!(error_code(&response), "missing_claims");
        let html = response.text().await.unwrap();
        for claim in ["message_type", "roles", "deployment_id"] {
            assert!(html.contains(claim), "{claim} is named");
        }
        assert_eq!(app.count("people").await, 0);
    }
);

both_databases!(an_expired_token_is_rejected, |app| async move {
    let now = chrono::Utc::now().timestamp();
    rejected_claims(
        &app,
        |c| {
            c["iat"] = json!(now - 120);
            c["exp"] = json!(now - 60);
        },
        401,
        "token_expired",
    )
    .await;
});

both_databases!(a_token_issued_in_the_future_is_rejected, |app| async move {
    let now = chrono::Utc::now().timestamp();
    rejected_claims(
        &app,
        |c| {
            c["iat"] = json!(now + 300);
            c["exp"] = json!(now + 360);
        },
        401,
        "token_issued_in_future",
    )
    .await;
});

both_databases!(
    a_token_a_few_seconds_past_exp_is_within_leeway,
    |app| async move {
        let now = chrono::Utc::now().timestamp();
        let answer = app.begin_launch("skew", json!({})).await;
        let token = app.resign(&answer, |c| {
            c["iat"] = json!(now - 62);
            c["exp"] = json!(now - 2);
        });
        assert_eq!(
            app.post_launch(Some(&token), Some(&answer.state))
                .await
                .status(),
            200
        );
    }
);

both_databases!(a_missing_message_type_is_rejected, |app| async move {
    rejected_claims(
        &app,
        |c| remove(c, &lti("message_type")),
        400,
        "missing_claims",
    )
    .await;
});

both_databases!(an_unsupported_message_type_is_rejected, |app| async move {
    rejected_claims(
        &app,
        |c| c[lti("message_type")] = json!("LtiDeepLinkingResponse"),
        400,
        "unsupported_message_type",
    )
    .await;
});

both_databases!(missing_roles_are_rejected, |app| async move {
    rejected_claims(&app, |c| remove(c, &lti("roles")), 400, "missing_claims").await;
});

both_databases!(a_missing_deployment_id_is_rejected, |app| async move {
    rejected_claims(
        &app,
        |c| remove(c, &lti("deployment_id")),
        400,
        "missing_claims",
    )
    .await;
});

both_databases!(a_missing_resource_link_id_is_rejected, |app| async move {
    rejected_claims(
        &app,
        |c| c[lti("resource_link")] = json!({ "title": "no id" }),
        400,
        "missing_claims",
    )
    .await;
});

both_databases!(a_missing_sub_is_rejected, |app| async move {
    rejected_claims(&app, |c| remove(c, "sub"), 400, "missing_claims").await;
});

both_databases!(a_replayed_token_is_rejected, |app| async move {
    let answer = app.begin_launch("replay", json!({})).await;
    assert_eq!(
        app.post_launch(Some(&answer.id_token), Some(&answer.state))
            .await
            .status(),
        200
    );
    assert_rejected(
        &app,
        Some(&answer.id_token),
        Some(&answer.state),
        401,
        "nonce_replayed",
    )
    .await;
});

both_databases!(a_new_token_reusing_a_nonce_is_rejected, |app| async move {
    let answer = app.begin_launch("replay", json!({})).await;
    assert_eq!(
        app.post_launch(Some(&answer.id_token), Some(&answer.state))
            .await
            .status(),
        200
    );
    let now = chrono::Utc::now().timestamp();
    let token = app.resign(&answer, |c| {
        c["iat"] = json!(now);
        c["sub"] = json!("someone-else");
    });
    assert_rejected(
        &app,
        Some(&token),
        Some(&answer.state),
        401,
        "nonce_replayed",
    )
    .await;
});

both_databases!(
    a_nonce_the_tool_never_issued_is_rejected,
    |app| async move {
        rejected_claims(
            &app,
            |c| c["nonce"] = json!("invented-by-an-attacker"),
            401,
            "unknown_nonce",
        )
        .await;
    }
);

both_databases!(a_wrong_or_missing_state_is_rejected, |app| async move {
    let answer = app.begin_launch("state", json!({})).await;
    assert_rejected(
        &app,
        Some(&answer.id_token),
        Some("not-the-state"),
        401,
        "state_mismatch",
    )
    .await;
    assert_rejected(&app, Some(&answer.id_token), None, 401, "missing_state").await;
    // The state of another login, with this login's nonce.
    let other = app.begin_launch("other", json!({})).await;
    assert_rejected(
        &app,
        Some(&answer.id_token),
        Some(&other.state),
        401,
        "state_mismatch",
    )
    .await;
});

/// A launch from a browser holding the cookie for `state`, whatever state that is.
async fn post_with_state_cookie(app: &TestApp, id_token: &str, state: &str) -> reqwest::Response {
    app.client
        .post(app.url("/lti/launch"))
        .header("cookie", format!("carefolio_lti_state_{state}=1"))
        .form(&[("id_token", id_token), ("state", state)])
        .send()
        .await
        .unwrap()
}

both_databases!(
    a_state_altered_by_the_browser_is_rejected,
    |app| async move {
        let answer = app.begin_launch("state", json!({})).await;
        // A later expiry, keeping the signature: the state is signed as a whole.
        let (expiry, rest) = answer.state.split_once('.').unwrap();
        let extended = format!("{}.{rest}", expiry.parse::<i64>().unwrap() + 3_600_000);
        let response = post_with_state_cookie(&app, &answer.id_token, &extended).await;
        assert_eq!(response.status(), 401);
        assert_eq!(error_code(&response), "state_mismatch");
        assert_eq!(app.count("used_nonces").await, 0);
    }
);

both_databases!(
    a_launch_after_its_login_expired_is_rejected,
    |app| async move {
        let answer = app.begin_launch("late", json!({})).await;
        // A state that only this server could have signed, expired a second ago.
        let signer = carefolio::signing::Signer::load_or_create(&app.db)
            .await
            .unwrap();
        let platform = carefolio::entities::platform::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let expired = carefolio::lti::login::signed_state(
            &signer,
            platform.id,
            chrono::Utc::now().timestamp_millis() - 1_000,
            answer.claims["nonce"].as_str().unwrap(),
        );
        let response = post_with_state_cookie(&app, &answer.id_token, &expired).await;
        assert_eq!(response.status(), 401);
        assert_eq!(error_code(&response), "login_expired");
        assert_eq!(app.count("people").await, 0);
        assert_eq!(app.count("used_nonces").await, 0);
    }
);

both_databases!(
    a_launch_in_a_browser_that_did_not_start_the_login_is_rejected,
    |app| async move {
        let answer = app.begin_launch("stolen", json!({})).await;
        let stranger = reqwest::Client::new();
        let response = stranger
            .post(app.url("/lti/launch"))
            .form(&[
                ("id_token", answer.id_token.as_str()),
                ("state", answer.state.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(error_code(&response), "state_mismatch");
        assert_eq!(app.count("people").await, 0);
    }
);

both_databases!(a_token_for_another_audience_is_rejected, |app| async move {
    rejected_claims(
        &app,
        |c| c["aud"] = json!("some-other-tool"),
        401,
        "invalid_audience",
    )
    .await;
});

both_databases!(
    several_audiences_need_azp_naming_this_tool,
    |app| async move {
        let client_id = app.simulator.client_id.clone();
        let answer = app.begin_launch("azp", json!({})).await;
        let token = app.resign(&answer, |c| {
            c["aud"] = json!([client_id.clone(), "another"])
        });
        assert_rejected(
            &app,
            Some(&token),
            Some(&answer.state),
            401,
            "invalid_audience",
        )
        .await;
        let token = app.resign(&answer, |c| {
            c["aud"] = json!([client_id.clone(), "another"]);
            c["azp"] = json!("another");
        });
        assert_rejected(
            &app,
            Some(&token),
            Some(&answer.state),
            401,
            "invalid_audience",
        )
        .await;
        let token = app.resign(&answer, |c| {
            c["aud"] = json!([client_id.clone(), "another"]);
            c["azp"] = json!(client_id.clone());
        });
        assert_eq!(
            app.post_launch(Some(&token), Some(&answer.state))
                .await
                .status(),
            200
        );
    }
);

both_databases!(
    a_token_from_an_unknown_issuer_is_rejected,
    |app| async move {
        rejected_claims(
            &app,
            |c| c["iss"] = json!("https://unknown.example.org"),
            403,
            "unknown_issuer",
        )
        .await;
    }
);

both_databases!(an_unknown_deployment_is_rejected, |app| async move {
    rejected_claims(
        &app,
        |c| c[lti("deployment_id")] = json!("deployment-9"),
        403,
        "unknown_deployment",
    )
    .await;
});

both_databases!(
    a_deployment_id_beyond_the_specs_bounds_is_rejected,
    |app| async move {
        // LTI 1.3: at most 255 ASCII characters.
        rejected_claims(
            &app,
            |c| c[lti("deployment_id")] = json!("d".repeat(256)),
            400,
            "invalid_claim",
        )
        .await;
        rejected_claims(
            &app,
            |c| c[lti("deployment_id")] = json!("déploiement"),
            400,
            "invalid_claim",
        )
        .await;
        // An operator's registration is held to the same bounds.
        let mut registration = app.settings.platforms[0].clone();
        registration.deployment_ids = vec!["d".repeat(256)];
        let refused = carefolio::platforms::register(&app.db, &registration).await;
        assert!(
            matches!(
                refused,
                Err(carefolio::platforms::RegistrationError::BadDeployment { .. })
            ),
            "{refused:?}"
        );
    }
);

both_databases!(an_unsigned_alg_none_token_is_rejected, |app| async move {
    let answer = app.begin_launch("none", json!({})).await;
    let token = sign(&answer.claims, Signing::None);
    assert_rejected(
        &app,
        Some(&token),
        Some(&answer.state),
        401,
        "unsupported_algorithm",
    )
    .await;
});

both_databases!(
    an_hs256_token_signed_with_the_public_key_is_rejected,
    |app| async move {
        let answer = app.begin_launch("hs256", json!({})).await;
        let token = sign(
            &answer.claims,
            Signing::Hs256WithPublicKey(&app.simulator.current_key()),
        );
        assert_rejected(
            &app,
            Some(&token),
            Some(&answer.state),
            401,
            "unsupported_algorithm",
        )
        .await;
    }
);

both_databases!(a_token_with_a_bad_signature_is_rejected, |app| async move {
    let answer = app.begin_launch("forged", json!({})).await;
    let kid = app.simulator.current_key().kid;
    // Signed with another private key under the platform's kid.
    let token = sign(
        &answer.claims,
        Signing::Rs256WithKid(&PlatformKey::shared(2), &kid),
    );
    assert_rejected(
        &app,
        Some(&token),
        Some(&answer.state),
        401,
        "invalid_signature",
    )
    .await;
    // A valid signature over different claims.
    let mut parts: Vec<String> = answer.id_token.split('.').map(str::to_owned).collect();
    let tampered = app.resign(&answer, |c| c["sub"] = json!("admin"));
    parts[1] = tampered.split('.').nth(1).unwrap().to_owned();
    assert_rejected(
        &app,
        Some(&parts.join(".")),
        Some(&answer.state),
        401,
        "invalid_signature",
    )
    .await;
});

both_databases!(a_launch_without_id_token_is_rejected, |app| async move {
    assert_rejected(&app, None, Some("s"), 400, "missing_parameter").await;
});
