//! The information-system registry (政务信息系统登记).

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SystemRow {
    pub id: String,
    pub name: String,
    pub owner_org_id: String,
    pub purpose: String,
    pub status: String,
    /// Why the last approval was refused, or the approver's note.
    pub review_note: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str =
    "id, name, owner_org_id, purpose, status, review_note, created_at, updated_at";

pub async fn insert(tx: &mut Tx, _: &Permit, s: &SystemRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO info_systems (id, name, owner_org_id, purpose, status, review_note,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&s.id).bind(&s.name).bind(&s.owner_org_id).bind(&s.purpose).bind(&s.status)
        .bind(&s.review_note).bind(s.created_at).bind(s.updated_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn update(tx: &mut Tx, _: &Permit, s: &SystemRow) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE info_systems SET name = $1, owner_org_id = $2, purpose = $3, status = $4,
             review_note = $5, updated_at = $6
         WHERE id = $7")
        .bind(&s.name).bind(&s.owner_org_id).bind(&s.purpose).bind(&s.status)
        .bind(&s.review_note).bind(s.updated_at).bind(&s.id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<SystemRow>> {
    let sql = format!("SELECT {COLUMNS} FROM info_systems WHERE id = $1");
    Ok(
        each!(tx, c => sqlx::query_as::<_, SystemRow>(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await?),
    )
}

/// Systems of one unit or all, by id (time of registration), after `after`.
pub async fn list(
    tx: &mut Tx,
    owner_org_id: Option<&str>,
    status: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<SystemRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM info_systems
         WHERE ($1 IS NULL OR owner_org_id = $1) AND ($2 IS NULL OR status = $2) AND id > $3
         ORDER BY id LIMIT $4"
    );
    Ok(
        each!(tx, c => sqlx::query_as::<_, SystemRow>(sqlx::AssertSqlSafe(sql))
        .bind(owner_org_id).bind(status).bind(after.unwrap_or("")).bind(limit)
        .fetch_all(c).await?),
    )
}

/// Replaces the resources a system declares.
pub async fn set_declared(
    tx: &mut Tx,
    _: &Permit,
    system_id: &str,
    resource_ids: &[String],
) -> Result<()> {
    each!(tx, c => sqlx::query("DELETE FROM info_system_resources WHERE system_id = $1")
        .bind(system_id).execute(&mut *c).await?.rows_affected());
    for r in resource_ids {
        each!(tx, c => sqlx::query(
            "INSERT INTO info_system_resources (system_id, resource_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING")
            .bind(system_id).bind(r).execute(c).await?.rows_affected());
    }
    Ok(())
}

/// The resources a system produces: those it declares and those whose catalog entry names it
/// as their source, in code order, with their status: `(id, code, name, status)`.
pub async fn resources_of(
    tx: &mut Tx,
    system_id: &str,
) -> Result<Vec<(String, String, String, String)>> {
    Ok(
        each!(tx, c => sqlx::query_as::<_, (String, String, String, String)>(
        "SELECT r.id, r.code, r.name, r.status FROM resources r
         WHERE r.system_id = $1
            OR r.id IN (SELECT resource_id FROM info_system_resources WHERE system_id = $1)
         ORDER BY r.code")
        .bind(system_id).fetch_all(c).await?),
    )
}
