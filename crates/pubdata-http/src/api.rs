//! `/api/v1`: JSON adapters over the actions. Each handler parses the request, calls one
//! action, and shapes the answer; no rule lives here.

use crate::AppState;
use crate::extract::{Caller, Json};
use crate::problem::Problem;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use pubdata_app::ActionError;
use pubdata_app::auth::tokens::{self, NewToken};
use pubdata_app::calendar;
use pubdata_app::platform::orgs::{self, OrgInput};
use pubdata_app::platform::users::{self, NewUser, Registration, UserChanges};
use serde::Deserialize;
use serde_json::{Value, json};

type ApiResult<T = axum::Json<Value>> = Result<T, Problem>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/orgs", get(list_orgs).post(create_org))
        .route("/api/v1/orgs/{id}", get(get_org).put(update_org))
        .route("/api/v1/orgs/{id}/disable", post(disable_org))
        .route("/api/v1/orgs/{id}/enable", post(enable_org))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/users/{id}", get(get_user).patch(update_user))
        .route("/api/v1/users/{id}/disable", post(disable_user))
        .route("/api/v1/users/{id}/enable", post(enable_user))
        .route("/api/v1/register", post(register))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}/revoke", post(revoke_token))
        .route("/api/v1/calendar/add-working-days", get(add_working_days))
        .route("/api/v1/calendar/days", get(list_calendar_days))
        .route(
            "/api/v1/calendar/days/{date}",
            put(set_calendar_day).delete(delete_calendar_day),
        )
        .route(
            "/api/v1/openapi.json",
            get(|| async { axum::Json(crate::openapi::document()) }),
        )
}

fn to_json<T: serde::Serialize>(v: T) -> axum::Json<Value> {
    axum::Json(serde_json::to_value(v).expect("action results serialize"))
}

/// Query parameters of a list; unknown ones are refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    cursor: Option<String>,
    limit: Option<i64>,
    org_id: Option<String>,
    include_disabled: Option<bool>,
}

pub(crate) fn query<T>(
    c: &Caller,
    q: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<T> {
    q.map(|Query(v)| v).map_err(|e| Problem {
        error: ActionError::BadRequest("bad_query"),
        lang: c.lang,
        request_id: c.request_id.clone(),
        detail: Some(e.body_text()),
    })
}

async fn me(c: Caller) -> ApiResult {
    let Some(u) = c.actor.user_ref() else {
        return Err(c.problem(ActionError::Unauthenticated("not_signed_in")));
    };
    Ok(axum::Json(
        json!({"id": u.user_id, "username": u.username, "org_id": u.org_id, "roles": u.roles}),
    ))
}

async fn list_orgs(
    State(s): State<AppState>,
    c: Caller,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let q = query(&c, q)?;
    let page = orgs::list_orgs(
        &s.app,
        &c.actor,
        q.cursor.as_deref(),
        q.limit,
        q.include_disabled.unwrap_or(false),
    )
    .await
    .map_err(|e| c.problem(e))?;
    Ok(to_json(page))
}

async fn create_org(
    State(s): State<AppState>,
    c: Caller,
    Json(input): Json<OrgInput>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let org = orgs::create_org(&s.app, &c.actor, input)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, (to_json(org))))
}

async fn get_org(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        orgs::get_org(&s.app, &c.actor, &id)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn update_org(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(input): Json<OrgInput>,
) -> ApiResult {
    Ok(to_json(
        orgs::update_org(&s.app, &c.actor, &id, input)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn disable_org(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        orgs::set_org_disabled(&s.app, &c.actor, &id, true)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn enable_org(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        orgs::set_org_disabled(&s.app, &c.actor, &id, false)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn list_users(
    State(s): State<AppState>,
    c: Caller,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let q = query(&c, q)?;
    let page = users::list_users(
        &s.app,
        &c.actor,
        q.org_id.as_deref(),
        q.cursor.as_deref(),
        q.limit,
    )
    .await
    .map_err(|e| c.problem(e))?;
    Ok(to_json(page))
}

async fn create_user(
    State(s): State<AppState>,
    c: Caller,
    Json(input): Json<NewUser>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let u = users::create_user(&s.app, &c.actor, input)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, (to_json(u))))
}

async fn get_user(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        users::get_user(&s.app, &c.actor, &id)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn update_user(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Json(input): Json<UserChanges>,
) -> ApiResult {
    Ok(to_json(
        users::update_user(&s.app, &c.actor, &id, input)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn disable_user(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        users::set_user_disabled(&s.app, &c.actor, &id, true)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn enable_user(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        users::set_user_disabled(&s.app, &c.actor, &id, false)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

async fn register(
    State(s): State<AppState>,
    c: Caller,
    Json(input): Json<Registration>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let u = users::register_user(&s.app, &c.actor, input)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, (to_json(u))))
}

async fn list_tokens(State(s): State<AppState>, c: Caller) -> ApiResult {
    let items = tokens::list_tokens(&s.app, &c.actor)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(json!({"items": items, "next_cursor": null})))
}

async fn create_token(
    State(s): State<AppState>,
    c: Caller,
    Json(input): Json<NewToken>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let t = tokens::create_token(&s.app, &c.actor, input)
        .await
        .map_err(|e| c.problem(e))?;
    Ok((StatusCode::CREATED, (to_json(t))))
}

async fn revoke_token(State(s): State<AppState>, c: Caller, Path(id): Path<String>) -> ApiResult {
    Ok(to_json(
        tokens::revoke_token(&s.app, &c.actor, &id)
            .await
            .map_err(|e| c.problem(e))?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddDays {
    from: String,
    days: String,
}

async fn add_working_days(
    State(s): State<AppState>,
    c: Caller,
    q: Result<Query<AddDays>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let q = query(&c, q)?;
    let date = calendar::add_working_days(&s.app, &q.from, &q.days)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(json!({"date": date.to_string()})))
}

async fn list_calendar_days(State(s): State<AppState>, c: Caller) -> ApiResult {
    let days = calendar::list_calendar_days(&s.app, &c.actor)
        .await
        .map_err(|e| c.problem(e))?;
    let items: Vec<Value> = days
        .iter()
        .map(|d| json!({"date": d.date.to_string(), "kind": d.kind.as_str(), "name": d.name}))
        .collect();
    Ok(axum::Json(json!({"items": items, "next_cursor": null})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DayInput {
    kind: String,
    name: String,
}

async fn set_calendar_day(
    State(s): State<AppState>,
    c: Caller,
    Path(date): Path<String>,
    Json(d): Json<DayInput>,
) -> ApiResult {
    let day = calendar::set_calendar_day(&s.app, &c.actor, &date, &d.kind, &d.name)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(axum::Json(
        json!({"date": day.date.to_string(), "kind": day.kind.as_str(), "name": day.name}),
    ))
}

async fn delete_calendar_day(
    State(s): State<AppState>,
    c: Caller,
    Path(date): Path<String>,
) -> ApiResult<StatusCode> {
    calendar::delete_calendar_day(&s.app, &c.actor, &date)
        .await
        .map_err(|e| c.problem(e))?;
    Ok(StatusCode::NO_CONTENT)
}
