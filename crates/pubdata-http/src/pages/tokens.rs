//! The user's own API tokens: list, create (the raw token shown once), revoke.

use super::session::{FormData, Session};
use super::{Chrome, FormErrors, Opt, fixable, local_time, render};
use crate::AppState;
use crate::problem::status_of;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pubdata_app::auth::tokens::{self, NewToken, TokenInfo};
use pubdata_core::actor::TokenScope;

struct TokenRow {
    id: String,
    name: String,
    prefix: String,
    scope: &'static str,
    created: String,
    expires: String,
    last_used: String,
    status: &'static str,
    status_cls: &'static str,
    active: bool,
}

/// The token just made: its raw value, shown this once.
struct Created {
    name: String,
    token: String,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    c: Chrome,
    rows: Vec<TokenRow>,
    created: Option<Created>,
    name: String,
    scopes: Vec<Opt>,
    lifetimes: Vec<Opt>,
    errors: FormErrors,
}

const LIFETIMES: [&str; 5] = ["1d", "7d", "30d", "90d", "365d"];

async fn tokens_page(
    st: &AppState,
    s: &Session,
    created: Option<Created>,
    form: Option<&FormData>,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let t = s.t();
    let list: Vec<TokenInfo> = match tokens::list_tokens(&st.app, &s.actor).await {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    let rows = list
        .iter()
        .map(|k| {
            let (status, status_cls) = match k.status {
                "active" => (t.token_active, "on"),
                "expired" => (t.token_expired, "warn"),
                _ => (t.token_revoked, "off"),
            };
            TokenRow {
                id: k.id.clone(),
                name: k.name.clone(),
                prefix: k.prefix.clone(),
                scope: if k.scope == TokenScope::Write {
                    t.scope_write
                } else {
                    t.scope_read
                },
                created: local_time(&k.created_at),
                expires: local_time(&k.expires_at),
                last_used: k
                    .last_used_at
                    .as_deref()
                    .map(local_time)
                    .unwrap_or_else(|| t.never_used.to_owned()),
                status,
                status_cls,
                active: k.status == "active",
            }
        })
        .collect();
    // After a successful creation the form starts empty again.
    let (name, scope, lifetime) = match (form, &created) {
        (Some(f), None) => (f.get("name"), f.get("scope"), f.get("expires_in")),
        _ => (String::new(), "read".to_owned(), "30d".to_owned()),
    };
    let scopes = vec![
        Opt::new("read", t.scope_read, scope == "read"),
        Opt::new("write", t.scope_write, scope == "write"),
    ];
    let labels = [t.days_1, t.days_7, t.days_30, t.days_90, t.days_365];
    let lifetimes = LIFETIMES
        .iter()
        .zip(labels)
        .map(|(v, l)| Opt::new(*v, l, lifetime == *v))
        .collect();
    render(
        status,
        &TokensPage {
            c: s.chrome("tokens"),
            rows,
            created,
            name,
            scopes,
            lifetimes,
            errors,
        },
    )
}

pub async fn page(State(st): State<AppState>, s: Session) -> Response {
    tokens_page(&st, &s, None, None, FormErrors::default(), StatusCode::OK).await
}

pub async fn create(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let input = NewToken {
        name: form.get("name"),
        scope: form.get("scope"),
        expires_in: form.get("expires_in"),
    };
    match tokens::create_token(&st.app, &s.actor, input).await {
        Ok(c) => {
            let created = Created {
                name: c.info.name.clone(),
                token: c.token,
            };
            tokens_page(
                &st,
                &s,
                Some(created),
                Some(&form),
                FormErrors::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) if fixable(&e) => {
            tokens_page(
                &st,
                &s,
                None,
                Some(&form),
                FormErrors::from_error(&e, s.lang),
                status_of(&e),
            )
            .await
        }
        Err(e) => s.problem(&e),
    }
}

pub async fn revoke(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    match tokens::revoke_token(&st.app, &s.actor, &id).await {
        Ok(_) => Redirect::to("/tokens?notice=token_revoked").into_response(),
        Err(e) => s.problem(&e),
    }
}
