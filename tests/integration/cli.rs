//! The `carefolio` command line, run as a process against the same data
//! directory a running server uses.

use std::process::Command;

use serde_json::{json, Value};

use crate::both_databases;
use crate::helpers::*;

fn run(command: &mut Command) -> (bool, String, String) {
    let output = command.output().expect("run carefolio");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

both_databases!(
    platforms_and_xapi_clients_are_managed_from_the_command_line,
    |app| async move {
        // The CLI works on the running server's own database.
        let mut add = app.carefolio_command();
        add.args([
            "platform",
            "add",
            "--name",
            "Moodle",
            "--issuer",
            "https://moodle.example.org",
            "--client-id",
            "abc123",
            "--auth-url",
            "https://moodle.example.org/mod/lti/auth.php",
            "--token-url",
            "https://moodle.example.org/mod/lti/token.php",
            "--jwks-url",
            "https://moodle.example.org/mod/lti/certs.php",
            "--deployment-id",
            "1",
            "--deployment-id",
            "7",
        ]);
        let (ok, stdout, stderr) = run(&mut add);
        assert!(ok, "{stderr}");
        assert!(stdout.contains("Registered platform Moodle"), "{stdout}");

        let mut list = app.carefolio_command();
        let (ok, stdout, _) = run(list.args(["platform", "list"]));
        assert!(ok);
        assert!(stdout.contains("https://moodle.example.org"));
        assert!(stdout.contains("1, 7"), "{stdout}");
        assert!(
            stdout.contains(&app.simulator.issuer),
            "the platform from the configuration is listed too"
        );

        let mut bad = app.carefolio_command();
        let (ok, _, stderr) = run(bad.args([
            "platform",
            "add",
            "--issuer",
            "moodle",
            "--client-id",
            "x",
            "--auth-url",
            "a",
            "--token-url",
            "b",
            "--jwks-url",
            "c",
            "--deployment-id",
            "1",
        ]));
        assert!(!ok);
        assert!(
            stderr.contains("issuer is not an absolute http(s) URL"),
            "{stderr}"
        );

        let mut client = app.carefolio_command();
        let (ok, stdout, _) = run(client.args(["xapi-client", "add", "--name", "reporting"]));
        assert!(ok);
        let field = |name: &str| {
            stdout
                .lines()
                .find_map(|line| line.strip_prefix(&format!("{name}:")))
                .map(|v| v.trim().to_owned())
                .unwrap()
        };
        let (key, secret) = (field("key"), field("secret"));

        // The running server accepts the credentials the CLI created.
        assert_eq!(app.launch("cli", json!({})).await.status(), 200);
        let statements: Value = app
            .xapi_get("/xapi/statements", &key, &secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(statements["statements"].as_array().unwrap().len(), 1);

        let mut frameworks = app.carefolio_command();
        let (ok, stdout, _) = run(frameworks.args(["framework", "list"]));
        assert!(ok);
        assert!(
            stdout.contains("carerplus") && stdout.contains(" 41 competences"),
            "{stdout}"
        );
        assert!(
            stdout.contains("pat") && stdout.contains(" 63 competences"),
            "{stdout}"
        );
    }
);

#[test]
fn a_missing_configuration_file_is_a_clear_error() {
    let (ok, _, stderr) =
        run(carefolio_binary().args(["--config", "/nonexistent/carefolio.toml", "migrate"]));
    assert!(!ok);
    assert!(
        stderr.contains("configuration file /nonexistent/carefolio.toml does not exist"),
        "{stderr}"
    );
}
