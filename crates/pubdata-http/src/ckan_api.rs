//! The CKAN-compatible Action API: `/api/3/action/{name}` and `/api/action/{name}` (the
//! path ckanapi uses), GET with query parameters or POST with a JSON or form body, in CKAN's
//! envelope `{"help", "success", "result"}` and with CKAN's error types and statuses, so that
//! CKAN clients (ckanapi's `RemoteCKAN`, ckanext-harvest) raise what they raise against CKAN.
//! `/api/3` and `/api` answer `{"version": 3}`. Adapters over `pubdata_app::opening::ckan`.
//!
//! Parameters are as loose as CKAN takes them: numbers and booleans as JSON or as text, lists
//! as JSON lists or JSON text (`facet.field=["tags"]`), unknown parameters ignored.

use crate::AppState;
use crate::extract::{RequestId, SiteUrl};
use crate::problem::{Lang, title};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pubdata_app::ActionError;
use pubdata_app::FieldError;
use pubdata_app::opening::ckan::{
    self, CkanRequest, DatastoreQ, DatastoreSearch, GroupList, PackageSearch,
};
use pubdata_app::{Actor, Channel};
use serde_json::{Map, Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/3/action/{name}", get(action).post(action))
        .route("/api/action/{name}", get(action).post(action))
        .route("/api/3", get(version))
        .route("/api/3/", get(version))
        .route("/api", get(version))
        .route("/api/", get(version))
}

async fn version() -> Response {
    let mut res = axum::Json(json!({"version": 3})).into_response();
    any_origin(&mut res);
    res
}

/// Open data is read from any web page, as CKAN's API is with `ckan.cors.origin_allow_all`:
/// no credentials ride along (a key is a header a page must set itself).
pub(crate) fn any_origin(res: &mut Response) {
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
}

/// The key a CKAN client sends: `Authorization: <key>` (CKAN's own form, without `Bearer`),
/// `Authorization: Bearer <key>`, `X-CKAN-API-Key` or `X-API-Key`.
fn api_key(headers: &HeaderMap) -> Option<String> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    text(header::AUTHORIZATION.as_str())
        .map(|a| {
            a.strip_prefix("Bearer ")
                .or_else(|| a.strip_prefix("bearer "))
                .unwrap_or(a)
                .trim()
        })
        .or_else(|| text("x-ckan-api-key"))
        .or_else(|| text("x-api-key"))
        .map(str::to_owned)
}

struct Call {
    help: String,
    lang: Lang,
}

impl Call {
    fn success<T: serde::Serialize>(&self, result: T) -> Response {
        // Written straight from the result (no JSON tree in between: a search page is large).
        #[derive(serde::Serialize)]
        struct Envelope<'a, T> {
            help: &'a str,
            success: bool,
            result: T,
        }
        let mut res = axum::Json(Envelope {
            help: &self.help,
            success: true,
            result,
        })
        .into_response();
        any_origin(&mut res);
        res
    }

    /// An error in CKAN's shape: `__type` and `message`, or for a validation error the
    /// field → messages map.
    fn error(&self, e: &ActionError) -> Response {
        let msg = |f: &FieldError| {
            if self.lang == Lang::En {
                f.message_en.clone()
            } else {
                f.message_zh.clone()
            }
        };
        let t = |code| title(code, self.lang);
        let (status, error) = match e {
            ActionError::NotFound(code) => (
                StatusCode::NOT_FOUND,
                json!({"__type": "Not Found Error", "message": format!("Not found: {}", t(code))}),
            ),
            ActionError::Unauthenticated(code) | ActionError::Forbidden(code) => (
                StatusCode::FORBIDDEN,
                json!({"__type": "Authorization Error", "message": format!("Access denied: {}", t(code))}),
            ),
            ActionError::Invalid { code, errors } if *code == "invalid_search_query" => (
                StatusCode::BAD_REQUEST,
                json!({
                    "__type": "Search Query Error",
                    "message": format!(
                        "Search Query is invalid: {}",
                        errors.iter().map(msg).collect::<Vec<_>>().join("; ")
                    ),
                }),
            ),
            ActionError::Invalid { code, errors } => {
                let mut map = Map::new();
                for f in errors {
                    let entry = map
                        .entry(f.field.clone())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(a) = entry {
                        a.push(msg(f).into());
                    }
                }
                if map.is_empty() {
                    map.insert((*code).to_owned(), json!([t(code)]));
                }
                map.insert("__type".into(), "Validation Error".into());
                (StatusCode::CONFLICT, Value::Object(map))
            }
            ActionError::BadRequest(code) | ActionError::Conflict(code) => (
                StatusCode::BAD_REQUEST,
                json!({"__type": "Bad request", "message": format!("Bad request - {}", t(code))}),
            ),
            ActionError::TooManyRequests { code, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                json!({"__type": "Too Many Requests", "message": t(code)}),
            ),
            ActionError::Unexpected(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"__type": "Internal Server Error", "message": t("internal_error")}),
            ),
        };
        let mut res = (
            status,
            axum::Json(json!({"help": self.help, "success": false, "error": error})),
        )
            .into_response();
        any_origin(&mut res);
        if let ActionError::TooManyRequests { retry_after, .. } = e
            && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

#[allow(clippy::too_many_arguments)]
async fn action(
    State(s): State<AppState>,
    Path(name): Path<String>,
    SiteUrl(site): SiteUrl,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    request_id: Option<axum::Extension<RequestId>>,
    body: Bytes,
) -> Response {
    let request_id = request_id.map_or_else(pubdata_app::new_request_id, |r| r.0.0);
    let call = Call {
        help: format!("{site}/api/3/action/help_show?name={name}"),
        lang: Lang::from_headers(&headers),
    };
    let anonymous = || Actor::anonymous(Channel::Api, request_id.clone());
    let key = api_key(&headers);
    let actor = match &key {
        Some(k) => {
            match pubdata_app::auth::tokens::authenticate_token(&s.app, k, &request_id).await {
                Ok(a) => a,
                Err(e) => return call.error(&e),
            }
        }
        None => anonymous(),
    };
    let target = format!("{method} /api/3/action/{name}");
    let params = match read_params(&method, &headers, query.as_deref(), &body) {
        Ok(p) => p,
        Err(e) => {
            let e = pubdata_app::action::record_rejected_request(&s.app, &actor, &target, e).await;
            return call.error(&e);
        }
    };
    let p = Params(&params);
    if name == "datastore_search" {
        let req = match datastore_request(&p) {
            Ok(r) => r,
            Err(e) => {
                let e =
                    pubdata_app::action::record_rejected_request(&s.app, &actor, &target, e).await;
                return call.error(&e);
            }
        };
        return match ckan::datastore_search(&s.app, &actor, key.as_deref(), req).await {
            Ok(r) => call.success(r),
            Err(e) => call.error(&e),
        };
    }
    let req = match request(&name, &p) {
        Ok(Some(r)) => r,
        Ok(None) => {
            pubdata_app::action::record_rejected_request(
                &s.app,
                &actor,
                &target,
                ActionError::BadRequest("unknown_ckan_action"),
            )
            .await;
            let body = json!({
                "help": call.help,
                "success": false,
                "error": {
                    "__type": "Bad request",
                    "message": format!("Bad request - Action name not known: {name}"),
                },
            });
            return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
        }
        Err(e) => {
            let e = pubdata_app::action::record_rejected_request(&s.app, &actor, &target, e).await;
            return call.error(&e);
        }
    };
    match ckan::ckan_action(&s.app, &actor, &site, req).await {
        Ok(r) => call.success(r),
        Err(e) => call.error(&e),
    }
}

/// The call's parameters: the query string for GET; the JSON object or form for POST (an
/// empty body is no parameters).
fn read_params(
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
) -> Result<Map<String, Value>, ActionError> {
    let pairs = |text: &[u8]| {
        let mut map = Map::new();
        for (k, v) in form_urlencoded::parse(text) {
            let v = Value::String(v.into_owned());
            match map.get_mut(k.as_ref()) {
                // A repeated parameter is a list, as CKAN reads it.
                Some(Value::Array(a)) => a.push(v),
                Some(prev) => *prev = Value::Array(vec![prev.clone(), v]),
                None => {
                    map.insert(k.into_owned(), v);
                }
            }
        }
        map
    };
    if method == Method::GET || body.iter().all(u8::is_ascii_whitespace) {
        return Ok(pairs(query.unwrap_or("").as_bytes()));
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("application/x-www-form-urlencoded") {
        return Ok(pairs(body));
    }
    // JSON, whatever the content type says (CKAN reads the body as JSON when it is not a form).
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(invalid(
            "__body",
            "请求体必须是 JSON 对象".into(),
            "the request body must be a JSON object".into(),
        )),
        Err(_) => Err(ActionError::BadRequest("malformed_json")),
    }
}

fn invalid(field: &str, zh: String, en: String) -> ActionError {
    ActionError::invalid(
        "invalid_ckan_parameter",
        FieldError::new(field, "invalid_ckan_parameter", zh, en),
    )
}

/// Typed reads of loose CKAN parameters, with CKAN's messages.
struct Params<'a>(&'a Map<String, Value>);

impl Params<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    fn text(&self, name: &str) -> Result<Option<String>, ActionError> {
        Ok(match self.get(name) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            Some(_) => {
                return Err(invalid(name, "应为文本".into(), "Must be a string".into()));
            }
        })
    }

    fn id(&self) -> Result<String, ActionError> {
        match self.text("id")?.map(|s| s.trim().to_owned()) {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(invalid("id", "缺少值".into(), "Missing value".into())),
        }
    }

    /// A natural number (0 or more), at most `max` (larger is cut to it, as CKAN does).
    fn natural(&self, name: &str, max: Option<usize>) -> Result<Option<usize>, ActionError> {
        let n = match self.get(name) {
            None => return Ok(None),
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(_) => None,
        };
        match n {
            None => Err(invalid(name, "应为整数".into(), "Invalid integer".into())),
            Some(n) if n < 0 => Err(invalid(
                name,
                "应为非负整数".into(),
                "Must be a natural number".into(),
            )),
            Some(n) => Ok(Some(max.map_or(n as usize, |m| (n as usize).min(m)))),
        }
    }

    fn int(&self, name: &str) -> Result<Option<i64>, ActionError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| invalid(name, "应为整数".into(), "Invalid integer".into())),
            Some(_) => Err(invalid(name, "应为整数".into(), "Invalid integer".into())),
        }
    }

    fn boolean(&self, name: &str, default: bool) -> Result<bool, ActionError> {
        match self.get(name) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" | "t" | "y" => Ok(true),
                "false" | "0" | "no" | "off" | "f" | "n" | "" => Ok(false),
                _ => Err(invalid(name, "应为布尔值".into(), "Not a boolean".into())),
            },
            Some(Value::Number(n)) => Ok(n.as_i64() != Some(0)),
            Some(_) => Err(invalid(name, "应为布尔值".into(), "Not a boolean".into())),
        }
    }

    /// A list: a JSON list, a JSON list written as text, a repeated parameter, or (with
    /// `split`) comma-separated text.
    fn list(&self, name: &str, split: bool) -> Result<Option<Vec<String>>, ActionError> {
        let item = |v: &Value| match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(invalid(
                name,
                "列表中应为文本".into(),
                "Must be a list of strings".into(),
            )),
        };
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(a)) => {
                let mut out = Vec::new();
                for v in a {
                    // A repeated parameter may itself carry JSON lists.
                    match v {
                        Value::String(s) if s.trim_start().starts_with('[') => {
                            out.extend(json_list(name, s)?);
                        }
                        _ => out.push(item(v)?),
                    }
                }
                Ok(Some(out))
            }
            Some(Value::String(s)) if s.trim_start().starts_with('[') => {
                json_list(name, s).map(Some)
            }
            Some(Value::String(s)) if split => Ok(Some(
                s.split(',')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect(),
            )),
            Some(v) => Ok(Some(vec![item(v)?])),
        }
    }

    /// An object: JSON, or JSON written as text.
    fn object(&self, name: &str) -> Result<Option<Map<String, Value>>, ActionError> {
        let bad = || {
            invalid(
                name,
                "应为 JSON 对象".into(),
                "Must be a JSON object".into(),
            )
        };
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m.clone())),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(m)) => Ok(Some(m)),
                _ => Err(bad()),
            },
            Some(_) => Err(bad()),
        }
    }
}

fn json_list(name: &str, s: &str) -> Result<Vec<String>, ActionError> {
    match serde_json::from_str::<Vec<Value>>(s) {
        Ok(vs) => vs
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(()),
            })
            .collect::<Result<_, _>>()
            .map_err(|_| {
                invalid(
                    name,
                    "列表中应为文本".into(),
                    "Must be a list of strings".into(),
                )
            }),
        Err(_) => Err(invalid(
            name,
            "不是有效的 JSON 列表".into(),
            "Not a valid JSON list".into(),
        )),
    }
}

fn group_list(p: &Params) -> Result<GroupList, ActionError> {
    Ok(GroupList {
        all_fields: p.boolean("all_fields", false)?,
        sort: p.text("sort")?,
        limit: p.natural("limit", None)?,
        offset: p.natural("offset", None)?.unwrap_or(0),
    })
}

/// The request an action name and its parameters make; None for an unknown action.
fn request(name: &str, p: &Params) -> Result<Option<CkanRequest>, ActionError> {
    Ok(Some(match name {
        "package_search" => {
            let mut fq = Vec::new();
            if let Some(f) = p.text("fq")? {
                fq.push(f);
            }
            if let Some(list) = p.list("fq_list", false)? {
                fq.extend(list);
            }
            let d = PackageSearch::default();
            CkanRequest::PackageSearch(PackageSearch {
                q: p.text("q")?.unwrap_or_default(),
                fq,
                rows: p.natural("rows", Some(ckan::ROWS_MAX))?.unwrap_or(d.rows),
                start: p.natural("start", None)?.unwrap_or(0),
                sort: p.text("sort")?,
                facet: p.boolean("facet", true)?,
                facet_fields: p.list("facet.field", false)?.unwrap_or_default(),
                facet_limit: p.int("facet.limit")?.unwrap_or(d.facet_limit),
                facet_mincount: p
                    .natural("facet.mincount", None)?
                    .unwrap_or(d.facet_mincount),
            })
        }
        "package_show" => CkanRequest::PackageShow { id: p.id()? },
        "package_list" => CkanRequest::PackageList {
            limit: p.natural("limit", None)?,
            offset: p.natural("offset", None)?.unwrap_or(0),
        },
        "organization_list" => CkanRequest::OrganizationList(group_list(p)?),
        "group_list" => CkanRequest::GroupList(group_list(p)?),
        "organization_show" => CkanRequest::OrganizationShow {
            id: p.id()?,
            include_datasets: p.boolean("include_datasets", false)?,
        },
        "group_show" => CkanRequest::GroupShow {
            id: p.id()?,
            include_datasets: p.boolean("include_datasets", false)?,
        },
        "tag_list" => CkanRequest::TagList {
            query: p.text("query")?.filter(|q| !q.trim().is_empty()),
            all_fields: p.boolean("all_fields", false)?,
        },
        "license_list" => CkanRequest::LicenseList,
        "resource_show" => CkanRequest::ResourceShow { id: p.id()? },
        "status_show" => CkanRequest::StatusShow,
        "site_read" => CkanRequest::SiteRead,
        "help_show" => CkanRequest::HelpShow {
            name: p
                .text("name")?
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| invalid("name", "缺少值".into(), "Missing value".into()))?,
        },
        _ => return Ok(None),
    }))
}

fn datastore_request(p: &Params) -> Result<DatastoreSearch, ActionError> {
    let d = DatastoreSearch::default();
    let resource_id = p
        .text("resource_id")?
        .or(p.text("id")?)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("resource_id", "缺少值".into(), "Missing value".into()))?;
    let mut filters = Vec::new();
    for (k, v) in p.object("filters")?.unwrap_or_default() {
        let values = match v {
            Value::Array(a) => a
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => s,
                    v => v.to_string(),
                })
                .collect(),
            Value::String(s) => vec![s],
            v => vec![v.to_string()],
        };
        filters.push((k, values));
    }
    let q = match p.get("q") {
        None => None,
        Some(Value::Object(m)) => Some(DatastoreQ::Fields(
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .collect(),
        )),
        Some(_) => match p.object("q") {
            Ok(Some(m)) => Some(DatastoreQ::Fields(
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                        )
                    })
                    .collect(),
            )),
            _ => p
                .text("q")?
                .filter(|t| !t.trim().is_empty())
                .map(DatastoreQ::All),
        },
    };
    Ok(DatastoreSearch {
        resource_id,
        filters,
        q,
        fields: p.list("fields", true)?,
        sort: p.text("sort")?,
        limit: p
            .natural("limit", Some(ckan::DATASTORE_ROWS_MAX))?
            .unwrap_or(d.limit),
        offset: p.natural("offset", None)?.unwrap_or(0),
        include_total: p.boolean("include_total", true)?,
        records_format: p
            .text("records_format")?
            .unwrap_or_else(|| d.records_format.clone()),
    })
}
