//! `/api/v1` for sharing: share requests and their steps, grants, the sharing API's reads
//! (`/share/{resource}/…`, with `X-Purpose`, optional `X-Case-Id`, and the response's SHA-256
//! in `X-Pubdata-Response-Hash`), emergencies and objections. Adapters over
//! `pubdata_app::sharing`.

use crate::AppState;
use crate::api::query;
use crate::extract::{Caller, Json};
use crate::problem::Problem;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pubdata_app::ActionError;
use pubdata_app::sharing::read::{self, SharedBody};
use pubdata_app::sharing::{emergencies, grants, objections, requests};
use pubdata_core::sharing::GrantStatus;
use serde::Deserialize;
use serde_json::Value;

type ApiResult<T = axum::Json<Value>> = Result<T, Problem>;
type QueryResult<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

/// The response header that carries the SHA-256 (hex) of a shared read's body, as its audit
/// entry records it.
pub const RESPONSE_HASH: &str = "x-pubdata-response-hash";
/// The response header with the index of the read's audit entry (for its inclusion proof).
pub const AUDIT_INDEX: &str = "x-pubdata-audit-index";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/share-requests",
            post(file_request).get(list_requests),
        )
        .route("/api/v1/share-requests/{id}", get(get_request))
        .route("/api/v1/share-requests/{id}/conformity", post(conformity))
        .route("/api/v1/share-requests/{id}/reply", post(reply))
        .route("/api/v1/share-requests/{id}/dispute", post(dispute))
        .route("/api/v1/share-requests/{id}/coordination", post(coordinate))
        .route("/api/v1/grants", get(list_grants))
        .route("/api/v1/grants/{id}/suspend", post(suspend_grant))
        .route("/api/v1/grants/{id}/resume", post(resume_grant))
        .route("/api/v1/grants/{id}/revoke", post(revoke_grant))
        .route("/api/v1/share/{resource_id}/records", get(shared_records))
        .route(
            "/api/v1/share/{resource_id}/records/{key}",
            get(shared_record),
        )
        .route(
            "/api/v1/share/{resource_id}/versions/{n}/file",
            get(shared_version_file),
        )
        .route(
            "/api/v1/emergencies",
            post(declare_emergency).get(list_emergencies),
        )
        .route("/api/v1/emergencies/{id}/end", post(end_emergency))
        .route(
            "/api/v1/objections",
            post(file_objection).get(list_objections),
        )
        .route("/api/v1/objections/{id}/complex", post(objection_complex))
        .route("/api/v1/objections/{id}/answer", post(answer_objection))
}

fn to_json<T: serde::Serialize>(v: T) -> axum::Json<Value> {
    axum::Json(serde_json::to_value(v).expect("action results serialize"))
}

async fn file_request(
    State(s): State<AppState>,
    c: Caller,
    Json(body): Json<requests::ShareRequestInput>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let r = requests::file_share_request(&s.app, &c.actor, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(r)))
}

async fn list_requests(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<requests::RequestQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    let page = requests::list_share_requests(&s.app, &c.actor, q)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(page))
}

async fn get_request(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    let r = requests::get_share_request(&s.app, &c.actor, &id)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(r))
}

async fn conformity(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<requests::ConformityInput>,
) -> ApiResult {
    let r = requests::check_conformity(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(r))
}

async fn reply(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<requests::ReplyInput>,
) -> ApiResult {
    let r = requests::reply_share_request(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(r))
}

async fn dispute(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<requests::DisputeInput>,
) -> ApiResult {
    let r = requests::dispute_share_refusal(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(r))
}

async fn coordinate(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<requests::CoordinationInput>,
) -> ApiResult {
    let r = requests::coordinate_share_dispute(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(r))
}

async fn list_grants(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<grants::GrantQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    let page = grants::list_grants(&s.app, &c.actor, q)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(page))
}

async fn change_grant(
    s: AppState,
    c: Caller,
    id: String,
    to: GrantStatus,
    body: grants::GrantChange,
) -> ApiResult {
    let g = grants::set_grant_status(&s.app, &c.actor, &id, to, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(g))
}

async fn suspend_grant(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<grants::GrantChange>,
) -> ApiResult {
    change_grant(s, c, id, GrantStatus::Suspended, body).await
}

async fn resume_grant(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<grants::GrantChange>,
) -> ApiResult {
    change_grant(s, c, id, GrantStatus::Active, body).await
}

async fn revoke_grant(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<grants::GrantChange>,
) -> ApiResult {
    change_grant(s, c, id, GrantStatus::Revoked, body).await
}

fn case_id(headers: &HeaderMap) -> Option<String> {
    crate::extract::header_text(headers, "x-case-id")
}

/// A shared read's body with its hash and audit index in the headers.
fn shared_response(b: SharedBody) -> Response {
    let mut res = (StatusCode::OK, b.body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&b.sha256) {
        h.insert(RESPONSE_HASH, v);
    }
    h.insert(AUDIT_INDEX, HeaderValue::from(b.audit_index));
    res
}

async fn shared_record(
    State(s): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Path((resource_id, key)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let case = case_id(&headers);
    let b = read::read_shared_record(&s.app, &c.actor, &resource_id, &key, case.as_deref())
        .await
        .map_err(|e| c.problem(e))?;
    Ok(shared_response(b))
}

/// `?code=value&…&cursor=&limit=`: every parameter that is not `cursor` or `limit` filters
/// on the field of that code.
async fn shared_records(
    State(s): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Path(resource_id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let mut filters = Vec::new();
    let mut cursor = None;
    let mut limit = None;
    for (k, v) in params {
        match k.as_str() {
            "cursor" => cursor = Some(v),
            "limit" => {
                limit = Some(
                    v.parse::<u32>()
                        .map_err(|_| c.problem(ActionError::BadRequest("bad_query")))?,
                )
            }
            _ => filters.push((k, v)),
        }
    }
    let case = case_id(&headers);
    let b = read::list_shared_records(
        &s.app,
        &c.actor,
        &resource_id,
        &filters,
        cursor.as_deref(),
        limit,
        case.as_deref(),
    )
    .await
    .map_err(|e| c.problem(e))?;
    Ok(shared_response(b))
}

#[derive(Deserialize, Default)]
struct FileQuery {
    format: Option<String>,
}

async fn shared_version_file(
    State(s): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Path((resource_id, n)): Path<(String, i64)>,
    q: QueryResult<FileQuery>,
) -> Result<Response, Problem> {
    let q = query(&c, q)?;
    let format = q.format.unwrap_or_else(|| "csv".into());
    let case = case_id(&headers);
    let f = read::shared_version_file(&s.app, &c.actor, &resource_id, n, &format, case.as_deref())
        .await
        .map_err(|e| c.problem(e))?;
    let (name, content_type, size, sha, index) = (
        f.file_name.clone(),
        f.content_type,
        f.size,
        f.sha256.clone(),
        f.audit_index,
    );
    let mut res = crate::aggregation_api::attachment(
        &name,
        content_type,
        Body::from_stream(f.into_stream().await.map_err(|e| c.problem(e))?),
    );
    let h = res.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(v) = HeaderValue::from_str(&sha) {
        h.insert(RESPONSE_HASH, v.clone());
        h.insert("x-content-sha256", v);
    }
    h.insert(AUDIT_INDEX, HeaderValue::from(index));
    Ok(res)
}

async fn declare_emergency(
    State(s): State<AppState>,
    c: Caller,
    Json(body): Json<emergencies::EmergencyInput>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let e = emergencies::declare_emergency(&s.app, &c.actor, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(e)))
}

async fn list_emergencies(State(s): State<AppState>, c: Caller) -> ApiResult {
    let items = emergencies::list_emergencies(&s.app, &c.actor)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(
        serde_json::json!({"items": items, "next_cursor": null}),
    ))
}

async fn end_emergency(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<emergencies::EndInput>,
) -> ApiResult {
    let e = emergencies::end_emergency(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(e))
}

async fn file_objection(
    State(s): State<AppState>,
    c: Caller,
    Json(body): Json<objections::ObjectionInput>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let o = objections::file_objection(&s.app, &c.actor, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(o)))
}

async fn list_objections(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<objections::ObjectionQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    let page = objections::list_objections(&s.app, &c.actor, q)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(page))
}

async fn objection_complex(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<objections::ComplexInput>,
) -> ApiResult {
    let o = objections::mark_objection_complex(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(o))
}

async fn answer_objection(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<objections::AnswerInput>,
) -> ApiResult {
    let o = objections::answer_objection(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(o))
}
