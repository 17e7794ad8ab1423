//! The assessor's queue with many waiting claims: learners launch, each
//! writes evidence and submits claims on CARER+ competences, then one
//! teacher of the course reads the queue many times (latency percentiles).
//!
//! cargo build --release -p carefolio -p carefolio-tests --bins
//! target/release/bench-assessment --claims 1000 --requests 1000

use std::path::PathBuf;
use std::time::Instant;

use carefolio_tests::launcher::{
    competence_ids, launch_token_of, percentile, scripted_launch, time_gets, ServerProcess,
};
use carefolio_tests::simulator::{PlatformKey, PlatformSimulator, INSTRUCTOR};
use clap::Parser;
use serde_json::{json, Value};

#[derive(Parser)]
#[command(about = "Benchmark the assessor's queue")]
struct Args {
    /// Claims waiting in the queue.
    #[arg(long, default_value_t = 1000)]
    claims: usize,
    /// Learners who made them (one claim per competence each).
    #[arg(long, default_value_t = 40)]
    learners: usize,
    /// Queue reads measured.
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Database URL; default: a fresh SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// The carefolio binary; default: next to this one.
    #[arg(long)]
    server: Option<PathBuf>,
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let response = http.post(url).bearer_auth(token).json(&body).send().await?;
    let status = response.status();
    let answer: Value = response.json().await?;
    anyhow::ensure!(status.is_success(), "{url}: {status} {answer}");
    Ok(answer)
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
    simulator.prepare_launch(
        "teacher",
        json!({ "sub": "teacher-1", "name": "Tove Berg", "https://purl.imsglobal.org/spec/lti/claim/roles": [INSTRUCTOR] }),
    );
    for learner in 0..args.learners {
        simulator.prepare_launch(
            &format!("learner-{learner}"),
            json!({ "sub": format!("learner-{learner}"), "name": format!("Learner {learner}") }),
        );
    }
    let server = ServerProcess::start(
        &simulator,
        args.server.clone(),
        args.database_url.as_deref(),
        &[],
    )
    .await?;
    let tool = server.url.clone();
    let browser = || {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
    };
    let teacher =
        launch_token_of(&scripted_launch(&browser()?, &simulator, &tool, "teacher").await?)?;
    let http = browser()?;
    let filling = Instant::now();
    let mut competences = Vec::new();
    let mut made = 0;
    for learner in 0..args.learners {
        let page = scripted_launch(
            &browser()?,
            &simulator,
            &tool,
            &format!("learner-{learner}"),
        )
        .await?;
        let token = launch_token_of(&page)?;
        if competences.is_empty() {
            competences = competence_ids(&http, &tool, &token, "carerplus").await?;
        }
        let share = args.claims.div_ceil(args.learners).min(args.claims - made);
        anyhow::ensure!(
            share <= competences.len(),
            "{share} claims per learner, but a learner has one open claim per competence ({}): add learners",
            competences.len()
        );
        for n in 0..share {
            let item = post(
                &http,
                &format!("{tool}/api/v1/evidence"),
                &token,
                json!({ "kind": "reflection", "title": format!("Evidence {n}"), "body": "What I did." }),
            )
            .await?;
            let claim = post(
                &http,
                &format!("{tool}/api/v1/claims"),
                &token,
                json!({ "competence_id": competences[n % competences.len()], "statement": "I can do this.", "evidence": [item["id"]] }),
            )
            .await?;
            let id = claim["id"].as_str().unwrap_or_default();
            post(
                &http,
                &format!("{tool}/api/v1/claims/{id}/submit"),
                &token,
                json!({}),
            )
            .await?;
            made += 1;
        }
        eprint!("\r{made} of {} claims submitted", args.claims);
    }
    eprintln!(" in {:.1} s", filling.elapsed().as_secs_f64());

    let url = format!("{tool}/api/v1/assessment/queue");
    let first: Value = http
        .get(&url)
        .bearer_auth(&teacher)
        .send()
        .await?
        .json()
        .await?;
    let listed = first.as_array().map_or(0, Vec::len);
    // The queue answers the oldest 500 at most.
    let expected = args.claims.min(500);
    anyhow::ensure!(
        listed == expected,
        "the queue lists {listed}, not {expected}"
    );
    time_gets(&http, &url, &teacher, 50, args.concurrency).await?;
    let latencies = time_gets(&http, &url, &teacher, args.requests, args.concurrency).await?;
    println!(
        "GET /api/v1/assessment/queue  {} claims: p50 {:.2} ms, p99 {:.2} ms ({} requests, {} concurrent)",
        args.claims,
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.len(),
        args.concurrency
    );
    Ok(())
}
