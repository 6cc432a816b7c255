//! The working-day calendar: deadlines count in 工作日. The listed days (holidays and
//! worked weekend days) are data an administrator keeps; the arithmetic is in
//! `pubdata_core::calendar`.

use crate::action::Audited;
use crate::error::FieldError;
use crate::{ActionError, App, now_ms};
use chrono::NaiveDate;
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::calendar::{CN_2026_CSV, CalendarDay, DayKind, WorkCalendar, parse_calendar_csv};
use pubdata_core::policy;
use pubdata_store::calendar::{self as store, CalendarDayRow};

const SEEDED: &str = "calendar_seeded";

fn to_day(r: &CalendarDayRow) -> Result<CalendarDay, ActionError> {
    Ok(CalendarDay {
        date: NaiveDate::parse_from_str(&r.day, "%Y-%m-%d")
            .map_err(|_| ActionError::Unexpected(format!("calendar day {:?}", r.day)))?,
        kind: DayKind::parse(&r.kind)
            .ok_or_else(|| ActionError::Unexpected(format!("calendar kind {:?}", r.kind)))?,
        name: r.name.clone(),
    })
}

async fn load(app: &App) -> Result<WorkCalendar, ActionError> {
    let mut tx = app.db().begin_read().await?;
    let calendar = load_in(&mut tx).await?;
    tx.rollback().await?;
    Ok(calendar)
}

/// The calendar as the transaction `tx` sees it (an action computing a due date).
pub(crate) async fn load_in(tx: &mut pubdata_store::Tx) -> Result<WorkCalendar, ActionError> {
    let rows = store::all(tx).await?;
    Ok(WorkCalendar::new(
        rows.iter().map(to_day).collect::<Result<Vec<_>, _>>()?,
    ))
}

/// Loads the official 2026 schedule at first start (once: an administrator's later edits,
/// deletions included, are not undone by a restart).
pub async fn seed_if_empty(app: &App) -> Result<(), ActionError> {
    let mut tx = app.db().begin().await?;
    if pubdata_store::settings::get(&mut tx, SEEDED)
        .await?
        .is_some()
    {
        return Ok(tx.rollback().await?);
    }
    tx.rollback().await?;
    import_calendar(app, &Actor::system(crate::new_request_id()), CN_2026_CSV).await?;
    Ok(())
}

/// Imports a schedule in the `date,kind,name` CSV form (as published each November); the
/// listed days are added or replaced, others kept. Returns how many rows were imported.
pub async fn import_calendar(app: &App, actor: &Actor, csv: &str) -> Result<usize, ActionError> {
    let a = Audited::new(app, actor, Action::ImportCalendar)
        .with_target(Target::new("calendar", "import"));
    a.finish(
        async {
            let days = parse_calendar_csv(csv).map_err(|e| {
                ActionError::invalid(
                    "invalid_calendar",
                    FieldError::new("csv", "invalid_calendar_csv", e.message_zh(), e.to_string()),
                )
            })?;
            let permit = policy::edit_calendar(actor, a.action)?;
            let mut tx = a.begin().await?;
            let now = now_ms();
            for d in &days {
                store::upsert(
                    &mut tx,
                    &permit,
                    &CalendarDayRow {
                        day: d.date.to_string(),
                        kind: d.kind.as_str().to_owned(),
                        name: d.name.clone(),
                        updated_at: now,
                    },
                )
                .await?;
            }
            pubdata_store::settings::set(&mut tx, SEEDED, "1").await?;
            a.commit(tx).await?;
            Ok(days.len())
        }
        .await,
    )
    .await
}

pub async fn list_calendar_days(app: &App, actor: &Actor) -> Result<Vec<CalendarDay>, ActionError> {
    let a = Audited::new(app, actor, Action::ListCalendarDays);
    a.finish(
        async {
            policy::view_calendar(actor, a.action)?;
            let mut tx = a.begin().await?;
            let rows = store::all(&mut tx).await?;
            a.commit(tx).await?;
            rows.iter().map(to_day).collect()
        }
        .await,
    )
    .await
}

pub(crate) fn parse_date(field: &str, s: &str) -> Result<NaiveDate, ActionError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        ActionError::invalid(
            "invalid_date",
            FieldError::new(
                field,
                "invalid_date",
                "日期格式应为 YYYY-MM-DD",
                "date must be YYYY-MM-DD",
            ),
        )
    })
}

pub async fn set_calendar_day(
    app: &App,
    actor: &Actor,
    date: &str,
    kind: &str,
    name: &str,
) -> Result<CalendarDay, ActionError> {
    let a = Audited::new(app, actor, Action::SetCalendarDay)
        .with_target(Target::new("calendar", date.trim()));
    a.finish(
        async {
            let permit = policy::edit_calendar(actor, a.action)?;
            let date = parse_date("date", date)?;
            let kind = DayKind::parse(kind.trim()).ok_or_else(|| {
                ActionError::invalid(
                    "invalid_input",
                    FieldError::new(
                        "kind",
                        "invalid_day_kind",
                        "类型应为 holiday（放假）或 workday（调休上班）",
                        "kind must be holiday or workday",
                    ),
                )
            })?;
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 50 {
                return Err(ActionError::invalid(
                    "invalid_input",
                    FieldError::new(
                        "name",
                        "invalid_name",
                        "名称不能为空且不超过50字",
                        "name must be 1 to 50 characters",
                    ),
                ));
            }
            let mut tx = a.begin().await?;
            store::upsert(
                &mut tx,
                &permit,
                &CalendarDayRow {
                    day: date.to_string(),
                    kind: kind.as_str().to_owned(),
                    name: name.to_owned(),
                    updated_at: now_ms(),
                },
            )
            .await?;
            a.commit(tx).await?;
            Ok(CalendarDay {
                date,
                kind,
                name: name.to_owned(),
            })
        }
        .await,
    )
    .await
}

pub async fn delete_calendar_day(app: &App, actor: &Actor, date: &str) -> Result<(), ActionError> {
    let a = Audited::new(app, actor, Action::DeleteCalendarDay)
        .with_target(Target::new("calendar", date.trim()));
    a.finish(
        async {
            let date = parse_date("date", date)?;
            let permit = policy::edit_calendar(actor, a.action)?;
            let mut tx = a.begin().await?;
            if !store::delete(&mut tx, &permit, &date.to_string()).await? {
                return Err(ActionError::NotFound("calendar_day_not_found"));
            }
            a.commit(tx).await
        }
        .await,
    )
    .await
}

/// The date `days` working days after `from` (counting from the day after). A computation
/// over public data, not an action on anything: it is neither policy-checked nor audited.
pub async fn add_working_days(app: &App, from: &str, days: &str) -> Result<NaiveDate, ActionError> {
    let from = parse_date("from", from)?;
    let days: u32 = days
        .trim()
        .parse()
        .ok()
        .filter(|d| *d <= 3650)
        .ok_or_else(|| {
            ActionError::invalid(
                "invalid_input",
                FieldError::new(
                    "days",
                    "invalid_days",
                    "天数应为0至3650的整数",
                    "days must be an integer from 0 to 3650",
                ),
            )
        })?;
    Ok(load(app).await?.add_working_days(from, days))
}

/// A due date under a deadline rule: `rule`'s working days after `from`, with the rule as it
/// stands (its days and legal source are copied into what the date is set on).
pub(crate) async fn due_by_rule(
    tx: &mut pubdata_store::Tx,
    rule: &str,
    from: NaiveDate,
) -> Result<(NaiveDate, pubdata_store::catalog::duty::RuleRow), ActionError> {
    let rule = pubdata_store::catalog::duty::rule(tx, rule)
        .await?
        .ok_or_else(|| ActionError::Unexpected(format!("the deadline rule {rule} is missing")))?;
    let days = u32::try_from(rule.days).map_err(|_| ActionError::Unexpected("rule days".into()))?;
    let due = load_in(tx).await?.add_working_days(from, days);
    Ok((due, rule))
}
