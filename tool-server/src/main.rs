use clap::Parser;
use tracing_subscriber::EnvFilter;

// Launches allocate many small, short-lived values (claims, SQL, pages);
// mimalloc costs less per allocation than the system allocator
// (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    carefolio::allocator::configure();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = carefolio::cli::Cli::parse();
    match carefolio::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", carefolio::util::error_chain(error.as_ref()));
            std::process::ExitCode::FAILURE
        }
    }
}
