//! Batches and the rows they rejected.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BatchRow {
    pub id: String,
    pub resource_id: String,
    pub org_id: String,
    pub source: String,
    pub status: String,
    pub file_name: Option<String>,
    pub file_format: Option<String>,
    pub encoding: Option<String>,
    /// The input's column names, JSON.
    pub header: String,
    pub rows_total: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    /// The quality report, JSON.
    pub quality: Option<String>,
    pub score: Option<f64>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub pull_source_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

const COLUMNS: &str = "id, resource_id, org_id, source, status, file_name, file_format, encoding, \
     header, rows_total, accepted, rejected, inserted, updated, unchanged, quality, score, \
     error_code, error_message, pull_source_id, created_by, created_at, finished_at";

/// Records a batch as `running`, before any row is read.
pub async fn insert(tx: &mut Tx, _: &Permit, b: &BatchRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO batches ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)"
    );
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&b.id).bind(&b.resource_id).bind(&b.org_id).bind(&b.source).bind(&b.status)
        .bind(&b.file_name).bind(&b.file_format).bind(&b.encoding).bind(&b.header)
        .bind(b.rows_total).bind(b.accepted).bind(b.rejected).bind(b.inserted).bind(b.updated)
        .bind(b.unchanged).bind(&b.quality).bind(b.score).bind(&b.error_code)
        .bind(&b.error_message).bind(&b.pull_source_id).bind(&b.created_by).bind(b.created_at)
        .bind(b.finished_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Writes the outcome: status, counts, report, error, finish time (and what the input turned
/// out to be). Only a `running` batch changes; returns whether it did.
pub async fn finish(tx: &mut Tx, _: &Permit, b: &BatchRow) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE batches SET status = $1, file_format = $2, encoding = $3, header = $4,
             rows_total = $5, accepted = $6, rejected = $7, inserted = $8, updated = $9,
             unchanged = $10, quality = $11, score = $12, error_code = $13, error_message = $14,
             finished_at = $15
         WHERE id = $16 AND status = 'running'")
        .bind(&b.status).bind(&b.file_format).bind(&b.encoding).bind(&b.header)
        .bind(b.rows_total).bind(b.accepted).bind(b.rejected).bind(b.inserted).bind(b.updated)
        .bind(b.unchanged).bind(&b.quality).bind(b.score).bind(&b.error_code)
        .bind(&b.error_message).bind(b.finished_at).bind(&b.id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<BatchRow>> {
    let sql = format!("SELECT {COLUMNS} FROM batches WHERE id = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(c).await?),
    )
}

/// A resource's batches, newest first, before the cursor id (UUIDv7 ids sort by time).
pub async fn list_for_resource(
    tx: &mut Tx,
    resource_id: &str,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<BatchRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM batches WHERE resource_id = $1 AND ($2 IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(resource_id).bind(before).bind(limit)
        .fetch_all(c).await?),
    )
}

/// Batches still `running` that began before `started_before`: what a crash left behind.
pub async fn stale_running(tx: &mut Tx, started_before: i64) -> Result<Vec<BatchRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM batches WHERE status = 'running' AND created_at < $1 ORDER BY id"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(started_before).fetch_all(c).await?),
    )
}

/// The finish time of the resource's last accepted batch.
pub async fn last_accepted_of(tx: &mut Tx, resource_id: &str) -> Result<Option<i64>> {
    Ok(each!(tx, c => sqlx::query_scalar(
        "SELECT MAX(finished_at) FROM batches WHERE resource_id = $1 AND status = 'accepted'")
        .bind(resource_id).fetch_one(c).await?))
}

/// Per resource, the finish time of its last accepted batch.
pub async fn last_accepted(tx: &mut Tx) -> Result<Vec<(String, i64)>> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT resource_id, MAX(finished_at) FROM batches
         WHERE status = 'accepted' AND finished_at IS NOT NULL GROUP BY resource_id")
        .fetch_all(c).await?))
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RejectRow {
    pub line: i64,
    /// The cells as they came, JSON array.
    pub raw: String,
    pub reason: String,
    /// The problem codes, comma-separated.
    pub codes: String,
}

/// Rejected rows in line order after `after_line`.
pub async fn rejects(
    tx: &mut Tx,
    batch_id: &str,
    after_line: i64,
    limit: i64,
) -> Result<Vec<RejectRow>> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT line, raw, reason, codes FROM batch_rejects WHERE batch_id = $1 AND line > $2
         ORDER BY line LIMIT $3")
        .bind(batch_id).bind(after_line).bind(limit).fetch_all(c).await?))
}
