//! Launch benchmark: drives full LTI launches (login initiation, the
//! platform's authorization answer, the form_post launch) through the
//! platform simulator against a real `carefolio serve` process, and prints
//! launches/s, latency percentiles and the server's CPU time per launch
//! (read from /proc, so the simulator's signing work is not counted).
//!
//! cargo build --release -p carefolio -p carefolio-tests --bins
//! target/release/bench-launch --launches 2000 --concurrency 4

use std::path::PathBuf;
use std::time::{Duration, Instant};

use carefolio_tests::launcher::{scripted_launch, ServerProcess};
use carefolio_tests::simulator::{PlatformKey, PlatformSimulator};
use clap::Parser;
use serde_json::json;

#[derive(Parser)]
#[command(about = "Benchmark full LTI launches against a carefolio server process")]
struct Args {
    #[arg(long, default_value_t = 2000)]
    launches: usize,
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    #[arg(long, default_value_t = 100)]
    warmup: usize,
    /// Database URL; default: a fresh SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// The carefolio binary; default: next to this one.
    #[arg(long)]
    server: Option<PathBuf>,
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the parenthesised command name; utime and stime are 14th and 15th overall.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    // SAFETY-free: the kernel's USER_HZ is 100 on every Linux this runs on.
    Ok(ticks / 100.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
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
    simulator.prepare_launch("bench", json!({}));
    let server = ServerProcess::start(
        &simulator,
        args.server.clone(),
        args.database_url.as_deref(),
        &[],
    )
    .await?;
    let (tool, pid) = (server.url.clone(), server.pid());

    let run = |count: usize| {
        let simulator = simulator.clone();
        let tool = tool.clone();
        async move {
            let per_worker = count.div_ceil(args.concurrency);
            let mut workers = Vec::new();
            for _ in 0..args.concurrency {
                let simulator = simulator.clone();
                let tool = tool.clone();
                workers.push(actix_web::rt::spawn(async move {
                    let mut latencies = Vec::with_capacity(per_worker);
                    for _ in 0..per_worker {
                        // A fresh cookie jar per launch, like a fresh browser frame.
                        let http = reqwest::Client::builder()
                            .cookie_store(true)
                            .redirect(reqwest::redirect::Policy::none())
                            .build()?;
                        let started = Instant::now();
                        let page = scripted_launch(&http, &simulator, &tool, "bench").await?;
                        anyhow::ensure!(
                            page.contains("Welcome, Ingrid Hansen"),
                            "a launch failed:\n{page}"
                        );
                        latencies.push(started.elapsed());
                    }
                    Ok::<_, anyhow::Error>(latencies)
                }));
            }
            let mut all = Vec::new();
            for worker in workers {
                all.extend(worker.await??);
            }
            Ok::<_, anyhow::Error>(all)
        }
    };

    run(args.warmup).await?;
    let cpu_before = cpu_seconds(pid)?;
    let started = Instant::now();
    let mut latencies = run(args.launches).await?;
    let wall = started.elapsed();
    let cpu = cpu_seconds(pid)? - cpu_before;
    latencies.sort();
    let count = latencies.len();
    println!(
        "launches:             {count} ({} concurrent, database {})",
        args.concurrency,
        args.database_url
            .as_deref()
            .map_or("sqlite", |u| u.split(':').next().unwrap_or("?"))
    );
    println!(
        "throughput:           {:.0} launches/s",
        count as f64 / wall.as_secs_f64()
    );
    println!(
        "latency p50:          {:.2} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0
    );
    println!(
        "latency p99:          {:.2} ms",
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0
    );
    println!(
        "server CPU / launch:  {:.3} ms (login + launch, {:.2} s CPU in total)",
        cpu * 1000.0 / count as f64,
        cpu
    );
    Ok(())
}
