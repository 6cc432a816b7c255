//! `/api/v1` for opening: proposals and the authority's decision, the open catalog (public),
//! the records API of open data behind a developer key (`Authorization: Bearer <key>` or
//! `X-API-Key: <key>`), version files, the open list, statistics, developer keys. Adapters
//! over `pubdata_app::opening`.

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
use pubdata_app::opening::datasets::{self, CloseInput, OpenQuery};
use pubdata_app::opening::keys::{self, NewKey};
use pubdata_app::opening::proposals::{self, DecisionInput, ProposalInput, ProposalQuery};
use pubdata_app::opening::records::{self, OpenRecordsQuery};
use pubdata_app::opening::{files, stats};
use serde_json::{Value, json};

type ApiResult<T = axum::Json<Value>> = Result<T, Problem>;
type QueryResult<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

/// The header a developer key may come in, besides `Authorization: Bearer`.
pub const API_KEY: &str = "x-api-key";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/resources/{id}/open-proposals",
            post(propose).get(list_for_resource),
        )
        .route("/api/v1/open-proposals", get(list_proposals))
        .route("/api/v1/open-proposals/{id}", get(get_proposal))
        .route("/api/v1/open-proposals/{id}/approve", post(approve))
        .route("/api/v1/open-proposals/{id}/return", post(return_proposal))
        .route("/api/v1/open/datasets", get(search))
        .route("/api/v1/open/datasets/{name}", get(dataset))
        .route("/api/v1/open/datasets/{name}/records", get(records_page))
        .route(
            "/api/v1/open/datasets/{name}/versions/{n}/files/{format}",
            get(version_file),
        )
        .route("/api/v1/open/datasets/{name}/close", post(close))
        .route("/api/v1/open/list", get(open_list))
        .route("/api/v1/open/stats", get(open_stats))
        .route("/api/v1/open/keys", get(list_keys).post(create_key))
}

fn to_json<T: serde::Serialize>(v: T) -> axum::Json<Value> {
    axum::Json(serde_json::to_value(v).expect("action results serialize"))
}

async fn propose(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<ProposalInput>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let p = proposals::propose_opening(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(p)))
}

async fn list_for_resource(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    q: QueryResult<ProposalQuery>,
) -> ApiResult {
    let mut q = query(&c, q)?;
    q.resource_id = Some(id);
    let page = proposals::list_proposals(&s.app, &c.actor, q)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(page))
}

async fn list_proposals(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<ProposalQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    let page = proposals::list_proposals(&s.app, &c.actor, q)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(page))
}

async fn get_proposal(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    let p = proposals::get_proposal(&s.app, &c.actor, &id)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(p))
}

/// An optional JSON body (an approval may carry `{"reason"}` or nothing at all).
fn optional_body<T: serde::de::DeserializeOwned + Default>(
    body: &axum::body::Bytes,
    c: &Caller,
) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        c.problem(ActionError::invalid(
            "invalid_input",
            pubdata_app::FieldError::new("body", "invalid_input", e.to_string(), e.to_string()),
        ))
    })
}

async fn approve(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult {
    let input: DecisionInput = optional_body(&body, &c)?;
    let p = proposals::approve_opening(&s.app, &c.actor, &id, input)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(p))
}

async fn return_proposal(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<DecisionInput>,
) -> ApiResult {
    let p = proposals::return_opening(&s.app, &c.actor, &id, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(p))
}

async fn search(State(s): State<AppState>, c: Caller, q: QueryResult<OpenQuery>) -> ApiResult {
    let q = query(&c, q)?;
    let page = datasets::search_open_data(&s.app, &c.actor, q)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(page))
}

async fn dataset(State(s): State<AppState>, c: Caller, Path(name): Path<String>) -> ApiResult {
    let d = datasets::view_open_dataset(&s.app, &c.actor, &name)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(d))
}

/// The raw developer key of a request: `X-API-Key`, else the bearer token.
fn raw_key(headers: &HeaderMap) -> Option<String> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    text(API_KEY).map(str::to_owned).or_else(|| {
        text(header::AUTHORIZATION.as_str())
            .and_then(|a| {
                a.strip_prefix("Bearer ")
                    .or_else(|| a.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_owned())
    })
}

async fn records_page(
    State(s): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let key = raw_key(&headers);
    // A key in `X-API-Key` was not seen by the caller's extractor: it authenticates here.
    let actor = match (&key, c.actor.is_signed_in()) {
        (Some(k), false) => pubdata_app::auth::tokens::authenticate_token(&s.app, k, &c.request_id)
            .await
            .map_err(|e| c.problem(e))?,
        _ => c.actor.clone(),
    };
    let mut q = OpenRecordsQuery::default();
    for (k, v) in params {
        match k.as_str() {
            "cursor" => q.cursor = Some(v),
            "limit" => {
                q.limit = Some(
                    v.parse::<i64>()
                        .map_err(|_| c.problem(ActionError::BadRequest("bad_query")))?,
                )
            }
            _ => q.filters.push((k, v)),
        }
    }
    let page = records::read_open_records(&s.app, &actor, key.as_deref(), &name, q)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(page).into_response())
}

async fn version_file(
    State(s): State<AppState>,
    c: Caller,
    Path((name, n, format)): Path<(String, i64, String)>,
) -> Result<Response, Problem> {
    let f = files::download_open_file(&s.app, &c.actor, &name, n, &format)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(download_response(f))
}

/// A file download: attachment, its length, its SHA-256.
pub(crate) fn download_response(f: files::OpenDownload) -> Response {
    let (name, content_type, size, sha) = (f.file_name, f.content_type, f.size, f.sha256);
    let mut res =
        crate::aggregation_api::attachment(&name, content_type, Body::from_stream(f.body));
    let h = res.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(v) = HeaderValue::from_str(&sha) {
        h.insert("x-pubdata-sha256", v.clone());
        h.insert("x-content-sha256", v);
    }
    res
}

async fn close(
    State(s): State<AppState>,
    c: Caller,
    Path(name): Path<String>,
    Json(body): Json<CloseInput>,
) -> ApiResult {
    datasets::close_open_dataset(&s.app, &c.actor, &name, body)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(json!({"name": name, "status": "closed"})))
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    format: Option<String>,
}

async fn open_list(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<ListQuery>,
) -> Result<Response, Problem> {
    let q = query(&c, q)?;
    let items = datasets::open_list(&s.app, &c.actor)
        .await
        .map_err(|e| c.problem(e))?;
    match q.format.as_deref() {
        None | Some("json") => {
            Ok(to_json(json!({"items": items, "next_cursor": null})).into_response())
        }
        Some("csv") => {
            let bytes = datasets::open_list_csv(&items).map_err(|e| c.problem(e))?;
            Ok(crate::aggregation_api::attachment(
                "open-list.csv",
                "text/csv; charset=utf-8",
                Body::from(bytes),
            ))
        }
        Some(_) => Err(c.problem(ActionError::BadRequest("invalid_format"))),
    }
}

async fn open_stats(State(s): State<AppState>, c: Caller) -> ApiResult {
    let st = stats::open_stats(&s.app, &c.actor)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(st))
}

async fn list_keys(State(s): State<AppState>, c: Caller) -> ApiResult {
    let items = keys::list_developer_keys(&s.app, &c.actor)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(to_json(json!({"items": items, "next_cursor": null})))
}

async fn create_key(
    State(s): State<AppState>,
    c: Caller,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let input: NewKey = optional_body(&body, &c)?;
    let k = keys::create_developer_key(&s.app, &c.actor, input)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(k)))
}
