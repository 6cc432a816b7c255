//! Small named values the platform keeps about itself (e.g. whether the calendar was seeded).

use crate::db::{Result, Tx};
use crate::each;

pub async fn get(tx: &mut Tx, key: &str) -> Result<Option<String>> {
    Ok(
        each!(tx, c => sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(c)
        .await?),
    )
}

pub async fn set(tx: &mut Tx, key: &str, value: &str) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}
