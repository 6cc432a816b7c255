//! Server-rendered pages (being written).

use crate::AppState;
use crate::problem::Lang;
use axum::Router;
use axum::response::Html;

pub fn routes() -> Router<AppState> {
    Router::new()
}

pub fn error_page(lang: Lang, code: &str, request_id: &str) -> Html<String> {
    Html(format!("<!doctype html><title>{}</title><p>{}</p><p>{request_id}</p>", crate::problem::title(code, lang), crate::problem::title(code, lang)))
}
