//! Users, their password hashes and their sign-in failure counters.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub org_id: Option<String>,
    /// Comma-separated role names, see `pubdata_core::role::roles_to_text`.
    pub roles: String,
    pub contact: Option<String>,
    pub password_hash: String,
    pub disabled: bool,
    pub failed_attempts: i64,
    pub locked_until: Option<i64>,
    pub password_changed_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! columns {
    () => {
        "id, username, display_name, org_id, roles, contact, password_hash, disabled,
    failed_attempts, locked_until, password_changed_at, created_at, updated_at"
    };
}

pub async fn insert(tx: &mut Tx, _: &Permit, u: &UserRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO users (id, username, display_name, org_id, roles, contact, password_hash,
            disabled, failed_attempts, locked_until, password_changed_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
        .bind(&u.id)
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(&u.org_id)
        .bind(&u.roles)
        .bind(&u.contact)
        .bind(&u.password_hash)
        .bind(u.disabled)
        .bind(u.failed_attempts)
        .bind(u.locked_until)
        .bind(u.password_changed_at)
        .bind(u.created_at)
        .bind(u.updated_at)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}

/// Writes every column but `id`, `username` and `created_at` from `u`.
pub async fn update(tx: &mut Tx, _: &Permit, u: &UserRow) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE users SET display_name = $1, org_id = $2, roles = $3, contact = $4,
            password_hash = $5, disabled = $6, failed_attempts = $7, locked_until = $8,
            password_changed_at = $9, updated_at = $10
         WHERE id = $11")
        .bind(&u.display_name)
        .bind(&u.org_id)
        .bind(&u.roles)
        .bind(&u.contact)
        .bind(&u.password_hash)
        .bind(u.disabled)
        .bind(u.failed_attempts)
        .bind(u.locked_until)
        .bind(u.password_changed_at)
        .bind(u.updated_at)
        .bind(&u.id)
        .execute(c)
        .await?
        .rows_affected());
    Ok(n == 1)
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<UserRow>> {
    let sql = concat!("SELECT ", columns!(), " FROM users WHERE id = $1");
    Ok(each!(tx, c => sqlx::query_as::<_, UserRow>(sql).bind(id).fetch_optional(c).await?))
}

pub async fn get_by_username(tx: &mut Tx, username: &str) -> Result<Option<UserRow>> {
    let sql = concat!("SELECT ", columns!(), " FROM users WHERE username = $1");
    Ok(each!(tx, c => sqlx::query_as::<_, UserRow>(sql).bind(username).fetch_optional(c).await?))
}

/// Users in id order after `after`, optionally of one org.
pub async fn list(
    tx: &mut Tx,
    org_id: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<UserRow>> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM users WHERE id > $1 AND ($2 IS NULL OR org_id = $2)
         ORDER BY id LIMIT $3"
    );
    Ok(each!(tx, c => sqlx::query_as::<_, UserRow>(sql)
        .bind(after.unwrap_or(""))
        .bind(org_id)
        .bind(limit)
        .fetch_all(c)
        .await?))
}

/// Records a failed sign-in; locks the account until `lock_until` once `max` is reached.
/// Returns the number of failures so far.
pub async fn record_failed_sign_in(
    tx: &mut Tx,
    _: &Permit,
    id: &str,
    max: i64,
    lock_until: i64,
) -> Result<i64> {
    Ok(each!(tx, c => sqlx::query_scalar::<_, i64>(
        "UPDATE users SET failed_attempts = failed_attempts + 1,
            locked_until = CASE WHEN failed_attempts + 1 >= $1 THEN $2 ELSE locked_until END
         WHERE id = $3 RETURNING failed_attempts")
        .bind(max)
        .bind(lock_until)
        .bind(id)
        .fetch_one(c)
        .await?))
}

pub async fn clear_failed_sign_ins(tx: &mut Tx, _: &Permit, id: &str) -> Result<()> {
    each!(tx, c => sqlx::query(
        "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}

pub async fn count(tx: &mut Tx) -> Result<i64> {
    Ok(
        each!(tx, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(c).await?),
    )
}

/// (all, disabled)
pub async fn count_with_disabled(tx: &mut Tx) -> Result<(i64, i64)> {
    Ok(each!(tx, c => sqlx::query_as::<_, (i64, i64)>(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN disabled THEN 1 ELSE 0 END), 0) FROM users")
        .fetch_one(c)
        .await?))
}
