//! The actions of pubdata. Every use case is one async function taking the acting
//! [`Actor`] and a typed input; it checks the policy (default deny), does its work in one
//! transaction, records one audit entry (allowed or denied) and returns a typed result or an
//! [`ActionError`]. The HTTP API, the pages and the CLI only adapt these functions.
//!
//! Start reading at [`action`] (the shape every action follows), then
//! [`platform::orgs::create_org`] as a sample.

pub mod action;
pub mod aggregation;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod calendar;
pub mod catalog;
pub mod config;
pub mod demo;
pub mod demo_catalog;
mod demo_data;
pub mod error;
pub mod opening;
pub mod platform;
pub mod secrets;
pub mod sharing;

pub use config::Config;
pub use error::{ActionError, FieldError};
pub use pubdata_core::{Actor, Channel, Role};
pub use pubdata_store::Db;

use std::sync::Arc;

/// The running platform: configuration and storage, shared by every door.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    db: Db,
    /// Replaced when an administrator rotates the key.
    signer: std::sync::RwLock<Arc<audit::signer::LogSigner>>,
    /// Published files: a local folder or an S3-compatible store.
    files: aggregation::files::FileStore,
    /// How far the running batches have come.
    progress: aggregation::batches::ProgressBoard,
    /// What the hot paths keep in memory.
    caches: cache::Caches,
    /// Group commit of the audit entries of the hot paths.
    audit_batcher: audit::batcher::AuditBatcher,
    /// The hot paths' own SQLite connections (None on PostgreSQL).
    hot: Option<Arc<pubdata_store::hot::HotSqlite>>,
}

impl App {
    /// Opens the database (migrating it) and seeds what a first start needs: the 2026
    /// working-day calendar, the audit log's origin and signing key, and a first checkpoint.
    pub async fn open(config: Config) -> Result<App, ActionError> {
        let db = Db::connect(&config.database_url).await?;
        let hot = pubdata_store::hot::HotSqlite::open(&config.database_url)?.map(Arc::new);
        hash_untreed_entries(&db).await?;
        let signer = audit::signer::load_or_create(&db, &config).await?;
        let files =
            aggregation::files::FileStore::open(&config.data_dir, config.files_url.as_deref())
                .map_err(|e| ActionError::Unexpected(format!("file store: {e}")))?;
        let app = App {
            inner: Arc::new(Inner {
                config,
                signer: std::sync::RwLock::new(Arc::new(signer)),
                audit_batcher: audit::batcher::AuditBatcher::start(db.clone(), hot.clone()),
                hot,
                db,
                files,
                progress: Default::default(),
                caches: Default::default(),
            }),
        };
        calendar::seed_if_empty(&app).await?;
        audit::sign_if_grown(&app).await?;
        Ok(app)
    }

    /// The audit log's current signer.
    pub fn signer(&self) -> Arc<audit::signer::LogSigner> {
        self.inner.signer.read().expect("signer lock").clone()
    }

    pub(crate) fn set_signer(&self, signer: Arc<audit::signer::LogSigner>) {
        *self.inner.signer.write().expect("signer lock") = signer;
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn files(&self) -> &aggregation::files::FileStore {
        &self.inner.files
    }

    pub fn progress(&self) -> &aggregation::batches::ProgressBoard {
        &self.inner.progress
    }

    pub fn caches(&self) -> &cache::Caches {
        &self.inner.caches
    }

    /// The hot paths' own SQLite connections, on SQLite.
    pub fn hot(&self) -> Option<&pubdata_store::hot::HotSqlite> {
        self.inner.hot.as_deref()
    }

    pub fn audit_batcher(&self) -> &audit::batcher::AuditBatcher {
        &self.inner.audit_batcher
    }
}

/// Entries logged by a version before the Merkle tree get their leaves at the first start.
async fn hash_untreed_entries(db: &Db) -> Result<(), ActionError> {
    let mut tx = db.begin().await?;
    let hashed = pubdata_store::audit::hash_untreed_entries(&mut tx).await?;
    tx.commit().await?;
    if hashed > 0 {
        tracing::info!(
            entries = hashed,
            "put earlier audit entries into the Merkle tree"
        );
    }
    Ok(())
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A time for the API: RFC 3339 in UTC, to the second.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A time for the API to the millisecond: where it can be sent back (`as_of`) and must hit
/// the same instant.
pub fn rfc3339_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The day a time falls on in the platform's time zone (UTC+8).
pub fn local_date(ms: i64) -> chrono::NaiveDate {
    (chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default() + chrono::Duration::hours(8))
        .date_naive()
}

/// Today in the platform's time zone (China Standard Time, UTC+8): the day deadlines count from.
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// A new identifier: a UUIDv7, so ids sort by creation time (cursor pagination relies on it).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A request id for work that did not come with one (CLI, start-up).
pub fn new_request_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}
