//! Users: the list (all for the authority and auditors, its own unit for a steward), a new
//! user, a user's page (profile and roles, password reset, disable, enable).

use super::session::{FormData, Session, encode};
use super::{Chrome, FormErrors, Opt, all_orgs, fixable, i18n, is_admin, render};
use crate::AppState;
use crate::problem::{Lang, status_of};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pubdata_app::platform::orgs::Org;
use pubdata_app::platform::users::{self, NewUser, User, UserChanges};
use pubdata_app::{ActionError, Actor, Role};

struct UserRow {
    id: String,
    username: String,
    display_name: String,
    unit: String,
    roles: String,
    status: &'static str,
    status_cls: &'static str,
}

fn status(u: &User, t: &i18n::Tr) -> (&'static str, &'static str) {
    if u.disabled {
        (t.disabled, "off")
    } else if u.locked {
        (t.locked, "warn")
    } else {
        (t.active, "on")
    }
}

fn unit_name(list: &[Org], id: &Option<String>) -> String {
    match id {
        Some(id) => list
            .iter()
            .find(|o| &o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| id.clone()),
        None => "—".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    heading: &'static str,
    rows: Vec<UserRow>,
    can_create: bool,
    /// The unit filter (authority and auditors); empty when the list is one unit's.
    filter: Vec<Opt>,
    next_href: Option<String>,
    paged: bool,
}

/// Whether the actor sees every unit's users (else only its own unit's).
fn sees_all(a: &Actor) -> bool {
    is_admin(a) || a.has_role(Role::Auditor)
}

pub async fn list(State(st): State<AppState>, s: Session) -> Response {
    let a = &s.actor;
    let t = s.t();
    let chosen = s
        .params
        .get("org_id")
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    let org_filter = if sees_all(a) {
        chosen.clone()
    } else {
        a.org_id().map(str::to_owned)
    };
    let cursor = s.params.get("cursor").filter(|v| !v.is_empty());
    let page = match users::list_users(&st.app, a, org_filter.as_deref(), cursor, Some(50)).await {
        Ok(p) => p,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, a).await {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    let rows = page
        .items
        .iter()
        .map(|u| {
            let (status, status_cls) = status(u, t);
            UserRow {
                id: u.id.clone(),
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                unit: unit_name(&orgs, &u.org_id),
                roles: i18n::roles_label(&u.roles, s.lang),
                status,
                status_cls,
            }
        })
        .collect();
    let filter = if sees_all(a) {
        let mut v = vec![Opt::new("", t.all_units, chosen.is_none())];
        v.extend(orgs.iter().map(|o| {
            Opt::new(
                o.id.clone(),
                o.name.clone(),
                chosen.as_deref() == Some(o.id.as_str()),
            )
        }));
        v
    } else {
        Vec::new()
    };
    let next_href = page.next_cursor.map(|c| match &chosen {
        Some(o) => format!("/admin/users?org_id={}&cursor={}", encode(o), encode(&c)),
        None => format!("/admin/users?cursor={}", encode(&c)),
    });
    let heading = if is_admin(a) {
        t.nav_users_admin
    } else if a.has_role(Role::Steward) {
        t.nav_users_own
    } else {
        t.nav_users_view
    };
    let can_create = is_admin(a) || a.has_role(Role::Steward);
    render(
        StatusCode::OK,
        &UsersPage {
            c: s.chrome("users"),
            heading,
            rows,
            can_create,
            filter,
            next_href,
            paged: cursor.is_some(),
        },
    )
}

/// The units a user may be put in by this actor, and the roles it may grant: everything
/// for the authority; its own unit and steward/member for a steward.
fn unit_opts(a: &Actor, orgs: &[Org], selected: &str, lang: Lang) -> Vec<Opt> {
    if is_admin(a) {
        let mut v = vec![Opt::new(
            "",
            i18n::tr(lang).no_unit_option,
            selected.is_empty(),
        )];
        v.extend(
            orgs.iter()
                .filter(|o| !o.disabled || o.id == selected)
                .map(|o| Opt::new(o.id.clone(), o.name.clone(), o.id == selected)),
        );
        v
    } else {
        orgs.iter()
            .filter(|o| Some(o.id.as_str()) == a.org_id())
            .map(|o| Opt::new(o.id.clone(), o.name.clone(), true))
            .collect()
    }
}

fn role_opts(a: &Actor, checked: &[String], lang: Lang) -> Vec<Opt> {
    let grantable: Vec<Role> = if is_admin(a) {
        Role::ALL.to_vec()
    } else {
        vec![Role::Steward, Role::Member]
    };
    grantable
        .into_iter()
        .map(|r| {
            Opt::new(
                r.as_str(),
                i18n::role_label(r, lang),
                checked.iter().any(|c| c == r.as_str()),
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "user_new.html")]
struct NewUserPage {
    c: Chrome,
    username: String,
    display_name: String,
    units: Vec<Opt>,
    roles: Vec<Opt>,
    errors: FormErrors,
}

async fn new_page(
    st: &AppState,
    s: &Session,
    form: Option<&FormData>,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    let (username, display_name, org, roles) = match form {
        Some(f) => (
            f.get("username"),
            f.get("display_name"),
            f.get("org_id"),
            f.all("roles"),
        ),
        None => (
            String::new(),
            String::new(),
            s.actor.org_id().unwrap_or_default().to_owned(),
            vec!["member".to_owned()],
        ),
    };
    let page = NewUserPage {
        c: s.chrome("users"),
        username,
        display_name,
        units: unit_opts(&s.actor, &orgs, &org, s.lang),
        roles: role_opts(&s.actor, &roles, s.lang),
        errors,
    };
    render(status, &page)
}

pub async fn new_form(State(st): State<AppState>, s: Session) -> Response {
    if !(is_admin(&s.actor) || s.actor.has_role(Role::Steward)) {
        // The action refuses them too; the page says so up front.
        return s.problem(&ActionError::Forbidden("role_required"));
    }
    new_page(&st, &s, None, FormErrors::default(), StatusCode::OK).await
}

pub async fn create(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let input = NewUser {
        username: form.get("username"),
        display_name: form.get("display_name"),
        org_id: Some(form.get("org_id")).filter(|o| !o.trim().is_empty()),
        roles: form.all("roles"),
        password: form.get("password"),
    };
    match users::create_user(&st.app, &s.actor, input).await {
        Ok(u) => {
            Redirect::to(&format!("/admin/users/{}?notice=user_created", u.id)).into_response()
        }
        Err(e) if fixable(&e) && (is_admin(&s.actor) || s.actor.has_role(Role::Steward)) => {
            new_page(
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

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    c: Chrome,
    id: String,
    username: String,
    display_name_now: String,
    unit: String,
    roles_now: String,
    status: &'static str,
    status_cls: &'static str,
    disabled: bool,
    editable: bool,
    display_name: String,
    units: Vec<Opt>,
    roles: Vec<Opt>,
    profile_errors: FormErrors,
    password_errors: FormErrors,
    status_errors: FormErrors,
}

/// Whether the page shows `u`'s forms to `a`: to who may change the user (the actions
/// decide in any case).
fn editable(a: &Actor, u: &User) -> bool {
    is_admin(a)
        || (a.has_role(Role::Steward)
            && u.org_id.as_deref() == a.org_id()
            && u.roles
                .iter()
                .all(|r| matches!(r, Role::Steward | Role::Member)))
}

/// Which of the user page's forms an error belongs to.
enum Part {
    Profile,
    Password,
    Status,
}

async fn user_page(
    st: &AppState,
    s: &Session,
    u: &User,
    form: Option<&FormData>,
    err: Option<(Part, FormErrors)>,
    status_code: StatusCode,
) -> Response {
    let a = &s.actor;
    let t = s.t();
    let orgs = match all_orgs(&st.app, a).await {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    let (display_name, org, roles) = match form {
        Some(f) => (f.get("display_name"), f.get("org_id"), f.all("roles")),
        None => (
            u.display_name.clone(),
            u.org_id.clone().unwrap_or_default(),
            u.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        ),
    };
    let editable = editable(a, u);
    let (st_label, st_cls) = status(u, t);
    let (mut profile_errors, mut password_errors, mut status_errors) = Default::default();
    match err {
        Some((Part::Profile, e)) => profile_errors = e,
        Some((Part::Password, e)) => password_errors = e,
        Some((Part::Status, e)) => status_errors = e,
        None => {}
    }
    let page = UserPage {
        c: s.chrome("users"),
        id: u.id.clone(),
        username: u.username.clone(),
        display_name_now: u.display_name.clone(),
        unit: unit_name(&orgs, &u.org_id),
        roles_now: i18n::roles_label(&u.roles, s.lang),
        status: st_label,
        status_cls: st_cls,
        disabled: u.disabled,
        editable,
        display_name,
        units: unit_opts(a, &orgs, &org, s.lang),
        roles: role_opts(a, &roles, s.lang),
        profile_errors,
        password_errors,
        status_errors,
    };
    render(status_code, &page)
}

pub async fn show(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    match users::get_user(&st.app, &s.actor, &id).await {
        Ok(u) => user_page(&st, &s, &u, None, None, StatusCode::OK).await,
        Err(e) => s.problem(&e),
    }
}

/// Re-renders the user page after `e` on one of its forms (or the problem page).
async fn refused(
    st: &AppState,
    s: &Session,
    id: &str,
    form: Option<&FormData>,
    part: Part,
    e: ActionError,
) -> Response {
    if !fixable(&e) {
        return s.problem(&e);
    }
    match users::get_user(&st.app, &s.actor, id).await {
        Ok(u) if editable(&s.actor, &u) => {
            user_page(
                st,
                s,
                &u,
                form,
                Some((part, FormErrors::from_error(&e, s.lang))),
                status_of(&e),
            )
            .await
        }
        Ok(_) => s.problem(&e),
        Err(e2) => s.problem(&e2),
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
    let changes = UserChanges {
        display_name: Some(form.get("display_name")),
        org_id: form.opt("org_id"),
        roles: Some(form.all("roles")),
        password: None,
    };
    match users::update_user(&st.app, &s.actor, &id, changes).await {
        Ok(u) => {
            Redirect::to(&format!("/admin/users/{}?notice=user_updated", u.id)).into_response()
        }
        Err(e) => refused(&st, &s, &id, Some(&form), Part::Profile, e).await,
    }
}

pub async fn reset_password(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    if form.get("password") != form.get("password2") {
        return match users::get_user(&st.app, &s.actor, &id).await {
            Ok(u) if editable(&s.actor, &u) => {
                let e = FormErrors::one("password2", s.t().passwords_differ);
                user_page(
                    &st,
                    &s,
                    &u,
                    None,
                    Some((Part::Password, e)),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Ok(_) => s.problem(&ActionError::Forbidden("role_required")),
            Err(e) => s.problem(&e),
        };
    }
    let changes = UserChanges {
        password: Some(form.get("password")),
        ..UserChanges::default()
    };
    match users::update_user(&st.app, &s.actor, &id, changes).await {
        Ok(u) => {
            Redirect::to(&format!("/admin/users/{}?notice=password_reset", u.id)).into_response()
        }
        Err(e) => refused(&st, &s, &id, None, Part::Password, e).await,
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
    match users::set_user_disabled(&st.app, &s.actor, &id, disabled).await {
        Ok(u) => {
            let notice = if disabled {
                "user_disabled"
            } else {
                "user_enabled"
            };
            Redirect::to(&format!("/admin/users/{}?notice={notice}", u.id)).into_response()
        }
        Err(e) => refused(&st, &s, &id, None, Part::Status, e).await,
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
