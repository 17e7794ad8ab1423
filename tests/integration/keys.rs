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
        let second = tool_keys::rotate(&app.db, 0).await.unwrap();
        let now_published = published_kids(&app).await;
        assert_eq!(now_published, vec![second.clone()]);
        assert!(!now_published.contains(&first[0]));
        // Rotating again keeps only keys within their grace period.
        let third = tool_keys::rotate(&app.db, 3_600_000).await.unwrap();
        assert_eq!(published_kids(&app).await, vec![third, second]);
    }
);
