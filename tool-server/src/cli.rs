//! The `carefolio` command line.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::config::{PlatformRegistration, Settings};
use crate::grades::delivery::GradeDelivery;
use crate::platforms::services::ServiceClient;
use crate::platforms::{self, registration, tool_keys, DeploymentId};
use crate::startup::{prepare, Application};
use crate::util::rfc3339_ms;
use crate::{db, frameworks, grades, outbox, xapi};

#[derive(Parser, Debug)]
#[command(
    name = "carefolio",
    version,
    about = "Carefolio: competence e-portfolios inside your LMS (LTI 1.3)"
)]
pub struct Cli {
    /// TOML configuration file (also CAREFOLIO_CONFIG).
    #[arg(long, global = true, env = "CAREFOLIO_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage LTI platform registrations.
    #[command(subcommand)]
    Platform(PlatformCommand),
    /// Manage xAPI client credentials.
    #[command(subcommand, name = "xapi-client")]
    XapiClient(XapiClientCommand),
    /// List the competence frameworks.
    #[command(subcommand)]
    Framework(FrameworkCommand),
    /// Manage the tool's signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Grades queued for LMS gradebooks (Assignment and Grade Services).
    #[command(subcommand)]
    Grades(GradesCommand),
}

#[derive(Subcommand, Debug)]
pub enum GradesCommand {
    /// Send every undelivered grade now, including those a platform refused
    /// before and those waiting for their next retry.
    Push,
    /// Count grades pending, failed and delivered.
    Status,
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Make a new key current; the previous one never signs again and stays
    /// published for the grace period.
    Rotate {
        /// Hours the previous key stays in the published JWKS.
        #[arg(long, default_value_t = 24)]
        keep_previous_hours: u32,
    },
    /// List the published keys.
    List,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (overrides server.bind).
    #[arg(long)]
    pub bind: Option<String>,
    /// Public URL (overrides server.public_url).
    #[arg(long)]
    pub public_url: Option<url::Url>,
}

#[derive(Subcommand, Debug)]
pub enum PlatformCommand {
    /// Register a platform (or add a deployment to a registered one).
    Add(PlatformRegistration),
    /// List registered platforms.
    List,
    /// Remove a platform's registration: its launches are refused from
    /// then on (running servers notice within 30 seconds).
    Remove {
        /// The platform's issuer, as `platform list` shows it.
        #[arg(long)]
        issuer: String,
        /// Its client id, when the issuer has several registrations.
        #[arg(long)]
        client_id: Option<String>,
        /// Also delete the records of the people who launched from it
        /// (required when there are any).
        #[arg(long)]
        delete_people: bool,
    },
    /// Print a registration URL for LTI Dynamic Registration, to enter in
    /// the LMS (Moodle: "Tool URL" under Manage tools; Canvas: "Install a
    /// new app" by dynamic registration). Each URL registers one platform.
    Invite {
        /// Hours the URL stays usable.
        #[arg(long, default_value_t = crate::platforms::registration::DEFAULT_INVITE_HOURS)]
        hours: i64,
        /// Only the platform with this issuer may register with the URL.
        #[arg(long)]
        issuer: Option<String>,
        /// Allow a second registration for an issuer that has one already
        /// (a new registration; the existing one never changes). Needs --issuer.
        #[arg(long, requires = "issuer")]
        allow_existing_issuer: bool,
        /// Another origin the registration owns, where the LMS frames
        /// Carefolio and serves its services (Canvas: your institution's
        /// address, such as https://school.instructure.com). Repeat for several.
        #[arg(long = "origin")]
        origins: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum XapiClientCommand {
    /// Create credentials; prints the key and secret once. Without
    /// --platform they read every statement (an operator's credentials).
    Add {
        /// A name for whoever uses the credentials (e.g. "reporting").
        #[arg(long)]
        name: String,
        /// Read only the statements of this platform's launches (its issuer).
        #[arg(long)]
        platform: Option<String>,
        /// The platform's client id, when its issuer has several registrations.
        #[arg(long, requires = "platform")]
        client_id: Option<String>,
    },
    /// List the credentials: name, key, what they read, whether revoked.
    List,
    /// Revoke the credentials with this name: refused at once, everywhere.
    Revoke {
        /// The name given when they were created.
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum FrameworkCommand {
    /// List the frameworks and their sizes.
    List,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    for name in Settings::unknown_env_vars() {
        tracing::warn!(variable = %name, "unknown CAREFOLIO_ environment variable (a typo?)");
    }
    match cli.command {
        Command::Serve(args) => {
            if let Some(bind) = args.bind {
                settings.server.bind = bind;
                settings.check_bind()?;
            }
            if let Some(url) = args.public_url {
                settings.server.public_url = Some(url);
            }
            tracing::info!(database = %db::redact(&settings.database_url()), "starting");
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await?;
        }
        Command::Migrate => {
            let database = db::connect(&settings).await?;
            db::migrate(&database).await?;
            println!("Database is up to date.");
        }
        Command::Platform(PlatformCommand::Add(registration)) => {
            let database = prepare(&settings).await?;
            let platform = platforms::register(&database, &registration).await?;
            println!(
                "Registered platform {} (issuer {}, client id {}, deployments {}).",
                platform.name,
                platform.issuer,
                platform.client_id,
                platform
                    .deployment_ids
                    .iter()
                    .map(DeploymentId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Command::Platform(PlatformCommand::Invite {
            hours,
            issuer,
            allow_existing_issuer,
            origins,
        }) => {
            anyhow::ensure!(hours > 0, "--hours must be at least 1");
            let database = prepare(&settings).await?;
            let signer = crate::signing::Signer::load_or_create(&database).await?;
            let invitation = registration::invite_for(
                &signer,
                hours,
                &registration::InviteScope {
                    issuer,
                    allow_existing_issuer,
                    origins,
                },
            )?;
            println!(
                "Registration URL (usable once, for {hours} hour(s)):\n\n  {}\n\nEnter it in the LMS: Moodle: Site administration > Plugins > Activity modules > External tool > Manage tools > \"Tool URL\", then \"Add LTI Advantage\". Canvas: Admin > Developer Keys > + Developer Key > LTI Registration.",
                registration::invitation_url(&settings.base_url(), &invitation)
            );
        }
        Command::Platform(PlatformCommand::Remove {
            issuer,
            client_id,
            delete_people,
        }) => {
            let database = db::open_existing(&settings).await?;
            match platforms::remove(&database, &issuer, client_id.as_deref(), delete_people).await?
            {
                platforms::Removal::Removed { name } => {
                    println!("Removed platform {name} ({issuer}).");
                }
                platforms::Removal::NotFound => {
                    anyhow::bail!("no platform is registered with issuer {issuer}{}; `carefolio platform list` shows them", client_id.map(|c| format!(" and client id {c}")).unwrap_or_default());
                }
                platforms::Removal::HasPeople { name, people } => {
                    anyhow::bail!("platform {name} ({issuer}) has {people} person(s) who launched from it; removing it deletes their courses, links and grades from it. Add --delete-people to remove it anyway");
                }
            }
        }
        Command::Platform(PlatformCommand::List) => {
            let database = db::open_existing(&settings).await?;
            let list = platforms::list(&database).await?;
            if list.is_empty() {
                println!("No platforms registered. Add one with `carefolio platform add`.");
            }
            for platform in list {
                println!(
                    "{}\n  issuer:      {}\n  client id:   {}\n  deployments: {}\n  auth url:    {}\n  token url:   {}\n  jwks url:    {}",
                    platform.name,
                    platform.issuer,
                    platform.client_id,
                    platform.deployment_ids.iter().map(DeploymentId::as_str).collect::<Vec<_>>().join(", "),
                    platform.auth_url,
                    platform.token_url,
                    platform.jwks_url
                );
            }
        }
        Command::XapiClient(XapiClientCommand::Add {
            name,
            platform,
            client_id,
        }) => {
            let database = prepare(&settings).await?;
            let reach = match platform {
                None => xapi::clients::Reach::Everything,
                Some(issuer) => {
                    match platforms::one_of_issuer(&database, &issuer, client_id.as_deref()).await? {
                        Some(platform) => xapi::clients::Reach::Platform(platform.id.0),
                        None => anyhow::bail!("no platform is registered with issuer {issuer}{}; `carefolio platform list` shows them", client_id.map(|c| format!(" and client id {c}")).unwrap_or_default()),
                    }
                }
            };
            let client = xapi::clients::create(&database, &name, reach).await?;
            println!(
                "xAPI client {:?} created. The secret is shown only now.",
                client.name
            );
            println!("key:    {}", client.key);
            println!("secret: {}", client.secret);
        }
        Command::XapiClient(XapiClientCommand::List) => {
            let database = db::open_existing(&settings).await?;
            let all = platforms::list(&database).await?;
            let clients = xapi::clients::list(&database).await?;
            if clients.is_empty() {
                println!("No xAPI credentials. Create some with `carefolio xapi-client add --name NAME`.");
            }
            for client in clients {
                let reach = match client.reach {
                    xapi::clients::Reach::Everything => "every statement".to_owned(),
                    xapi::clients::Reach::Platform(id) => all
                        .iter()
                        .find(|p| p.id.0 == id)
                        .map(|p| format!("statements of {} ({})", p.name, p.issuer))
                        .unwrap_or_else(|| format!("statements of platform {id}")),
                };
                let state = match client.revoked_at_ms {
                    Some(at) => format!("revoked {}", rfc3339_ms(at)),
                    None => format!("created {}", rfc3339_ms(client.created_at_ms)),
                };
                println!(
                    "{:<20} key {}  reads {reach}  {state}",
                    client.name, client.key
                );
            }
        }
        Command::XapiClient(XapiClientCommand::Revoke { name }) => {
            let database = db::open_existing(&settings).await?;
            match xapi::clients::revoke(&database, &name).await? {
                0 => anyhow::bail!("no active xAPI credentials are called {name:?}; `carefolio xapi-client list` shows them"),
                n => println!("Revoked {n} credential(s) called {name:?}: they are refused from now on."),
            }
        }
        Command::Framework(FrameworkCommand::List) => {
            let database = db::open_existing(&settings).await?;
            for framework in frameworks::store::list(&database).await? {
                println!(
                    "{:<10} {:>3} competences  {}",
                    framework.key, framework.competence_count, framework.title
                );
            }
        }
        Command::Keys(KeysCommand::Rotate {
            keep_previous_hours,
        }) => {
            let database = prepare(&settings).await?;
            let kid =
                tool_keys::rotate(&database, i64::from(keep_previous_hours) * 3_600_000).await?;
            println!("New current key: {kid}");
            println!(
                "Previous keys sign nothing more and stay published for {keep_previous_hours} h."
            );
        }
        Command::Grades(GradesCommand::Push) => {
            let database = prepare(&settings).await?;
            let before = outbox::counts(&database, grades::OUTBOX_KIND).await?;
            println!(
                "Sending {} undelivered grade(s) ({} refused before)…",
                before.pending + before.failed,
                before.failed
            );
            let http = crate::startup::outbound_client()?;
            let delivery = GradeDelivery::new(
                database.clone(),
                Arc::new(ServiceClient::new(http)),
                Default::default(),
            );
            let report = delivery.deliver(outbox::Due::Everything).await?;
            println!("{} sent, {} failed.", report.sent, report.failed);
            if report.failed > 0 {
                println!("Failed grades stay queued; `carefolio grades status` shows the last error of each.");
                std::process::exit(1);
            }
        }
        Command::Grades(GradesCommand::Status) => {
            let database = db::open_existing(&settings).await?;
            let counts = outbox::counts(&database, grades::OUTBOX_KIND).await?;
            println!(
                "{} pending, {} failed, {} delivered",
                counts.pending, counts.failed, counts.delivered
            );
            for (key, attempts, error) in
                outbox::failures(&database, grades::OUTBOX_KIND, 20).await?
            {
                println!("  {key}: {attempts} attempt(s), last error: {error}");
            }
        }
        Command::Keys(KeysCommand::List) => {
            let database = db::open_existing(&settings).await?;
            for key in tool_keys::list(&database).await? {
                match key.retired_at_ms {
                    None => println!(
                        "{}  current     created {}",
                        key.kid,
                        rfc3339_ms(key.created_at_ms)
                    ),
                    Some(until) => println!(
                        "{}  previous    created {}, published until {}",
                        key.kid,
                        rfc3339_ms(key.created_at_ms),
                        rfc3339_ms(until)
                    ),
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every option and argument of every command says what it is.
    #[test]
    fn every_option_has_help_text() {
        fn check(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() {
                    missing.push(format!("{path} --{id}"));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{path} {} (no description)", sub.get_name()));
                }
                check(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        check(&Cli::command(), "carefolio", &mut missing);
        assert!(missing.is_empty(), "without help text: {missing:?}");
    }
}
