//! The listed days of the working-day calendar: statutory holidays and worked weekend days.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CalendarDayRow {
    /// `YYYY-MM-DD`
    pub day: String,
    /// `holiday` or `workday`
    pub kind: String,
    pub name: String,
    pub updated_at: i64,
}

pub async fn all(tx: &mut Tx) -> Result<Vec<CalendarDayRow>> {
    Ok(each!(tx, c => sqlx::query_as::<_, CalendarDayRow>(
        "SELECT day, kind, name, updated_at FROM calendar_days ORDER BY day")
        .fetch_all(c)
        .await?))
}

pub async fn upsert(tx: &mut Tx, _: &Permit, d: &CalendarDayRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO calendar_days (day, kind, name, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name,
                                         updated_at = excluded.updated_at")
        .bind(&d.day)
        .bind(&d.kind)
        .bind(&d.name)
        .bind(d.updated_at)
        .execute(c)
        .await?
        .rows_affected());
    Ok(())
}

pub async fn delete(tx: &mut Tx, _: &Permit, day: &str) -> Result<bool> {
    let n = each!(tx, c => sqlx::query("DELETE FROM calendar_days WHERE day = $1")
        .bind(day)
        .execute(c)
        .await?
        .rows_affected());
    Ok(n == 1)
}
