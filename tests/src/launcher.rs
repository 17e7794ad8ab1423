//! A browser-less launch: what a browser does between an LMS and the tool,
//! done with an HTTP client that keeps cookies.

use std::time::{Duration, Instant};

use crate::simulator::PlatformSimulator;

/// Waits until the tool's `/health` answers 200, for at most `timeout`.
pub async fn wait_until_healthy(
    http: &reqwest::Client,
    tool: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let healthy = http
            .get(format!("{tool}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if healthy {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "Carefolio did not answer at {tool}/health within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// login initiation (POST, as Moodle does) → authorization → form_post launch.
pub async fn scripted_launch(
    http: &reqwest::Client,
    simulator: &PlatformSimulator,
    tool: &str,
    hint: &str,
) -> anyhow::Result<String> {
    let login = http
        .post(format!("{tool}/lti/login"))
        .form(&simulator.login_initiation(hint))
        .send()
        .await?;
    let location = login
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "login initiation did not redirect (status {})",
                login.status()
            )
        })?
        .to_owned();
    let form = http.get(location).send().await?.text().await?;
    let field = |name: &str| -> anyhow::Result<String> {
        let marker = format!(r#"name="{name}" value=""#);
        let start = form
            .find(&marker)
            .ok_or_else(|| anyhow::anyhow!("no {name} in the platform's answer"))?
            + marker.len();
        let end = form[start..].find('"').map(|e| e + start).unwrap_or(start);
        Ok(form[start..end].to_owned())
    };
    let launch = http
        .post(format!("{tool}/lti/launch"))
        .form(&[("id_token", field("id_token")?), ("state", field("state")?)])
        .send()
        .await?;
    Ok(launch.text().await?)
}

/// Writes a configuration file registering `simulator` (as the benchmarks'
/// server processes read it) into `dir`; returns its path.
/// The widget's launch token from a launch page.
pub fn launch_token_of(page: &str) -> anyhow::Result<String> {
    let marker = r#"data-token=""#;
    let start = page
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("no launch token in the launch page"))?
        + marker.len();
    let end = page[start..]
        .find('"')
        .ok_or_else(|| anyhow::anyhow!("the launch token in the launch page is not closed"))?;
    Ok(page[start..start + end].to_owned())
}

/// The ids of a framework's competences, in the order of its map.
pub async fn competence_ids(
    http: &reqwest::Client,
    tool: &str,
    token: &str,
    framework: &str,
) -> anyhow::Result<Vec<String>> {
    let map: serde_json::Value = http
        .get(format!("{tool}/api/v1/map/{framework}"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    fn walk(nodes: &serde_json::Value, out: &mut Vec<String>) {
        for node in nodes.as_array().into_iter().flatten() {
            if node["competence"] == true {
                out.push(node["id"].as_str().unwrap_or("").to_owned());
            }
            walk(&node["children"], out);
        }
    }
    let mut ids = Vec::new();
    walk(&map["items"], &mut ids);
    anyhow::ensure!(!ids.is_empty(), "{framework} has no competences");
    Ok(ids)
}

/// Gives the learner of `token` `count` reflections, each tagged with two
/// of `competences` (one with a level), as the benchmarks' portfolio.
pub async fn add_reflections(
    http: &reqwest::Client,
    tool: &str,
    token: &str,
    competences: &[String],
    count: usize,
) -> anyhow::Result<()> {
    for i in 0..count {
        let body = serde_json::json!({
            "kind": "reflection",
            "title": format!("Visit {i}: video call with a care recipient's family"),
            "body": "We set up the tablet together. **She called her daughter** and we wrote down the steps.\n\n- charge the tablet\n- open the app\n- press the green button",
            "tags": [
                { "competence_id": competences[i % competences.len()], "level": 1 + (i % 2) },
                { "competence_id": competences[(i * 7) % competences.len()] },
            ],
        });
        let created = http
            .post(format!("{tool}/api/v1/evidence"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(
            created.status() == 201,
            "creating an item: {}",
            created.status()
        );
    }
    Ok(())
}

pub fn write_platform_config(
    simulator: &PlatformSimulator,
    dir: &std::path::Path,
) -> std::io::Result<std::path::PathBuf> {
    let config = dir.join("bench.toml");
    std::fs::write(
        &config,
        format!(
            "[[platforms]]\nissuer = \"{}\"\nclient_id = \"{}\"\nauth_url = \"{}\"\ntoken_url = \"{}\"\njwks_url = \"{}\"\ndeployment_ids = [\"{}\"]\n",
            simulator.issuer,
            simulator.client_id,
            simulator.auth_url(),
            simulator.token_url(),
            simulator.jwks_url(),
            simulator.deployment_id,
        ),
    )?;
    Ok(config)
}

/// A `carefolio serve` process on a fresh data directory, registered with
/// the simulator through a configuration file; stopped (and its data
/// removed) when dropped.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub url: String,
    data_dir: std::path::PathBuf,
    binary: std::path::PathBuf,
    config: std::path::PathBuf,
    database_url: Option<String>,
}

impl ServerProcess {
    /// Starts `binary` (default: `carefolio` beside the running program),
    /// with `env` added, and waits until it answers.
    pub async fn start(
        simulator: &PlatformSimulator,
        binary: Option<std::path::PathBuf>,
        database_url: Option<&str>,
        env: &[(&str, String)],
    ) -> anyhow::Result<ServerProcess> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let url = format!("http://127.0.0.1:{port}");
        simulator.set_tool(&url);
        let data_dir =
            std::env::temp_dir().join(format!("carefolio-bench-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data_dir)?;
        let config = write_platform_config(simulator, &data_dir)?;
        let binary = match binary {
            Some(path) => path,
            None => std::env::current_exe()?.with_file_name("carefolio"),
        };
        let mut command = std::process::Command::new(&binary);
        command
            .args([
                "--config",
                &config.display().to_string(),
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
            ])
            .env("CAREFOLIO__DATA_DIR", &data_dir)
            // The server's own log, on this program's stderr (warnings unless
            // CAREFOLIO_BENCH_LOG says otherwise).
            .env(
                "RUST_LOG",
                std::env::var("CAREFOLIO_BENCH_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit());
        if let Some(database_url) = database_url {
            command.env("CAREFOLIO__DATABASE__URL", database_url);
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let server = ServerProcess {
            child: command
                .spawn()
                .map_err(|e| anyhow::anyhow!("cannot start {}: {e}", binary.display()))?,
            url,
            data_dir,
            binary,
            config,
            database_url: database_url.map(str::to_owned),
        };
        wait_until_healthy(
            &reqwest::Client::new(),
            &server.url,
            Duration::from_secs(60),
        )
        .await?;
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Runs a `carefolio` command on this server's data and database;
    /// answers its standard output.
    pub fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let mut command = std::process::Command::new(&self.binary);
        command
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("CAREFOLIO__DATA_DIR", &self.data_dir)
            .env("RUST_LOG", "warn");
        if let Some(url) = &self.database_url {
            command.env("CAREFOLIO__DATABASE__URL", url);
        }
        let output = command.output()?;
        anyhow::ensure!(
            output.status.success(),
            "carefolio {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// The server's resident memory now, in bytes (Linux).
    pub fn resident_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kb * 1024)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// The `p` quantile (0..1) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Times `count` GETs of `url` with the bearer `token`, from `concurrency`
/// clients at once, each reading the whole answer; sorted latencies.
pub async fn time_gets(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<Vec<Duration>> {
    let per_worker = count.div_ceil(concurrency.max(1));
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (http, url, token) = (http.clone(), url.to_owned(), token.to_owned());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_worker);
            for _ in 0..per_worker {
                let started = Instant::now();
                let response = http.get(&url).bearer_auth(&token).send().await?;
                anyhow::ensure!(response.status() == 200, "{url}: {}", response.status());
                let _ = response.bytes().await?;
                latencies.push(started.elapsed());
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await??);
    }
    all.sort();
    Ok(all)
}
