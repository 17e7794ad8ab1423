//! A provider's end of term: learners have launched a graded activity, and
//! the course's lead assessor awards one badge to all of them in one batch.
//! Measured: how long the batch takes (every award and every score message
//! written in one transaction), and how long until the LMS gradebook has
//! received every learner's new score through the outbox.
//!
//! cargo build --release -p carefolio -p carefolio-tests --bins
//! target/release/bench-awards --learners 10000

use std::path::PathBuf;
use std::time::{Duration, Instant};

use carefolio_tests::launcher::{launch_token_of, scripted_launch, ServerProcess};
use carefolio_tests::simulator::{merge, roster_member, PlatformKey, PlatformSimulator, LTI};
use clap::Parser;
use serde_json::{json, Value};

#[derive(Parser)]
#[command(about = "Benchmark a batch award and the score messages it sends")]
struct Args {
    /// Learners in the course, each awarded the badge.
    #[arg(long, default_value_t = 10_000)]
    learners: usize,
    /// Concurrent launches while the course fills.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Database URL; default: a fresh SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// The carefolio binary; default: next to this one.
    #[arg(long)]
    server: Option<PathBuf>,
}

fn browser() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

async fn wait_for_scores(
    simulator: &PlatformSimulator,
    count: usize,
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while simulator.score_count() < count {
        anyhow::ensure!(
            Instant::now() < deadline,
            "{} of {count} scores arrived",
            simulator.score_count()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
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
    let lineitem =
        simulator.create_line_item("Peer support in practice", "link-peer-support", 100.0);
    let mut members: Vec<Value> = (0..args.learners)
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
    for n in 0..args.learners {
        let hint = format!("learner-{n:05}");
        let mut overrides = json!({ "sub": hint, "name": format!("Learner {n:05}") });
        merge(&mut overrides, &simulator.ags_claim(Some(&lineitem)));
        simulator.prepare_launch(&hint, overrides);
    }
    let server = ServerProcess::start(
        &simulator,
        args.server.clone(),
        args.database_url.as_deref(),
        &[],
    )
    .await?;
    let tool = server.url.clone();

    let filling = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..args.concurrency {
        let simulator = simulator.clone();
        let tool = tool.clone();
        let count = args.learners;
        let step = args.concurrency;
        workers.push(actix_web::rt::spawn(async move {
            for n in (worker..count).step_by(step) {
                let page =
                    scripted_launch(&browser()?, &simulator, &tool, &format!("learner-{n:05}"))
                        .await?;
                anyhow::ensure!(page.contains("Welcome"), "a launch failed:\n{page}");
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for worker in workers {
        worker.await??;
    }
    wait_for_scores(&simulator, args.learners, Duration::from_secs(600)).await?;
    eprintln!(
        "{} learners launched, first scores received, in {:.1} s",
        args.learners,
        filling.elapsed().as_secs_f64()
    );

    let mut teacher = simulator.roster_claim();
    merge(
        &mut teacher,
        &json!({ "sub": "teacher-0001", "name": "Tove Berg", format!("{LTI}roles"): [carefolio_tests::simulator::INSTRUCTOR] }),
    );
    simulator.prepare_launch("teacher", teacher);
    let token =
        launch_token_of(&scripted_launch(&browser()?, &simulator, &tool, "teacher").await?)?;
    let http = reqwest::Client::new();
    let learners: Value = http
        .get(format!("{tool}/api/v1/learners?refresh=true"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let people: Vec<&str> = learners["learners"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|l| l["person_id"].as_str())
                .collect()
        })
        .unwrap_or_default();
    anyhow::ensure!(
        people.len() == args.learners,
        "the roster names {} learners who started, not {}",
        people.len(),
        args.learners
    );
    // A built-in badge: all of CARER+ area 10 at the first level, which
    // vouches for the activity's competence, so every score changes.
    let classes: Value = http
        .get(format!("{tool}/api/v1/badge-classes?framework=carerplus"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let class = classes
        .as_array()
        .and_then(|list| {
            list.iter()
                .filter(|c| c["node_code"] == "10")
                .min_by_key(|c| c["level"].as_i64().unwrap_or(0))
        })
        .ok_or_else(|| anyhow::anyhow!("no built-in badge for CARER+ area 10"))?;

    let before = simulator.score_count();
    let started = Instant::now();
    let response = http
        .post(format!("{tool}/api/v1/assessment/awards/batch"))
        .bearer_auth(&token)
        .json(&json!({ "badge_class_id": class["id"], "person_ids": people }))
        .send()
        .await?;
    let status = response.status();
    let outcome: Value = response.json().await?;
    let answered = started.elapsed();
    anyhow::ensure!(status.is_success(), "the batch failed: {status} {outcome}");
    let awarded = outcome["awarded"].as_array().map_or(0, Vec::len);
    let queued = outcome["grades_queued"].as_u64().unwrap_or(0) as usize;
    anyhow::ensure!(awarded == args.learners, "{awarded} awarded: {outcome}");
    wait_for_scores(&simulator, before + queued, Duration::from_secs(600)).await?;
    let drained = started.elapsed();

    let mut users: Vec<String> = simulator.scores()[before..]
        .iter()
        .filter_map(|(_, s)| s["userId"].as_str().map(str::to_owned))
        .collect();
    let received = users.len();
    users.sort();
    users.dedup();
    let database = args
        .database_url
        .as_deref()
        .map_or("sqlite", |u| u.split(':').next().unwrap_or("?"));
    println!("database:          {database}");
    println!(
        "batch award:       {awarded} badges in {:.2} s ({:.0} awards/s), {queued} score messages queued",
        answered.as_secs_f64(),
        awarded as f64 / answered.as_secs_f64()
    );
    println!(
        "outbox drained:    {received} scores received {:.2} s after the batch started ({:.2} s after it answered); duplicates: {}",
        drained.as_secs_f64(),
        (drained - answered).as_secs_f64(),
        received - users.len()
    );
    Ok(())
}
