//! `/api/v1` for the catalog: resources and their review, search, versions, the
//! information-system registry, duty changes and review tasks, deadline rules.
//! JSON adapters over `pubdata_app::catalog`; no rule lives here.

use crate::AppState;
use crate::api::query;
use crate::extract::{Caller, Json};
use crate::problem::Problem;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pubdata_app::ActionError;
use pubdata_app::catalog::duty::{self, CloseTaskInput, DutyChangeInput, RuleInput, TaskQuery};
use pubdata_app::catalog::list::{self, ExportFormat, ImportMode};
use pubdata_app::catalog::resources;
use pubdata_app::catalog::search::{SearchInput, search_resources};
use pubdata_app::catalog::systems::{self, SystemInput, SystemQuery};
use pubdata_core::catalog::ResourceDoc;
use serde::Deserialize;
use serde_json::{Value, json};

type ApiResult<T = axum::Json<Value>> = Result<T, Problem>;
type QueryResult<T> = Result<Query<T>, axum::extract::rejection::QueryRejection>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/resources", get(search).post(create))
        .route("/api/v1/resources/{id}", get(get_one).put(update))
        .route("/api/v1/resources/{id}/submit", post(submit))
        .route("/api/v1/resources/{id}/approve", post(approve))
        .route("/api/v1/resources/{id}/return", post(return_))
        .route("/api/v1/resources/{id}/withdraw", post(withdraw))
        .route(
            "/api/v1/resources/{id}/catalog-versions",
            get(catalog_versions),
        )
        .route("/api/v1/resources/{id}/diff", get(diff))
        .route("/api/v1/systems", get(list_systems).post(create_system))
        .route("/api/v1/systems/{id}", get(get_system).put(update_system))
        .route("/api/v1/systems/{id}/submit", post(submit_system))
        .route("/api/v1/systems/{id}/approve", post(approve_system))
        .route("/api/v1/systems/{id}/status", post(system_status))
        .route("/api/v1/orgs/{id}/duty-changes", post(record_duty_change))
        .route("/api/v1/review-tasks", get(list_tasks))
        .route("/api/v1/review-tasks/{id}/close", post(close_task))
        .route("/api/v1/deadline-rules", get(list_rules))
        .route("/api/v1/deadline-rules/{key}", axum::routing::put(set_rule))
        .route("/api/v1/responsibility-list", get(responsibility_list))
        .route(
            "/api/v1/catalog/import",
            post(import).layer(axum::extract::DefaultBodyLimit::max(
                crate::pages::catalog_list::MAX_UPLOAD,
            )),
        )
}

fn to_json<T: serde::Serialize>(v: T) -> axum::Json<Value> {
    axum::Json(serde_json::to_value(v).expect("action results serialize"))
}

/// The keys of a resource that the platform sets: a client may send back what it read.
const READ_ONLY: [&str; 6] = [
    "id",
    "status",
    "version",
    "created_at",
    "updated_at",
    "published_at",
];

/// A resource's content from a JSON body; read-only keys are ignored, any other unknown key
/// or a wrong type is refused (422, recorded like every refused body).
async fn doc(s: &AppState, c: &Caller, target: String, mut body: Value) -> ApiResult<ResourceDoc> {
    if let Value::Object(m) = &mut body {
        for k in READ_ONLY {
            m.remove(k);
        }
    }
    match serde_json::from_value::<ResourceDoc>(body) {
        Ok(d) => Ok(d),
        Err(e) => {
            let error = ActionError::Invalid {
                code: "invalid_json_fields",
                errors: vec![],
            };
            let error =
                pubdata_app::action::record_rejected_request(&s.app, &c.actor, &target, error)
                    .await;
            Err(Problem {
                error,
                lang: c.lang,
                request_id: c.request_id.clone(),
                detail: Some(e.to_string()),
            })
        }
    }
}

async fn search(State(s): State<AppState>, c: Caller, q: QueryResult<SearchInput>) -> ApiResult {
    let q = query(&c, q)?;
    Ok(to_json(
        search_resources(&s.app, &c.actor, q)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn create(
    State(s): State<AppState>,
    c: Caller,
    Json(body): Json<Value>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let d = doc(&s, &c, "POST /api/v1/resources".into(), body).await?;
    let r = resources::create_resource(&s.app, &c.actor, d)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(r)))
}

async fn get_one(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        resources::get_resource(&s.app, &c.actor, &id)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn update(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult {
    let d = doc(&s, &c, format!("PUT /api/v1/resources/{id}"), body).await?;
    Ok(to_json(
        resources::update_resource(&s.app, &c.actor, &id, d)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn submit(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        resources::submit_resource(&s.app, &c.actor, &id)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn approve(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        resources::approve_resource(&s.app, &c.actor, &id)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reason {
    #[serde(default)]
    reason: String,
}

async fn return_(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(r): Json<Reason>,
) -> ApiResult {
    Ok(to_json(
        resources::return_resource(&s.app, &c.actor, &id, &r.reason)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn withdraw(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(r): Json<Reason>,
) -> ApiResult {
    Ok(to_json(
        resources::withdraw_resource(&s.app, &c.actor, &id, &r.reason)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

/// The catalog versions, newest first, as a list (`next_cursor` always null: a resource's
/// versions are few), with the review steps beside them. Also `GET …/versions?kind=catalog`:
/// `/versions` itself lists the published data versions (API.md, aggregation).
pub(crate) async fn catalog_versions(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let h = resources::resource_history(&s.app, &c.actor, &id)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(
        json!({"items": h.versions, "next_cursor": null, "events": h.events}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffQuery {
    old: i64,
    new: i64,
}

async fn diff(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    q: QueryResult<DiffQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    let h = resources::resource_history(&s.app, &c.actor, &id)
        .await
        .map_err(|e| c.problem(e))?;
    let changes = resources::compare(&h, q.old, q.new).map_err(|e| c.problem(e))?;
    Ok(axum::Json(
        json!({"old": q.old, "new": q.new, "changes": changes}),
    ))
}

async fn list_systems(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<SystemQuery>,
) -> ApiResult {
    let q = query(&c, q)?;
    Ok(to_json(
        systems::list_systems(&s.app, &c.actor, q)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn create_system(
    State(s): State<AppState>,
    c: Caller,
    Json(input): Json<SystemInput>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let sys = systems::create_system(&s.app, &c.actor, input)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(sys)))
}

async fn get_system(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        systems::get_system(&s.app, &c.actor, &id)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn update_system(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(input): Json<SystemInput>,
) -> ApiResult {
    Ok(to_json(
        systems::update_system(&s.app, &c.actor, &id, input)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn submit_system(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        systems::submit_system(&s.app, &c.actor, &id)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn approve_system(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        systems::approve_system(&s.app, &c.actor, &id)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusInput {
    status: String,
}

async fn system_status(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(input): Json<StatusInput>,
) -> ApiResult {
    Ok(to_json(
        systems::set_system_status(&s.app, &c.actor, &id, &input.status)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn record_duty_change(
    State(s): State<AppState>,
    c: Caller,
    Path(org): Path<String>,
    Json(input): Json<DutyChangeInput>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let task = duty::record_duty_change(&s.app, &c.actor, &org, input)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, to_json(task)))
}

async fn list_tasks(State(s): State<AppState>, c: Caller, q: QueryResult<TaskQuery>) -> ApiResult {
    let q = query(&c, q)?;
    let items = duty::list_review_tasks(&s.app, &c.actor, q)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(json!({"items": items, "next_cursor": null})))
}

async fn close_task(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(input): Json<CloseTaskInput>,
) -> ApiResult {
    Ok(to_json(
        duty::close_review_task(&s.app, &c.actor, &id, input)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn list_rules(State(s): State<AppState>, c: Caller) -> ApiResult {
    let items = duty::list_deadline_rules(&s.app, &c.actor)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(json!({"items": items, "next_cursor": null})))
}

async fn set_rule(
    State(s): State<AppState>,
    c: Caller,
    Path(key): Path<String>,
    Json(input): Json<RuleInput>,
) -> ApiResult {
    Ok(to_json(
        duty::set_deadline_rule(&s.app, &c.actor, &key, input)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    org_id: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    format: Option<String>,
}

/// The responsibility list: JSON items, or the import template's CSV or XLSX as a download.
async fn responsibility_list(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<ListQuery>,
) -> Result<Response, Problem> {
    let q = query(&c, q)?;
    let org = q.org_id.as_deref().filter(|o| !o.is_empty());
    match q.format.as_deref().unwrap_or("json") {
        "json" => {
            let items = list::responsibility_list(&s.app, &c.actor, org)
                .await
                .map_err(|e| c.problem(e))?;
            Ok(axum::Json(json!({"items": items, "next_cursor": null})).into_response())
        }
        other => {
            let format = ExportFormat::parse(other)
                .ok_or_else(|| c.problem(ActionError::BadRequest("invalid_export_format")))?;
            let export = list::export_responsibility_list(&s.app, &c.actor, org, format)
                .await
                .map_err(|e| c.problem(e))?;
            Ok(crate::pages::catalog_list::download(export))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    /// `check` (default), `import_all` or `import_good`.
    mode: Option<String>,
    org_id: Option<String>,
    /// A name for the report (the file's own name); the content decides the format.
    filename: Option<String>,
}

/// A catalog file in the request body, as is (CSV in UTF-8, GBK or GB18030, or XLSX): the
/// report, 200; an `import_all` of a file with errors is 422 `import_has_errors` with the
/// report as `report`.
async fn import(
    State(s): State<AppState>,
    c: Caller,
    q: QueryResult<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let q = query(&c, q)?;
    let mode = ImportMode::parse(q.mode.as_deref().unwrap_or("check"))
        .ok_or_else(|| c.problem(ActionError::BadRequest("invalid_import_mode")))?;
    let org = q.org_id.as_deref().filter(|o| !o.is_empty());
    let report = list::import_catalog(&s.app, &c.actor, org, &body, q.filename.as_deref(), mode)
        .await
        .map_err(|e| c.problem(e))?;
    if let Some(code) = report.refused {
        // The problem document, with the report that says what to fix.
        let title = crate::problem::title(code, c.lang);
        let body = json!({
            "type": format!("https://pubdata.invalid/problems/{code}"),
            "title": title, "status": 422, "detail": title, "code": code,
            "request_id": c.request_id, "report": report,
        });
        let mut res = (StatusCode::UNPROCESSABLE_ENTITY, body.to_string()).into_response();
        res.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/problem+json"),
        );
        return Ok(res);
    }
    Ok(to_json(report).into_response())
}
