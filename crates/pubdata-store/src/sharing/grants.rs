//! Grants: what an approved share request lets a unit read, for how long, at what rate.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GrantRow {
    pub id: String,
    pub resource_id: String,
    pub provider_org_id: String,
    pub grantee_org_id: String,
    pub grantee_system_id: Option<String>,
    pub request_id: Option<String>,
    /// JSON arrays of field codes.
    pub fields: String,
    pub raw_fields: String,
    pub raw_reason: Option<String>,
    pub purpose: String,
    pub starts_at: i64,
    pub expires_at: i64,
    pub rate_per_minute: i64,
    /// `active`, `suspended` or `revoked` (expiry is by time).
    pub status: String,
    pub status_reason: Option<String>,
    pub status_by: Option<String>,
    pub status_at: Option<i64>,
    pub emergency_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, resource_id, provider_org_id, grantee_org_id, grantee_system_id,
    request_id, fields, raw_fields, raw_reason, purpose, starts_at, expires_at, rate_per_minute,
    status, status_reason, status_by, status_at, emergency_id, created_by, created_at";

pub async fn insert(tx: &mut Tx, _: &Permit, g: &GrantRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO grants ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
             $12, $13, $14, $15, $16, $17, $18, $19, $20)"
    );
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&g.id).bind(&g.resource_id).bind(&g.provider_org_id).bind(&g.grantee_org_id)
        .bind(&g.grantee_system_id).bind(&g.request_id).bind(&g.fields).bind(&g.raw_fields)
        .bind(&g.raw_reason).bind(&g.purpose).bind(g.starts_at).bind(g.expires_at)
        .bind(g.rate_per_minute).bind(&g.status).bind(&g.status_reason).bind(&g.status_by)
        .bind(g.status_at).bind(&g.emergency_id).bind(&g.created_by).bind(g.created_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<GrantRow>> {
    let sql = format!("SELECT {COLUMNS} FROM grants WHERE id = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await?),
    )
}

/// The grants a unit holds for a resource, newest first.
pub async fn for_reader(tx: &mut Tx, resource_id: &str, org_id: &str) -> Result<Vec<GrantRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM grants WHERE resource_id = $1 AND grantee_org_id = $2
         ORDER BY id DESC"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(resource_id).bind(org_id).fetch_all(c).await?),
    )
}

/// Which grants a list shows.
#[derive(Debug, Clone, Default)]
pub struct GrantFilter<'a> {
    pub resource_id: Option<&'a str>,
    /// Grants held by this unit or of its data.
    pub org_id: Option<&'a str>,
    pub before: Option<&'a str>,
}

/// Newest first.
pub async fn list(tx: &mut Tx, f: &GrantFilter<'_>, limit: u32) -> Result<Vec<GrantRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM grants
         WHERE ($1 IS NULL OR resource_id = $1)
           AND ($2 IS NULL OR grantee_org_id = $2 OR provider_org_id = $2)
           AND ($3 IS NULL OR id < $3)
         ORDER BY id DESC LIMIT {limit}"
    );
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(f.resource_id).bind(f.org_id).bind(f.before).fetch_all(c).await?),
    )
}

/// Sets a grant's status with who and why; false if it was `revoked` already (final).
pub async fn set_status(
    tx: &mut Tx,
    _: &Permit,
    id: &str,
    status: &str,
    reason: &str,
    by: &str,
    at: i64,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE grants SET status = $1, status_reason = $2, status_by = $3, status_at = $4
         WHERE id = $5 AND status <> 'revoked'")
        .bind(status).bind(reason).bind(by).bind(at).bind(id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}
