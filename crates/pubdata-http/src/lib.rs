//! The web doors of pubdata: the JSON API under `/api/v1`, the server-rendered pages, and
//! sign-in. Handlers adapt `pubdata-app` actions; no rule is decided here.
//!
//! Invariant: this is the only crate that knows JSON bodies, HTML and HTTP status codes.

mod aggregation_api;
pub mod api;
pub mod audit_api;
mod catalog_api;
mod ckan_api;
mod dcat_api;
pub mod extract;
mod feedback_api;
mod open_api;
mod open_apply_api;
pub mod openapi;
pub mod pages;
pub mod problem;
pub mod sharing_api;
pub mod upload;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pubdata_app::{ActionError, App};

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest request body accepted; larger is 413.
    pub body_limit: usize,
    /// Mark the session cookie `Secure` (behind TLS). Off for plain-HTTP local use.
    pub secure_cookies: bool,
    /// The site's address as the public reaches it (`https://data.lanjiang.gov.cn`), for the
    /// absolute URLs of the CKAN API and the DCAT catalog. None: taken from each request's
    /// `Host` (and `X-Forwarded-Proto`), right when pubdata is reached directly.
    pub public_url: Option<String>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            body_limit: 1024 * 1024,
            secure_cookies: false,
            public_url: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: HttpConfig,
}

pub fn router(app: App, config: HttpConfig) -> Router {
    let limit = config.body_limit;
    let max_upload = app.config().max_upload_bytes;
    let state = AppState { app, config };
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(api::routes())
        .merge(audit_api::routes())
        .merge(catalog_api::routes())
        .merge(aggregation_api::routes(max_upload))
        .merge(sharing_api::routes())
        .merge(open_api::routes())
        .merge(open_apply_api::routes())
        .merge(feedback_api::routes())
        .merge(ckan_api::routes())
        .merge(dcat_api::routes())
        .merge(pages::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

/// Gives every request an id (or keeps a sane one the caller sent), echoed in the answer.
async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_owned)
        .unwrap_or_else(pubdata_app::new_request_id);
    req.extensions_mut().insert(extract::RequestId(id.clone()));
    let mut res = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

async fn not_found(State(_): State<AppState>, req: Request) -> Response {
    let lang = problem::Lang::from_headers(req.headers());
    let request_id = req
        .extensions()
        .get::<extract::RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    if req.uri().path().starts_with("/api/") {
        problem::Problem {
            error: ActionError::NotFound("not_found"),
            lang,
            request_id,
            detail: None,
        }
        .into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            pages::error_page(lang, "not_found", &request_id),
        )
            .into_response()
    }
}

/// Binds `listen` and serves until Ctrl-C.
pub async fn serve(
    app: App,
    config: HttpConfig,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    axum::serve(listener, router(app, config))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
