//! LTI Dynamic Registration: an administrator enters the URL that
//! `carefolio platform invite` printed; the simulated LMS (Moodle- or
//! Canvas-shaped) opens it with its OpenID configuration and a
//! registration token; the tool registers itself and the new platform's
//! launches are accepted.

use carefolio::platforms;
use carefolio::platforms::registration;
use carefolio::signing::Signer;
use carefolio_tests::launcher::scripted_launch;
use carefolio_tests::simulator::{PlatformSimulator, REGISTRATION_TOKEN};

use crate::both_databases;
use crate::helpers::*;

/// A platform the tool does not know yet.
fn new_platform(app: &TestApp) -> PlatformSimulator {
    let platform = PlatformSimulator::start_with(
        "127.0.0.1:0",
        "dynamic-client-7",
        "dynamic-deployment-3",
        PlatformKey::shared(1),
    )
    .expect("a second platform");
    platform.set_tool(&app.address);
    platform
}

/// The invitation in the URL `carefolio platform invite` prints.
async fn invitation(app: &TestApp) -> String {
    let output = app
        .run_carefolio(&["platform", "invite", "--hours", "2"])
        .await;
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("Tool URL"),
        "the output says where to enter it: {text}"
    );
    let url = text
        .split_whitespace()
        .find(|word| word.contains("/lti/register?invite="))
        .expect("a registration URL");
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "invite")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

async fn open_registration(
    app: &TestApp,
    invite: Option<&str>,
    configuration_url: Option<&str>,
    token: &str,
) -> reqwest::Response {
    let mut query: Vec<(&str, &str)> = vec![("registration_token", token)];
    if let Some(invite) = invite {
        query.push(("invite", invite));
    }
    if let Some(url) = configuration_url {
        query.push(("openid_configuration", url));
    }
    app.client
        .get(app.url("/lti/register"))
        .query(&query)
        .send()
        .await
        .unwrap()
}

both_databases!(
    moodle_registers_the_tool_and_its_launches_are_accepted,
    |app| async move {
        let moodle = new_platform(&app);
        let invite = invitation(&app).await;
        let configuration = moodle.openid_configuration_url();
        let response = open_registration(
            &app,
            Some(&invite),
            Some(&configuration),
            REGISTRATION_TOKEN,
        )
        .await;
        assert_eq!(response.status(), 200);
        let page = response.text().await.unwrap();
        assert!(page.contains("dynamic-client-7"), "{page}");
        assert!(
            page.contains("/registration-close.js\"></script>"),
            "{page}"
        );
        let close = app
            .client
            .get(app.url("/widget/registration-close.js"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(close.contains("org.imsglobal.lti.close"));

        // What the platform received was built from lti-config.
        let received = moodle.registrations_received();
        assert_eq!(received.len(), 1);
        let request = &received[0];
        assert_eq!(request["jwks_uri"], app.url("/.well-known/jwks.json"));
        assert_eq!(request["initiate_login_uri"], app.url("/lti/login"));
        assert!(request["scope"]
            .as_str()
            .unwrap()
            .contains("contextmembership.readonly"));
        let messages =
            &request["https://purl.imsglobal.org/spec/lti-tool-configuration"]["messages"];
        assert_eq!(messages[1]["type"], "LtiDeepLinkingRequest");
        assert_eq!(messages[1]["placements"][0], "ContentArea");

        let stored = platforms::by_issuer(&app.db, &moodle.issuer).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].client_id, "dynamic-client-7");
        assert_eq!(
            stored[0].deployment_ids,
            [platforms::DeploymentId::parse("dynamic-deployment-3").unwrap()]
        );
        assert_eq!(stored[0].token_url.as_str(), moodle.token_url());

        // The new platform's launch is accepted at once.
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let launch_page = scripted_launch(&browser, &moodle, &app.address, "new-learner")
            .await
            .unwrap();
        assert!(launch_token(&launch_page).is_some(), "{launch_page}");

        // The invitation registers once.
        let again = open_registration(
            &app,
            Some(&invite),
            Some(&configuration),
            REGISTRATION_TOKEN,
        )
        .await;
        assert_eq!(again.status(), 409);
        assert_eq!(error_code(&again), "registration_invite_used");
        assert_eq!(moodle.registrations_received().len(), 1);
    }
);

both_databases!(
    canvas_gets_its_placements_and_a_deployment_comes_later,
    |app| async move {
        let canvas = new_platform(&app);
        canvas.behave_like_canvas();
        let invite = invitation(&app).await;
        let response = open_registration(
            &app,
            Some(&invite),
            Some(&canvas.openid_configuration_url()),
            REGISTRATION_TOKEN,
        )
        .await;
        assert_eq!(response.status(), 200);
        let page = response.text().await.unwrap();
        assert!(page.contains("has not created a deployment yet"), "{page}");
        let request = &canvas.registrations_received()[0];
        let configuration = &request["https://purl.imsglobal.org/spec/lti-tool-configuration"];
        assert_eq!(
            configuration["https://canvas.instructure.com/lti/privacy_level"],
            "public"
        );
        assert_eq!(
            configuration["messages"][0]["placements"][0],
            "https://canvas.instructure.com/lti/course_navigation"
        );
        assert_eq!(
            configuration["messages"][1]["placements"][0],
            "https://canvas.instructure.com/lti/assignment_selection"
        );
        let stored = platforms::by_issuer(&app.db, &canvas.issuer).await.unwrap();
        assert_eq!(stored[0].name, "canvas");
        assert!(stored[0].deployment_ids.is_empty());
    }
);

both_databases!(
    registrations_without_a_valid_invitation_or_configuration_are_refused,
    |app| async move {
        let platform = new_platform(&app);
        let configuration = platform.openid_configuration_url();
        let refused = |response: reqwest::Response, status: u16, code: &str| {
            assert_eq!(response.status(), status, "{code}");
            assert_eq!(error_code(&response), code);
        };
        refused(
            open_registration(&app, None, Some(&configuration), REGISTRATION_TOKEN).await,
            403,
            "registration_invite_required",
        );
        let signer = Signer::load_or_create(&app.db).await.unwrap();
        let foreign = registration::invite(&Signer::from_key(b"another tool"), 1).unwrap();
        refused(
            open_registration(
                &app,
                Some(&foreign),
                Some(&configuration),
                REGISTRATION_TOKEN,
            )
            .await,
            403,
            "registration_invite_required",
        );
        let expired = registration::invite(&signer, -1).unwrap();
        refused(
            open_registration(
                &app,
                Some(&expired),
                Some(&configuration),
                REGISTRATION_TOKEN,
            )
            .await,
            403,
            "registration_invite_expired",
        );

        let invite = registration::invite(&signer, 1).unwrap();
        refused(
            open_registration(&app, Some(&invite), None, REGISTRATION_TOKEN).await,
            400,
            "registration_parameter_missing",
        );
        // The platform refuses a wrong registration token.
        refused(
            open_registration(&app, Some(&invite), Some(&configuration), "stolen").await,
            502,
            "platform_configuration_unreachable",
        );
        // The configuration is served from an address its issuer does not prefix.
        let elsewhere = configuration.replace("127.0.0.1", "localhost");
        let response =
            open_registration(&app, Some(&invite), Some(&elsewhere), REGISTRATION_TOKEN).await;
        assert_eq!(response.status(), 502);
        assert_eq!(error_code(&response), "platform_configuration_invalid");
        let page = response.text().await.unwrap();
        assert!(page.contains("is not a prefix"));
        // The page speaks of a registration, not of an activity.
        assert!(
            page.contains("<h1>Carefolio could not be registered with this LMS</h1>"),
            "{page}"
        );
        assert!(!page.contains("open this activity"), "{page}");

        // Nothing was registered, and the invitation is still good.
        assert!(platform.registrations_received().is_empty());
        assert!(platforms::by_issuer(&app.db, &platform.issuer)
            .await
            .unwrap()
            .is_empty());
        let response = open_registration(
            &app,
            Some(&invite),
            Some(&configuration),
            REGISTRATION_TOKEN,
        )
        .await;
        assert_eq!(response.status(), 200);
    }
);

both_databases!(
    a_configuration_whose_issuer_prefixes_it_only_as_text_is_refused,
    |app| async move {
        let signer = Signer::load_or_create(&app.db).await.unwrap();
        let platform = new_platform(&app);
        let configuration = platform.openid_configuration_url();
        // Served from 127.0.0.1:PORT, claiming 127.0.0.1:<PORT without its
        // last digit>: a prefix of the text, another server.
        let issuer = platform.issuer.clone();
        platform.claim_issuer(&issuer[..issuer.len() - 1]);
        let invite = registration::invite(&signer, 1).unwrap();
        let response = open_registration(
            &app,
            Some(&invite),
            Some(&configuration),
            REGISTRATION_TOKEN,
        )
        .await;
        assert_eq!(response.status(), 502);
        assert_eq!(error_code(&response), "platform_configuration_invalid");

        // The configuration's address carries the claimed issuer as a user name.
        platform.claim_issuer("http://localhost");
        let disguised = configuration.replace("http://", "http://localhost@");
        let response =
            open_registration(&app, Some(&invite), Some(&disguised), REGISTRATION_TOKEN).await;
        assert_eq!(response.status(), 502);
        assert_eq!(error_code(&response), "platform_configuration_invalid");

        assert!(platform.registrations_received().is_empty());
        assert!(platforms::list(&app.db)
            .await
            .unwrap()
            .iter()
            .all(|p| p.issuer == app.simulator.issuer));
    }
);

both_databases!(
    a_registration_never_changes_an_existing_one_and_a_second_needs_the_operators_leave,
    |app| async move {
        let signer = Signer::load_or_create(&app.db).await.unwrap();
        let moodle = new_platform(&app);
        let configuration = moodle.openid_configuration_url();
        let first = registration::invite(&signer, 1).unwrap();
        let response =
            open_registration(&app, Some(&first), Some(&configuration), REGISTRATION_TOKEN).await;
        assert_eq!(response.status(), 200);
        let before = platforms::by_issuer(&app.db, &moodle.issuer).await.unwrap();
        assert_eq!(before.len(), 1);

        // A plain invitation cannot register the same issuer again.
        let plain = registration::invite(&signer, 1).unwrap();
        let response =
            open_registration(&app, Some(&plain), Some(&configuration), REGISTRATION_TOKEN).await;
        assert_eq!(response.status(), 409);
        assert_eq!(error_code(&response), "issuer_already_registered");
        assert_eq!(
            moodle.registrations_received().len(),
            1,
            "the platform was not asked"
        );

        // An invitation for another issuer is refused for this one.
        let elsewhere = registration::invite_for(
            &signer,
            1,
            &registration::InviteScope {
                issuer: Some("https://other-lms.example".into()),
                allow_existing_issuer: true,
                origins: Vec::new(),
            },
        )
        .unwrap();
        let response = open_registration(
            &app,
            Some(&elsewhere),
            Some(&configuration),
            REGISTRATION_TOKEN,
        )
        .await;
        assert_eq!(response.status(), 403);
        assert_eq!(error_code(&response), "registration_invite_other_issuer");

        // With the operator's leave, a second registration is added beside
        // the first, which stays as it was.
        let allowed = registration::invite_for(
            &signer,
            1,
            &registration::InviteScope {
                issuer: Some(moodle.issuer.clone()),
                allow_existing_issuer: true,
                origins: Vec::new(),
            },
        )
        .unwrap();
        let response = open_registration(
            &app,
            Some(&allowed),
            Some(&configuration),
            REGISTRATION_TOKEN,
        )
        .await;
        assert_eq!(response.status(), 200);
        let after = platforms::by_issuer(&app.db, &moodle.issuer).await.unwrap();
        assert_eq!(after.len(), 2);
        assert_eq!(after[0].client_id, before[0].client_id);
        assert_eq!(after[0].jwks_url, before[0].jwks_url);
        assert_eq!(after[1].client_id, "dynamic-client-7-2");
    }
);

both_databases!(
    a_registration_returning_a_known_client_id_changes_nothing,
    |app| async move {
        // A platform (or whoever answers for it) returns the client id of a
        // registration Carefolio has: refused, never an update.
        let signer = Signer::load_or_create(&app.db).await.unwrap();
        let moodle = new_platform(&app);
        let configuration = moodle.openid_configuration_url();
        let run = |invite: String| {
            let app = &app;
            let configuration = configuration.clone();
            async move {
                open_registration(app, Some(&invite), Some(&configuration), REGISTRATION_TOKEN)
                    .await
            }
        };
        let scope = registration::InviteScope {
            issuer: Some(moodle.issuer.clone()),
            allow_existing_issuer: true,
            origins: Vec::new(),
        };
        assert_eq!(
            run(registration::invite(&signer, 1).unwrap())
                .await
                .status(),
            200
        );
        let before = platforms::by_issuer(&app.db, &moodle.issuer).await.unwrap();
        moodle.reset_registrations();
        let response = run(registration::invite_for(&signer, 1, &scope).unwrap()).await;
        assert_eq!(response.status(), 409);
        assert_eq!(error_code(&response), "issuer_already_registered");
        let after = platforms::by_issuer(&app.db, &moodle.issuer).await.unwrap();
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].jwks_url, before[0].jwks_url);
        assert_eq!(after[0].auth_url, before[0].auth_url);
    }
);
