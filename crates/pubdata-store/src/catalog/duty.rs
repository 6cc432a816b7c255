//! Duty changes (a law, regulation or a unit's duties changed), the catalog review tasks they
//! open, and the deadline rules that set their due dates.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DutyChangeRow {
    pub id: String,
    pub org_id: String,
    /// `YYYY-MM-DD`: the day the change took effect.
    pub changed_on: String,
    pub description: String,
    pub legal_source: String,
    pub recorded_by: Option<String>,
    pub created_at: i64,
}

pub async fn insert_change(tx: &mut Tx, _: &Permit, d: &DutyChangeRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO duty_changes (id, org_id, changed_on, description, legal_source,
             recorded_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&d.id).bind(&d.org_id).bind(&d.changed_on).bind(&d.description)
        .bind(&d.legal_source).bind(&d.recorded_by).bind(d.created_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// A review task with its duty change's details.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TaskRow {
    pub id: String,
    pub org_id: String,
    pub duty_change_id: String,
    pub due_date: String,
    pub rule_days: i64,
    pub rule_source: String,
    /// `open` or `closed`.
    pub status: String,
    pub resolution: Option<String>,
    pub note: Option<String>,
    pub resource_id: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    pub created_at: i64,
    // From the duty change:
    pub changed_on: String,
    pub description: String,
    pub legal_source: String,
}

const TASK_SELECT: &str = "SELECT t.id, t.org_id, t.duty_change_id, t.due_date, t.rule_days,
        t.rule_source, t.status, t.resolution, t.note, t.resource_id, t.closed_by, t.closed_at,
        t.created_at, d.changed_on, d.description, d.legal_source
     FROM review_tasks t JOIN duty_changes d ON d.id = t.duty_change_id";

pub async fn insert_task(tx: &mut Tx, _: &Permit, t: &TaskRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO review_tasks (id, org_id, duty_change_id, due_date, rule_days, rule_source,
             status, resolution, note, resource_id, closed_by, closed_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
        .bind(&t.id).bind(&t.org_id).bind(&t.duty_change_id).bind(&t.due_date)
        .bind(t.rule_days).bind(&t.rule_source).bind(&t.status).bind(&t.resolution)
        .bind(&t.note).bind(&t.resource_id).bind(&t.closed_by).bind(t.closed_at)
        .bind(t.created_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn get_task(tx: &mut Tx, id: &str) -> Result<Option<TaskRow>> {
    let sql = format!("{TASK_SELECT} WHERE t.id = $1");
    Ok(
        each!(tx, c => sqlx::query_as::<_, TaskRow>(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await?),
    )
}

/// Tasks of one unit or all, optionally of one status, soonest due first; `overdue_on`
/// keeps only open tasks due before that day.
pub async fn list_tasks(
    tx: &mut Tx,
    org_id: Option<&str>,
    status: Option<&str>,
    overdue_on: Option<&str>,
) -> Result<Vec<TaskRow>> {
    let sql = format!(
        "{TASK_SELECT}
         WHERE ($1 IS NULL OR t.org_id = $1) AND ($2 IS NULL OR t.status = $2)
           AND ($3 IS NULL OR (t.status = 'open' AND t.due_date < $3))
         ORDER BY t.status DESC, t.due_date, t.id LIMIT 1000"
    );
    Ok(
        each!(tx, c => sqlx::query_as::<_, TaskRow>(sqlx::AssertSqlSafe(sql))
        .bind(org_id).bind(status).bind(overdue_on).fetch_all(c).await?),
    )
}

/// Closes a task if it is still open; false if it was not. (One argument a column.)
#[allow(clippy::too_many_arguments)]
pub async fn close_task(
    tx: &mut Tx,
    _: &Permit,
    id: &str,
    resolution: &str,
    note: Option<&str>,
    resource_id: Option<&str>,
    closed_by: Option<&str>,
    at: i64,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE review_tasks SET status = 'closed', resolution = $1, note = $2,
             resource_id = $3, closed_by = $4, closed_at = $5
         WHERE id = $6 AND status = 'open'")
        .bind(resolution).bind(note).bind(resource_id).bind(closed_by).bind(at).bind(id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RuleRow {
    pub key: String,
    pub days: i64,
    pub legal_source: String,
    pub updated_at: i64,
}

pub async fn rule(tx: &mut Tx, key: &str) -> Result<Option<RuleRow>> {
    Ok(each!(tx, c => sqlx::query_as::<_, RuleRow>(
        "SELECT key, days, legal_source, updated_at FROM deadline_rules WHERE key = $1")
        .bind(key).fetch_optional(c).await?))
}

pub async fn rules(tx: &mut Tx) -> Result<Vec<RuleRow>> {
    Ok(each!(tx, c => sqlx::query_as::<_, RuleRow>(
        "SELECT key, days, legal_source, updated_at FROM deadline_rules ORDER BY key")
        .fetch_all(c).await?))
}

pub async fn set_rule(tx: &mut Tx, _: &Permit, r: &RuleRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO deadline_rules (key, days, legal_source, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET days = excluded.days,
             legal_source = excluded.legal_source, updated_at = excluded.updated_at")
        .bind(&r.key).bind(r.days).bind(&r.legal_source).bind(r.updated_at)
        .execute(c).await?.rows_affected());
    Ok(())
}
