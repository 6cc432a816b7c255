//! Black-box tests over HTTP: the app is spawned on port 0 with a fresh SQLite data
//! directory and the demo city, and driven as another unit's system would drive it.

use pubdata_app::{Actor, App, Config};
use reqwest::StatusCode;
use serde_json::{Value, json};

mod browser;

struct Server {
    base: String,
    client: reqwest::Client,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn spawn() -> Server {
    spawn_with(pubdata_http::HttpConfig::default()).await
}

async fn spawn_with(http: pubdata_http::HttpConfig) -> Server {
    let dir = std::env::temp_dir().join(format!("pubdata-http-{}", pubdata_app::new_request_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let app = App::open(Config::sqlite_in(&dir)).await.unwrap();
    pubdata_app::demo::load_demo(&app, &Actor::system("test"))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(pubdata_http::serve(app, http, listener));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Server { base, client, dir }
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A write-scoped token for a demo user, made through the API as that user would.
    async fn token(&self, username: &str, scope: &str) -> String {
        let dir = &self.dir;
        let app = App::open(Config::sqlite_in(dir)).await.unwrap();
        let t = pubdata_app::auth::tokens::create_token_for_user(
            &app,
            &Actor::operator("test"),
            username,
            pubdata_app::auth::tokens::NewToken {
                name: "test".into(),
                scope: scope.into(),
                expires_in: "1d".into(),
            },
        )
        .await
        .unwrap();
        t.token
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            assert_eq!(
                ct.as_deref(),
                Some("application/problem+json"),
                "{path}: {v}"
            );
        }
        (status, v)
    }
}

fn new_org(name: &str, uscc: &str) -> Value {
    json!({"name": name, "kind": "public_service", "sector": "gas", "uscc": uscc, "accountable_head": "张燃"})
}

#[tokio::test]
async fn health_and_openapi_answer_and_every_route_is_documented() {
    let s = spawn().await;
    assert_eq!(
        s.client
            .get(s.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let doc: Value = s
        .client
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let source = include_str!("../src/api.rs");
    // Every `.route(` call, however rustfmt wrapped it: the first string after it is the path.
    let routed: Vec<&str> = source
        .split(".route(")
        .skip(1)
        .map(|rest| rest.split('"').nth(1).unwrap())
        .collect();
    assert!(routed.len() >= 16, "found only {routed:?}");
    for path in routed {
        assert!(
            paths.contains_key(path),
            "{path} is routed but not in the OpenAPI document"
        );
    }
    assert!(paths.contains_key("/healthz"));
}

#[tokio::test]
async fn a_new_admin_creates_a_unit_and_a_steward_who_then_calls_the_api_with_a_token() {
    let s = spawn().await;
    let admin = s.token("admin", "write").await;
    let (st, me) = s.get("/api/v1/me", &admin).await;
    assert_eq!(st, 200);
    assert_eq!(me["username"], "admin");
    assert_eq!(me["roles"], json!(["platform_admin"]));

    let (st, org) = s
        .post(
            "/api/v1/orgs",
            &admin,
            new_org("澜江燃气有限公司", "91110000600037341L"),
        )
        .await;
    assert_eq!(st, 201, "{org}");
    let org_id = org["id"].as_str().unwrap().to_owned();
    assert_eq!(org["uscc"], "91110000600037341L");

    let (st, user) = s
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "gas_steward", "display_name": "燃气专管员", "org_id": org_id, "roles": ["steward"], "password": "Gas-steward-1"}),
        )
        .await;
    assert_eq!(st, 201, "{user}");
    assert_eq!(user["org_id"], org_id.as_str());

    let steward = s.token("gas_steward", "write").await;
    let (st, me) = s.get("/api/v1/me", &steward).await;
    assert_eq!(
        (st, me["org_id"].as_str()),
        (StatusCode::OK, Some(org_id.as_str()))
    );
    // The steward's own token, made through the API, shown once and listed without its value.
    let (st, created) = s
        .post(
            "/api/v1/tokens",
            &steward,
            json!({"name": "交换系统", "scope": "read", "expires_in": "30d"}),
        )
        .await;
    assert_eq!(st, 201, "{created}");
    let raw = created["token"].as_str().unwrap();
    let (st, list) = s.get("/api/v1/tokens", &steward).await;
    assert_eq!(st, 200);
    assert!(
        !list.to_string().contains(raw),
        "the raw token must never be listed"
    );
    let (st, page) = s.get(&format!("/api/v1/users?org_id={org_id}"), raw).await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(page["items"][0]["username"], "gas_steward");
}

#[tokio::test]
async fn a_broken_credit_code_is_refused_with_a_code_that_names_the_problem_and_nothing_is_created()
{
    let s = spawn().await;
    let admin = s.token("admin", "write").await;
    let (_, before) = s.get("/api/v1/orgs?limit=1000", &admin).await;
    let (st, p) = s
        .post(
            "/api/v1/orgs",
            &admin,
            new_org("坏代码公司", "91110000600037341N"),
        )
        .await;
    assert_eq!(st, 422);
    assert_eq!(p["code"], "invalid_uscc");
    assert_eq!(p["errors"][0]["field"], "uscc");
    assert_eq!(p["errors"][0]["code"], "uscc_check");
    let (_, after) = s.get("/api/v1/orgs?limit=1000", &admin).await;
    assert_eq!(
        before["items"].as_array().unwrap().len(),
        after["items"].as_array().unwrap().len()
    );
}

#[tokio::test]
async fn bad_requests_get_typed_problems_in_the_callers_language() {
    let s = spawn_with(pubdata_http::HttpConfig {
        body_limit: 4096,
        ..Default::default()
    })
    .await;
    let admin = s.token("admin", "write").await;
    let send = |body: String, lang: &'static str| {
        s.client
            .post(s.url("/api/v1/orgs"))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .header("accept-language", lang)
            .body(body)
            .send()
    };
    let r = send("{\"name\":".into(), "zh-CN").await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "malformed_json");
    let mut unknown = new_org("某公司", "91110000600037341L");
    unknown["colour"] = json!("red");
    let r = send(unknown.to_string(), "en").await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "invalid_json_fields"
    );
    let r = send(format!("{{\"name\":\"{}\"}}", "x".repeat(10_000)), "en")
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let p: Value = r.json().await.unwrap();
    assert_eq!(
        (p["code"].as_str(), p["title"].as_str()),
        (
            Some("body_too_large"),
            Some("The request body is too large")
        )
    );
    // Each refusal is in the audit entries, under the caller who sent it.
    let app = App::open(Config::sqlite_in(&s.dir)).await.unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let filter = pubdata_store::audit::AuditFilter {
        action: Some("reject_request".into()),
        ..Default::default()
    };
    let rejected = pubdata_store::audit::list(&mut tx, &filter, None, 100)
        .await
        .unwrap();
    let reasons: Vec<_> = rejected
        .iter()
        .map(|(_, e)| e.decision.reason().unwrap().to_owned())
        .collect();
    assert_eq!(
        reasons,
        ["body_too_large", "invalid_json_fields", "malformed_json"]
    );
    assert!(
        rejected
            .iter()
            .all(|(_, e)| e.actor_username.as_deref() == Some("admin"))
    );
    tx.rollback().await.unwrap();
    let r = s
        .client
        .get(s.url("/api/v1/orgs?limit=lots"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .client
        .get(s.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn forbidden_unknown_revoked_and_read_only_callers_are_refused() {
    let s = spawn().await;
    let member = s.token("water_member", "write").await;
    let (st, p) = s
        .post(
            "/api/v1/orgs",
            &member,
            new_org("越权公司", "91110000600037341L"),
        )
        .await;
    assert_eq!(
        (st, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("role_required"))
    );

    let ro = s.token("admin", "read").await;
    let (st, p) = s
        .post(
            "/api/v1/orgs",
            &ro,
            new_org("只读公司", "91110000600037341L"),
        )
        .await;
    assert_eq!(
        (st, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("read_only_token"))
    );

    let (st, p) = s.get("/api/v1/me", "pd_not-a-token").await;
    assert_eq!(
        (st, p["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token_invalid"))
    );

    let admin = s.token("admin", "write").await;
    let (_, list) = s.get("/api/v1/tokens", &admin).await;
    let id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["scope"] == "write")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, t) = s
        .post(&format!("/api/v1/tokens/{id}/revoke"), &admin, json!({}))
        .await;
    assert_eq!(
        (st, t["status"].as_str()),
        (StatusCode::OK, Some("revoked"))
    );
    let (st, p) = s.get("/api/v1/me", &admin).await;
    assert_eq!(
        (st, p["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token_revoked"))
    );
}

#[tokio::test]
async fn working_days_are_counted_on_the_official_calendar() {
    let s = spawn().await;
    for (from, days, due) in [
        ("2026-09-29", "5", "2026-10-12"),
        ("2026-02-13", "1", "2026-02-14"),
        ("2026-12-31", "1", "2027-01-01"),
    ] {
        let r = s
            .client
            .get(s.url(&format!(
                "/api/v1/calendar/add-working-days?from={from}&days={days}"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"date": due}),
            "{from} + {days}"
        );
    }
    let r = s
        .client
        .get(s.url("/api/v1/calendar/add-working-days?from=2026-02-30&days=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn the_home_page_in_a_real_browser_is_chinese_after_sign_in() {
    let required = std::env::var("PUBDATA_TEST_BROWSER").as_deref() == Ok("required");
    if !browser::browser_available() {
        assert!(
            !required,
            "PUBDATA_TEST_BROWSER=required but chromium/chromedriver are missing"
        );
        eprintln!("skipping: chromium and chromedriver are not installed (.ci/run installs them)");
        return;
    }
    let s = spawn().await;
    let shot = std::env::temp_dir().join("pubdata-home.png");
    browser::signs_in_and_sees_the_chinese_home_page(
        &s.base,
        "admin",
        pubdata_app::demo::DEMO_PASSWORD,
        &shot,
    )
    .await;
}
