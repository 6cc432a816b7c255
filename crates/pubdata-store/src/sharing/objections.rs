//! Objections (异议): a record said to be wrong, checked by its provider by a due date.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ObjectionRow {
    pub id: String,
    pub resource_id: String,
    pub provider_org_id: String,
    pub record_key: String,
    pub reason: String,
    pub evidence: String,
    pub filed_by: String,
    pub filed_by_user_id: Option<String>,
    pub filer_org_id: Option<String>,
    pub status: String,
    pub filed_on: String,
    pub due_date: String,
    pub rule_key: String,
    pub rule_days: i64,
    pub rule_source: String,
    pub complex_reason: Option<String>,
    pub outcome: Option<String>,
    pub explanation: Option<String>,
    pub batch_id: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, resource_id, provider_org_id, record_key, reason, evidence, filed_by,
    filed_by_user_id, filer_org_id, status, filed_on, due_date, rule_key, rule_days, rule_source,
    complex_reason, outcome, explanation, batch_id, answered_by, answered_at, created_at";

pub async fn insert(tx: &mut Tx, _: &Permit, o: &ObjectionRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO objections ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
             $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
    );
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&o.id).bind(&o.resource_id).bind(&o.provider_org_id).bind(&o.record_key)
        .bind(&o.reason).bind(&o.evidence).bind(&o.filed_by).bind(&o.filed_by_user_id)
        .bind(&o.filer_org_id).bind(&o.status).bind(&o.filed_on).bind(&o.due_date)
        .bind(&o.rule_key).bind(o.rule_days).bind(&o.rule_source).bind(&o.complex_reason)
        .bind(&o.outcome).bind(&o.explanation).bind(&o.batch_id).bind(&o.answered_by)
        .bind(o.answered_at).bind(o.created_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<ObjectionRow>> {
    let sql = format!("SELECT {COLUMNS} FROM objections WHERE id = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await?),
    )
}

/// Which objections a list shows.
#[derive(Debug, Clone, Default)]
pub struct ObjectionFilter<'a> {
    pub provider_org_id: Option<&'a str>,
    pub filed_by_user_id: Option<&'a str>,
    pub resource_id: Option<&'a str>,
    pub record_key: Option<&'a str>,
    pub status: Option<&'a str>,
    pub before: Option<&'a str>,
}

/// Newest first.
pub async fn list(tx: &mut Tx, f: &ObjectionFilter<'_>, limit: u32) -> Result<Vec<ObjectionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM objections
         WHERE ($1 IS NULL OR provider_org_id = $1) AND ($2 IS NULL OR filed_by_user_id = $2)
           AND ($3 IS NULL OR resource_id = $3) AND ($4 IS NULL OR record_key = $4)
           AND ($5 IS NULL OR status = $5) AND ($6 IS NULL OR id < $6)
         ORDER BY id DESC LIMIT {limit}"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(f.provider_org_id).bind(f.filed_by_user_id).bind(f.resource_id)
        .bind(f.record_key).bind(f.status).bind(f.before)
        .fetch_all(c).await?),
    )
}

/// The keys of a resource's records under an open objection (the disputed mark).
pub async fn disputed_keys(tx: &mut Tx, resource_id: &str) -> Result<Vec<String>> {
    Ok(each!(tx, c => sqlx::query_scalar(
        "SELECT DISTINCT record_key FROM objections WHERE resource_id = $1 AND status = 'open'")
        .bind(resource_id).fetch_all(c).await?))
}

/// Whether a record is under an open objection.
pub async fn is_disputed(tx: &mut Tx, resource_id: &str, key: &str) -> Result<bool> {
    let n: i64 = each!(tx, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM objections
         WHERE resource_id = $1 AND record_key = $2 AND status = 'open'")
        .bind(resource_id).bind(key).fetch_one(c).await?);
    Ok(n > 0)
}

/// Marks an open objection complex: the longer rule and its due date.
#[allow(clippy::too_many_arguments)]
pub async fn mark_complex(
    tx: &mut Tx,
    _: &Permit,
    id: &str,
    reason: &str,
    due_date: &str,
    rule_key: &str,
    rule_days: i64,
    rule_source: &str,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE objections SET complex_reason = $1, due_date = $2, rule_key = $3, rule_days = $4,
             rule_source = $5
         WHERE id = $6 AND status = 'open' AND complex_reason IS NULL")
        .bind(reason).bind(due_date).bind(rule_key).bind(rule_days).bind(rule_source).bind(id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Answers an open objection; false if it was answered already.
#[allow(clippy::too_many_arguments)]
pub async fn answer(
    tx: &mut Tx,
    _: &Permit,
    id: &str,
    outcome: &str,
    explanation: &str,
    batch_id: Option<&str>,
    by: &str,
    at: i64,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE objections SET status = 'answered', outcome = $1, explanation = $2, batch_id = $3,
             answered_by = $4, answered_at = $5
         WHERE id = $6 AND status = 'open'")
        .bind(outcome).bind(explanation).bind(batch_id).bind(by).bind(at).bind(id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}
