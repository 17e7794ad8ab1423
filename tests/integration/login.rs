//! OIDC third-party login initiation.

use std::collections::HashMap;

use crate::both_databases;
use crate::helpers::*;

fn query_of(response: &reqwest::Response) -> HashMap<String, String> {
    let location = response.headers()["location"].to_str().unwrap();
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

both_databases!(
    login_by_post_redirects_to_the_platform_with_every_parameter,
    |app| async move {
        let response = app
            .post_login(&app.simulator.login_initiation("hint-42"))
            .await;
        assert_eq!(response.status(), 302);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(&app.simulator.auth_url()));
        let query = query_of(&response);
        assert_eq!(query["scope"], "openid");
        assert_eq!(query["response_type"], "id_token");
        assert_eq!(query["response_mode"], "form_post");
        assert_eq!(query["prompt"], "none");
        assert_eq!(query["client_id"], app.simulator.client_id);
        assert_eq!(query["redirect_uri"], app.url("/lti/launch"));
        assert_eq!(
            query["login_hint"], "hint-42",
            "login_hint comes back unchanged"
        );
        assert_eq!(
            query["lti_message_hint"], "msg-hint-42",
            "lti_message_hint comes back unchanged"
        );
        assert!(query["state"].len() >= 32);
        assert!(query["nonce"].len() >= 32);
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        assert!(cookie.starts_with(&format!("carefolio_lti_state_{}=", query["state"])));
        assert!(cookie.contains("HttpOnly"));
        assert!(!cookie.contains("MoodleSession"));
        assert_eq!(app.count("used_nonces").await, 0, "a login stores nothing");
    }
);

both_databases!(
    login_by_get_works_too_and_each_login_gets_fresh_state_and_nonce,
    |app| async move {
        let params = app.simulator.login_initiation("hint");
        let first = app
            .client
            .get(app.url("/lti/login"))
            .query(&params)
            .send()
            .await
            .unwrap();
        let second = app
            .client
            .get(app.url("/lti/login"))
            .query(&params)
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), 302);
        assert_eq!(second.status(), 302);
        let (a, b) = (query_of(&first), query_of(&second));
        assert_ne!(a["state"], b["state"]);
        assert_ne!(a["nonce"], b["nonce"]);
    }
);

both_databases!(
    login_without_required_parameters_is_refused_clearly,
    |app| async move {
        for missing in ["iss", "login_hint", "target_link_uri"] {
            let params: Vec<(String, String)> = app
                .simulator
                .login_initiation("hint")
                .into_iter()
                .filter(|(name, _)| name != missing)
                .collect();
            let response = app.post_login(&params).await;
            assert_eq!(response.status(), 400, "{missing}");
            assert_eq!(error_code(&response), "missing_parameter");
            assert!(response.text().await.unwrap().contains(missing));
        }
        assert_eq!(app.count("used_nonces").await, 0);
    }
);

both_databases!(
    login_from_an_unknown_platform_or_deployment_is_refused,
    |app| async move {
        let mut params = app.simulator.login_initiation("hint");
        params[0].1 = "https://unknown.example.org".into();
        let response = app.post_login(&params).await;
        assert_eq!(response.status(), 403);
        assert_eq!(error_code(&response), "unknown_issuer");

        let mut params = app.simulator.login_initiation("hint");
        for (name, value) in params.iter_mut() {
            if name == "lti_deployment_id" {
                *value = "deployment-unknown".into();
            }
        }
        let response = app.post_login(&params).await;
        assert_eq!(response.status(), 403);
        assert_eq!(error_code(&response), "unknown_deployment");
        assert_eq!(app.count("used_nonces").await, 0);
    }
);

both_databases!(
    an_oversized_login_form_is_refused_as_too_large_and_a_cross_site_http_login_is_explained,
    |app| async move {
        let huge = format!(
            "iss={}&login_hint=x&pad={}",
            app.simulator.issuer,
            "a".repeat(10 * 1024 * 1024)
        );
        let response = reqwest::Client::new()
            .post(app.url("/lti/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(huge)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413);
        assert_eq!(response.headers()["x-carefolio-error"], "payload_too_large");

        // Over plain http, a login sent by another site cannot end in a
        // launch (the Lax state cookie stays behind): said at once.
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(app.url("/lti/login"))
            .header("sec-fetch-site", "cross-site")
            .header("sec-fetch-dest", "document")
            .form(&app.simulator.login_initiation("hint-1"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.headers()["x-carefolio-error"],
            "insecure_cross_site"
        );
        let page = response.text().await.unwrap();
        // The page leads with a sentence, then the technical detail and code.
        let lead = page.find("class=\"lead\"").unwrap();
        let code = page.find("data-code=\"insecure_cross_site\"").unwrap();
        assert!(lead < code);
        assert!(page.contains("over https"), "{page}");
    }
);
