//! The application showcase (应用展示): what people built on open data, shown once the
//! authority reviewed it.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ShowcaseRow {
    pub id: String,
    pub title: String,
    pub description: String,
    pub url: String,
    /// JSON array of the open datasets' names.
    pub datasets: String,
    pub user_id: String,
    pub submitted_by: String,
    pub status: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
    pub review_reason: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, title, description, url, datasets, user_id, submitted_by, status,
    reviewed_by, reviewed_at, review_reason, created_at";

pub async fn insert(tx: &mut Tx, _: &Permit, s: &ShowcaseRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO showcase ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
             $12)"
    );
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&s.id).bind(&s.title).bind(&s.description).bind(&s.url).bind(&s.datasets)
        .bind(&s.user_id).bind(&s.submitted_by).bind(&s.status).bind(&s.reviewed_by)
        .bind(s.reviewed_at).bind(&s.review_reason).bind(s.created_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<ShowcaseRow>> {
    let sql = format!("SELECT {COLUMNS} FROM showcase WHERE id = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await?),
    )
}

/// Newest first, before the id `before`.
pub async fn list(
    tx: &mut Tx,
    status: Option<&str>,
    user_id: Option<&str>,
    before: Option<&str>,
    limit: u32,
) -> Result<Vec<ShowcaseRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM showcase
         WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR user_id = $2)
           AND ($3 IS NULL OR id < $3)
         ORDER BY id DESC LIMIT {limit}"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(status).bind(user_id).bind(before).fetch_all(c).await?),
    )
}

/// Moves an entry from `from` to `to` with the reviewer's reason; false if it was not in
/// `from` (someone reviewed it meanwhile).
#[allow(clippy::too_many_arguments)]
pub async fn review(
    tx: &mut Tx,
    _: &Permit,
    id: &str,
    from: &str,
    to: &str,
    reason: Option<&str>,
    by: &str,
    at: i64,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE showcase SET status = $1, review_reason = $2, reviewed_by = $3, reviewed_at = $4
         WHERE id = $5 AND status = $6")
        .bind(to).bind(reason).bind(by).bind(at).bind(id).bind(from)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}
