//! Who is looking at a page: [`Visitor`] for the public pages (sign-in, registration), with
//! the double-submit CSRF cookie; [`Session`] for the signed-in pages, built from the session
//! cookie by `authenticate_session`, with the session's CSRF token that every form carries.
//! Also the form body ([`FormData`]) and the cookies the pages set.

use super::i18n::{self, Tr};
use super::{Chrome, FormErrors, render};
use crate::AppState;
use crate::extract::{self, SESSION_COOKIE};
use crate::problem::{Lang, status_of, title};
use askama::Template;
use axum::extract::{Form, FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use pubdata_app::action::record_rejected_request;
use pubdata_app::secrets::{constant_time_eq, random_token};
use pubdata_app::{ActionError, Actor, App, Channel};

/// The cookie of the double-submit CSRF check on the forms shown before a session exists.
pub const CSRF_COOKIE: &str = "pubdata_csrf";

/// Query parameters, as pairs; unknown ones are ignored.
#[derive(Default, Clone)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn of(uri: &Uri) -> Params {
        Params(
            Query::<Vec<(String, String)>>::try_from_uri(uri)
                .map(|q| q.0)
                .unwrap_or_default(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A form body (`application/x-www-form-urlencoded`) as pairs, so that checkboxes sharing a
/// name arrive as several values.
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn opt(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

impl FromRequest<AppState> for FormData {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let lang = Lang::from_headers(req.headers());
        let request_id = req
            .extensions()
            .get::<extract::RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        // The signed-in user when the session was checked first (see `Session`).
        let actor = req
            .extensions()
            .get::<Actor>()
            .cloned()
            .unwrap_or_else(|| Actor::anonymous(Channel::Web, request_id.clone()));
        let target = format!("{} {}", req.method(), req.uri().path());
        match Form::<Vec<(String, String)>>::from_request(req, state).await {
            Ok(Form(pairs)) => Ok(FormData(pairs)),
            Err(rej) => {
                let error = if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ActionError::BadRequest("body_too_large")
                } else {
                    ActionError::BadRequest("invalid_input")
                };
                let error = record_rejected_request(&state.app, &actor, &target, error).await;
                Err((
                    status_of(&error),
                    super::error_page(lang, error.code(), &request_id),
                )
                    .into_response())
            }
        }
    }
}

/// A visitor of the public pages.
pub struct Visitor {
    pub lang: Lang,
    pub request_id: String,
    pub csrf_cookie: Option<String>,
    pub session_cookie: Option<String>,
    pub params: Params,
    /// `METHOD /path`, for the audit entry of a refused form.
    target: String,
}

fn sane_token(v: &str) -> bool {
    (20..=100).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Visitor {
            lang: Lang::from_headers(&parts.headers),
            request_id: extract::request_id(parts),
            csrf_cookie: extract::cookie(parts, CSRF_COOKIE).filter(|v| sane_token(v)),
            session_cookie: extract::cookie(parts, SESSION_COOKIE).filter(|v| !v.is_empty()),
            params: Params::of(&parts.uri),
            target: format!("{} {}", parts.method, parts.uri.path()),
        })
    }
}

impl Visitor {
    pub fn t(&self) -> &'static Tr {
        i18n::tr(self.lang)
    }

    /// The CSRF value for a public form: the visitor's cookie, or a new one to set.
    pub fn csrf(&self) -> (String, Option<String>) {
        match &self.csrf_cookie {
            Some(v) => (v.clone(), None),
            None => {
                let v = random_token("");
                (v.clone(), Some(v))
            }
        }
    }

    /// The double-submit check: the form's `csrf` equals the cookie.
    pub fn csrf_ok(&self, form: &FormData) -> bool {
        let sent = form.get("csrf");
        self.csrf_cookie
            .as_deref()
            .is_some_and(|c| !sent.is_empty() && constant_time_eq(c, &sent))
    }

    /// Audits a public form refused for its CSRF value (nothing else is done) and returns
    /// the error to show.
    pub async fn csrf_refused(&self, app: &App) -> ActionError {
        let actor = Actor::anonymous(Channel::Web, self.request_id.clone());
        record_rejected_request(
            app,
            &actor,
            &self.target,
            ActionError::Forbidden("csrf_failed"),
        )
        .await
    }

    pub fn chrome(&self) -> Chrome {
        Chrome::public(self.lang, &self.request_id, self.params.get("notice"))
    }
}

/// `Set-Cookie` for the double-submit CSRF cookie.
pub fn csrf_cookie(value: &str, secure: bool) -> String {
    format!(
        "{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn session_cookie(value: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_session_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Adds a `Set-Cookie` header.
pub fn with_cookie(mut res: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// A signed-in user on a page.
pub struct Session {
    pub actor: Actor,
    /// The session's CSRF token; every form of a signed-in page carries it as `csrf`.
    pub csrf: String,
    /// The raw session cookie (sign-out needs it).
    pub cookie: String,
    pub lang: Lang,
    pub request_id: String,
    pub params: Params,
    pub secure_cookies: bool,
    /// `METHOD /path`, for the audit entry of a refused form.
    target: String,
    app: App,
}

/// Where a page request without a valid session goes: the sign-in page, remembering the page
/// for a GET, with a notice when the session timed out or the account was disabled.
fn to_signin(parts: &Parts, code: Option<&str>, clear: bool, secure: bool) -> Response {
    let mut q = Vec::new();
    if parts.method == Method::GET {
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        if path != "/" {
            q.push(format!("next={}", encode(path)));
        }
    }
    if let Some(c) = code.filter(|c| matches!(*c, "session_expired" | "account_disabled")) {
        q.push(format!("notice={c}"));
    }
    let to = if q.is_empty() {
        "/signin".to_owned()
    } else {
        format!("/signin?{}", q.join("&"))
    };
    let res = Redirect::to(&to).into_response();
    if clear {
        with_cookie(res, &clear_session_cookie(secure))
    } else {
        res
    }
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `next` target is only a local path: `/…`, not `//host` or `/\host`.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 512
        && next.bytes().all(|b| b.is_ascii_graphic());
    ok.then_some(next)
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = Lang::from_headers(&parts.headers);
        let request_id = extract::request_id(parts);
        let secure = state.config.secure_cookies;
        let Some(cookie) = extract::cookie(parts, SESSION_COOKIE).filter(|v| !v.is_empty()) else {
            return Err(to_signin(parts, None, false, secure));
        };
        match pubdata_app::auth::session::authenticate_session(&state.app, &cookie, &request_id)
            .await
        {
            Ok((actor, csrf)) => {
                // A form body read after this knows who sent it (see `FormData`).
                parts.extensions.insert(actor.clone());
                Ok(Session {
                    actor,
                    csrf,
                    cookie,
                    lang,
                    request_id,
                    params: Params::of(&parts.uri),
                    secure_cookies: secure,
                    target: format!("{} {}", parts.method, parts.uri.path()),
                    app: state.app.clone(),
                })
            }
            Err(ActionError::Unauthenticated(code)) => {
                Err(to_signin(parts, Some(code), true, secure))
            }
            Err(e) => Err((
                status_of(&e),
                super::error_page(lang, e.code(), &request_id),
            )
                .into_response()),
        }
    }
}

#[derive(Template)]
#[template(path = "problem.html")]
struct ProblemPage {
    c: Chrome,
    heading: String,
    code: &'static str,
    errors: FormErrors,
    forbidden: bool,
}

impl Session {
    pub fn t(&self) -> &'static Tr {
        i18n::tr(self.lang)
    }

    /// The page chrome, with `active` naming the current navigation entry.
    pub fn chrome(&self, active: &'static str) -> Chrome {
        Chrome::signed_in(self, active)
    }

    /// The session's CSRF check for a form. On a mismatch nothing is done: the refusal is
    /// audited (`reject_request`) and the answer is the 403 page.
    #[allow(clippy::result_large_err)] // the page itself, as axum handlers return it
    pub async fn check_csrf(&self, form: &FormData) -> Result<(), Response> {
        let sent = form.get("csrf");
        if !sent.is_empty() && constant_time_eq(&sent, &self.csrf) {
            return Ok(());
        }
        let error = ActionError::Forbidden("csrf_failed");
        let error = record_rejected_request(&self.app, &self.actor, &self.target, error).await;
        Err(self.problem(&error))
    }

    /// The page for an action's refusal or failure, in the signed-in chrome, with the status
    /// that follows from the error. An ended session goes back to sign-in.
    pub fn problem(&self, e: &ActionError) -> Response {
        if let ActionError::Unauthenticated(code) = e {
            let to = match *code {
                "session_expired" | "account_disabled" => format!("/signin?notice={code}"),
                _ => "/signin".to_owned(),
            };
            return with_cookie(
                Redirect::to(&to).into_response(),
                &clear_session_cookie(self.secure_cookies),
            );
        }
        let page = ProblemPage {
            c: self.chrome(""),
            heading: title(e.code(), self.lang).to_owned(),
            code: e.code(),
            errors: FormErrors::from_error(e, self.lang),
            forbidden: matches!(e, ActionError::Forbidden(_)),
        };
        render(status_of(e), &page)
    }
}

#[cfg(test)]
mod tests {
    use super::{encode, safe_next};

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        for ok in ["/", "/tokens", "/admin/users?org_id=a&cursor=b"] {
            assert_eq!(safe_next(ok), Some(ok));
        }
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "tokens",
            "/a b",
            "/工作台",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_remembered_page_survives_the_query_string() {
        assert_eq!(
            encode("/admin/users?org_id=x&cursor=y"),
            "%2Fadmin%2Fusers%3Forg_id%3Dx%26cursor%3Dy"
        );
    }
}
