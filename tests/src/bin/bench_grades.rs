//! Grade delivery benchmark: graded launches against a real `carefolio
//! serve` process and the simulator's gradebook, measured twice:
//!
//! - live: launches with the gradebook up; how fast scores arrive and how
//!   far they trail the last launch;
//! - backlog: launches while the gradebook is down (grades queue in the
//!   outbox), then `carefolio grades push` sends the backlog; grades/s.
//!
//! cargo build --release -p carefolio -p carefolio-tests --bins
//! target/release/bench-grades --grades 1000

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use carefolio_tests::launcher::{scripted_launch, wait_until_healthy, write_platform_config};
use carefolio_tests::simulator::{PlatformKey, PlatformSimulator};
use clap::Parser;
use serde_json::json;

#[derive(Parser)]
#[command(about = "Benchmark AGS grade delivery through the outbox")]
struct Args {
    /// Graded launches (one learner each) per phase.
    #[arg(long, default_value_t = 1000)]
    grades: usize,
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Database URL; default: a fresh SQLite file.
    #[arg(long)]
    database_url: Option<String>,
}

struct Server {
    child: Child,
    data_dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

async fn launches(
    simulator: &PlatformSimulator,
    tool: &str,
    prefix: &str,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    let lineitem = simulator.line_items()[0]["id"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    for n in 0..count {
        let hint = format!("{prefix}-{n}");
        let mut overrides = json!({ "sub": hint });
        carefolio_tests::simulator::merge(&mut overrides, &simulator.ags_claim(Some(&lineitem)));
        simulator.prepare_launch(&hint, overrides);
    }
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let simulator = simulator.clone();
        let tool = tool.to_owned();
        let prefix = prefix.to_owned();
        workers.push(actix_web::rt::spawn(async move {
            for n in (worker..count).step_by(concurrency) {
                let http = reqwest::Client::builder()
                    .cookie_store(true)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()?;
                let page =
                    scripted_launch(&http, &simulator, &tool, &format!("{prefix}-{n}")).await?;
                anyhow::ensure!(page.contains("Welcome"), "a launch failed:\n{page}");
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for worker in workers {
        worker.await??;
    }
    Ok(())
}

async fn wait_for_scores(simulator: &PlatformSimulator, count: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(600);
    while simulator.score_count() < count {
        anyhow::ensure!(Instant::now() < deadline, "scores did not arrive");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let simulator = PlatformSimulator::start_with(
        "127.0.0.1:0",
        "bench-client",
        "bench-deployment",
        PlatformKey::generate("bench-key"),
    )?;
    simulator.create_line_item("Peer support in practice", "link-peer-support", 100.0);
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let tool = format!("http://127.0.0.1:{port}");
    simulator.set_tool(&tool);

    let data_dir =
        std::env::temp_dir().join(format!("carefolio-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&data_dir)?;
    let config = write_platform_config(&simulator, &data_dir)?;
    let binary = std::env::current_exe()?.with_file_name("carefolio");
    let command = |args: &[&str]| {
        let mut command = Command::new(&binary);
        command
            .args(["--config", &config.display().to_string()])
            .args(args)
            .env("CAREFOLIO__DATA_DIR", &data_dir)
            .env("RUST_LOG", "error");
        command
    };
    let mut serve = command(&["serve", "--bind", &format!("127.0.0.1:{port}")]);
    serve.stdout(Stdio::null()).stderr(Stdio::inherit());
    if let Some(url) = &args.database_url {
        serve.env("CAREFOLIO__DATABASE__URL", url);
    }
    let _server = Server {
        child: serve.spawn()?,
        data_dir: data_dir.clone(),
    };
    let http = reqwest::Client::new();
    wait_until_healthy(&http, &tool, Duration::from_secs(60)).await?;
    let database = args
        .database_url
        .as_deref()
        .map_or("sqlite", |u| u.split(':').next().unwrap_or("?"));

    // Live: every launch queues a grade and wakes the sender.
    let started = Instant::now();
    launches(&simulator, &tool, "live", args.grades, args.concurrency).await?;
    let launched = started.elapsed();
    wait_for_scores(&simulator, args.grades).await?;
    let delivered = started.elapsed();
    println!("database:                 {database}");
    println!(
        "live:                     {} graded launches in {:.2} s ({:.0}/s); last score {:.0} ms after the last launch",
        args.grades,
        launched.as_secs_f64(),
        args.grades as f64 / launched.as_secs_f64(),
        (delivered - launched).as_secs_f64() * 1000.0
    );

    // Backlog: the gradebook is down while learners launch.
    simulator.set_down(true);
    launches(&simulator, &tool, "backlog", args.grades, args.concurrency).await?;
    simulator.set_down(false);
    let mut push = command(&["grades", "push"]);
    if let Some(url) = &args.database_url {
        push.env("CAREFOLIO__DATABASE__URL", url);
    }
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || push.output()).await??;
    let elapsed = started.elapsed();
    let report = String::from_utf8_lossy(&output.stdout);
    // The server's own loop may send some of the backlog too; count what arrived.
    wait_for_scores(&simulator, 2 * args.grades).await?;
    println!(
        "backlog push:             {} in {:.2} s ({:.0} grades/s) — {}",
        args.grades,
        elapsed.as_secs_f64(),
        args.grades as f64 / elapsed.as_secs_f64(),
        report.lines().last().unwrap_or("").trim()
    );
    let mut users: Vec<String> = simulator
        .scores()
        .iter()
        .filter_map(|(_, s)| s["userId"].as_str().map(str::to_owned))
        .collect();
    let total = users.len();
    users.sort();
    users.dedup();
    println!(
        "scores received:          {total} for {} learners (duplicates: {})",
        users.len(),
        total - users.len()
    );
    Ok(())
}
