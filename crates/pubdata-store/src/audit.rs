//! Audit entries, appended in the transaction of the action they describe.
//!
//! `seq` is the entry's index in the log, gapless from 0: it is assigned here under the
//! write lock (SQLite's `BEGIN IMMEDIATE`; on PostgreSQL a transaction-scoped advisory
//! lock), so an action that rolls back leaves no hole.

use crate::db::{Result, StoreError, Tx};
use crate::each;
use pubdata_core::audit::{Action, AuditEntry, Decision, Target};

/// Arbitrary, fixed: the advisory-lock key that serializes audit appends on PostgreSQL.
const PG_AUDIT_LOCK: i64 = 0x7075_6264_6174_61; // "pubdata"

#[derive(Debug, Clone, sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    at_ms: i64,
    actor_user_id: Option<String>,
    actor_username: Option<String>,
    actor_org_id: Option<String>,
    channel: String,
    action: String,
    target: Option<String>,
    decision: String,
    reason: Option<String>,
    purpose: Option<String>,
    request_id: String,
}

/// Appends `entry` and returns its index.
pub async fn append(tx: &mut Tx, entry: &AuditEntry) -> Result<i64> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_AUDIT_LOCK)
            .execute(&mut **t)
            .await?;
    }
    let seq = each!(tx, c => sqlx::query_scalar::<_, i64>(
        "INSERT INTO audit_entries (seq, at_ms, actor_user_id, actor_username, actor_org_id,
            channel, action, target, decision, reason, purpose, request_id)
         VALUES ((SELECT COALESCE(MAX(seq) + 1, 0) FROM audit_entries),
                 $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING seq")
        .bind(entry.at_ms)
        .bind(&entry.actor_user_id)
        .bind(&entry.actor_username)
        .bind(&entry.actor_org_id)
        .bind(&entry.channel)
        .bind(entry.action.as_str())
        .bind(entry.target.as_ref().map(|t| t.as_str()))
        .bind(entry.decision.as_str())
        .bind(entry.decision.reason())
        .bind(&entry.purpose)
        .bind(&entry.request_id)
        .fetch_one(c)
        .await?);
    Ok(seq)
}

/// Filters for reading entries back; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor_user_id: Option<String>,
    pub action: Option<String>,
    pub decision: Option<String>,
}

/// Entries matching `filter`, newest first, before index `before`.
pub async fn list(
    tx: &mut Tx,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<(i64, AuditEntry)>> {
    let rows = each!(tx, c => sqlx::query_as::<_, AuditRow>(
        "SELECT seq, at_ms, actor_user_id, actor_username, actor_org_id, channel, action, target,
                decision, reason, purpose, request_id
         FROM audit_entries
         WHERE seq < $1 AND ($2 IS NULL OR actor_user_id = $2) AND ($3 IS NULL OR action = $3)
           AND ($4 IS NULL OR decision = $4)
         ORDER BY seq DESC LIMIT $5")
        .bind(before.unwrap_or(i64::MAX))
        .bind(&filter.actor_user_id)
        .bind(&filter.action)
        .bind(&filter.decision)
        .bind(limit)
        .fetch_all(c)
        .await?);
    rows.into_iter()
        .map(|r| Ok((r.seq, to_entry(r)?)))
        .collect()
}

pub async fn count(tx: &mut Tx) -> Result<i64> {
    Ok(
        each!(tx, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_entries")
        .fetch_one(c)
        .await?),
    )
}

fn to_entry(r: AuditRow) -> Result<AuditEntry> {
    let action = Action::parse(&r.action).ok_or_else(|| {
        StoreError::Corrupt(format!("audit entry {}: action {:?}", r.seq, r.action))
    })?;
    let decision = match (r.decision.as_str(), r.reason) {
        ("allow", _) => Decision::Allow,
        ("deny", reason) => Decision::Deny(reason.unwrap_or_default()),
        (d, _) => {
            return Err(StoreError::Corrupt(format!(
                "audit entry {}: decision {d:?}",
                r.seq
            )));
        }
    };
    Ok(AuditEntry {
        at_ms: r.at_ms,
        actor_user_id: r.actor_user_id,
        actor_username: r.actor_username,
        actor_org_id: r.actor_org_id,
        channel: r.channel,
        action,
        target: r.target.map(Target::from_stored),
        decision,
        purpose: r.purpose,
        request_id: r.request_id,
    })
}
