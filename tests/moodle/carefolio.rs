//! The Carefolio side of the suite: a build of the `carefolio`
//! binary, run as an operator runs it, with its own data folder.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{ensure, Context};
use carefolio_tests::launcher::wait_until_healthy;

use crate::moodle::PlatformValues;

pub struct Carefolio {
    pub binary: PathBuf,
    pub base: String,
    pub port: u16,
    pub data_dir: PathBuf,
    server: Option<Child>,
    log: PathBuf,
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Carefolio {
    /// A Carefolio on a free port of `host` (not started yet).
    pub fn new(host: &str) -> anyhow::Result<Carefolio> {
        let binary = PathBuf::from(
            std::env::var("CAREFOLIO_BIN")
                .context("CAREFOLIO_BIN must name a build of the carefolio binary")?,
        );
        ensure!(binary.exists(), "no binary at {}", binary.display());
        let port = free_port()?;
        let data_dir = std::env::temp_dir().join(format!(
            "carefolio-moodle-suite-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&data_dir)?;
        Ok(Carefolio {
            binary,
            base: format!("http://{host}:{port}"),
            port,
            log: data_dir.join("server.log"),
            data_dir,
            server: None,
        })
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("CAREFOLIO__DATA_DIR", &self.data_dir)
            .env(
                "CAREFOLIO__SERVER__BIND",
                format!("127.0.0.1:{}", self.port),
            )
            .env("CAREFOLIO__SERVER__PUBLIC_URL", &self.base)
            .env("RUST_LOG", "info,sqlx=warn,sea_orm=warn");
        // Only to try a build that does not carry the widget inside.
        if let Some(dir) = std::env::var_os("CAREFOLIO__SERVER__WIDGET_DIR") {
            command.env("CAREFOLIO__SERVER__WIDGET_DIR", dir);
        }
        command
    }

    /// Runs `carefolio ARGS…` against this server's data; returns stdout.
    pub fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let output = self
            .command()
            .args(args)
            .output()
            .with_context(|| format!("cannot run carefolio {args:?}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        ensure!(
            output.status.success(),
            "carefolio {args:?} failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(stdout)
    }

    /// Registers a Moodle tool type with this Carefolio, as `carefolio platform add` does.
    pub fn register(&self, name: &str, values: &PlatformValues) -> anyhow::Result<()> {
        self.cli(&[
            "platform",
            "add",
            "--name",
            name,
            "--issuer",
            &values.issuer,
            "--client-id",
            &values.client_id,
            "--deployment-id",
            &values.deployment_id,
            "--auth-url",
            &values.auth_url,
            "--token-url",
            &values.token_url,
            "--jwks-url",
            &values.jwks_url,
        ])
        .map(drop)
    }

    pub async fn start(&mut self) -> anyhow::Result<()> {
        let log = std::fs::File::create(&self.log)?;
        let child = self
            .command()
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("cannot start carefolio serve")?;
        self.server = Some(child);
        wait_until_healthy(&reqwest::Client::new(), &self.base, Duration::from_secs(30))
            .await
            .with_context(|| format!("the server log says:\n{}", self.log_text()))
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Credentials for the xAPI read API.
    pub fn xapi_credentials(&self) -> anyhow::Result<(String, String)> {
        let printed = self.cli(&[
            "xapi-client",
            "add",
            "--name",
            "moodle-suite",
            "--scope",
            "statements/read",
        ])?;
        let value = |label: &str| {
            printed
                .lines()
                .find_map(|l| l.strip_prefix(label))
                .map(|v| v.trim().to_owned())
                .with_context(|| format!("no {label} in {printed}"))
        };
        Ok((value("key:")?, value("secret:")?))
    }
}

impl Drop for Carefolio {
    fn drop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::env::var_os("MOODLE_SUITE_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}
