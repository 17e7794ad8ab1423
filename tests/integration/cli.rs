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
        let (ok, stdout, _) = run(client.args([
            "xapi-client",
            "add",
            "--name",
            "reporting",
            "--scope",
            "statements/read",
        ]));
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

both_databases!(
    a_platform_with_people_is_removed_only_when_told_to_delete_them,
    |app| async move {
        assert_eq!(app.launch("remove", json!({})).await.status(), 200);
        let issuer = app.simulator.issuer.clone();
        let (ok, _, stderr) = run(app
            .carefolio_command()
            .args(["platform", "remove", "--issuer", &issuer]));
        assert!(!ok);
        assert!(
            stderr.contains("has 1 person(s)") && stderr.contains("--delete-people"),
            "{stderr}"
        );
        assert_eq!(app.count("platforms").await, 1, "nothing removed");
        let (ok, stdout, stderr) = run(app.carefolio_command().args([
            "platform",
            "remove",
            "--issuer",
            &issuer,
            "--delete-people",
        ]));
        assert!(ok, "{stderr}");
        assert!(stdout.contains("Removed platform"), "{stdout}");
        assert_eq!(app.count("platforms").await, 0);
        let (ok, _, stderr) = run(app.carefolio_command().args([
            "platform",
            "remove",
            "--issuer",
            "https://nowhere.example",
        ]));
        assert!(!ok);
        assert!(stderr.contains("no platform is registered"), "{stderr}");
    }
);

#[test]
fn read_only_commands_never_create_a_database() {
    let dir = std::env::temp_dir().join(format!("carefolio-empty-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    for args in [
        &["framework", "list"][..],
        &["platform", "list"],
        &["keys", "list"],
        &["grades", "status"],
    ] {
        let (ok, _, stderr) = run(carefolio_binary()
            .current_dir(&dir)
            .env_remove("CAREFOLIO__DATA_DIR")
            .env_remove("CAREFOLIO__DATABASE__URL")
            .env("RUST_LOG", "error")
            .args(args));
        assert!(!ok, "{args:?}");
        assert!(
            stderr.contains("there is no Carefolio database at data/carefolio.sqlite"),
            "{args:?}: {stderr}"
        );
    }
    assert!(
        std::fs::read_dir(&dir).unwrap().next().is_none(),
        "a read-only command wrote into the folder"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn start_up_errors_name_the_value_once_with_what_to_do() {
    // A PostgreSQL that is not there: said at once, with its address.
    let started = std::time::Instant::now();
    let (ok, _, stderr) = run(carefolio_binary()
        .env("RUST_LOG", "error")
        .env(
            "CAREFOLIO__DATABASE__URL",
            "postgres://postgres@127.0.0.1:1/none",
        )
        .args(["migrate"]));
    assert!(!ok);
    assert!(
        stderr.contains("PostgreSQL at 127.0.0.1:1 refused the connection"),
        "{stderr}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
    assert_eq!(stderr.matches("refused").count(), 1, "{stderr}");

    // A bad address to listen on shows the value.
    let (ok, _, stderr) = run(carefolio_binary().env("RUST_LOG", "error").args([
        "serve",
        "--bind",
        "not-an-address",
    ]));
    assert!(!ok);
    assert!(stderr.contains("\"not-an-address\""), "{stderr}");

    // A port in use is named.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = std::env::temp_dir().join(format!("carefolio-port-{}", uuid::Uuid::new_v4()));
    let (ok, _, stderr) = run(carefolio_binary()
        .env("RUST_LOG", "error")
        .env("CAREFOLIO__DATA_DIR", &dir)
        .args(["serve", "--bind", &address]));
    assert!(!ok);
    assert!(
        stderr.contains(&format!("cannot listen on {address}"))
            && stderr.contains("another program uses this port"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_widget_folder_without_the_widget_stops_the_start_and_says_so() {
    let dir = std::env::temp_dir().join(format!("carefolio-nowidget-{}", uuid::Uuid::new_v4()));
    let (ok, _, stderr) = run(carefolio_binary()
        .env("RUST_LOG", "error")
        .env("CAREFOLIO__DATA_DIR", dir.join("data"))
        .env("CAREFOLIO__SERVER__WIDGET_DIR", dir.join("nowhere"))
        .args(["serve", "--bind", "127.0.0.1:0"]));
    assert!(!ok);
    assert!(
        stderr.contains("holds no portfolio widget") && stderr.contains("nowhere"),
        "{stderr}"
    );
    assert!(!dir.join("data").exists(), "nothing was created");
}
