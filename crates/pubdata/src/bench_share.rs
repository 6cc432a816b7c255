//! `pubdata bench share`: key lookups through the sharing API over HTTP — the real router,
//! so the whole path runs: token check, grant decision, masking, the durable group-committed
//! audit append — beside a bare handler doing the same record lookup with none of that, on
//! the same database, clients and duration, measured in the same run (DESIGN.md §7).
//!
//! The clients are hand-written HTTP/1.1 over keep-alive connections, in the same process and
//! runtime, so they cost the two cores as little as possible.

use anyhow::{Context, Result, anyhow, bail, ensure};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use pubdata_app::aggregation::batches::{MAX_PUSH_ROWS, push_batch};
use pubdata_app::auth::tokens::{NewToken, authenticate_token, create_token_for_user};
use pubdata_app::catalog::resources;
use pubdata_app::platform::orgs::{OrgInput, create_org};
use pubdata_app::platform::users::{NewUser, create_user};
use pubdata_app::sharing::grants::MAX_RATE_PER_MINUTE;
use pubdata_app::sharing::requests::{self, ConformityInput, ReplyInput, ShareRequestInput};
use pubdata_app::{App, Config, new_request_id};
use pubdata_core::Actor;
use pubdata_core::catalog::ResourceDoc;
use pubdata_core::identifiers::citizen_id_check_char;
use pubdata_store::Db;
use pubdata_store::aggregation::records::{self, RecordTable};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Instant;

use crate::bench::{Figures, HttpTarget, Scratch, Tally, connect, drive, request, spawn_server};

const PURPOSE: &str = "就业资格核验";
const GRANTED: [&str; 4] = ["citizen_id", "name", "gender", "domicile_address"];

fn act<T>(what: &str, r: Result<T, pubdata_app::ActionError>) -> Result<T> {
    r.map_err(|e| anyhow!("{what}: {e} ({})", e.code()))
}

fn household(provider: &str) -> Result<ResourceDoc> {
    Ok(serde_json::from_value(json!({
        "code": "1/01/001/0001", "name": "户籍人口基本信息",
        "summary": "全市户籍人口的身份、户籍地址和户籍关系信息，按公民身份号码逐条核验。",
        "provider_org_id": provider, "category": "basic", "theme": "人口", "format": "database",
        "update_cycle": "daily", "share_attr": "conditional",
        "share_condition": "仅限政务部门依法履职时按公民身份号码逐条核验，不得批量下载；须经市公安局审核同意。",
        "share_methods": ["api"], "open_attr": "not_open", "grade": 4, "tags": ["户籍", "人口"],
        "fields": [
            {"name": "公民身份号码", "code": "citizen_id", "type": "C", "is_key": true,
             "identifier": "citizen_id", "sensitive": true, "grade": 4},
            {"name": "姓名", "code": "name", "type": "C", "required": true, "sensitive": true, "grade": 3},
            {"name": "性别", "code": "gender", "type": "C", "grade": 2},
            {"name": "户籍地址", "code": "domicile_address", "type": "C", "sensitive": true, "grade": 3},
            {"name": "户籍所属派出所", "code": "police_station", "type": "C"}
        ]
    }))?)
}

/// The i-th resident's GB 11643 number: 1,000 a birth day from 1960-01-01.
fn citizen_id(i: u64) -> String {
    let born =
        chrono::NaiveDate::from_ymd_opt(1960, 1, 1).expect("a date") + chrono::Days::new(i / 1000);
    let first17 = format!("350102{}{:03}", born.format("%Y%m%d"), i % 1000);
    let check = citizen_id_check_char(&first17).expect("digits");
    format!("{first17}{check}")
}

fn resident(i: u64) -> Map<String, Value> {
    const FAMILY: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "欧阳", "司马"];
    const GIVEN: [&str; 8] = ["伟", "芳", "秀英", "敏", "静", "志强", "磊", "丽华"];
    const DISTRICT: [&str; 3] = ["江南区", "江北区", "临江区"];
    let district = DISTRICT[(i % 3) as usize];
    let row = json!({
        "citizen_id": citizen_id(i),
        "name": format!("{}{}", FAMILY[(i % 8) as usize], GIVEN[(i / 8 % 8) as usize]),
        // The 17th digit of a GB 11643 number is odd for men.
        "gender": if i % 2 == 1 { "男" } else { "女" },
        "domicile_address": format!("澜江市{district}滨江路{}号{}室", i % 500 + 1, i % 30 + 101),
        "police_station": format!("澜江市公安局{district}派出所"),
    });
    match row {
        Value::Object(m) => m,
        _ => unreachable!("an object"),
    }
}

/// The police's household resource with `n` records, shared with the HR unit by an approved
/// request. Returns the resource id and the HR member's raw API token.
async fn set_up(app: &App, n: u64) -> Result<(String, String)> {
    let operator = Actor::operator(new_request_id());
    let unit = |name: &str, k: usize| OrgInput {
        name: name.into(),
        kind: "government".into(),
        sector: "other".into(),
        uscc: pubdata_app::demo::demo_uscc(k, "11"),
        parent_id: None,
        accountable_head: "周明远".into(),
    };
    let police = act(
        "police unit",
        create_org(app, &operator, unit("澜江市公安局", 1)).await,
    )?;
    let hr = act(
        "HR unit",
        create_org(app, &operator, unit("澜江市人力资源和社会保障局", 2)).await,
    )?;
    let member = NewUser {
        username: "hrss_member".into(),
        display_name: "人社局经办人".into(),
        org_id: Some(hr.id.clone()),
        roles: vec!["member".into()],
        password: "Bench-2026-pass".into(),
    };
    act("HR member", create_user(app, &operator, member).await)?;

    let r = act(
        "resource",
        resources::create_resource(app, &operator, household(&police.id)?).await,
    )?;
    act(
        "submit",
        resources::submit_resource(app, &operator, &r.id).await,
    )?;
    act(
        "approve",
        resources::approve_resource(app, &operator, &r.id).await,
    )?;
    let mut start = 0;
    while start < n {
        let end = n.min(start + MAX_PUSH_ROWS as u64);
        let b = act(
            "push",
            push_batch(app, &operator, &r.id, (start..end).map(resident).collect()).await,
        )?;
        ensure!(b.accepted == end - start, "rows rejected: {:?}", b.quality);
        start = end;
    }

    let token = NewToken {
        name: "人社业务系统".into(),
        scope: "write".into(),
        expires_in: "1d".into(),
    };
    let token = act(
        "token",
        create_token_for_user(app, &operator, "hrss_member", token).await,
    )?
    .token;
    let member = act(
        "authenticate",
        authenticate_token(app, &token, &new_request_id()).await,
    )?;
    let today = pubdata_app::today();
    let request = ShareRequestInput {
        resource_id: r.id.clone(),
        fields: GRANTED.map(String::from).to_vec(),
        purpose: PURPOSE.into(),
        scenario: "办理就业登记时核验身份".into(),
        duty_basis: "《就业促进法》".into(),
        period_start: today.to_string(),
        period_end: (today + chrono::Days::new(365)).to_string(),
        commitment_accepted: true,
        rate_per_minute: Some(MAX_RATE_PER_MINUTE),
        ..Default::default()
    };
    let req = act(
        "file request",
        requests::file_share_request(app, &member, request).await,
    )?;
    let pass = ConformityInput {
        decision: "pass".into(),
        ..Default::default()
    };
    act(
        "conformity",
        requests::check_conformity(app, &operator, &req.id, pass).await,
    )?;
    let approve = ReplyInput {
        decision: "approve".into(),
        rate_per_minute: Some(MAX_RATE_PER_MINUTE),
        ..Default::default()
    };
    act(
        "reply",
        requests::reply_share_request(app, &operator, &req.id, approve).await,
    )?;
    Ok((r.id, token))
}

/// The bare baseline: the same record lookup as the sharing read (`records::get_current`),
/// with no token, policy, masking or audit.
#[derive(Clone)]
struct Bare {
    app: pubdata_app::App,
    table: Arc<RecordTable>,
}

async fn bare(
    State(b): State<Bare>,
    Path(key): Path<String>,
) -> Result<axum::Json<Value>, StatusCode> {
    let v = records::get_current(b.app.db(), b.app.hot(), &b.table, &key)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
        .ok_or(StatusCode::NOT_FOUND)?;
    let values: Map<String, Value> = v
        .values
        .iter()
        .map(|(c, x)| (c.clone(), x.to_json()))
        .collect();
    Ok(axum::Json(json!({ "key": key, "values": values })))
}

fn figures(name: &str, t: &Tally, seconds: u64) -> Figures {
    let f = t.figures(seconds);
    println!(
        "  {name:<38} {:>9} {:>9.0} {:>8.2} {:>8.2} {:>7}",
        t.ok, f.rate, f.p50, f.p99, t.errors
    );
    f
}

async fn audit_size(db: &Db) -> Result<u64> {
    let mut tx = db.begin_read().await?;
    let n = pubdata_store::audit::size(&mut tx).await?;
    tx.rollback().await?;
    Ok(n)
}

pub async fn run(records: u64, clients: usize, seconds: u64, warmup: u64) -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; measure with `cargo run --release -- bench share`");
    }
    if records == 0 || records > 10_000_000 {
        bail!("--records: 1 to 10,000,000");
    }
    if clients == 0 || clients > 4096 || seconds == 0 {
        bail!("--clients: 1 to 4,096; --seconds: at least 1");
    }
    let dir = std::env::temp_dir().join(format!(
        "pubdata-bench-share-{}-{}",
        std::process::id(),
        new_request_id()
    ));
    std::fs::create_dir_all(&dir)?;
    let app = App::open(Config::sqlite_in(&dir))
        .await
        .context("cannot open the bench database")?;
    let result = measure(&app, records, clients, seconds, warmup).await;
    crate::bench::close(app.db().clone(), Scratch::Dir(dir)).await;
    result
}

async fn measure(app: &App, n: u64, clients: usize, seconds: u64, warmup: u64) -> Result<()> {
    let t = Instant::now();
    let (rid, token) = set_up(app, n).await?;
    println!(
        "share: {n} household records (conditional, grant of 4 fields, 3 masked), SQLite; \
         {clients} keep-alive clients, {warmup} s warm-up + {seconds} s each (set-up {:.1} s)",
        t.elapsed().as_secs_f64()
    );
    let keys: Arc<Vec<String>> = Arc::new((0..n).map(citizen_id).collect());

    let (full_addr, full_server) = spawn_server(pubdata_http::router(
        app.clone(),
        pubdata_http::HttpConfig::default(),
    ))
    .await?;
    let purpose: String = PURPOSE.bytes().map(|b| format!("%{b:02X}")).collect();
    let full = || HttpTarget {
        addr: full_addr,
        prefix: format!("/api/v1/share/{rid}/records/"),
        headers: format!("Authorization: Bearer {token}\r\nX-Purpose: {purpose}\r\n"),
        check: crate::bench::status_200(),
        by_key: false,
    };

    // One read first: the answer as the HR system sees it (and a check the path works).
    let before = audit_size(app.db()).await?;
    let mut s = connect(full_addr).await?;
    let mut buf = Vec::new();
    let (status, body) = request(&mut s, &full(), &keys[0], &mut buf).await?;
    let sample = String::from_utf8_lossy(&buf[body..]).into_owned();
    ensure!(status == 200, "the sharing API answered {status}: {sample}");
    println!("  one answer: {sample}");
    drop(s);

    let full_tally = drive(full(), &keys, clients, warmup, seconds).await;
    let after = audit_size(app.db()).await?;
    full_server.abort();

    let mut tx = app.db().begin_read().await?;
    let table = records::get_table(&mut tx, &rid)
        .await?
        .context("the resource has no record table")?;
    tx.rollback().await?;
    let bare_router = Router::new()
        .route("/bare/{key}", get(bare))
        .with_state(Bare {
            app: app.clone(),
            table: Arc::new(table),
        });
    let (bare_addr, bare_server) = spawn_server(bare_router).await?;
    let bare_target = HttpTarget {
        addr: bare_addr,
        prefix: "/bare/".into(),
        headers: String::new(),
        check: crate::bench::status_200(),
        by_key: false,
    };
    let bare_tally = drive(bare_target, &keys, clients, warmup, seconds).await;
    bare_server.abort();

    println!(
        "  {:<38} {:>9} {:>9} {:>8} {:>8} {:>7}",
        "", "requests", "req/s", "p50 ms", "p99 ms", "errors"
    );
    let f = figures(
        "full path (token, grant, mask, audit)",
        &full_tally,
        seconds,
    );
    let b = figures("bare lookup (baseline)", &bare_tally, seconds);
    let ratio = 100.0 * f.rate / b.rate;
    println!("  full / bare: {ratio:.0} %");
    let mark = |met: bool| if met { "met" } else { "MISSED" };
    println!(
        "  aims (DESIGN.md §7): >= 20,000 req/s {}; p99 < 10 ms {}; >= 45 % of bare {}",
        mark(f.rate >= 20_000.0),
        mark(f.p99 < 10.0),
        mark(ratio >= 45.0)
    );

    // Every answered read has its entry: the sample, the warm-up and the measured ones.
    let answered = full_tally.answered + 1;
    let grew = after - before;
    if grew == answered && full_tally.io_errors == 0 {
        println!(
            "  audit log: +{grew} entries for {answered} answered full-path requests: every read audited"
        );
    } else {
        println!(
            "  audit log: +{grew} entries for {answered} answered full-path requests \
             ({} failed on the connection): NOT every read audited exactly once",
            full_tally.io_errors
        );
    }
    Ok(())
}
