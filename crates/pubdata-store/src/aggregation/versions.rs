//! Published data versions of a resource, each with its files in the file store.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DataVersionRow {
    pub resource_id: String,
    pub number: i64,
    pub published_at: i64,
    pub published_by: String,
    pub rows_count: i64,
    pub catalog_version: i64,
    /// `[{"format", "key", "sha256", "size"}]`, JSON written by the caller.
    pub files: String,
}

const COLUMNS: &str =
    "resource_id, number, published_at, published_by, rows_count, catalog_version, files";

pub async fn next_number(tx: &mut Tx, resource_id: &str) -> Result<i64> {
    let n: i64 = each!(tx, c => sqlx::query_scalar(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM data_versions WHERE resource_id = $1")
        .bind(resource_id).fetch_one(c).await?);
    Ok(n)
}

pub async fn insert(tx: &mut Tx, _: &Permit, v: &DataVersionRow) -> Result<()> {
    let sql = format!("INSERT INTO data_versions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&v.resource_id).bind(v.number).bind(v.published_at).bind(&v.published_by)
        .bind(v.rows_count).bind(v.catalog_version).bind(&v.files)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Newest first.
pub async fn list(tx: &mut Tx, resource_id: &str) -> Result<Vec<DataVersionRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM data_versions WHERE resource_id = $1 ORDER BY number DESC");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(resource_id).fetch_all(c).await?),
    )
}

pub async fn get(tx: &mut Tx, resource_id: &str, number: i64) -> Result<Option<DataVersionRow>> {
    let sql = format!("SELECT {COLUMNS} FROM data_versions WHERE resource_id = $1 AND number = $2");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(resource_id).bind(number).fetch_optional(c).await?),
    )
}
