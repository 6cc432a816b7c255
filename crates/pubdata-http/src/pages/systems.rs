//! The information-system registry (政务信息系统登记): the list, a system's page (its resources,
//! why approval was refused, the moves along planned → under review → approved → in service
//! → retired), and the form with the resources it produces chosen among its owner's.

use super::session::{FormData, Session};
use super::{Chrome, FormErrors, Opt, all_orgs, fixable, is_admin, local_time, render};
use crate::AppState;
use crate::problem::{Lang, status_of};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pubdata_app::catalog::search::{SearchInput, search_resources};
use pubdata_app::catalog::systems::{self, InfoSystem, SystemInput, SystemQuery};
use pubdata_app::platform::orgs::Org;
use pubdata_app::{ActionError, Role};
use pubdata_core::audit::Action;
use pubdata_core::catalog::{ResourceStatus, SystemStatus};
use pubdata_core::policy;

/// Notices of these pages (`?notice=…`), beside the shared ones of `i18n::notice`.
fn chrome(s: &Session, active: &'static str) -> Chrome {
    let mut c = s.chrome(active);
    if c.notice.is_none() {
        let t = s.t();
        c.notice = match s.params.get("notice") {
            Some("sys_created") => Some(t.sys_notice_created),
            Some("sys_updated") => Some(t.sys_notice_updated),
            Some("sys_submitted") => Some(t.sys_notice_submitted),
            Some("sys_approved") => Some(t.sys_notice_approved),
            Some("sys_in_service") => Some(t.sys_notice_in_service),
            Some("sys_retired") => Some(t.sys_notice_retired),
            _ => None,
        };
    }
    c
}

fn status_label(st: SystemStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => st.label_zh(),
        Lang::En => st.label_en(),
    }
}

fn status_cls(st: SystemStatus) -> &'static str {
    match st {
        SystemStatus::Planned | SystemStatus::Retired => "off",
        SystemStatus::UnderReview => "warn",
        SystemStatus::Approved => "workday",
        SystemStatus::InService => "on",
    }
}

fn resource_label(status: &str, lang: Lang) -> (String, &'static str) {
    match ResourceStatus::parse(status) {
        Some(r) => (
            match lang {
                Lang::Zh => r.label_zh(),
                Lang::En => r.label_en(),
            }
            .to_owned(),
            match r {
                ResourceStatus::Published => "on",
                ResourceStatus::Submitted => "warn",
                ResourceStatus::Returned => "deny",
                ResourceStatus::Draft | ResourceStatus::Withdrawn => "off",
            },
        ),
        None => (status.to_owned(), "off"),
    }
}

fn org_name(orgs: &[Org], id: &str) -> String {
    orgs.iter()
        .find(|o| o.id == id)
        .map(|o| o.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

/// Whether the actor may register systems at all (the authority, a unit's steward).
fn may_register(s: &Session) -> bool {
    is_admin(&s.actor) || (s.actor.has_role(Role::Steward) && s.actor.org_id().is_some())
}

// ---------------------------------------------------------------------------------------
// The list

struct SysRow {
    id: String,
    name: String,
    owner_id: String,
    owner: String,
    status: &'static str,
    status_cls: &'static str,
    resources: usize,
    unpublished: usize,
    refused: bool,
    updated: String,
}

#[derive(Template)]
#[template(path = "systems.html")]
struct SystemsPage {
    c: Chrome,
    rows: Vec<SysRow>,
    owners: Vec<Opt>,
    statuses: Vec<Opt>,
    filtered: bool,
    can_create: bool,
    next: Option<String>,
}

/// `GET /systems?owner_org_id=&status=&cursor=`
pub async fn list(State(st): State<AppState>, s: Session) -> Response {
    let owner = s.params.get("owner_org_id").unwrap_or_default().to_owned();
    let status = s.params.get("status").unwrap_or_default().to_owned();
    let page = match systems::list_systems(
        &st.app,
        &s.actor,
        SystemQuery {
            owner_org_id: Some(owner.clone()),
            status: Some(status.clone()),
            cursor: s.params.get("cursor").map(str::to_owned),
            limit: Some(100),
        },
    )
    .await
    {
        Ok(p) => p,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    let t = s.t();
    let rows = page
        .items
        .iter()
        .map(|x| SysRow {
            id: x.id.clone(),
            name: x.name.clone(),
            owner_id: x.owner_org_id.clone(),
            owner: org_name(&orgs, &x.owner_org_id),
            status: status_label(x.status, s.lang),
            status_cls: status_cls(x.status),
            resources: x.resources.len(),
            unpublished: x
                .resources
                .iter()
                .filter(|r| r.status != "published")
                .count(),
            refused: x.review_note.is_some(),
            updated: local_time(&x.updated_at),
        })
        .collect();
    let mut owners = vec![Opt::new("", t.all_units, owner.is_empty())];
    owners.extend(
        orgs.iter()
            .map(|o| Opt::new(o.id.clone(), o.name.clone(), owner == o.id)),
    );
    let mut statuses = vec![Opt::new("", t.sys_any_status, status.is_empty())];
    statuses.extend(
        SystemStatus::ALL
            .iter()
            .map(|v| Opt::new(v.as_str(), status_label(*v, s.lang), status == v.as_str())),
    );
    let next = page.next_cursor.map(|cur| {
        format!(
            "/systems?owner_org_id={}&status={}&cursor={}",
            super::session::encode(&owner),
            super::session::encode(&status),
            super::session::encode(&cur)
        )
    });
    let view = SystemsPage {
        c: chrome(&s, "systems"),
        rows,
        owners,
        statuses,
        filtered: !owner.is_empty() || !status.is_empty(),
        can_create: may_register(&s),
        next,
    };
    render(StatusCode::OK, &view)
}

// ---------------------------------------------------------------------------------------
// One system

struct ResRow {
    id: String,
    code: String,
    name: String,
    status: String,
    status_cls: &'static str,
    published: bool,
}

#[derive(Template)]
#[template(path = "system.html")]
struct SystemPage {
    c: Chrome,
    id: String,
    name: String,
    owner_id: String,
    owner: String,
    purpose: String,
    status: &'static str,
    status_cls: &'static str,
    resources: Vec<ResRow>,
    unpublished: usize,
    review_note: Option<String>,
    created: String,
    updated: String,
    errors: FormErrors,
    can_edit: bool,
    can_submit: bool,
    can_approve: bool,
    can_in_service: bool,
    can_retire: bool,
    /// The steps, with the current one marked.
    steps: Vec<Opt>,
}

fn system_page(
    s: &Session,
    x: InfoSystem,
    orgs: &[Org],
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let a = &s.actor;
    let edit = policy::edit_catalog(a, Action::UpdateSystem, &x.owner_org_id).is_ok();
    let review = policy::review_catalog(a, Action::ApproveSystem).is_ok();
    use SystemStatus::*;
    let resources: Vec<ResRow> = x
        .resources
        .iter()
        .map(|r| {
            let (label, cls) = resource_label(&r.status, s.lang);
            ResRow {
                id: r.id.clone(),
                code: r.code.clone(),
                name: r.name.clone(),
                status: label,
                status_cls: cls,
                published: r.status == "published",
            }
        })
        .collect();
    let steps = [Planned, UnderReview, Approved, InService, Retired]
        .iter()
        .map(|v| Opt::new(v.as_str(), status_label(*v, s.lang), *v == x.status))
        .collect();
    // An approval refused for the system's resources is kept as its review note, which the
    // page shows prominently: not twice.
    let mut errors = errors;
    if x.review_note
        .as_ref()
        .is_some_and(|n| errors.messages == [n.clone()])
    {
        errors = FormErrors::default();
    }
    let page = SystemPage {
        c: chrome(s, "systems"),
        owner: org_name(orgs, &x.owner_org_id),
        status: status_label(x.status, s.lang),
        status_cls: status_cls(x.status),
        unpublished: resources.iter().filter(|r| !r.published).count(),
        resources,
        can_edit: edit && x.status != Retired,
        can_submit: edit && x.status == Planned,
        can_approve: review && x.status == UnderReview,
        can_in_service: edit && x.status == Approved,
        can_retire: edit && matches!(x.status, Planned | Approved | InService),
        review_note: x.review_note,
        created: local_time(&x.created_at),
        updated: local_time(&x.updated_at),
        errors,
        steps,
        id: x.id,
        name: x.name,
        owner_id: x.owner_org_id,
        purpose: x.purpose,
    };
    render(status, &page)
}

async fn show_system(
    st: &AppState,
    s: &Session,
    id: &str,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let x = match systems::get_system(&st.app, &s.actor, id).await {
        Ok(x) => x,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    system_page(s, x, &orgs, errors, status)
}

/// `GET /systems/{id}`
pub async fn show(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    show_system(&st, &s, &id, FormErrors::default(), StatusCode::OK).await
}

/// After a move: back to the system with a notice; a refusal the user can act on (approval
/// refused for its resources, a wrong status) is shown on the system's page.
async fn after_move(
    st: &AppState,
    s: &Session,
    id: &str,
    result: Result<InfoSystem, ActionError>,
    notice: &str,
) -> Response {
    match result {
        Ok(x) => Redirect::to(&format!("/systems/{}?notice={notice}", x.id)).into_response(),
        Err(e) if fixable(&e) => {
            show_system(st, s, id, FormErrors::from_error(&e, s.lang), status_of(&e)).await
        }
        Err(e) => s.problem(&e),
    }
}

/// `POST /systems/{id}/submit`: planned → under review.
pub async fn submit(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let r = systems::submit_system(&st.app, &s.actor, &id).await;
    after_move(&st, &s, &id, r, "sys_submitted").await
}

/// `POST /systems/{id}/approve`: under review → approved, refused (422, the reason kept on
/// the system) while it declares no resources or any of them is unpublished.
pub async fn approve(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let r = systems::approve_system(&st.app, &s.actor, &id).await;
    after_move(&st, &s, &id, r, "sys_approved").await
}

/// `POST /systems/{id}/status` (`status` = `in_service` | `retired`).
pub async fn set_status(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let to = form.get("status");
    let notice = if to == "retired" {
        "sys_retired"
    } else {
        "sys_in_service"
    };
    let r = systems::set_system_status(&st.app, &s.actor, &id, &to).await;
    after_move(&st, &s, &id, r, notice).await
}

// ---------------------------------------------------------------------------------------
// The form

/// What the form holds, as typed.
#[derive(Default)]
struct SysFields {
    name: String,
    owner_org_id: String,
    purpose: String,
    resource_ids: Vec<String>,
}

impl SysFields {
    fn of(x: &InfoSystem) -> SysFields {
        SysFields {
            name: x.name.clone(),
            owner_org_id: x.owner_org_id.clone(),
            purpose: x.purpose.clone(),
            resource_ids: x.resource_ids.clone(),
        }
    }

    fn from_form(f: &FormData) -> SysFields {
        SysFields {
            name: f.get("name"),
            owner_org_id: f.get("owner_org_id").trim().to_owned(),
            purpose: f.get("purpose"),
            resource_ids: f.all("resource_ids"),
        }
    }

    fn input(&self) -> SystemInput {
        SystemInput {
            name: self.name.clone(),
            owner_org_id: self.owner_org_id.clone(),
            purpose: self.purpose.clone(),
            resource_ids: self.resource_ids.clone(),
        }
    }
}

/// One of the owner's resources, as a checkbox.
struct ResChoice {
    id: String,
    code: String,
    name: String,
    status: String,
    status_cls: &'static str,
    checked: bool,
    /// Its catalog entry names this system as its source: produced by it either way.
    from_source: bool,
}

#[derive(Template)]
#[template(path = "system_form.html")]
struct SystemFormPage {
    c: Chrome,
    /// `None` for a new system.
    id: Option<String>,
    heading: String,
    f: SysFields,
    /// The owner's name once chosen.
    owner_name: String,
    /// For the authority registering a new system: the units to choose the owner among
    /// (a first step, so that the resources shown are the owner's).
    owner_choice: Option<Vec<Opt>>,
    /// Whether the owner may be chosen again (a new system by the authority).
    owner_changeable: bool,
    resources: Vec<ResChoice>,
    errors: FormErrors,
}

/// The owner's catalog entries, in code order.
async fn owner_resources(
    st: &AppState,
    s: &Session,
    owner: &str,
) -> Result<Vec<pubdata_app::catalog::resources::Resource>, ActionError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = search_resources(
            &st.app,
            &s.actor,
            SearchInput {
                provider_org_id: Some(owner.to_owned()),
                sort: Some("updated".into()),
                cursor: cursor.clone(),
                limit: Some(1000),
                ..SearchInput::default()
            },
        )
        .await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) if out.len() < 10_000 => cursor = Some(c),
            _ => break,
        }
    }
    out.sort_by(|a, b| a.doc.code.cmp(&b.doc.code));
    Ok(out)
}

async fn form_page(
    st: &AppState,
    s: &Session,
    system: Option<&InfoSystem>,
    f: SysFields,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let t = s.t();
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    let mut f = f;
    // A steward registers for its own unit.
    if system.is_none() && f.owner_org_id.is_empty() && !is_admin(&s.actor) {
        f.owner_org_id = s.actor.org_id().unwrap_or_default().to_owned();
    }
    let owner_choice = (system.is_none() && f.owner_org_id.is_empty()).then(|| {
        let mut v = vec![Opt::new("", t.sys_choose_owner, true)];
        v.extend(
            orgs.iter()
                .filter(|o| !o.disabled)
                .map(|o| Opt::new(o.id.clone(), o.name.clone(), false)),
        );
        v
    });
    let mut resources = Vec::new();
    if !f.owner_org_id.is_empty() {
        let found = match owner_resources(st, s, &f.owner_org_id).await {
            Ok(r) => r,
            Err(e) => return s.problem(&e),
        };
        let sid = system.map(|x| x.id.as_str());
        resources = found
            .into_iter()
            .map(|r| {
                let (label, cls) = resource_label(r.status.as_str(), s.lang);
                let from_source = sid.is_some() && r.doc.system_id.as_deref() == sid;
                ResChoice {
                    checked: from_source || f.resource_ids.contains(&r.id),
                    from_source,
                    code: r.doc.code,
                    name: r.doc.name,
                    status: label,
                    status_cls: cls,
                    id: r.id,
                }
            })
            .collect();
    }
    let page = SystemFormPage {
        c: chrome(s, "systems"),
        id: system.map(|x| x.id.clone()),
        heading: system
            .map(|x| x.name.clone())
            .unwrap_or_else(|| t.sys_new_title.to_owned()),
        owner_name: if f.owner_org_id.is_empty() {
            String::new()
        } else {
            org_name(&orgs, &f.owner_org_id)
        },
        owner_choice,
        owner_changeable: system.is_none() && is_admin(&s.actor),
        f,
        resources,
        errors,
    };
    render(status, &page)
}

/// `GET /systems/new[?owner_org_id=]`
pub async fn new_form(State(st): State<AppState>, s: Session) -> Response {
    if !may_register(&s) {
        // Only the authority and stewards register systems (the action refuses others too).
        return s.problem(&ActionError::Forbidden("role_required"));
    }
    let f = SysFields {
        owner_org_id: s.params.get("owner_org_id").unwrap_or_default().to_owned(),
        ..SysFields::default()
    };
    form_page(&st, &s, None, f, FormErrors::default(), StatusCode::OK).await
}

/// `POST /systems/new`
pub async fn create(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let f = SysFields::from_form(&form);
    match systems::create_system(&st.app, &s.actor, f.input()).await {
        Ok(x) => Redirect::to(&format!("/systems/{}?notice=sys_created", x.id)).into_response(),
        Err(e) if fixable(&e) && may_register(&s) => {
            form_page(
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

/// `GET /systems/{id}/edit`
pub async fn edit_form(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    let x = match systems::get_system(&st.app, &s.actor, &id).await {
        Ok(x) => x,
        Err(e) => return s.problem(&e),
    };
    if let Err(d) = policy::edit_catalog(&s.actor, Action::UpdateSystem, &x.owner_org_id) {
        // The action would refuse the save; say so now rather than after the typing.
        return s.problem(&ActionError::from(d));
    }
    let f = SysFields::of(&x);
    form_page(&st, &s, Some(&x), f, FormErrors::default(), StatusCode::OK).await
}

/// `POST /systems/{id}/edit`
pub async fn update(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let f = SysFields::from_form(&form);
    match systems::update_system(&st.app, &s.actor, &id, f.input()).await {
        Ok(x) => Redirect::to(&format!("/systems/{}?notice=sys_updated", x.id)).into_response(),
        Err(e) if fixable(&e) => match systems::get_system(&st.app, &s.actor, &id).await {
            Ok(x) => {
                form_page(
                    &st,
                    &s,
                    Some(&x),
                    f,
                    FormErrors::from_error(&e, s.lang),
                    status_of(&e),
                )
                .await
            }
            Err(e2) => s.problem(&e2),
        },
        Err(e) => s.problem(&e),
    }
}
