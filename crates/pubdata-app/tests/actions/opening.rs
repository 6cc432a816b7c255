//! Opening: the bus company's line data opens unconditionally; its card-swipe records, which
//! hold the riders' ID numbers and card numbers, are blocked by the security review until the
//! ID column is removed and the card number masked, then open conditionally. The open catalog
//! finds the lines by a two-character search; files of each version come out as opened; the
//! records API wants a key and keeps its quota.
//!
//! [`open_city`] is the fixture the other opening tests (applications, interaction) build on.

use super::*;
use pubdata_app::aggregation::{batches, versions};
use pubdata_app::catalog::resources;
use pubdata_app::opening::datasets::{self, CloseInput, OpenQuery};
use pubdata_app::opening::files;
use pubdata_app::opening::keys::{self, NewKey};
use pubdata_app::opening::proposals::{self, DecisionInput, ProposalInput};
use pubdata_app::opening::records::{self, OpenRecordsQuery};
use pubdata_core::catalog::ResourceDoc;
use pubdata_core::identifiers::citizen_id_check_char;
use serde_json::{Value, json};
use sha2::Digest;
use std::collections::BTreeMap;

pub(crate) fn lines_doc(provider: &str) -> ResourceDoc {
    serde_json::from_value(json!({
        "code": "2/02/006/0001", "name": "公交线路信息", "summary": "全市公交线路的首末站、首末班时间和票价。",
        "provider_org_id": provider, "category": "thematic", "theme": "交通出行", "format": "database",
        "update_cycle": "monthly", "share_attr": "unconditional", "share_methods": ["api"],
        "open_attr": "unconditional", "grade": 1, "tags": ["公交", "线路"],
        "fields": [
            {"name": "线路编号", "code": "line_no", "type": "C", "is_key": true},
            {"name": "线路名称", "code": "line_name", "type": "C", "required": true},
            {"name": "首站", "code": "first_stop", "type": "C"},
            {"name": "末站", "code": "last_stop", "type": "C"},
            {"name": "票价（元）", "code": "fare", "type": "Y"}
        ]
    }))
    .expect("a resource document")
}

pub(crate) fn swipes_doc(provider: &str) -> ResourceDoc {
    serde_json::from_value(json!({
        "code": "3/09/001/0001", "name": "公交IC卡刷卡记录", "summary": "公交IC卡刷卡交易记录，用于客流分析。",
        "provider_org_id": provider, "category": "departmental", "theme": "交通出行", "format": "database",
        "update_cycle": "daily", "share_attr": "conditional", "share_condition": "仅用于交通规划",
        "share_methods": ["api"], "open_attr": "conditional",
        "open_condition": "卡号脱敏后向签署协议的科研机构开放", "grade": 4, "tags": ["客流"],
        "fields": [
            {"name": "交易流水号", "code": "txn_id", "type": "C", "is_key": true},
            {"name": "持卡人身份证号", "code": "holder_id", "type": "C", "identifier": "citizen_id", "sensitive": true, "grade": 4},
            {"name": "卡号", "code": "card_no", "type": "C", "sensitive": true, "grade": 3},
            {"name": "线路编号", "code": "line_no", "type": "C"},
            {"name": "上车站点", "code": "boarding_stop", "type": "C"},
            {"name": "扣款金额（元）", "code": "fare", "type": "Y"}
        ]
    }))
    .expect("a resource document")
}

pub(crate) fn rider_id(n: u32) -> String {
    let first17 = format!("36990019900101{n:03}");
    format!("{first17}{}", citizen_id_check_char(&first17).unwrap())
}

fn rows(v: Value) -> Vec<serde_json::Map<String, Value>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_object().unwrap().clone())
        .collect()
}

async fn published(app: &App, doc: ResourceDoc) -> String {
    let r = resources::create_resource(app, &operator(), doc)
        .await
        .expect("create");
    resources::submit_resource(app, &operator(), &r.id)
        .await
        .expect("submit");
    resources::approve_resource(app, &operator(), &r.id)
        .await
        .expect("approve");
    r.id
}

/// The bus company with its steward, its two resources with data published as version 1,
/// the lines opened unconditionally and the swipes conditionally (card numbers masked, ID
/// numbers removed), and a registered member of the public.
pub(crate) struct OpenCity {
    pub bus_org: Org,
    pub bus: Actor,
    pub admin: Actor,
    pub lines: String,
    /// Dataset names: `2-02-006-0001`, `3-09-001-0001`.
    pub lines_name: String,
    pub swipes_name: String,
    pub public: Actor,
}

pub(crate) fn masked_swipes() -> ProposalInput {
    ProposalInput {
        open_attr: "conditional".into(),
        fields: ["txn_id", "card_no", "line_no", "boarding_stop", "fare"]
            .map(String::from)
            .to_vec(),
        masks: BTreeMap::from([("card_no".into(), "bank_card".into())]),
        quasi_identifiers: vec!["line_no".into()],
        ..Default::default()
    }
}

/// The bus company and its data, published but not yet opened.
pub(crate) async fn bus_company(app: &App) -> (Org, Actor, String, String) {
    let bus_org = create_org(app, "澜江市公交集团有限公司", 7).await;
    create_user(app, &bus_org, "bus_steward", Role::Steward).await;
    let bus = web_actor(app, "bus_steward").await;
    let lines = published(app, lines_doc(&bus_org.id)).await;
    let swipes = published(app, swipes_doc(&bus_org.id)).await;
    batches::push_batch(
        app,
        &bus,
        &lines,
        rows(json!([
            {"line_no": "1", "line_name": "1路", "first_stop": "火车站", "last_stop": "高铁南站", "fare": "2.00"},
            {"line_no": "2", "line_name": "2路", "first_stop": "老城区", "last_stop": "开发区", "fare": "2.00"},
            {"line_no": "K3", "line_name": "快3路", "first_stop": "滨江公园", "last_stop": "机场", "fare": "5.00"}
        ])),
    )
    .await
    .expect("lines pushed");
    let swipe_rows: Vec<Value> = (1..=10)
        .map(|n| {
            json!({"txn_id": format!("T{n:04}"), "holder_id": rider_id(n),
                   "card_no": format!("62170000{n:08}"), "line_no": if n <= 5 { "1" } else { "2" },
                   "boarding_stop": format!("站点{n}"), "fare": "2.00"})
        })
        .collect();
    batches::push_batch(app, &bus, &swipes, rows(Value::Array(swipe_rows)))
        .await
        .expect("swipes pushed");
    versions::publish_version(app, &bus, &lines)
        .await
        .expect("lines v1");
    versions::publish_version(app, &bus, &swipes)
        .await
        .expect("swipes v1");
    (bus_org, bus, lines, swipes)
}

pub(crate) async fn open_city(app: &App) -> OpenCity {
    let (bus_org, bus, lines, swipes) = bus_company(app).await;
    let admin = operator();
    let p = proposals::propose_opening(
        app,
        &bus,
        &lines,
        ProposalInput {
            open_attr: "unconditional".into(),
            ..Default::default()
        },
    )
    .await
    .expect("propose the lines");
    assert!(p.review.passed, "{:?}", p.review.findings);
    proposals::approve_opening(app, &admin, &p.id, DecisionInput::default())
        .await
        .expect("approve the lines");
    let p = proposals::propose_opening(app, &bus, &swipes, masked_swipes())
        .await
        .expect("propose the swipes");
    assert!(p.review.passed, "{:?}", p.review.findings);
    proposals::approve_opening(app, &admin, &p.id, DecisionInput::default())
        .await
        .expect("approve the swipes");
    users::register_user(
        app,
        &anonymous(),
        users::Registration {
            username: "zhang_dev".into(),
            display_name: "张开发".into(),
            password: PASSWORD.into(),
            contact: Some("zhang@example.com".into()),
        },
    )
    .await
    .expect("register");
    let public = web_actor(app, "zhang_dev").await;
    OpenCity {
        bus_org,
        bus,
        admin,
        lines,
        lines_name: "2-02-006-0001".into(),
        swipes_name: "3-09-001-0001".into(),
        public,
    }
}

async fn body_text(d: files::OpenDownload) -> String {
    use futures_util::StreamExt;
    let mut out = Vec::new();
    let mut s = d.body;
    while let Some(chunk) = s.next().await {
        out.extend_from_slice(&chunk.expect("a chunk"));
    }
    String::from_utf8(out).expect("UTF-8")
}

#[tokio::test]
async fn a_personal_data_resource_is_blocked_by_the_review_and_opens_once_masked() {
    for t in apps().await {
        let app = &t.app;
        let (_, bus, _lines, swipes) = bus_company(app).await;

        // Everything kept: the ID numbers and card numbers are named.
        let p = proposals::propose_opening(
            app,
            &bus,
            &swipes,
            ProposalInput {
                open_attr: "conditional".into(),
                ..Default::default()
            },
        )
        .await
        .expect("a proposal is filed even when its review fails");
        assert!(!p.review.passed, "{}", t.backend);
        let named: Vec<(&str, &str)> = p
            .review
            .findings
            .iter()
            .map(|f| (f.field.as_str(), f.code.as_str()))
            .collect();
        assert!(
            named.contains(&("holder_id", "personal_data_unmasked")),
            "{named:?}"
        );
        assert!(
            named.contains(&("holder_id", "sensitive_field_kept")),
            "{named:?}"
        );
        assert!(
            named.contains(&("card_no", "sensitive_field_kept")),
            "{named:?}"
        );
        assert!(
            p.review.findings[0].message.contains("持卡人身份证号"),
            "the message names the field: {}",
            p.review.findings[0].message
        );
        let refused =
            proposals::approve_opening(app, &operator(), &p.id, DecisionInput::default()).await;
        assert_eq!(
            refused.unwrap_err().code(),
            "security_review_failed",
            "{}",
            t.backend
        );

        // Masked, but a quasi-identifier singles riders out: every boarding stop is unique.
        let mut input = masked_swipes();
        input.quasi_identifiers = vec!["boarding_stop".into()];
        let p = proposals::propose_opening(app, &bus, &swipes, input)
            .await
            .unwrap();
        assert!(!p.review.passed);
        let f = &p.review.findings[0];
        assert_eq!(
            (f.field.as_str(), f.code.as_str()),
            ("boarding_stop", "group_too_small")
        );
        assert_eq!(p.review.k, Some(1));
        assert_eq!(p.review.share_below_k, Some(1.0));

        // Masked, with the line as the quasi-identifier (groups of 5): it passes.
        let p = proposals::propose_opening(app, &bus, &swipes, masked_swipes())
            .await
            .unwrap();
        assert!(p.review.passed, "{:?}", p.review.findings);
        assert_eq!(p.review.k, Some(5));
        // The steward cannot approve its own proposal; the authority can.
        let denied = proposals::approve_opening(app, &bus, &p.id, DecisionInput::default()).await;
        assert_eq!(denied.unwrap_err().code(), "role_required");
        let approved =
            proposals::approve_opening(app, &operator(), &p.id, DecisionInput::default())
                .await
                .unwrap();
        assert_eq!(approved.dataset_name, "3-09-001-0001");

        // Conditional: no anonymous download; the file is there for agreement holders.
        let refused = files::download_open_file(app, &anonymous(), "3-09-001-0001", 1, "csv").await;
        assert_eq!(refused.err().unwrap().code(), "agreement_required");
        let cat = datasets::search_open_data(app, &anonymous(), OpenQuery::default())
            .await
            .unwrap();
        let d = &cat.items[0];
        assert_eq!(d.name, "3-09-001-0001");
        let v1 = &d.versions[0];
        assert_eq!(v1.rows, Some(10));
        assert_eq!(v1.files.len(), 3, "csv, parquet and json: {:?}", v1.files);
        assert!(
            d.fields.iter().all(|f| f.code != "holder_id"),
            "the removed field is not listed"
        );
        let page = datasets::view_open_dataset(app, &anonymous(), "3-09-001-0001")
            .await
            .unwrap();
        assert!(
            page.preview.is_empty(),
            "conditional data shows no rows without an agreement"
        );

        // A later version brings mobile numbers into an opened field: reviewed again under
        // the approved terms, it fails and stays closed.
        batches::push_batch(
            app,
            &bus,
            &swipes,
            rows(json!([{"txn_id": "T0001", "holder_id": rider_id(1),
                         "card_no": "6217000000000001", "line_no": "1",
                         "boarding_stop": "13812345678", "fare": "2.00"},
                        {"txn_id": "T0002", "holder_id": rider_id(2),
                         "card_no": "6217000000000002", "line_no": "1",
                         "boarding_stop": "13812345679", "fare": "2.00"}])),
        )
        .await
        .unwrap();
        let cells = |n: u32| {
            json!({"txn_id": format!("T{n:04}"), "holder_id": rider_id(n),
                   "card_no": format!("62170000{n:08}"), "line_no": "1",
                   "boarding_stop": format!("1381234{n:04}"), "fare": "2.00"})
        };
        batches::push_batch(
            app,
            &bus,
            &swipes,
            rows(Value::Array((3..=10).map(cells).collect())),
        )
        .await
        .unwrap();
        versions::publish_version(app, &bus, &swipes).await.unwrap();
        let cat = datasets::search_open_data(app, &anonymous(), OpenQuery::default())
            .await
            .unwrap();
        let d = &cat.items[0];
        assert_eq!(d.versions[0].number, 2);
        assert!(
            d.versions[0].files.is_empty(),
            "the failing version has no files"
        );
        assert_eq!(d.versions[1].files.len(), 3, "version 1 stays open");
    }
}

#[tokio::test]
async fn a_visitor_finds_the_bus_lines_by_two_characters_previews_and_downloads_them() {
    for t in apps().await {
        let app = &t.app;
        let city = open_city(app).await;
        let visitor = anonymous();
        let found = datasets::search_open_data(
            app,
            &visitor,
            OpenQuery {
                q: Some("公交".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(found.total, 2, "{}", t.backend);
        assert_eq!(
            found.items[0].name, city.lines_name,
            "the title match first"
        );
        assert_eq!(found.facets["open_attr"]["unconditional"], 1);
        assert_eq!(found.facets["open_attr"]["conditional"], 1);
        let only = datasets::search_open_data(
            app,
            &visitor,
            OpenQuery {
                q: Some("票价".into()),
                open_attr: Some("unconditional".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(only.total, 1);
        assert_eq!(
            only.facets["open_attr"].get("conditional"),
            None,
            "the swipes do not match 票价"
        );

        let view = datasets::view_open_dataset(app, &visitor, &city.lines_name)
            .await
            .unwrap();
        assert_eq!(view.preview.len(), 3);
        assert_eq!(view.preview[0][1].as_deref(), Some("1路"));
        assert_eq!(view.dataset.counts.views, 1);
        assert_eq!(view.dataset.licence, "CC-BY-4.0");

        let csv = files::download_open_file(app, &visitor, &city.lines_name, 1, "csv")
            .await
            .unwrap();
        let sha = csv.sha256.clone();
        let text = body_text(csv).await;
        assert!(text.starts_with("line_no,line_name"), "{text}");
        assert_eq!(hex::encode(sha2::Sha256::digest(text.as_bytes())), sha);
        let json_file = files::download_open_file(app, &visitor, &city.lines_name, 1, "json")
            .await
            .unwrap();
        let rows: Value = serde_json::from_str(&body_text(json_file).await).unwrap();
        assert_eq!(rows[2]["line_name"], "快3路");
        let parquet = files::download_open_file(app, &visitor, &city.lines_name, 1, "parquet")
            .await
            .unwrap();
        assert!(parquet.size > 0);
        let missing = files::download_open_file(app, &visitor, &city.lines_name, 9, "csv").await;
        assert_eq!(missing.err().unwrap().code(), "version_not_found");
        let bad = files::download_open_file(app, &visitor, &city.lines_name, 1, "xlsx").await;
        assert_eq!(bad.err().unwrap().code(), "invalid_format");

        // A new version is opened as it is published.
        batches::push_batch(
            app,
            &city.bus,
            &city.lines,
            rows_of(json!([{"line_no": "5", "line_name": "5路", "fare": "1.00"}])),
        )
        .await
        .unwrap();
        versions::publish_version(app, &city.bus, &city.lines)
            .await
            .unwrap();
        let view = datasets::view_open_dataset(app, &visitor, &city.lines_name)
            .await
            .unwrap();
        assert_eq!(view.dataset.versions[0].number, 2);
        assert_eq!(view.dataset.versions[0].rows, Some(4));
        assert_eq!(view.dataset.versions[0].files.len(), 3);

        // The open list, then a closing takes it off.
        let list = datasets::open_list(app, &visitor).await.unwrap();
        assert_eq!(list.len(), 2);
        let csv = datasets::open_list_csv(&list).unwrap();
        assert!(String::from_utf8_lossy(&csv).contains("公交线路信息"));
        datasets::close_open_dataset(
            app,
            &city.admin,
            &city.lines_name,
            CloseInput {
                reason: "线路调整中".into(),
            },
        )
        .await
        .unwrap();
        let gone = datasets::view_open_dataset(app, &visitor, &city.lines_name).await;
        assert_eq!(gone.err().unwrap().code(), "dataset_not_found");
    }
}

/// Another instance on the same database closes a dataset: this one keeps serving its
/// catalog (no reader waits on a rebuild), and past the refresh time a background look at
/// the store sees the change and rebuilds.
#[tokio::test]
async fn another_instances_closing_reaches_this_ones_catalog_after_its_refresh_time() {
    let refresh = std::time::Duration::from_millis(300);
    for t in apps_with(|c| c.open_catalog_refresh = refresh).await {
        let app = &t.app;
        let city = open_city(app).await;
        let visitor = anonymous();
        let names = |app: &App| {
            let app = app.clone();
            let visitor = visitor.clone();
            async move {
                let page = datasets::search_open_data(&app, &visitor, OpenQuery::default())
                    .await
                    .unwrap();
                page.items.into_iter().map(|d| d.name).collect::<Vec<_>>()
            }
        };
        assert!(names(app).await.contains(&city.lines_name), "{}", t.backend);

        let other = App::open(app.config().clone()).await.unwrap();
        datasets::close_open_dataset(
            &other,
            &city.admin,
            &city.lines_name,
            CloseInput {
                reason: "线路调整中".into(),
            },
        )
        .await
        .unwrap();
        // Within the refresh time this instance has no reason to look.
        assert!(names(app).await.contains(&city.lines_name), "{}", t.backend);
        tokio::time::sleep(refresh).await;
        let started = std::time::Instant::now();
        let mut seen = false;
        while started.elapsed() < std::time::Duration::from_secs(10) {
            if !names(app).await.contains(&city.lines_name) {
                seen = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(
            seen,
            "{}: the closing never reached the other instance",
            t.backend
        );
        // Nothing moved since: the next look keeps the snapshot.
        let first = names(app).await;
        tokio::time::sleep(refresh).await;
        assert_eq!(names(app).await, first, "{}", t.backend);
    }
}

fn rows_of(v: Value) -> Vec<serde_json::Map<String, Value>> {
    rows(v)
}

#[tokio::test]
async fn the_records_api_wants_a_key_keeps_its_quota_and_masks() {
    for t in apps().await {
        let app = &t.app;
        let city = open_city(app).await;
        let q = || OpenRecordsQuery::default();
        let no_key =
            records::read_open_records(app, &anonymous(), None, &city.lines_name, q()).await;
        assert_eq!(
            no_key.err().unwrap().code(),
            "api_key_required",
            "{}",
            t.backend
        );

        let key = keys::create_developer_key(app, &city.public, NewKey::default())
            .await
            .unwrap();
        assert!(key.key.starts_with("pdk_"));
        let dev = tokens::authenticate_token(app, &key.key, &rid())
            .await
            .expect("a key is a token");
        let page = records::read_open_records(
            app,
            &dev,
            Some(&key.key),
            &city.lines_name,
            OpenRecordsQuery {
                filters: vec![("fare".into(), "2.00".into())],
                limit: Some(1),
                ..q()
            },
        )
        .await
        .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0]["line_no"], "1");
        let next = page.next_cursor.clone().expect("a second page");
        let page2 = records::read_open_records(
            app,
            &dev,
            Some(&key.key),
            &city.lines_name,
            OpenRecordsQuery {
                filters: vec![("fare".into(), "2.00".into())],
                limit: Some(1),
                cursor: Some(next),
            },
        )
        .await
        .unwrap();
        assert_eq!(page2.items[0]["line_no"], "2");
        assert_eq!(page2.next_cursor, None);

        // Conditional data: a developer key is not an agreement.
        let cond =
            records::read_open_records(app, &dev, Some(&key.key), &city.swipes_name, q()).await;
        assert_eq!(cond.err().unwrap().code(), "agreement_required");
        let unknown = records::read_open_records(
            app,
            &dev,
            Some(&key.key),
            &city.lines_name,
            OpenRecordsQuery {
                filters: vec![("driver".into(), "x".into())],
                ..q()
            },
        )
        .await;
        assert_eq!(unknown.err().unwrap().code(), "filter_not_opened");

        // The quota: a minute's worth, then 429 with a wait.
        let mut over = None;
        for _ in 0..(2 * keys::DEVELOPER_RATE_PER_MINUTE) {
            match records::read_open_records(app, &dev, Some(&key.key), &city.lines_name, q()).await
            {
                Ok(_) => {}
                Err(e) => {
                    over = Some(e);
                    break;
                }
            }
        }
        match over {
            Some(pubdata_app::ActionError::TooManyRequests { code, retry_after }) => {
                assert_eq!(code, "over_quota");
                assert!(retry_after >= 1);
            }
            other => panic!("expected over_quota, got {other:?}"),
        }
    }
}
