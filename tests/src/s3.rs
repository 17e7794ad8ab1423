//! A real S3-compatible server for tests: moto's server mode on a free
//! loopback port, with one bucket, stopped when dropped. `scripts/setup.sh`
//! installs it.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct S3Server {
    pub endpoint: String,
    pub bucket: String,
    child: Child,
}

impl S3Server {
    pub async fn start() -> S3Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "moto_server runs (scripts/setup.sh installs it: pip install \"moto[server]\")",
            );
        let endpoint = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if client.get(&endpoint).send().await.is_ok() {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not answer at {endpoint}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let bucket = format!(
            "carefolio-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let created = client
            .put(format!("{endpoint}/{bucket}"))
            .send()
            .await
            .expect("create bucket");
        assert!(
            created.status().is_success(),
            "bucket: {}",
            created.status()
        );
        S3Server {
            endpoint,
            bucket,
            child,
        }
    }

    /// The objects in the bucket under `prefix`, as `key` strings.
    pub async fn keys(&self, prefix: &str) -> Vec<String> {
        let listing = reqwest::get(format!(
            "{}/{}?list-type=2&prefix={prefix}",
            self.endpoint, self.bucket
        ))
        .await
        .expect("list")
        .text()
        .await
        .expect("listing");
        listing
            .split("<Key>")
            .skip(1)
            .filter_map(|part| part.split("</Key>").next())
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
