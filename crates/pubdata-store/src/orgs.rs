//! Units (orgs).

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrgRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub sector: String,
    pub uscc: String,
    pub parent_id: Option<String>,
    pub accountable_head: String,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! columns {
    () => {
        "id, name, kind, sector, uscc, parent_id, accountable_head, disabled, created_at, updated_at"
    };
}

pub async fn insert(tx: &mut Tx, _: &Permit, org: &OrgRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO orgs (id, name, kind, sector, uscc, parent_id, accountable_head, disabled,
                           created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(&org.id)
        .bind(&org.name)
        .bind(&org.kind)
        .bind(&org.sector)
        .bind(&org.uscc)
        .bind(&org.parent_id)
        .bind(&org.accountable_head)
        .bind(org.disabled)
        .bind(org.created_at)
        .bind(org.updated_at)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}

/// Writes every column but `id` and `created_at` from `org`.
pub async fn update(tx: &mut Tx, _: &Permit, org: &OrgRow) -> Result<bool> {
    let done = each!(tx, c => sqlx::query(
        "UPDATE orgs SET name = $1, kind = $2, sector = $3, uscc = $4, parent_id = $5,
                accountable_head = $6, disabled = $7, updated_at = $8
         WHERE id = $9")
        .bind(&org.name)
        .bind(&org.kind)
        .bind(&org.sector)
        .bind(&org.uscc)
        .bind(&org.parent_id)
        .bind(&org.accountable_head)
        .bind(org.disabled)
        .bind(org.updated_at)
        .bind(&org.id)
        .execute(c)
        .await?
        .rows_affected());
    Ok(done == 1)
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<OrgRow>> {
    let sql = concat!("SELECT ", columns!(), " FROM orgs WHERE id = $1");
    Ok(each!(tx, c => sqlx::query_as::<_, OrgRow>(sql).bind(id).fetch_optional(c).await?))
}

pub async fn get_by_uscc(tx: &mut Tx, uscc: &str) -> Result<Option<OrgRow>> {
    let sql = concat!("SELECT ", columns!(), " FROM orgs WHERE uscc = $1");
    Ok(each!(tx, c => sqlx::query_as::<_, OrgRow>(sql).bind(uscc).fetch_optional(c).await?))
}

pub async fn get_by_name(tx: &mut Tx, name: &str) -> Result<Option<OrgRow>> {
    let sql = concat!("SELECT ", columns!(), " FROM orgs WHERE name = $1");
    Ok(each!(tx, c => sqlx::query_as::<_, OrgRow>(sql).bind(name).fetch_optional(c).await?))
}

/// Orgs in id order (ids are time-ordered), after `after`, at most `limit`.
pub async fn list(
    tx: &mut Tx,
    after: Option<&str>,
    limit: i64,
    include_disabled: bool,
) -> Result<Vec<OrgRow>> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM orgs WHERE id > $1 AND (disabled = FALSE OR $2) ORDER BY id LIMIT $3"
    );
    Ok(each!(tx, c => sqlx::query_as::<_, OrgRow>(sql)
        .bind(after.unwrap_or(""))
        .bind(include_disabled)
        .bind(limit)
        .fetch_all(c)
        .await?))
}

/// The chain of parents of `id`, nearest first (to refuse cycles).
pub async fn ancestors(tx: &mut Tx, id: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = get(tx, id).await?.and_then(|o| o.parent_id);
    while let Some(p) = cur {
        if out.contains(&p) {
            break;
        }
        out.push(p.clone());
        cur = get(tx, &p).await?.and_then(|o| o.parent_id);
    }
    Ok(out)
}

pub async fn count(tx: &mut Tx) -> Result<i64> {
    Ok(
        each!(tx, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM orgs").fetch_one(c).await?),
    )
}

/// (all, disabled)
pub async fn count_with_disabled(tx: &mut Tx) -> Result<(i64, i64)> {
    Ok(each!(tx, c => sqlx::query_as::<_, (i64, i64)>(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN disabled THEN 1 ELSE 0 END), 0) FROM orgs")
        .fetch_one(c)
        .await?))
}
