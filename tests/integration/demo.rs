//! The demo (`scripts/demo.sh`): the demo platform against a real
//! `carefolio serve` with the same data folder, started twice, each time
//! stopped with Ctrl-C.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::*;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs the demo platform until it reports its launch, then sends it
/// SIGINT; returns what it printed and whether it exited on its own.
fn run_demo_platform(tool: &str, bind: &str) -> (String, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_demo-platform"))
        .args(["--tool", tool, "--bind", bind])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Read everything it prints (also after Ctrl-C), line by line.
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = String::new();
    while let Ok(line) = received.recv_timeout(Duration::from_secs(60)) {
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("Press Ctrl-C to stop") {
            break;
        }
    }
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    let exited = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.success();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (printed, exited)
}

#[test]
fn the_demo_runs_twice_on_the_same_data_and_stops_with_ctrl_c() {
    let dir = std::env::temp_dir().join(format!("carefolio-demo-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (tool_port, platform_port) = (free_port(), free_port());
    let platform = format!("http://127.0.0.1:{platform_port}");
    let config = dir.join("demo.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n[server]\nbind = \"127.0.0.1:{tool_port}\"\n[[platforms]]\nname = \"Demo\"\nissuer = \"{platform}\"\nclient_id = \"carefolio-demo\"\nauth_url = \"{platform}/auth\"\ntoken_url = \"{platform}/token\"\njwks_url = \"{platform}/jwks\"\ndeployment_ids = [\"demo-deployment\"]\n",
            dir.join("data").display()
        ),
    )
    .unwrap();
    let tool = format!("http://127.0.0.1:{tool_port}");
    for run in 1..=2 {
        let mut server = carefolio_binary()
            .env("RUST_LOG", "error")
            .env("CAREFOLIO_CONFIG", &config)
            .env_remove("CAREFOLIO__DATA_DIR")
            .env_remove("CAREFOLIO__DATABASE__URL")
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // A new demo platform key each run: the tool, which kept the
        // previous run's key, must still accept the launch.
        let (printed, exited) = run_demo_platform(&tool, &format!("127.0.0.1:{platform_port}"));
        let _ = server.kill();
        let _ = server.wait();
        assert!(
            printed.contains("a launch as Ingrid Hansen succeeded"),
            "run {run}: {printed}"
        );
        assert!(
            exited,
            "run {run}: the demo platform did not stop on Ctrl-C"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
