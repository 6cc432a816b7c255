//! Public interaction (互动交流): data requests, error reports, suggestions, complaints, each
//! answered by a unit (or the authority) by a due date.
//!
//! An error report on a record became an objection on it when it was filed; such an item is
//! answered through its objection, so every read joins the objection and takes its status,
//! due date and answer from there (one answer, kept in one place).

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

/// A row as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRow {
    pub id: String,
    pub kind: String,
    pub dataset_id: Option<String>,
    /// Who answers; `None`, the data authority.
    pub provider_org_id: Option<String>,
    pub record_key: Option<String>,
    pub body: String,
    pub contact: Option<String>,
    pub user_id: Option<String>,
    pub submitted_by: String,
    pub status: String,
    pub filed_on: String,
    pub due_date: String,
    pub rule_key: String,
    pub rule_days: i64,
    pub rule_source: String,
    pub objection_id: Option<String>,
    pub created_at: i64,
}

/// An item as read: its own answer, or its objection's.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FeedbackItem {
    pub id: String,
    pub kind: String,
    pub dataset_id: Option<String>,
    /// The open dataset's name, when the item names one.
    pub dataset_name: Option<String>,
    pub provider_org_id: Option<String>,
    pub record_key: Option<String>,
    pub body: String,
    pub contact: Option<String>,
    pub user_id: Option<String>,
    pub submitted_by: String,
    /// `open` or `answered` (the objection's, when there is one).
    pub status: String,
    pub filed_on: String,
    pub due_date: String,
    pub rule_key: String,
    pub rule_days: i64,
    pub rule_source: String,
    pub objection_id: Option<String>,
    /// The objection's outcome (`corrected`, `confirmed`), once answered.
    pub outcome: Option<String>,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<i64>,
    pub created_at: i64,
}

const SELECT: &str = "SELECT f.id, f.kind, f.dataset_id, d.name AS dataset_name,
    f.provider_org_id, f.record_key, f.body, f.contact, f.user_id, f.submitted_by,
    COALESCE(o.status, f.status) AS status, f.filed_on,
    COALESCE(o.due_date, f.due_date) AS due_date, COALESCE(o.rule_key, f.rule_key) AS rule_key,
    COALESCE(o.rule_days, f.rule_days) AS rule_days,
    COALESCE(o.rule_source, f.rule_source) AS rule_source,
    f.objection_id, o.outcome AS outcome, COALESCE(o.explanation, f.answer) AS answer,
    COALESCE(o.answered_by, f.answered_by) AS answered_by,
    COALESCE(o.answered_at, f.answered_at) AS answered_at, f.created_at
    FROM feedback f
    LEFT JOIN open_datasets d ON d.id = f.dataset_id
    LEFT JOIN objections o ON o.id = f.objection_id";

pub async fn insert(tx: &mut Tx, _: &Permit, f: &FeedbackRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO feedback (id, kind, dataset_id, provider_org_id, record_key, body, contact,
             user_id, submitted_by, status, filed_on, due_date, rule_key, rule_days, rule_source,
             objection_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)")
        .bind(&f.id).bind(&f.kind).bind(&f.dataset_id).bind(&f.provider_org_id)
        .bind(&f.record_key).bind(&f.body).bind(&f.contact).bind(&f.user_id)
        .bind(&f.submitted_by).bind(&f.status).bind(&f.filed_on).bind(&f.due_date)
        .bind(&f.rule_key).bind(f.rule_days).bind(&f.rule_source).bind(&f.objection_id)
        .bind(f.created_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<FeedbackItem>> {
    let sql = format!("{SELECT} WHERE f.id = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await?),
    )
}

/// Which items a list shows.
#[derive(Debug, Clone, Default)]
pub struct FeedbackFilter<'a> {
    pub kind: Option<&'a str>,
    /// The open dataset's name.
    pub dataset: Option<&'a str>,
    pub status: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub provider_org_id: Option<&'a str>,
}

/// Newest first, before the id `before`.
pub async fn list(
    tx: &mut Tx,
    f: &FeedbackFilter<'_>,
    before: Option<&str>,
    limit: u32,
) -> Result<Vec<FeedbackItem>> {
    let sql = format!(
        "{SELECT}
         WHERE ($1 IS NULL OR f.kind = $1) AND ($2 IS NULL OR d.name = $2)
           AND ($3 IS NULL OR COALESCE(o.status, f.status) = $3)
           AND ($4 IS NULL OR f.user_id = $4) AND ($5 IS NULL OR f.provider_org_id = $5)
           AND ($6 IS NULL OR f.id < $6)
         ORDER BY f.id DESC LIMIT {limit}"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(f.kind).bind(f.dataset).bind(f.status).bind(f.user_id).bind(f.provider_org_id)
        .bind(before).fetch_all(c).await?),
    )
}

/// What waits for an answer from one unit (`Some`) or from anyone (`None`): the open items,
/// earliest due first (so the overdue lead), after the position `(due_date, id)`.
pub async fn waiting(
    tx: &mut Tx,
    provider_org_id: Option<&str>,
    after: Option<(&str, &str)>,
    limit: u32,
) -> Result<Vec<FeedbackItem>> {
    let sql = format!(
        "{SELECT}
         WHERE COALESCE(o.status, f.status) = 'open'
           AND ($1 IS NULL OR f.provider_org_id = $1)
           AND ($2 IS NULL OR COALESCE(o.due_date, f.due_date) > $2
                OR (COALESCE(o.due_date, f.due_date) = $2 AND f.id > $3))
         ORDER BY COALESCE(o.due_date, f.due_date), f.id LIMIT {limit}"
    );
    let (due, id) = after.unzip();
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(provider_org_id).bind(due).bind(id).fetch_all(c).await?),
    )
}

/// Answers an open item that has no objection; false if it was answered already (or is
/// answered through its objection).
pub async fn answer(
    tx: &mut Tx,
    _: &Permit,
    id: &str,
    answer: &str,
    by: &str,
    at: i64,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE feedback SET status = 'answered', answer = $1, answered_by = $2, answered_at = $3
         WHERE id = $4 AND status = 'open' AND objection_id IS NULL")
        .bind(answer).bind(by).bind(at).bind(id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}
