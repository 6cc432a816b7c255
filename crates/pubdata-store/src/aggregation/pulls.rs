//! Pull sources: a unit's database that the platform reads on the resource's update cycle.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PullSourceRow {
    pub id: String,
    pub resource_id: String,
    /// The source's spec, JSON, with the connection secret.
    pub spec: String,
    /// The cursor after the last accepted pull, JSON.
    pub cursor: Option<String>,
    pub enabled: i64,
    pub last_pull_at: Option<i64>,
    pub last_batch_id: Option<String>,
    pub last_error: Option<String>,
    pub created_by: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, resource_id, spec, cursor, enabled, last_pull_at, last_batch_id, \
     last_error, created_by, created_at";

pub async fn insert(tx: &mut Tx, _: &Permit, p: &PullSourceRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO pull_sources ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    );
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&p.id).bind(&p.resource_id).bind(&p.spec).bind(&p.cursor).bind(p.enabled)
        .bind(p.last_pull_at).bind(&p.last_batch_id).bind(&p.last_error).bind(&p.created_by)
        .bind(p.created_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<PullSourceRow>> {
    let sql = format!("SELECT {COLUMNS} FROM pull_sources WHERE id = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(c).await?),
    )
}

pub async fn list(tx: &mut Tx) -> Result<Vec<PullSourceRow>> {
    let sql = format!("SELECT {COLUMNS} FROM pull_sources ORDER BY id");
    Ok(each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await?))
}

/// After a pull: the new cursor (when a batch was accepted), the time, the batch, the error.
pub async fn record_pull(
    tx: &mut Tx,
    _: &Permit,
    id: &str,
    cursor: Option<&str>,
    at: i64,
    batch_id: Option<&str>,
    error: Option<&str>,
) -> Result<()> {
    each!(tx, c => sqlx::query(
        "UPDATE pull_sources SET cursor = COALESCE($1, cursor), last_pull_at = $2,
             last_batch_id = COALESCE($3, last_batch_id), last_error = $4 WHERE id = $5")
        .bind(cursor).bind(at).bind(batch_id).bind(error).bind(id)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn set_enabled(tx: &mut Tx, _: &Permit, id: &str, enabled: bool) -> Result<bool> {
    let n = each!(tx, c => sqlx::query("UPDATE pull_sources SET enabled = $1 WHERE id = $2")
        .bind(i64::from(enabled)).bind(id).execute(c).await?.rows_affected());
    Ok(n == 1)
}
