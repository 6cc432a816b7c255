//! Applications for conditional data (有条件开放申请) with their steps, the agreements
//! (开放利用协议) an approval makes, and the use reports their holders file. A step waits on
//! the authority (`actor_org_id` NULL) or the provider until it is done; its due date and the
//! rule it follows are copied in when it opens.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: String,
    pub dataset_id: String,
    pub provider_org_id: String,
    pub user_id: String,
    pub username: String,
    pub purpose: String,
    pub scenario: String,
    /// `person` or `organisation`.
    pub applicant_kind: String,
    pub applicant_name: String,
    pub applicant_uscc: Option<String>,
    pub applicant_contact: String,
    /// JSON array of field codes.
    pub fields: String,
    pub period_start: String,
    pub period_end: String,
    pub commitment_version: String,
    pub commitment_at: i64,
    pub status: String,
    pub agreement_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, dataset_id, provider_org_id, user_id, username, purpose, scenario,
    applicant_kind, applicant_name, applicant_uscc, applicant_contact, fields, period_start,
    period_end, commitment_version, commitment_at, status, agreement_id, created_at, updated_at";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StepRow {
    pub application_id: String,
    pub seq: i64,
    pub step: String,
    /// None: the data authority.
    pub actor_org_id: Option<String>,
    pub opened_on: String,
    pub due_date: String,
    pub rule_key: String,
    pub rule_days: i64,
    pub rule_source: String,
    pub extended_days: Option<i64>,
    pub extension_reason: Option<String>,
    pub extended_at: Option<i64>,
    pub done_at: Option<i64>,
    pub done_by: Option<String>,
    pub decision: Option<String>,
    pub reason: Option<String>,
    pub legal_basis: Option<String>,
}

const STEP_COLUMNS: &str = "application_id, seq, step, actor_org_id, opened_on, due_date,
    rule_key, rule_days, rule_source, extended_days, extension_reason, extended_at, done_at,
    done_by, decision, reason, legal_basis";

pub async fn insert(tx: &mut Tx, _: &Permit, r: &ApplicationRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO open_applications ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
             $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
    );
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&r.id).bind(&r.dataset_id).bind(&r.provider_org_id).bind(&r.user_id)
        .bind(&r.username).bind(&r.purpose).bind(&r.scenario).bind(&r.applicant_kind)
        .bind(&r.applicant_name).bind(&r.applicant_uscc).bind(&r.applicant_contact)
        .bind(&r.fields).bind(&r.period_start).bind(&r.period_end).bind(&r.commitment_version)
        .bind(r.commitment_at).bind(&r.status).bind(&r.agreement_id).bind(r.created_at)
        .bind(r.updated_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<ApplicationRow>> {
    let sql = format!("SELECT {COLUMNS} FROM open_applications WHERE id = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await?),
    )
}

/// Moves an application from `from` to `to` (and sets its agreement); false if it was not in
/// `from` any more (someone else acted first).
pub async fn set_status(
    tx: &mut Tx,
    _: &Permit,
    id: &str,
    from: &str,
    to: &str,
    agreement_id: Option<&str>,
    at: i64,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE open_applications SET status = $1, agreement_id = COALESCE($2, agreement_id),
             updated_at = $3
         WHERE id = $4 AND status = $5")
        .bind(to).bind(agreement_id).bind(at).bind(id).bind(from)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Which applications a list shows; every filter set must hold.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter<'a> {
    /// Filed by this user.
    pub user_id: Option<&'a str>,
    /// Addressed to this unit (as provider).
    pub provider_org_id: Option<&'a str>,
    pub dataset_id: Option<&'a str>,
    pub status: Option<&'a str>,
    /// Ids below this one (newest first).
    pub before: Option<&'a str>,
}

/// Newest first.
pub async fn list(
    tx: &mut Tx,
    f: &ApplicationFilter<'_>,
    limit: u32,
) -> Result<Vec<ApplicationRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM open_applications
         WHERE ($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR provider_org_id = $2)
           AND ($3 IS NULL OR dataset_id = $3) AND ($4 IS NULL OR status = $4)
           AND ($5 IS NULL OR id < $5)
         ORDER BY id DESC LIMIT {limit}"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(f.user_id).bind(f.provider_org_id).bind(f.dataset_id).bind(f.status)
        .bind(f.before).fetch_all(c).await?),
    )
}

pub async fn insert_step(tx: &mut Tx, _: &Permit, s: &StepRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO open_application_steps ({STEP_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    );
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&s.application_id).bind(s.seq).bind(&s.step).bind(&s.actor_org_id)
        .bind(&s.opened_on).bind(&s.due_date).bind(&s.rule_key).bind(s.rule_days)
        .bind(&s.rule_source).bind(s.extended_days).bind(&s.extension_reason)
        .bind(s.extended_at).bind(s.done_at).bind(&s.done_by).bind(&s.decision)
        .bind(&s.reason).bind(&s.legal_basis)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// An application's steps in order.
pub async fn steps(tx: &mut Tx, application_id: &str) -> Result<Vec<StepRow>> {
    let sql = format!(
        "SELECT {STEP_COLUMNS} FROM open_application_steps WHERE application_id = $1
         ORDER BY seq"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(application_id).fetch_all(c).await?),
    )
}

/// The steps of many applications, in application then step order.
pub async fn steps_of(tx: &mut Tx, application_ids: &[String]) -> Result<Vec<StepRow>> {
    let mut out = Vec::new();
    for chunk in application_ids.chunks(200) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {STEP_COLUMNS} FROM open_application_steps WHERE application_id IN ({})
             ORDER BY application_id, seq",
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

/// A step's decision as it is recorded.
#[derive(Debug, Clone, Copy)]
pub struct StepClosing<'a> {
    pub by: &'a str,
    pub decision: &'a str,
    pub reason: Option<&'a str>,
    pub legal_basis: Option<&'a str>,
    pub at: i64,
}

/// Closes the open step `seq` with its decision; false if it was done already.
pub async fn close_step(
    tx: &mut Tx,
    _: &Permit,
    application_id: &str,
    seq: i64,
    d: StepClosing<'_>,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE open_application_steps SET done_at = $1, done_by = $2, decision = $3,
             reason = $4, legal_basis = $5
         WHERE application_id = $6 AND seq = $7 AND done_at IS NULL")
        .bind(d.at).bind(d.by).bind(d.decision).bind(d.reason).bind(d.legal_basis)
        .bind(application_id).bind(seq)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Moves an open step's due date once, saying why; false if the step is done or was
/// extended already.
#[allow(clippy::too_many_arguments)] // the extension's parts, each named at the call
pub async fn extend_step(
    tx: &mut Tx,
    _: &Permit,
    application_id: &str,
    seq: i64,
    due_date: &str,
    days: i64,
    reason: &str,
    at: i64,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE open_application_steps SET due_date = $1, extended_days = $2,
             extension_reason = $3, extended_at = $4
         WHERE application_id = $5 AND seq = $6 AND done_at IS NULL AND extended_days IS NULL")
        .bind(due_date).bind(days).bind(reason).bind(at).bind(application_id).bind(seq)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AgreementRow {
    pub id: String,
    pub application_id: String,
    pub dataset_id: String,
    pub provider_org_id: String,
    pub user_id: String,
    /// JSON array of field codes.
    pub fields: String,
    pub purpose: String,
    pub scenario: String,
    pub obligations: String,
    pub starts_on: String,
    pub ends_on: String,
    pub rate_per_minute: i64,
    /// `active` or `terminated`.
    pub status: String,
    pub created_at: i64,
    /// Read from the application, not stored with the agreement (an insert ignores them):
    /// the holder's username and the applicant's name (a person's or an organisation's).
    pub holder: String,
    pub applicant_name: String,
}

const AGREEMENT_COLUMNS: &str = "id, application_id, dataset_id, provider_org_id, user_id,
    fields, purpose, scenario, obligations, starts_on, ends_on, rate_per_minute, status,
    created_at";

/// The agreement's columns and the two it takes from its application (`p`).
const AGREEMENT_SELECT: &str = "SELECT a.id, a.application_id, a.dataset_id,
    a.provider_org_id, a.user_id, a.fields, a.purpose, a.scenario, a.obligations, a.starts_on,
    a.ends_on, a.rate_per_minute, a.status, a.created_at, p.username AS holder,
    p.applicant_name
    FROM agreements a JOIN open_applications p ON p.id = a.application_id";

pub async fn insert_agreement(tx: &mut Tx, _: &Permit, a: &AgreementRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO agreements ({AGREEMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
             $9, $10, $11, $12, $13, $14)"
    );
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&a.id).bind(&a.application_id).bind(&a.dataset_id).bind(&a.provider_org_id)
        .bind(&a.user_id).bind(&a.fields).bind(&a.purpose).bind(&a.scenario)
        .bind(&a.obligations).bind(&a.starts_on).bind(&a.ends_on).bind(a.rate_per_minute)
        .bind(&a.status).bind(a.created_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn get_agreement(tx: &mut Tx, id: &str) -> Result<Option<AgreementRow>> {
    let sql = format!("{AGREEMENT_SELECT} WHERE a.id = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await?),
    )
}

/// Which agreements a list shows; every filter set must hold.
#[derive(Debug, Clone, Default)]
pub struct AgreementFilter<'a> {
    /// Held by this user.
    pub user_id: Option<&'a str>,
    /// Of this unit's data.
    pub provider_org_id: Option<&'a str>,
    pub status: Option<&'a str>,
    pub before: Option<&'a str>,
}

/// Newest first.
pub async fn agreements(
    tx: &mut Tx,
    f: &AgreementFilter<'_>,
    limit: u32,
) -> Result<Vec<AgreementRow>> {
    let sql = format!(
        "{AGREEMENT_SELECT}
         WHERE ($1 IS NULL OR a.user_id = $1) AND ($2 IS NULL OR a.provider_org_id = $2)
           AND ($3 IS NULL OR a.status = $3) AND ($4 IS NULL OR a.id < $4)
         ORDER BY a.id DESC LIMIT {limit}"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(f.user_id).bind(f.provider_org_id).bind(f.status).bind(f.before)
        .fetch_all(c).await?),
    )
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UseReportRow {
    pub id: String,
    pub agreement_id: String,
    /// The month reported on, `YYYY-MM`.
    pub period: String,
    pub use_summary: String,
    pub results: String,
    pub submitted_by: String,
    pub submitted_at: i64,
}

const REPORT_COLUMNS: &str =
    "id, agreement_id, period, use_summary, results, submitted_by, submitted_at";

/// Files a report; a second report of the same agreement and month violates the table's
/// unique key (`StoreError::is_unique_violation`).
pub async fn insert_report(tx: &mut Tx, _: &Permit, r: &UseReportRow) -> Result<()> {
    let sql =
        format!("INSERT INTO use_reports ({REPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&r.id).bind(&r.agreement_id).bind(&r.period).bind(&r.use_summary)
        .bind(&r.results).bind(&r.submitted_by).bind(r.submitted_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Whether an agreement has a report for a month.
pub async fn report_exists(tx: &mut Tx, agreement_id: &str, period: &str) -> Result<bool> {
    let n: i64 = each!(tx, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM use_reports WHERE agreement_id = $1 AND period = $2")
        .bind(agreement_id).bind(period).fetch_one(c).await?);
    Ok(n > 0)
}

/// Which reports a list shows: those of agreements held by `user_id` and of `provider_org_id`'s
/// data, of one agreement; every filter set must hold.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter<'a> {
    pub user_id: Option<&'a str>,
    pub provider_org_id: Option<&'a str>,
    pub agreement_id: Option<&'a str>,
    pub before: Option<&'a str>,
}

/// Newest first.
pub async fn reports(tx: &mut Tx, f: &ReportFilter<'_>, limit: u32) -> Result<Vec<UseReportRow>> {
    let sql = format!(
        "SELECT r.id, r.agreement_id, r.period, r.use_summary, r.results, r.submitted_by,
             r.submitted_at
         FROM use_reports r JOIN agreements a ON a.id = r.agreement_id
         WHERE ($1 IS NULL OR a.user_id = $1) AND ($2 IS NULL OR a.provider_org_id = $2)
           AND ($3 IS NULL OR r.agreement_id = $3) AND ($4 IS NULL OR r.id < $4)
         ORDER BY r.id DESC LIMIT {limit}"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(f.user_id).bind(f.provider_org_id).bind(f.agreement_id).bind(f.before)
        .fetch_all(c).await?),
    )
}

/// The months reported on, per agreement, of the agreements a filter names (the overdue
/// list compares every month due with these).
pub async fn reported_months(tx: &mut Tx, f: &ReportFilter<'_>) -> Result<Vec<(String, String)>> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT r.agreement_id, r.period
         FROM use_reports r JOIN agreements a ON a.id = r.agreement_id
         WHERE ($1 IS NULL OR a.user_id = $1) AND ($2 IS NULL OR a.provider_org_id = $2)
           AND ($3 IS NULL OR r.agreement_id = $3)
         ORDER BY r.agreement_id, r.period")
        .bind(f.user_id).bind(f.provider_org_id).bind(f.agreement_id)
        .fetch_all(c).await?))
}

/// A key issued for an agreement, as its holder's token stands.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AgreementKeyRow {
    pub agreement_id: String,
    pub token_id: String,
    pub prefix: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

/// The keys issued for these agreements, oldest first.
pub async fn agreement_keys(tx: &mut Tx, agreement_ids: &[String]) -> Result<Vec<AgreementKeyRow>> {
    let mut out = Vec::new();
    for chunk in agreement_ids.chunks(200) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT k.agreement_id, k.token_id, t.prefix, t.created_at, t.expires_at,
                 t.revoked_at
             FROM open_keys k JOIN api_tokens t ON t.id = k.token_id
             WHERE k.agreement_id IN ({})
             ORDER BY t.created_at, k.token_id",
            marks.join(", ")
        );
        let rows: Vec<AgreementKeyRow> = each!(tx, c => {
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
