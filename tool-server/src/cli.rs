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
    /// Statements forwarded to other learning record stores (`[[xapi_forward]]`).
    #[command(subcommand, name = "xapi-forward")]
    XapiForward(XapiForwardCommand),
    /// Competence frameworks: list, import (CASE or Moodle CSV, from a file or a URL), export.
    #[command(subcommand)]
    Framework(FrameworkCommand),
    /// Tokens for the administrators' API.
    #[command(subcommand, name = "admin-token")]
    AdminToken(AdminTokenCommand),
    /// A person's portfolio: export it as one zip.
    #[command(subcommand)]
    Portfolio(PortfolioCommand),
    /// Manage the tool's signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Grades queued for LMS gradebooks (Assignment and Grade Services).
    #[command(subcommand)]
    Grades(GradesCommand),
    /// Proficiency badges: list the classes, define one from a JSON file.
    #[command(subcommand)]
    Badge(BadgeCommand),
    /// Print the OpenAPI document of the JSON API (as in docs/openapi.json).
    Openapi,
}

#[derive(Subcommand, Debug)]
pub enum BadgeCommand {
    /// List the badge classes.
    List {
        /// Only this framework's (its key).
        #[arg(long)]
        framework: Option<String>,
    },
    /// Define a badge class, or change the one with the same key, from a
    /// JSON file: {"key", "framework", "node", "level", "rule":
    /// "competence"|"all"|"n_of", "required", "name": {"en": …},
    /// "description": {…}, "image_svg"}.
    Define {
        /// The JSON file.
        file: PathBuf,
    },
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
        /// Which keys: the LTI keys (the JWKS) or the badge issuer's.
        #[arg(long = "for", value_enum, default_value_t = KeyFor::Lti)]
        key_for: KeyFor,
        /// Hours the previous key stays published.
        #[arg(long, default_value_t = 24)]
        keep_previous_hours: u32,
    },
    /// List the published keys.
    List {
        /// Which keys: the LTI keys (the JWKS) or the badge issuer's.
        #[arg(long = "for", value_enum, default_value_t = KeyFor::Lti)]
        key_for: KeyFor,
    },
}

/// The two sets of keys the tool signs with.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum KeyFor {
    /// LTI launches and services (published at /.well-known/jwks.json).
    Lti,
    /// Open Badges 3.0 credentials (published in the issuer profile).
    Badges,
}

impl From<KeyFor> for tool_keys::KeyUse {
    fn from(key_for: KeyFor) -> tool_keys::KeyUse {
        match key_for {
            KeyFor::Lti => tool_keys::KeyUse::Lti,
            KeyFor::Badges => tool_keys::KeyUse::Badges,
        }
    }
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
pub enum XapiForwardCommand {
    /// How far each configured store has been sent, what waits, what was set aside.
    Status,
    /// Send what waits now, once, to every configured store (also one
    /// waiting out a failure), printing what each took.
    Push,
}

#[derive(Subcommand, Debug)]
pub enum XapiClientCommand {
    /// Create credentials; prints the key and secret once. Without
    /// --platform they reach every statement and the tool's documents (an
    /// operator's credentials); --scope says what they may do there.
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
        /// xAPI scopes, comma-separated: statements/write,
        /// statements/read/mine, statements/read, state, define, profile,
        /// all/read, all.
        #[arg(long, default_value = xapi::scopes::DEFAULT)]
        scope: String,
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
    /// Import a framework, or a newer version of one already imported.
    Import {
        /// A CASE 1.0/1.1 JSON package or a Moodle competency framework CSV
        /// file, or a CASE provider's …/ims/case/v1p0/CFPackages/{id} URL.
        source: String,
        /// The key to store it under (lower-case letters, digits, - and _);
        /// by default the key it already has, or one made from it.
        #[arg(long)]
        key: Option<String>,
        /// The file's format; by default JSON is CASE and anything else Moodle CSV.
        #[arg(long, value_parser = ["case", "moodle-csv"])]
        format: Option<String>,
        /// The language of a Moodle CSV's texts (BCP 47, default en).
        #[arg(long)]
        language: Option<String>,
    },
    /// Write a framework as a CASE package or a Moodle competency framework CSV.
    Export {
        /// The framework's key (`carefolio framework list` shows them).
        key: String,
        /// The format to write.
        #[arg(long, default_value = "case", value_parser = ["case", "moodle-csv"])]
        format: String,
        /// The file to write; by default the standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum PortfolioCommand {
    /// Write a person's whole portfolio as a zip: a site readable offline,
    /// the data as JSON, every file, and LEAP2A for Mahara.
    Export {
        /// The person: their Carefolio id, or their e-mail address.
        person: String,
        /// The zip to write (default: carefolio-portfolio-<date>.zip here).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Add a LEAP2A export (Carefolio's or Mahara's zip) to a person's portfolio.
    Import {
        /// The person: their Carefolio id, or their e-mail address.
        person: String,
        /// The zip with leap2a.xml and its files.
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminTokenCommand {
    /// Create a token for the administrators' API; it is shown once.
    Add {
        /// Who or what holds it, e.g. "provisioning script".
        #[arg(long)]
        name: String,
    },
    /// List the tokens: name, created, whether revoked.
    List,
    /// Revoke the tokens with this name: refused at once, everywhere.
    Revoke {
        /// The name given when it was created.
        name: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // Needs neither configuration nor database.
    if let Command::Openapi = cli.command {
        print!("{}", crate::http::openapi::document());
        return Ok(());
    }
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
            scope,
        }) => {
            let scopes = xapi::scopes::Scopes::parse(&scope).map_err(anyhow::Error::msg)?;
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
            let client = xapi::clients::create(&database, &name, reach, scopes).await?;
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
                    xapi::clients::Reach::Everything => {
                        "every statement and the tool's documents".to_owned()
                    }
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
                    "{:<20} key {}  reaches {reach}  scope {}  {state}",
                    client.name, client.key, client.scopes
                );
            }
        }
        Command::XapiForward(command) => {
            if settings.xapi_forward.is_empty() {
                println!("No store is configured: add an [[xapi_forward]] section to the configuration file (docs/xapi.md).");
                return Ok(());
            }
            let database = db::open_existing(&settings).await?;
            let names: Vec<String> = settings
                .xapi_forward
                .iter()
                .map(|t| t.name.clone())
                .collect();
            if let XapiForwardCommand::Push = command {
                xapi::forward::due_now(&database, &names).await?;
                let forwarder = xapi::forward::Forwarder::new(
                    database.clone(),
                    crate::startup::outbound_client()?,
                    &settings.xapi_forward,
                )?;
                for (name, round) in forwarder.run_once().await? {
                    match (round.skipped, round.unavailable) {
                        (true, _) => println!("{name}: another instance is sending; nothing done"),
                        (false, Some(reason)) => println!(
                            "{name}: sent {}, set aside {}, then stopped: {reason}",
                            round.sent, round.dead_letters
                        ),
                        (false, None) => println!(
                            "{name}: sent {}, set aside {}",
                            round.sent, round.dead_letters
                        ),
                    }
                }
            }
            for status in xapi::forward::status(&database, &names).await? {
                println!(
                    "{:<20} sent through statement {}  waiting {}  set aside {}{}",
                    status.name,
                    status.forwarded_through,
                    status.waiting,
                    status.dead_letters,
                    status
                        .last_error
                        .map(|e| format!("  failing ({} attempts): {e}", status.attempts))
                        .unwrap_or_default()
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
        Command::Framework(FrameworkCommand::Import {
            source,
            key,
            format,
            language,
        }) => {
            let database = prepare(&settings).await?;
            let options = frameworks::ImportOptions {
                key,
                language,
                source: source.clone(),
            };
            let is_url = source.starts_with("https://") || source.starts_with("http://");
            let report = if is_url {
                if format.as_deref() == Some("moodle-csv") {
                    anyhow::bail!("a URL is read as a CASE package; download a Moodle CSV and import the file");
                }
                eprintln!("Fetching {source}…");
                let http = crate::startup::outbound_client()?;
                frameworks::import_url(&database, &http, &source, options).await?
            } else {
                let document = read_bounded(&source, frameworks::MAX_DOCUMENT_BYTES)?;
                let format = match format.as_deref() {
                    Some(name) => frameworks::Format::parse(name)
                        .ok_or_else(|| anyhow::anyhow!("unknown format {name:?}"))?,
                    None => frameworks::Format::detect(&document),
                };
                frameworks::import(&database, &document, format, options).await?
            };
            print_import_report(&report);
        }
        Command::Framework(FrameworkCommand::Export {
            key,
            format,
            output,
        }) => {
            let database = db::open_existing(&settings).await?;
            let format = frameworks::Format::parse(&format)
                .ok_or_else(|| anyhow::anyhow!("unknown format {format:?}"))?;
            let document = frameworks::export(&database, &key, format).await?;
            match output {
                Some(path) => {
                    std::fs::write(&path, &document)?;
                    eprintln!("Wrote {} ({} bytes).", path.display(), document.len());
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&document)?;
                }
            }
        }
        Command::Portfolio(PortfolioCommand::Export { person, output }) => {
            let database = prepare(&settings).await?;
            let files = crate::files::FileStore::from_settings(&settings)?;
            let owner = find_person(&database, &person).await?;
            let path = output.unwrap_or_else(|| {
                PathBuf::from(format!(
                    "carefolio-portfolio-{}.zip",
                    chrono::Utc::now().format("%Y-%m-%d")
                ))
            });
            // Written beside the target, then renamed: no half zip under its name.
            let partial = path.with_extension("zip.part");
            let file = tokio::fs::File::create(&partial).await?;
            let mut writer = tokio::io::BufWriter::new(file);
            let started = std::time::Instant::now();
            let done =
                crate::portfolio::export::write_zip(&database, &files, owner, &mut writer, |p| {
                    eprint!(
                        "\r{} of {} files, {:.1} of {:.1} MB",
                        p.files_done,
                        p.files_total,
                        p.bytes_done as f64 / 1e6,
                        p.bytes_total as f64 / 1e6
                    );
                })
                .await;
            eprintln!();
            if let Err(e) = done {
                let _ = std::fs::remove_file(&partial);
                return Err(e.into());
            }
            use tokio::io::AsyncWriteExt;
            writer.shutdown().await?;
            std::fs::rename(&partial, &path)?;
            let size = std::fs::metadata(&path)?.len();
            println!(
                "Wrote {} ({:.1} MB) in {:.1} s.",
                path.display(),
                size as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Portfolio(PortfolioCommand::Import { person, file }) => {
            let database = prepare(&settings).await?;
            let files = crate::files::FileStore::from_settings(&settings)?;
            let owner = find_person(&database, &person).await?;
            eprintln!("Importing {}…", file.display());
            let report =
                crate::portfolio::import::import_zip(&database, &files, owner, &file).await?;
            println!(
                "Imported {} items ({} files), {} collections, {} self-ratings.",
                report.items, report.files, report.collections, report.self_ratings
            );
            for line in &report.skipped {
                println!("  not imported: {line}");
            }
        }
        Command::AdminToken(AdminTokenCommand::Add { name }) => {
            let database = prepare(&settings).await?;
            let token = crate::admin::create(&database, &name).await?;
            println!(
                "Administrators' API token {name:?} (shown once; keep it secret):\n\n  {token}\n"
            );
            println!("Send it as `Authorization: Bearer <token>` to /api/v1/admin/….");
        }
        Command::AdminToken(AdminTokenCommand::List) => {
            let database = db::open_existing(&settings).await?;
            let tokens = crate::admin::list(&database).await?;
            if tokens.is_empty() {
                println!("No administrators' API tokens. Create one with `carefolio admin-token add --name NAME`.");
            }
            for token in tokens {
                let state = match token.revoked_at_ms {
                    Some(at) => format!("revoked {}", rfc3339_ms(at)),
                    None => format!("created {}", rfc3339_ms(token.created_at_ms)),
                };
                println!("{:<24} {state}", token.name);
            }
        }
        Command::AdminToken(AdminTokenCommand::Revoke { name }) => {
            let database = db::open_existing(&settings).await?;
            match crate::admin::revoke(&database, &name).await? {
                0 => anyhow::bail!("no live administrators' API token is called {name:?}; `carefolio admin-token list` shows them"),
                n => println!("Revoked {n} token(s) called {name:?}: they are refused from now on."),
            }
        }
        Command::Keys(KeysCommand::Rotate {
            key_for,
            keep_previous_hours,
        }) => {
            let database = prepare(&settings).await?;
            let kid = tool_keys::rotate(
                &database,
                key_for.into(),
                i64::from(keep_previous_hours) * 3_600_000,
            )
            .await?;
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
        Command::Openapi => unreachable!("answered above"),
        Command::Badge(BadgeCommand::List { framework }) => {
            let database = db::open_existing(&settings).await?;
            for class in crate::badges::classes::list(&database, framework.as_deref()).await? {
                let name = frameworks::model::pick(&class.name, "en").unwrap_or("");
                println!(
                    "{:<24} {:>3} competences  {name}",
                    class.key, class.competences
                );
            }
        }
        Command::Badge(BadgeCommand::Define { file }) => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let definition: crate::badges::classes::Definition = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let database = db::open_existing(&settings).await?;
            let class = crate::badges::classes::define(&database, definition)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            println!(
                "Badge {} defined: {} competences count toward it.",
                class.key, class.competences
            );
        }
        Command::Keys(KeysCommand::List { key_for }) => {
            let database = db::open_existing(&settings).await?;
            for key in tool_keys::list(&database, key_for.into()).await? {
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

/// A person named by id or e-mail address.
async fn find_person(
    db: &sea_orm::DatabaseConnection,
    named: &str,
) -> anyhow::Result<crate::identity::PersonId> {
    use crate::entities::person;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let found = match uuid::Uuid::parse_str(named) {
        Ok(id) => person::Entity::find_by_id(id).all(db).await?,
        Err(_) => {
            person::Entity::find()
                .filter(person::Column::Email.eq(named))
                .all(db)
                .await?
        }
    };
    match found.as_slice() {
        [one] => Ok(crate::identity::PersonId(one.id)),
        [] => anyhow::bail!("no person is {named:?} (give their Carefolio id or e-mail address)"),
        many => anyhow::bail!(
            "{} people have the address {named:?}; give the Carefolio id of one: {}",
            many.len(),
            many.iter()
                .map(|p| p.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A file's bytes, refused when it is larger than `limit`.
fn read_bounded(path: &str, limit: usize) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    let mut document = Vec::new();
    file.take(limit as u64 + 1).read_to_end(&mut document)?;
    if document.len() > limit {
        anyhow::bail!("{path} is larger than {} MB", limit / (1024 * 1024));
    }
    Ok(document)
}

fn print_import_report(report: &frameworks::ImportReport) {
    let version = |v: &Option<String>| v.clone().unwrap_or_else(|| "unversioned".to_owned());
    if report.created {
        println!(
            "Imported {:?} as {} ({} competences).",
            report.title, report.key, report.competences
        );
    } else if report.previous_version == report.version {
        println!(
            "Imported {} ({:?}) again, version {} ({} competences).",
            report.key,
            report.title,
            version(&report.version),
            report.competences
        );
    } else {
        println!(
            "Updated {} ({:?}) from version {} to {} ({} competences).",
            report.key,
            report.title,
            version(&report.previous_version),
            version(&report.version),
            report.competences
        );
    }
    let list = |codes: &[String]| codes.join(", ");
    let unchanged = report.added.is_empty()
        && report.changed.is_empty()
        && report.restored.is_empty()
        && report.retired.is_empty();
    if !report.created && unchanged {
        println!("  nothing changed.");
    }
    if !report.created && !report.added.is_empty() {
        println!("  added: {}", list(&report.added));
    }
    if !report.changed.is_empty() {
        println!("  changed: {}", list(&report.changed));
    }
    if !report.restored.is_empty() {
        println!("  back again: {}", list(&report.restored));
    }
    if !report.retired.is_empty() {
        println!("  no longer in the framework (kept for what is tied to them):");
        for item in &report.retired {
            println!(
                "    {} {:?}: {} activit{} tied to it",
                item.code,
                item.title,
                item.tied_links,
                if item.tied_links == 1 { "y" } else { "ies" }
            );
        }
    }
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
