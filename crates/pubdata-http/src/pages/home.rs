//! The home page (工作台): who I am, and what is waiting for me, by role.

use super::session::Session;
use super::{Chrome, i18n, is_admin, render};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pubdata_app::Role;
use pubdata_app::platform::home;

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
