//! `pubdata bench ingest`: rows per second through the whole upload path (a CSV file read
//! and decoded, every row checked — types, required fields, key uniqueness, GB 32100 and
//! GB 11643 check characters, range and code-list rules — upserted into the record store
//! with its history check, the batch and its audit entry committed), beside a raw bulk insert
//! of the same rows into the same kind of table, measured in the same run.

use anyhow::{Context, Result, anyhow, bail};
use pubdata_app::aggregation::batches::{self, Upload};
use pubdata_app::catalog::resources;
use pubdata_app::platform::orgs::{OrgInput, create_org};
use pubdata_app::{App, Config};
use pubdata_core::aggregation::{ColumnMap, RowChecker};
use pubdata_core::audit::Action;
use pubdata_core::catalog::ResourceDoc;
use pubdata_core::identifiers::{citizen_id_check_char, credit_code_check_char};
use pubdata_core::{Actor, policy};
use pubdata_store::aggregation::records::{self, Change};
use std::io::Write;
use std::time::{Duration, Instant};

use crate::bench::Scratch;

fn doc(code: &str, provider: &str) -> Result<ResourceDoc> {
    Ok(serde_json::from_value(serde_json::json!({
        "code": code, "name": "市场主体登记信息", "summary": "企业的登记、法定代表人、注册资本与经营状态",
        "provider_org_id": provider, "category": "basic", "theme": "市场监管", "format": "database",
        "update_cycle": "daily", "share_attr": "unconditional", "share_methods": ["api"],
        "open_attr": "not_open", "grade": 3, "tags": ["企业"],
        "fields": [
            {"name": "统一社会信用代码", "code": "uscc", "type": "C", "is_key": true, "identifier": "uscc"},
            {"name": "企业名称", "code": "name", "type": "C", "required": true, "rules": {"max_length": 100}},
            {"name": "法定代表人身份证号", "code": "legal_rep_id", "type": "C", "identifier": "citizen_id", "grade": 3},
            {"name": "成立日期", "code": "founded", "type": "D", "rules": {"min": "1949-10-01"}},
            {"name": "注册资本（万元）", "code": "capital", "type": "N", "rules": {"min": 0}},
            {"name": "从业人数", "code": "staff", "type": "I", "rules": {"min": 0, "max": 1000000}},
            {"name": "企业类型", "code": "kind", "type": "C", "rules": {"codes": ["1100", "1200", "2100", "4100", "9100"]}},
            {"name": "是否存续", "code": "active", "type": "L"}
        ]
    }))?)
}

const CODE_SET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc(i: u64) -> String {
    let mut org = String::new();
    let mut n = i;
    for _ in 0..8 {
        org.insert(0, CODE_SET[(n % 31) as usize] as char);
        n /= 31;
    }
    let first17 = format!("91350100{org}0");
    let first17 = &first17[..17];
    format!(
        "{first17}{}",
        credit_code_check_char(first17).expect("code set")
    )
}

fn citizen_id(i: u64) -> String {
    let first17 = format!(
        "350102{}{:02}{:02}{:03}",
        1960 + i % 40,
        1 + i % 12,
        1 + i % 28,
        i % 1000
    );
    format!(
        "{first17}{}",
        citizen_id_check_char(&first17).expect("digits")
    )
}

fn write_csv(path: &std::path::Path, rows: u64, variant: u64) -> Result<u64> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        f,
        "统一社会信用代码,企业名称,法定代表人身份证号,成立日期,注册资本（万元）,从业人数,企业类型,是否存续"
    )?;
    let kinds = ["1100", "1200", "2100", "4100", "9100"];
    for i in 0..rows {
        writeln!(
            f,
            "{},澜江第{}号贸易有限公司,{},{}-{:02}-{:02},{}.{},{},{},{}",
            uscc(i),
            i,
            citizen_id(i),
            1990 + i % 30,
            1 + i % 12,
            1 + i % 28,
            (i * 7 + variant) % 100_000,
            i % 100,
            (i + variant) % 5000,
            kinds[(i % 5) as usize],
            if i % 9 == 0 { "否" } else { "是" }
        )?;
    }
    f.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

pub async fn run(rows: u64, postgres: Option<&str>) -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; measure with `cargo run --release -- bench ingest`");
    }
    if rows == 0 || rows > 50_000_000 {
        bail!("--rows: 1 to 50,000,000");
    }
    let dir = std::env::temp_dir().join(format!(
        "pubdata-bench-ingest-{}-{}",
        std::process::id(),
        pubdata_app::new_request_id()
    ));
    std::fs::create_dir_all(&dir)?;
    let mut config = Config::sqlite_in(&dir);
    let mut scratch = Scratch::Dir(dir.clone());
    if let Some(server) = postgres {
        let (url, name) = pubdata_store::db::create_scratch_postgres(server).await?;
        config.database_url = url;
        scratch = Scratch::Postgres {
            server: server.to_owned(),
            name,
        };
    }
    let app = App::open(config)
        .await
        .context("cannot open the bench database")?;
    let result = measure(&app, &dir, rows).await;
    crate::bench::close(app.db().clone(), scratch).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure(app: &App, dir: &std::path::Path, rows: u64) -> Result<()> {
    let operator = Actor::operator(pubdata_app::new_request_id());
    let org = create_org(
        app,
        &operator,
        OrgInput {
            name: "澜江市市场监督管理局".into(),
            kind: "government".into(),
            sector: "other".into(),
            uscc: pubdata_app::demo::demo_uscc(1, "11"),
            parent_id: None,
            accountable_head: "王局长".into(),
        },
    )
    .await
    .map_err(|e| anyhow!("creating the unit: {e:?}"))?;
    let mut ids = Vec::new();
    for code in ["1/01/001/0001", "1/01/001/0002"] {
        let r = resources::create_resource(app, &operator, doc(code, &org.id)?)
            .await
            .map_err(|e| anyhow!("{e:?}"))?;
        resources::submit_resource(app, &operator, &r.id)
            .await
            .map_err(|e| anyhow!("{e:?}"))?;
        resources::approve_resource(app, &operator, &r.id)
            .await
            .map_err(|e| anyhow!("{e:?}"))?;
        ids.push((r.id, r.doc));
    }

    let file = dir.join("rows.csv");
    let bytes = write_csv(&file, rows, 0)?;
    println!(
        "ingest: {rows} rows, 8 fields ({:.1} MiB CSV), {:?} database",
        bytes as f64 / 1048576.0,
        app.db().backend()
    );

    // The baseline: the same rows, already parsed, into the same kind of table by a plain
    // prepared insert in one transaction — no reading, no checks, no existence check.
    let (base_id, base_doc) = &ids[1];
    let header: Vec<String> = base_doc.fields.iter().map(|f| f.name.clone()).collect();
    let map = ColumnMap::infer(&base_doc.fields, &header).map_err(|e| anyhow!("{e}"))?;
    let mut checker = RowChecker::new(&base_doc.fields, map).map_err(|e| anyhow!("{e:?}"))?;
    let mut parsed = Vec::with_capacity(rows as usize);
    let mut reader = csv::Reader::from_path(&file)?;
    for (i, rec) in reader.records().enumerate() {
        let cells: Vec<String> = rec?.iter().map(str::to_owned).collect();
        parsed.push(
            checker
                .check(i as u64 + 2, cells)
                .map_err(|r| anyhow!("bench row rejected: {:?}", r.problems))?,
        );
    }
    let codes: Vec<String> = base_doc.fields.iter().map(|f| f.code.clone()).collect();
    let (cols, keys) = pubdata_app::aggregation::batches::columns_of(base_doc);
    let permit = policy::anyone(Action::UploadBatch).map_err(|d| anyhow!("{d:?}"))?;
    let mut tx = app.db().begin().await?;
    let table = records::ensure_table(&mut tx, &permit, base_id, &cols, &keys, 0).await?;
    tx.commit().await?;
    let change = Change {
        batch_id: "bench",
        changed_by: "bench",
        at_ms: 0,
    };
    let t = Instant::now();
    let mut tx = app.db().begin().await?;
    for chunk in parsed.chunks(batches::CHUNK_ROWS) {
        records::insert_plain(&mut tx, &permit, &table, &codes, chunk, change).await?;
    }
    tx.commit().await?;
    let raw = t.elapsed();
    drop(parsed);

    // Reading and checking alone, no database: where the rest of the time goes.
    let t = Instant::now();
    let mut src = pubdata_app::aggregation::source::TableSource::open(&file, None)
        .map_err(|e| anyhow!("{e}"))?;
    let map = ColumnMap::infer(&base_doc.fields, src.header()).map_err(|e| anyhow!("{e}"))?;
    let mut checker = RowChecker::new(&base_doc.fields, map).map_err(|e| anyhow!("{e:?}"))?;
    while let Some(row) = src.next_row() {
        let row = row.map_err(|e| anyhow!("{e}"))?;
        let _ = checker.check(row.line, row.cells);
    }
    let read_only = t.elapsed();

    // The whole upload path, as a steward's upload runs it.
    let (id, _) = &ids[0];
    let upload = |path: &std::path::Path| Upload {
        path: path.to_owned(),
        file_name: "rows.csv".into(),
        encoding: None,
        choices: vec![],
    };
    let t = Instant::now();
    let b = batches::upload_batch(app, &operator, id, upload(&file), |_| {})
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    let full = t.elapsed();
    if b.accepted != rows {
        bail!(
            "the bench batch accepted {} of {rows} rows: {:?}",
            b.accepted,
            b.quality.map(|q| q.problems)
        );
    }

    // The same file again: every row compared with its record and left alone.
    let t = Instant::now();
    let again = batches::upload_batch(app, &operator, id, upload(&file), |_| {})
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    let unchanged = t.elapsed();
    // Every row changed: each old value moves to the history table.
    let changed_file = dir.join("changed.csv");
    write_csv(&changed_file, rows, 1)?;
    let t = Instant::now();
    let changed = batches::upload_batch(app, &operator, id, upload(&changed_file), |_| {})
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    let updated = t.elapsed();

    let (r_raw, r_full) = (rate(rows, raw), rate(rows, full));
    println!(
        "  raw bulk insert (baseline)           {:>10.0} rows/s  ({:.2} s)",
        r_raw,
        raw.as_secs_f64()
    );
    println!(
        "  read and check only (no database)   {:>10.0} rows/s  ({:.2} s)",
        rate(rows, read_only),
        read_only.as_secs_f64()
    );
    println!(
        "  upload, full validation, new records {:>10.0} rows/s  ({:.2} s)  {:.0} % of raw",
        r_full,
        full.as_secs_f64(),
        100.0 * r_full / r_raw
    );
    println!(
        "  same file again (all unchanged)      {:>10.0} rows/s  ({:.2} s, {} unchanged)  {:.0} % of raw",
        rate(rows, unchanged),
        unchanged.as_secs_f64(),
        again.unchanged,
        100.0 * rate(rows, unchanged) / r_raw
    );
    println!(
        "  every row changed (history kept)     {:>10.0} rows/s  ({:.2} s, {} updated)  {:.0} % of raw",
        rate(rows, updated),
        updated.as_secs_f64(),
        changed.updated,
        100.0 * rate(rows, updated) / r_raw
    );
    println!("  targets (DESIGN.md §7): >= 200,000 rows/s and >= 70 % of raw");
    Ok(())
}
