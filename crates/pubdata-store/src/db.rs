//! Connection pools and transactions for both backends.
//!
//! sqlx's `Any` driver would hide the backend but loses types; instead [`Db`] and [`Tx`] are
//! enums over the two concrete drivers and the [`each!`] macro runs one query text on
//! whichever is live. Queries use `$1, $2, …` in order of first appearance, which both
//! SQLite and PostgreSQL accept.

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// From the direct SQLite paths (rusqlite on sqlx's connection).
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    /// A name or value the store cannot use (a caller's bug, not a user's input).
    #[error("invalid: {0}")]
    Invalid(String),
}

impl StoreError {
    /// A UNIQUE constraint was violated (e.g. a duplicate credit code or username).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
    /// A UNIQUE constraint on `table.column` was violated. PostgreSQL names the constraint
    /// (`orgs_uscc_key`, or the index name); SQLite names the column in its message.
    pub fn is_unique_violation_on(&self, table: &str, column: &str) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                let c = e.constraint().unwrap_or("");
                c == format!("{table}_{column}_key")
                    || c == format!("{table}_{column}")
                    || e.message().contains(&format!("{table}.{column}"))
            }
            _ => false,
        }
    }
    /// A FOREIGN KEY constraint was violated (e.g. an unknown parent org).
    pub fn is_foreign_key_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_foreign_key_violation(),
            _ => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Runs `work` through rusqlite on the SQLite connection behind `handle`, inside whatever
/// transaction it is in: the hot paths DESIGN.md §3 allows (audit appends, catalog search).
pub(crate) fn with_sqlite_connection<T>(
    handle: &mut sqlx::sqlite::LockedSqliteHandle<'_>,
    work: impl FnOnce(&rusqlite::Connection) -> Result<T>,
) -> Result<T> {
    // SAFETY: while the handle is locked, sqlx's worker makes no call on this connection;
    // `from_handle` borrows the connection and does not close it when dropped.
    let conn = unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }?;
    let result = work(&conn);
    drop(conn);
    result
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs `$body` with `$c` bound to the live connection of a [`Tx`], for either backend.
#[macro_export]
macro_rules! each {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

impl Db {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Db> {
        let db = if url.starts_with("sqlite:") {
            // FULL: a commit is on disk before it returns. The audit log signs tree heads over
            // committed entries; with NORMAL a power cut could take back entries already signed.
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // 32 MiB of page cache a connection (SQLite's default is 2 MiB): the audit
                // log's indexes outgrow the default within a few hundred thousand entries.
                .pragma("cache_size", "-32768")
                // Reads (catalog search ranks thousands of matches) come straight from the
                // OS page cache instead of through read() calls into the page cache.
                .pragma("mmap_size", "1073741824");
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await?;
            Db::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .connect_with(opts)
                .await?;
            Db::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Begins a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// every action writes its audit entry, and a deferred transaction that upgrades from
    /// read to write fails rather than waits when another writer got there first.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Begins a transaction that only reads: on SQLite a deferred one, which takes no write
    /// lock, so readers (proofs, searches) never queue behind writers.
    pub async fn begin_read(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// A throw-away PostgreSQL database on the server of `server_url`, for benchmarks: its URL and
/// name. [`drop_scratch_postgres`] removes it.
pub async fn create_scratch_postgres(server_url: &str) -> Result<(String, String)> {
    use sqlx::Connection;
    let name = format!("pubdata_scratch_{}", uuid_like());
    let mut c = sqlx::PgConnection::connect(server_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut c)
        .await?;
    c.close().await?;
    let mut opts = PgConnectOptions::from_str(server_url)?;
    opts = opts.database(&name);
    let url = format!(
        "postgres://{}@{}:{}/{name}",
        opts.get_username(),
        opts.get_host(),
        opts.get_port()
    );
    Ok((url, name))
}

pub async fn drop_scratch_postgres(server_url: &str, name: &str) -> Result<()> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(server_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut c)
    .await?;
    c.close().await?;
    Ok(())
}

/// A name part unique enough for scratch databases: the time in nanoseconds and the process.
fn uuid_like() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{t:x}_{}", std::process::id())
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.rollback().await?,
            Tx::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}
