//! Web sessions. The cookie holds a random token; only its SHA-256 is stored, so a copy of
//! the database does not let anyone sign in.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

pub async fn insert(tx: &mut Tx, _: &Permit, s: &SessionRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5)")
        .bind(&s.token_hash)
        .bind(&s.user_id)
        .bind(&s.csrf_token)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}

pub async fn get(tx: &mut Tx, token_hash: &str) -> Result<Option<SessionRow>> {
    Ok(each!(tx, c => sqlx::query_as::<_, SessionRow>(
        "SELECT token_hash, user_id, csrf_token, created_at, last_seen_at
         FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(c)
        .await?))
}

pub async fn touch(tx: &mut Tx, token_hash: &str, now: i64) -> Result<()> {
    each!(tx, c => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}

pub async fn delete(tx: &mut Tx, token_hash: &str) -> Result<()> {
    each!(tx, c => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}

/// Ends every session of a user (disabled account, changed password).
pub async fn delete_for_user(tx: &mut Tx, user_id: &str) -> Result<()> {
    each!(tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}

/// Removes sessions idle since before `idle_before`.
pub async fn delete_idle(tx: &mut Tx, idle_before: i64) -> Result<u64> {
    Ok(
        each!(tx, c => sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1")
        .bind(idle_before)
        .execute(c)
        .await?
        .rows_affected()),
    )
}
