//! Units: the list, a new unit, a unit's page (edit, disable, enable).

use super::catalog_duty::{TaskRow, task_rows};
use super::session::{FormData, Session};
use super::{Chrome, FormErrors, Opt, all_orgs, fixable, i18n, is_admin, render};
use crate::AppState;
use crate::problem::status_of;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pubdata_app::ActionError;
use pubdata_app::catalog::duty::{TaskQuery, list_review_tasks};
use pubdata_app::platform::orgs::{self, Org, OrgInput};
use pubdata_core::audit::Action;
use pubdata_core::org::{OrgKind, Sector};
use pubdata_core::policy;

struct OrgRow {
    id: String,
    name: String,
    kind: &'static str,
    sector: &'static str,
    uscc: String,
    parent: String,
    head: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "orgs.html")]
struct OrgsPage {
    c: Chrome,
    admin: bool,
    rows: Vec<OrgRow>,
}

pub async fn list(State(st): State<AppState>, s: Session) -> Response {
    let list = match all_orgs(&st.app, &s.actor).await {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    let name_of = |id: &Option<String>| {
        id.as_ref()
            .map(|id| {
                list.iter()
                    .find(|o| &o.id == id)
                    .map(|o| o.name.clone())
                    .unwrap_or_else(|| id.clone())
            })
            .unwrap_or_default()
    };
    let rows = list
        .iter()
        .map(|o| OrgRow {
            id: o.id.clone(),
            name: o.name.clone(),
            kind: i18n::kind_label(o.kind, s.lang),
            sector: i18n::sector_label(o.sector, s.lang),
            uscc: o.uscc.clone(),
            parent: name_of(&o.parent_id),
            head: o.accountable_head.clone(),
            disabled: o.disabled,
        })
        .collect();
    render(
        StatusCode::OK,
        &OrgsPage {
            c: s.chrome("orgs"),
            admin: is_admin(&s.actor),
            rows,
        },
    )
}

/// What the form holds, as typed.
#[derive(Default)]
struct OrgFields {
    name: String,
    kind: String,
    sector: String,
    uscc: String,
    parent_id: String,
    accountable_head: String,
}

impl OrgFields {
    fn of(o: &Org) -> OrgFields {
        OrgFields {
            name: o.name.clone(),
            kind: o.kind.as_str().to_owned(),
            sector: o.sector.as_str().to_owned(),
            uscc: o.uscc.clone(),
            parent_id: o.parent_id.clone().unwrap_or_default(),
            accountable_head: o.accountable_head.clone(),
        }
    }

    fn from_form(f: &FormData) -> OrgFields {
        OrgFields {
            name: f.get("name"),
            kind: f.get("kind"),
            sector: f.get("sector"),
            uscc: f.get("uscc"),
            parent_id: f.get("parent_id"),
            accountable_head: f.get("accountable_head"),
        }
    }

    fn input(&self) -> OrgInput {
        OrgInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            sector: self.sector.clone(),
            uscc: self.uscc.clone(),
            parent_id: Some(self.parent_id.clone()).filter(|p| !p.trim().is_empty()),
            accountable_head: self.accountable_head.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    c: Chrome,
    /// `None` for a new unit.
    id: Option<String>,
    heading: String,
    editable: bool,
    disabled: bool,
    f: OrgFields,
    kinds: Vec<Opt>,
    sectors: Vec<Opt>,
    parents: Vec<Opt>,
    errors: FormErrors,
    /// The unit's catalog review tasks, for who may see them (else no section).
    tasks: Option<Vec<TaskRow>>,
    overdue_tasks: usize,
    /// Whether the viewer may record a duty change for the unit.
    can_record_duty: bool,
}

async fn org_page(
    st: &AppState,
    s: &Session,
    org: Option<&Org>,
    f: OrgFields,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let list = match all_orgs(&st.app, &s.actor).await {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    let t = s.t();
    let kinds = OrgKind::ALL
        .iter()
        .map(|k| {
            Opt::new(
                k.as_str(),
                i18n::kind_label(*k, s.lang),
                f.kind == k.as_str(),
            )
        })
        .collect();
    let sectors = Sector::ALL
        .iter()
        .map(|k| {
            Opt::new(
                k.as_str(),
                i18n::sector_label(*k, s.lang),
                f.sector == k.as_str(),
            )
        })
        .collect();
    let mut parents = vec![Opt::new("", t.none, f.parent_id.is_empty())];
    parents.extend(
        list.iter()
            .filter(|o| org.is_none_or(|me| me.id != o.id))
            .map(|o| Opt::new(o.id.clone(), o.name.clone(), f.parent_id == o.id)),
    );
    // The unit's review tasks, only for who may see them; a failure leaves the section out
    // rather than failing the unit's page.
    let tasks = match org {
        Some(o)
            if policy::view_unit_catalog(&s.actor, Action::ListReviewTasks, Some(&o.id))
                .is_ok() =>
        {
            let q = TaskQuery {
                org_id: Some(o.id.clone()),
                status: None,
                overdue: false,
            };
            list_review_tasks(&st.app, &s.actor, q)
                .await
                .ok()
                .map(|l| task_rows(l, &list, s))
        }
        _ => None,
    };
    let page = OrgPage {
        overdue_tasks: tasks
            .as_ref()
            .map_or(0, |l| l.iter().filter(|t| t.overdue).count()),
        tasks,
        can_record_duty: org.is_some_and(|o| {
            !o.disabled && policy::edit_catalog(&s.actor, Action::RecordDutyChange, &o.id).is_ok()
        }),
        c: s.chrome("orgs"),
        id: org.map(|o| o.id.clone()),
        heading: org
            .map(|o| o.name.clone())
            .unwrap_or_else(|| t.org_new_title.to_owned()),
        editable: is_admin(&s.actor),
        disabled: org.is_some_and(|o| o.disabled),
        f,
        kinds,
        sectors,
        parents,
        errors,
    };
    render(status, &page)
}

pub async fn new_form(State(st): State<AppState>, s: Session) -> Response {
    if !is_admin(&s.actor) {
        // Only the authority manages units (the action refuses anyone else as well).
        return s.problem(&ActionError::Forbidden("role_required"));
    }
    let f = OrgFields {
        kind: "government".into(),
        sector: "other".into(),
        ..OrgFields::default()
    };
    org_page(&st, &s, None, f, FormErrors::default(), StatusCode::OK).await
}

pub async fn create(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let f = OrgFields::from_form(&form);
    match orgs::create_org(&st.app, &s.actor, f.input()).await {
        Ok(org) => {
            Redirect::to(&format!("/admin/orgs/{}?notice=org_created", org.id)).into_response()
        }
        // The form again for who can use it; anyone else gets the problem page.
        Err(e) if fixable(&e) && is_admin(&s.actor) => {
            org_page(
                &st,
                &s,
                None,
                f,
                FormErrors::from_error(&e, s.lang),
                status_of(&e),
            )
            .await
        }
        Err(e) => s.problem(&e),
    }
}

pub async fn show(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    match orgs::get_org(&st.app, &s.actor, &id).await {
        Ok(org) => {
            org_page(
                &st,
                &s,
                Some(&org),
                OrgFields::of(&org),
                FormErrors::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => s.problem(&e),
    }
}

pub async fn update(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let f = OrgFields::from_form(&form);
    match orgs::update_org(&st.app, &s.actor, &id, f.input()).await {
        Ok(org) => {
            Redirect::to(&format!("/admin/orgs/{}?notice=org_updated", org.id)).into_response()
        }
        Err(e) if fixable(&e) && is_admin(&s.actor) => {
            match orgs::get_org(&st.app, &s.actor, &id).await {
                Ok(org) => {
                    org_page(
                        &st,
                        &s,
                        Some(&org),
                        f,
                        FormErrors::from_error(&e, s.lang),
                        status_of(&e),
                    )
                    .await
                }
                Err(e2) => s.problem(&e2),
            }
        }
        Err(e) => s.problem(&e),
    }
}

async fn set_disabled(
    st: AppState,
    s: Session,
    id: String,
    form: FormData,
    disabled: bool,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    match orgs::set_org_disabled(&st.app, &s.actor, &id, disabled).await {
        Ok(org) => {
            let notice = if disabled {
                "org_disabled"
            } else {
                "org_enabled"
            };
            Redirect::to(&format!("/admin/orgs/{}?notice={notice}", org.id)).into_response()
        }
        Err(e) => s.problem(&e),
    }
}

pub async fn disable(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    set_disabled(st, s, id, form, true).await
}

pub async fn enable(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    set_disabled(st, s, id, form, false).await
}
