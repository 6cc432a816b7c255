//! Pull aggregation, the reading side: a unit's source database read incrementally, page by
//! page, after a stored cursor.
//!
//! A [`PullSpec`] names the source (PostgreSQL for now; [`SourceKind`] leaves room for MySQL
//! and the domestic PostgreSQL-family databases), a table or a single SELECT, and a cursor of
//! two columns: an orderable *cursor column* (a timestamp, date, integer, …) and a *key column*
//! that makes the pair unique. Rows are read in `(cursor, key)` order and a page resumes
//! strictly after the `(cursor, key)` of the last row handed out, so rows sharing a timestamp
//! are neither missed nor repeated across page boundaries.
//!
//! The caller (not this module) turns each [`Page`] into rows of a batch and stores
//! [`Page::last`] once the batch is accepted; the next pull passes it back to
//! [`PullReader::next_page`]. A page with fewer rows than asked for means the reader caught up.
//!
//! # How the source is read
//!
//! * The source query is `SELECT * FROM "schema"."table"` or the registered SELECT, wrapped as
//!   a subquery. Its columns (names and order: the header) come from preparing the statement,
//!   without running it.
//! * The types of the cursor and key columns are looked up once, so that the stored text
//!   cursor is cast back to the column's own type and compared there (timestamps as timestamps,
//!   integers as integers — `"10" > "9"` would be wrong as text). Both columns compare in their
//!   own type, so an index on `(cursor, key)` of a table source can serve the page query.
//! * Each row is turned into text cells through `row_to_json` (which keeps the column order):
//!   strings as they are, numbers as printed (exactly: `numeric` keeps all its digits),
//!   booleans `true`/`false`, NULL as the empty string, json/jsonb/arrays/composites as their
//!   JSON text. Timestamps therefore appear in JSON's ISO 8601 form (`2026-03-01T08:00:00`,
//!   `…+00:00` for `timestamptz`), while [`Cursor`] values are PostgreSQL's own text form
//!   (`2026-03-01 08:00:00+00`). The session time zone is UTC (set by the driver), so
//!   `timestamptz` values print the same on every pull.
//! * The session is read-only (`SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`) and
//!   has a statement timeout ([`STATEMENT_TIMEOUT`]); connecting has a timeout too
//!   ([`CONNECT_TIMEOUT`]). A read-only session is a safety net, not a permission: register
//!   sources with a database role that can only read.
//!
//! # Limitations (by design of cursor-based pulls)
//!
//! * Rows whose cursor or key is NULL cannot be paged and are never returned;
//!   [`PullReader::count_unpageable`] counts them, so the caller can report them.
//! * If `(cursor, key)` is not unique, rows sharing a pair may be lost at a page boundary;
//!   [`PullReader::count_duplicate_cursors`] checks it.
//! * Only rows *after* the stored cursor are seen: a row inserted later with an older cursor
//!   value (or the same cursor value and a smaller key), or a row whose cursor moves backwards,
//!   is never pulled. The same holds for rows committed late by a long transaction that took
//!   its timestamp before the pull read past it (`now()` is the transaction's start time) —
//!   an upper bound such as "cursor older than a few minutes" in the registered query avoids
//!   that. Updated rows are pulled again only if the update moves their cursor forward;
//!   deletions are not seen.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{AssertSqlSafe, Column, Connection, Executor, Row, SqlSafeStr, Statement, TypeInfo};

/// How long connecting to a source may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one statement on the source may run (PostgreSQL `statement_timeout`).
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(120);
/// The largest page [`PullReader::next_page`] reads; larger limits are lowered to it.
pub const MAX_PAGE_ROWS: u32 = 10_000;
/// The longest registered query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
/// PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes.
const MAX_IDENTIFIER_BYTES: usize = 63;
/// The alias of the wrapped source query; a source column may not carry this name.
const SOURCE_ALIAS: &str = "pubdata_pull_src";
/// The `application_name` the source sees.
const APPLICATION_NAME: &str = "pubdata-pull";

/// The kind of source database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// PostgreSQL (stored name `postgres`).
    Postgres,
}

impl SourceKind {
    /// Every kind, in display order.
    pub const ALL: &'static [SourceKind] = &[SourceKind::Postgres];

    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::Postgres => "postgres",
        }
    }

    /// The kind with this stored name.
    pub fn from_stored(name: &str) -> Option<SourceKind> {
        SourceKind::ALL.iter().find(|k| k.as_str() == name).cloned()
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            SourceKind::Postgres => "PostgreSQL",
        }
    }

    pub fn label_en(&self) -> &'static str {
        match self {
            SourceKind::Postgres => "PostgreSQL",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A registered source: where it is, what to read, and the cursor to read it by.
///
/// `Debug` shows the URL with its password replaced by `***` (see [`PullSpec::redacted_url`]).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct PullSpec {
    pub kind: SourceKind,
    /// `postgres://user:password@host:port/database[?sslmode=…]`. A secret: never logged or
    /// shown; special characters in the password must be percent-encoded.
    pub url: String,
    /// `table` or `schema.table` — exactly one of `table` and `query`.
    pub table: Option<String>,
    /// A single SELECT (or WITH … SELECT) statement; one trailing `;` is allowed.
    pub query: Option<String>,
    /// The orderable column the pull advances by (timestamp, date, integer, …).
    pub cursor_column: String,
    /// The tie-breaker: `(cursor_column, key_column)` must be unique.
    pub key_column: String,
}

impl fmt::Debug for PullSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PullSpec")
            .field("kind", &self.kind)
            .field("url", &self.redacted_url())
            .field("table", &self.table)
            .field("query", &self.query)
            .field("cursor_column", &self.cursor_column)
            .field("key_column", &self.key_column)
            .finish()
    }
}

/// Where a pull stopped: the last row's cursor and key, in the text form the source prints
/// them (`value::text`, `key::text`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cursor {
    pub value: String,
    pub key: String,
}

/// One page of rows, in `(cursor, key)` order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The source's column names, in the source's column order.
    pub header: Vec<String>,
    /// The rows, each as wide as the header, every cell as text (NULL as "").
    pub rows: Vec<Vec<String>>,
    /// The cursor of the last row; `None` when the page is empty (nothing new: keep the old
    /// cursor).
    pub last: Option<Cursor>,
}

/// Why a source could not be read. `Display` is English and never contains the password.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("invalid pull source: {0}")]
    InvalidSpec(String),
    #[error("cannot connect to the source {url}: {message}")]
    ConnectFailed { url: String, message: String },
    #[error("the connection to the source was lost: {0}")]
    ConnectionLost(String),
    #[error("the source has no such table or view: {0}")]
    UnknownTable(String),
    #[error("the source has no column \"{column}\" (its columns: {})", available.join(", "))]
    UnknownColumn {
        column: String,
        available: Vec<String>,
    },
    #[error(
        "the source returns the column \"{0}\" more than once; give the columns distinct names"
    )]
    DuplicateColumn(String),
    #[error("the source's rows cannot be ordered by ({cursor_type}, {key_type}): {message}")]
    UnorderableColumn {
        cursor_type: String,
        key_type: String,
        message: String,
    },
    #[error("the stored cursor ({value}, {key}) does not fit the source's column types: {message}")]
    InvalidCursor {
        value: String,
        key: String,
        message: String,
    },
    #[error("the source refused access: {0}")]
    PermissionDenied(String),
    #[error("the source did not answer within the statement timeout of {} s", STATEMENT_TIMEOUT.as_secs())]
    QueryTimeout,
    #[error("the query failed on the source: {0}")]
    QueryFailed(String),
}

impl PullError {
    /// A stable machine-readable code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            PullError::InvalidSpec(_) => "invalid_spec",
            PullError::ConnectFailed { .. } => "connect_failed",
            PullError::ConnectionLost(_) => "connection_lost",
            PullError::UnknownTable(_) => "unknown_table",
            PullError::UnknownColumn { .. } => "unknown_column",
            PullError::DuplicateColumn(_) => "duplicate_column",
            PullError::UnorderableColumn { .. } => "unorderable_column",
            PullError::InvalidCursor { .. } => "invalid_cursor",
            PullError::PermissionDenied(_) => "permission_denied",
            PullError::QueryTimeout => "query_timeout",
            PullError::QueryFailed(_) => "query_failed",
        }
    }

    /// The message in Chinese, for the user interface (the source's own error text, if any,
    /// is appended as it is).
    pub fn message_zh(&self) -> String {
        match self {
            PullError::InvalidSpec(detail) => format!("数据源配置有误：{detail}"),
            PullError::ConnectFailed { url, message } => {
                format!("无法连接数据源 {url}：{message}")
            }
            PullError::ConnectionLost(message) => format!("与数据源的连接中断：{message}"),
            PullError::UnknownTable(message) => format!("数据源中没有该表或视图：{message}"),
            PullError::UnknownColumn { column, available } => format!(
                "数据源中没有列“{column}”（现有列：{}）",
                available.join("、")
            ),
            PullError::DuplicateColumn(column) => {
                format!("数据源返回了多个名为“{column}”的列，请为各列取不同的名称")
            }
            PullError::UnorderableColumn {
                cursor_type,
                key_type,
                message,
            } => format!(
                "游标列（{cursor_type}）与主键列（{key_type}）无法排序，不能用作增量游标：{message}"
            ),
            PullError::InvalidCursor {
                value,
                key,
                message,
            } => format!("已保存的游标（{value}，{key}）与数据源的列类型不符：{message}"),
            PullError::PermissionDenied(message) => format!("数据源拒绝访问：{message}"),
            PullError::QueryTimeout => format!(
                "数据源在 {} 秒内未返回结果（语句超时）",
                STATEMENT_TIMEOUT.as_secs()
            ),
            PullError::QueryFailed(message) => format!("数据源查询失败：{message}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

impl PullSpec {
    /// Checks the spec without touching the source: a URL of the kind, exactly one of `table`
    /// and `query`, well-formed identifiers, a single SELECT.
    ///
    /// Identifiers are `[A-Za-z_][A-Za-z0-9_]*` (at most 63 bytes), the table optionally
    /// `schema.table`. They are quoted when used, so they are case-sensitive: a column created
    /// as `UpdatedAt` without quotes is `updatedat` in PostgreSQL.
    ///
    /// The query must start with SELECT or WITH, contain no `;` but one trailing one (also not
    /// inside string literals or comments — a deliberately simple rule) and no `$1`-style
    /// parameters.
    pub fn validate(&self) -> Result<(), PullError> {
        self.validate_url()?;
        match (&self.table, &self.query) {
            (Some(_), Some(_)) => {
                return Err(invalid("give either a table or a query, not both"));
            }
            (None, None) => return Err(invalid("give a table or a query")),
            (Some(table), None) => validate_table_name(table)?,
            (None, Some(query)) => {
                normalized_query(query)?;
            }
        }
        validate_identifier("cursor column", &self.cursor_column)?;
        validate_identifier("key column", &self.key_column)?;
        if self.cursor_column == self.key_column {
            return Err(invalid(
                "the cursor column and the key column must be different columns",
            ));
        }
        Ok(())
    }

    /// The URL with the password (in the user part or a `password=` parameter) replaced by
    /// `***`; `***` alone if it cannot be taken apart.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }

    fn validate_url(&self) -> Result<(), PullError> {
        match self.kind {
            SourceKind::Postgres => {
                let parts = UrlParts::split(&self.url).ok_or_else(|| {
                    invalid("the URL must look like postgres://user:password@host:port/database")
                })?;
                if parts.scheme != "postgres" && parts.scheme != "postgresql" {
                    return Err(invalid("a PostgreSQL URL starts with postgres://"));
                }
                if parts.host().is_empty() {
                    return Err(invalid("the URL names no host"));
                }
                if parts.host().starts_with('/')
                    || parts.host().to_ascii_lowercase().starts_with("%2f")
                {
                    return Err(invalid("the source must be reached over TCP, not a socket"));
                }
                if parts.user.is_empty() {
                    return Err(invalid("the URL names no user"));
                }
                if parts.database().is_empty() {
                    return Err(invalid("the URL names no database"));
                }
                for pair in parts
                    .query
                    .unwrap_or("")
                    .split('&')
                    .filter(|p| !p.is_empty())
                {
                    let key = pair.split_once('=').map_or(pair, |(k, _)| k);
                    if key != "sslmode" {
                        return Err(invalid(&format!(
                            "the URL parameter \"{}\" is not allowed (only sslmode is)",
                            truncate(key, 40)
                        )));
                    }
                }
                let options = PgConnectOptions::from_str(&self.url).map_err(|e| {
                    invalid(&format!(
                        "the URL cannot be read: {}",
                        scrub(&e.to_string(), &secrets_of(&self.url))
                    ))
                })?;
                // An unencoded '/', '?' or '#' in the password makes the URL parser see a
                // different host than the one after the last '@'.
                let parsed_host = options.get_host();
                let parsed_host = parsed_host
                    .strip_prefix('[')
                    .and_then(|h| h.strip_suffix(']'))
                    .unwrap_or(parsed_host);
                if !parsed_host.eq_ignore_ascii_case(&percent_decode(parts.host())) {
                    return Err(invalid(
                        "the URL cannot be read unambiguously; percent-encode special characters \
                         in the password (/ ? # @ : as %2F %3F %23 %40 %3A)",
                    ));
                }
                Ok(())
            }
        }
    }

    /// The source as a SELECT to wrap (validated parts only).
    fn source_sql(&self) -> Result<String, PullError> {
        match (&self.table, &self.query) {
            (Some(table), None) => Ok(format!("SELECT * FROM {}", quote_table(table))),
            (None, Some(query)) => Ok(normalized_query(query)?.to_owned()),
            _ => Err(invalid("give either a table or a query")),
        }
    }
}

fn invalid(message: &str) -> PullError {
    PullError::InvalidSpec(message.to_owned())
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    s.len() <= MAX_IDENTIFIER_BYTES && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn validate_identifier(what: &str, s: &str) -> Result<(), PullError> {
    if is_identifier(s) {
        Ok(())
    } else {
        Err(invalid(&format!(
            "the {what} \"{}\" is not a plain name (letters, digits and _, not starting with a \
             digit, at most {MAX_IDENTIFIER_BYTES} characters)",
            truncate(s, 80)
        )))
    }
}

fn validate_table_name(table: &str) -> Result<(), PullError> {
    let parts: Vec<&str> = table.split('.').collect();
    if parts.len() <= 2 && parts.iter().all(|p| is_identifier(p)) {
        Ok(())
    } else {
        Err(invalid(&format!(
            "the table \"{}\" is not a plain name or schema.name",
            truncate(table, 80)
        )))
    }
}

fn quote_table(table: &str) -> String {
    table
        .split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".")
}

/// Quotes a validated identifier (only `[A-Za-z0-9_]`; quotes are doubled all the same).
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The query without surrounding blanks and its one trailing `;`, if it is acceptable.
fn normalized_query(query: &str) -> Result<&str, PullError> {
    let q = query.trim();
    let q = q.strip_suffix(';').unwrap_or(q).trim_end();
    if q.is_empty() {
        return Err(invalid("the query is empty"));
    }
    if q.len() > MAX_QUERY_BYTES {
        return Err(invalid(&format!(
            "the query is longer than {MAX_QUERY_BYTES} bytes"
        )));
    }
    let first_word: String = q
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    if first_word != "select" && first_word != "with" {
        return Err(invalid(
            "the query must be a single SELECT (or WITH … SELECT)",
        ));
    }
    if q.contains(';') {
        return Err(invalid(
            "the query must be a single statement: no ';' except one at the end",
        ));
    }
    let bytes = q.as_bytes();
    if bytes
        .windows(2)
        .any(|w| w[0] == b'$' && w[1].is_ascii_digit())
    {
        return Err(invalid("the query must not contain parameters such as $1"));
    }
    Ok(q)
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max_chars).collect();
        t.push('…');
        t
    }
}

// ---------------------------------------------------------------------------------------------
// URLs and secrets

/// A URL taken apart by hand: the user part ends at the *last* '@', so an unencoded '@' (or
/// '/', '?') in a password still lands in the password and is redacted.
struct UrlParts<'a> {
    scheme: &'a str,
    user: &'a str,
    password: Option<&'a str>,
    /// host[:port]/path, up to '?'.
    location: &'a str,
    query: Option<&'a str>,
}

impl<'a> UrlParts<'a> {
    fn split(url: &'a str) -> Option<UrlParts<'a>> {
        let (scheme, rest) = url.split_once("://")?;
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return None;
        }
        let (userinfo, after) = match rest.rfind('@') {
            Some(i) => (Some(&rest[..i]), &rest[i + 1..]),
            None => (None, rest),
        };
        let (user, password) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((user, password)) => (user, Some(password)),
                None => (u, None),
            },
            None => ("", None),
        };
        let after = after.split('#').next().unwrap_or("");
        let (location, query) = match after.split_once('?') {
            Some((l, q)) => (l, Some(q)),
            None => (after, None),
        };
        Some(UrlParts {
            scheme,
            user,
            password,
            location,
            query,
        })
    }

    fn host_port(&self) -> &'a str {
        self.location.split('/').next().unwrap_or("")
    }

    fn host(&self) -> &'a str {
        let hp = self.host_port();
        if let Some(rest) = hp.strip_prefix('[') {
            // [IPv6]:port
            return rest.split(']').next().unwrap_or("");
        }
        hp.rsplit_once(':').map_or(hp, |(h, _)| h)
    }

    fn database(&self) -> &'a str {
        self.location
            .split_once('/')
            .map_or("", |(_, db)| db.trim_matches('/'))
    }
}

fn redact_url(url: &str) -> String {
    let Some(parts) = UrlParts::split(url) else {
        return "***".to_owned();
    };
    let mut out = format!("{}://", parts.scheme);
    if !parts.user.is_empty() || parts.password.is_some() {
        out.push_str(parts.user);
        if parts.password.is_some() {
            out.push_str(":***");
        }
        out.push('@');
    }
    out.push_str(parts.location);
    if let Some(query) = parts.query {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    out
}

/// The password of a URL as written and percent-decoded, for scrubbing error texts.
fn secrets_of(url: &str) -> Vec<String> {
    let mut secrets = Vec::new();
    if let Some(parts) = UrlParts::split(url) {
        if let Some(p) = parts.password {
            secrets.push(p.to_owned());
            secrets.push(percent_decode(p));
        }
        for pair in parts.query.unwrap_or("").split('&') {
            if let Some((k, v)) = pair.split_once('=')
                && k.eq_ignore_ascii_case("password")
            {
                secrets.push(v.to_owned());
                secrets.push(percent_decode(v));
            }
        }
    }
    secrets.retain(|s| !s.is_empty());
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    secrets
}

/// `text` with every secret replaced by `***`.
fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        out = out.replace(s.as_str(), "***");
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// What [`PullReader::probe`] learnt about the source.
#[derive(Debug, Clone)]
struct Shape {
    header: Vec<String>,
    /// SQL type names to cast the text cursor back to.
    cursor_type: String,
    key_type: String,
}

/// An open, read-only connection to one source.
pub struct PullReader {
    conn: PgConnection,
    spec: PullSpec,
    secrets: Vec<String>,
    shape: Option<Shape>,
    /// The cursor last handed out: known to fit the column types.
    last_returned: Option<Cursor>,
}

impl fmt::Debug for PullReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PullReader")
            .field("spec", &self.spec)
            .field("shape", &self.shape)
            .finish_non_exhaustive()
    }
}

impl PullReader {
    /// Validates the spec and connects (within [`CONNECT_TIMEOUT`]), then makes the session
    /// read-only and sets its statement timeout.
    ///
    /// Only the URL's own credentials are used: no `PGPASSWORD` or `.pgpass` of the platform's
    /// host leaks to a source whose URL has no password.
    pub async fn connect(spec: &PullSpec) -> Result<PullReader, PullError> {
        spec.validate()?;
        let secrets = secrets_of(&spec.url);
        let connect_failed = |message: String| PullError::ConnectFailed {
            url: spec.redacted_url(),
            message: scrub(&message, &secrets),
        };
        let parts = UrlParts::split(&spec.url).ok_or_else(|| invalid("unreadable URL"))?;
        let mut options = PgConnectOptions::from_str(&spec.url)
            .map_err(|e| connect_failed(e.to_string()))?
            .application_name(APPLICATION_NAME);
        if parts.password.is_none() {
            options = options.password("");
        }
        if !parts.query.unwrap_or("").contains("sslmode") {
            options = options.ssl_mode(PgSslMode::Prefer);
        }
        let mut conn =
            match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await
            {
                Ok(Ok(conn)) => conn,
                Ok(Err(e)) => return Err(connect_failed(error_text(&e))),
                Err(_) => {
                    return Err(connect_failed(format!(
                        "no answer within {} s",
                        CONNECT_TIMEOUT.as_secs()
                    )));
                }
            };
        // Read-only where the server knows it (every PostgreSQL does; some look-alikes may
        // not — then the role's own rights are the only guard).
        if let Err(e) = conn
            .execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            .await
        {
            tracing::warn!(
                source = %spec.redacted_url(),
                error = %scrub(&error_text(&e), &secrets),
                "the pull source does not accept a read-only session"
            );
        }
        let timeout_sql = format!("SET statement_timeout = {}", STATEMENT_TIMEOUT.as_millis());
        if let Err(e) = conn.execute(AssertSqlSafe(timeout_sql)).await {
            tracing::warn!(
                source = %spec.redacted_url(),
                error = %scrub(&error_text(&e), &secrets),
                "the pull source does not accept a statement timeout"
            );
        }
        Ok(PullReader {
            conn,
            spec: spec.clone(),
            secrets,
            shape: None,
            last_returned: None,
        })
    }

    /// The spec this reader was opened with.
    pub fn spec(&self) -> &PullSpec {
        &self.spec
    }

    /// Checks the source answers and has the cursor and key columns, that they can be ordered,
    /// and that column names are distinct; returns the column names in the source's order.
    ///
    /// Nothing is read: the statements are only prepared. [`next_page`](Self::next_page)
    /// probes by itself when it has not been done.
    pub async fn probe(&mut self) -> Result<Vec<String>, PullError> {
        let source = self.spec.source_sql()?;
        let describe_sql = format!("SELECT * FROM (\n{source}\n) AS {SOURCE_ALIAS}");
        let statement = (&mut self.conn)
            .prepare(AssertSqlSafe(describe_sql).into_sql_str())
            .await
            .map_err(|e| self.query_error(e))?;
        let columns: Vec<(String, Option<u32>, String)> = statement
            .columns()
            .iter()
            .map(|c| {
                (
                    c.name().to_owned(),
                    c.type_info().oid().map(|o| o.0),
                    c.type_info().name().to_owned(),
                )
            })
            .collect();
        let header: Vec<String> = columns.iter().map(|(n, _, _)| n.clone()).collect();
        let mut seen = std::collections::HashSet::new();
        for name in &header {
            if !seen.insert(name.as_str()) {
                return Err(PullError::DuplicateColumn(name.clone()));
            }
            if name == SOURCE_ALIAS {
                return Err(invalid(&format!(
                    "the source may not have a column named {SOURCE_ALIAS}"
                )));
            }
        }
        let mut types = Vec::new();
        for wanted in [
            self.spec.cursor_column.clone(),
            self.spec.key_column.clone(),
        ] {
            let Some((_, oid, name)) = columns.iter().find(|(n, _, _)| *n == wanted) else {
                return Err(PullError::UnknownColumn {
                    column: wanted,
                    available: header.clone(),
                });
            };
            types.push(self.cast_type(*oid, name).await?);
        }
        let shape = Shape {
            header: header.clone(),
            key_type: types.pop().unwrap_or_default(),
            cursor_type: types.pop().unwrap_or_default(),
        };
        // Preparing the page query makes the server check that both columns can be ordered
        // and that text casts back to their types.
        let page_sql = self.page_sql(&shape, true);
        if let Err(e) = (&mut self.conn)
            .prepare(AssertSqlSafe(page_sql).into_sql_str())
            .await
        {
            return Err(match sqlstate(&e).as_deref() {
                // undefined_function (no ordering operator), cannot_coerce, undefined_object
                Some("42883") | Some("42846") | Some("42704") => PullError::UnorderableColumn {
                    cursor_type: shape.cursor_type.clone(),
                    key_type: shape.key_type.clone(),
                    message: scrub(&error_text(&e), &self.secrets),
                },
                _ => self.query_error(e),
            });
        }
        self.shape = Some(shape);
        Ok(header)
    }

    /// The next page after `after` (`None`: from the start), at most `limit` rows (1 to
    /// [`MAX_PAGE_ROWS`]; larger limits are lowered), ordered by `(cursor, key)`. Rows with a
    /// NULL cursor or key are left out (see [`count_unpageable`](Self::count_unpageable)).
    ///
    /// Fewer rows than `limit` means there is nothing more for now.
    pub async fn next_page(
        &mut self,
        after: Option<&Cursor>,
        limit: u32,
    ) -> Result<Page, PullError> {
        if limit == 0 {
            return Err(invalid("a page must have room for at least one row"));
        }
        let limit = limit.min(MAX_PAGE_ROWS);
        let shape = self.shape().await?;
        if let Some(cursor) = after
            && self.last_returned.as_ref() != Some(cursor)
        {
            self.check_cursor(&shape, cursor).await?;
        }
        let sql = self.page_sql(&shape, after.is_some());
        let mut query = sqlx::query(AssertSqlSafe(sql));
        if let Some(cursor) = after {
            query = query.bind(cursor.value.clone()).bind(cursor.key.clone());
        }
        let fetched = query
            .bind(i64::from(limit))
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| self.query_error(e))?;
        let mut rows = Vec::with_capacity(fetched.len());
        let mut last = None;
        for row in &fetched {
            let cells: Vec<String> = row.try_get(0).map_err(|e| self.query_error(e))?;
            if cells.len() != shape.header.len() {
                // The source changed under the reader; start over with a fresh probe.
                self.shape = None;
                return Err(PullError::QueryFailed(format!(
                    "the source now returns {} columns instead of {}; try again",
                    cells.len(),
                    shape.header.len()
                )));
            }
            rows.push(cells);
            last = Some(Cursor {
                value: row.try_get(1).map_err(|e| self.query_error(e))?,
                key: row.try_get(2).map_err(|e| self.query_error(e))?,
            });
        }
        if last.is_some() {
            self.last_returned = last.clone();
        }
        Ok(Page {
            header: shape.header,
            rows,
            last,
        })
    }

    /// How many rows have a NULL cursor or key, and so are never pulled. Reads the whole
    /// source: call it when registering a source or now and then, not for every page.
    pub async fn count_unpageable(&mut self) -> Result<u64, PullError> {
        let source = self.spec.source_sql()?;
        let (c, k) = self.quoted_columns();
        let sql = format!(
            "SELECT count(*) FROM (\n{source}\n) AS {SOURCE_ALIAS} \
             WHERE {SOURCE_ALIAS}.{c} IS NULL OR {SOURCE_ALIAS}.{k} IS NULL"
        );
        self.count(sql).await
    }

    /// How many `(cursor, key)` pairs occur on more than one row — they should be unique;
    /// rows sharing a pair may be lost at a page boundary. Reads the whole source.
    pub async fn count_duplicate_cursors(&mut self) -> Result<u64, PullError> {
        let source = self.spec.source_sql()?;
        let (c, k) = self.quoted_columns();
        let sql = format!(
            "SELECT count(*) FROM (SELECT 1 FROM (\n{source}\n) AS {SOURCE_ALIAS} \
             WHERE {SOURCE_ALIAS}.{c} IS NOT NULL AND {SOURCE_ALIAS}.{k} IS NOT NULL \
             GROUP BY {SOURCE_ALIAS}.{c}, {SOURCE_ALIAS}.{k} HAVING count(*) > 1) AS d"
        );
        self.count(sql).await
    }

    /// Closes the connection politely.
    pub async fn close(self) {
        let _ = self.conn.close().await;
    }

    async fn shape(&mut self) -> Result<Shape, PullError> {
        if self.shape.is_none() {
            self.probe().await?;
        }
        self.shape
            .clone()
            .ok_or_else(|| PullError::QueryFailed("the source could not be described".into()))
    }

    async fn count(&mut self, sql: String) -> Result<u64, PullError> {
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| self.query_error(e))?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    fn quoted_columns(&self) -> (String, String) {
        (
            quote_ident(&self.spec.cursor_column),
            quote_ident(&self.spec.key_column),
        )
    }

    /// The SQL type to cast text back to for a column of this type: `format_type` of its OID
    /// without a modifier, except the fixed-length ones, whose bare names mean length 1.
    async fn cast_type(
        &mut self,
        oid: Option<u32>,
        driver_name: &str,
    ) -> Result<String, PullError> {
        let name = match oid {
            Some(oid) => {
                sqlx::query_scalar::<_, String>("SELECT format_type($1::bigint::oid, NULL)")
                    .bind(i64::from(oid))
                    .fetch_one(&mut self.conn)
                    .await
                    .map_err(|e| self.query_error(e))?
            }
            None => driver_name.to_owned(),
        };
        Ok(match name.as_str() {
            "character" => "bpchar".to_owned(),
            "bit" => "bit varying".to_owned(),
            _ => name,
        })
    }

    async fn check_cursor(&mut self, shape: &Shape, cursor: &Cursor) -> Result<(), PullError> {
        let sql = format!(
            "SELECT ($1::text)::{}::text, ($2::text)::{}::text",
            shape.cursor_type, shape.key_type
        );
        let result = sqlx::query(AssertSqlSafe(sql))
            .bind(cursor.value.clone())
            .bind(cursor.key.clone())
            .fetch_one(&mut self.conn)
            .await;
        match result {
            Ok(_) => Ok(()),
            // Class 22: data exception (bad format, out of range, …).
            Err(e) if sqlstate(&e).is_some_and(|s| s.starts_with("22")) => {
                Err(PullError::InvalidCursor {
                    value: cursor.value.clone(),
                    key: cursor.key.clone(),
                    message: scrub(&error_text(&e), &self.secrets),
                })
            }
            Err(e) => Err(self.query_error(e)),
        }
    }

    /// The page query: `$1`, `$2` the cursor (when `after`), then the limit.
    fn page_sql(&self, shape: &Shape, after: bool) -> String {
        let source = self.spec.source_sql().unwrap_or_default();
        let (c, k) = self.quoted_columns();
        let a = SOURCE_ALIAS;
        let (limit_param, after_clause) = if after {
            (
                "$3",
                format!(
                    "\n  AND ({a}.{c}, {a}.{k}) > (($1::text)::{}, ($2::text)::{})",
                    shape.cursor_type, shape.key_type
                ),
            )
        } else {
            ("$1", String::new())
        };
        // json (unlike jsonb) keeps the column order; `#>> '{}'` prints a JSON value as text
        // (strings unquoted, JSON null as SQL NULL).
        format!(
            "SELECT ARRAY(SELECT coalesce(e.value #>> '{{}}', '') \
             FROM json_each(row_to_json({a})) WITH ORDINALITY AS e(key, value, n) \
             ORDER BY e.n) AS r,\n  {a}.{c}::text AS c, {a}.{k}::text AS k\n\
             FROM (\n{source}\n) AS {a}\n\
             WHERE {a}.{c} IS NOT NULL AND {a}.{k} IS NOT NULL{after_clause}\n\
             ORDER BY {a}.{c}, {a}.{k}\nLIMIT {limit_param}"
        )
    }

    fn query_error(&self, e: sqlx::Error) -> PullError {
        let message = scrub(&error_text(&e), &self.secrets);
        match &e {
            sqlx::Error::Database(_) => match sqlstate(&e).as_deref() {
                Some("42P01") | Some("3F000") => PullError::UnknownTable(message),
                Some("42501") => PullError::PermissionDenied(message),
                Some("57014") => PullError::QueryTimeout,
                Some(s) if s.starts_with("08") || s.starts_with("57P") => {
                    PullError::ConnectionLost(message)
                }
                _ => PullError::QueryFailed(message),
            },
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => PullError::ConnectionLost(message),
            _ => PullError::QueryFailed(message),
        }
    }
}

fn sqlstate(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// The server's own message for database errors (without sqlx's prefix), else the error.
fn error_text(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(url: &str, table: Option<&str>, query: Option<&str>) -> PullSpec {
        PullSpec {
            kind: SourceKind::Postgres,
            url: url.to_owned(),
            table: table.map(str::to_owned),
            query: query.map(str::to_owned),
            cursor_column: "updated_at".to_owned(),
            key_column: "id".to_owned(),
        }
    }

    const GOOD_URL: &str = "postgres://reader:s3cret@db.example:5432/unitdb";

    #[test]
    fn validate_accepts_tables_and_queries() {
        spec(GOOD_URL, Some("events"), None).validate().unwrap();
        spec(GOOD_URL, Some("public.events_2026"), None)
            .validate()
            .unwrap();
        spec(
            GOOD_URL,
            None,
            Some("  select id, updated_at from t where a = 'x' ; "),
        )
        .validate()
        .unwrap();
        spec(GOOD_URL, None, Some("WITH a AS (SELECT 1) SELECT * FROM a"))
            .validate()
            .unwrap();
        spec(
            "postgresql://reader@[::1]:5432/unitdb?sslmode=disable",
            Some("t"),
            None,
        )
        .validate()
        .unwrap();
    }

    #[test]
    fn validate_refuses_bad_specs() {
        let code = |s: PullSpec| s.validate().unwrap_err().code();
        assert_eq!(
            code(spec(GOOD_URL, Some("x; drop table y"), None)),
            "invalid_spec"
        );
        for table in ["a.b.c", "1abc", "t-1", "\"t\"", "", "a.", "表"] {
            assert_eq!(
                code(spec(GOOD_URL, Some(table), None)),
                "invalid_spec",
                "{table}"
            );
        }
        assert_eq!(
            code(spec(GOOD_URL, Some("t"), Some("SELECT 1"))),
            "invalid_spec"
        );
        assert_eq!(code(spec(GOOD_URL, None, None)), "invalid_spec");
        for query in [
            "DELETE FROM t",
            "SELECT 1; DROP TABLE t",
            "SELECT 1;;",
            "",
            " ; ",
            "selectx 1",
            "SELECT * FROM t WHERE id > $1",
            "(SELECT 1)",
        ] {
            assert_eq!(
                code(spec(GOOD_URL, None, Some(query))),
                "invalid_spec",
                "{query}"
            );
        }
        let mut s = spec(GOOD_URL, Some("t"), None);
        s.cursor_column = "updated_at desc".into();
        assert_eq!(code(s.clone()), "invalid_spec");
        s.cursor_column = "id".into();
        assert_eq!(code(s), "invalid_spec", "cursor and key must differ");
        for url in [
            "mysql://u:p@h/db",
            "postgres://u:p@/db",
            "postgres://u:p@h:5432",
            "postgres://h:5432/db",
            "postgres://u:p@h/db?host=/var/run/postgresql",
            "postgres://u@h/db?password=x",
            "postgres://u:p@%2Fvar%2Frun/db",
            "postgres://u:pa/ss@h/db",
            "h:5432/db",
        ] {
            assert_eq!(code(spec(url, Some("t"), None)), "invalid_spec", "{url}");
        }
    }

    #[test]
    fn password_never_shown() {
        let s = spec(
            "postgres://reader:s3cret%40x@db:5432/unitdb",
            Some("t"),
            None,
        );
        assert_eq!(s.redacted_url(), "postgres://reader:***@db:5432/unitdb");
        assert!(!format!("{s:?}").contains("s3cret"));
        assert_eq!(
            redact_url("postgres://u:p@ss@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            redact_url("postgres://u@h/db?sslmode=disable&password=zz"),
            "postgres://u@h/db?sslmode=disable&password=***"
        );
        assert_eq!(redact_url("not a url u:pw@h"), "***");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
        assert_eq!(
            scrub("auth failed for s3cret@x", &secrets_of(&s.url)),
            "auth failed for ***"
        );
        let e = s.validate();
        assert!(e.is_ok(), "{e:?}");
    }

    #[test]
    fn source_kind_stored_names() {
        assert_eq!(
            serde_json::to_string(&SourceKind::Postgres).unwrap(),
            "\"postgres\""
        );
        assert_eq!(
            SourceKind::from_stored("postgres"),
            Some(SourceKind::Postgres)
        );
        assert_eq!(SourceKind::from_stored("mysql"), None);
    }

    // ----- against a live PostgreSQL (only when PUBDATA_TEST_POSTGRES_URL is set) -----

    use futures_util::FutureExt;
    use std::future::Future;

    const POSTGRES_URL_VAR: &str = "PUBDATA_TEST_POSTGRES_URL";

    /// Runs `body` with the URL of a fresh scratch database (dropped afterwards, also when the
    /// body panics); does nothing when no server is configured.
    async fn with_scratch<F, Fut>(body: F)
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = ()>,
    {
        let Ok(server) = std::env::var(POSTGRES_URL_VAR) else {
            eprintln!("{POSTGRES_URL_VAR} not set: skipping");
            return;
        };
        let (url, name) = pubdata_store::db::create_scratch_postgres(&server)
            .await
            .expect("scratch database");
        let outcome = std::panic::AssertUnwindSafe(body(url)).catch_unwind().await;
        pubdata_store::db::drop_scratch_postgres(&server, &name)
            .await
            .expect("drop scratch database");
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    async fn exec(url: &str, sql: &str) {
        let mut c = PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    }

    /// 2,500 rows, seven to a timestamp, ids inserted out of order; plus three with a NULL
    /// cursor.
    async fn make_events(url: &str) {
        exec(
            url,
            "CREATE SCHEMA unit;
             CREATE TABLE unit.events (
                 id integer PRIMARY KEY,
                 name text,
                 updated_at timestamptz,
                 amount numeric(12, 2)
             );
             INSERT INTO unit.events
             SELECT i, 'row ' || i,
                    timestamptz '2026-01-01 00:00:00+00' + ((i - 1) / 7) * interval '1 minute',
                    i * 1.25
             FROM generate_series(1, 2500) AS i ORDER BY md5(i::text);
             INSERT INTO unit.events VALUES (9001, 'no time', NULL, 0), (9002, 'no time', NULL, 0),
                 (9003, 'no time', NULL, 0);",
        )
        .await;
    }

    async fn pull_all(
        reader: &mut PullReader,
        mut after: Option<Cursor>,
        limit: u32,
    ) -> (Vec<Vec<String>>, Option<Cursor>, usize) {
        let mut rows = Vec::new();
        let mut pages = 0;
        loop {
            let page = reader.next_page(after.as_ref(), limit).await.unwrap();
            pages += 1;
            assert!(page.rows.len() <= limit as usize);
            let done = page.rows.len() < limit as usize;
            rows.extend(page.rows);
            if page.last.is_some() {
                after = page.last;
            }
            if done {
                return (rows, after, pages);
            }
            assert!(pages < 10_000, "runaway paging");
        }
    }

    fn events_spec(url: &str) -> PullSpec {
        spec(url, Some("unit.events"), None)
    }

    #[tokio::test]
    async fn pages_every_row_exactly_once_in_order() {
        with_scratch(|url| async move {
            make_events(&url).await;
            let mut reader = PullReader::connect(&events_spec(&url)).await.unwrap();
            let header = reader.probe().await.unwrap();
            assert_eq!(header, ["id", "name", "updated_at", "amount"]);

            let first = reader.next_page(None, 100).await.unwrap();
            assert_eq!(first.header, header);
            assert_eq!(first.rows.len(), 100);
            assert_eq!(
                first.rows[0],
                ["1", "row 1", "2026-01-01T00:00:00+00:00", "1.25"]
            );
            // Row 100 is the 2nd of the seven rows at minute 14: the page ends inside a group.
            assert_eq!(
                first.last,
                Some(Cursor {
                    value: "2026-01-01 00:14:00+00".into(),
                    key: "100".into()
                })
            );

            let (rows, last, pages) = pull_all(&mut reader, None, 100).await;
            assert_eq!(pages, 26, "25 full pages and an empty one");
            let ids: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
            assert_eq!(ids, (1..=2500).collect::<Vec<i64>>(), "each once, in order");
            assert_eq!(
                last,
                Some(Cursor {
                    value: "2026-01-01 05:57:00+00".into(),
                    key: "2500".into()
                })
            );
            assert_eq!(reader.count_unpageable().await.unwrap(), 3);
            assert_eq!(reader.count_duplicate_cursors().await.unwrap(), 0);

            // Caught up: nothing after the last cursor.
            let page = reader.next_page(last.as_ref(), 100).await.unwrap();
            assert!(page.rows.is_empty());
            assert_eq!(page.last, None);
            reader.close().await;
        })
        .await;
    }

    #[tokio::test]
    async fn resumes_from_a_stored_cursor() {
        with_scratch(|url| async move {
            make_events(&url).await;
            let mut reader = PullReader::connect(&events_spec(&url)).await.unwrap();
            let (_, last, _) = pull_all(&mut reader, None, 100).await;
            reader.close().await;
            // The cursor goes through storage as JSON.
            let stored = serde_json::to_string(&last.unwrap()).unwrap();

            exec(
                &url,
                // Same timestamp as the cursor, larger key: seen.
                "INSERT INTO unit.events VALUES (2501, 'same time', '2026-01-01 05:57:00+00', 1);
                 -- Same timestamp, smaller key, and an older timestamp: NOT seen (limitation).
                 INSERT INTO unit.events VALUES (-5, 'same time, small key', '2026-01-01 05:57:00+00', 1);
                 INSERT INTO unit.events VALUES (3000, 'late but old', '2025-12-31 23:00:00+00', 1);
                 -- Newer: seen, 150 of them sharing one timestamp.
                 INSERT INTO unit.events
                 SELECT 4000 + i, 'new', '2026-02-01 00:00:00+08', 2 FROM generate_series(1, 150) AS i;",
            )
            .await;

            let cursor: Cursor = serde_json::from_str(&stored).unwrap();
            // A fresh reader, as a later pull would open.
            let mut reader = PullReader::connect(&events_spec(&url)).await.unwrap();
            let (rows, last, _) = pull_all(&mut reader, Some(cursor), 100).await;
            let ids: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
            let mut expected = vec![2501];
            expected.extend(4001..=4150);
            assert_eq!(ids, expected);
            assert_eq!(
                last,
                Some(Cursor {
                    value: "2026-01-31 16:00:00+00".into(),
                    key: "4150".into()
                })
            );

            // A cursor that does not fit the column type is refused, not compared as text.
            let bad = Cursor {
                value: "yesterday-ish".into(),
                key: "1".into(),
            };
            let err = reader.next_page(Some(&bad), 10).await.unwrap_err();
            assert_eq!(err.code(), "invalid_cursor", "{err}");
            reader.close().await;
        })
        .await;
    }

    #[tokio::test]
    async fn query_source_with_where_keeps_column_order_and_prints_values() {
        with_scratch(|url| async move {
            make_events(&url).await;
            exec(
                &url,
                "CREATE TABLE unit.misc (version bigint, code text, flag boolean, doc jsonb,
                     tags text[], note text, big numeric);
                 INSERT INTO unit.misc VALUES
                     (9, 'a', true, '{\"z\": 1, \"a\": [1, 2]}', '{x,y}', 'say \"hi\" 你好', 12345678901234567890.123456789),
                     (10, 'b', false, NULL, NULL, NULL, NULL),
                     (100, 'c', NULL, '\"s\"', '{}', '', -1e-5);",
            )
            .await;
            // A WHERE, columns in a non-alphabetical order, a trailing ';'.
            let mut s = spec(
                &url,
                None,
                Some(
                    "SELECT name, amount, updated_at, id FROM unit.events \
                     WHERE id % 2 = 0 AND updated_at IS NOT NULL;",
                ),
            );
            let mut reader = PullReader::connect(&s).await.unwrap();
            assert_eq!(
                reader.probe().await.unwrap(),
                ["name", "amount", "updated_at", "id"]
            );
            let (rows, _, _) = pull_all(&mut reader, None, 100).await;
            assert_eq!(rows.len(), 1250);
            assert!(rows.iter().all(|r| r[3].parse::<i64>().unwrap() % 2 == 0));
            assert_eq!(rows[0], ["row 2", "2.50", "2026-01-01T00:00:00+00:00", "2"]);
            reader.close().await;

            // An integer cursor compares as a number (as text "10" < "9"), and values print
            // as text.
            s.query = Some("SELECT * FROM unit.misc".into());
            s.cursor_column = "version".into();
            s.key_column = "code".into();
            let mut reader = PullReader::connect(&s).await.unwrap();
            let first = reader.next_page(None, 1).await.unwrap();
            assert_eq!(
                first.rows[0],
                [
                    "9",
                    "a",
                    "true",
                    "{\"a\": [1, 2], \"z\": 1}",
                    "[\"x\",\"y\"]",
                    "say \"hi\" 你好",
                    "12345678901234567890.123456789"
                ]
            );
            let rest = reader.next_page(first.last.as_ref(), 10).await.unwrap();
            assert_eq!(
                rest.rows,
                [
                    ["10", "b", "false", "", "", "", ""],
                    ["100", "c", "", "s", "[]", "", "-0.00001"],
                ]
            );
            reader.close().await;
        })
        .await;
    }

    #[tokio::test]
    async fn unknown_columns_and_tables_are_named() {
        with_scratch(|url| async move {
            make_events(&url).await;
            let mut s = events_spec(&url);
            s.cursor_column = "modified".into();
            let mut reader = PullReader::connect(&s).await.unwrap();
            let err = reader.probe().await.unwrap_err();
            assert_eq!(err.code(), "unknown_column");
            assert!(err.to_string().contains("modified"), "{err}");
            assert!(err.message_zh().contains("updated_at"), "{}", err.message_zh());
            // next_page probes by itself.
            let err = reader.next_page(None, 10).await.unwrap_err();
            assert_eq!(err.code(), "unknown_column");
            reader.close().await;

            let mut s = events_spec(&url);
            s.key_column = "uid".into();
            let mut reader = PullReader::connect(&s).await.unwrap();
            assert_eq!(reader.probe().await.unwrap_err().code(), "unknown_column");
            reader.close().await;

            let s = spec(&url, Some("unit.nothing_here"), None);
            let mut reader = PullReader::connect(&s).await.unwrap();
            assert_eq!(reader.probe().await.unwrap_err().code(), "unknown_table");
            reader.close().await;

            // Two columns of one name, and a cursor that cannot be ordered.
            let s = spec(
                &url,
                None,
                Some("SELECT e.id, e.updated_at, f.id FROM unit.events e JOIN unit.events f USING (name)"),
            );
            let mut reader = PullReader::connect(&s).await.unwrap();
            assert_eq!(reader.probe().await.unwrap_err().code(), "duplicate_column");
            reader.close().await;
            let s = spec(
                &url,
                None,
                Some("SELECT id, json_build_object('t', updated_at) AS updated_at FROM unit.events"),
            );
            let mut reader = PullReader::connect(&s).await.unwrap();
            assert_eq!(reader.probe().await.unwrap_err().code(), "unorderable_column");
            reader.close().await;
        })
        .await;
    }

    #[tokio::test]
    async fn session_is_read_only() {
        with_scratch(|url| async move {
            make_events(&url).await;
            exec(&url, "CREATE SEQUENCE unit.s").await;
            let s = spec(
                &url,
                None,
                Some("SELECT id, updated_at, nextval('unit.s') AS n FROM unit.events"),
            );
            let mut reader = PullReader::connect(&s).await.unwrap();
            let err = reader.next_page(None, 10).await.unwrap_err();
            assert_eq!(err.code(), "query_failed", "{err}");
            assert!(err.to_string().contains("read-only"), "{err}");
            reader.close().await;
        })
        .await;
    }

    #[tokio::test]
    async fn connect_failures_hide_the_password() {
        let Ok(server) = std::env::var(POSTGRES_URL_VAR) else {
            eprintln!("{POSTGRES_URL_VAR} not set: skipping");
            return;
        };
        let opts = PgConnectOptions::from_str(&server).unwrap();
        let host = opts.get_host().to_owned();
        let port = opts.get_port();
        let urls = [
            // Closed port.
            "postgres://postgres:Hunter2Secret@127.0.0.1:1/pubdata_dev".to_owned(),
            // The server answers but refuses the login (the test server trusts every known
            // role, so an unknown role stands in for a wrong password).
            format!("postgres://pubdata_no_such_role:Hunter2Secret@{host}:{port}/pubdata_dev"),
            // No such database.
            format!("postgres://postgres:Hunter2Secret@{host}:{port}/pubdata_no_such_db_x"),
        ];
        for url in urls {
            let s = spec(&url, Some("t"), None);
            let err = PullReader::connect(&s).await.unwrap_err();
            assert_eq!(err.code(), "connect_failed", "{err}");
            for text in [err.to_string(), format!("{err:?}"), err.message_zh()] {
                assert!(!text.contains("Hunter2Secret"), "{text}");
                assert!(text.contains(":***@"), "{text}");
            }
        }
    }
}
