//! The home page (工作台): who I am, and what is waiting for me, by role.

use super::session::Session;
use super::{Chrome, all_orgs, i18n, is_admin, render};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pubdata_app::platform::{orgs, users};
use pubdata_app::{ActionError, Actor, App, Role};

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
}

/// Counts of users, all and disabled (for the administrator's overview).
async fn count_users(app: &App, actor: &Actor) -> Result<(usize, usize), ActionError> {
    let (mut total, mut disabled) = (0, 0);
    let mut cursor: Option<String> = None;
    loop {
        let page = users::list_users(app, actor, None, cursor.as_deref(), Some(1000)).await?;
        total += page.items.len();
        disabled += page.items.iter().filter(|u| u.disabled).count();
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok((total, disabled)),
        }
    }
}

pub async fn home(State(st): State<AppState>, s: Session) -> Response {
    let a = &s.actor;
    let Some(user_id) = a.user_id() else {
        return s.problem(&ActionError::Unauthenticated("not_signed_in"));
    };
    let me = match users::get_user(&st.app, a, user_id).await {
        Ok(u) => u,
        Err(e) => return s.problem(&e),
    };
    let unit = match &me.org_id {
        Some(id) => match orgs::get_org(&st.app, a, id).await {
            Ok(o) => Some(o.name),
            Err(e) => return s.problem(&e),
        },
        None => None,
    };
    let admin = is_admin(a);
    let (mut orgs_total, mut orgs_disabled, mut users_total, mut users_disabled) = (0, 0, 0, 0);
    if admin {
        match all_orgs(&st.app, a).await {
            Ok(list) => {
                orgs_total = list.len();
                orgs_disabled = list.iter().filter(|o| o.disabled).count();
            }
            Err(e) => return s.problem(&e),
        }
        match count_users(&st.app, a).await {
            Ok((t, d)) => (users_total, users_disabled) = (t, d),
            Err(e) => return s.problem(&e),
        }
    }
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
    };
    render(StatusCode::OK, &page)
}
