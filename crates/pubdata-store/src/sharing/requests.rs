//! Share requests and their steps. A step waits on one unit until it is done; its due date
//! and the rule it follows are copied in when it opens.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestRow {
    pub id: String,
    pub resource_id: String,
    pub provider_org_id: String,
    pub requester_org_id: String,
    pub requester_system_id: Option<String>,
    pub requested_by: String,
    /// JSON array of field codes.
    pub fields: String,
    pub purpose: String,
    pub scenario: String,
    pub duty_basis: String,
    pub period_start: String,
    pub period_end: String,
    pub commitment_at: i64,
    pub rate_per_minute: Option<i64>,
    pub status: String,
    pub on_platform: bool,
    pub emergency_id: Option<String>,
    pub grant_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, resource_id, provider_org_id, requester_org_id, requester_system_id,
    requested_by, fields, purpose, scenario, duty_basis, period_start, period_end, commitment_at,
    rate_per_minute, status, on_platform, emergency_id, grant_id, created_at, updated_at";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StepRow {
    pub request_id: String,
    pub seq: i64,
    pub step: String,
    /// None: the data authority.
    pub actor_org_id: Option<String>,
    pub opened_on: String,
    pub due_date: String,
    pub rule_key: String,
    pub rule_days: i64,
    pub rule_source: String,
    pub opened_reason: Option<String>,
    pub done_at: Option<i64>,
    pub done_by: Option<String>,
    pub decision: Option<String>,
    pub reason: Option<String>,
    pub legal_basis: Option<String>,
}

const STEP_COLUMNS: &str = "request_id, seq, step, actor_org_id, opened_on, due_date, rule_key,
    rule_days, rule_source, opened_reason, done_at, done_by, decision, reason, legal_basis";

pub async fn insert(tx: &mut Tx, _: &Permit, r: &RequestRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO share_requests ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
             $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
    );
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&r.id).bind(&r.resource_id).bind(&r.provider_org_id).bind(&r.requester_org_id)
        .bind(&r.requester_system_id).bind(&r.requested_by).bind(&r.fields).bind(&r.purpose)
        .bind(&r.scenario).bind(&r.duty_basis).bind(&r.period_start).bind(&r.period_end)
        .bind(r.commitment_at).bind(r.rate_per_minute).bind(&r.status).bind(r.on_platform)
        .bind(&r.emergency_id).bind(&r.grant_id).bind(r.created_at).bind(r.updated_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<RequestRow>> {
    let sql = format!("SELECT {COLUMNS} FROM share_requests WHERE id = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await?),
    )
}

/// Moves a request from `from` to `to` (and sets its grant); false if it was not in `from`
/// any more (someone else acted first).
pub async fn set_status(
    tx: &mut Tx,
    _: &Permit,
    id: &str,
    from: &str,
    to: &str,
    grant_id: Option<&str>,
    at: i64,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE share_requests SET status = $1, grant_id = COALESCE($2, grant_id), updated_at = $3
         WHERE id = $4 AND status = $5")
        .bind(to).bind(grant_id).bind(at).bind(id).bind(from)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Which requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter<'a> {
    /// Requests filed by this unit or addressed to it (as provider).
    pub org_id: Option<&'a str>,
    pub resource_id: Option<&'a str>,
    pub status: Option<&'a str>,
    /// Ids below this one (newest first).
    pub before: Option<&'a str>,
}

/// Newest first.
pub async fn list(tx: &mut Tx, f: &RequestFilter<'_>, limit: u32) -> Result<Vec<RequestRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM share_requests
         WHERE ($1 IS NULL OR requester_org_id = $1 OR provider_org_id = $1)
           AND ($2 IS NULL OR resource_id = $2) AND ($3 IS NULL OR status = $3)
           AND ($4 IS NULL OR id < $4)
         ORDER BY id DESC LIMIT {limit}"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(f.org_id).bind(f.resource_id).bind(f.status).bind(f.before)
        .fetch_all(c).await?),
    )
}

pub async fn insert_step(tx: &mut Tx, _: &Permit, s: &StepRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO share_request_steps ({STEP_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    );
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&s.request_id).bind(s.seq).bind(&s.step).bind(&s.actor_org_id).bind(&s.opened_on)
        .bind(&s.due_date).bind(&s.rule_key).bind(s.rule_days).bind(&s.rule_source).bind(&s.opened_reason)
        .bind(s.done_at).bind(&s.done_by).bind(&s.decision).bind(&s.reason).bind(&s.legal_basis)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// A request's steps in order.
pub async fn steps(tx: &mut Tx, request_id: &str) -> Result<Vec<StepRow>> {
    let sql = format!(
        "SELECT {STEP_COLUMNS} FROM share_request_steps WHERE request_id = $1 ORDER BY seq"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(request_id).fetch_all(c).await?),
    )
}

/// The steps of many requests, in request then step order.
pub async fn steps_of(tx: &mut Tx, request_ids: &[String]) -> Result<Vec<StepRow>> {
    let mut out = Vec::new();
    for chunk in request_ids.chunks(200) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {STEP_COLUMNS} FROM share_request_steps WHERE request_id IN ({})
             ORDER BY request_id, seq",
            marks.join(", ")
        );
        let rows: Vec<StepRow> = each!(tx, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for id in chunk {
                q = q.bind(id);
            }
            q.fetch_all(c).await?
        });
        out.extend(rows);
    }
    Ok(out)
}

/// Closes the open step `seq` of a request with its decision; false if it was done already.
#[allow(clippy::too_many_arguments)]
pub async fn close_step(
    tx: &mut Tx,
    _: &Permit,
    request_id: &str,
    seq: i64,
    by: &str,
    decision: &str,
    reason: Option<&str>,
    legal_basis: Option<&str>,
    at: i64,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE share_request_steps SET done_at = $1, done_by = $2, decision = $3, reason = $4,
             legal_basis = $5
         WHERE request_id = $6 AND seq = $7 AND done_at IS NULL")
        .bind(at).bind(by).bind(decision).bind(reason).bind(legal_basis).bind(request_id).bind(seq)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Whose open steps to list.
#[derive(Debug, Clone, Copy)]
pub enum WaitingOn<'a> {
    /// The data authority's steps.
    Authority,
    Org(&'a str),
    /// Everyone's.
    Anyone,
}

/// Open steps, soonest due first; with `due_before`, only those overdue on that day.
pub async fn waiting_steps(
    tx: &mut Tx,
    on: WaitingOn<'_>,
    due_before: Option<&str>,
    limit: u32,
) -> Result<Vec<StepRow>> {
    let (who, org) = match on {
        WaitingOn::Authority => ("actor_org_id IS NULL", None),
        WaitingOn::Org(o) => ("actor_org_id = $2", Some(o)),
        WaitingOn::Anyone => ("TRUE", None),
    };
    let sql = format!(
        "SELECT {STEP_COLUMNS} FROM share_request_steps
         WHERE done_at IS NULL AND {who} AND ($1 IS NULL OR due_date < $1)
         ORDER BY due_date, request_id LIMIT {limit}"
    );
    Ok(each!(tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(due_before);
        if org.is_some() {
            q = q.bind(org);
        }
        q.fetch_all(c).await?
    }))
}
