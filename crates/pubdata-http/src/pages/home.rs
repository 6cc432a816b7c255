//! The home page (工作台): who I am, and what is waiting for me, by role: for the authority
//! the overdue catalog review tasks of every unit and the entries awaiting review; for a
//! steward the unit's open review tasks and returned entries. The sharing work: the steps
//! waiting on the role (overdue first), for the authority the overdue steps escalated to it,
//! the open objections, and the unit's own requests in progress.

use super::session::Session;
use super::{Chrome, i18n, is_admin, render, today};
use crate::AppState;
use crate::problem::Lang;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pubdata_app::Role;
use pubdata_app::platform::home;
use pubdata_app::sharing::work::{SharingWork, WaitingStep};
use pubdata_core::sharing::StepKind;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    display_name: String,
    username: String,
    unit: Option<String>,
    roles: Vec<&'static str>,
    admin: bool,
    steward: bool,
    member: bool,
    auditor: bool,
    public: bool,
    orgs_total: usize,
    orgs_disabled: usize,
    users_total: usize,
    users_disabled: usize,
    /// The authority's catalog work: every unit's overdue review tasks, entries awaiting review.
    authority_work: Option<Work>,
    /// A steward's: the unit's open review tasks (overdue first), its returned entries.
    unit_work: Option<Work>,
    /// Share requests and objections waiting (authority, stewards, members).
    sharing: Option<Sharing>,
    /// Opening: proposals, applications and feedback waiting (authority, stewards).
    opening: Option<pubdata_app::platform::home::OpeningWork>,
}

/// An open step of a share request as the home page lists it.
struct StepLine {
    request_id: String,
    resource_name: String,
    /// The unit the step waits on (the authority when none).
    waits_on: String,
    requester: String,
    step: &'static str,
    due_date: String,
    overdue: bool,
}

struct ObjectionLine {
    id: String,
    resource_name: String,
    key: String,
    due_date: String,
    overdue: bool,
}

struct Sharing {
    waiting: Vec<StepLine>,
    waiting_overdue: usize,
    escalated: Vec<StepLine>,
    objections: Vec<ObjectionLine>,
    objections_overdue: usize,
    my_requests: Vec<StepLine>,
    /// The objections list the links go to: all (the authority) or the unit's.
    objections_view: &'static str,
}

fn step_lines(steps: Vec<WaitingStep>, s: &Session) -> Vec<StepLine> {
    steps
        .into_iter()
        .map(|w| StepLine {
            step: StepKind::parse(&w.step)
                .map(|k| match s.lang {
                    Lang::Zh => k.label_zh(),
                    Lang::En => k.label_en(),
                })
                .unwrap_or(w.step_label),
            waits_on: w
                .actor_org_name
                .unwrap_or_else(|| s.t().sh_authority.to_owned()),
            requester: w.requester_org_name,
            request_id: w.request_id,
            resource_name: w.resource_name,
            due_date: w.due_date,
            overdue: w.overdue,
        })
        .collect()
}

fn sharing(w: SharingWork, admin: bool, s: &Session) -> Sharing {
    let waiting = step_lines(w.waiting, s);
    let objections: Vec<ObjectionLine> = w
        .objections
        .into_iter()
        .map(|o| ObjectionLine {
            id: o.id,
            resource_name: o.resource_name,
            key: o.key,
            due_date: o.due_date,
            overdue: o.overdue,
        })
        .collect();
    Sharing {
        waiting_overdue: waiting.iter().filter(|x| x.overdue).count(),
        waiting,
        escalated: step_lines(w.escalated, s),
        objections_overdue: objections.iter().filter(|x| x.overdue).count(),
        objections,
        my_requests: step_lines(w.my_requests, s),
        objections_view: if admin { "all" } else { "provider" },
    }
}

struct TaskLine {
    org_id: String,
    org_name: String,
    changed_on: String,
    description: String,
    due_date: String,
    overdue: bool,
    overdue_text: String,
}

struct Work {
    tasks: Vec<TaskLine>,
    overdue: usize,
    submitted: i64,
    returned: i64,
    published: i64,
    /// The steward's unit (for the links).
    org_id: String,
}

fn work(w: home::CatalogWork, org_id: &str, s: &Session) -> Work {
    let t = s.t();
    let today = today();
    let tasks: Vec<TaskLine> = w
        .tasks
        .iter()
        .map(|k| {
            let days = chrono::NaiveDate::parse_from_str(&k.due_date, "%Y-%m-%d")
                .map(|d| (today - d).num_days().max(0))
                .unwrap_or(0);
            TaskLine {
                org_id: k.org_id.clone(),
                org_name: k.org_name.clone(),
                changed_on: k.changed_on.clone(),
                description: k.description.clone(),
                due_date: k.due_date.clone(),
                overdue: k.overdue,
                overdue_text: if k.overdue {
                    t.duty_overdue_by.replace("{n}", &days.to_string())
                } else {
                    String::new()
                },
            }
        })
        .collect();
    Work {
        overdue: tasks.iter().filter(|k| k.overdue).count(),
        tasks,
        submitted: w.count("submitted"),
        returned: w.count("returned"),
        published: w.count("published"),
        org_id: org_id.to_owned(),
    }
}

pub async fn home(State(st): State<AppState>, s: Session) -> Response {
    let a = &s.actor;
    let home = match home::view_home(&st.app, a).await {
        Ok(h) => h,
        Err(e) => return s.problem(&e),
    };
    let me = home.user;
    let unit = home.unit_name;
    let admin = is_admin(a);
    let o = home.overview.unwrap_or(home::Overview {
        orgs_total: 0,
        orgs_disabled: 0,
        users_total: 0,
        users_disabled: 0,
    });
    let as_count = |n: i64| usize::try_from(n).unwrap_or(0);
    let (orgs_total, orgs_disabled, users_total, users_disabled) = (
        as_count(o.orgs_total),
        as_count(o.orgs_disabled),
        as_count(o.users_total),
        as_count(o.users_disabled),
    );
    let authority_work = home.catalog_authority.map(|w| work(w, "", &s));
    let unit_work = home
        .catalog_unit
        .map(|w| work(w, a.org_id().unwrap_or_default(), &s));
    let sharing = home.sharing.map(|w| sharing(w, admin, &s));
    let page = HomePage {
        c: s.chrome("home"),
        display_name: me.display_name,
        username: me.username,
        unit,
        roles: me
            .roles
            .iter()
            .map(|r| i18n::role_label(*r, s.lang))
            .collect(),
        admin,
        steward: a.has_role(Role::Steward),
        member: a.has_role(Role::Member),
        auditor: a.has_role(Role::Auditor),
        public: a.has_role(Role::Public),
        orgs_total,
        orgs_disabled,
        users_total,
        users_disabled,
        authority_work,
        unit_work,
        sharing,
        opening: home.opening,
    };
    render(StatusCode::OK, &page)
}
