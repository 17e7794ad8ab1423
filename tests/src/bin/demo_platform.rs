//! A demo LTI platform for trying Carefolio without an LMS. It registers
//! nothing itself: `config/demo.toml` registers it with the tool. It runs
//! one launch to show the whole path works, then serves a page with launch
//! links for a browser.

use std::time::Duration;

use carefolio_tests::launcher::{scripted_launch, wait_until_healthy};
use carefolio_tests::simulator::{PlatformKey, PlatformSimulator, INSTRUCTOR, LTI};
use clap::Parser;
use serde_json::json;

#[derive(Parser)]
#[command(about = "Demo LTI 1.3 platform for Carefolio")]
struct Args {
    /// The Carefolio server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8300")]
    tool: String,
    /// Where the demo platform listens (its issuer is http://<this>).
    #[arg(long, default_value = "127.0.0.1:8301")]
    bind: String,
    #[arg(long, default_value = "carefolio-demo")]
    client_id: String,
    #[arg(long, default_value = "demo-deployment")]
    deployment_id: String,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    println!("demo platform: generating its signing key…");
    let simulator = PlatformSimulator::start_with(
        &args.bind,
        &args.client_id,
        &args.deployment_id,
        // A new key each start needs a new key id: Carefolio keeps the
        // platform keys it fetched and refetches only for an unknown id.
        PlatformKey::generate(&format!("demo-key-{}", uuid::Uuid::new_v4().simple())),
    )?;
    simulator.set_tool(&args.tool);
    simulator.prepare_launch("ingrid", json!({
        format!("{LTI}resource_link"): { "id": "demo-link-1", "title": "Peer support in practice" },
        format!("{LTI}custom"): { "competences": "carerplus:10.2,carerplus:7.2" },
    }));
    simulator.prepare_launch("kari", json!({
        "sub": "demo-kari", "name": "Kari Nordmann", "given_name": "Kari", "family_name": "Nordmann", "email": "kari@example.org",
        format!("{LTI}launch_presentation"): { "locale": "nb-NO" },
        format!("{LTI}context"): { "id": "course-psw-1", "label": "PSW1", "title": "Likepersonsarbeid i psykisk helse" },
        format!("{LTI}resource_link"): { "id": "demo-link-2", "title": "Dele erfaringer fra tilfriskning" },
        format!("{LTI}custom"): { "competences": "pat:3.3,pat:9.5,pat:5.6" },
    }));
    simulator.prepare_launch("teacher", json!({
        "sub": "demo-teacher", "name": "Sofia Rossi", "given_name": "Sofia", "family_name": "Rossi", "email": "sofia@example.org",
        format!("{LTI}roles"): [INSTRUCTOR],
    }));

    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    wait_until_healthy(&http, &args.tool, Duration::from_secs(60)).await?;
    let page = scripted_launch(&http, &simulator, &args.tool, "ingrid").await?;
    if page.contains("Welcome, Ingrid Hansen") {
        println!("demo platform: a launch as Ingrid Hansen succeeded; the tool recorded it as an xAPI statement.");
    } else {
        anyhow::bail!("the demo launch did not show the learner's page:\n{page}");
    }
    println!();
    println!("  Carefolio is running at {}", args.tool);
    println!(
        "  Open {} in a browser and launch as a learner or a teacher.",
        simulator.issuer
    );
    // Listen before saying so: a Ctrl-C that came between the line and the
    // listener would kill the process instead of stopping it.
    let stop = StopSignals::listen()?;
    println!("  Press Ctrl-C to stop.");
    stop.received().await;
    println!("demo platform: stopped.");
    Ok(())
}

/// Ctrl-C (SIGINT) and SIGTERM, caught from the moment of `listen`.
struct StopSignals {
    interrupt: actix_web::rt::signal::unix::Signal,
    terminate: actix_web::rt::signal::unix::Signal,
}

impl StopSignals {
    fn listen() -> std::io::Result<Self> {
        use actix_web::rt::signal::unix::{signal, SignalKind};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn received(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
