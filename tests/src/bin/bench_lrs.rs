//! The learning record store under load: activity providers sending
//! statements (one at a time, and in batches of 100) from 16 clients at
//! once, then a reporting query filtered by agent and verb over a store of
//! a million statements. Measured: statements stored per second, the
//! query's latency, and the server's peak resident memory.
//!
//! cargo build --release -p carefolio -p carefolio-tests --bins
//! target/release/bench-lrs --store 1000000

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use carefolio_tests::launcher::{percentile, ServerProcess};
use carefolio_tests::simulator::{PlatformKey, PlatformSimulator};
use clap::Parser;
use serde_json::{json, Value};

#[derive(Parser)]
#[command(about = "Benchmark statement ingest and a filtered statement query")]
struct Args {
    /// Concurrent clients sending statements.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Statements sent one per request.
    #[arg(long, default_value_t = 20_000)]
    singles: usize,
    /// Statements sent in batches (after the singles).
    #[arg(long, default_value_t = 200_000)]
    batched: usize,
    /// Statements per batch.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Fill the store to this many statements before the query.
    #[arg(long, default_value_t = 1_000_000)]
    store: usize,
    /// Distinct agents the statements are about.
    #[arg(long, default_value_t = 10_000)]
    agents: usize,
    /// Filtered queries timed.
    #[arg(long, default_value_t = 2_000)]
    queries: usize,
    /// Concurrent clients querying.
    #[arg(long, default_value_t = 4)]
    query_clients: usize,
    /// Database URL; default: a fresh SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// The carefolio binary; default: next to this one.
    #[arg(long)]
    server: Option<PathBuf>,
}

const VERBS: [&str; 8] = [
    "http://adlnet.gov/expapi/verbs/attempted",
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/passed",
    "http://adlnet.gov/expapi/verbs/failed",
    "http://adlnet.gov/expapi/verbs/experienced",
    "http://adlnet.gov/expapi/verbs/answered",
    "http://adlnet.gov/expapi/verbs/progressed",
    "http://adlnet.gov/expapi/verbs/interacted",
];

fn agent(n: usize) -> Value {
    json!({ "objectType": "Agent", "name": format!("Learner {n}"), "mbox": format!("mailto:learner-{n}@care.example.org") })
}

/// A statement as an H5P activity or a cmi5 course sends it: about 800 bytes.
fn statement(n: usize, agents: usize) -> Value {
    let activity = n % 200;
    json!({
        "actor": agent(n * 7919 % agents),
        "verb": { "id": VERBS[n % VERBS.len()], "display": { "en-US": VERBS[n % VERBS.len()].rsplit('/').next() } },
        "object": {
            "objectType": "Activity",
            "id": format!("https://h5p.care.example.org/activities/{activity}"),
            "definition": {
                "name": { "en-US": format!("Home-care scenario {activity}"), "nb": format!("Hjemmetjenestescenario {activity}") },
                "type": "http://adlnet.gov/expapi/activities/assessment",
                "interactionType": "choice",
                "choices": [{ "id": "a", "description": { "en-US": "Wash hands" } }, { "id": "b", "description": { "en-US": "Wear gloves" } }],
                "correctResponsesPattern": ["a"]
            }
        },
        "result": { "score": { "scaled": 0.8, "raw": 8, "min": 0, "max": 10 }, "success": true, "completion": true, "duration": "PT4M12S", "response": "a" },
        "context": {
            "registration": uuid::Uuid::new_v4(),
            "platform": "H5P",
            "language": "en-US",
            "contextActivities": {
                "parent": [{ "id": format!("https://h5p.care.example.org/courses/{}", activity / 20) }],
                "category": [{ "id": "https://w3id.org/xapi/h5p" }]
            }
        },
        "timestamp": "2026-11-30T09:15:00.000Z"
    })
}

/// Sends `total` statements, `per_request` at a time, from `clients`
/// clients; answers the seconds it took and the latencies of the requests.
async fn ingest(
    endpoint: &str,
    credentials: &(String, String),
    clients: usize,
    total: usize,
    per_request: usize,
    first: usize,
    agents: usize,
) -> anyhow::Result<(f64, Vec<Duration>)> {
    let next = Arc::new(AtomicU64::new(0));
    let requests = total.div_ceil(per_request);
    // Bodies are made before the clock starts: the server is measured, not
    // the client's JSON encoding (they share the machine's cores).
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..requests)
            .map(|request| {
                let from = first + request * per_request;
                if per_request == 1 {
                    statement(from, agents).to_string()
                } else {
                    Value::Array(
                        (from..from + per_request)
                            .map(|n| statement(n, agents))
                            .collect(),
                    )
                    .to_string()
                }
            })
            .collect(),
    );
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..clients {
        let (endpoint, credentials, next, bodies) = (
            endpoint.to_owned(),
            credentials.clone(),
            next.clone(),
            bodies.clone(),
        );
        workers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut latencies = Vec::new();
            loop {
                let request = next.fetch_add(1, Ordering::Relaxed) as usize;
                if request >= requests {
                    break;
                }
                let sent = Instant::now();
                let response = http
                    .post(format!("{endpoint}/xapi/statements"))
                    .basic_auth(&credentials.0, Some(&credentials.1))
                    .header("X-Experience-API-Version", "2.0.0")
                    .header("Content-Type", "application/json")
                    .body(bodies[request].clone())
                    .send()
                    .await?;
                let status = response.status();
                let answer = response.text().await?;
                anyhow::ensure!(status == 200, "POST answered {status}: {answer}");
                latencies.push(sent.elapsed());
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await??);
    }
    latencies.sort();
    Ok((started.elapsed().as_secs_f64(), latencies))
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
    let server = Arc::new(
        ServerProcess::start(
            &simulator,
            args.server.clone(),
            args.database_url.as_deref(),
            &[],
        )
        .await?,
    );
    let printed = server.cli(&["xapi-client", "add", "--name", "bench", "--scope", "all"])?;
    let field = |name: &str| {
        printed
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .map(|v| v.trim().to_owned())
            .ok_or_else(|| anyhow::anyhow!("no {name} in {printed}"))
    };
    let credentials = (field("key")?, field("secret")?);

    // The server's resident memory, sampled throughout: its peak in the
    // phase under way, taken (and started again) as each phase ends.
    let peak = Arc::new(AtomicU64::new(0));
    let phase_peak = || peak.swap(0, Ordering::Relaxed);
    let sampler = {
        let (server, peak) = (server.clone(), peak.clone());
        tokio::spawn(async move {
            loop {
                if let Some(bytes) = server.resident_bytes() {
                    peak.fetch_max(bytes, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    let endpoint = server.url.clone();
    let mut sent = 0;
    let (single_secs, single_latencies) = ingest(
        &endpoint,
        &credentials,
        args.clients,
        args.singles,
        1,
        sent,
        args.agents,
    )
    .await?;
    sent += args.singles;
    let single_peak = phase_peak();
    let (batch_secs, batch_latencies) = ingest(
        &endpoint,
        &credentials,
        args.clients,
        args.batched,
        args.batch,
        sent,
        args.agents,
    )
    .await?;
    sent += args.batched;
    let ingest_peak = phase_peak();
    eprintln!("filling the store to {} statements", args.store);
    let fill_started = Instant::now();
    let mut step = 0;
    while sent < args.store {
        let chunk = (args.store - sent).min(100_000);
        ingest(
            &endpoint,
            &credentials,
            args.clients,
            chunk,
            args.batch,
            sent,
            args.agents,
        )
        .await?;
        sent += chunk;
        step += 1;
        if step % 2 == 0 {
            eprintln!("  {sent} statements stored");
        }
    }
    let fill_secs = fill_started.elapsed().as_secs_f64();
    let fill_peak = phase_peak();

    // Reporting: one learner's completions, by agent and verb.
    let http = reqwest::Client::new();
    let per_client = args.queries.div_ceil(args.query_clients.max(1));
    let mut workers = Vec::new();
    for worker in 0..args.query_clients.max(1) {
        let (http, endpoint, credentials, agents) = (
            http.clone(),
            endpoint.clone(),
            credentials.clone(),
            args.agents,
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client);
            let mut returned = 0;
            for q in 0..per_client {
                let learner = (worker * per_client + q) * 7 % agents;
                let started = Instant::now();
                let response = http
                    .get(format!("{endpoint}/xapi/statements"))
                    .basic_auth(&credentials.0, Some(&credentials.1))
                    .header("X-Experience-API-Version", "2.0.0")
                    .query(&[
                        ("agent", agent(learner).to_string()),
                        ("verb", VERBS[1].to_owned()),
                    ])
                    .send()
                    .await?;
                anyhow::ensure!(
                    response.status() == 200,
                    "GET answered {}",
                    response.status()
                );
                let body: Value = response.json().await?;
                latencies.push(started.elapsed());
                returned += body["statements"].as_array().map_or(0, Vec::len);
            }
            Ok::<_, anyhow::Error>((latencies, returned))
        }));
    }
    let mut query_latencies = Vec::new();
    let mut returned = 0;
    for worker in workers {
        let (latencies, count) = worker.await??;
        query_latencies.extend(latencies);
        returned += count;
    }
    query_latencies.sort();
    anyhow::ensure!(returned > 0, "the filtered queries found nothing");
    let query_peak = phase_peak();
    sampler.abort();

    let database = args
        .database_url
        .as_deref()
        .map_or("sqlite", |u| u.split(':').next().unwrap_or("?"));
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("database:                 {database}");
    println!("clients:                  {}", args.clients);
    println!(
        "single statements:        {} in {:.2} s = {:.0} statements/s (request p50 {:.1} ms, p99 {:.1} ms)",
        args.singles,
        single_secs,
        args.singles as f64 / single_secs,
        ms(percentile(&single_latencies, 0.5)),
        ms(percentile(&single_latencies, 0.99))
    );
    println!(
        "batches of {}:           {} in {:.2} s = {:.0} statements/s (request p50 {:.1} ms, p99 {:.1} ms)",
        args.batch,
        args.batched,
        batch_secs,
        args.batched as f64 / batch_secs,
        ms(percentile(&batch_latencies, 0.5)),
        ms(percentile(&batch_latencies, 0.99))
    );
    println!(
        "fill to {} statements: {:.1} s more ({:.0} statements/s)",
        args.store,
        fill_secs,
        (args.store.saturating_sub(args.singles + args.batched)) as f64 / fill_secs.max(0.001)
    );
    println!(
        "GET agent+verb at {}: {} queries, {} clients, p50 {:.2} ms, p99 {:.2} ms ({:.1} statements per answer)",
        args.store,
        query_latencies.len(),
        args.query_clients,
        ms(percentile(&query_latencies, 0.5)),
        ms(percentile(&query_latencies, 0.99)),
        returned as f64 / query_latencies.len() as f64
    );
    println!(
        "server peak memory:       {:.0} MB during single POSTs, {:.0} MB during batches, {:.0} MB filling, {:.0} MB querying",
        single_peak as f64 / 1e6,
        ingest_peak as f64 / 1e6,
        fill_peak as f64 / 1e6,
        query_peak as f64 / 1e6
    );
    Ok(())
}
