//! `pubdata bench ckan`: the CKAN Action API over HTTP — the real router, so the whole path
//! runs: the open catalog's snapshot, the search with its facet counts, the CKAN package
//! dicts, the batched audit entry — `package_search` with a query and five facets from
//! concurrent keep-alive clients, beside `package_show` of one dataset on the same server,
//! clients and duration, measured in the same run (issue 9: p95 under 20 ms; CKAN's published
//! average on data.gov was about 1 s at 5.7 requests a second).
//!
//! The open catalog is a city's: the synthetic catalog of `bench search` (its units, topics,
//! themes, tags and fields), of which the published entries the catalog lets open are put on
//! the open list, each with 1–3 published data versions and the three files of each as opened.
//! Rows are written through the store as the actions write them — `publish_data_version`
//! (the version), `propose_opening` (the proposal with its security review, run on what this
//! database holds), `approve_opening` (the decision, the open list's row) and the files'
//! writer (`open_files`) — in large transactions; the files themselves are not written (these
//! calls read metadata only).

use crate::bench::{Check, HttpTarget, Scratch, Tally, connect, drive, request, spawn_server};
use crate::bench_search::{Rng, UNITS, create_units, synthetic};
use anyhow::{Context, Result, anyhow, bail, ensure};
use pubdata_app::catalog::resources::row_for;
use pubdata_app::opening::View;
use pubdata_app::opening::proposals::stored_review;
use pubdata_app::{App, Config, new_id, new_request_id};
use pubdata_core::audit::Action;
use pubdata_core::catalog::{OpenAttr, ResourceDoc, ResourceStatus};
use pubdata_core::masking::Mask;
use pubdata_core::opening::review::{self, DEFAULT_MIN_K, Treatment};
use pubdata_core::opening::{self, DEFAULT_LICENCE};
use pubdata_core::{Actor, policy};
use pubdata_store::aggregation::versions::DataVersionRow;
use pubdata_store::catalog::resources::ResourceRow;
use pubdata_store::opening::datasets::{DatasetRow, OpenFileRow};
use pubdata_store::opening::proposals::ProposalRow;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

/// The facets every search asks for, as CKAN's clients (and its own portal) ask.
const FACET_FIELDS: &str = r#"["organization","groups","tags","res_format","license_id"]"#;
/// Results a page.
const ROWS: u32 = 20;
/// The aim (issue 9).
const AIM_P95_MS: f64 = 20.0;
/// Datasets written a transaction.
const CHUNK: usize = 2_000;
const DAY_MS: i64 = 86_400_000;

/// One search of the fixed list.
struct Probe {
    q: &'static str,
    /// `fq`: a unit's CKAN name (by index into [`UNITS`]) or a resource format.
    fq: Fq,
    /// `sort=metadata_modified desc` instead of relevance.
    newest: bool,
    /// Must find something (every common query does in a city's catalog).
    finds: bool,
}

#[derive(Clone, Copy)]
enum Fq {
    None,
    Org(usize),
    Format(&'static str),
}

const fn p(q: &'static str, fq: Fq, newest: bool, finds: bool) -> Probe {
    Probe {
        q,
        fq,
        newest,
        finds,
    }
}

/// 澜江市交通运输局, in [`UNITS`].
const TRANSPORT: usize = 5;

#[rustfmt::skip]
const PROBES: &[Probe] = &[
    p("公交", Fq::None, false, true),
    p("医院", Fq::None, false, true),
    p("学校", Fq::None, false, true),
    p("空气", Fq::None, false, true),
    p("公交线路", Fq::None, false, true),
    p("空气质量监测", Fq::None, false, true),
    p("医疗机构", Fq::None, false, true),
    p("养老机构 床位", Fq::None, false, true),
    p("GDP", Fq::None, false, true),
    p("pm2.5", Fq::None, false, true),
    p("公交", Fq::Org(TRANSPORT), false, true),
    p("医院", Fq::Format("CSV"), false, true),
    p("学校", Fq::None, true, true),
    p("企业登记", Fq::None, true, true),
    p("地铁", Fq::None, false, false),
];

impl Probe {
    fn label(&self, orgs: &[String]) -> String {
        let mut l = self.q.to_owned();
        match self.fq {
            Fq::None => {}
            Fq::Org(u) => l.push_str(&format!(" fq=organization:{}", orgs[u])),
            Fq::Format(f) => l.push_str(&format!(" fq=res_format:{f}")),
        }
        if self.newest {
            l.push_str(" sort=modified");
        }
        l
    }

    fn path(&self, orgs: &[String]) -> String {
        let mut path = format!(
            "/api/3/action/package_search?q={}&facet.field={}&rows={ROWS}",
            enc(self.q),
            enc(FACET_FIELDS)
        );
        match self.fq {
            Fq::None => {}
            Fq::Org(u) => path.push_str(&format!(
                "&fq={}",
                enc(&format!("organization:{}", orgs[u]))
            )),
            Fq::Format(f) => path.push_str(&format!("&fq={}", enc(&format!("res_format:{f}")))),
        }
        if self.newest {
            path.push_str(&format!("&sort={}", enc("metadata_modified desc")));
        }
        path
    }
}

/// Percent-encodes a query parameter's value.
fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// CKAN's envelope says `"success":true`.
fn success(body: &[u8]) -> bool {
    find(body, br#""success":true"#).is_some()
}

/// The cheap reading of an answer the clients make: CKAN's `"success":true`, and the first
/// `"count":` (the result's: checked against a full parse of every query before measuring).
fn fast_count(body: &[u8]) -> Option<u64> {
    if !success(body) {
        return None;
    }
    let at = find(body, br#""count":"#)? + 8;
    let digits: &[u8] = &body[at..];
    let end = digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    std::str::from_utf8(&digits[..end]).ok()?.parse().ok()
}

/// Lower-case hex of `n` bytes from the generator (a stand-in SHA-256).
fn hex(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| format!("{:02x}", rng.next() as u8))
        .collect()
}

/// What the bench put on the open list.
struct Seeded {
    /// The units' CKAN names (`opening::org_name` of their credit codes), in [`UNITS`] order.
    org_names: Vec<String>,
    names: Vec<String>,
    drawn: usize,
    versions: usize,
    files: usize,
    unconditional: usize,
    masked_fields: usize,
    removed_fields: usize,
    themes: usize,
    generated: std::time::Duration,
    written: std::time::Duration,
}

/// Everything one open dataset writes.
struct OpenRows {
    resource: ResourceRow,
    versions: Vec<DataVersionRow>,
    proposal: ProposalRow,
    dataset: DatasetRow,
    files: Vec<OpenFileRow>,
    masked: usize,
    removed: usize,
}

/// The view a steward proposes for an entry: personal data named by the field masked by its
/// rule, other fields of grade 3–4 removed, the rest kept. None when nothing would be left.
fn view_for(doc: &ResourceDoc) -> Option<(View, HashMap<String, Treatment>)> {
    let mut fields = Vec::new();
    let mut masks = BTreeMap::new();
    let mut treatment = HashMap::new();
    for f in &doc.fields {
        let t = match Mask::personal_data_named(f) {
            Some(m) => Treatment::Mask(m),
            None if f.grade >= 3 => Treatment::Remove,
            None => Treatment::Keep,
        };
        match t {
            Treatment::Mask(m) => {
                fields.push(f.code.clone());
                masks.insert(f.code.clone(), m);
            }
            Treatment::Keep => fields.push(f.code.clone()),
            Treatment::Remove => {}
        }
        treatment.insert(f.code.clone(), t);
    }
    // An opening of nothing but masked values, or of nothing: not one a city would make.
    if fields.len() == masks.len() {
        return None;
    }
    let view = View {
        fields,
        masks,
        row_filter: BTreeMap::new(),
    };
    Some((view, treatment))
}

/// The rows of one open dataset, on a timeline ending before `now`: the entry published,
/// versions 1..=n published, the proposal filed after version m (so it reviewed m), approved,
/// the files of versions 1..=m written at the approval and those of later ones at their
/// publication.
fn open_rows(doc: &ResourceDoc, rng: &mut Rng, now: i64) -> Result<Option<OpenRows>> {
    let Some((view, treatment)) = view_for(doc) else {
        return Ok(None);
    };
    // What `propose_opening` computes here: the review of the view on the latest version's
    // records as this database holds them (none: the bench writes metadata only).
    let r = review::review(&doc.fields, &treatment, &[], &[], DEFAULT_MIN_K);
    ensure!(
        r.passed,
        "the view of {} fails its review: {:?}",
        doc.code,
        r.problems
    );

    let created = now - 30 * DAY_MS - (rng.next() % (700 * DAY_MS as u64)) as i64;
    let resource = row_for(doc, new_id(), ResourceStatus::Published, created)
        .map_err(|e| anyhow!("{}: {e:?}", doc.code))?;
    let n = 1 + rng.below(3);
    let m = 1 + rng.below(n);
    let gap = (now - created) / (n as i64 + 1);
    let published: Vec<i64> = (1..=n as i64)
        .map(|k| created + k * gap + (rng.next() % (gap as u64 / 4)) as i64)
        .collect();
    let proposed_at = published[m - 1] + gap / 3;
    let approved_at = proposed_at + gap / 3;

    let mut rows_count = 200 + rng.below(50_000) as i64;
    let mut versions = Vec::with_capacity(n);
    let mut counts = Vec::with_capacity(n);
    let stem = doc.code.replace('/', "-");
    for (k, at) in published.iter().enumerate() {
        let number = k as i64 + 1;
        if k > 0 {
            rows_count += rng.below(rows_count as usize / 20 + 1) as i64;
        }
        counts.push(rows_count);
        let csv = rows_count * (14 * doc.fields.len() as i64 + 2);
        let stored: Vec<Value> = [("csv", csv), ("parquet", csv * 3 / 10)]
            .into_iter()
            .map(|(format, size)| {
                json!({
                    "format": format,
                    "key": format!("resources/{}/v{number}/{stem}-v{number}.{format}", resource.id),
                    "sha256": hex(rng, 32),
                    "size": size,
                })
            })
            .collect();
        versions.push(DataVersionRow {
            resource_id: resource.id.clone(),
            number,
            published_at: *at,
            // The operator's actions write this for a caller without a user name.
            published_by: "system".into(),
            rows_count,
            catalog_version: resource.version,
            files: serde_json::to_string(&stored)?,
        });
    }

    // Opened as the catalog allows: unconditional data mostly as it is, at times on
    // conditions; conditional data on the catalog's conditions.
    let (open_attr, conditions) = match doc.open_attr {
        OpenAttr::Unconditional if rng.below(10) > 0 => (OpenAttr::Unconditional, String::new()),
        OpenAttr::Unconditional => (
            OpenAttr::Conditional,
            "仅限科研、公益和创新应用，须注册并签订数据使用协议".to_owned(),
        ),
        _ => (OpenAttr::Conditional, doc.open_condition.trim().to_owned()),
    };
    let stored_review = stored_review(&r, Vec::new(), doc, m as i64, 0, None);
    let (fields, masks, row_filter) = view.to_json();
    let proposal = ProposalRow {
        id: new_id(),
        resource_id: resource.id.clone(),
        provider_org_id: resource.provider_org_id.clone(),
        open_attr: open_attr.as_str().to_owned(),
        fields: fields.clone(),
        masks: masks.clone(),
        quasi_identifiers: "[]".into(),
        row_filter: row_filter.clone(),
        conditions: conditions.clone(),
        licence: DEFAULT_LICENCE.into(),
        min_k: DEFAULT_MIN_K as i64,
        data_version: m as i64,
        review_passed: true,
        review: serde_json::to_string(&stored_review)?,
        // As `approve_opening` leaves it (the operator decides: no user name).
        status: "approved".into(),
        proposed_by: "operator".into(),
        decided_by: Some("operator".into()),
        decided_at: Some(approved_at),
        decision_reason: None,
        created_at: proposed_at,
    };
    let name = opening::dataset_name(&doc.code);
    let dataset = DatasetRow {
        id: new_id(),
        name: name.clone(),
        resource_id: resource.id.clone(),
        provider_org_id: resource.provider_org_id.clone(),
        proposal_id: proposal.id.clone(),
        open_attr: proposal.open_attr.clone(),
        fields,
        masks,
        row_filter,
        conditions,
        licence: proposal.licence.clone(),
        status: "open".into(),
        closed_reason: None,
        opened_at: approved_at,
        updated_at: approved_at,
    };
    let mut files = Vec::with_capacity(3 * n);
    let kept = view.fields.len() as i64;
    for (k, at) in published.iter().enumerate() {
        let number = k as i64 + 1;
        let csv = counts[k] * (14 * kept + 2);
        for (format, size) in [
            ("csv", csv),
            ("parquet", csv * 3 / 10),
            ("json", csv * 22 / 10),
        ] {
            files.push(OpenFileRow {
                dataset_id: dataset.id.clone(),
                version: number,
                format: format.into(),
                file_key: format!("open/{name}/v{number}/{name}-v{number}.{format}"),
                sha256: hex(rng, 32),
                size,
                // No row filter: the view keeps every record of the version.
                rows_count: counts[k],
                created_at: (*at).max(approved_at),
            });
        }
    }
    Ok(Some(OpenRows {
        resource,
        versions,
        proposal,
        dataset,
        files,
        masked: view.masks.len(),
        removed: doc.fields.len() - view.fields.len(),
    }))
}

async fn seed(app: &App, n: usize) -> Result<Seeded> {
    let operator = Actor::operator(new_request_id());
    let units = create_units(app, &operator).await?;
    let ids: Vec<String> = units.iter().map(|o| o.id.clone()).collect();
    let org_names = units.iter().map(|o| opening::org_name(&o.uscc)).collect();

    let t = Instant::now();
    let mut rng = Rng(0xC4A0_2026);
    let now = pubdata_app::now_ms();
    let mut all = Vec::with_capacity(n);
    let mut drawn = 0usize;
    while all.len() < n {
        if drawn > 999_999 {
            bail!("only {} open entries in a million drawn", all.len());
        }
        let (doc, status) = synthetic(drawn, &mut rng, &ids);
        drawn += 1;
        if status != ResourceStatus::Published || doc.open_attr == OpenAttr::NotOpen {
            continue;
        }
        let broken = pubdata_core::catalog::rules::check(&doc);
        ensure!(
            broken.is_empty(),
            "entry {} breaks the rules: {broken:?}",
            doc.code
        );
        if let Some(rows) = open_rows(&doc, &mut rng, now)? {
            all.push(rows);
        }
    }
    let generated = t.elapsed();

    let deny = |d| anyhow!("{d:?}");
    let t = Instant::now();
    let approve = policy::review_opening(&operator, Action::ApproveOpening).map_err(deny)?;
    let write_files = policy::anyone(Action::PublishDataVersion).map_err(deny)?;
    for chunk in all.chunks(CHUNK) {
        let mut tx = app.db().begin().await?;
        for d in chunk {
            let org = &d.resource.provider_org_id;
            let create = policy::edit_catalog(&operator, Action::CreateResource, org);
            pubdata_store::catalog::resources::insert(&mut tx, &create.map_err(deny)?, &d.resource)
                .await?;
            let publish =
                policy::publish_data(&operator, Action::PublishDataVersion, org).map_err(deny)?;
            for v in &d.versions {
                pubdata_store::aggregation::versions::insert(&mut tx, &publish, v).await?;
            }
            let propose =
                policy::propose_opening(&operator, Action::ProposeOpening, org).map_err(deny)?;
            pubdata_store::opening::proposals::insert(&mut tx, &propose, &d.proposal).await?;
            pubdata_store::opening::datasets::upsert(&mut tx, &approve, &d.dataset).await?;
            for f in &d.files {
                pubdata_store::opening::datasets::insert_file(&mut tx, &write_files, f).await?;
            }
        }
        tx.commit().await?;
    }
    let written = t.elapsed();
    let themes: std::collections::BTreeSet<&str> =
        all.iter().map(|d| d.resource.theme.as_str()).collect();
    Ok(Seeded {
        org_names,
        names: all.iter().map(|d| d.dataset.name.clone()).collect(),
        drawn,
        versions: all.iter().map(|d| d.versions.len()).sum(),
        files: all.iter().map(|d| d.files.len()).sum(),
        unconditional: all
            .iter()
            .filter(|d| d.dataset.open_attr == "unconditional")
            .count(),
        masked_fields: all.iter().map(|d| d.masked).sum(),
        removed_fields: all.iter().map(|d| d.removed).sum(),
        themes: themes.len(),
        generated,
        written,
    })
}

pub async fn run(datasets: u64, clients: usize, seconds: u64, warmup: u64) -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; measure with `cargo run --release -- bench ckan`");
    }
    if !(1..=200_000).contains(&datasets) {
        bail!("--datasets: 1 to 200,000");
    }
    if clients == 0 || clients > 4096 || seconds == 0 {
        bail!("--clients: 1 to 4,096; --seconds: at least 1");
    }
    let dir = std::env::temp_dir().join(format!(
        "pubdata-bench-ckan-{}-{}",
        std::process::id(),
        new_request_id()
    ));
    std::fs::create_dir_all(&dir)?;
    let app = App::open(Config::sqlite_in(&dir))
        .await
        .context("cannot open the bench database")?;
    let result = measure(&app, datasets as usize, clients, seconds, warmup).await;
    crate::bench::close(app.db().clone(), Scratch::Dir(dir)).await;
    result
}

/// One GET on a fresh connection: the status and the body.
async fn get(addr: std::net::SocketAddr, path: &str) -> Result<(u16, Vec<u8>)> {
    let t = HttpTarget {
        addr,
        prefix: String::new(),
        headers: String::new(),
        check: crate::bench::status_200(),
        by_key: false,
    };
    let mut s = connect(addr).await?;
    let mut buf = Vec::new();
    let (status, body) = request(&mut s, &t, path, &mut buf).await?;
    Ok((status, buf.split_off(body)))
}

/// A CKAN answer parsed in full: its `result`, or why it is not a success.
fn ckan_result(path: &str, status: u16, body: &[u8]) -> Result<Value> {
    let text = || {
        String::from_utf8_lossy(body)
            .chars()
            .take(400)
            .collect::<String>()
    };
    ensure!(status == 200, "GET {path}: {status}: {}", text());
    let v: Value =
        serde_json::from_slice(body).with_context(|| format!("GET {path}: {}", text()))?;
    ensure!(
        v["success"] == json!(true),
        "GET {path}: no success: {}",
        text()
    );
    Ok(v["result"].clone())
}

/// Rounds of the sequential pass (after one unmeasured round).
const ALONE_ROUNDS: usize = 20;

/// Each search and the show, one at a time on one keep-alive connection: microseconds per
/// query (sorted), of all searches, and of the show.
async fn alone(
    addr: std::net::SocketAddr,
    paths: &[String],
    show: &str,
) -> Result<(Vec<Vec<u32>>, Vec<u32>, Vec<u32>)> {
    let t = HttpTarget {
        addr,
        prefix: String::new(),
        headers: String::new(),
        check: crate::bench::status_200(),
        by_key: false,
    };
    let mut s = connect(addr).await?;
    let mut buf = Vec::new();
    let mut per_query = vec![Vec::new(); paths.len()];
    let mut show_us = Vec::new();
    for round in 0..=ALONE_ROUNDS {
        for (k, path) in paths.iter().chain([&show.to_owned()]).enumerate() {
            let start = Instant::now();
            let (status, _) = request(&mut s, &t, path, &mut buf).await?;
            let us = start.elapsed().as_micros() as u32;
            ensure!(status == 200, "GET {path}: {status}");
            if round > 0 {
                match per_query.get_mut(k) {
                    Some(v) => v.push(us),
                    None => show_us.push(us),
                }
            }
        }
    }
    per_query.iter_mut().for_each(|v| v.sort_unstable());
    let all = per_query.concat();
    Ok((per_query, all, show_us))
}

async fn measure(app: &App, n: usize, clients: usize, seconds: u64, warmup: u64) -> Result<()> {
    let t = Instant::now();
    let seeded = seed(app, n).await?;
    println!(
        "ckan: {n} open datasets of {} units, {} themes ({} unconditional, {} conditional), \
         {} published versions, {} open files (CC-BY-4.0); SQLite",
        UNITS.len(),
        seeded.themes,
        seeded.unconditional,
        n - seeded.unconditional,
        seeded.versions,
        seeded.files,
    );
    println!(
        "  seeded in {:.1} s: {} catalog entries drawn, generated in {:.1} s; written in {:.1} s \
         ({CHUNK} datasets a transaction: entry, versions, approved proposal, open-list row, \
         files); views mask {} fields, remove {}",
        t.elapsed().as_secs_f64(),
        seeded.drawn,
        seeded.generated.as_secs_f64(),
        seeded.written.as_secs_f64(),
        seeded.masked_fields,
        seeded.removed_fields,
    );

    let (addr, server) = spawn_server(pubdata_http::router(
        app.clone(),
        pubdata_http::HttpConfig::default(),
    ))
    .await?;
    let result = load(&seeded, n, addr, clients, seconds, warmup).await;
    server.abort();
    result
}

async fn load(
    seeded: &Seeded,
    n: usize,
    addr: std::net::SocketAddr,
    clients: usize,
    seconds: u64,
    warmup: u64,
) -> Result<()> {
    // The API sees every dataset (this also builds the catalog's snapshot).
    let path = "/api/3/action/package_search?rows=0";
    let before_snapshot = resident_mb();
    let t = Instant::now();
    let (status, body) = get(addr, path).await?;
    let first = t.elapsed();
    let count = ckan_result(path, status, &body)?["count"].as_u64();
    ensure!(
        count == Some(n as u64),
        "package_search?rows=0 counts {count:?} datasets, not the {n} seeded"
    );
    let t = Instant::now();
    get(addr, path).await?;
    let again = t.elapsed();
    println!(
        "  package_search?rows=0 → count {n}: first call (builds the catalog's snapshot) \
         {:.0} ms, again {:.1} ms",
        first.as_secs_f64() * 1e3,
        again.as_secs_f64() * 1e3
    );

    let after_snapshot = resident_mb();
    // Each query once, parsed in full: a success, facets, hits where a city has them, and the
    // clients' cheap reading agrees.
    let paths: Vec<String> = PROBES.iter().map(|p| p.path(&seeded.org_names)).collect();
    let mut hits = Vec::with_capacity(PROBES.len());
    let mut sizes = Vec::with_capacity(PROBES.len());
    for (probe, path) in PROBES.iter().zip(&paths) {
        let (status, body) = get(addr, path).await?;
        let label = probe.label(&seeded.org_names);
        let result = ckan_result(path, status, &body).with_context(|| label.clone())?;
        let count = result["count"]
            .as_u64()
            .with_context(|| format!("{label}: no result.count"))?;
        let results = result["results"].as_array().map_or(0, Vec::len);
        ensure!(
            results == (count as usize).min(ROWS as usize),
            "{label}: {results} results for a count of {count}"
        );
        for f in ["organization", "groups", "tags", "res_format", "license_id"] {
            ensure!(
                result["search_facets"].get(f).is_some(),
                "{label}: no search_facets.{f}"
            );
        }
        if probe.finds && count == 0 {
            ensure!(n < 2_000, "{label}: found nothing");
            println!("  note: {label} finds nothing in a catalog this small");
        }
        if probe.newest {
            let modified: Vec<&str> = result["results"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| r["metadata_modified"].as_str().unwrap_or(""))
                .collect();
            ensure!(
                modified.windows(2).all(|w| w[0] >= w[1]),
                "{label}: not newest first: {modified:?}"
            );
        }
        ensure!(
            fast_count(&body) == Some(count),
            "{label}: the clients' reading of the count ({:?}) is not the result's ({count})",
            fast_count(&body)
        );
        hits.push(count);
        sizes.push(body.len());
    }
    let show_name = seeded.names[n / 2].clone();
    let show_path = format!("/api/3/action/package_show?id={}", enc(&show_name));
    let (status, body) = get(addr, &show_path).await?;
    let shown = ckan_result(&show_path, status, &body)?;
    ensure!(
        shown["name"] == json!(show_name),
        "package_show answered {} for {show_name}",
        shown["name"]
    );
    let show_size = body.len();

    let after_probes = resident_mb();
    // Absolute figures: memory freed by the build is reused by what follows, so differences
    // would not say what the snapshot or the index keep.
    if let (Some(a), Some(b), Some(c)) = (before_snapshot, after_snapshot, after_probes) {
        println!(
            "  resident memory: {a:.0} MB after seeding, {b:.0} MB once the snapshot is built, \
             {c:.0} MB after the first searches (character index, package dicts)"
        );
    }

    // One client, one call at a time: what each call costs the server without queueing.
    let alone = alone(addr, &paths, &show_path).await?;

    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        println!(
            "  load average before measuring: {} ({} cores); {clients} keep-alive clients, \
             {warmup} s warm-up + {seconds} s each",
            load.join(" "),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
    }

    // The clients count an answer as a success only if it is one: 200, `"success":true`, and
    // the count the full parse found above; the show, the dataset asked for.
    let expected: Arc<Vec<u64>> = Arc::new(hits.clone());
    let search_check: Check =
        Arc::new(move |k, status, body| status == 200 && fast_count(body) == Some(expected[k]));
    let name_json = format!(r#""name":{}"#, json!(show_name));
    let show_check: Check = Arc::new(move |_, status, body| {
        status == 200 && success(body) && find(body, name_json.as_bytes()).is_some()
    });
    let search_paths = Arc::new(paths);
    let search = drive(
        HttpTarget {
            addr,
            prefix: String::new(),
            headers: String::new(),
            check: search_check,
            by_key: true,
        },
        &search_paths,
        clients,
        warmup,
        seconds,
    )
    .await;
    let show = drive(
        HttpTarget {
            addr,
            prefix: String::new(),
            headers: String::new(),
            check: show_check,
            by_key: false,
        },
        &Arc::new(vec![show_path]),
        clients,
        warmup,
        seconds,
    )
    .await;

    println!();
    println!(
        "  {:<50} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7}",
        "", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"
    );
    let row = |name: &str, t: &Tally| {
        let f = t.figures(seconds);
        let max = t.latencies.last().map_or(f64::NAN, |us| *us as f64 / 1e3);
        println!(
            "  {name:<50} {:>9} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7}",
            t.ok, f.rate, f.p50, f.p95, f.p99, max, t.errors
        );
        f
    };
    let s = row(
        &format!(
            "package_search (q, 5 facets, rows={ROWS}; {} queries)",
            PROBES.len()
        ),
        &search,
    );
    let b = row("package_show of one dataset (baseline)", &show);
    println!(
        "  search / show: p95 {:.1}×, p50 {:.1}×; req/s {:.1} % of show's",
        s.p95 / b.p95,
        s.p50 / b.p50,
        100.0 * s.rate / b.rate
    );
    println!(
        "  aim (issue 9): package_search p95 < {AIM_P95_MS} ms: {} ({:.2} ms)",
        if s.p95 < AIM_P95_MS { "met" } else { "MISSED" },
        s.p95
    );
    println!(
        "  for context, not measured here: CKAN's package_search on data.gov averaged about \
         1 s at 5.7 req/s (published figure); the aim is fifty times that average"
    );
    for (name, t) in [("package_search", &search), ("package_show", &show)] {
        if t.errors > 0 || t.io_errors > 0 {
            println!(
                "  {name}: {} answers refused, {} connection failures (warm-up included)",
                t.errors, t.io_errors
            );
        }
        if let Some((k, status, text)) = &t.first_error {
            let label = if name == "package_search" {
                PROBES[*k].label(&seeded.org_names)
            } else {
                show_name.clone()
            };
            println!("    first refused ({label}): {status} {text}");
        }
    }

    // Each query apart, from the same measured window.
    let mut by_query: Vec<Vec<u32>> = vec![Vec::new(); PROBES.len()];
    for (us, k) in search.latencies.iter().zip(&search.keys) {
        by_query[*k as usize].push(*us);
    }
    println!();
    println!(
        "  {:<50} {:>7} {:>8} {:>9} {:>8} {:>8} {:>9}",
        "package_search by query", "hits", "KB", "requests", "p50 ms", "p95 ms", "alone p50"
    );
    let (per_query, mut all_alone, mut show_alone) = alone;
    for (k, probe) in PROBES.iter().enumerate() {
        let label = probe.label(&seeded.org_names);
        // Pad by display width: a Han character takes two columns.
        let width: usize = label
            .chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum();
        let v = &by_query[k];
        println!(
            "  {label}{} {:>7} {:>8.1} {:>9} {:>8.2} {:>8.2} {:>9.2}",
            " ".repeat(50usize.saturating_sub(width)),
            hits[k],
            sizes[k] as f64 / 1024.0,
            v.len(),
            crate::bench::quantile_us(v, 0.5),
            crate::bench::quantile_us(v, 0.95),
            crate::bench::quantile_us(&per_query[k], 0.5),
        );
    }
    all_alone.sort_unstable();
    show_alone.sort_unstable();
    println!(
        "  one client, one call at a time ({ALONE_ROUNDS} rounds): package_search p50 {:.2} ms, \
         p95 {:.2} ms; package_show ({:.1} KB) p50 {:.2} ms, p95 {:.2} ms",
        crate::bench::quantile_us(&all_alone, 0.5),
        crate::bench::quantile_us(&all_alone, 0.95),
        show_size as f64 / 1024.0,
        crate::bench::quantile_us(&show_alone, 0.5),
        crate::bench::quantile_us(&show_alone, 0.95),
    );
    let refused = search.errors + show.errors;
    ensure!(
        refused == 0,
        "{refused} answers were not successes: the figures above measure errors"
    );
    Ok(())
}

/// This process's resident memory in MB (Linux; None elsewhere).
fn resident_mb() -> Option<f64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: f64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096.0 / 1e6)
}
