//! Portfolio benchmark against a real `carefolio serve` process: the
//! portfolio API with a learner's 300 evidence items (latency
//! percentiles), a 200 MB upload and a 1 GB export (the server's resident
//! memory, read from /proc, before and at its peak).
//!
//! cargo build --release -p carefolio -p carefolio-tests --bins
//! target/release/bench-portfolio --items 300 --requests 1000

use std::path::PathBuf;
use std::time::Instant;

use carefolio_tests::launcher::{
    add_reflections, competence_ids, launch_token_of, percentile, scripted_launch, time_gets,
    ServerProcess,
};
use carefolio_tests::simulator::{PlatformKey, PlatformSimulator};
use clap::Parser;
use futures::StreamExt;
use serde_json::json;

#[derive(Parser)]
#[command(about = "Benchmark the portfolio API, a large upload and a large export")]
struct Args {
    /// Evidence items of the learner.
    #[arg(long, default_value_t = 300)]
    items: usize,
    /// Requests per measured endpoint.
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// The large upload, in MB.
    #[arg(long, default_value_t = 200)]
    upload_mb: u64,
    /// The export's files in all, in MB (made of uploads of --upload-mb).
    #[arg(long, default_value_t = 1000)]
    export_mb: u64,
    /// Database URL; default: a fresh SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// The carefolio binary; default: next to this one.
    #[arg(long)]
    server: Option<PathBuf>,
}

/// (resident now, resident peak) of a process, in MB.
fn memory_mb(pid: u32) -> anyhow::Result<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}

/// Resets the peak-resident counter, so the next peak is the next step's.
fn reset_peak(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// A video-like body of `mb` megabytes, made on the fly (never held whole).
fn video_body(mb: u64, seed: u64) -> reqwest::Body {
    const CHUNK: usize = 256 * 1024;
    let total = mb * 1_000_000;
    let stream = futures::stream::unfold((0u64, seed), move |(sent, mut state)| async move {
        if sent >= total {
            return None;
        }
        let size = CHUNK.min((total - sent) as usize);
        let mut chunk = vec![0u8; size];
        if sent == 0 {
            // An MP4 file type box, so the content is sniffed as video.
            chunk[..24].copy_from_slice(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom");
        }
        for byte in chunk.iter_mut().skip(if sent == 0 { 24 } else { 0 }) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state as u8;
        }
        Some((
            Ok::<_, std::io::Error>(bytes::Bytes::from(chunk)),
            (sent + size as u64, state),
        ))
    });
    reqwest::Body::wrap_stream(stream)
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
        &[(
            "CAREFOLIO__FILES__MAX_UPLOAD_BYTES",
            ((args.upload_mb + 1) * 1_000_000).to_string(),
        )],
    )
    .await?;
    let (tool, pid) = (server.url.clone(), server.pid());
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = scripted_launch(&http, &simulator, &tool, "bench").await?;
    let token = launch_token_of(&page)?;
    let competences = competence_ids(&http, &tool, &token, "carerplus").await?;
    let filling = Instant::now();
    add_reflections(&http, &tool, &token, &competences, args.items).await?;
    eprintln!(
        "{} items created in {:.1} s",
        args.items,
        filling.elapsed().as_secs_f64()
    );

    for path in ["/api/v1/evidence", "/api/v1/map/carerplus"] {
        let url = format!("{tool}{path}");
        time_gets(&http, &url, &token, 50, args.concurrency).await?;
        let latencies = time_gets(&http, &url, &token, args.requests, args.concurrency).await?;
        println!(
            "GET {path:<22} {} items: p50 {:.2} ms, p99 {:.2} ms ({} requests, {} concurrent)",
            args.items,
            percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
            percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
            latencies.len(),
            args.concurrency
        );
    }

    // Large uploads, then the export of all of them.
    let (before, _) = memory_mb(pid)?;
    reset_peak(pid);
    let uploads = args.export_mb.div_ceil(args.upload_mb).max(1);
    let mut upload_peak: f64 = 0.0;
    for seed in 0..uploads {
        let started = Instant::now();
        let response = http
            .post(format!(
                "{tool}/api/v1/evidence/files?name=visit-{seed}.mp4"
            ))
            .bearer_auth(&token)
            .header("content-type", "video/mp4")
            .body(video_body(
                args.upload_mb,
                0x9E37_79B9_7F4A_7C15 ^ (seed + 1),
            ))
            .send()
            .await?;
        anyhow::ensure!(response.status() == 201, "upload: {}", response.status());
        let (_, peak) = memory_mb(pid)?;
        upload_peak = upload_peak.max(peak);
        if seed == 0 {
            println!(
                "upload of {} MB:        {:.1} s; server resident {:.1} MB before, peak {:.1} MB",
                args.upload_mb,
                started.elapsed().as_secs_f64(),
                before,
                peak
            );
        }
    }
    let (before, _) = memory_mb(pid)?;
    reset_peak(pid);
    let started = Instant::now();
    let response = http
        .get(format!("{tool}/api/v1/export"))
        .bearer_auth(&token)
        .send()
        .await?;
    anyhow::ensure!(response.status() == 200, "export: {}", response.status());
    let mut stream = response.bytes_stream();
    let mut received: u64 = 0;
    while let Some(chunk) = stream.next().await {
        received += chunk?.len() as u64;
    }
    let (_, peak) = memory_mb(pid)?;
    println!(
        "export of {:.0} MB zip:   {:.1} s; server resident {:.1} MB before, peak {:.1} MB (uploads' peak {:.1} MB)",
        received as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        before,
        peak,
        upload_peak
    );
    drop(server);
    Ok(())
}
