//! The working-day calendar: the listed days by year, the administrator's edits, and a
//! deadline calculator (a GET form, so it works without JavaScript).

use super::session::{FormData, Session};
use super::{Chrome, FormErrors, Opt, fixable, i18n, is_admin, render, today};
use crate::AppState;
use crate::problem::{Lang, status_of};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use pubdata_app::{ActionError, calendar};
use pubdata_core::calendar::DayKind;

struct DayRow {
    date: String,
    weekday: &'static str,
    kind: &'static str,
    kind_cls: &'static str,
    name: String,
}

struct YearGroup {
    year: i32,
    days: Vec<DayRow>,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    c: Chrome,
    /// `None` when the actor's role may not list the days.
    years: Option<Vec<YearGroup>>,
    editable: bool,
    set_date: String,
    set_name: String,
    kinds: Vec<Opt>,
    set_errors: FormErrors,
    calc_from: String,
    calc_days: String,
    calc_result: Option<String>,
    calc_errors: FormErrors,
}

async fn calendar_page(
    st: &AppState,
    s: &Session,
    set_form: Option<&FormData>,
    set_errors: FormErrors,
    status: StatusCode,
) -> Response {
    let years = match calendar::list_calendar_days(&st.app, &s.actor).await {
        Ok(mut days) => {
            days.sort_by_key(|d| d.date);
            let mut years: Vec<YearGroup> = Vec::new();
            for d in days {
                let row = DayRow {
                    date: d.date.to_string(),
                    weekday: i18n::weekday_label(d.date, s.lang),
                    kind: i18n::day_kind_label(d.kind, s.lang),
                    kind_cls: if d.kind == DayKind::Holiday {
                        "holiday"
                    } else {
                        "workday"
                    },
                    name: d.name,
                };
                match years.last_mut() {
                    Some(y) if y.year == d.date.year() => y.days.push(row),
                    _ => years.push(YearGroup {
                        year: d.date.year(),
                        days: vec![row],
                    }),
                }
            }
            Some(years)
        }
        Err(ActionError::Forbidden(_)) => None,
        Err(e) => return s.problem(&e),
    };
    // The calculator answers when both its parameters are given.
    let mut status = status;
    let (calc_from, calc_days, mut calc_result, mut calc_errors) = (
        s.params.get("from").unwrap_or_default().to_owned(),
        s.params.get("days").unwrap_or_default().to_owned(),
        None,
        FormErrors::default(),
    );
    if s.params.get("from").is_some() && s.params.get("days").is_some() {
        match calendar::add_working_days(&st.app, &calc_from, &calc_days).await {
            Ok(d) => {
                calc_result = Some(match s.lang {
                    Lang::Zh => format!("{d}（{}）", i18n::weekday_label(d, s.lang)),
                    Lang::En => format!("{d} ({})", i18n::weekday_label(d, s.lang)),
                })
            }
            Err(e) if fixable(&e) => {
                status = status_of(&e);
                calc_errors = FormErrors::from_error(&e, s.lang);
            }
            Err(e) => return s.problem(&e),
        }
    }
    let (calc_from, calc_days) = if calc_from.is_empty() && calc_days.is_empty() {
        (today().to_string(), "5".to_owned())
    } else {
        (calc_from, calc_days)
    };
    let kind_now = set_form
        .map(|f| f.get("kind"))
        .unwrap_or_else(|| "holiday".to_owned());
    let kinds = DayKind::ALL
        .iter()
        .map(|k| {
            Opt::new(
                k.as_str(),
                i18n::day_kind_label(*k, s.lang),
                kind_now == k.as_str(),
            )
        })
        .collect();
    let page = CalendarPage {
        c: s.chrome("calendar"),
        years,
        editable: is_admin(&s.actor),
        set_date: set_form.map(|f| f.get("date")).unwrap_or_default(),
        set_name: set_form.map(|f| f.get("name")).unwrap_or_default(),
        kinds,
        set_errors,
        calc_from,
        calc_days,
        calc_result,
        calc_errors,
    };
    render(status, &page)
}

pub async fn page(State(st): State<AppState>, s: Session) -> Response {
    calendar_page(&st, &s, None, FormErrors::default(), StatusCode::OK).await
}

pub async fn set_day(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    match calendar::set_calendar_day(
        &st.app,
        &s.actor,
        &form.get("date"),
        &form.get("kind"),
        &form.get("name"),
    )
    .await
    {
        Ok(d) => {
            Redirect::to(&format!("/calendar?notice=day_saved#y{}", d.date.year())).into_response()
        }
        Err(e) if fixable(&e) && is_admin(&s.actor) => {
            calendar_page(
                &st,
                &s,
                Some(&form),
                FormErrors::from_error(&e, s.lang),
                status_of(&e),
            )
            .await
        }
        Err(e) => s.problem(&e),
    }
}

pub async fn delete_day(
    State(st): State<AppState>,
    s: Session,
    Path(date): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    match calendar::delete_calendar_day(&st.app, &s.actor, &date).await {
        Ok(()) => Redirect::to("/calendar?notice=day_deleted").into_response(),
        Err(e) => s.problem(&e),
    }
}
