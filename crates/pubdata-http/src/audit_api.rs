//! `/api/v1/audit`: the tamper-evident log over HTTP. Checkpoints, keys and proofs are public
//! (they reveal only hashes); entries are for auditors and the authority. Hashes are base64.

use crate::AppState;
use crate::api::query;
use crate::extract::Caller;
use crate::problem::Problem;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use pubdata_app::audit::{self, CheckpointRow, entries::AuditQuery};
use pubdata_app::{ActionError, App};
use pubdata_core::audit::CanonicalEntry;
use pubdata_core::merkle::Hash;
use serde::Deserialize;
use serde_json::{Value, json};

type ApiResult<T = axum::Json<Value>> = Result<T, Problem>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/audit/checkpoint",
            get(checkpoint).post(create_checkpoint),
        )
        .route("/api/v1/audit/public-key", get(public_key))
        .route("/api/v1/audit/keys/rotate", post(rotate_key))
        .route("/api/v1/audit/proof/inclusion", get(inclusion))
        .route("/api/v1/audit/proof/consistency", get(consistency))
        .route("/api/v1/audit/entries", get(entries))
        .route("/api/v1/audit/entries/{index}", get(entry))
        .route("/api/v1/audit/search", get(search))
}

fn b64(h: &Hash) -> String {
    B64.encode(h)
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn checkpoint_json(c: &CheckpointRow, origin: &str) -> Value {
    json!({
        "origin": origin,
        "tree_size": c.tree_size,
        "root_hash": b64(&c.root_hash),
        "timestamp": rfc3339(c.created_at),
        "note": c.note,
    })
}

fn plain_text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// `?format=json`, or the default text form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatQuery {
    format: Option<String>,
}

fn wants_json(c: &Caller, q: Result<Query<FormatQuery>, QueryRejection>) -> ApiResult<bool> {
    match query(c, q)?.format.as_deref() {
        None | Some("text") => Ok(false),
        Some("json") => Ok(true),
        Some(_) => Err(c.problem(ActionError::BadRequest("bad_format"))),
    }
}

fn origin(app: &App) -> String {
    app.signer().origin.clone()
}

async fn checkpoint(
    State(s): State<AppState>,
    c: Caller,
    q: Result<Query<FormatQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let json = wants_json(&c, q)?;
    let cp = audit::latest_checkpoint(&s.app)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(if json {
        axum::Json(checkpoint_json(&cp, &origin(&s.app))).into_response()
    } else {
        plain_text(cp.note)
    })
}

async fn create_checkpoint(
    State(s): State<AppState>,
    c: Caller,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let cp = audit::create_checkpoint(&s.app, &c.actor)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(checkpoint_json(&cp, &origin(&s.app))),
    ))
}

async fn public_key(
    State(s): State<AppState>,
    c: Caller,
    q: Result<Query<FormatQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let json = wants_json(&c, q)?;
    let keys = audit::public_keys(&s.app).await.map_err(|e| c.problem(e))?;
    Ok(if json {
        let list: Vec<Value> = keys
            .keys
            .iter()
            .map(|k| {
                json!({"key": k.verifier, "created_at": rfc3339(k.created_at),
                       "retired_at": k.retired_at.map(rfc3339)})
            })
            .collect();
        axum::Json(json!({
            "origin": keys.origin,
            "algorithm": "ed25519",
            "key": keys.current,
            "keys": list,
        }))
        .into_response()
    } else {
        plain_text(format!("{}\n", keys.current))
    })
}

async fn rotate_key(State(s): State<AppState>, c: Caller) -> ApiResult {
    let key = audit::rotate_audit_key(&s.app, &c.actor)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(json!({"key": key.encode()})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InclusionQuery {
    index: u64,
    tree_size: Option<u64>,
}

async fn inclusion(
    State(s): State<AppState>,
    c: Caller,
    q: Result<Query<InclusionQuery>, QueryRejection>,
) -> ApiResult {
    let q = query(&c, q)?;
    let p = audit::inclusion_proof(&s.app, q.index, q.tree_size)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(json!({
        "leaf_index": p.leaf_index,
        "tree_size": p.tree_size,
        "leaf_hash": b64(&p.leaf_hash),
        "audit_path": p.audit_path.iter().map(b64).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyQuery {
    first: u64,
    second: u64,
}

async fn consistency(
    State(s): State<AppState>,
    c: Caller,
    q: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> ApiResult {
    let q = query(&c, q)?;
    let p = audit::consistency_proof(&s.app, q.first, q.second)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(json!({
        "first": p.first,
        "second": p.second,
        "consistency_path": p.consistency_path.iter().map(b64).collect::<Vec<_>>(),
    })))
}

fn entry_json(e: &CanonicalEntry, bytes: &[u8]) -> Value {
    json!({"index": e.index, "entry": e, "bytes": B64.encode(bytes)})
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeQuery {
    start: u64,
    end: Option<u64>,
}

async fn entries(
    State(s): State<AppState>,
    c: Caller,
    q: Result<Query<RangeQuery>, QueryRejection>,
) -> ApiResult {
    let q = query(&c, q)?;
    let range = audit::list_audit_entries(&s.app, &c.actor, q.start, q.end)
        .await
        .map_err(|e| c.problem(e))?;
    let items: Vec<Value> = range
        .items
        .iter()
        .map(|l| entry_json(&l.entry, &l.bytes))
        .collect();
    Ok(axum::Json(json!({
        "items": items,
        "next_cursor": range.next_start.map(|n| n.to_string()),
    })))
}

async fn entry(State(s): State<AppState>, c: Caller, Path(index): Path<String>) -> ApiResult {
    let index: u64 = index
        .parse()
        .map_err(|_| c.problem(ActionError::NotFound("audit_entry_not_found")))?;
    let d = audit::get_audit_entry(&s.app, &c.actor, index)
        .await
        .map_err(|e| c.problem(e))?;
    let mut v = entry_json(&d.logged.entry, &d.logged.bytes);
    v["leaf_hash"] = json!(b64(&d.leaf_hash));
    v["stored_leaf_hash"] = json!(d.stored_leaf_hash.as_ref().map(b64));
    v["checkpoint"] = checkpoint_json(&d.checkpoint, &origin(&s.app));
    v["audit_path"] = json!(d.audit_path.iter().map(b64).collect::<Vec<_>>());
    v["verified"] = json!(d.verified);
    Ok(axum::Json(v))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    actor: Option<String>,
    org_id: Option<String>,
    action: Option<String>,
    target: Option<String>,
    decision: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

async fn search(
    State(s): State<AppState>,
    c: Caller,
    q: Result<Query<SearchQuery>, QueryRejection>,
) -> ApiResult {
    let q = query(&c, q)?;
    let aq = AuditQuery {
        actor: q.actor,
        org_id: q.org_id,
        action: q.action,
        target: q.target,
        decision: q.decision,
        from: q.from,
        to: q.to,
    };
    let page = audit::search_audit_entries(&s.app, &c.actor, &aq, q.cursor.as_deref(), q.limit)
        .await
        .map_err(|e| c.problem(e))?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|e| json!({"index": e.index, "entry": e}))
        .collect();
    Ok(axum::Json(
        json!({"items": items, "next_cursor": page.next_cursor}),
    ))
}
