//! Widget rendering benchmark in headless Chromium: a learner with 300
//! evidence items opens the widget; each view is rendered again many times
//! and timed from the start of the rendering to the end of the browser's
//! layout of it.
//!
//! scripts/build-widget.sh && cargo build --release -p carefolio -p carefolio-tests --bins
//! target/release/bench-widget --items 300 --renders 50

use std::time::Duration;

use carefolio_tests::launcher::{
    add_reflections, competence_ids, launch_token_of, scripted_launch, ServerProcess,
};
use carefolio_tests::simulator::{PlatformKey, PlatformSimulator};
use carefolio_tests::webdriver::Browser;
use clap::Parser;
use serde_json::{json, Value};

#[derive(Parser)]
#[command(about = "Time the widget's rendering of a large portfolio in headless Chromium")]
struct Args {
    /// Evidence items of the learner.
    #[arg(long, default_value_t = 300)]
    items: usize,
    /// Timed renderings per view.
    #[arg(long, default_value_t = 50)]
    renders: usize,
    /// The carefolio binary; default: next to this one.
    #[arg(long)]
    server: Option<std::path::PathBuf>,
}

const WAIT: Duration = Duration::from_secs(30);

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let simulator = PlatformSimulator::start_with(
        "127.0.0.1:0",
        "bench-client",
        "bench-deployment",
        PlatformKey::generate("bench-key"),
    )?;
    let server = ServerProcess::start(&simulator, args.server.clone(), None, &[]).await?;
    let tool = server.url.clone();
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    simulator.prepare_launch("bench", json!({}));
    let page = scripted_launch(&http, &simulator, &tool, "bench").await?;
    let token = launch_token_of(&page)?;
    let competences = competence_ids(&http, &tool, &token, "carerplus").await?;
    add_reflections(&http, &tool, &token, &competences, args.items).await?;

    simulator.prepare_launch("bench", json!({}));
    let browser = Browser::start(&[])
        .await
        .map_err(|e| anyhow::anyhow!("headless Chromium: {e}"))?;
    let result = measure(&browser, &simulator, &args).await;
    browser.quit().await;
    result
}

async fn measure(
    browser: &Browser,
    simulator: &PlatformSimulator,
    args: &Args,
) -> anyhow::Result<()> {
    let fail = |e: carefolio_tests::webdriver::BrowserError| anyhow::anyhow!("{e}");
    browser.resize(1000, 900).await.map_err(fail)?;
    browser
        .goto(&format!("{}/start?login_hint=bench", simulator.issuer))
        .await
        .map_err(fail)?;
    browser
        .wait_for(
            "return document.querySelector('#carefolio-portfolio .cf-map') !== null",
            WAIT,
        )
        .await
        .map_err(fail)?;
    for (view, tab, ready) in [
        ("map", "#tab-map", ".cf-map"),
        ("evidence", "#tab-evidence", ".cf-card"),
    ] {
        browser.click(tab).await.map_err(fail)?;
        let count = browser
            .wait_for(
                &format!(
                    "const n = document.querySelectorAll('{ready}').length; return n > 0 && n"
                ),
                WAIT,
            )
            .await
            .map_err(fail)?;
        let times = browser
            .eval(&format!(
                "const widget = document.getElementById('carefolio-portfolio').carefolioWidget; \
                 const times = []; \
                 for (let i = 0; i < {}; i++) {{ \
                   const t0 = performance.now(); widget.renderTimed(); document.body.getBoundingClientRect(); \
                   times.push(performance.now() - t0); }} \
                 return times;",
                args.renders + 5
            ))
            .await
            .map_err(fail)?;
        let mut times: Vec<f64> = times
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .skip(5)
            .collect();
        times.sort_by(f64::total_cmp);
        let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
        println!(
            "{view:<9} {} items ({count} shown): render + layout p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} renders)",
            args.items,
            at(0.5),
            at(0.95),
            at(1.0),
            times.len()
        );
    }
    Ok(())
}
