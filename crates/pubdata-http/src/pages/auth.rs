//! Sign-in, sign-out, public registration, changing one's own password.

use super::session::{
    FormData, Session, Visitor, clear_session_cookie, csrf_cookie, safe_next, session_cookie,
    with_cookie,
};
use super::{Chrome, FormErrors, fixable, render};
use crate::AppState;
use crate::problem::status_of;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pubdata_app::auth::session as sessions;
use pubdata_app::platform::users::{self, Registration};
use pubdata_app::{ActionError, Actor, Channel};

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    c: Chrome,
    csrf: String,
    username: String,
    next: String,
    errors: FormErrors,
}

/// Renders a public form page, setting the CSRF cookie when the visitor has none yet.
fn public_form<T: Template>(
    s: &AppState,
    status: StatusCode,
    page: &T,
    new_csrf: Option<String>,
) -> Response {
    let res = render(status, page);
    match new_csrf {
        Some(v) => with_cookie(res, &csrf_cookie(&v, s.config.secure_cookies)),
        None => res,
    }
}

pub async fn signin_form(State(s): State<AppState>, v: Visitor) -> Response {
    let next = v
        .params
        .get("next")
        .and_then(safe_next)
        .unwrap_or("/")
        .to_owned();
    // Already signed in: straight on.
    if let Some(c) = &v.session_cookie
        && sessions::authenticate_session(&s.app, c, &v.request_id)
            .await
            .is_ok()
    {
        return Redirect::to(&next).into_response();
    }
    let (csrf, new) = v.csrf();
    let page = SigninPage {
        c: v.chrome(),
        csrf,
        username: String::new(),
        next,
        errors: FormErrors::default(),
    };
    public_form(&s, StatusCode::OK, &page, new)
}

pub async fn signin(State(s): State<AppState>, v: Visitor, form: FormData) -> Response {
    let next = safe_next(&form.get("next")).unwrap_or("/").to_owned();
    let username = form.get("username");
    let fail = |e: &ActionError, v: &Visitor| {
        let (csrf, new) = v.csrf();
        let page = SigninPage {
            c: v.chrome(),
            csrf,
            username: username.clone(),
            next: next.clone(),
            errors: FormErrors::from_error(e, v.lang),
        };
        public_form(&s, status_of(e), &page, new)
    };
    if !v.csrf_ok(&form) {
        return fail(&v.csrf_refused(&s.app).await, &v);
    }
    let actor = Actor::anonymous(Channel::Web, v.request_id.clone());
    match sessions::sign_in(&s.app, &actor, &username, &form.get("password")).await {
        Ok(start) => with_cookie(
            Redirect::to(&next).into_response(),
            &session_cookie(&start.cookie_token, s.config.secure_cookies),
        ),
        Err(e) => fail(&e, &v),
    }
}

pub async fn signout(State(s): State<AppState>, session: Session, form: FormData) -> Response {
    if let Err(res) = session.check_csrf(&form).await {
        return res;
    }
    if let Err(e) = sessions::sign_out(&s.app, &session.actor, &session.cookie).await {
        tracing::warn!(
            code = e.code(),
            "sign-out failed; the cookie is cleared anyway"
        );
    }
    with_cookie(
        Redirect::to("/signin?notice=signed_out").into_response(),
        &clear_session_cookie(s.config.secure_cookies),
    )
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    c: Chrome,
    csrf: String,
    username: String,
    display_name: String,
    contact: String,
    errors: FormErrors,
}

pub async fn register_form(State(s): State<AppState>, v: Visitor) -> Response {
    let (csrf, new) = v.csrf();
    let page = RegisterPage {
        c: v.chrome(),
        csrf,
        username: String::new(),
        display_name: String::new(),
        contact: String::new(),
        errors: FormErrors::default(),
    };
    public_form(&s, StatusCode::OK, &page, new)
}

pub async fn register(State(s): State<AppState>, v: Visitor, form: FormData) -> Response {
    let fail = |status: StatusCode, errors: FormErrors, v: &Visitor| {
        let (csrf, new) = v.csrf();
        let page = RegisterPage {
            c: v.chrome(),
            csrf,
            username: form.get("username"),
            display_name: form.get("display_name"),
            contact: form.get("contact"),
            errors,
        };
        public_form(&s, status, &page, new)
    };
    if !v.csrf_ok(&form) {
        let e = v.csrf_refused(&s.app).await;
        return fail(status_of(&e), FormErrors::from_error(&e, v.lang), &v);
    }
    if form.get("password") != form.get("password2") {
        return fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            FormErrors::one("password2", v.t().passwords_differ),
            &v,
        );
    }
    let input = Registration {
        username: form.get("username"),
        display_name: form.get("display_name"),
        password: form.get("password"),
        contact: form.opt("contact"),
    };
    let actor = Actor::anonymous(Channel::Web, v.request_id.clone());
    match users::register_user(&s.app, &actor, input).await {
        Ok(_) => Redirect::to("/signin?notice=registered").into_response(),
        Err(e) => fail(status_of(&e), FormErrors::from_error(&e, v.lang), &v),
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    errors: FormErrors,
}

pub async fn password_form(s: Session) -> Response {
    render(
        StatusCode::OK,
        &PasswordPage {
            c: s.chrome("password"),
            errors: FormErrors::default(),
        },
    )
}

pub async fn change_password(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let again = |status, errors| {
        render(
            status,
            &PasswordPage {
                c: s.chrome("password"),
                errors,
            },
        )
    };
    if form.get("password") != form.get("password2") {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            FormErrors::one("password2", s.t().passwords_differ),
        );
    }
    match sessions::change_password(
        &st.app,
        &s.actor,
        &form.get("current_password"),
        &form.get("password"),
    )
    .await
    {
        // The change ends every session of the user, this one included.
        Ok(()) => with_cookie(
            Redirect::to("/signin?notice=password_changed").into_response(),
            &clear_session_cookie(st.config.secure_cookies),
        ),
        Err(e) if fixable(&e) => again(status_of(&e), FormErrors::from_error(&e, s.lang)),
        Err(e) => s.problem(&e),
    }
}
