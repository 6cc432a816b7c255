//! The `pubdata` binary: `serve`, `demo`, `token create`, `audit …`, `verify-log`, `bench`.
//! Every command opens the same [`App`] and calls its actions; nothing here decides a rule.
//! The checking commands (`verify-log`, `audit check-…`) open nothing: they are what an
//! outsider runs on files, trusting no server.

/// glibc's allocator spends a tenth of the sharing path's time under contention between the
/// runtime's threads (measured with `bench share`); mimalloc keeps per-thread heaps.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use pubdata_app::auth::tokens::{NewToken, create_token_for_user};
use pubdata_app::config::{AuditConfig, SecurityConfig};
use pubdata_app::{Actor, App, Config, new_request_id};
use pubdata_http::HttpConfig;
use std::path::PathBuf;

mod bench;
mod bench_ckan;
mod bench_ingest;
mod bench_search;
mod bench_share;
mod catalog;
mod check;

#[derive(Parser)]
#[command(
    name = "pubdata",
    version,
    about = "公共数据平台 — a public data platform"
)]
struct Cli {
    /// Folder for the SQLite database, keys and files.
    #[arg(
        long,
        global = true,
        env = "PUBDATA_DATA_DIR",
        default_value = "./pubdata-data"
    )]
    data_dir: PathBuf,
    /// `sqlite:PATH` (default: pubdata.db in the data directory) or `postgres://…`.
    #[arg(long, global = true, env = "PUBDATA_DATABASE_URL")]
    database_url: Option<String>,
    /// Address to serve on.
    #[arg(
        long,
        global = true,
        env = "PUBDATA_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    listen: String,
    #[command(flatten)]
    security: SecurityArgs,
    /// The audit log's name in its checkpoints, e.g. `data.lanjiang.gov.cn/audit`. Fixed at
    /// first start (default: `pubdata.local/audit-<random>`).
    #[arg(long, global = true, env = "PUBDATA_AUDIT_ORIGIN")]
    audit_origin: Option<String>,
    /// Seconds between checkpoints while the audit log grows.
    #[arg(
        long,
        global = true,
        env = "PUBDATA_CHECKPOINT_INTERVAL",
        default_value_t = 10
    )]
    checkpoint_interval: u64,
    /// Where published data files go: empty for `<data dir>/files`, `file:///path`, or
    /// `s3://bucket/prefix?endpoint=http://host:port&region=…` (credentials from
    /// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
    #[arg(long, global = true, env = "PUBDATA_FILES_URL")]
    files_url: Option<String>,
    /// The largest file a batch may be uploaded as, in bytes (larger is 413).
    #[arg(long, global = true, env = "PUBDATA_MAX_UPLOAD", default_value_t = pubdata_app::config::DEFAULT_MAX_UPLOAD_BYTES)]
    max_upload: u64,
    /// Seconds between looks for pull sources that are due.
    #[arg(
        long,
        global = true,
        env = "PUBDATA_PULL_INTERVAL",
        default_value_t = 60
    )]
    pull_interval: u64,
    #[command(subcommand)]
    command: Command,
}

/// The 等保 level-3 defaults, each configurable.
#[derive(Args)]
struct SecurityArgs {
    /// Failed sign-ins in a row that lock an account.
    #[arg(
        long,
        global = true,
        env = "PUBDATA_MAX_FAILED_SIGN_INS",
        default_value_t = 5
    )]
    max_failed_sign_ins: i64,
    /// Minutes a locked account stays locked.
    #[arg(
        long,
        global = true,
        env = "PUBDATA_LOCKOUT_MINUTES",
        default_value_t = 30
    )]
    lockout_minutes: i64,
    /// Minutes without a request after which a web session ends.
    #[arg(
        long,
        global = true,
        env = "PUBDATA_IDLE_TIMEOUT_MINUTES",
        default_value_t = 30
    )]
    idle_timeout_minutes: i64,
    /// Shortest password, in characters.
    #[arg(
        long,
        global = true,
        env = "PUBDATA_PASSWORD_MIN_LENGTH",
        default_value_t = 8
    )]
    password_min_length: usize,
    /// Character classes (lower, upper, digit, other) a password must mix.
    #[arg(
        long,
        global = true,
        env = "PUBDATA_PASSWORD_MIN_CLASSES",
        default_value_t = 3
    )]
    password_min_classes: usize,
    /// Largest request body in bytes (larger is 413).
    #[arg(long, global = true, env = "PUBDATA_BODY_LIMIT", default_value_t = 1024 * 1024)]
    body_limit: usize,
    /// Mark the session cookie Secure (serve behind TLS).
    #[arg(
        long,
        global = true,
        env = "PUBDATA_SECURE_COOKIES",
        default_value_t = false
    )]
    secure_cookies: bool,
    /// The site's public address (e.g. https://data.lanjiang.gov.cn) for the absolute links
    /// of the CKAN API and the DCAT catalog; default: each request's Host.
    #[arg(long, global = true, env = "PUBDATA_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the pages and the API.
    Serve {
        /// Load the demo city when the data directory is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Load the demo city into an empty data directory, without serving.
    Demo,
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The catalog's responsibility list: import a city's catalog file, export the list.
    Catalog {
        #[command(subcommand)]
        command: catalog::CatalogCommand,
    },
    /// The audit log: export, checkpoints, key rotation, and checking proofs offline.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check an exported audit log offline: re-hash every entry, rebuild the tree, verify
    /// every signed checkpoint; exit 1 and name the index of anything changed, removed or
    /// reordered.
    VerifyLog {
        /// The file `pubdata audit export` wrote.
        file: PathBuf,
        /// A checkpoint kept from before (a file with the signed note): the log must extend it.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The log's verification key (or a file holding it), from a source you trust; repeat
        /// for older keys. Without it the keys named in the file are used.
        #[arg(long)]
        key: Vec<String>,
    },
    /// Benchmarks (release build): each figure with a baseline measured in the same run.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Write the whole log, with a checkpoint covering it, to a file for `verify-log`.
    Export {
        #[arg(long)]
        out: PathBuf,
    },
    /// Sign a checkpoint now and print it.
    Checkpoint,
    /// Replace the log's signing key; prints the new verification key.
    RotateKey,
    /// Check a consistency proof fetched from the API: the old checkpoint's tree is a prefix
    /// of the new one's. Opens no database.
    CheckConsistency {
        /// The older signed checkpoint (file).
        #[arg(long)]
        old: PathBuf,
        /// The newer signed checkpoint (file).
        #[arg(long)]
        new: PathBuf,
        /// The JSON of GET /api/v1/audit/proof/consistency?first=OLD&second=NEW (file).
        #[arg(long)]
        proof: PathBuf,
        /// The log's verification key, or a file holding it (GET /api/v1/audit/public-key).
        #[arg(long, required = true)]
        key: Vec<String>,
    },
    /// Check that an entry is in a checkpoint's tree: hashes the entry's bytes yourself and
    /// verifies the inclusion proof against the signed root. Opens no database.
    CheckInclusion {
        /// The signed checkpoint (file).
        #[arg(long)]
        checkpoint: PathBuf,
        /// The JSON of GET /api/v1/audit/proof/inclusion?index=I&tree_size=N (file).
        #[arg(long)]
        proof: PathBuf,
        /// The entry: JSON of GET /api/v1/audit/entries (its item with the proof's index) or
        /// of /api/v1/audit/entries/{index} (file).
        #[arg(long)]
        entry: PathBuf,
        /// The log's verification key, or a file holding it.
        #[arg(long, required = true)]
        key: Vec<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token for a user; the raw token is the last line printed.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "write")]
        scope: String,
        #[arg(long, default_value = "30d")]
        expires_in: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

impl Cli {
    fn config(&self) -> Result<Config> {
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                self.data_dir.display()
            )
        })?;
        let mut config = Config::sqlite_in(&self.data_dir);
        if let Some(url) = &self.database_url {
            config.database_url = url.clone();
        }
        let s = &self.security;
        config.security = SecurityConfig {
            max_failed_sign_ins: s.max_failed_sign_ins,
            lockout_minutes: s.lockout_minutes,
            idle_timeout_minutes: s.idle_timeout_minutes,
            password: pubdata_core::password::PasswordRules {
                min_length: s.password_min_length,
                min_classes: s.password_min_classes,
            },
            ..SecurityConfig::default()
        };
        config.files_url = self.files_url.clone().filter(|u| !u.trim().is_empty());
        config.max_upload_bytes = self.max_upload;
        config.audit = AuditConfig {
            origin: self.audit_origin.clone(),
            checkpoint_interval: std::time::Duration::from_secs(self.checkpoint_interval.max(1)),
        };
        Ok(config)
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PUBDATA_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // Commands that check files trust no server and open no database.
    match &cli.command {
        Command::VerifyLog {
            file,
            checkpoint,
            key,
        } => return check::verify_log(file, checkpoint.as_deref(), key),
        Command::Audit {
            command:
                AuditCommand::CheckConsistency {
                    old,
                    new,
                    proof,
                    key,
                },
        } => return check::consistency(old, new, proof, key),
        Command::Audit {
            command:
                AuditCommand::CheckInclusion {
                    checkpoint,
                    proof,
                    entry,
                    key,
                },
        } => return check::inclusion(checkpoint, proof, entry, key),
        Command::Bench { command } => return bench::run(command).await,
        _ => {}
    }
    let config = cli.config()?;
    let app = App::open(config)
        .await
        .context("cannot open the database")?;
    match &cli.command {
        Command::Serve { demo } => {
            if *demo {
                if pubdata_app::demo::is_empty(&app).await? {
                    load_demo(&app).await?;
                } else {
                    println!(
                        "The data directory holds data already: the demo is not loaded again. Demo sign-ins, if it was loaded before: admin, auditor, <unit>_steward, <unit>_member — password {}",
                        pubdata_app::demo::DEMO_PASSWORD
                    );
                }
            }
            let listener = tokio::net::TcpListener::bind(&cli.listen)
                .await
                .with_context(|| format!("cannot listen on {}", cli.listen))?;
            let addr = listener.local_addr()?;
            println!("pubdata serving on http://{addr}/  (API: http://{addr}/api/v1/openapi.json)");
            let http = HttpConfig {
                body_limit: cli.security.body_limit,
                secure_cookies: cli.security.secure_cookies,
                public_url: cli.security.public_url.clone(),
            };
            let interrupted = pubdata_app::aggregation::batches::recover_interrupted(&app).await?;
            if interrupted > 0 {
                println!(
                    "{interrupted} batch(es) interrupted by the last stop were marked failed; nothing of theirs was written"
                );
            }
            let checkpointer = pubdata_app::audit::spawn_checkpointer(app.clone());
            let puller = pubdata_app::aggregation::pulls::spawn_puller(
                app.clone(),
                std::time::Duration::from_secs(cli.pull_interval.max(1)),
            );
            pubdata_http::serve(app, http, listener).await?;
            checkpointer.abort();
            puller.abort();
        }
        Command::Demo => load_demo(&app).await?,
        Command::Token {
            command:
                TokenCommand::Create {
                    user,
                    scope,
                    expires_in,
                    name,
                },
        } => {
            let input = NewToken {
                name: name.clone(),
                scope: scope.clone(),
                expires_in: expires_in.clone(),
            };
            let created =
                create_token_for_user(&app, &Actor::operator(new_request_id()), user, input)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
            eprintln!(
                "token {} for {user}: scope {}, expires {} — shown once, keep it safe",
                created.info.id,
                created.info.scope.as_str(),
                created.info.expires_at
            );
            println!("{}", created.token);
        }
        Command::Audit { command } => audit_command(&app, command).await?,
        Command::Catalog { command } => catalog::run(&app, command).await?,
        Command::VerifyLog { .. } | Command::Bench { .. } => unreachable!("handled above"),
    }
    Ok(())
}

fn action_error(e: pubdata_app::ActionError) -> anyhow::Error {
    anyhow::anyhow!("{e} ({})", e.code())
}

async fn audit_command(app: &App, command: &AuditCommand) -> Result<()> {
    let operator = Actor::operator(new_request_id());
    match command {
        AuditCommand::Export { out } => {
            let file = std::fs::File::create(out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let summary = pubdata_app::audit::export_audit_log(app, &operator, &mut w)
                .await
                .map_err(action_error)?;
            w.into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!(
                "exported {} entries and {} checkpoints to {} (root {})",
                summary.tree_size,
                summary.checkpoints,
                out.display(),
                check::b64(&summary.root_hash)
            );
        }
        AuditCommand::Checkpoint => {
            let c = pubdata_app::audit::create_checkpoint(app, &operator)
                .await
                .map_err(action_error)?;
            print!("{}", c.note);
        }
        AuditCommand::RotateKey => {
            let key = pubdata_app::audit::rotate_audit_key(app, &operator)
                .await
                .map_err(action_error)?;
            eprintln!(
                "the audit log now signs with a new key; a running server picks it up when restarted"
            );
            println!("{}", key.encode());
        }
        AuditCommand::CheckConsistency { .. } | AuditCommand::CheckInclusion { .. } => {
            unreachable!("handled before the database is opened")
        }
    }
    Ok(())
}

/// Loads the demo city into an empty data directory and prints its sign-ins.
async fn load_demo(app: &App) -> Result<()> {
    let sign_ins = pubdata_app::demo::load_demo(app, &Actor::system(new_request_id()))
        .await
        .map_err(|e| anyhow::anyhow!("cannot load the demo: {e} ({})", e.code()))?;
    println!(
        "Demo city 澜江市 loaded. Sign in with any of these (password {}):",
        pubdata_app::demo::DEMO_PASSWORD
    );
    for s in sign_ins {
        println!("  {:<20} {:<15} {}", s.username, s.role, s.org);
    }
    Ok(())
}
