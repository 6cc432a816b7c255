//! The audit log: entries, appended in the transaction of the action they describe, and the
//! RFC 9162 Merkle tree over them (DESIGN.md §5).
//!
//! An entry's index (`seq`) is gapless from 0: it is assigned here under the write lock
//! (SQLite's `BEGIN IMMEDIATE`; on PostgreSQL a transaction-scoped advisory lock), so an
//! action that rolls back leaves no hole. The same transaction writes the entry's leaf hash
//! and every perfect subtree it completes into `audit_nodes`; those rows never change, so a
//! proof reads O(log n) of them and a crash leaves entries and tree in step.

use crate::db::{Result, StoreError, Tx};
use crate::each;
use pubdata_core::audit::{
    AuditEntry, CANONICAL_VERSION, CANONICAL_VERSION_DETAIL, CanonicalEntry,
};
use pubdata_core::merkle::{self, Frontier, Hash, NodeId};
use std::collections::HashMap;
use std::ops::Range;

/// Arbitrary, fixed: the advisory-lock key that serializes audit appends on PostgreSQL.
const PG_AUDIT_LOCK: i64 = 0x0070_7562_6461_7461; // "pubdata"

/// Rows a multi-row INSERT carries; keeps the bind count well under both databases' limits.
const ENTRY_ROWS_PER_INSERT: usize = 400;
const NODE_ROWS_PER_INSERT: usize = 1000;
/// Node ids looked up per SELECT.
const NODES_PER_SELECT: usize = 100;

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
    detail: Option<String>,
}

impl From<AuditRow> for CanonicalEntry {
    fn from(r: AuditRow) -> CanonicalEntry {
        CanonicalEntry {
            v: if r.detail.is_some() {
                CANONICAL_VERSION_DETAIL
            } else {
                CANONICAL_VERSION
            },
            index: r.seq as u64,
            at_ms: r.at_ms,
            actor_user_id: r.actor_user_id,
            actor_username: r.actor_username,
            actor_org_id: r.actor_org_id,
            channel: r.channel,
            action: r.action,
            target: r.target,
            decision: r.decision,
            reason: r.reason,
            purpose: r.purpose,
            request_id: r.request_id,
            detail: r.detail,
        }
    }
}

const ENTRY_COLUMNS: &str = "seq, at_ms, actor_user_id, actor_username, actor_org_id, channel, \
                             action, target, decision, reason, purpose, request_id, detail";

/// Takes the log's append lock for the rest of the transaction. On SQLite the transaction
/// already holds the database's write lock.
pub async fn lock(tx: &mut Tx) -> Result<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_AUDIT_LOCK)
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

/// Entries in the log as this transaction sees it: the tree size.
pub async fn size(tx: &mut Tx) -> Result<u64> {
    let next = each!(tx, c => sqlx::query_scalar::<_, i64>(
        "SELECT COALESCE(MAX(seq) + 1, 0) FROM audit_entries")
        .fetch_one(c)
        .await?);
    Ok(next as u64)
}

/// Leaves that have their hash in the tree. Equal to [`size`] except on a database made before
/// the tree existed, until [`hash_untreed_entries`] has run.
async fn tree_leaves(tx: &mut Tx) -> Result<u64> {
    let next = each!(tx, c => sqlx::query_scalar::<_, i64>(
        "SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_nodes WHERE level = 0")
        .fetch_one(c)
        .await?);
    Ok(next as u64)
}

/// Appends `entry` and returns its index.
pub async fn append(tx: &mut Tx, entry: &AuditEntry) -> Result<u64> {
    Ok(append_batch(tx, std::slice::from_ref(entry)).await?.start)
}

/// Appends `entries` in order, with their tree nodes, and returns their indexes.
pub async fn append_batch(tx: &mut Tx, entries: &[AuditEntry]) -> Result<Range<u64>> {
    if let Tx::Sqlite(t) = tx {
        // The hot path: sqlx hops to its worker thread for every statement; here the
        // statements run on the same connection, in the same transaction, directly.
        let mut handle = t.lock_handle().await?;
        return crate::db::with_sqlite_connection(&mut handle, |c| direct::append(c, entries));
    }
    lock(tx).await?;
    let start = size(tx).await?;
    if entries.is_empty() {
        return Ok(start..start);
    }
    let mut tree = frontier(tx, start).await?;
    let mut rows = Vec::with_capacity(entries.len());
    let mut nodes = Vec::with_capacity(entries.len() * 2 + 64);
    for (i, entry) in entries.iter().enumerate() {
        let canonical = entry.canonical(start + i as u64);
        tree.push(merkle::leaf_hash(&canonical.to_bytes()), &mut nodes);
        rows.push(canonical);
    }
    insert_entries(tx, "audit_entries", &rows).await?;
    insert_nodes(tx, &nodes).await?;
    Ok(start..start + entries.len() as u64)
}

/// The SQLite append on a rusqlite connection the caller holds in a write transaction (the
/// hot paths' group commit, `crate::hot`).
pub(crate) fn append_direct(
    c: &rusqlite::Connection,
    entries: &[AuditEntry],
) -> Result<Range<u64>> {
    direct::append(c, entries)
}

/// The SQLite append through rusqlite on sqlx's own connection (they share libsqlite3-sys).
mod direct {
    use super::*;
    use rusqlite::Connection;

    pub(super) fn append(c: &Connection, entries: &[AuditEntry]) -> Result<Range<u64>> {
        let start = c.query_row(
            "SELECT COALESCE(MAX(seq) + 1, 0) FROM audit_entries",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64;
        let mut get =
            c.prepare_cached("SELECT hash FROM audit_nodes WHERE level = ?1 AND idx = ?2")?;
        let mut hashes = vec![];
        for id in merkle::frontier(start) {
            let h: Vec<u8> = get
                .query_row((id.level as i64, id.index as i64), |r| r.get(0))
                .map_err(|e| StoreError::Corrupt(format!("audit tree node {id}: {e}")))?;
            hashes.push(
                h.try_into().map_err(|_| {
                    StoreError::Corrupt(format!("audit tree node {id}: not 32 bytes"))
                })?,
            );
        }
        let mut tree =
            Frontier::new(start, hashes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut node =
            c.prepare_cached("INSERT INTO audit_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")?;
        let mut nodes = Vec::with_capacity(64);
        let rows: Vec<CanonicalEntry> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| e.canonical(start + i as u64))
            .collect();
        insert(c, "audit_entries", &rows, |r| {
            tree.push(merkle::leaf_hash(&r.to_bytes()), &mut nodes);
            for (id, hash) in nodes.drain(..) {
                node.execute((id.level as i64, id.index as i64, &hash[..]))?;
            }
            Ok(())
        })?;
        Ok(start..start + entries.len() as u64)
    }

    /// Inserts `rows` into `table` (of the entries' columns), calling `each` after each row.
    pub(super) fn insert(
        c: &Connection,
        table: &str,
        rows: &[CanonicalEntry],
        mut each: impl FnMut(&CanonicalEntry) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = c.prepare_cached(&format!(
            "INSERT INTO {table} ({ENTRY_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        ))?;
        for r in rows {
            stmt.execute(rusqlite::params![
                r.index as i64,
                r.at_ms,
                r.actor_user_id,
                r.actor_username,
                r.actor_org_id,
                r.channel,
                r.action,
                r.target,
                r.decision,
                r.reason,
                r.purpose,
                r.request_id,
                r.detail,
            ])?;
            each(r)?;
        }
        Ok(())
    }
}

/// Puts into the tree the entries that were logged before it existed (a database made by an
/// earlier version), in one transaction. Returns how many were hashed. Entries appended since
/// carry their nodes already, so on a current database this does nothing.
pub async fn hash_untreed_entries(tx: &mut Tx) -> Result<u64> {
    lock(tx).await?;
    let (leaves, size) = (tree_leaves(tx).await?, size(tx).await?);
    if leaves >= size {
        return Ok(0);
    }
    let mut tree = frontier(tx, leaves).await?;
    let mut at = leaves;
    while at < size {
        let end = (at + 10_000).min(size);
        let rows = range(tx, at, end).await?;
        let mut nodes = Vec::with_capacity(rows.len() * 2);
        for row in &rows {
            if row.index != tree.size() {
                return Err(StoreError::Corrupt(format!(
                    "audit entry {} is missing: the log has a gap",
                    tree.size()
                )));
            }
            tree.push(merkle::leaf_hash(&row.to_bytes()), &mut nodes);
        }
        insert_nodes(tx, &nodes).await?;
        at = end;
    }
    Ok(size - leaves)
}

async fn insert_entries(tx: &mut Tx, table: &str, rows: &[CanonicalEntry]) -> Result<()> {
    for chunk in rows.chunks(ENTRY_ROWS_PER_INSERT) {
        let sql = multi_row_insert(table, ENTRY_COLUMNS, 13, chunk.len());
        each!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for r in chunk {
                q = q
                    .bind(r.index as i64)
                    .bind(r.at_ms)
                    .bind(&r.actor_user_id)
                    .bind(&r.actor_username)
                    .bind(&r.actor_org_id)
                    .bind(&r.channel)
                    .bind(&r.action)
                    .bind(&r.target)
                    .bind(&r.decision)
                    .bind(&r.reason)
                    .bind(&r.purpose)
                    .bind(&r.request_id)
                    .bind(&r.detail);
            }
            q.execute(c).await?.rows_affected()
        });
    }
    Ok(())
}

async fn insert_nodes(tx: &mut Tx, nodes: &[(NodeId, Hash)]) -> Result<()> {
    for chunk in nodes.chunks(NODE_ROWS_PER_INSERT) {
        let sql = multi_row_insert("audit_nodes", "level, idx, hash", 3, chunk.len());
        each!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (id, hash) in chunk {
                q = q.bind(id.level as i16).bind(id.index as i64).bind(&hash[..]);
            }
            q.execute(c).await?.rows_affected()
        });
    }
    Ok(())
}

/// `INSERT INTO table (columns) VALUES ($1, …), (…), …` for `rows` rows of `width` values.
fn multi_row_insert(table: &str, columns: &str, width: usize, rows: usize) -> String {
    use std::fmt::Write;
    let mut sql = format!("INSERT INTO {table} ({columns}) VALUES ");
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            let sep = if c == 0 { "" } else { ", " };
            write!(sql, "{sep}${}", r * width + c + 1).expect("write to a String");
        }
        sql.push(')');
    }
    sql
}

/// The stored hashes of `ids`. Missing nodes are simply absent from the map.
pub async fn nodes(tx: &mut Tx, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>> {
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(NODES_PER_SELECT) {
        let mut sql = String::from("SELECT level, idx, hash FROM audit_nodes WHERE ");
        for i in 0..chunk.len() {
            let sep = if i == 0 { "" } else { " OR " };
            sql.push_str(&format!(
                "{sep}(level = ${} AND idx = ${})",
                2 * i + 1,
                2 * i + 2
            ));
        }
        let rows = each!(tx, c => {
            let mut q = sqlx::query_as::<_, (i16, i64, Vec<u8>)>(sqlx::AssertSqlSafe(sql.clone()));
            for id in chunk {
                q = q.bind(id.level as i16).bind(id.index as i64);
            }
            q.fetch_all(c).await?
        });
        for (level, idx, hash) in rows {
            let id = NodeId {
                level: level as u8,
                index: idx as u64,
            };
            let hash: Hash = hash.try_into().map_err(|_| {
                StoreError::Corrupt(format!("audit tree node {level}/{idx}: not 32 bytes"))
            })?;
            found.insert(id, hash);
        }
    }
    Ok(found)
}

/// Fetches what a computation over the tree `needs`, then runs it; a node that should exist
/// and does not is a corrupt tree.
pub async fn with_nodes<T>(
    tx: &mut Tx,
    needs: Vec<NodeId>,
    compute: impl FnOnce(&dyn Fn(NodeId) -> Option<Hash>) -> std::result::Result<T, merkle::ProofError>,
) -> Result<std::result::Result<T, merkle::ProofError>> {
    let found = nodes(tx, &needs).await?;
    let result = compute(&|id| found.get(&id).copied());
    if let Err(merkle::ProofError::MissingNode(id)) = &result {
        return Err(StoreError::Corrupt(format!(
            "audit tree node {}/{} is missing",
            id.level, id.index
        )));
    }
    Ok(result)
}

/// The tree of `size` leaves as an appender, from its frontier nodes.
pub async fn frontier(tx: &mut Tx, size: u64) -> Result<Frontier> {
    let ids = merkle::frontier(size);
    let found = nodes(tx, &ids).await?;
    let hashes = ids
        .iter()
        .map(|id| {
            found.get(id).copied().ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "audit tree node {}/{} is missing",
                    id.level, id.index
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Frontier::new(size, hashes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The root hash of the tree of `size` leaves.
pub async fn root(tx: &mut Tx, size: u64) -> Result<Hash> {
    Ok(frontier(tx, size).await?.root())
}

/// Entries `start..end` as stored, in index order (fewer if the log is shorter or has gaps).
pub async fn range(tx: &mut Tx, start: u64, end: u64) -> Result<Vec<CanonicalEntry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq"
    );
    let rows = each!(tx, c => sqlx::query_as::<_, AuditRow>(sqlx::AssertSqlSafe(sql))
        .bind(start as i64)
        .bind(end as i64)
        .fetch_all(c)
        .await?);
    Ok(rows.into_iter().map(CanonicalEntry::from).collect())
}

/// Stored leaf hashes of entries `start..end`, by index.
pub async fn leaves(tx: &mut Tx, start: u64, end: u64) -> Result<Vec<(u64, Hash)>> {
    let rows = each!(tx, c => sqlx::query_as::<_, (i64, Vec<u8>)>(
        "SELECT idx, hash FROM audit_nodes WHERE level = 0 AND idx >= $1 AND idx < $2 ORDER BY idx")
        .bind(start as i64)
        .bind(end as i64)
        .fetch_all(c)
        .await?);
    rows.into_iter()
        .map(|(i, h)| {
            let h: Hash = h
                .try_into()
                .map_err(|_| StoreError::Corrupt(format!("audit leaf {i}: not 32 bytes")))?;
            Ok((i as u64, h))
        })
        .collect()
}

/// Filters for searching entries; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    /// The acting user — and, for sign-ins, where nobody acts yet, the user signing in.
    pub actor_user_id: Option<String>,
    pub actor_username: Option<String>,
    pub actor_org_id: Option<String>,
    pub action: Option<String>,
    /// Exact target (`org/0193…`), or every target of a kind when it ends in `/` (`org/`).
    pub target: Option<String>,
    pub decision: Option<String>,
    /// Time range, Unix milliseconds, `from` inclusive, `to` exclusive.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

/// Entries matching `filter`, newest first, before index `before`.
pub async fn search(
    tx: &mut Tx,
    filter: &AuditFilter,
    before: Option<u64>,
    limit: i64,
) -> Result<Vec<CanonicalEntry>> {
    let target_prefix = filter
        .target
        .as_deref()
        .filter(|t| t.ends_with('/'))
        .map(|t| {
            format!(
                "{}%",
                t.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
    let target_exact = filter.target.as_deref().filter(|t| !t.ends_with('/'));
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_entries
         WHERE seq < $1
           AND ($2 IS NULL OR actor_user_id = $2
                OR (actor_user_id IS NULL AND action = 'sign_in' AND target = 'user/' || $2))
           AND ($3 IS NULL OR actor_username = $3)
           AND ($4 IS NULL OR actor_org_id = $4)
           AND ($5 IS NULL OR action = $5)
           AND ($6 IS NULL OR target = $6)
           AND ($7 IS NULL OR target LIKE $7 ESCAPE '\\')
           AND ($8 IS NULL OR decision = $8)
           AND ($9 IS NULL OR at_ms >= $9)
           AND ($10 IS NULL OR at_ms < $10)
         ORDER BY seq DESC LIMIT $11"
    );
    let rows = each!(tx, c => sqlx::query_as::<_, AuditRow>(sqlx::AssertSqlSafe(sql))
        .bind(before.map(|b| b.min(i64::MAX as u64) as i64).unwrap_or(i64::MAX))
        .bind(&filter.actor_user_id)
        .bind(&filter.actor_username)
        .bind(&filter.actor_org_id)
        .bind(&filter.action)
        .bind(target_exact)
        .bind(&target_prefix)
        .bind(&filter.decision)
        .bind(filter.from_ms)
        .bind(filter.to_ms)
        .bind(limit)
        .fetch_all(c)
        .await?);
    Ok(rows.into_iter().map(CanonicalEntry::from).collect())
}

/// Entries matching `filter`, typed, newest first, before index `before`.
pub async fn list(
    tx: &mut Tx,
    filter: &AuditFilter,
    before: Option<u64>,
    limit: i64,
) -> Result<Vec<(u64, AuditEntry)>> {
    search(tx, filter, before, limit)
        .await?
        .into_iter()
        .map(|c| {
            let entry = c.to_entry().ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "audit entry {}: action {:?} or decision {:?}",
                    c.index, c.action, c.decision
                ))
            })?;
            Ok((c.index, entry))
        })
        .collect()
}

pub async fn count(tx: &mut Tx) -> Result<i64> {
    Ok(size(tx).await? as i64)
}

// ---------------------------------------------------------------------------------------
// Checkpoints and keys
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRow {
    pub tree_size: u64,
    pub root_hash: Hash,
    pub created_at: i64,
    pub note: String,
}

type CheckpointTuple = (i64, Vec<u8>, i64, String);

fn checkpoint_row((size, root, at, note): CheckpointTuple) -> Result<CheckpointRow> {
    Ok(CheckpointRow {
        tree_size: size as u64,
        root_hash: root
            .try_into()
            .map_err(|_| StoreError::Corrupt(format!("checkpoint {size}: root not 32 bytes")))?,
        created_at: at,
        note,
    })
}

/// Records a signed tree head. The primary key on the size refuses a second head for a size.
pub async fn insert_checkpoint(tx: &mut Tx, c: &CheckpointRow) -> Result<()> {
    each!(tx, conn => sqlx::query(
        "INSERT INTO audit_checkpoints (tree_size, root_hash, created_at, note) VALUES ($1, $2, $3, $4)")
        .bind(c.tree_size as i64)
        .bind(&c.root_hash[..])
        .bind(c.created_at)
        .bind(&c.note)
        .execute(conn)
        .await?
        .rows_affected());
    Ok(())
}

pub async fn latest_checkpoint(tx: &mut Tx) -> Result<Option<CheckpointRow>> {
    let row = each!(tx, c => sqlx::query_as::<_, CheckpointTuple>(
        "SELECT tree_size, root_hash, created_at, note FROM audit_checkpoints
         ORDER BY tree_size DESC LIMIT 1")
        .fetch_optional(c)
        .await?);
    row.map(checkpoint_row).transpose()
}

/// Checkpoints of sizes in `after..=up_to`, ascending, at most `limit`.
pub async fn checkpoints(
    tx: &mut Tx,
    after: Option<u64>,
    up_to: u64,
    limit: i64,
) -> Result<Vec<CheckpointRow>> {
    let rows = each!(tx, c => sqlx::query_as::<_, CheckpointTuple>(
        "SELECT tree_size, root_hash, created_at, note FROM audit_checkpoints
         WHERE tree_size > $1 AND tree_size <= $2 ORDER BY tree_size LIMIT $3")
        .bind(after.map(|a| a as i64).unwrap_or(-1))
        .bind(up_to as i64)
        .bind(limit)
        .fetch_all(c)
        .await?);
    rows.into_iter().map(checkpoint_row).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KeyRow {
    /// `name+hexid`, as in the verifier key.
    pub key_id: String,
    /// The verifier key, `name+hexid+base64`.
    pub verifier: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

/// Every key the log has signed with, oldest first.
pub async fn keys(tx: &mut Tx) -> Result<Vec<KeyRow>> {
    Ok(each!(tx, c => sqlx::query_as::<_, KeyRow>(
        "SELECT key_id, verifier, created_at, retired_at FROM audit_keys ORDER BY created_at, key_id")
        .fetch_all(c)
        .await?))
}

/// Makes `key` the current one, retiring any other at `at`.
pub async fn add_current_key(tx: &mut Tx, key: &KeyRow) -> Result<()> {
    each!(tx, c => sqlx::query("UPDATE audit_keys SET retired_at = $1 WHERE retired_at IS NULL")
        .bind(key.created_at)
        .execute(&mut *c)
        .await?
        .rows_affected());
    each!(tx, c => sqlx::query(
        "INSERT INTO audit_keys (key_id, verifier, created_at, retired_at) VALUES ($1, $2, $3, NULL)")
        .bind(&key.key_id)
        .bind(&key.verifier)
        .bind(key.created_at)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}

/// The baseline of `pubdata bench audit`: the same rows inserted the same way into a plain
/// table of the same columns, with no hashing and no tree.
pub mod baseline {
    use super::*;

    const TABLE: &str = "bench_plain_entries";

    /// The audit table's columns and search indexes, so that the difference measured is
    /// the tree: hashing and the nodes.
    pub async fn create_table(tx: &mut Tx) -> Result<()> {
        for sql in [
            "CREATE TABLE IF NOT EXISTS bench_plain_entries (
                seq BIGINT PRIMARY KEY, at_ms BIGINT NOT NULL, actor_user_id TEXT,
                actor_username TEXT, actor_org_id TEXT, channel TEXT NOT NULL,
                action TEXT NOT NULL, target TEXT, decision TEXT NOT NULL, reason TEXT,
                purpose TEXT, request_id TEXT NOT NULL, detail TEXT)",
            "CREATE INDEX IF NOT EXISTS bench_plain_actor ON bench_plain_entries (actor_user_id, seq)",
            "CREATE INDEX IF NOT EXISTS bench_plain_action ON bench_plain_entries (action, seq)",
            "CREATE INDEX IF NOT EXISTS bench_plain_org ON bench_plain_entries (actor_org_id, seq)",
            "CREATE INDEX IF NOT EXISTS bench_plain_target ON bench_plain_entries (target, seq)",
        ] {
            each!(tx, c => sqlx::query(sql).execute(c).await?.rows_affected());
        }
        Ok(())
    }

    /// Inserts `entries` numbered from `start`, as [`append_batch`] would, minus the tree.
    pub async fn insert(tx: &mut Tx, start: u64, entries: &[AuditEntry]) -> Result<()> {
        let rows: Vec<CanonicalEntry> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| e.canonical(start + i as u64))
            .collect();
        if let Tx::Sqlite(t) = tx {
            let mut handle = t.lock_handle().await?;
            return crate::db::with_sqlite_connection(&mut handle, |c| {
                direct::insert(c, TABLE, &rows, |_| Ok(()))
            });
        }
        insert_entries(tx, TABLE, &rows).await
    }
}
