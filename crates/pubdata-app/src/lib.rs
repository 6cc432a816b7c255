//! The actions of pubdata. Every use case is one async function taking the acting
//! [`Actor`] and a typed input; it checks the policy (default deny), does its work in one
//! transaction, records one audit entry (allowed or denied) and returns a typed result or an
//! [`ActionError`]. The HTTP API, the pages and the CLI only adapt these functions.
//!
//! Start reading at [`action`] (the shape every action follows), then
//! [`platform::orgs::create_org`] as a sample.

pub mod action;
pub mod auth;
pub mod calendar;
pub mod config;
pub mod demo;
pub mod error;
pub mod platform;
pub mod secrets;

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
}

impl App {
    /// Opens the database (migrating it) and seeds what a first start needs: the 2026
    /// working-day calendar.
    pub async fn open(config: Config) -> Result<App, ActionError> {
        let db = Db::connect(&config.database_url).await?;
        let app = App {
            inner: Arc::new(Inner { config, db }),
        };
        calendar::seed_if_empty(&app).await?;
        Ok(app)
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A new identifier: a UUIDv7, so ids sort by creation time (cursor pagination relies on it).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A request id for work that did not come with one (CLI, start-up).
pub fn new_request_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}
