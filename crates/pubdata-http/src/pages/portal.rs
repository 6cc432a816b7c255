//! The open data portal (开放门户): public pages, no sign-in needed, zh-CN first, usable
//! without JavaScript. [`Portal`] is every portal page's visitor — signed in (a public user,
//! or staff) or not — and [`PortalChrome`] the frame `portal_base.html` draws around each.

use crate::AppState;
use crate::extract;
use crate::problem::Lang;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use pubdata_app::{Actor, App, Channel};

use super::session::{CSRF_COOKIE, FormData, Params, csrf_cookie};

pub fn routes() -> Router<AppState> {
    Router::new()
}

/// A visitor of the portal: the session's actor when signed in, else anonymous.
pub struct Portal {
    pub actor: Actor,
    pub lang: Lang,
    pub request_id: String,
    pub params: Params,
    /// The CSRF value every portal form carries as `csrf`: the session's when signed in,
    /// else the double-submit cookie's.
    pub csrf: String,
    /// A new double-submit cookie to set (`Set-Cookie`), when the visitor had none.
    pub new_csrf_cookie: Option<String>,
    pub signed_in: bool,
    /// `METHOD /path`, for the audit entry of a refused form.
    pub target: String,
    pub secure_cookies: bool,
}

impl FromRequestParts<AppState> for Portal {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_headers(&parts.headers);
        let request_id = extract::request_id(parts);
        let session = extract::cookie(parts, extract::SESSION_COOKIE).filter(|v| !v.is_empty());
        let signed = match session {
            Some(cookie) => {
                pubdata_app::auth::session::authenticate_session(&state.app, &cookie, &request_id)
                    .await
                    .ok()
            }
            None => None,
        };
        let target = format!("{} {}", parts.method, parts.uri.path());
        let params = Params::of(&parts.uri);
        let secure_cookies = state.config.secure_cookies;
        Ok(match signed {
            Some((actor, csrf)) => {
                parts.extensions.insert(actor.clone());
                Portal {
                    actor,
                    lang,
                    request_id,
                    params,
                    csrf,
                    new_csrf_cookie: None,
                    signed_in: true,
                    target,
                    secure_cookies,
                }
            }
            None => {
                let existing = extract::cookie(parts, CSRF_COOKIE).filter(|v| {
                    (20..=100).contains(&v.len())
                        && v.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                });
                let (csrf, new_csrf_cookie) = match existing {
                    Some(v) => (v, None),
                    None => {
                        let v = pubdata_app::secrets::random_token("");
                        (v.clone(), Some(v))
                    }
                };
                Portal {
                    actor: Actor::anonymous(Channel::Web, request_id.clone()),
                    lang,
                    request_id,
                    params,
                    csrf,
                    new_csrf_cookie,
                    signed_in: false,
                    target,
                    secure_cookies,
                }
            }
        })
    }
}

impl Portal {
    /// Whether a form's `csrf` is this visitor's (a new visitor's first form never is).
    pub fn csrf_ok(&self, form: &FormData) -> bool {
        let sent = form.get("csrf");
        self.new_csrf_cookie.is_none()
            && !sent.is_empty()
            && pubdata_app::secrets::constant_time_eq(&sent, &self.csrf)
    }

    /// Audits a refused form (nothing else is done) and returns the error to show.
    pub async fn csrf_refused(&self, app: &App) -> pubdata_app::ActionError {
        pubdata_app::action::record_rejected_request(
            app,
            &self.actor,
            &self.target,
            pubdata_app::ActionError::Forbidden("csrf_failed"),
        )
        .await
    }

    /// The frame of a portal page; `active` names the navigation entry.
    pub fn chrome(&self, active: &'static str) -> PortalChrome {
        PortalChrome {
            zh: self.lang == Lang::Zh,
            active,
            username: self.actor.username().map(str::to_owned),
            is_staff: self.actor.roles().iter().any(|r| r.is_staff()),
            csrf: self.csrf.clone(),
            request_id: self.request_id.clone(),
        }
    }

    /// Sets the double-submit cookie on a page that carries a public form, when needed.
    pub fn with_cookie(&self, res: axum::response::Response) -> axum::response::Response {
        match &self.new_csrf_cookie {
            Some(v) => super::session::with_cookie(res, &csrf_cookie(v, self.secure_cookies)),
            None => res,
        }
    }
}

/// What `portal_base.html` needs: the language, the active entry, who is signed in.
pub struct PortalChrome {
    pub zh: bool,
    pub active: &'static str,
    pub username: Option<String>,
    pub is_staff: bool,
    pub csrf: String,
    pub request_id: String,
}

impl PortalChrome {
    /// The navigation: (href, zh, en, key).
    pub fn nav(&self) -> &'static [(&'static str, &'static str, &'static str, &'static str)] {
        &[
            ("/open", "首页", "Home", "home"),
            ("/open/datasets", "数据目录", "Datasets", "datasets"),
            ("/open/list", "开放清单", "Open list", "list"),
            ("/open/orgs", "提供单位", "Publishers", "orgs"),
            ("/open/stats", "统计分析", "Statistics", "stats"),
            ("/open/developer", "开发者中心", "Developers", "developer"),
            ("/open/feedback", "互动交流", "Feedback", "feedback"),
            ("/open/showcase", "应用展示", "Showcase", "showcase"),
        ]
    }
}
