//! The `pubdata` binary: `serve`, `demo`, `token create`. Every command opens the same
//! [`App`] and calls its actions; nothing here decides a rule.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use pubdata_app::auth::tokens::{NewToken, create_token_for_user};
use pubdata_app::config::SecurityConfig;
use pubdata_app::{Actor, App, Config, new_request_id};
use pubdata_http::HttpConfig;
use std::path::PathBuf;

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
            };
            pubdata_http::serve(app, http, listener).await?;
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
