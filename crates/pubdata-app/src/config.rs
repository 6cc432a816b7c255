//! Configuration of the actions: where the data lives and the security rules (the 等保
//! level-3 defaults, each configurable).

use pubdata_core::password::PasswordRules;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub data_dir: std::path::PathBuf,
    pub security: SecurityConfig,
    pub audit: AuditConfig,
    /// Where published files go: none for `<data_dir>/files`, `file:///path`, or
    /// `s3://bucket/prefix?endpoint=…` (see `aggregation::files`).
    pub files_url: Option<String>,
    /// The largest file a batch may be uploaded as.
    pub max_upload_bytes: u64,
    /// How long the open catalog in memory is served before the store is looked at again
    /// for another instance's changes (this instance's own are seen at once).
    pub open_catalog_refresh: std::time::Duration,
}

/// 1 GiB: the size the streaming readers are built for; a bigger load is split or pulled.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 1 << 30;

#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// The log's name in its checkpoints (C2SP origin, e.g. `data.lanjiang.gov.cn/audit`).
    /// Fixed at first start; `None` keeps the recorded one (or makes one up the first time).
    pub origin: Option<String>,
    /// A new checkpoint is signed at least this often while the log grows.
    pub checkpoint_interval: std::time::Duration,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            origin: None,
            checkpoint_interval: std::time::Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SecurityConfig {
    /// Failed sign-ins in a row that lock an account.
    pub max_failed_sign_ins: i64,
    /// How long a locked account stays locked.
    pub lockout_minutes: i64,
    /// A web session ends after this long without a request.
    pub idle_timeout_minutes: i64,
    pub password: PasswordRules,
    /// Longest lifetime an API token may be given.
    pub max_token_days: i64,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            max_failed_sign_ins: 5,
            lockout_minutes: 30,
            idle_timeout_minutes: 30,
            password: PasswordRules::default(),
            max_token_days: 366,
        }
    }
}

impl Config {
    /// A configuration on the SQLite file inside `data_dir`.
    pub fn sqlite_in(data_dir: impl Into<std::path::PathBuf>) -> Config {
        let data_dir = data_dir.into();
        let database_url = format!("sqlite:{}", data_dir.join("pubdata.db").display());
        Config {
            database_url,
            data_dir,
            security: SecurityConfig::default(),
            audit: AuditConfig::default(),
            files_url: None,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            open_catalog_refresh: crate::opening::datasets::SNAPSHOT_TTL,
        }
    }
}
