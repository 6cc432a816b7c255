//! The duty to keep the catalog current: the review tasks that recorded duty changes open
//! (each due on the working-day calendar under the `catalog_update` deadline rule), recording
//! a change, closing a task, and the deadline rules themselves.
//!
//! Who may see and do what is the actions' (and `policy`'s) decision; the page only asks the
//! same pure policy functions which forms to show.

use super::session::{FormData, Session};
use super::{Chrome, FormErrors, Opt, all_orgs, fixable, local_time, render, today};
use crate::AppState;
use crate::problem::{Lang, status_of};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pubdata_app::catalog::duty::{
    self, CATALOG_UPDATE_RULE, CloseTaskInput, DeadlineRule, DutyChangeInput, ReviewTask,
    RuleInput, TaskQuery,
};
use pubdata_app::platform::orgs::Org;
use pubdata_core::audit::Action;
use pubdata_core::catalog::TaskResolution;
use pubdata_core::policy;

/// Notices of these pages (`?notice=…`), beside the shared ones of `i18n::notice`.
fn notice(s: &Session) -> Option<&'static str> {
    let t = s.t();
    match s.params.get("notice")? {
        "duty_recorded" => Some(t.duty_notice_recorded),
        "duty_task_closed" => Some(t.duty_notice_closed),
        "rule_saved" => Some(t.rule_notice_saved),
        _ => None,
    }
}

fn chrome(s: &Session, active: &'static str) -> Chrome {
    let mut c = s.chrome(active);
    if c.notice.is_none() {
        c.notice = notice(s);
    }
    c
}

pub(super) fn resolution_label(r: TaskResolution, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => r.label_zh(),
        Lang::En => r.label_en(),
    }
}

/// The resolutions a task is closed with, `selected` chosen.
fn close_options(selected: &str, lang: Lang) -> Vec<Opt> {
    TaskResolution::ALL
        .iter()
        .map(|r| {
            Opt::new(
                r.as_str(),
                resolution_label(*r, lang),
                r.as_str() == selected,
            )
        })
        .collect()
}

/// How many days a task is past its due date (0 if it is not).
fn days_overdue(t: &ReviewTask) -> i64 {
    if !t.overdue {
        return 0;
    }
    chrono::NaiveDate::parse_from_str(&t.due_date, "%Y-%m-%d")
        .map(|due| (today() - due).num_days().max(0))
        .unwrap_or(0)
}

/// One review task as the pages show it.
pub(super) struct TaskRow {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub date: String,
    pub description: String,
    pub legal_source: String,
    pub due_date: String,
    pub due_today: bool,
    pub overdue: bool,
    /// "逾期 N 天", when overdue.
    pub overdue_text: String,
    /// "N 个工作日".
    pub rule_text: String,
    pub rule_source: String,
    pub open: bool,
    pub resolution: &'static str,
    pub note: String,
    pub closed_by: String,
    pub closed_at: String,
    /// Whether the viewer may close it (an open task of a unit whose catalog they keep).
    pub closable: bool,
    /// The close form as typed, and its errors (after a refused close).
    pub close_options: Vec<Opt>,
    pub close_note: String,
    pub close_errors: Option<FormErrors>,
    /// The task just recorded.
    pub fresh: bool,
}

pub(super) fn task_rows(tasks: Vec<ReviewTask>, orgs: &[Org], s: &Session) -> Vec<TaskRow> {
    let t = s.t();
    let today = today().to_string();
    tasks
        .into_iter()
        .map(|k| {
            let n = days_overdue(&k);
            TaskRow {
                org_name: orgs
                    .iter()
                    .find(|o| o.id == k.org_id)
                    .map(|o| o.name.clone())
                    .unwrap_or_else(|| k.org_id.clone()),
                due_today: k.status == "open" && k.due_date == today,
                overdue: k.overdue,
                overdue_text: if k.overdue {
                    t.duty_overdue_by.replace("{n}", &n.to_string())
                } else {
                    String::new()
                },
                open: k.status == "open",
                resolution: k
                    .resolution
                    .map(|r| resolution_label(r, s.lang))
                    .unwrap_or(""),
                closable: k.status == "open"
                    && policy::edit_catalog(&s.actor, Action::CloseReviewTask, &k.org_id).is_ok(),
                note: k.note.clone().unwrap_or_default(),
                closed_by: k.closed_by.clone().unwrap_or_default(),
                closed_at: k.closed_at.as_deref().map(local_time).unwrap_or_default(),
                close_options: close_options(TaskResolution::Updated.as_str(), s.lang),
                close_note: String::new(),
                close_errors: None,
                fresh: false,
                id: k.id,
                org_id: k.org_id,
                date: k.date,
                description: k.description,
                legal_source: k.legal_source,
                due_date: k.due_date,
                rule_text: t.duty_rule_days.replace("{n}", &k.rule_days.to_string()),
                rule_source: k.rule_source,
            }
        })
        .collect()
}

/// The filter of the list, from the query string.
#[derive(Default)]
struct TaskFilter {
    org_id: String,
    status: String,
    overdue: bool,
}

impl TaskFilter {
    fn of(s: &Session) -> TaskFilter {
        TaskFilter {
            org_id: s.params.get("org_id").unwrap_or_default().to_owned(),
            status: s.params.get("status").unwrap_or_default().to_owned(),
            overdue: s.params.get("overdue").is_some_and(|v| !v.is_empty()),
        }
    }
}

/// The duty-change form as typed.
struct RecordFields {
    org_id: String,
    date: String,
    description: String,
    legal_source: String,
}

/// A refused close: which task, what was typed, what was wrong.
struct CloseAttempt {
    task_id: String,
    resolution: String,
    note: String,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "review_tasks.html")]
struct TasksPage {
    c: Chrome,
    /// A refused close whose task shows no form any more.
    page_errors: FormErrors,
    rows: Vec<TaskRow>,
    /// The filter: units (for those who see every unit's tasks), statuses, overdue only.
    units: Option<Vec<Opt>>,
    statuses: Vec<Opt>,
    overdue_only: bool,
    filtered: bool,
    overdue_count: usize,
    open_count: usize,
    /// "The task just recorded is due on …", after a recording.
    recorded: Option<String>,
    /// The record form, for who may record a change: units to choose from (the authority),
    /// or the own unit's name (a steward).
    can_record: bool,
    record_units: Vec<Opt>,
    record_unit_name: String,
    r: RecordFields,
    record_errors: FormErrors,
    /// The rule the due date will follow: working days and legal source.
    rule: Option<DeadlineRule>,
    rule_text: String,
    admin_rules: bool,
}

async fn tasks_page(
    st: &AppState,
    s: &Session,
    filter: TaskFilter,
    record: Option<(RecordFields, FormErrors)>,
    close: Option<CloseAttempt>,
    status: StatusCode,
) -> Response {
    let t = s.t();
    let tasks = match duty::list_review_tasks(
        &st.app,
        &s.actor,
        TaskQuery {
            org_id: Some(filter.org_id.clone()).filter(|o| !o.is_empty()),
            status: Some(filter.status.clone()).filter(|o| !o.is_empty()),
            overdue: filter.overdue,
        },
    )
    .await
    {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    let rule = match duty::list_deadline_rules(&st.app, &s.actor).await {
        Ok(rules) => rules.into_iter().find(|r| r.key == CATALOG_UPDATE_RULE),
        Err(e) => return s.problem(&e),
    };
    let mut rows = task_rows(tasks, &orgs, s);
    let fresh = match s.params.get("notice") {
        Some("duty_recorded") => s.params.get("task"),
        _ => None,
    };
    let mut recorded = None;
    for row in &mut rows {
        if fresh == Some(row.id.as_str()) {
            row.fresh = true;
            recorded = Some(
                t.duty_recorded_due
                    .replace("{org}", &row.org_name)
                    .replace("{due}", &row.due_date)
                    .replace("{rule}", &row.rule_text),
            );
        }
        if let Some(a) = close.as_ref().filter(|a| a.task_id == row.id) {
            row.close_options = close_options(&a.resolution, s.lang);
            row.close_note = a.note.clone();
        }
    }
    // A refused close is shown at its form; when the task has none any more (closed
    // meanwhile, or not in the list), at the top of the page.
    let mut page_errors = FormErrors::default();
    if let Some(a) = close {
        match rows.iter_mut().find(|r| r.id == a.task_id && r.closable) {
            Some(row) => row.close_errors = Some(a.errors),
            None => page_errors = a.errors,
        }
    }
    let a = &s.actor;
    let sees_all = policy::sees_whole_catalog(a);
    let units = sees_all.then(|| {
        let mut v = vec![Opt::new("", t.all_units, filter.org_id.is_empty())];
        v.extend(
            orgs.iter()
                .map(|o| Opt::new(o.id.clone(), o.name.clone(), filter.org_id == o.id)),
        );
        v
    });
    let statuses = vec![
        Opt::new("", t.duty_status_any, filter.status.is_empty()),
        Opt::new("open", t.duty_status_open, filter.status == "open"),
        Opt::new("closed", t.duty_status_closed, filter.status == "closed"),
    ];
    // The record form: the authority picks any enabled unit, a steward records for its own.
    let record_orgs: Vec<&Org> = orgs
        .iter()
        .filter(|o| !o.disabled && policy::edit_catalog(a, Action::RecordDutyChange, &o.id).is_ok())
        .collect();
    let can_record = !record_orgs.is_empty();
    let (r, record_errors) = record.unwrap_or_else(|| {
        let org_id = if record_orgs.iter().any(|o| o.id == filter.org_id) {
            filter.org_id.clone()
        } else if record_orgs.len() == 1 {
            record_orgs[0].id.clone()
        } else {
            String::new()
        };
        (
            RecordFields {
                org_id,
                date: today().to_string(),
                description: String::new(),
                legal_source: String::new(),
            },
            FormErrors::default(),
        )
    });
    let mut record_units = Vec::new();
    let mut record_unit_name = String::new();
    if record_orgs.len() == 1 && !sees_all {
        record_unit_name = record_orgs[0].name.clone();
    } else {
        record_units.push(Opt::new("", t.duty_choose_unit, r.org_id.is_empty()));
        record_units.extend(
            record_orgs
                .iter()
                .map(|o| Opt::new(o.id.clone(), o.name.clone(), r.org_id == o.id)),
        );
    }
    let rule_text = rule
        .as_ref()
        .map(|r| t.duty_rule_text.replace("{n}", &r.days.to_string()))
        .unwrap_or_default();
    let mut c = chrome(s, "catalog_tasks");
    if recorded.is_some() {
        // The page says it with the due date.
        c.notice = None;
    }
    let page = TasksPage {
        c,
        page_errors,
        overdue_count: rows.iter().filter(|r| r.overdue).count(),
        open_count: rows.iter().filter(|r| r.open).count(),
        rows,
        units,
        statuses,
        overdue_only: filter.overdue,
        filtered: !filter.org_id.is_empty() || !filter.status.is_empty() || filter.overdue,
        recorded,
        can_record,
        record_units,
        record_unit_name,
        r,
        record_errors,
        rule,
        rule_text,
        admin_rules: policy::review_catalog(a, Action::SetDeadlineRule).is_ok(),
    };
    render(status, &page)
}

/// `GET /catalog/tasks?org_id=&status=&overdue=1`
pub async fn list(State(st): State<AppState>, s: Session) -> Response {
    let filter = TaskFilter::of(&s);
    tasks_page(&st, &s, filter, None, None, StatusCode::OK).await
}

/// `POST /catalog/tasks`: records a duty change, which opens a review task.
pub async fn record(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let f = RecordFields {
        org_id: form.get("org_id").trim().to_owned(),
        date: form.get("date"),
        description: form.get("description"),
        legal_source: form.get("legal_source"),
    };
    if f.org_id.is_empty() {
        let errors = FormErrors::one("org_id", s.t().duty_unit_required);
        return tasks_page(
            &st,
            &s,
            TaskFilter::default(),
            Some((f, errors)),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let input = DutyChangeInput {
        date: f.date.clone(),
        description: f.description.clone(),
        legal_source: f.legal_source.clone(),
    };
    match duty::record_duty_change(&st.app, &s.actor, &f.org_id, input).await {
        Ok(task) => Redirect::to(&format!(
            "/catalog/tasks?org_id={}&notice=duty_recorded&task={}#task-{}",
            task.org_id, task.id, task.id
        ))
        .into_response(),
        Err(e) if fixable(&e) => {
            let filter = TaskFilter {
                org_id: f.org_id.clone(),
                ..TaskFilter::default()
            };
            let errors = FormErrors::from_error(&e, s.lang);
            tasks_page(&st, &s, filter, Some((f, errors)), None, status_of(&e)).await
        }
        Err(e) => s.problem(&e),
    }
}

/// `POST /catalog/tasks/{id}/close`: closes a task, "catalog updated" or "no change needed"
/// (with the reason).
pub async fn close(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let input = CloseTaskInput {
        resolution: form.get("resolution"),
        note: form.get("note"),
    };
    match duty::close_review_task(&st.app, &s.actor, &id, input).await {
        Ok(task) => Redirect::to(&format!(
            "/catalog/tasks?org_id={}&notice=duty_task_closed#task-{}",
            task.org_id, task.id
        ))
        .into_response(),
        Err(e) if fixable(&e) => {
            // The list the form was on: the task's unit (sent with the form).
            let filter = TaskFilter {
                org_id: form.get("org_id"),
                ..TaskFilter::default()
            };
            let attempt = CloseAttempt {
                task_id: id,
                resolution: form.get("resolution"),
                note: form.get("note"),
                errors: FormErrors::from_error(&e, s.lang),
            };
            tasks_page(&st, &s, filter, None, Some(attempt), status_of(&e)).await
        }
        Err(e) => s.problem(&e),
    }
}

// ---------------------------------------------------------------------------------------
// Deadline rules

struct RuleRow {
    key: String,
    label: String,
    /// The days as typed (the saved ones unless an edit was refused).
    days: String,
    saved_days: i64,
    legal_source: String,
    updated_at: String,
    errors: Option<FormErrors>,
}

#[derive(Template)]
#[template(path = "deadline_rules.html")]
struct RulesPage {
    c: Chrome,
    rows: Vec<RuleRow>,
    editable: bool,
}

fn rule_label(key: &str, s: &Session) -> String {
    match key {
        CATALOG_UPDATE_RULE => s.t().rule_catalog_update.to_owned(),
        "share_conformity" => s.t().rule_share_conformity.to_owned(),
        "share_reply_on_platform" => s.t().rule_share_reply_on_platform.to_owned(),
        "share_reply_off_platform" => s.t().rule_share_reply_off_platform.to_owned(),
        "share_coordination" => s.t().rule_share_coordination.to_owned(),
        "objection_check" => s.t().rule_objection_check.to_owned(),
        "objection_complex" => s.t().rule_objection_complex.to_owned(),
        other => other.to_owned(),
    }
}

/// A refused edit: which rule, what was typed, what was wrong.
struct RuleAttempt {
    key: String,
    days: String,
    legal_source: String,
    errors: FormErrors,
}

async fn rules_page(
    st: &AppState,
    s: &Session,
    attempt: Option<RuleAttempt>,
    status: StatusCode,
) -> Response {
    let rules = match duty::list_deadline_rules(&st.app, &s.actor).await {
        Ok(r) => r,
        Err(e) => return s.problem(&e),
    };
    let mut attempt = attempt;
    let rows = rules
        .into_iter()
        .map(|r| {
            let mut row = RuleRow {
                label: rule_label(&r.key, s),
                days: r.days.to_string(),
                saved_days: r.days,
                legal_source: r.legal_source,
                updated_at: r.updated_at.as_deref().map(local_time).unwrap_or_default(),
                errors: None,
                key: r.key,
            };
            if attempt.as_ref().is_some_and(|a| a.key == row.key) {
                let a = attempt.take().expect("checked");
                row.days = a.days;
                row.legal_source = a.legal_source;
                row.errors = Some(a.errors);
            }
            row
        })
        .collect();
    let page = RulesPage {
        c: chrome(s, "rules"),
        rows,
        editable: policy::review_catalog(&s.actor, Action::SetDeadlineRule).is_ok(),
    };
    render(status, &page)
}

/// `GET /admin/rules`
pub async fn rules(State(st): State<AppState>, s: Session) -> Response {
    rules_page(&st, &s, None, StatusCode::OK).await
}

/// `POST /admin/rules/{key}`: new days and legal source; tasks already opened keep their
/// due date.
pub async fn set_rule(
    State(st): State<AppState>,
    s: Session,
    Path(key): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let days_text = form.get("days");
    let Ok(days) = days_text.trim().parse::<i64>() else {
        let attempt = RuleAttempt {
            key,
            days: days_text,
            legal_source: form.get("legal_source"),
            errors: FormErrors::one("days", s.t().rule_days_invalid),
        };
        return rules_page(&st, &s, Some(attempt), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let input = RuleInput {
        days,
        legal_source: form.get("legal_source"),
    };
    match duty::set_deadline_rule(&st.app, &s.actor, &key, input).await {
        Ok(r) => {
            Redirect::to(&format!("/admin/rules?notice=rule_saved#rule-{}", r.key)).into_response()
        }
        Err(e) if fixable(&e) => {
            let attempt = RuleAttempt {
                key,
                days: days_text,
                legal_source: form.get("legal_source"),
                errors: FormErrors::from_error(&e, s.lang),
            };
            rules_page(&st, &s, Some(attempt), status_of(&e)).await
        }
        Err(e) => s.problem(&e),
    }
}
