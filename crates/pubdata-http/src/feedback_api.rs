//! `/api/v1` for public interaction and the showcase: items posted by anyone (signed in or
//! not), their public reading with the answer once given, the answer; showcase submissions,
//! the public showcase and the authority's review. Adapters over
//! `pubdata_app::opening::{feedback, showcase}`.

use crate::AppState;
use crate::api::query;
use crate::extract::{Caller, Json};
use crate::problem::Problem;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use pubdata_app::opening::{feedback, showcase};
use serde_json::Value;

type ApiResult<T = axum::Json<Value>> = Result<T, Problem>;
type QueryResult<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/feedback", post(submit_feedback).get(list_feedback))
        .route("/api/v1/feedback/{id}", get(get_feedback))
        .route("/api/v1/feedback/{id}/answer", post(answer_feedback))
        .route("/api/v1/showcase", post(submit_showcase).get(list_showcase))
        .route("/api/v1/showcase/{id}/review", post(review_showcase))
}

fn to_json<T: serde::Serialize>(v: T) -> axum::Json<Value> {
    axum::Json(serde_json::to_value(v).expect("action results serialize"))
}

async fn submit_feedback(
    State(s): State<AppState>,
    c: Caller,
    Json(body): Json<feedback::FeedbackInput>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let f = feedback::submit_feedback(&s.app, &c.actor, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(f)))
}

async fn list_feedback(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<feedback::FeedbackQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    let page = feedback::list_feedback(&s.app, &c.actor, q)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(page))
}

async fn get_feedback(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    let f = feedback::get_feedback(&s.app, &c.actor, &id)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(f))
}

async fn answer_feedback(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<feedback::AnswerInput>,
) -> ApiResult {
    let f = feedback::answer_feedback(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(f))
}

async fn submit_showcase(
    State(s): State<AppState>,
    c: Caller,
    Json(body): Json<showcase::ShowcaseInput>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let item = showcase::submit_showcase(&s.app, &c.actor, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(item)))
}

async fn list_showcase(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<showcase::ShowcaseQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    let page = showcase::list_showcase(&s.app, &c.actor, q)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(page))
}

async fn review_showcase(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<showcase::ReviewInput>,
) -> ApiResult {
    let item = showcase::review_showcase(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(item))
}
