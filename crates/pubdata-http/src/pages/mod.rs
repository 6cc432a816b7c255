//! Server-rendered pages: zh-CN first (English when `Accept-Language` prefers it), usable
//! without JavaScript, no external assets. Each handler reads a form or a query, calls one
//! or a few actions and renders an askama template (`crates/pubdata-http/templates`); no rule
//! is decided here.
//!
//! Sessions: the `pubdata_session` cookie (HttpOnly, SameSite=Lax) is checked by
//! `authenticate_session` on every signed-in page ([`session::Session`]); every form of a
//! signed-in page carries the session's CSRF token as `csrf`. The forms shown before a session
//! exists (sign-in, registration) use a double-submit cookie `pubdata_csrf`.
//!
//! After a successful POST the handler redirects (303) to a page that shows a notice
//! (`?notice=…`); a refused POST re-renders the form with what was typed and the messages,
//! with the status of the error (422 invalid, 403 forbidden, 404, 409 conflict).

pub mod aggregation;
mod audit;
mod auth;
mod calendar;
mod catalog;
mod catalog_duty;
pub(crate) mod catalog_list;
mod home;
pub mod i18n;
mod interaction;
mod opening;
mod opening_apply;
mod orgs;
mod portal;
pub mod session;
mod sharing;
mod systems;
mod tokens;
mod users;

use crate::AppState;
use crate::problem::{Lang, title};
use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use i18n::Tr;
use pubdata_app::platform::orgs::Org;
use pubdata_app::{ActionError, Actor, App, Role};
use pubdata_core::audit::Action;
use pubdata_core::policy;
use session::Session;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(portal::routes())
        .merge(opening::routes())
        .merge(opening_apply::routes())
        .merge(interaction::routes())
        .route("/", get(home::home))
        .route("/signin", get(auth::signin_form).post(auth::signin))
        .route("/signout", post(auth::signout))
        .route("/register", get(auth::register_form).post(auth::register))
        .route(
            "/account/password",
            get(auth::password_form).post(auth::change_password),
        )
        .route("/admin/orgs", get(orgs::list).post(orgs::create))
        .route("/admin/orgs/new", get(orgs::new_form).post(orgs::create))
        .route("/admin/orgs/{id}", get(orgs::show).post(orgs::update))
        .route("/admin/orgs/{id}/disable", post(orgs::disable))
        .route("/admin/orgs/{id}/enable", post(orgs::enable))
        .route("/admin/users", get(users::list).post(users::create))
        .route("/admin/users/new", get(users::new_form).post(users::create))
        .route("/admin/users/{id}", get(users::show).post(users::update))
        .route("/admin/users/{id}/password", post(users::reset_password))
        .route("/admin/users/{id}/disable", post(users::disable))
        .route("/admin/users/{id}/enable", post(users::enable))
        .route("/tokens", get(tokens::page).post(tokens::create))
        .route("/tokens/{id}/revoke", post(tokens::revoke))
        .route("/audit", get(audit::list))
        .route("/audit/checkpoint", post(audit::sign_checkpoint))
        .route("/audit/rotate-key", post(audit::rotate_key))
        .route("/audit/{index}", get(audit::show))
        .route("/calendar", get(calendar::page))
        .route("/calendar/days", post(calendar::set_day))
        .route("/calendar/days/{date}/delete", post(calendar::delete_day))
        // catalog: resources
        .route("/catalog", get(catalog::search))
        .route("/catalog/new", get(catalog::new_form).post(catalog::create))
        .route("/catalog/{id}", get(catalog::show))
        .route(
            "/catalog/{id}/edit",
            get(catalog::edit_form).post(catalog::update),
        )
        .route("/catalog/{id}/diff", get(catalog::diff))
        .route("/catalog/{id}/submit", post(catalog::submit))
        .route("/catalog/{id}/approve", post(catalog::approve))
        .route("/catalog/{id}/return", post(catalog::return_))
        .route("/catalog/{id}/withdraw", post(catalog::withdraw))
        // catalog: responsibility list and import
        .route("/catalog/list", get(catalog_list::page))
        .route("/catalog/list.csv", get(catalog_list::export_csv))
        .route("/catalog/list.xlsx", get(catalog_list::export_xlsx))
        .route(
            "/catalog/import",
            get(catalog_list::import_form)
                .post(catalog_list::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    catalog_list::MAX_UPLOAD + 64 * 1024,
                )),
        )
        .route("/catalog/import/run", post(catalog_list::run))
        .route(
            "/catalog/import/template.csv",
            get(catalog_list::template_csv),
        )
        .route(
            "/catalog/import/template.xlsx",
            get(catalog_list::template_xlsx),
        )
        // catalog: duty changes, review tasks, deadline rules, systems
        .route(
            "/catalog/tasks",
            get(catalog_duty::list).post(catalog_duty::record),
        )
        .route("/catalog/tasks/{id}/close", post(catalog_duty::close))
        .route("/admin/rules", get(catalog_duty::rules))
        .route("/admin/rules/{key}", post(catalog_duty::set_rule))
        .route("/systems", get(systems::list))
        .route("/systems/new", get(systems::new_form).post(systems::create))
        .route("/systems/{id}", get(systems::show))
        .route(
            "/systems/{id}/edit",
            get(systems::edit_form).post(systems::update),
        )
        .route("/systems/{id}/submit", post(systems::submit))
        .route("/systems/{id}/approve", post(systems::approve))
        .route("/systems/{id}/status", post(systems::set_status))
        // aggregation
        .route("/data", get(aggregation::overview))
        .route("/data/resources/{id}", get(aggregation::resource))
        .route(
            "/data/resources/{id}/upload",
            // The file is streamed to disk and stopped at the configured size there.
            post(aggregation::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/data/resources/{id}/ingest", post(aggregation::ingest))
        .route("/data/resources/{id}/publish", post(aggregation::publish))
        .route(
            "/data/resources/{id}/auto-publish",
            post(aggregation::auto_publish),
        )
        .route(
            "/data/resources/{id}/versions/{n}/{format}",
            get(aggregation::version_file),
        )
        .route("/data/batches/{id}", get(aggregation::batch))
        .route(
            "/data/batches/{id}/rejected.csv",
            get(aggregation::rejected_csv),
        )
        .route(
            "/data/pulls",
            get(aggregation::pulls_list).post(aggregation::pull_create),
        )
        .route("/data/pulls/{id}/run", post(aggregation::pull_run))
        .route("/data/pulls/{id}/enable", post(aggregation::pull_enable))
        .route("/data/pulls/{id}/disable", post(aggregation::pull_disable))
        // sharing
        .route("/sharing", get(sharing::overview))
        .route("/sharing/requests", post(sharing::file_request))
        .route(
            "/sharing/requests/new",
            get(sharing::request_form).post(sharing::file_request),
        )
        .route("/sharing/requests/{id}", get(sharing::request))
        .route(
            "/sharing/requests/{id}/conformity",
            post(sharing::conformity),
        )
        .route("/sharing/requests/{id}/reply", post(sharing::reply))
        .route("/sharing/requests/{id}/dispute", post(sharing::dispute))
        .route(
            "/sharing/requests/{id}/coordination",
            post(sharing::coordination),
        )
        .route("/sharing/grants", get(sharing::grants))
        .route("/sharing/grants/{id}/suspend", post(sharing::suspend_grant))
        .route("/sharing/grants/{id}/resume", post(sharing::resume_grant))
        .route("/sharing/grants/{id}/revoke", post(sharing::revoke_grant))
        .route(
            "/sharing/emergencies",
            get(sharing::emergencies).post(sharing::declare),
        )
        .route(
            "/sharing/emergencies/{id}/end",
            post(sharing::end_emergency),
        )
        .route(
            "/sharing/objections",
            get(sharing::objections).post(sharing::file_objection),
        )
        .route("/sharing/objections/new", get(sharing::objection_form))
        .route(
            "/sharing/objections/{id}/complex",
            post(sharing::mark_complex),
        )
        .route("/sharing/objections/{id}/answer", post(sharing::answer))
        .layer(middleware::map_response(page_headers))
}

/// Pages are never cached, never framed, and load nothing from elsewhere.
async fn page_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: header::HeaderName, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(h, header::CACHE_CONTROL, "no-store");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    res
}

/// What every page shows around its content: the language's labels, the user and the
/// navigation (signed in), a notice.
pub struct Chrome {
    pub t: &'static Tr,
    pub user: Option<ChromeUser>,
    pub csrf: String,
    pub nav: Vec<NavGroup>,
    pub notice: Option<&'static str>,
    pub request_id: String,
}

pub struct ChromeUser {
    pub username: String,
    pub roles: String,
}

pub struct NavGroup {
    pub title: &'static str,
    pub items: Vec<NavItem>,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

fn is_admin(a: &Actor) -> bool {
    a.has_role(Role::PlatformAdmin)
}

fn is_staff(a: &Actor) -> bool {
    a.roles().iter().any(|r| r.is_staff())
}

impl Chrome {
    pub fn public(lang: Lang, request_id: &str, notice: Option<&str>) -> Chrome {
        Chrome {
            t: i18n::tr(lang),
            user: None,
            csrf: String::new(),
            nav: Vec::new(),
            notice: notice.and_then(|n| i18n::notice(n, lang)),
            request_id: request_id.to_owned(),
        }
    }

    fn signed_in(s: &Session, active: &'static str) -> Chrome {
        let t = s.t();
        let a = &s.actor;
        let item = |href, label, key: &str| NavItem {
            href,
            label,
            active: key == active,
        };
        let mut nav = vec![NavGroup {
            title: t.nav_work,
            items: vec![item("/", t.nav_home, "home")],
        }];
        if is_staff(a) {
            let mut items = vec![item(
                "/admin/orgs",
                if is_admin(a) {
                    t.nav_orgs_admin
                } else {
                    t.nav_orgs_view
                },
                "orgs",
            )];
            if is_admin(a) {
                items.push(item("/admin/users", t.nav_users_admin, "users"));
            } else if a.has_role(Role::Steward) {
                items.push(item("/admin/users", t.nav_users_own, "users"));
            } else if a.has_role(Role::Auditor) {
                items.push(item("/admin/users", t.nav_users_view, "users"));
            }
            nav.push(NavGroup {
                title: t.nav_admin,
                items,
            });
        }
        if is_staff(a) {
            let mut items = vec![item("/catalog", t.nav_catalog_search, "catalog")];
            if is_admin(a) || a.has_role(Role::Steward) {
                items.push(item("/catalog/new", t.nav_catalog_new, "catalog_new"));
            }
            items.push(item(
                "/catalog/list",
                t.nav_responsibility_list,
                "catalog_list",
            ));
            if is_admin(a) || a.has_role(Role::Steward) {
                items.push(item(
                    "/catalog/import",
                    t.nav_catalog_import,
                    "catalog_import",
                ));
            }
            items.push(item("/catalog/tasks", t.nav_review_tasks, "catalog_tasks"));
            items.push(item("/systems", t.nav_systems, "systems"));
            if is_admin(a) {
                items.push(item("/admin/rules", t.nav_deadline_rules, "rules"));
            }
            nav.insert(
                1,
                NavGroup {
                    title: t.nav_catalog,
                    items,
                },
            );
        }
        if is_staff(a) {
            let mut items = vec![item("/data", t.nav_data, "data")];
            // The same decision the pull sources' actions take.
            if policy::manage_pull_sources(a, Action::ListPullSources).is_ok() {
                items.push(item("/data/pulls", t.nav_data_pulls, "data_pulls"));
            }
            nav.insert(
                2,
                NavGroup {
                    title: t.nav_aggregation,
                    items,
                },
            );
        }
        // Sharing: the requests, grants and objections of the unit (all, for the authority
        // and auditors) — the roles `policy::view_sharing` admits — and the emergencies.
        if is_staff(a) {
            nav.insert(
                3,
                NavGroup {
                    title: t.nav_sharing_group,
                    items: vec![
                        item("/sharing", t.nav_sharing, "sharing"),
                        item("/sharing/grants", t.nav_sharing_grants, "sharing_grants"),
                        item(
                            "/sharing/emergencies",
                            t.nav_sharing_emergencies,
                            "sharing_emergencies",
                        ),
                        item(
                            "/sharing/objections",
                            t.nav_sharing_objections,
                            "sharing_objections",
                        ),
                    ],
                },
            );
        }
        // Opening: the proposals of the unit (all, for the authority) where a steward or the
        // authority works on them; the applications and public feedback every unit answers;
        // the showcase the authority reviews; and the public portal for everyone.
        let mut items = Vec::new();
        if is_admin(a) || a.has_role(Role::Steward) {
            items.push(item(
                "/opening/proposals",
                t.nav_open_proposals,
                "open_proposals",
            ));
        }
        if is_staff(a) {
            items.push(item(
                "/opening/applications",
                t.nav_open_applications,
                "open_applications",
            ));
            items.push(item(
                "/opening/feedback",
                t.nav_open_feedback,
                "open_feedback",
            ));
        }
        if is_admin(a) {
            items.push(item(
                "/opening/showcase",
                t.nav_open_showcase,
                "open_showcase",
            ));
        }
        items.push(item("/open", t.nav_open_portal, "open_portal"));
        let at = if is_staff(a) { 4 } else { 1 };
        nav.insert(
            at,
            NavGroup {
                title: t.nav_opening_group,
                items,
            },
        );
        // The same roles the audit view's action admits (`policy::view_audit_log`).
        if is_admin(a) || a.has_role(Role::Auditor) {
            nav.push(NavGroup {
                title: t.nav_supervision,
                items: vec![item("/audit", t.nav_audit, "audit")],
            });
        }
        nav.push(NavGroup {
            title: t.nav_tools,
            items: vec![item("/calendar", t.nav_calendar, "calendar")],
        });
        nav.push(NavGroup {
            title: t.nav_account,
            items: vec![
                item("/tokens", t.nav_tokens, "tokens"),
                item("/account/password", t.nav_password, "password"),
            ],
        });
        Chrome {
            t,
            user: Some(ChromeUser {
                username: a.username().unwrap_or_default().to_owned(),
                roles: i18n::roles_label(a.roles(), s.lang),
            }),
            csrf: s.csrf.clone(),
            nav,
            notice: s.params.get("notice").and_then(|n| i18n::notice(n, s.lang)),
            request_id: s.request_id.clone(),
        }
    }
}

/// What went wrong with a submitted form: a summary, and messages by field.
#[derive(Default)]
pub struct FormErrors {
    pub summary: Option<String>,
    pub messages: Vec<String>,
    pub fields: Vec<(String, String)>,
}

impl FormErrors {
    pub fn from_error(e: &ActionError, lang: Lang) -> FormErrors {
        let mut out = FormErrors {
            summary: Some(title(e.code(), lang).to_owned()),
            ..FormErrors::default()
        };
        match e {
            ActionError::Invalid { errors, .. } => {
                for f in errors {
                    let m = if lang == Lang::En {
                        &f.message_en
                    } else {
                        &f.message_zh
                    };
                    out.messages.push(m.clone());
                    out.fields.push((f.field.clone(), m.clone()));
                }
            }
            ActionError::Conflict(code) => {
                let field = match *code {
                    "uscc_taken" => "uscc",
                    "org_name_taken" => "name",
                    "username_taken" => "username",
                    _ => "",
                };
                if !field.is_empty() {
                    // Shown at the field it is about.
                    out.summary = None;
                    out.fields
                        .push((field.to_owned(), title(code, lang).to_owned()));
                }
            }
            _ => {}
        }
        out
    }

    /// One message on one field (checks the page makes itself, like a repeated password).
    pub fn one(field: &str, message: &str) -> FormErrors {
        FormErrors {
            summary: Some(message.to_owned()),
            messages: Vec::new(),
            fields: vec![(field.to_owned(), message.to_owned())],
        }
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.as_str())
    }

    /// `" invalid"` for a field with an error (a CSS class), else "".
    pub fn cls(&self, name: &str) -> &'static str {
        if self.field(name).is_some() {
            " invalid"
        } else {
            ""
        }
    }
}

/// Whether a form's error re-renders the form (the user can fix it) rather than a problem
/// page: invalid input and conflicts.
pub fn fixable(e: &ActionError) -> bool {
    matches!(e, ActionError::Invalid { .. } | ActionError::Conflict(_))
}

/// An option of a select, or a checkbox.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Opt {
    pub fn new(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Opt {
        Opt {
            value: value.into(),
            label: label.into(),
            selected,
        }
    }
}

pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(%e, "page template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(
                    "<!doctype html><title>服务器内部错误</title><h1>服务器内部错误</h1>"
                        .to_owned(),
                ),
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    heading: String,
    code: String,
}

/// A page for an error outside a session (unknown page, malformed form, …): the message and
/// the request id.
pub fn error_page(lang: Lang, code: &str, request_id: &str) -> Html<String> {
    let page = ErrorPage {
        c: Chrome::public(lang, request_id, None),
        heading: title(code, lang).to_owned(),
        code: code.to_owned(),
    };
    Html(page.render().unwrap_or_else(|_| {
        format!("<!doctype html><meta charset=utf-8><title>{0} · 公共数据平台</title><h1>{0}</h1><p>{1}</p>", title(code, lang), request_id)
    }))
}

/// Every unit (units are few: a city has tens to hundreds), disabled ones included.
pub async fn all_orgs(app: &App, actor: &Actor) -> Result<Vec<Org>, ActionError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page =
            pubdata_app::platform::orgs::list_orgs(app, actor, cursor.as_deref(), Some(1000), true)
                .await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// Beijing time (UTC+8), where the platform's users are.
fn beijing() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM` Beijing time.
pub fn local_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&beijing())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_owned())
}

pub fn today() -> chrono::NaiveDate {
    pubdata_app::today()
}
