//! Aggregation: uploads (GBK, bad rows, fixed and re-sent), pushes, the record store with its
//! history, published versions with their hashes, recovery of interrupted batches,
//! timeliness, and pulls from a unit's PostgreSQL database.

use super::*;
use futures_util::StreamExt;
use pubdata_app::aggregation::batches::{self, Batch, Upload};
use pubdata_app::aggregation::pull_source::{PullSpec, SourceKind};
use pubdata_app::aggregation::{pulls, records, timeliness, versions};
use pubdata_app::catalog::resources;
use pubdata_core::catalog::ResourceDoc;
use pubdata_core::identifiers::{citizen_id_check_char, credit_code_check_char};
use sha2::Digest;

fn firms(provider: &str) -> ResourceDoc {
    serde_json::from_value(serde_json::json!({
        "code": "1/01/001/0001", "name": "市场主体登记信息", "summary": "企业的登记与经营状态",
        "provider_org_id": provider, "category": "basic", "theme": "市场监管", "format": "database",
        "update_cycle": "daily", "share_attr": "unconditional", "share_methods": ["api"],
        "open_attr": "not_open", "grade": 3, "tags": ["企业"],
        "fields": [
            {"name": "统一社会信用代码", "code": "uscc", "type": "C", "is_key": true, "identifier": "uscc"},
            {"name": "企业名称", "code": "name", "type": "C", "required": true},
            {"name": "法定代表人身份证号", "code": "rep_id", "type": "C", "identifier": "citizen_id", "grade": 3},
            {"name": "从业人数", "code": "staff", "type": "I", "rules": {"min": 0, "max": 100000}},
            {"name": "企业类型", "code": "kind", "type": "C", "rules": {"codes": ["1100", "1200"]}},
            {"name": "成立日期", "code": "founded", "type": "D"}
        ]
    }))
    .expect("a resource document")
}

fn firm_uscc(n: u32) -> String {
    let first17 = format!("9135010000000{n:04}");
    format!("{first17}{}", credit_code_check_char(&first17).unwrap())
}

fn person_id(n: u32) -> String {
    let first17 = format!("35010219800101{n:03}");
    format!("{first17}{}", citizen_id_check_char(&first17).unwrap())
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

fn gbk_file(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let (bytes, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad, "GBK can write the test text");
    let path = dir.join(name);
    std::fs::write(&path, &bytes).unwrap();
    path
}

async fn upload(
    app: &App,
    actor: &Actor,
    id: &str,
    path: &std::path::Path,
) -> Result<Batch, ActionError> {
    let up = Upload {
        path: path.to_owned(),
        file_name: "firms.csv".into(),
        encoding: None,
        choices: vec![],
    };
    batches::upload_batch(app, actor, id, up, |_| {}).await
}

#[tokio::test]
async fn a_steward_uploads_gbk_rows_fixes_the_rejected_ones_and_the_records_keep_their_history() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let market = create_org(app, "澜江市市场监督管理局", 1).await;
        create_user(app, &market, "market_steward", Role::Steward).await;
        let steward = web_actor(app, "market_steward").await;
        let other = create_org(app, "澜江水务集团有限公司", 2).await;
        create_user(app, &other, "water_steward", Role::Steward).await;
        let stranger = web_actor(app, "water_steward").await;
        let id = published(app, firms(&market.id)).await;

        // Four good rows; a broken credit code, a negative head count with an unknown type,
        // a missing name, and a repeated key.
        let mut broken = firm_uscc(2);
        broken.replace_range(17.., if broken.ends_with('0') { "1" } else { "0" });
        let text = format!(
            "统一社会信用代码,企业名称,法定代表人身份证号,从业人数,企业类型,成立日期,备注\n\
             {},澜江第一贸易有限公司,{},12,1100,2001/2/3,\n\
             {broken},澜江第二贸易有限公司,{},5,1100,2002-01-01,\n\
             {},澜江第三贸易有限公司,,-1,9999,2003-01-01,\n\
             {},,,,,,缺名称\n\
             {},澜江第五贸易有限公司,,7,1200,20050505,\n\
             {},澜江第一贸易有限公司（重复）,,12,1100,2001-02-03,\n\
             {},澜江第七贸易有限公司,,,,,\n\
             {},澜江第八贸易有限公司,{},800,1200,2008年8月8日,\n",
            firm_uscc(1),
            person_id(1),
            person_id(2),
            firm_uscc(3),
            firm_uscc(4),
            firm_uscc(5),
            firm_uscc(1),
            firm_uscc(7),
            firm_uscc(8),
            person_id(8),
        );
        let file = gbk_file(&t.dir, "firms-gbk.csv", &text);

        // Another unit's steward may not send this unit's data: nothing is written.
        let refused = upload(app, &stranger, &id, &file).await;
        assert_refused!(refused, ActionError::Forbidden("other_org"), b);

        let batch = upload(app, &steward, &id, &file)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(batch.status, "accepted", "{b}");
        assert_eq!(
            (batch.rows, batch.accepted, batch.rejected, batch.inserted),
            (8, 4, 4, 4),
            "{b}"
        );
        assert_eq!(batch.encoding.as_deref(), Some("GB18030/GBK"), "{b}");
        let q = batch.quality.clone().expect("a report");
        assert_eq!(
            (q.validity.passed, q.validity.total),
            (6, 8),
            "{b}: two rows hold invalid values"
        );
        assert_eq!(
            (q.uniqueness.passed, q.consistency.passed),
            (7, 7),
            "{b}: one repeat, with other values"
        );
        assert!(
            q.completeness.percent < 100.0 && q.score < 100.0,
            "{b}: {q:?}"
        );
        for code in [
            "invalid_uscc",
            "out_of_range",
            "not_in_code_list",
            "required",
            "duplicate_key",
        ] {
            assert!(
                q.problems.contains_key(code),
                "{b}: {code} in {:?}",
                q.problems
            );
        }
        assert_eq!(q.sample.len(), 4, "{b}");

        // The rejected rows come back with their reasons, to fix and send again.
        let (_, csv_bytes) = batches::rejected_rows_csv(app, &steward, &batch.id)
            .await
            .expect("rejected rows");
        let csv_text = String::from_utf8(csv_bytes).unwrap();
        let csv_text = csv_text.strip_prefix('\u{feff}').expect("a BOM for Excel");
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(csv_text.as_bytes());
        let head: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(&head[..3], ["reason", "line", "统一社会信用代码"], "{b}");
        let rejected: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        assert_eq!(
            rejected.iter().map(|r| r[1].as_str()).collect::<Vec<_>>(),
            ["3", "4", "5", "7"],
            "{b}"
        );
        assert!(
            rejected[0][0].contains("统一社会信用代码"),
            "{b}: {}",
            rejected[0][0]
        );
        assert!(
            rejected[2][0].contains("企业名称必填"),
            "{b}: {}",
            rejected[2][0]
        );

        // Fixed in the downloaded file itself (the reason and line columns are ignored), the
        // repeated row dropped.
        let mut fixed = csv::Writer::from_writer(Vec::new());
        fixed.write_record(&head).unwrap();
        for (i, row) in rejected.iter().enumerate() {
            let mut row = row.clone();
            match i {
                0 => row[2] = firm_uscc(2),
                1 => {
                    row[5] = "3".into();
                    row[6] = "1200".into();
                }
                2 => row[3] = "澜江第四贸易有限公司".into(),
                _ => continue,
            }
            fixed.write_record(&row).unwrap();
        }
        let fixed_path = t.dir.join("fixed.csv");
        std::fs::write(&fixed_path, fixed.into_inner().unwrap()).unwrap();
        let again = upload(app, &steward, &id, &fixed_path)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(
            (again.accepted, again.rejected, again.inserted),
            (3, 0, 3),
            "{b}"
        );

        // A record changed by a later batch keeps its first version.
        let before_change = chrono::Utc::now().to_rfc3339();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let change = serde_json::json!({"uscc": firm_uscc(1), "name": "澜江第一贸易集团有限公司", "staff": 15, "kind": "1100"});
        let pushed = batches::push_batch(
            app,
            &steward,
            &id,
            vec![change.as_object().unwrap().clone()],
        )
        .await
        .expect("push");
        assert_eq!((pushed.updated, pushed.source.as_str()), (1, "push"), "{b}");
        let now = records::get_record(app, &steward, &id, &firm_uscc(1), None)
            .await
            .expect("record");
        assert_eq!(now.values["name"], "澜江第一贸易集团有限公司", "{b}");
        assert_eq!(now.values["staff"], 15, "{b}");
        assert_eq!(
            now.values["founded"],
            serde_json::Value::Null,
            "{b}: the push sent no date"
        );
        let then = records::get_record(app, &steward, &id, &firm_uscc(1), Some(&before_change))
            .await
            .expect("as of");
        assert_eq!(
            (
                then.values["name"].as_str(),
                then.values["founded"].as_str()
            ),
            (Some("澜江第一贸易有限公司"), Some("2001-02-03")),
            "{b}"
        );
        let history = records::record_history(app, &steward, &id, &firm_uscc(1))
            .await
            .expect("history");
        assert_eq!(history.len(), 2, "{b}");
        assert_eq!(
            (history[0].batch_id.as_str(), history[1].batch_id.as_str()),
            (batch.id.as_str(), pushed.id.as_str()),
            "{b}"
        );
        assert_eq!(history[0].changed_by, "market_steward", "{b}");
        assert!(
            history[0].replaced_at.is_some() && history[1].replaced_at.is_none(),
            "{b}"
        );
        let missing = records::get_record(app, &steward, &id, "nope", None).await;
        assert_refused!(missing, ActionError::NotFound("record_not_found"), b);
        let old_list = records::list_records(app, &steward, &id, Some(&before_change), None, 100)
            .await
            .unwrap();
        assert_eq!(old_list.0.len(), 7, "{b}");

        // A version: CSV and Parquet, each with the SHA-256 of what is downloaded.
        let v = versions::publish_version(app, &steward, &id)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!((v.number, v.rows), (1, 7), "{b}");
        let formats: Vec<&str> = v.files.iter().map(|f| f.format.as_str()).collect();
        assert_eq!(formats, ["csv", "parquet"], "{b}");
        for f in &v.files {
            let mut d = versions::version_file(app, &steward, &id, 1, &f.format)
                .await
                .expect("download");
            let mut bytes = Vec::new();
            while let Some(chunk) = d.body.next().await {
                bytes.extend_from_slice(&chunk.unwrap());
            }
            assert_eq!(bytes.len() as u64, f.size, "{b}");
            assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), f.sha256, "{b}");
            if f.format == "csv" {
                let text = String::from_utf8(bytes).unwrap();
                assert!(
                    text.starts_with("uscc,name,rep_id,staff,kind,founded\n"),
                    "{b}: {text}"
                );
                assert!(
                    text.contains("澜江第一贸易集团有限公司,,15,1100,"),
                    "{b}: {text}"
                );
            } else {
                assert_eq!(&bytes[..4], b"PAR1", "{b}");
            }
        }
        let listed = versions::list_versions(app, &steward, &id).await.unwrap();
        assert_eq!((listed.items.len(), listed.auto_publish), (1, false), "{b}");
        let gone = versions::version_file(app, &steward, &id, 9, "csv").await;
        assert_refused!(gone, ActionError::NotFound("version_not_found"), b);
        let peek = versions::list_versions(app, &stranger, &id).await;
        assert_refused!(peek, ActionError::Forbidden("other_org"), b);

        // Every step is in the audit log, the refusal too.
        let steps: Vec<String> = audit_entries(app)
            .await
            .iter()
            .filter(|(_, e)| {
                e.action.as_str().contains("batch") || e.action == Action::PublishDataVersion
            })
            .map(|(_, e)| format!("{} {:?}", e.action.as_str(), e.decision))
            .collect();
        assert_eq!(
            steps,
            [
                "upload_batch Deny(\"other_org\")",
                "upload_batch Allow",
                "upload_batch Allow",
                "push_batch Allow",
                "publish_data_version Allow"
            ],
            "{b}"
        );
    }
}

#[tokio::test]
async fn bad_input_is_refused_whole_and_nothing_is_half_written() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let market = create_org(app, "澜江市市场监督管理局", 1).await;
        create_user(app, &market, "market_steward", Role::Steward).await;
        let steward = web_actor(app, "market_steward").await;
        let id = published(app, firms(&market.id)).await;

        // A push with a key the resource does not have.
        let row = serde_json::json!({"uscc": firm_uscc(1), "name": "甲", "colour": "red"});
        let r =
            batches::push_batch(app, &steward, &id, vec![row.as_object().unwrap().clone()]).await;
        let e = assert_refused!(
            r,
            ActionError::Invalid {
                code: "unknown_field",
                ..
            },
            b
        );
        assert!(format!("{e:?}").contains("colour"), "{b}");

        // A file for another resource: its key column is not there.
        let wrong = gbk_file(&t.dir, "wrong.csv", "线路编号,线路名称\nK1,一路\n");
        let r = upload(app, &steward, &id, &wrong).await;
        assert_refused!(
            r,
            ActionError::Invalid {
                code: "missing_key_column",
                ..
            },
            b
        );

        // An empty file, and one with a header only.
        let empty = t.dir.join("empty.csv");
        std::fs::write(&empty, b"").unwrap();
        assert_refused!(
            upload(app, &steward, &id, &empty).await,
            ActionError::Invalid {
                code: "empty_file",
                ..
            },
            b
        );
        let header_only = gbk_file(&t.dir, "header.csv", "统一社会信用代码,企业名称\n");
        assert_refused!(
            upload(app, &steward, &id, &header_only).await,
            ActionError::Invalid {
                code: "no_rows",
                ..
            },
            b
        );

        // Every row rejected: the batch failed, its rows kept for correction.
        let all_bad = gbk_file(
            &t.dir,
            "bad.csv",
            "统一社会信用代码,企业名称\n123,甲\n456,乙\n",
        );
        let failed = upload(app, &steward, &id, &all_bad)
            .await
            .expect("a failed batch is still a batch");
        assert_eq!(
            (failed.status.as_str(), failed.rejected),
            ("failed", 2),
            "{b}"
        );
        assert_eq!(
            failed.error.as_ref().map(|e| e.code.as_str()),
            Some("all_rows_rejected"),
            "{b}"
        );

        // A resource still in draft takes no data.
        let mut draft_doc = firms(&market.id);
        draft_doc.code = "1/01/001/0002".into();
        let draft = resources::create_resource(app, &steward, draft_doc)
            .await
            .unwrap();
        let row = serde_json::json!({"uscc": firm_uscc(1), "name": "甲"});
        let r = batches::push_batch(
            app,
            &steward,
            &draft.id,
            vec![row.as_object().unwrap().clone()],
        )
        .await;
        assert_refused!(r, ActionError::Conflict("resource_not_published"), b);

        // Nothing of the refused batches reached the record store.
        let (items, _) = records::list_records(app, &steward, &id, None, None, 100)
            .await
            .unwrap();
        assert!(items.is_empty(), "{b}: {items:?}");
        let (listed, _) = batches::list_batches(app, &steward, &id, None, 50)
            .await
            .unwrap();
        let statuses: Vec<&str> = listed.iter().map(|b| b.status.as_str()).collect();
        assert!(statuses.iter().all(|s| *s == "failed"), "{b}: {statuses:?}");
    }
}

#[tokio::test]
async fn a_batch_left_running_by_a_crash_is_marked_failed_with_its_own_audit_entry() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let market = create_org(app, "澜江市市场监督管理局", 1).await;
        let id = published(app, firms(&market.id)).await;
        let row = pubdata_store::aggregation::batches::BatchRow {
            id: pubdata_app::new_id(),
            resource_id: id.clone(),
            org_id: market.id.clone(),
            source: "upload".into(),
            status: "running".into(),
            file_name: Some("big.csv".into()),
            file_format: None,
            encoding: None,
            header: "[]".into(),
            rows_total: 0,
            accepted: 0,
            rejected: 0,
            inserted: 0,
            updated: 0,
            unchanged: 0,
            quality: None,
            score: None,
            error_code: None,
            error_message: None,
            pull_source_id: None,
            created_by: "market_steward".into(),
            created_at: now_ms() - 1000,
            finished_at: None,
        };
        let permit = pubdata_core::policy::anyone(Action::UploadBatch).unwrap();
        let mut tx = app.db().begin().await.unwrap();
        pubdata_store::aggregation::batches::insert(&mut tx, &permit, &row)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        assert_eq!(batches::recover_interrupted(app).await.unwrap(), 1, "{b}");
        let after = batches::get_batch(app, &operator(), &row.id).await.unwrap();
        assert_eq!(
            (after.status.as_str(), after.error.map(|e| e.code)),
            ("failed", Some("interrupted".into())),
            "{b}"
        );
        let logged = audit_entries(app)
            .await
            .into_iter()
            .filter(|(_, e)| e.action == Action::FailBatch)
            .count();
        assert_eq!(logged, 1, "{b}");
        assert_eq!(
            batches::recover_interrupted(app).await.unwrap(),
            0,
            "{b}: once only"
        );
    }
}

#[tokio::test]
async fn a_resource_past_its_update_cycle_is_overdue_for_its_unit_and_city_wide() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let market = create_org(app, "澜江市市场监督管理局", 1).await;
        create_user(app, &market, "market_steward", Role::Steward).await;
        let steward = web_actor(app, "market_steward").await;
        let id = published(app, firms(&market.id)).await;

        let fresh = timeliness::update_duties(app, &steward, Some(&market.id))
            .await
            .unwrap();
        assert_eq!(fresh.len(), 1, "{b}");
        assert!(!fresh[0].overdue(), "{b}: published today, due tomorrow");

        // Published ten days ago and never updated: a daily resource is nine days late.
        let ten_days_ago = now_ms() - 10 * 86_400_000;
        let sql = "UPDATE resources SET published_at = $1 WHERE id = $2";
        match app.db() {
            Db::Sqlite(p) => sqlx::query(sql)
                .bind(ten_days_ago)
                .bind(&id)
                .execute(p)
                .await
                .map(|_| ()),
            Db::Postgres(p) => sqlx::query(sql)
                .bind(ten_days_ago)
                .bind(&id)
                .execute(p)
                .await
                .map(|_| ()),
        }
        .unwrap();
        let late = timeliness::update_duties(app, &operator(), None)
            .await
            .unwrap();
        assert_eq!(late[0].days_overdue, 9, "{b}: {late:?}");
        assert_eq!(timeliness::by_unit(&late)[0].overdue, 1, "{b}");
        let mine = timeliness::update_duties(app, &steward, None).await;
        assert_refused!(mine, ActionError::Forbidden("other_org"), b);

        // A batch today: on time again, and its timeliness counts the lateness.
        let row = serde_json::json!({"uscc": firm_uscc(1), "name": "甲"});
        let batch = batches::push_batch(app, &steward, &id, vec![row.as_object().unwrap().clone()])
            .await
            .unwrap();
        let q = batch.quality.unwrap();
        assert_eq!(q.timeliness.days_late, 9, "{b}");
        assert_eq!(
            q.timeliness.percent, 0.0,
            "{b}: a daily cycle nine days late"
        );
        let now = timeliness::update_duties(app, &steward, Some(&market.id))
            .await
            .unwrap();
        assert!(!now[0].overdue(), "{b}");
    }
}

#[tokio::test]
async fn pulls_read_a_unit_database_from_where_the_last_one_stopped() {
    let Ok(server) = std::env::var(POSTGRES_URL_VAR) else {
        eprintln!("skipped: set {POSTGRES_URL_VAR} to pull from a PostgreSQL source");
        return;
    };
    let (source_url, source_db) = pubdata_store::db::create_scratch_postgres(&server)
        .await
        .unwrap();
    let mut conn = sqlx::PgConnection::connect(&source_url).await.unwrap();
    sqlx::query("CREATE TABLE firms (credit_code text PRIMARY KEY, firm_name text, staff int, updated timestamptz)")
        .execute(&mut conn)
        .await
        .unwrap();
    let insert = async |conn: &mut sqlx::PgConnection, n: u32, at: &str| {
        sqlx::query("INSERT INTO firms VALUES ($1, $2, $3, $4::timestamptz)")
            .bind(firm_uscc(n))
            .bind(format!("澜江第{n}贸易有限公司"))
            .bind(n as i32)
            .bind(at)
            .execute(conn)
            .await
            .unwrap();
    };
    // Rows sharing a timestamp across the page boundary of a pull.
    for n in 1..=5 {
        insert(&mut conn, n, "2026-03-01T08:00:00+08:00").await;
    }
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let market = create_org(app, "澜江市市场监督管理局", 1).await;
        let mut doc = firms(&market.id);
        doc.fields[0].name = "credit_code".into();
        doc.fields[1].name = "firm_name".into();
        let id = published(app, doc).await;
        let admin_org = create_org(app, "澜江市大数据局", 90).await;
        create_user(app, &admin_org, "admin", Role::PlatformAdmin).await;
        let admin = web_actor(app, "admin").await;
        let spec = |table: &str| PullSpec {
            kind: SourceKind::Postgres,
            url: source_url.clone(),
            table: Some(table.into()),
            query: None,
            cursor_column: "updated".into(),
            key_column: "credit_code".into(),
        };
        let nowhere = pulls::create_pull_source(app, &admin, &id, spec("no_such_table")).await;
        assert_refused!(
            nowhere,
            ActionError::Invalid {
                code: "unknown_table",
                ..
            },
            b
        );
        let steward_try = pulls::create_pull_source(app, &operator(), &id, spec("firms")).await;
        assert!(steward_try.is_ok(), "{b}: the platform itself may register");
        let source = steward_try.unwrap();

        let first = pulls::run_pull(app, &admin, &source.id)
            .await
            .unwrap()
            .expect("a batch");
        assert_eq!((first.source.as_str(), first.accepted), ("pull", 5), "{b}");
        assert!(
            pulls::run_pull(app, &admin, &source.id)
                .await
                .unwrap()
                .is_none(),
            "{b}: nothing new"
        );

        let mut conn = sqlx::PgConnection::connect(&source_url).await.unwrap();
        insert(&mut conn, 6, "2026-03-01T08:00:00+08:00").await; // same time, larger key
        insert(&mut conn, 7, "2026-03-02T08:00:00+08:00").await;
        sqlx::query("UPDATE firms SET staff = 99, updated = '2026-03-03T08:00:00+08:00' WHERE credit_code = $1")
            .bind(firm_uscc(2))
            .execute(&mut conn)
            .await
            .unwrap();
        let second = pulls::run_pull(app, &admin, &source.id)
            .await
            .unwrap()
            .expect("a batch");
        assert_eq!(
            (second.accepted, second.inserted, second.updated),
            (3, 2, 1),
            "{b}"
        );
        let r = records::get_record(app, &admin, &id, &firm_uscc(2), None)
            .await
            .unwrap();
        assert_eq!(r.values["staff"], 99, "{b}");
        let listed = pulls::list_pull_sources(app, &admin).await.unwrap();
        assert_eq!(
            listed[0].last_batch_id.as_deref(),
            Some(second.id.as_str()),
            "{b}"
        );
        assert!(!listed[0].url.contains("password"), "{b}");
        sqlx::query("DELETE FROM firms WHERE credit_code = $1")
            .bind(firm_uscc(7))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        // Each backend's app pulls the same source from the start: put the rows back.
        let mut conn = sqlx::PgConnection::connect(&source_url).await.unwrap();
        sqlx::query("DELETE FROM firms WHERE credit_code IN ($1, $2)")
            .bind(firm_uscc(6))
            .bind(firm_uscc(2))
            .execute(&mut conn)
            .await
            .unwrap();
        insert(&mut conn, 2, "2026-03-01T08:00:00+08:00").await;
        conn.close().await.unwrap();
    }
    conn.close().await.unwrap();
    pubdata_store::db::drop_scratch_postgres(&server, &source_db)
        .await
        .unwrap();
}
