//! The record store: the rows of each resource in a typed table of its own (`rec_<id>`),
//! upserted by key, with every replaced value kept in its history table (`rech_<id>`: the old
//! values, who wrote them in which batch, and the time span they were current). A record's
//! history and the whole resource as of any past time are read from the two together.
//!
//! Bulk writes take each database's fast path (DESIGN.md §3): on SQLite one prepared
//! statement per kind of write through rusqlite on sqlx's own connection, in the caller's
//! transaction; on PostgreSQL `COPY` into a staging table and three set-based statements.
//! Table and column names come from resource ids and field codes, both checked to be plain
//! lower-case ASCII before they reach SQL, and are always quoted.

use crate::db::{Db, Result, StoreError, Tx};
use crate::each;
use pubdata_core::aggregation::{Accepted, Cell, Kind};
use pubdata_core::policy::Permit;
use sqlx::Row;

/// One column of a record table: a field's code and how its values are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub code: String,
    pub kind: Kind,
}

/// The registry's text form of the columns: `code:kind,code:kind`.
fn columns_text(cols: &[Column]) -> String {
    cols.iter()
        .map(|c| format!("{}:{}", c.code, c.kind.as_str()))
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_columns(text: &str) -> Result<Vec<Column>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|part| {
            let (code, kind) = part.split_once(':').unwrap_or((part, ""));
            Ok(Column {
                code: code.to_owned(),
                kind: Kind::parse(kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("column {part:?}")))?,
            })
        })
        .collect()
}

/// A resource's record table as the registry knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordTable {
    pub resource_id: String,
    pub name: String,
    /// Every column ever made, in order; fields dropped from the catalog keep theirs.
    pub columns: Vec<Column>,
    pub keys: Vec<String>,
    pub auto_publish: bool,
}

impl RecordTable {
    pub(super) fn history(&self) -> String {
        format!("rech_{}", &self.name[4..])
    }

    pub(super) fn kind_of(&self, code: &str) -> Option<Kind> {
        self.columns.iter().find(|c| c.code == code).map(|c| c.kind)
    }
}

/// Who wrote a change and when: stamped on the current row and carried into history.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub batch_id: &'a str,
    pub changed_by: &'a str,
    pub at_ms: i64,
}

/// What an upsert did with the rows it was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertStats {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl std::ops::AddAssign for UpsertStats {
    fn add_assign(&mut self, o: UpsertStats) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// One version of a record: its values (by column, in the table's column order) and who
/// wrote them when; `valid_to` is none for the current version.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordVersion {
    pub key: String,
    pub values: Vec<(String, Cell)>,
    pub batch_id: String,
    pub changed_by: String,
    pub valid_from: i64,
    pub valid_to: Option<i64>,
}

pub(super) fn quote(ident: &str) -> String {
    debug_assert!(
        ident
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    );
    format!("\"{ident}\"")
}

fn plain(ident: &str) -> bool {
    !ident.is_empty()
        && ident.len() <= 63
        && ident
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The table name for a resource: its id's hex digits (a UUID has 32).
pub fn table_name_for(resource_id: &str) -> Result<String> {
    let hex: String = resource_id
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    if hex.is_empty() || hex.len() > 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::Invalid(format!(
            "resource id {resource_id:?} cannot name a table"
        )));
    }
    Ok(format!("rec_{hex}"))
}

pub(super) fn sql_type(kind: Kind, postgres: bool) -> &'static str {
    match (kind, postgres) {
        (Kind::Integer, _) => "BIGINT",
        (Kind::Real, _) => "DOUBLE PRECISION",
        (Kind::Boolean, true) => "BOOLEAN",
        (Kind::Boolean, false) => "INTEGER",
        // Dates and times are normalized text, which sorts and compares correctly.
        (Kind::Text | Kind::Date | Kind::DateTime, _) => "TEXT",
    }
}

pub async fn get_table(tx: &mut Tx, resource_id: &str) -> Result<Option<RecordTable>> {
    let row: Option<(String, String, String, i64)> = each!(tx, c => sqlx::query_as(
        "SELECT table_name, columns, key_codes, auto_publish FROM record_tables WHERE resource_id = $1")
        .bind(resource_id).fetch_optional(c).await?);
    row.map(|(name, columns, keys, auto)| {
        Ok(RecordTable {
            resource_id: resource_id.to_owned(),
            name,
            columns: parse_columns(&columns)?,
            keys: keys
                .split(',')
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect(),
            auto_publish: auto != 0,
        })
    })
    .transpose()
}

/// Makes the resource's tables, or adds the columns its fields gained since. A field whose
/// kind changed gets no new column; the caller refuses such a batch (see [`kind_conflicts`]).
pub async fn ensure_table(
    tx: &mut Tx,
    _: &Permit,
    resource_id: &str,
    wanted: &[Column],
    keys: &[String],
    now_ms: i64,
) -> Result<RecordTable> {
    if let Some(c) = wanted
        .iter()
        .find(|c| !plain(&c.code) || c.code.starts_with('_'))
    {
        return Err(StoreError::Invalid(format!(
            "field code {:?} cannot name a column",
            c.code
        )));
    }
    let postgres = matches!(tx, Tx::Postgres(_));
    match get_table(tx, resource_id).await? {
        None => {
            let name = table_name_for(resource_id)?;
            let table = RecordTable {
                resource_id: resource_id.to_owned(),
                name,
                columns: wanted.to_vec(),
                keys: keys.to_vec(),
                auto_publish: false,
            };
            let cols: String = wanted
                .iter()
                .map(|c| format!(", {} {}", quote(&c.code), sql_type(c.kind, postgres)))
                .collect();
            let without_rowid = if postgres { "" } else { " WITHOUT ROWID" };
            let ddl = [
                format!(
                    "CREATE TABLE {} (\"_key\" TEXT PRIMARY KEY, \"_batch_id\" TEXT NOT NULL, \
                     \"_changed_by\" TEXT NOT NULL, \"_changed_at\" BIGINT NOT NULL{cols}){without_rowid}",
                    quote(&table.name)
                ),
                format!(
                    "CREATE TABLE {} (\"_key\" TEXT NOT NULL, \"_valid_from\" BIGINT NOT NULL, \
                     \"_valid_to\" BIGINT NOT NULL, \"_batch_id\" TEXT NOT NULL, \
                     \"_changed_by\" TEXT NOT NULL{cols})",
                    quote(&table.history())
                ),
                format!(
                    "CREATE INDEX {} ON {} (\"_key\", \"_valid_from\")",
                    quote(&format!("{}_key", table.history())),
                    quote(&table.history())
                ),
            ];
            for stmt in ddl {
                each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(stmt.as_str())).execute(c).await?.rows_affected());
            }
            each!(tx, c => sqlx::query(
                "INSERT INTO record_tables (resource_id, table_name, columns, key_codes, auto_publish, created_at)
                 VALUES ($1, $2, $3, $4, 0, $5)")
                .bind(resource_id).bind(&table.name).bind(columns_text(&table.columns)).bind(table.keys.join(","))
                .bind(now_ms).execute(c).await?.rows_affected());
            Ok(table)
        }
        Some(mut table) => {
            let new: Vec<Column> = wanted
                .iter()
                .filter(|w| !table.columns.iter().any(|c| c.code == w.code))
                .cloned()
                .collect();
            if new.is_empty() && table.keys == keys {
                return Ok(table);
            }
            for col in &new {
                for t in [table.name.clone(), table.history()] {
                    let stmt = format!(
                        "ALTER TABLE {} ADD COLUMN {} {}",
                        quote(&t),
                        quote(&col.code),
                        sql_type(col.kind, postgres)
                    );
                    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(stmt.as_str())).execute(c).await?.rows_affected());
                }
                table.columns.push(col.clone());
            }
            table.keys = keys.to_vec();
            each!(tx, c => sqlx::query(
                "UPDATE record_tables SET columns = $1, key_codes = $2 WHERE resource_id = $3")
                .bind(columns_text(&table.columns)).bind(table.keys.join(",")).bind(resource_id)
                .execute(c).await?.rows_affected());
            Ok(table)
        }
    }
}

/// The fields whose kind differs from their column's: their values would not fit.
pub fn kind_conflicts(table: &RecordTable, wanted: &[Column]) -> Vec<String> {
    wanted
        .iter()
        .filter(|w| table.kind_of(&w.code).is_some_and(|k| k != w.kind))
        .map(|w| w.code.clone())
        .collect()
}

pub async fn set_auto_publish(
    tx: &mut Tx,
    _: &Permit,
    resource_id: &str,
    on: bool,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query("UPDATE record_tables SET auto_publish = $1 WHERE resource_id = $2")
        .bind(i64::from(on)).bind(resource_id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// The baseline of `bench ingest`: the same rows into the same kind of table by a plain
/// insert, no existence check, no history.
pub async fn insert_plain(
    tx: &mut Tx,
    _: &Permit,
    table: &RecordTable,
    codes: &[String],
    rows: &[Accepted],
    change: Change<'_>,
) -> Result<u64> {
    check_codes(table, codes)?;
    match tx {
        Tx::Sqlite(t) => {
            let mut handle = t.lock_handle().await?;
            crate::db::with_sqlite_connection(&mut handle, |c| {
                direct::insert_plain(c, table, codes, rows, change)
            })
        }
        Tx::Postgres(t) => pg::insert_plain(t, table, codes, rows, change).await,
    }
}

pub(super) fn check_codes(table: &RecordTable, codes: &[String]) -> Result<()> {
    match codes.iter().find(|c| table.kind_of(c).is_none()) {
        Some(c) => Err(StoreError::Invalid(format!(
            "{} has no column {c:?}",
            table.name
        ))),
        None => Ok(()),
    }
}

fn column_list(cols: &[Column]) -> String {
    cols.iter()
        .map(|c| quote(&c.code))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The current version of one record.
pub async fn get(tx: &mut Tx, table: &RecordTable, key: &str) -> Result<Option<RecordVersion>> {
    let sql = format!(
        "SELECT \"_key\", \"_batch_id\", \"_changed_by\", \"_changed_at\", NULL AS \"_valid_to\", {} \
         FROM {} WHERE \"_key\" = $1",
        column_list(&table.columns),
        quote(&table.name)
    );
    Ok(versions(tx, table, &sql, key, None).await?.pop())
}

/// The current version of one record, read outside any transaction: the sharing API's hot
/// path. On SQLite the one SELECT runs through rusqlite on a pooled connection from the
/// calling thread (no hop to sqlx's worker, no BEGIN/ROLLBACK); a single statement reads one
/// consistent snapshot anyway.
pub async fn get_current(
    db: &Db,
    hot: Option<&crate::hot::HotSqlite>,
    table: &RecordTable,
    key: &str,
) -> Result<Option<RecordVersion>> {
    if let Some(hot) = hot {
        return hot.get_record(table, key);
    }
    match db {
        Db::Sqlite(pool) => {
            let mut conn = pool.acquire().await?;
            let mut handle = conn.lock_handle().await?;
            crate::db::with_sqlite_connection(&mut handle, |c| direct::get(c, table, key))
        }
        Db::Postgres(_) => {
            let mut tx = db.begin_read().await?;
            let found = get(&mut tx, table, key).await;
            tx.rollback().await?;
            found
        }
    }
}

pub(crate) fn direct_get(
    c: &rusqlite::Connection,
    table: &RecordTable,
    key: &str,
) -> Result<Option<RecordVersion>> {
    direct::get(c, table, key)
}

/// The version of one record that was current at `at_ms`, none if it did not exist then.
pub async fn get_as_of(
    tx: &mut Tx,
    table: &RecordTable,
    key: &str,
    at_ms: i64,
) -> Result<Option<RecordVersion>> {
    let cols = column_list(&table.columns);
    let sql = format!(
        "SELECT \"_key\", \"_batch_id\", \"_changed_by\", \"_changed_at\", NULL AS \"_valid_to\", {cols} \
         FROM {} WHERE \"_key\" = $1 AND \"_changed_at\" <= $2 \
         UNION ALL \
         SELECT \"_key\", \"_batch_id\", \"_changed_by\", \"_valid_from\", \"_valid_to\", {cols} \
         FROM {} WHERE \"_key\" = $1 AND \"_valid_from\" <= $2 AND \"_valid_to\" > $2",
        quote(&table.name),
        quote(&table.history())
    );
    Ok(versions(tx, table, &sql, key, Some(at_ms))
        .await?
        .into_iter()
        .next())
}

/// Every version of one record, oldest first; the last is current unless it has `valid_to`.
pub async fn history(tx: &mut Tx, table: &RecordTable, key: &str) -> Result<Vec<RecordVersion>> {
    let cols = column_list(&table.columns);
    let sql = format!(
        "SELECT \"_key\", \"_batch_id\", \"_changed_by\", \"_valid_from\" AS f, \"_valid_to\", {cols} \
         FROM {} WHERE \"_key\" = $1 \
         UNION ALL \
         SELECT \"_key\", \"_batch_id\", \"_changed_by\", \"_changed_at\" AS f, NULL, {cols} \
         FROM {} WHERE \"_key\" = $1 ORDER BY f",
        quote(&table.history()),
        quote(&table.name)
    );
    versions(tx, table, &sql, key, None).await
}

async fn versions(
    tx: &mut Tx,
    table: &RecordTable,
    sql: &str,
    key: &str,
    at: Option<i64>,
) -> Result<Vec<RecordVersion>> {
    let postgres = matches!(tx, Tx::Postgres(_));
    let mut out = Vec::new();
    macro_rules! read {
        ($rows:expr) => {
            for r in $rows {
                let mut values = Vec::with_capacity(table.columns.len());
                for (i, col) in table.columns.iter().enumerate() {
                    values.push((col.code.clone(), cell_at(&r, 5 + i, col.kind, postgres)?));
                }
                out.push(RecordVersion {
                    key: r.try_get(0)?,
                    batch_id: r.try_get(1)?,
                    changed_by: r.try_get(2)?,
                    valid_from: r.try_get(3)?,
                    valid_to: r.try_get(4)?,
                    values,
                });
            }
        };
    }
    match tx {
        Tx::Sqlite(t) => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key);
            if let Some(at) = at {
                q = q.bind(at);
            }
            read!(q.fetch_all(&mut **t).await?);
        }
        Tx::Postgres(t) => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key);
            if let Some(at) = at {
                q = q.bind(at);
            }
            read!(q.fetch_all(&mut **t).await?);
        }
    }
    Ok(out)
}

fn cell_at<R: Row>(r: &R, i: usize, kind: Kind, postgres: bool) -> Result<Cell>
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<f64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<bool>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(match kind {
        Kind::Text | Kind::Date | Kind::DateTime => r
            .try_get::<Option<String>, _>(i)?
            .map_or(Cell::Null, Cell::Text),
        Kind::Integer => r
            .try_get::<Option<i64>, _>(i)?
            .map_or(Cell::Null, Cell::Int),
        Kind::Real => r
            .try_get::<Option<f64>, _>(i)?
            .map_or(Cell::Null, Cell::Real),
        Kind::Boolean if postgres => r
            .try_get::<Option<bool>, _>(i)?
            .map_or(Cell::Null, Cell::Bool),
        Kind::Boolean => r
            .try_get::<Option<i64>, _>(i)?
            .map_or(Cell::Null, |v| Cell::Bool(v != 0)),
    })
}

/// A page of the whole resource, in key order after `after`: the current rows, or, with
/// `as_of`, the rows as they were at that time (from the current table and the history).
pub async fn scan(
    tx: &mut Tx,
    table: &RecordTable,
    as_of: Option<i64>,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<(String, Vec<Cell>)>> {
    let cols = column_list(&table.columns);
    let after = after.unwrap_or("");
    let sql = match as_of {
        None => format!(
            "SELECT \"_key\", {cols} FROM {} WHERE \"_key\" > $1 ORDER BY \"_key\" LIMIT {limit}",
            quote(&table.name)
        ),
        Some(_) => format!(
            "SELECT \"_key\", {cols} FROM {} WHERE \"_key\" > $1 AND \"_changed_at\" <= $2 \
             UNION ALL \
             SELECT \"_key\", {cols} FROM {} WHERE \"_key\" > $1 AND \"_valid_from\" <= $2 AND \"_valid_to\" > $2 \
             ORDER BY 1 LIMIT {limit}",
            quote(&table.name),
            quote(&table.history())
        ),
    };
    let postgres = matches!(tx, Tx::Postgres(_));
    let mut out = Vec::new();
    macro_rules! read {
        ($rows:expr) => {
            for r in $rows {
                let mut cells = Vec::with_capacity(table.columns.len());
                for (i, col) in table.columns.iter().enumerate() {
                    cells.push(cell_at(&r, 1 + i, col.kind, postgres)?);
                }
                out.push((r.try_get(0)?, cells));
            }
        };
    }
    match tx {
        Tx::Sqlite(t) => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(after);
            if let Some(at) = as_of {
                q = q.bind(at);
            }
            read!(q.fetch_all(&mut **t).await?);
        }
        Tx::Postgres(t) => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(after);
            if let Some(at) = as_of {
                q = q.bind(at);
            }
            read!(q.fetch_all(&mut **t).await?);
        }
    }
    Ok(out)
}

/// A page of the current records whose columns equal the given values (`filters`: column
/// code and a value typed by the column's kind), in key order after `after`. Unknown codes
/// are refused; with no index on the columns this scans the table.
pub async fn scan_matching(
    tx: &mut Tx,
    table: &RecordTable,
    filters: &[(String, Cell)],
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<(String, Vec<Cell>)>> {
    let mut conds = vec!["\"_key\" > $1".to_owned()];
    for (i, (code, cell)) in filters.iter().enumerate() {
        if table.kind_of(code).is_none() || !plain(code) {
            return Err(StoreError::Invalid(format!("no column {code:?}")));
        }
        conds.push(if matches!(cell, Cell::Null) {
            format!("{} IS NULL", quote(code))
        } else {
            format!("{} = ${}", quote(code), i + 2)
        });
    }
    let sql = format!(
        "SELECT \"_key\", {} FROM {} WHERE {} ORDER BY \"_key\" LIMIT {limit}",
        column_list(&table.columns),
        quote(&table.name),
        conds.join(" AND ")
    );
    let postgres = matches!(tx, Tx::Postgres(_));
    macro_rules! run {
        ($t:expr) => {{
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(after.unwrap_or(""));
            for (_, cell) in filters {
                q = match cell {
                    Cell::Null => q,
                    Cell::Text(s) => q.bind(s.clone()),
                    Cell::Int(i) => q.bind(*i),
                    Cell::Real(f) => q.bind(*f),
                    Cell::Bool(b) if postgres => q.bind(*b),
                    Cell::Bool(b) => q.bind(i64::from(*b)),
                };
            }
            let mut out = Vec::new();
            for r in q.fetch_all(&mut **$t).await? {
                let mut cells = Vec::with_capacity(table.columns.len());
                for (i, col) in table.columns.iter().enumerate() {
                    cells.push(cell_at(&r, 1 + i, col.kind, postgres)?);
                }
                out.push((r.try_get(0)?, cells));
            }
            out
        }};
    }
    Ok(match tx {
        Tx::Sqlite(t) => run!(t),
        Tx::Postgres(t) => run!(t),
    })
}

/// How many records the resource has now.
pub async fn count(tx: &mut Tx, table: &RecordTable) -> Result<u64> {
    let sql = format!("SELECT COUNT(*) FROM {}", quote(&table.name));
    let n: i64 =
        each!(tx, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(c).await?);
    Ok(n as u64)
}

/// One cell in the CSV form of PostgreSQL's `COPY`.
pub(super) fn csv_field(out: &mut String, cell: &Cell) {
    match cell {
        // An unquoted empty field is NULL in COPY's CSV format.
        Cell::Null => {}
        Cell::Text(s) => {
            out.push('"');
            for ch in s.chars() {
                if ch == '"' {
                    out.push('"');
                }
                out.push(ch);
            }
            out.push('"');
        }
        Cell::Int(i) => out.push_str(&i.to_string()),
        Cell::Real(f) => out.push_str(&format!("{f:?}")),
        Cell::Bool(b) => out.push_str(if *b { "t" } else { "f" }),
    }
}

/// SQLite through rusqlite: prepared statements bound in place, no thread hop per row.
mod direct {

    /// One current record by key (see [`super::get_current`]).
    pub(super) fn get(
        c: &Connection,
        table: &RecordTable,
        key: &str,
    ) -> Result<Option<RecordVersion>> {
        let sql = format!(
            "SELECT \"_key\", \"_batch_id\", \"_changed_by\", \"_changed_at\", {} FROM {} WHERE \"_key\" = ?1",
            super::column_list(&table.columns),
            quote(&table.name)
        );
        let mut stmt = c.prepare_cached(&sql)?;
        let mut rows = stmt.query([key])?;
        let Some(r) = rows.next()? else {
            return Ok(None);
        };
        let mut values = Vec::with_capacity(table.columns.len());
        for (i, col) in table.columns.iter().enumerate() {
            let at = 4 + i;
            let cell = match col.kind {
                Kind::Text | Kind::Date | Kind::DateTime => r
                    .get::<_, Option<String>>(at)?
                    .map_or(Cell::Null, Cell::Text),
                Kind::Integer => r.get::<_, Option<i64>>(at)?.map_or(Cell::Null, Cell::Int),
                Kind::Real => r.get::<_, Option<f64>>(at)?.map_or(Cell::Null, Cell::Real),
                Kind::Boolean => r
                    .get::<_, Option<i64>>(at)?
                    .map_or(Cell::Null, |v| Cell::Bool(v != 0)),
            };
            values.push((col.code.clone(), cell));
        }
        Ok(Some(RecordVersion {
            key: r.get(0)?,
            batch_id: r.get(1)?,
            changed_by: r.get(2)?,
            valid_from: r.get(3)?,
            valid_to: None,
            values,
        }))
    }
    use super::*;
    use rusqlite::Connection;
    use rusqlite::types::{ToSqlOutput, ValueRef};

    struct Bind<'a>(&'a Cell);

    impl rusqlite::ToSql for Bind<'_> {
        fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
            Ok(ToSqlOutput::Borrowed(match self.0 {
                Cell::Null => ValueRef::Null,
                Cell::Text(s) => ValueRef::Text(s.as_bytes()),
                Cell::Int(i) => ValueRef::Integer(*i),
                Cell::Real(f) => ValueRef::Real(*f),
                Cell::Bool(b) => ValueRef::Integer(i64::from(*b)),
            }))
        }
    }

    fn insert_sql(table: &RecordTable, codes: &[String], conflict: &str) -> String {
        let cols: String = codes.iter().map(|c| format!(", {}", quote(c))).collect();
        let params: String = (0..codes.len()).map(|i| format!(", ?{}", i + 5)).collect();
        format!(
            "INSERT INTO {} (\"_key\", \"_batch_id\", \"_changed_by\", \"_changed_at\"{cols}) \
             VALUES (?1, ?2, ?3, ?4{params}){conflict}",
            quote(&table.name)
        )
    }

    fn bind_row(
        stmt: &mut rusqlite::Statement<'_>,
        row: &Accepted,
        change: Change<'_>,
    ) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(1, row.key.as_str())?;
        stmt.raw_bind_parameter(2, change.batch_id)?;
        stmt.raw_bind_parameter(3, change.changed_by)?;
        stmt.raw_bind_parameter(4, change.at_ms)?;
        for (i, cell) in row.cells.iter().enumerate() {
            stmt.raw_bind_parameter(5 + i, Bind(cell))?;
        }
        Ok(())
    }

    pub(super) fn insert_plain(
        c: &Connection,
        table: &RecordTable,
        codes: &[String],
        rows: &[Accepted],
        change: Change<'_>,
    ) -> Result<u64> {
        let mut insert = c.prepare(&insert_sql(table, codes, ""))?;
        for row in rows {
            bind_row(&mut insert, row, change)?;
            insert.raw_execute()?;
        }
        Ok(rows.len() as u64)
    }
}

/// PostgreSQL: `COPY` into a staging table, then history, updates and inserts as three
/// set-based statements.
mod pg {
    use super::*;
    use sqlx::PgConnection;

    async fn stage(
        c: &mut PgConnection,
        table: &RecordTable,
        codes: &[String],
        rows: &[Accepted],
    ) -> Result<String> {
        let stage = format!("stage_{}", &table.name[4..]);
        let cols: String = codes.iter().map(|c| format!(", {}", quote(c))).collect();
        // The current table's columns without its constraints: the batch's stamps are added
        // by the merge, not copied.
        let typed: String = table
            .columns
            .iter()
            .map(|c| format!(", {} {}", quote(&c.code), sql_type(c.kind, true)))
            .collect();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE TEMP TABLE IF NOT EXISTS {} (\"_key\" TEXT{typed}) ON COMMIT DROP",
            quote(&stage)
        )))
        .execute(&mut *c)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("TRUNCATE {}", quote(&stage))))
            .execute(&mut *c)
            .await?;
        let mut copy = c
            .copy_in_raw(&format!(
                "COPY {} (\"_key\"{cols}) FROM STDIN (FORMAT csv)",
                quote(&stage)
            ))
            .await?;
        let mut buf = String::with_capacity(64 * 1024);
        for row in rows {
            super::csv_field(&mut buf, &Cell::Text(row.key.clone()));
            for cell in &row.cells {
                buf.push(',');
                super::csv_field(&mut buf, cell);
            }
            buf.push('\n');
            if buf.len() > 60 * 1024 {
                copy.send(std::mem::take(&mut buf).into_bytes()).await?;
            }
        }
        if !buf.is_empty() {
            copy.send(buf.into_bytes()).await?;
        }
        copy.finish().await?;
        Ok(stage)
    }

    pub(super) async fn insert_plain(
        c: &mut PgConnection,
        table: &RecordTable,
        codes: &[String],
        rows: &[Accepted],
        change: Change<'_>,
    ) -> Result<u64> {
        let stage = quote(&stage(c, table, codes, rows).await?);
        let given: String = codes.iter().map(|c| format!(", {}", quote(c))).collect();
        let n = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {} (\"_key\", \"_batch_id\", \"_changed_by\", \"_changed_at\"{given}) \
             SELECT s.\"_key\", $1, $2, $3{} FROM {stage} s",
            quote(&table.name),
            codes
                .iter()
                .map(|c| format!(", s.{}", quote(c)))
                .collect::<String>()
        )))
        .bind(change.batch_id)
        .bind(change.changed_by)
        .bind(change.at_ms)
        .execute(&mut *c)
        .await?
        .rows_affected();
        Ok(n)
    }
}
