//! Emergencies (突发事件临时调整) and the share classes they raise.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EmergencyRow {
    pub id: String,
    pub name: String,
    pub legal_basis: String,
    pub ordered_by: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub ended_at: Option<i64>,
    pub ended_by: Option<String>,
    pub end_reason: Option<String>,
    pub declared_by: String,
    pub created_at: i64,
}

impl EmergencyRow {
    /// When it stops (or stopped) being in force.
    pub fn end(&self) -> i64 {
        self.ended_at.map_or(self.ends_at, |e| e.min(self.ends_at))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RaiseRow {
    pub emergency_id: String,
    pub resource_id: String,
    pub from_attr: String,
    pub share_attr: String,
}

const COLUMNS: &str = "id, name, legal_basis, ordered_by, starts_at, ends_at, ended_at, ended_by,
    end_reason, declared_by, created_at";

pub async fn insert(tx: &mut Tx, _: &Permit, e: &EmergencyRow, raises: &[RaiseRow]) -> Result<()> {
    let sql = format!(
        "INSERT INTO emergencies ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    );
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&e.id).bind(&e.name).bind(&e.legal_basis).bind(&e.ordered_by).bind(e.starts_at)
        .bind(e.ends_at).bind(e.ended_at).bind(&e.ended_by).bind(&e.end_reason)
        .bind(&e.declared_by).bind(e.created_at)
        .execute(c).await?.rows_affected());
    for r in raises {
        each!(tx, c => sqlx::query(
            "INSERT INTO emergency_raises (emergency_id, resource_id, from_attr, share_attr)
             VALUES ($1, $2, $3, $4)")
            .bind(&r.emergency_id).bind(&r.resource_id).bind(&r.from_attr).bind(&r.share_attr)
            .execute(c).await?.rows_affected());
    }
    Ok(())
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<EmergencyRow>> {
    let sql = format!("SELECT {COLUMNS} FROM emergencies WHERE id = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await?),
    )
}

/// Every emergency, newest first (they are few: declared by hand).
pub async fn list(tx: &mut Tx, limit: u32) -> Result<Vec<EmergencyRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM emergencies ORDER BY starts_at DESC, id LIMIT {limit}");
    Ok(each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await?))
}

pub async fn raises_of(tx: &mut Tx, emergency_id: &str) -> Result<Vec<RaiseRow>> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT emergency_id, resource_id, from_attr, share_attr FROM emergency_raises
         WHERE emergency_id = $1 ORDER BY resource_id")
        .bind(emergency_id).fetch_all(c).await?))
}

/// The raises of every emergency not over at `now`, with their emergency's span.
pub async fn live_raises(tx: &mut Tx, now: i64) -> Result<Vec<(RaiseRow, i64, i64)>> {
    #[derive(sqlx::FromRow)]
    struct Live {
        emergency_id: String,
        resource_id: String,
        from_attr: String,
        share_attr: String,
        starts_at: i64,
        ends_at: i64,
        ended_at: Option<i64>,
    }
    let rows: Vec<Live> = each!(tx, c => sqlx::query_as(
        "SELECT r.emergency_id, r.resource_id, r.from_attr, r.share_attr, e.starts_at, e.ends_at,
                e.ended_at
         FROM emergency_raises r JOIN emergencies e ON e.id = r.emergency_id
         WHERE e.ends_at > $1 AND (e.ended_at IS NULL OR e.ended_at > $1)")
        .bind(now).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .map(|l| {
            let end = l.ended_at.map_or(l.ends_at, |e| e.min(l.ends_at));
            (
                RaiseRow {
                    emergency_id: l.emergency_id,
                    resource_id: l.resource_id,
                    from_attr: l.from_attr,
                    share_attr: l.share_attr,
                },
                l.starts_at,
                end,
            )
        })
        .collect())
}

/// Ends an emergency early; false if it had ended already.
pub async fn end(
    tx: &mut Tx,
    _: &Permit,
    id: &str,
    by: &str,
    reason: &str,
    at: i64,
) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE emergencies SET ended_at = $1, ended_by = $2, end_reason = $3
         WHERE id = $4 AND ended_at IS NULL AND ends_at > $1")
        .bind(at).bind(by).bind(reason).bind(id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}
