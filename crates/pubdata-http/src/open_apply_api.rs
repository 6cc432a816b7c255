//! `/api/v1` for conditional opening: applications and their steps (the authority's materials
//! check, the provider's review and its one extension), agreements with the holder's key,
//! use reports and the overdue ones. Adapters over `pubdata_app::opening::applications`.

use crate::AppState;
use crate::api::query;
use crate::extract::{Caller, Json};
use crate::problem::Problem;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use pubdata_app::opening::applications::{
    self as oa, AgreementQuery, ApplicationInput, ApplicationQuery, ExtendInput, MaterialsInput,
    ReportQuery, ReviewInput, UseReportInput,
};
use serde_json::Value;

type ApiResult<T = axum::Json<Value>> = Result<T, Problem>;
type QueryResult<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/open/applications",
            post(file_application).get(list_applications),
        )
        .route("/api/v1/open/applications/{id}", get(get_application))
        .route("/api/v1/open/applications/{id}/materials", post(materials))
        .route("/api/v1/open/applications/{id}/review", post(review))
        .route("/api/v1/open/applications/{id}/extend", post(extend))
        .route("/api/v1/open/agreements", get(list_agreements))
        .route("/api/v1/open/agreements/{id}/key", post(take_key))
        .route("/api/v1/open/agreements/{id}/reports", post(report_use))
        .route("/api/v1/open/use-reports", get(list_use_reports))
}

fn to_json<T: serde::Serialize>(v: T) -> axum::Json<Value> {
    axum::Json(serde_json::to_value(v).expect("action results serialize"))
}

async fn file_application(
    State(s): State<AppState>,
    c: Caller,
    Json(body): Json<ApplicationInput>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let r = oa::file_open_application(&s.app, &c.actor, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(r)))
}

async fn list_applications(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<ApplicationQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    let page = oa::list_open_applications(&s.app, &c.actor, q)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(page))
}

async fn get_application(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let r = oa::get_open_application(&s.app, &c.actor, &id)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(r))
}

async fn materials(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<MaterialsInput>,
) -> ApiResult {
    let r = oa::check_open_materials(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(r))
}

async fn review(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<ReviewInput>,
) -> ApiResult {
    let r = oa::review_open_application(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(r))
}

async fn extend(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<ExtendInput>,
) -> ApiResult {
    let r = oa::extend_open_reply(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(r))
}

async fn list_agreements(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<AgreementQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    let page = oa::list_agreements(&s.app, &c.actor, q)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(page))
}

/// No body: the key is the caller's for the agreement it holds.
async fn take_key(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let k = oa::take_agreement_key(&s.app, &c.actor, &id)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(k)))
}

async fn report_use(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<UseReportInput>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let r = oa::report_open_use(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(r)))
}

async fn list_use_reports(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<ReportQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    let page = oa::list_use_reports(&s.app, &c.actor, q)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(page))
}
