//! `/api/v1` for aggregation: batches (push as JSON, upload as multipart), rejected rows, the
//! record store (one record, its history, the whole resource now or as of a time), published
//! data versions and their files, timeliness, pull sources. Adapters over
//! `pubdata_app::aggregation`.

use crate::AppState;
use crate::api::query;
use crate::extract::{Caller, Json};
use crate::problem::Problem;
use crate::upload;
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pubdata_app::ActionError;
use pubdata_app::aggregation::batches::{self, Upload};
use pubdata_app::aggregation::pull_source::{PullSpec, SourceKind};
use pubdata_app::aggregation::{pulls, records, timeliness, versions};
use serde::Deserialize;
use serde_json::{Map, Value, json};

type ApiResult<T = axum::Json<Value>> = Result<T, Problem>;
type QueryResult<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

/// The largest JSON push body (a push carries at most `MAX_PUSH_ROWS` rows).
const MAX_PUSH_BYTES: usize = 64 * 1024 * 1024;

pub fn routes(max_upload: u64) -> Router<AppState> {
    let batch_limit = (max_upload as usize).max(MAX_PUSH_BYTES) + 64 * 1024;
    Router::new()
        .route(
            "/api/v1/resources/{id}/batches",
            post(create_batch)
                .get(list_batches)
                .layer(axum::extract::DefaultBodyLimit::max(batch_limit)),
        )
        .route("/api/v1/batches/{id}", get(get_batch))
        .route("/api/v1/batches/{id}/rejected", get(rejected))
        .route("/api/v1/resources/{id}/records", get(list_records))
        .route("/api/v1/resources/{id}/records/{key}", get(get_record))
        .route("/api/v1/resources/{id}/records/{key}/history", get(history))
        .route(
            "/api/v1/resources/{id}/versions",
            get(list_versions).post(publish),
        )
        .route(
            "/api/v1/resources/{id}/versions/{n}/files/{format}",
            get(version_file),
        )
        .route(
            "/api/v1/resources/{id}/auto-publish",
            axum::routing::put(auto_publish),
        )
        .route("/api/v1/timeliness", get(update_duties))
        .route("/api/v1/pull-sources", get(list_pulls).post(create_pull))
        .route("/api/v1/pull-sources/{id}/run", post(run_pull))
        .route("/api/v1/pull-sources/{id}/enable", post(enable_pull))
        .route("/api/v1/pull-sources/{id}/disable", post(disable_pull))
}

fn to_json<T: serde::Serialize>(v: T) -> axum::Json<Value> {
    axum::Json(serde_json::to_value(v).expect("action results serialize"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PushBody {
    rows: Vec<Map<String, Value>>,
}

#[derive(Deserialize, Default)]
struct BatchQuery {
    /// `false`: answer 202 as soon as the upload is saved and the batch is running.
    wait: Option<bool>,
    /// Optional, like the multipart field: the input's encoding.
    encoding: Option<String>,
}

/// `POST /resources/{id}/batches`: JSON `{"rows": [...]}` is a push; `multipart/form-data`
/// with `file` (+ `encoding`, + `mapping`: JSON `{"field_code": "column name"}`) an upload.
async fn create_batch(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    q: QueryResult<BatchQuery>,
    req: Request,
) -> Result<Response, Problem> {
    let q = query(&c, q)?;
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let too_big = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
            .is_some_and(|n| n > MAX_PUSH_BYTES);
        if too_big {
            return Err(c.problem(ActionError::BadRequest("body_too_large")));
        }
        let Json(body) = Json::<PushBody>::from_request(req, &s).await?;
        let batch = batches::push_batch(&s.app, &c.actor, &id, body.rows)
            .await
            .map_err(|e| c.problem(e))?;
        return Ok((StatusCode::CREATED, to_json(batch)).into_response());
    }
    let m = Multipart::from_request(req, &s)
        .await
        .map_err(|_| c.problem(ActionError::BadRequest("invalid_multipart")))?;
    let received = upload::receive(&s.app, m).await.map_err(|e| c.problem(e))?;
    let choices: Vec<(String, String)> =
        match received.field("mapping").filter(|m| !m.trim().is_empty()) {
            None => Vec::new(),
            Some(text) => match serde_json::from_str::<Map<String, Value>>(text) {
                Ok(m) => m
                    .into_iter()
                    .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
                    .collect(),
                Err(_) => {
                    upload::remove(&received.path);
                    return Err(c.problem(ActionError::invalid(
                        "invalid_mapping",
                        pubdata_app::FieldError::new(
                            "mapping",
                            "invalid_mapping",
                            "mapping 须为 JSON 对象：{\"信息项代码\": \"文件列名\"}",
                            "mapping must be a JSON object {\"field_code\": \"column name\"}",
                        ),
                    )));
                }
            },
        };
    let encoding = received
        .field("encoding")
        .map(str::to_owned)
        .or(q.encoding)
        .filter(|e| !e.trim().is_empty() && e != "auto");
    let up = Upload {
        path: received.path.clone(),
        file_name: received.file_name.clone(),
        encoding,
        choices,
    };
    if q.wait == Some(false) {
        let (tx, rx) = tokio::sync::oneshot::channel::<String>();
        let (app, actor, path) = (s.app.clone(), c.actor.clone(), received.path.clone());
        let task = tokio::spawn(async move {
            let mut tx = Some(tx);
            let r = batches::upload_batch(&app, &actor, &id, up, |b| {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(b.to_owned());
                }
            })
            .await;
            upload::remove(&path);
            r
        });
        return match rx.await {
            Ok(batch_id) => {
                let b = batches::get_batch(&s.app, &c.actor, &batch_id)
                    .await
                    .map_err(|e| c.problem(e))?;
                let mut res = (StatusCode::ACCEPTED, to_json(b)).into_response();
                if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/batches/{batch_id}")) {
                    res.headers_mut().insert(header::LOCATION, v);
                }
                Ok(res)
            }
            // The action ended before a batch existed: its error is the answer.
            Err(_) => match task.await {
                Ok(Err(e)) => Err(c.problem(e)),
                Ok(Ok(b)) => Ok((StatusCode::CREATED, to_json(b)).into_response()),
                Err(e) => Err(c.problem(ActionError::Unexpected(e.to_string()))),
            },
        };
    }
    let result = batches::upload_batch(&s.app, &c.actor, &id, up, |_| {}).await;
    upload::remove(&received.path);
    let batch = result.map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(batch)).into_response())
}

#[derive(Deserialize, Default)]
struct PageQuery {
    cursor: Option<String>,
    limit: Option<u32>,
    as_of: Option<String>,
}

async fn list_batches(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    q: QueryResult<PageQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    let (items, next) = batches::list_batches(
        &s.app,
        &c.actor,
        &id,
        q.cursor.as_deref(),
        q.limit.unwrap_or(50),
    )
    .await
    .map_err(|e| c.problem(e))?;
    Ok(axum::Json(json!({"items": items, "next_cursor": next})))
}

async fn get_batch(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        batches::get_batch(&s.app, &c.actor, &id)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

pub(crate) fn attachment(name: &str, content_type: &'static str, body: Body) -> Response {
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

async fn rejected(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let (name, bytes) = batches::rejected_rows_csv(&s.app, &c.actor, &id)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(attachment(
        &name,
        "text/csv; charset=utf-8",
        Body::from(bytes),
    ))
}

async fn list_records(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    q: QueryResult<PageQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    let (items, next) = records::list_records(
        &s.app,
        &c.actor,
        &id,
        q.as_of.as_deref(),
        q.cursor.as_deref(),
        q.limit.unwrap_or(50),
    )
    .await
    .map_err(|e| c.problem(e))?;
    let items: Vec<Value> = items
        .into_iter()
        .map(|(key, values)| json!({"key": key, "values": values}))
        .collect();
    Ok(axum::Json(json!({"items": items, "next_cursor": next})))
}

#[derive(Deserialize, Default)]
struct AsOf {
    as_of: Option<String>,
}

async fn get_record(
    State(s): State<AppState>,
    c: Caller,
    Path((id, key)): Path<(String, String)>,
    q: QueryResult<AsOf>,
) -> ApiResult {
    let q = query(&c, q)?;
    Ok(to_json(
        records::get_record(&s.app, &c.actor, &id, &key, q.as_of.as_deref())
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn history(
    State(s): State<AppState>,
    c: Caller,
    Path((id, key)): Path<(String, String)>,
) -> ApiResult {
    let items = records::record_history(&s.app, &c.actor, &id, &key)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(json!({"items": items, "next_cursor": null})))
}

#[derive(Deserialize, Default)]
struct VersionsQuery {
    /// `catalog`: the catalog versions of the entry instead (see the OpenAPI document).
    kind: Option<String>,
}

/// `GET /resources/{id}/versions`: the published data versions (API.md, aggregation);
/// `?kind=catalog` answers the catalog versions, also at `/catalog-versions`.
async fn list_versions(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    q: QueryResult<VersionsQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    if q.kind.as_deref() == Some("catalog") {
        return crate::catalog_api::catalog_versions(State(s), c, Path(id)).await;
    }
    let list = versions::list_versions(&s.app, &c.actor, &id)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(
        json!({"items": list.items, "next_cursor": null, "auto_publish": list.auto_publish}),
    ))
}

async fn publish(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let v = versions::publish_version(&s.app, &c.actor, &id)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(v)).into_response())
}

async fn version_file(
    State(s): State<AppState>,
    c: Caller,
    Path((id, n, format)): Path<(String, i64, String)>,
) -> Result<Response, Problem> {
    let f = versions::version_file(&s.app, &c.actor, &id, n, &format)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(file_response(f))
}

/// A stored file as a download: its size, type, name and SHA-256 in the headers.
pub(crate) fn file_response(f: versions::FileDownload) -> Response {
    let mut res = attachment(&f.file_name, f.content_type, Body::from_stream(f.body));
    let h = res.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(f.size));
    if let Ok(v) = HeaderValue::from_str(&f.sha256) {
        h.insert("x-content-sha256", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", f.sha256)) {
        h.insert(header::ETAG, v);
    }
    res
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AutoPublish {
    enabled: bool,
}

async fn auto_publish(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<AutoPublish>,
) -> ApiResult {
    versions::set_auto_publish(&s.app, &c.actor, &id, body.enabled)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(
        json!({"resource_id": id, "auto_publish": body.enabled}),
    ))
}

#[derive(Deserialize, Default)]
struct DutyQuery {
    org_id: Option<String>,
    overdue: Option<bool>,
}

/// The update duties of one unit or all, with the per-unit summary.
async fn update_duties(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<DutyQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    let org = q.org_id.as_deref().filter(|o| !o.is_empty());
    let mut items = timeliness::update_duties(&s.app, &c.actor, org)
        .await
        .map_err(|e| c.problem(e))?;
    let units = timeliness::by_unit(&items);
    if q.overdue == Some(true) {
        items.retain(|d| d.overdue());
    }
    Ok(axum::Json(
        json!({"items": items, "next_cursor": null, "units": units}),
    ))
}

async fn list_pulls(State(s): State<AppState>, c: Caller) -> ApiResult {
    let items = pulls::list_pull_sources(&s.app, &c.actor)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(json!({"items": items, "next_cursor": null})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPull {
    resource_id: String,
    #[serde(default = "postgres")]
    kind: String,
    url: String,
    table: Option<String>,
    query: Option<String>,
    cursor_column: String,
    key_column: String,
}

fn postgres() -> String {
    "postgres".into()
}

async fn create_pull(
    State(s): State<AppState>,
    c: Caller,
    Json(b): Json<NewPull>,
) -> Result<Response, Problem> {
    let kind = SourceKind::from_stored(&b.kind).ok_or_else(|| {
        c.problem(ActionError::invalid(
            "unsupported_source_kind",
            pubdata_app::FieldError::new(
                "kind",
                "unsupported_source_kind",
                "目前支持的数据源类型：postgres",
                "supported kinds: postgres",
            ),
        ))
    })?;
    let spec = PullSpec {
        kind,
        url: b.url,
        table: b.table,
        query: b.query,
        cursor_column: b.cursor_column,
        key_column: b.key_column,
    };
    let p = pulls::create_pull_source(&s.app, &c.actor, &b.resource_id, spec)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(p)).into_response())
}

async fn run_pull(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    let batch = pulls::run_pull(&s.app, &c.actor, &id)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(json!({"pull_source_id": id, "batch": batch})))
}

async fn enable_pull(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        pulls::set_pull_source_enabled(&s.app, &c.actor, &id, true)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn disable_pull(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        pulls::set_pull_source_enabled(&s.app, &c.actor, &id, false)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}
