//! The tool's signing keys: rotation from the command line, the published
//! JWKS during and after the grace period, and which key signs.

use crate::both_databases;
use crate::helpers::*;
use carefolio::platforms::tool_keys::{self, CurrentKey};

async fn published_kids(app: &TestApp) -> Vec<String> {
    let jwks = app.get_json("/.well-known/jwks.json").await;
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap().to_owned())
        .collect()
}

both_databases!(
    a_rotation_from_the_command_line_publishes_both_keys_and_signs_with_the_new_one,
    |app| async move {
        let signer = CurrentKey::default();
        let first = signer.get(&app.db).await.unwrap().kid;
        assert_eq!(published_kids(&app).await, vec![first.clone()]);

        let mut rotate = app.carefolio_command();
        rotate.args(["keys", "rotate", "--keep-previous-hours", "2"]);
        let output = rotate.output().unwrap();
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let second = stdout
            .lines()
            .find_map(|line| line.strip_prefix("New current key: "))
            .expect("the new kid is printed")
            .to_owned();
        assert_ne!(first, second);

        // The running server's next signature uses the new key, without a restart.
        assert_eq!(signer.get(&app.db).await.unwrap().kid, second);
        assert_eq!(
            published_kids(&app).await,
            vec![second.clone(), first.clone()]
        );

        let mut list = app.carefolio_command();
        list.args(["keys", "list"]);
        let listed = String::from_utf8_lossy(&list.output().unwrap().stdout).into_owned();
        assert!(listed.contains(&format!("{second}  current")), "{listed}");
        assert!(listed.contains(&format!("{first}  previous")), "{listed}");
    }
);

both_databases!(
    a_previous_key_leaves_the_jwks_when_its_grace_period_ends,
    |app| async move {
        let first = published_kids(&app).await;
        let second = tool_keys::rotate(&app.db, tool_keys::KeyUse::Lti, 0)
            .await
            .unwrap();
        let now_published = published_kids(&app).await;
        assert_eq!(now_published, vec![second.clone()]);
        assert!(!now_published.contains(&first[0]));
        // Rotating again keeps only keys within their grace period.
        let third = tool_keys::rotate(&app.db, tool_keys::KeyUse::Lti, 3_600_000)
            .await
            .unwrap();
        assert_eq!(published_kids(&app).await, vec![third, second]);
    }
);

both_databases!(
    the_badge_issuer_has_keys_of_its_own_that_rotate_and_stay_published,
    |app| async move {
        let lti = published_kids(&app).await;
        let profile = app.get_json("/ob/v3/issuer").await;
        let issuer_kids = |profile: &serde_json::Value| -> Vec<String> {
            profile["verificationMethod"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["publicKeyJwk"]["kid"].as_str().unwrap().to_owned())
                .collect()
        };
        let first = issuer_kids(&profile);
        assert_eq!(
            first.len(),
            1,
            "one issuer key from the first start: {profile:#}"
        );
        assert!(
            !lti.contains(&first[0]),
            "an issuer key never signs LTI messages"
        );
        assert_eq!(
            profile["assertionMethod"][0],
            profile["verificationMethod"][0]["id"]
        );
        // The key's own address (a credential's kid) serves it.
        let kid_url = profile["verificationMethod"][0]["id"].as_str().unwrap();
        let served = app.get_json(kid_url.trim_start_matches(&app.url(""))).await;
        assert_eq!(served, profile["verificationMethod"][0]["publicKeyJwk"]);

        let mut rotate = app.carefolio_command();
        rotate.args(["keys", "rotate", "--for", "badges"]);
        let output = rotate.output().unwrap();
        assert!(output.status.success(), "{output:?}");
        let rotated = issuer_kids(&app.get_json("/ob/v3/issuer").await);
        assert_eq!(rotated.len(), 2);
        assert_eq!(
            rotated[1], first[0],
            "the previous key stays published for verification"
        );
        assert_ne!(rotated[0], first[0]);
        assert_eq!(
            published_kids(&app).await,
            lti,
            "the LTI keys did not change"
        );
        let signer = CurrentKey::new(tool_keys::KeyUse::Badges);
        assert_eq!(signer.get(&app.db).await.unwrap().kid, rotated[0]);
        let unknown = app
            .client
            .get(app.url("/ob/v3/issuer/keys/not-a-key"))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), 404);
    }
);
