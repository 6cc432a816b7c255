//! API tokens. Like sessions, only the SHA-256 of a token is stored; the raw token is shown
//! once, when it is made.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    /// The first characters of the raw token, to recognise it in a list.
    pub prefix: String,
    pub token_hash: String,
    pub scope: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

macro_rules! columns {
    () => {
        "id, user_id, name, prefix, token_hash, scope, created_at, expires_at, revoked_at, last_used_at"
    };
}

pub async fn insert(tx: &mut Tx, _: &Permit, t: &TokenRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, scope, created_at,
                                 expires_at, revoked_at, last_used_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(&t.id)
        .bind(&t.user_id)
        .bind(&t.name)
        .bind(&t.prefix)
        .bind(&t.token_hash)
        .bind(&t.scope)
        .bind(t.created_at)
        .bind(t.expires_at)
        .bind(t.revoked_at)
        .bind(t.last_used_at)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}

pub async fn get_by_hash(tx: &mut Tx, token_hash: &str) -> Result<Option<TokenRow>> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM api_tokens WHERE token_hash = $1"
    );
    Ok(each!(tx, c => sqlx::query_as::<_, TokenRow>(sql).bind(token_hash).fetch_optional(c).await?))
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<TokenRow>> {
    let sql = concat!("SELECT ", columns!(), " FROM api_tokens WHERE id = $1");
    Ok(each!(tx, c => sqlx::query_as::<_, TokenRow>(sql).bind(id).fetch_optional(c).await?))
}

/// A user's tokens, newest first.
pub async fn list_for_user(tx: &mut Tx, user_id: &str) -> Result<Vec<TokenRow>> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"
    );
    Ok(each!(tx, c => sqlx::query_as::<_, TokenRow>(sql).bind(user_id).fetch_all(c).await?))
}

pub async fn revoke(tx: &mut Tx, _: &Permit, id: &str, now: i64) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(c)
        .await?
        .rows_affected());
    Ok(n == 1)
}

/// Notes a use; writes only when the stored time is older than `min_interval_ms`, so a busy
/// token does not turn every read into a write.
pub async fn touch_last_used(tx: &mut Tx, id: &str, now: i64, min_interval_ms: i64) -> Result<()> {
    each!(tx, c => sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1
         WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
        .bind(now)
        .bind(id)
        .bind(now - min_interval_ms)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}
