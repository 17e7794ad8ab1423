//! Roster benchmark: an instructor's learner list for a large course,
//! against a real `carefolio serve` process and the simulator's Names and
//! Role Provisioning service (Moodle's short role names, paged).
//!
//! - refresh: `GET /api/v1/learners?refresh=true`, which fetches every page,
//!   replaces the stored roster and joins each learner's progress;
//! - stored: `GET /api/v1/learners` answered from the stored roster.
//!
//! cargo build --release -p carefolio -p carefolio-tests --bins
//! target/release/bench-roster --members 2000 --page-size 100

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use carefolio_tests::launcher::{scripted_launch, wait_until_healthy, write_platform_config};
use carefolio_tests::simulator::{merge, roster_member, PlatformKey, PlatformSimulator, LTI};
use clap::Parser;
use serde_json::{json, Value};

#[derive(Parser)]
#[command(about = "Benchmark fetching and listing a course roster (NRPS)")]
struct Args {
    /// Members of the course (all learners but one instructor).
    #[arg(long, default_value_t = 2000)]
    members: usize,
    /// Members per page of the platform's membership container.
    #[arg(long, default_value_t = 100)]
    page_size: usize,
    /// Requests timed per phase.
    #[arg(long, default_value_t = 20)]
    rounds: usize,
    /// Database URL; default: a fresh SQLite file.
    #[arg(long)]
    database_url: Option<String>,
}

struct Server(Child, std::path::PathBuf);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn token_of(page: &str) -> anyhow::Result<String> {
    let marker = r#"data-token=""#;
    let start = page
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("no launch token on the page:\n{page}"))?
        + marker.len();
    let end = page[start..].find('"').map_or(start, |e| e + start);
    Ok(page[start..end].to_owned())
}

async fn timed(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    rounds: usize,
    expected: usize,
) -> anyhow::Result<(f64, f64)> {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        let list: Value = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        let learners = list["learners"].as_array().map_or(0, Vec::len);
        anyhow::ensure!(
            learners == expected,
            "expected {expected} learners, got {learners}: {list}"
        );
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times[times.len() * 95 / 100]))
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
    let learners = args.members.saturating_sub(1);
    let mut members: Vec<Value> = (0..learners)
        .map(|n| {
            roster_member(
                &format!("learner-{n:05}"),
                &format!("Learner {n:05}"),
                "Learner",
            )
        })
        .collect();
    members.push(roster_member("teacher-0001", "Tove Berg", "Instructor"));
    simulator.set_roster("course-care-101", members);
    simulator.set_roster_page_size(args.page_size);

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let tool = format!("http://127.0.0.1:{port}");
    simulator.set_tool(&tool);
    let data_dir =
        std::env::temp_dir().join(format!("carefolio-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&data_dir)?;
    let config = write_platform_config(&simulator, &data_dir)?;
    let mut serve = Command::new(std::env::current_exe()?.with_file_name("carefolio"));
    serve
        .args(["--config", &config.display().to_string()])
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("CAREFOLIO__DATA_DIR", &data_dir)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if let Some(url) = &args.database_url {
        serve.env("CAREFOLIO__DATABASE__URL", url);
    }
    let _server = Server(serve.spawn()?, data_dir.clone());
    let http = reqwest::Client::new();
    wait_until_healthy(&http, &tool, Duration::from_secs(60)).await?;

    let mut teacher = simulator.roster_claim();
    merge(
        &mut teacher,
        &json!({ "sub": "teacher-0001", format!("{LTI}roles"): ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"] }),
    );
    simulator.prepare_launch("teacher", teacher);
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let token = token_of(&scripted_launch(&browser, &simulator, &tool, "teacher").await?)?;

    let pages_before = simulator.roster_pages_served();
    let refresh = timed(
        &http,
        &format!("{tool}/api/v1/learners?refresh=true"),
        &token,
        args.rounds,
        learners,
    )
    .await?;
    let pages = (simulator.roster_pages_served() - pages_before) / args.rounds;
    let stored = timed(
        &http,
        &format!("{tool}/api/v1/learners"),
        &token,
        args.rounds,
        learners,
    )
    .await?;
    let database = args
        .database_url
        .as_deref()
        .map_or("sqlite", |u| u.split(':').next().unwrap_or("?"));
    println!("database:        {database}");
    println!(
        "course:          {} members, {pages} pages of {}",
        args.members, args.page_size
    );
    println!(
        "refresh:         median {:.1} ms, p95 {:.1} ms (fetch every page, store, list)",
        refresh.0, refresh.1
    );
    println!(
        "stored roster:   median {:.1} ms, p95 {:.1} ms (list with progress)",
        stored.0, stored.1
    );
    Ok(())
}
