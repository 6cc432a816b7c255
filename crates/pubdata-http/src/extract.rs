//! What every handler starts from: the caller (actor, language, request id) and a JSON body
//! whose rejections are problem+json like every other error.

use crate::AppState;
use crate::problem::{Lang, Problem};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use pubdata_app::{ActionError, Actor, Channel};
use serde::de::DeserializeOwned;

pub const SESSION_COOKIE: &str = "pubdata_session";

/// The request id the middleware assigned (echoed as `x-request-id`).
#[derive(Clone)]
pub struct RequestId(pub String);

/// The caller of an API request: authenticated by `Authorization: Bearer <token>` or by the
/// session cookie; anonymous when neither is present (actions then refuse or allow).
pub struct Caller {
    pub actor: Actor,
    pub lang: Lang,
    pub request_id: String,
}

impl Caller {
    pub fn problem(&self, error: ActionError) -> Problem {
        Problem {
            error,
            lang: self.lang,
            request_id: self.request_id.clone(),
            detail: None,
        }
    }
}

pub fn request_id(parts: &Parts) -> String {
    parts
        .extensions
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_else(pubdata_app::new_request_id)
}

pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let request_id = request_id(parts);
        let lang = Lang::from_headers(&parts.headers);
        let fail = |error| Problem {
            error,
            lang,
            request_id: request_id.clone(),
            detail: None,
        };
        let auth = parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or(""));
        let actor = if let Some(auth) = auth {
            let Some(token) = auth
                .strip_prefix("Bearer ")
                .or_else(|| auth.strip_prefix("bearer "))
            else {
                return Err(fail(ActionError::Unauthenticated("token_invalid")));
            };
            pubdata_app::auth::tokens::authenticate_token(&state.app, token, &request_id)
                .await
                .map_err(fail)?
        } else if let Some(c) = cookie(parts, SESSION_COOKIE) {
            pubdata_app::auth::session::authenticate_session(&state.app, &c, &request_id)
                .await
                .map_err(fail)?
                .0
        } else {
            Actor::anonymous(Channel::Api, request_id.clone())
        };
        let purpose = header_text(&parts.headers, "x-purpose");
        let actor = actor.with_purpose(purpose);
        // A body extractor that refuses the request records the refusal under this actor.
        parts.extensions.insert(actor.clone());
        Ok(Caller {
            actor,
            lang,
            request_id,
        })
    }
}

/// A header's text: raw UTF-8 (as most clients send Chinese), or percent-encoded UTF-8 (as
/// careful ones do, since header values are meant to be ASCII). None when absent or not text.
pub fn header_text(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    let raw = std::str::from_utf8(headers.get(name)?.as_bytes())
        .ok()?
        .trim();
    let text = if raw.contains('%') {
        percent_decode(raw)?
    } else {
        raw.to_owned()
    };
    Some(text).filter(|t| !t.is_empty() && t.chars().count() <= 500)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `axum::Json` with its rejections as problem+json: malformed JSON 400, wrong or unknown
/// fields 422, wrong content type 415, too large 413.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Json<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let request_id = request_id(&parts);
        let lang = Lang::from_headers(&parts.headers);
        let actor = parts
            .extensions
            .get::<Actor>()
            .cloned()
            .unwrap_or_else(|| Actor::anonymous(Channel::Api, request_id.clone()));
        let target = format!("{} {}", parts.method, parts.uri.path());
        let req = Request::from_parts(parts, body);
        let rej = match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => return Ok(Json(v)),
            Err(rej) => rej,
        };
        let (error, detail) = classify(rej);
        let error =
            pubdata_app::action::record_rejected_request(&state.app, &actor, &target, error).await;
        Err(Problem {
            error,
            lang,
            request_id,
            detail: Some(detail),
        })
    }
}

fn classify(rej: JsonRejection) -> (ActionError, String) {
    match &rej {
        JsonRejection::JsonSyntaxError(e) => {
            (ActionError::BadRequest("malformed_json"), e.body_text())
        }
        JsonRejection::JsonDataError(e) => (
            ActionError::Invalid {
                code: "invalid_json_fields",
                errors: vec![],
            },
            e.body_text(),
        ),
        JsonRejection::MissingJsonContentType(_) => (
            ActionError::BadRequest("unsupported_media_type"),
            rej.body_text(),
        ),
        JsonRejection::BytesRejection(_)
            if rej.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            (ActionError::BadRequest("body_too_large"), rej.body_text())
        }
        _ => (ActionError::BadRequest("malformed_json"), rej.body_text()),
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// The site's absolute base URL, without a trailing slash: the configured public URL, else
/// the request's `Host` with `X-Forwarded-Proto` (default `http`).
pub struct SiteUrl(pub String);

impl FromRequestParts<AppState> for SiteUrl {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(u) = &state.config.public_url {
            return Ok(SiteUrl(u.trim_end_matches('/').to_owned()));
        }
        let text = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        // Only a host-like value is trusted into links the answer gives out.
        let host = text(header::HOST.as_str())
            .or(parts.uri.authority().map(|a| a.as_str()))
            .filter(|h| {
                h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
            })
            .unwrap_or("localhost");
        let proto = match text("x-forwarded-proto") {
            Some("https") => "https",
            _ => "http",
        };
        Ok(SiteUrl(format!("{proto}://{host}")))
    }
}
