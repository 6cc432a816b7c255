//! Resources, their versions and their review events.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ResourceRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub provider_org_id: String,
    pub category: String,
    pub theme: String,
    pub format: String,
    pub update_cycle: String,
    pub share_attr: String,
    pub open_attr: String,
    pub grade: i64,
    pub system_id: Option<String>,
    pub status: String,
    pub version: i64,
    /// The current content, JSON.
    pub doc: String,
    pub search_terms: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
}

/// The columns of [`ResourceRow`], prefixed with the table alias `r.`.
pub(crate) const COLUMNS: &str = "r.id, r.code, r.name, r.provider_org_id, r.category, r.theme, \
     r.format, r.update_cycle, r.share_attr, r.open_attr, r.grade, r.system_id, r.status, \
     r.version, r.doc, r.search_terms, r.created_at, r.updated_at, r.published_at";

pub async fn insert(tx: &mut Tx, _: &Permit, r: &ResourceRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO resources (id, code, name, provider_org_id, category, theme, format,
             update_cycle, share_attr, open_attr, grade, system_id, status, version, doc,
             search_terms, created_at, updated_at, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18, $19)")
        .bind(&r.id).bind(&r.code).bind(&r.name).bind(&r.provider_org_id).bind(&r.category)
        .bind(&r.theme).bind(&r.format).bind(&r.update_cycle).bind(&r.share_attr)
        .bind(&r.open_attr).bind(r.grade).bind(&r.system_id).bind(&r.status).bind(r.version)
        .bind(&r.doc).bind(&r.search_terms).bind(r.created_at).bind(r.updated_at)
        .bind(r.published_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Writes every column but `id` and `created_at` from `r`.
pub async fn update(tx: &mut Tx, _: &Permit, r: &ResourceRow) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE resources SET code = $1, name = $2, provider_org_id = $3, category = $4,
             theme = $5, format = $6, update_cycle = $7, share_attr = $8, open_attr = $9,
             grade = $10, system_id = $11, status = $12, version = $13, doc = $14,
             search_terms = $15, updated_at = $16, published_at = $17
         WHERE id = $18")
        .bind(&r.code).bind(&r.name).bind(&r.provider_org_id).bind(&r.category)
        .bind(&r.theme).bind(&r.format).bind(&r.update_cycle).bind(&r.share_attr)
        .bind(&r.open_attr).bind(r.grade).bind(&r.system_id).bind(&r.status).bind(r.version)
        .bind(&r.doc).bind(&r.search_terms).bind(r.updated_at).bind(r.published_at)
        .bind(&r.id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<ResourceRow>> {
    let sql = format!("SELECT {COLUMNS} FROM resources r WHERE r.id = $1");
    Ok(
        each!(tx, c => sqlx::query_as::<_, ResourceRow>(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await?),
    )
}

pub async fn get_by_code(tx: &mut Tx, code: &str) -> Result<Option<ResourceRow>> {
    let sql = format!("SELECT {COLUMNS} FROM resources r WHERE r.code = $1");
    Ok(
        each!(tx, c => sqlx::query_as::<_, ResourceRow>(sqlx::AssertSqlSafe(sql))
        .bind(code).fetch_optional(c).await?),
    )
}

/// Several resources by id (unknown ids are left out), in no particular order.
pub async fn get_many(tx: &mut Tx, ids: &[String]) -> Result<Vec<ResourceRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(r) = get(tx, id).await? {
            out.push(r);
        }
    }
    Ok(out)
}

/// The resources of the responsibility list: published ones, of one unit or all, by code.
pub async fn published(tx: &mut Tx, provider_org_id: Option<&str>) -> Result<Vec<ResourceRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM resources r
         WHERE r.status = 'published' AND ($1 IS NULL OR r.provider_org_id = $1)
         ORDER BY r.code"
    );
    Ok(
        each!(tx, c => sqlx::query_as::<_, ResourceRow>(sqlx::AssertSqlSafe(sql))
        .bind(provider_org_id).fetch_all(c).await?),
    )
}

/// Counts by status, of one unit or all: `(status, n)`.
pub async fn count_by_status(
    tx: &mut Tx,
    provider_org_id: Option<&str>,
) -> Result<Vec<(String, i64)>> {
    Ok(each!(tx, c => sqlx::query_as::<_, (String, i64)>(
        "SELECT status, COUNT(*) FROM resources
         WHERE $1 IS NULL OR provider_org_id = $1 GROUP BY status ORDER BY status")
        .bind(provider_org_id).fetch_all(c).await?))
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VersionRow {
    pub resource_id: String,
    pub version: i64,
    pub status: String,
    pub doc: String,
    pub changed_by: Option<String>,
    pub changed_at: i64,
}

/// Writes a version, replacing one of the same number (a draft rewrites its version).
pub async fn put_version(tx: &mut Tx, _: &Permit, v: &VersionRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO resource_versions (resource_id, version, status, doc, changed_by, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (resource_id, version) DO UPDATE SET status = excluded.status,
             doc = excluded.doc, changed_by = excluded.changed_by,
             changed_at = excluded.changed_at")
        .bind(&v.resource_id).bind(v.version).bind(&v.status).bind(&v.doc)
        .bind(&v.changed_by).bind(v.changed_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn versions(tx: &mut Tx, resource_id: &str) -> Result<Vec<VersionRow>> {
    Ok(each!(tx, c => sqlx::query_as::<_, VersionRow>(
        "SELECT resource_id, version, status, doc, changed_by, changed_at
         FROM resource_versions WHERE resource_id = $1 ORDER BY version DESC")
        .bind(resource_id).fetch_all(c).await?))
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub resource_id: String,
    pub version: i64,
    /// `created`, `updated`, `submitted`, `returned`, `approved`, `withdrawn`, `imported`.
    pub kind: String,
    pub reason: Option<String>,
    pub actor_user_id: Option<String>,
    pub actor_username: Option<String>,
    pub at: i64,
}

pub async fn add_event(tx: &mut Tx, _: &Permit, e: &EventRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO resource_events (id, resource_id, version, kind, reason, actor_user_id,
             actor_username, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&e.id).bind(&e.resource_id).bind(e.version).bind(&e.kind).bind(&e.reason)
        .bind(&e.actor_user_id).bind(&e.actor_username).bind(e.at)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// A resource's events, oldest first.
pub async fn events(tx: &mut Tx, resource_id: &str) -> Result<Vec<EventRow>> {
    Ok(each!(tx, c => sqlx::query_as::<_, EventRow>(
        "SELECT id, resource_id, version, kind, reason, actor_user_id, actor_username, at
         FROM resource_events WHERE resource_id = $1 ORDER BY at, id")
        .bind(resource_id).fetch_all(c).await?))
}
