//! Proposals to open a resource (or a view of it), each with the security review that ran on
//! the data as it would open.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProposalRow {
    pub id: String,
    pub resource_id: String,
    pub provider_org_id: String,
    pub open_attr: String,
    /// JSON: field codes opened, in order.
    pub fields: String,
    /// JSON: {code: mask rule}.
    pub masks: String,
    /// JSON: quasi-identifier codes.
    pub quasi_identifiers: String,
    /// JSON: {code: value}, the rows kept (all when empty).
    pub row_filter: String,
    pub conditions: String,
    pub licence: String,
    pub min_k: i64,
    pub data_version: i64,
    /// JSON: the `SecurityReview`.
    pub review: String,
    pub review_passed: bool,
    pub status: String,
    pub proposed_by: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_reason: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, resource_id, provider_org_id, open_attr, fields, masks,
    quasi_identifiers, row_filter, conditions, licence, min_k, data_version, review,
    review_passed, status, proposed_by, decided_by, decided_at, decision_reason, created_at";

/// Inserts a proposal; earlier proposals of the resource still awaiting the authority are
/// superseded by it.
pub async fn insert(tx: &mut Tx, _: &Permit, p: &ProposalRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "UPDATE open_proposals SET status = 'superseded'
         WHERE resource_id = $1 AND status = 'proposed'")
        .bind(&p.resource_id).execute(c).await?.rows_affected());
    let sql = format!(
        "INSERT INTO open_proposals ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
             $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
    );
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&p.id).bind(&p.resource_id).bind(&p.provider_org_id).bind(&p.open_attr)
        .bind(&p.fields).bind(&p.masks).bind(&p.quasi_identifiers).bind(&p.row_filter)
        .bind(&p.conditions).bind(&p.licence).bind(p.min_k).bind(p.data_version)
        .bind(&p.review).bind(p.review_passed).bind(&p.status).bind(&p.proposed_by)
        .bind(&p.decided_by).bind(p.decided_at).bind(&p.decision_reason).bind(p.created_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<ProposalRow>> {
    let sql = format!("SELECT {COLUMNS} FROM open_proposals WHERE id = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await?),
    )
}

/// Which proposals a list shows.
#[derive(Debug, Clone, Default)]
pub struct ProposalFilter<'a> {
    pub resource_id: Option<&'a str>,
    pub provider_org_id: Option<&'a str>,
    pub status: Option<&'a str>,
    pub before: Option<&'a str>,
}

/// Newest first.
pub async fn list(tx: &mut Tx, f: &ProposalFilter<'_>, limit: u32) -> Result<Vec<ProposalRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM open_proposals
         WHERE ($1 IS NULL OR resource_id = $1)
           AND ($2 IS NULL OR provider_org_id = $2)
           AND ($3 IS NULL OR status = $3)
           AND ($4 IS NULL OR id < $4)
         ORDER BY id DESC LIMIT {limit}"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(f.resource_id).bind(f.provider_org_id).bind(f.status).bind(f.before)
        .fetch_all(c).await?),
    )
}

/// Records the authority's decision on a proposal still awaiting it; false if it was not.
pub async fn decide(
    tx: &mut Tx,
    _: &Permit,
    id: &str,
    status: &str,
    by: &str,
    at: i64,
    reason: Option<&str>,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE open_proposals SET status = $1, decided_by = $2, decided_at = $3,
             decision_reason = $4
         WHERE id = $5 AND status = 'proposed'")
        .bind(status).bind(by).bind(at).bind(reason).bind(id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}
