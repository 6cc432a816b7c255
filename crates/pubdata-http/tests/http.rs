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
    spawn_configured(http, |_| {}).await
}

async fn spawn_configured(
    http: pubdata_http::HttpConfig,
    configure: impl FnOnce(&mut Config),
) -> Server {
    let dir = std::env::temp_dir().join(format!("pubdata-http-{}", pubdata_app::new_request_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = Config::sqlite_in(&dir);
    configure(&mut config);
    let app = App::open(config).await.unwrap();
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

// ---------------------------------------------------------------------------------------
// The audit log, checked from outside with the public API alone
// ---------------------------------------------------------------------------------------

impl Server {
    /// A public GET: no credentials at all. Answers the body as text.
    async fn get_public(&self, path: &str) -> (StatusCode, String) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        let status = r.status();
        (status, r.text().await.unwrap())
    }
}

fn b64_hash(v: &Value) -> pubdata_core::merkle::Hash {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().expect("a base64 string"))
        .unwrap()
        .try_into()
        .expect("32 bytes")
}

fn b64_hashes(v: &Value) -> Vec<pubdata_core::merkle::Hash> {
    v.as_array().expect("a list").iter().map(b64_hash).collect()
}

#[tokio::test]
async fn an_outsider_proves_with_the_public_api_that_the_log_only_grew_and_holds_an_action() {
    use pubdata_core::merkle;
    use pubdata_core::note::{self, VerifierKey};
    let s = spawn().await;
    let admin = s.token("admin", "write").await;
    let auditor = s.token("auditor", "read").await;

    // 1. The outsider keeps the key and a first checkpoint.
    let (status, key) = s.get_public("/api/v1/audit/public-key").await;
    assert_eq!(status, 200);
    let key = VerifierKey::parse(key.trim()).expect("a signed-note verifier key");
    let (status, old_note) = s.get_public("/api/v1/audit/checkpoint").await;
    assert_eq!(status, 200);
    let old =
        note::open_checkpoint(&old_note, std::slice::from_ref(&key)).expect("signed by the key");

    // 2. Someone acts on the platform; an administrator asks for a checkpoint.
    let (status, org) = s
        .post(
            "/api/v1/orgs",
            &admin,
            new_org("澜江燃气有限公司", "91110000600037341L"),
        )
        .await;
    assert_eq!(status, 201, "{org}");
    let org_id = org["id"].as_str().unwrap().to_owned();
    let (status, cp) = s.post("/api/v1/audit/checkpoint", &admin, json!({})).await;
    assert_eq!(status, 201, "{cp}");
    let (_, new_note) = s.get_public("/api/v1/audit/checkpoint").await;
    let new = note::open_checkpoint(&new_note, std::slice::from_ref(&key)).unwrap();
    assert!(new.size > old.size);
    let (_, json_cp) = s.get_public("/api/v1/audit/checkpoint?format=json").await;
    let json_cp: Value = serde_json::from_str(&json_cp).unwrap();
    assert_eq!(json_cp["tree_size"], json!(new.size));
    assert_eq!(json_cp["note"], json!(new_note));
    assert_eq!(b64_hash(&json_cp["root_hash"]), new.root);
    assert_eq!(json_cp["origin"], json!(new.origin));

    // 3. The old tree is a prefix of the new one.
    let (status, proof) = s
        .get_public(&format!(
            "/api/v1/audit/proof/consistency?first={}&second={}",
            old.size, new.size
        ))
        .await;
    assert_eq!(status, 200, "{proof}");
    let proof: Value = serde_json::from_str(&proof).unwrap();
    merkle::verify_consistency(
        old.size,
        new.size,
        &old.root,
        &new.root,
        &b64_hashes(&proof["consistency_path"]),
    )
    .expect("the log only grew");

    // 4. The unit's creation is in it: the auditor finds the entry, the outsider hashes its
    //    bytes and checks the inclusion proof against the signed root.
    let (status, found) = s
        .get(
            &format!("/api/v1/audit/search?action=create_org&target=org/{org_id}"),
            &auditor,
        )
        .await;
    assert_eq!(status, 200, "{found}");
    let index = found["items"][0]["index"].as_u64().expect("the entry");
    let (status, range) = s
        .get(
            &format!("/api/v1/audit/entries?start={index}&end={}", index + 1),
            &auditor,
        )
        .await;
    assert_eq!(status, 200, "{range}");
    let item = &range["items"][0];
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(item["bytes"].as_str().unwrap())
        .unwrap();
    let fields: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        fields, item["entry"],
        "the fields shown are the bytes hashed"
    );
    assert_eq!(fields["action"], "create_org");
    assert_eq!(fields["actor_username"], "admin");
    assert_eq!(fields["index"], json!(index));
    let (status, incl) = s
        .get_public(&format!(
            "/api/v1/audit/proof/inclusion?index={index}&tree_size={}",
            new.size
        ))
        .await;
    assert_eq!(status, 200, "{incl}");
    let incl: Value = serde_json::from_str(&incl).unwrap();
    let leaf = merkle::leaf_hash(&bytes);
    assert_eq!(b64_hash(&incl["leaf_hash"]), leaf);
    merkle::verify_inclusion(
        index,
        new.size,
        &leaf,
        &b64_hashes(&incl["audit_path"]),
        &new.root,
    )
    .expect("the action is in the signed tree");
    // A different entry does not prove in its place.
    let mut forged = fields.clone();
    forged["actor_username"] = json!("somebody_else");
    let forged_leaf = merkle::leaf_hash(&serde_json::to_vec(&forged).unwrap());
    assert!(
        merkle::verify_inclusion(
            index,
            new.size,
            &forged_leaf,
            &b64_hashes(&incl["audit_path"]),
            &new.root
        )
        .is_err()
    );

    // 5. The detail view proves the same against the latest checkpoint.
    let (status, detail) = s
        .get(&format!("/api/v1/audit/entries/{index}"), &auditor)
        .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["verified"], json!(true));
    assert_eq!(detail["leaf_hash"], detail["stored_leaf_hash"]);
}

#[tokio::test]
async fn bad_audit_ranges_and_callers_are_refused_with_clear_codes() {
    let s = spawn().await;
    let auditor = s.token("auditor", "read").await;
    let steward = s.token("water_steward", "write").await;
    let (_, cp) = s.get_public("/api/v1/audit/checkpoint?format=json").await;
    let size = serde_json::from_str::<Value>(&cp).unwrap()["tree_size"]
        .as_u64()
        .unwrap();
    assert!(size > 0, "the demo city's loading is logged");
    for (path, code) in [
        (
            format!("/api/v1/audit/proof/inclusion?index={size}&tree_size={size}"),
            "index_beyond_size",
        ),
        (
            format!(
                "/api/v1/audit/proof/inclusion?index=0&tree_size={}",
                size + 1_000_000
            ),
            "tree_size_beyond_log",
        ),
        (
            "/api/v1/audit/proof/consistency?first=5&second=4".into(),
            "first_after_second",
        ),
        (
            format!(
                "/api/v1/audit/proof/consistency?first=1&second={}",
                size + 1_000_000
            ),
            "tree_size_beyond_log",
        ),
        (
            "/api/v1/audit/proof/inclusion?index=abc".into(),
            "bad_query",
        ),
        (
            "/api/v1/audit/proof/consistency?first=-1&second=2".into(),
            "bad_query",
        ),
        ("/api/v1/audit/checkpoint?format=xml".into(), "bad_format"),
    ] {
        let (status, body) = s.get_public(&path).await;
        assert_eq!(status, 400, "{path}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["code"], code, "{path}");
    }
    for (path, code) in [
        (
            "/api/v1/audit/entries?start=5&end=4".to_owned(),
            "end_before_start",
        ),
        (
            format!("/api/v1/audit/entries?start=0&end={}", size + 1_000_000),
            "end_beyond_log",
        ),
        (
            format!("/api/v1/audit/entries?start={}", size + 1_000_000),
            "index_beyond_size",
        ),
    ] {
        let (status, body) = s.get(&path, &auditor).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["code"], code, "{path}");
    }
    // Entries are for auditors and the authority.
    let (status, body) = s.get("/api/v1/audit/entries?start=0", &steward).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("role_required"))
    );
    let (status, _) = s.get_public("/api/v1/audit/entries?start=0").await;
    assert_eq!(status, 401);
    let (status, body) = s
        .post("/api/v1/audit/keys/rotate", &auditor, json!({}))
        .await;
    assert_eq!(status, 403, "{body}");
    // A long range is cut at 1000 with a cursor to go on.
    let (status, body) = s.get("/api/v1/audit/entries?start=0", &auditor).await;
    assert_eq!(status, 200);
    assert_eq!(body["items"][0]["index"], 0);
    assert!(body["items"].as_array().unwrap().len() as u64 <= 100);
}

#[tokio::test]
async fn after_a_key_rotation_the_old_key_vouches_for_the_new_one_and_both_verify() {
    use pubdata_core::note::{self, VerifierKey};
    let s = spawn().await;
    let admin = s.token("admin", "write").await;
    let (_, old_key) = s.get_public("/api/v1/audit/public-key").await;
    let old_key = VerifierKey::parse(old_key.trim()).unwrap();
    let (status, body) = s.post("/api/v1/audit/keys/rotate", &admin, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let new_key = VerifierKey::parse(body["key"].as_str().unwrap()).unwrap();
    assert_ne!(new_key, old_key);
    assert_eq!(new_key.name(), old_key.name(), "one log, one name");
    // The checkpoint signed at the rotation carries both signatures.
    let (_, note_text) = s.get_public("/api/v1/audit/checkpoint").await;
    let by_old = note::open(&note_text, std::slice::from_ref(&old_key)).expect("old key signs");
    let by_new = note::open(&note_text, std::slice::from_ref(&new_key)).expect("new key signs");
    assert_eq!(by_old.text, by_new.text);
    // Later checkpoints are signed by the new key only; the key list names both.
    s.post("/api/v1/audit/checkpoint", &admin, json!({})).await;
    let (_, later) = s.get_public("/api/v1/audit/checkpoint").await;
    assert!(note::open(&later, std::slice::from_ref(&new_key)).is_ok());
    assert!(note::open(&later, std::slice::from_ref(&old_key)).is_err());
    let (_, keys) = s.get_public("/api/v1/audit/public-key?format=json").await;
    let keys: Value = serde_json::from_str(&keys).unwrap();
    assert_eq!(keys["key"], json!(new_key.encode()));
    assert_eq!(keys["keys"].as_array().unwrap().len(), 2);
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

/// Whether the browser tests can run; they must where `PUBDATA_TEST_BROWSER=required` (CI).
fn browser_or_skip() -> bool {
    let required = std::env::var("PUBDATA_TEST_BROWSER").as_deref() == Ok("required");
    if !browser::browser_available() {
        assert!(
            !required,
            "PUBDATA_TEST_BROWSER=required but chromium/chromedriver are missing"
        );
        eprintln!("skipping: chromium and chromedriver are not installed (.ci/run installs them)");
        return false;
    }
    true
}

#[tokio::test]
async fn the_home_page_in_a_real_browser_is_chinese_after_sign_in() {
    if !browser_or_skip() {
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

// ---------------------------------------------------------------------------------------
// The audit view's pages (/audit, /audit/{index}); added with those pages. The browser part
// is in `browser::audits_the_log_in_the_audit_view`.
// ---------------------------------------------------------------------------------------

/// A page session for a demo user, made by the sign-in action itself: the `Cookie` header
/// and the session's CSRF token.
async fn page_session(s: &Server, username: &str) -> (String, String) {
    let app = App::open(Config::sqlite_in(&s.dir)).await.unwrap();
    let actor = Actor::anonymous(pubdata_app::Channel::Web, "test");
    let start = pubdata_app::auth::session::sign_in(
        &app,
        &actor,
        username,
        pubdata_app::demo::DEMO_PASSWORD,
    )
    .await
    .unwrap();
    (
        format!("pubdata_session={}", start.cookie_token),
        start.csrf_token,
    )
}

impl Server {
    async fn page(&self, path: &str, cookie: &str) -> (StatusCode, String) {
        let r = self
            .client
            .get(self.url(path))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    async fn form(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let r = self
            .client
            .post(self.url(path))
            .header("cookie", cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let to = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, to.unwrap_or(r.text().await.unwrap()))
    }
}

#[tokio::test]
async fn the_audit_view_is_for_auditors_and_the_authority_and_shows_bad_input_at_its_field() {
    let s = spawn().await;
    // Not signed in: to sign-in, remembering the page.
    let r = s.client.get(s.url("/audit")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/signin?next=%2Faudit");

    // A steward has no audit view: no link, and the pages answer 403.
    let (steward, _) = page_session(&s, "bigdata_steward").await;
    let (_, home) = s.page("/", &steward).await;
    assert!(!home.contains(r#"href="/audit""#));
    for path in ["/audit", "/audit/0"] {
        let (status, body) = s.page(path, &steward).await;
        assert_eq!(status, 403, "{path}");
        assert!(body.contains("role_required"), "{path}: {body}");
    }

    // The auditor: the link, the page, an entry; a bad date is a 422 with its message.
    let (auditor, auditor_csrf) = page_session(&s, "auditor").await;
    let (status, body) = s.page("/audit", &auditor).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#"href="/audit""#) && body.contains("最新签名树头"));
    assert!(
        !body.contains(r#"action="/audit/checkpoint""#),
        "an auditor sees the admin forms"
    );
    let (status, body) = s
        .page("/audit?from=2026-02-30&action=sign_in", &auditor)
        .await;
    assert_eq!(status, 422);
    assert!(body.contains(r#"id="from-error""#) && body.contains("YYYY-MM-DD"));
    let (status, body) = s.page("/audit/0", &auditor).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#"id="verdict""#), "{body}");
    assert_eq!(s.page("/audit/x", &auditor).await.0, 404);
    assert_eq!(s.page("/audit/999999", &auditor).await.0, 404);
    // …and may not sign or rotate.
    let (status, _) = s
        .form("/audit/checkpoint", &auditor, &[("csrf", &auditor_csrf)])
        .await;
    assert_eq!(status, 403);

    // The authority: a form without its CSRF token does nothing; rotation wants a tick.
    let (admin, csrf) = page_session(&s, "admin").await;
    assert_eq!(s.form("/audit/checkpoint", &admin, &[]).await.0, 403);
    let (status, to) = s
        .form("/audit/checkpoint", &admin, &[("csrf", &csrf)])
        .await;
    assert_eq!(
        (status.as_u16(), to.as_str()),
        (303, "/audit?notice=checkpoint_signed")
    );
    // Signed from an entry's page, it goes back to the entry, now proven.
    let (_, to) = s
        .form(
            "/audit/checkpoint",
            &admin,
            &[("csrf", &csrf), ("back", "3")],
        )
        .await;
    assert_eq!(to, "/audit/3?notice=checkpoint_signed");
    let (_, body) = s.page(&to, &admin).await;
    assert!(body.contains("已验证：本条目包含在第"), "{body}");
    assert!(body.contains("已签发新的树头"));
    let (_, key_before) = s.get_public("/api/v1/audit/public-key").await;
    let (status, body) = s
        .form("/audit/rotate-key", &admin, &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("请勾选确认后再轮换签名密钥"));
    assert_eq!(s.get_public("/api/v1/audit/public-key").await.1, key_before);
    let (status, to) = s
        .form(
            "/audit/rotate-key",
            &admin,
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(
        (status.as_u16(), to.as_str()),
        (303, "/audit?notice=key_rotated")
    );
    let (_, key_after) = s.get_public("/api/v1/audit/public-key").await;
    assert_ne!(key_after, key_before);
    let (_, body) = s.page("/audit?notice=key_rotated", &admin).await;
    assert!(body.contains(key_after.trim()) && body.contains(key_before.trim()));
}

#[tokio::test]
async fn the_audit_view_in_a_real_browser() {
    if !browser_or_skip() {
        return;
    }
    let s = spawn().await;
    browser::audits_the_log_in_the_audit_view(
        &s.base,
        pubdata_app::demo::DEMO_PASSWORD,
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// The catalog over the API
// ---------------------------------------------------------------------------------------

impl Server {
    async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .client
            .put(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn a_steward_catalogs_over_the_api_the_authority_returns_then_publishes_and_others_find_it() {
    let s = spawn().await;
    let steward = s.token("water_steward", "write").await;
    let steward_ro = s.token("water_steward", "read").await;
    let admin = s.token("admin", "write").await;
    let bus = s.token("bus_member", "read").await;
    let (_, me) = s.get("/api/v1/me", &steward).await;
    let water = me["org_id"].as_str().unwrap().to_owned();

    let mut body = json!({
        "code": "3/99/999/9999", "name": "二次供水泵房巡检记录", "summary": "二次供水设施的巡检时间、水质与处置结果",
        "provider_org_id": water, "category": "departmental", "theme": "公用事业", "format": "database",
        "update_cycle": "weekly", "share_attr": "conditional", "share_methods": ["api", "file"],
        "open_attr": "not_open", "grade": 2,
        "fields": [
            {"name": "泵房编号", "code": "station_no", "type": "C", "is_key": true},
            {"name": "巡检日期", "code": "checked_on", "type": "D"}
        ]
    });
    // A rule broken: 422 problem+json whose code names the rule, with the field.
    let (status, p) = s.post("/api/v1/resources", &steward, body.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["code"], "share_condition_required");
    assert_eq!(p["errors"][0]["field"], "share_condition");
    // A read token may not write; an unknown key is refused.
    body["share_condition"] = json!("用于供水安全监管");
    let (status, p) = s.post("/api/v1/resources", &steward_ro, body.clone()).await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("read_only_token"))
    );
    let mut unknown = body.clone();
    unknown["colour"] = json!("blue");
    let (status, p) = s.post("/api/v1/resources", &steward, unknown).await;
    assert_eq!(
        (status, p["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invalid_json_fields")
        ),
        "{p}"
    );

    let (status, r) = s.post("/api/v1/resources", &steward, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(
        (r["status"].as_str(), r["version"].as_i64()),
        (Some("draft"), Some(1))
    );
    assert_eq!(r["fields"][0]["identifier"], Value::Null);
    let id = r["id"].as_str().unwrap().to_owned();

    let (status, _) = s
        .post(
            &format!("/api/v1/resources/{id}/submit"),
            &steward,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, p) = s
        .post(&format!("/api/v1/resources/{id}/return"), &admin, json!({}))
        .await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason_required"))
    );
    let (status, r) = s
        .post(
            &format!("/api/v1/resources/{id}/return"),
            &admin,
            json!({"reason": "请补充水质指标信息项"}),
        )
        .await;
    assert_eq!(
        (status, r["status"].as_str()),
        (StatusCode::OK, Some("returned"))
    );

    // The steward sends back what it read, changed: the read-only keys are ignored.
    let (_, mut current) = s.get(&format!("/api/v1/resources/{id}"), &steward).await;
    current["fields"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "浑浊度", "code": "turbidity", "type": "F"}));
    let (status, r) = s
        .put(&format!("/api/v1/resources/{id}"), &steward, current)
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    s.post(
        &format!("/api/v1/resources/{id}/submit"),
        &steward,
        json!({}),
    )
    .await;
    let (status, p) = s
        .post(
            &format!("/api/v1/resources/{id}/approve"),
            &steward,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("role_required"))
    );
    let (status, r) = s
        .post(
            &format!("/api/v1/resources/{id}/approve"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, r["status"].as_str()),
        (StatusCode::OK, Some("published"))
    );

    // Another unit finds it by a two-character query, with the facets.
    let (status, found) = s
        .get("/api/v1/resources?q=%E6%B3%B5%E6%88%BF&limit=10", &bus)
        .await; // 泵房
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["items"][0]["id"], id.as_str(), "{found}");
    assert_eq!(found["total"], 1);
    assert_eq!(found["facets"]["provider_org_id"][&water], 1);
    assert_eq!(found["facets"]["share_attr"]["conditional"], 1);
    let (status, p) = s.get("/api/v1/resources?colour=blue", &bus).await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_query"))
    );

    // Versions and the review steps.
    let (_, v) = s
        .get(&format!("/api/v1/resources/{id}/catalog-versions"), &bus)
        .await;
    assert_eq!(v["items"][0]["version"], 1);
    let kinds: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "created",
            "submitted",
            "returned",
            "updated",
            "submitted",
            "approved"
        ]
    );

    // A duty change opens a review task due 15 working days later on the calendar.
    let (status, task) = s
        .post(
            &format!("/api/v1/orgs/{water}/duty-changes"),
            &steward,
            json!({"date": "2026-09-21", "description": "新增二次供水设施管理职责", "legal_source": "《城市供水条例》"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    assert_eq!(
        (task["due_date"].as_str(), task["status"].as_str()),
        (Some("2026-10-19"), Some("open"))
    );
}

#[tokio::test]
async fn the_catalog_review_cycle_in_a_real_browser() {
    if !browser_or_skip() {
        return;
    }
    let s = spawn().await;
    browser::catalogs_a_resource_through_review(
        &s.base,
        pubdata_app::demo::DEMO_PASSWORD,
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
    )
    .await;
}

#[tokio::test]
async fn a_steward_uploads_a_gbk_file_and_reads_its_quality_report_in_a_real_browser() {
    if !browser_or_skip() {
        return;
    }
    let s = spawn().await;
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("screenshots");
    browser::supplies_data_through_the_pages(&s.base, pubdata_app::demo::DEMO_PASSWORD, &shots)
        .await;
}

#[tokio::test]
async fn a_steward_requests_police_data_and_the_authority_passes_the_check_in_a_real_browser() {
    if !browser_or_skip() {
        return;
    }
    let s = spawn().await;
    // The conformity check is due 2 working days after today on the calendar.
    let (status, body) = s
        .get_public(&format!(
            "/api/v1/calendar/add-working-days?from={}&days=2",
            pubdata_app::today()
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let due: Value = serde_json::from_str(&body).unwrap();
    let due = due["date"].as_str().expect("a date").to_owned();
    browser::requests_share_through_the_pages(
        &s.base,
        pubdata_app::demo::DEMO_PASSWORD,
        &due,
        &std::env::temp_dir(),
    )
    .await;
}

#[tokio::test]
async fn a_new_visitor_finds_the_bus_lines_by_a_two_character_search_and_downloads_the_parquet() {
    let s = spawn().await;
    let (steward, admin) = (
        s.token("bus_steward", "write").await,
        s.token("admin", "write").await,
    );
    browser::open_the_bus_lines(&s.base, &steward, &admin).await;
    let (cookie, csrf) = page_session(&s, "water_member").await;
    browser::the_portal_over_http(&s.base, (&cookie, &csrf)).await;
    if browser_or_skip() {
        let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
        browser::finds_the_bus_lines_and_downloads_the_parquet(&s.base, shots).await;
    }
}

#[tokio::test]
async fn a_visitor_reports_an_error_and_a_user_applies_for_conditional_data_in_a_real_browser() {
    if !browser_or_skip() {
        return;
    }
    let s = spawn().await;
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    browser::reports_an_error_and_applies_for_conditional_data(
        &s.base,
        "water_member",
        pubdata_app::demo::DEMO_PASSWORD,
        shots,
    )
    .await;
}

#[tokio::test]
async fn the_review_blocks_the_card_swipes_until_the_card_number_is_masked_then_they_open() {
    let s = spawn().await;
    let token = s.token("bus_steward", "write").await;
    let (steward, admin) = (
        page_session(&s, "bus_steward").await,
        page_session(&s, "admin").await,
    );
    browser::proposes_through_the_pages(
        &s.base,
        &token,
        (&steward.0, &steward.1),
        (&admin.0, &admin.1),
    )
    .await;
}

#[tokio::test]
async fn a_gbk_catalog_file_is_checked_row_by_row_and_only_its_good_resources_imported() {
    let s = spawn().await;
    let steward = s.token("bus_steward", "write").await;
    let csv = "资源代码,资源名称,资源摘要,提供单位,资源格式,更新周期,共享属性,共享条件,共享方式,开放属性,信息项名称,信息项代码,数据类型,是否主键\r\n\
        3/88/001/0001,公交站点客流统计,各站点每日上下车人次,澜江公交集团有限责任公司,数据库,每日,无条件共享,,接口,无条件开放,站点编号,stop_no,C,是\r\n\
        3/88/001/0001,,,,,,,,,,统计日期,stat_date,D,否\r\n\
        3/88/001/0002,公交车辆维修记录,车辆维修时间与项目,澜江公交集团有限责任公司,数据库,每月,有条件共享,,接口,不予开放,车辆编号,bus_no,C,是\r\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(csv);
    assert!(!unmappable);
    let send = |mode: &'static str| {
        s.client
            .post(s.url(&format!(
                "/api/v1/catalog/import?mode={mode}&filename=catalog.csv"
            )))
            .bearer_auth(&steward)
            .header("content-type", "text/csv")
            .body(gbk.to_vec())
            .send()
    };

    let r = send("check").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["encoding"], "GB18030/GBK", "{report}");
    assert_eq!(
        (
            report["rows"].as_i64(),
            report["resources"].as_i64(),
            report["imported"].as_i64()
        ),
        (Some(3), Some(2), Some(0)),
        "{report}"
    );
    assert_eq!(report["errors"][0]["row"], 4, "{report}");
    assert_eq!(
        report["errors"][0]["code"], "share_condition_required",
        "{report}"
    );

    let r = send("import_all").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = r.json().await.unwrap();
    assert_eq!(
        (p["code"].as_str(), p["report"]["imported"].as_i64()),
        (Some("import_has_errors"), Some(0)),
        "{p}"
    );

    let r = send("import_good").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["imported"], 1, "{report}");
    let (_, found) = s
        .get(
            "/api/v1/resources?q=%E5%AE%A2%E6%B5%81&status=draft",
            &steward,
        )
        .await; // 客流
    assert_eq!(found["items"][0]["name"], "公交站点客流统计", "{found}");
    assert_eq!(found["items"][0]["fields"][1]["type"], "D", "{found}");

    // Garbage is a clear 422, not a crash; the list exports as the same template.
    let r = s
        .client
        .post(s.url("/api/v1/catalog/import"))
        .bearer_auth(&steward)
        .body(vec![0xff_u8, 0xfe, 0x00, 0x01])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .client
        .get(s.url("/api/v1/responsibility-list?format=csv"))
        .bearer_auth(&steward)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''")
    );
    let body = r.bytes().await.unwrap();
    assert!(
        body.starts_with(b"\xef\xbb\xbf") && String::from_utf8_lossy(&body).contains("资源代码")
    );
}

// ---------------------------------------------------------------------------------------
// Aggregation over the API
// ---------------------------------------------------------------------------------------

/// Whether python3 can import `module`; under PUBDATA_TEST_INTEROP=required it must.
fn python_has(module: &str) -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var("PUBDATA_TEST_INTEROP").as_deref() == Ok("required") {
        panic!("PUBDATA_TEST_INTEROP=required, but python3 cannot import {module}");
    }
    ok
}

impl Server {
    async fn resource_id(&self, token: &str, code: &str) -> String {
        let (_, found) = self
            .get(&format!("/api/v1/resources?q={code}"), token)
            .await;
        let item = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .unwrap_or_else(|| panic!("{code} in {found}"));
        assert_eq!(item["status"], "published");
        item["id"].as_str().unwrap().to_owned()
    }

    async fn upload(
        &self,
        path: &str,
        token: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get_bytes(
        &self,
        path: &str,
        token: &str,
    ) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        (status, headers, r.bytes().await.unwrap().to_vec())
    }
}

#[tokio::test]
async fn a_unit_pushes_and_uploads_over_the_api_then_reads_records_history_versions_and_files() {
    use sha2::Digest;
    let s = spawn().await;
    let steward = s.token("water_steward", "write").await;
    let member = s.token("water_member", "write").await;
    let member_ro = s.token("water_member", "read").await;
    let bus = s.token("bus_steward", "write").await;
    let id = s.resource_id(&steward, "2/03/003/0001").await; // 出厂水水质检测信息
    let batches = format!("/api/v1/resources/{id}/batches");

    // A unit's system pushes rows with a member's write token.
    let rows = json!({"rows": [
        {"plant": "一水厂", "sampled_on": "2026-03-01", "turbidity": 0.3, "free_chlorine": "0.5", "ph": 7.2, "coliform": "未检出", "qualified": true},
        {"plant": "二水厂", "sampled_on": "2026/3/1", "turbidity": "0.4", "ph": 7.4, "qualified": "是"}
    ]});
    let (status, b) = s.post(&batches, &member, rows.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    assert_eq!(
        (
            b["status"].as_str(),
            b["accepted"].as_u64(),
            b["source"].as_str()
        ),
        (Some("accepted"), Some(2), Some("push")),
        "{b}"
    );
    assert!(
        b["quality"]["completeness"]["percent"].as_f64().unwrap() < 100.0,
        "{b}"
    );
    let (status, p) = s.post(&batches, &member_ro, rows.clone()).await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("read_only_token"))
    );
    let (status, p) = s.post(&batches, &bus, rows.clone()).await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("other_org"))
    );
    let (status, p) = s
        .post(
            &batches,
            &steward,
            json!({"rows": [{"plant": "一水厂", "colour": 1}]}),
        )
        .await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_field")),
        "{p}"
    );

    // A GBK file whose third data row holds bytes that are not GBK: that row is rejected for
    // it, the others go in; one of them changes a pushed record.
    let mut file = encoding_rs::GBK.encode("水厂,检测日期,浑浊度（NTU）,pH值,是否合格\n一水厂,2026-03-01,0.35,7.3,是\n三水厂,2026-03-01,abc,7.0,是\n").0.into_owned();
    file.extend_from_slice(b"\xff\xfe\xfd,2026-03-02,0.2,7.1,1\n");
    file.extend_from_slice(&encoding_rs::GBK.encode("四水厂,2026-03-01,0.1,7.0,否\n").0);
    let (status, b) = s.upload(&batches, &steward, "水质.csv", file).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    assert_eq!(
        (
            b["accepted"].as_u64(),
            b["rejected"].as_u64(),
            b["updated"].as_u64()
        ),
        (Some(2), Some(2), Some(1)),
        "{b}"
    );
    assert_eq!(b["encoding"], "GB18030/GBK", "{b}");
    assert_eq!(b["quality"]["problems"]["invalid_encoding"], 1, "{b}");
    let batch_id = b["id"].as_str().unwrap().to_owned();
    let (status, headers, csv) = s
        .get_bytes(&format!("/api/v1/batches/{batch_id}/rejected"), &steward)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("\u{feff}reason,line,水厂"), "{csv}");
    assert!(
        csv.contains("浑浊度（NTU）“abc”不是数值") && csv.contains("GB18030"),
        "{csv}"
    );
    let (_, got) = s.get(&format!("/api/v1/batches/{batch_id}"), &bus).await;
    assert_eq!(got["code"], "other_org");

    // An empty file and a file for another resource: clear refusals, no batch.
    let (status, p) = s.upload(&batches, &steward, "empty.csv", Vec::new()).await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("empty_file")),
        "{p}"
    );
    let (status, p) = s
        .upload(
            &batches,
            &steward,
            "bus.csv",
            "线路编号,线路名称\n1,一路\n".into(),
        )
        .await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("missing_key_column")),
        "{p}"
    );

    // The record by its composite key, its history, and as it was before the upload.
    let key = "%E4%B8%80%E6%B0%B4%E5%8E%82%7C2026-03-01"; // 一水厂|2026-03-01
    let (status, r) = s
        .get(&format!("/api/v1/resources/{id}/records/{key}"), &steward)
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        (r["values"]["turbidity"].as_f64(), r["disputed"].as_bool()),
        (Some(0.35), Some(false)),
        "{r}"
    );
    let (_, h) = s
        .get(
            &format!("/api/v1/resources/{id}/records/{key}/history"),
            &steward,
        )
        .await;
    let items = h["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{h}");
    assert_eq!(
        (
            items[0]["values"]["turbidity"].as_f64(),
            items[0]["changed_by"].as_str()
        ),
        (Some(0.3), Some("water_member")),
        "{h}"
    );
    let then = items[0]["changed_at"].as_str().unwrap();
    let (_, old) = s
        .get(
            &format!(
                "/api/v1/resources/{id}/records/{key}?as_of={}",
                then.replace('+', "%2B")
            ),
            &steward,
        )
        .await;
    assert_eq!(old["values"]["turbidity"].as_f64(), Some(0.3), "{old}");
    let (status, p) = s
        .get(
            &format!("/api/v1/resources/{id}/records/{key}?as_of=yesterday"),
            &steward,
        )
        .await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_as_of"))
    );
    let (_, page) = s
        .get(&format!("/api/v1/resources/{id}/records?limit=2"), &steward)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2, "{page}");
    let (_, rest) = s
        .get(
            &format!(
                "/api/v1/resources/{id}/records?limit=2&cursor={}",
                page["next_cursor"].as_str().unwrap()
            ),
            &steward,
        )
        .await;
    assert_eq!(
        (
            rest["items"].as_array().unwrap().len(),
            &rest["next_cursor"]
        ),
        (1, &Value::Null),
        "{rest}"
    );

    // A data version: both files, their hashes in the list and in the download's headers.
    let (status, v) = s
        .post(
            &format!("/api/v1/resources/{id}/versions"),
            &steward,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["number"].as_i64(), v["rows"].as_i64()),
        (Some(1), Some(3)),
        "{v}"
    );
    let (_, listed) = s
        .get(&format!("/api/v1/resources/{id}/versions"), &steward)
        .await;
    assert_eq!(listed["items"][0]["number"], 1, "{listed}");
    let (_, catalog) = s
        .get(
            &format!("/api/v1/resources/{id}/versions?kind=catalog"),
            &steward,
        )
        .await;
    assert_eq!(catalog["items"][0]["version"], 1, "{catalog}");
    for f in listed["items"][0]["files"].as_array().unwrap() {
        let (status, headers, body) = s.get_bytes(f["url"].as_str().unwrap(), &steward).await;
        assert_eq!(status, StatusCode::OK);
        let sha = hex::encode(sha2::Sha256::digest(&body));
        assert_eq!(
            (sha.as_str(), body.len() as u64),
            (f["sha256"].as_str().unwrap(), f["size"].as_u64().unwrap())
        );
        assert_eq!(headers["x-content-sha256"].to_str().unwrap(), sha);
        if f["format"] == "parquet" && python_has("pyarrow") {
            let path = s.dir.join("v1.parquet");
            std::fs::write(&path, &body).unwrap();
            let out = std::process::Command::new("python3")
                .args(["-c", "import sys, pyarrow.parquet as pq; t = pq.read_table(sys.argv[1]); print(t.num_rows, t.schema.field('sampled_on').type, t.column('plant').to_pylist())", path.to_str().unwrap()])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                text.trim(),
                "3 date32[day] ['一水厂', '二水厂', '四水厂']",
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let (status, _, _) = s
        .get_bytes(
            &format!("/api/v1/resources/{id}/versions/7/files/csv"),
            &steward,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The update was on time; the city-wide view is the authority's.
    let (_, me) = s.get("/api/v1/me", &steward).await;
    let (_, duties) = s
        .get(
            &format!(
                "/api/v1/timeliness?org_id={}",
                me["org_id"].as_str().unwrap()
            ),
            &steward,
        )
        .await;
    let duty = duties["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["resource_id"] == id.as_str())
        .unwrap();
    assert_eq!(duty["days_overdue"], 0, "{duty}");
    assert!(duty["last_update"].is_string(), "{duty}");
    let (status, _) = s.get("/api/v1/timeliness", &steward).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_file_past_the_upload_limit_is_413_and_leaves_no_batch_and_no_file() {
    let s = spawn_configured(pubdata_http::HttpConfig::default(), |c| {
        c.max_upload_bytes = 64 * 1024
    })
    .await;
    let steward = s.token("water_steward", "write").await;
    let id = s.resource_id(&steward, "2/03/003/0001").await;
    let mut big = String::from("水厂,检测日期\n");
    while big.len() < 200 * 1024 {
        big.push_str("一水厂,2026-03-01\n");
    }
    let (status, p) = s
        .upload(
            &format!("/api/v1/resources/{id}/batches"),
            &steward,
            "big.csv",
            big.into_bytes(),
        )
        .await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("file_too_large")),
        "{p}"
    );
    let (_, listed) = s
        .get(&format!("/api/v1/resources/{id}/batches"), &steward)
        .await;
    assert_eq!(listed["items"], json!([]), "{listed}");
    let kept: Vec<_> = std::fs::read_dir(s.dir.join("uploads"))
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert!(kept.is_empty(), "the partial upload is removed: {kept:?}");
}

#[path = "ckan_api/mod.rs"]
mod ckan_api;
#[path = "dcat/mod.rs"]
mod dcat;
#[path = "feedback_api/mod.rs"]
mod feedback_api;
#[path = "open_api/mod.rs"]
mod open_api;
#[path = "open_apply/mod.rs"]
mod open_apply;
mod sharing_api;
