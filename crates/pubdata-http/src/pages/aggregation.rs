//! Aggregation (数据汇聚) in the pages: the overview of the resources a unit must keep supplied
//! with their update duties, a resource's data page (upload, batches, quality trend, published
//! versions, record lookup), the mapping step of an upload, a batch's progress and quality
//! report, the downloads (rejected rows, version files), and the pull sources (admin).
//!
//! An upload goes in three steps, each a page that works without JavaScript:
//! 1. `POST /data/resources/{id}/upload` (multipart: `csrf`, `encoding`, `file`) streams the
//!    file to `<data dir>/uploads/batch-<id>` (`crate::upload`) and shows the mapping step:
//!    the file's columns matched to the resource's fields, the first rows, what is ignored;
//! 2. `POST /data/resources/{id}/ingest` (`upload`, `file_name`, `encoding`,
//!    `map[<field code>]=<column>`) starts the batch in the background and redirects (303) to
//!    the batch as soon as it exists; a refusal before that (a key column left out) shows on
//!    the mapping step again, with the upload still kept;
//! 3. `GET /data/batches/{id}` refreshes itself every two seconds while the batch runs, then
//!    shows its outcome and quality report.
//!
//! The kept upload is removed when its batch is done, when the file cannot be read at all, or
//! after an hour (`upload::KEEP_MS`).

use super::session::{FormData, Session, encode};
use super::{Chrome, FormErrors, Opt, all_orgs, fixable, local_time, render};
use crate::AppState;
use crate::problem::{Lang, status_of};
use crate::upload;
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use pubdata_app::action::record_rejected_request;
use pubdata_app::aggregation::batches::{self, Batch, Choices, Upload, UploadPreview};
use pubdata_app::aggregation::pull_source::{PullSpec, SourceKind};
use pubdata_app::aggregation::records::{self, HistoryItem, Record};
use pubdata_app::aggregation::{pulls, timeliness, versions};
use pubdata_app::catalog::list::{self, ListEntry};
use pubdata_app::catalog::resources::{self, Resource};
use pubdata_app::platform::orgs::Org;
use pubdata_app::{ActionError, App};
use pubdata_core::audit::Action;
use pubdata_core::catalog::{ResourceDoc, ResourceStatus};
use pubdata_core::policy;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// Batches a resource's page lists at a time.
const BATCH_PAGE: u32 = 50;
/// Accepted batches the quality trend shows at most.
const TREND_BATCHES: usize = 20;

fn lab(zh: &'static str, en: &'static str, lang: Lang) -> &'static str {
    if lang == Lang::En { en } else { zh }
}

/// The page chrome, with the notices of these pages (`?notice=…`) beside the shared ones.
fn chrome(s: &Session, active: &'static str) -> Chrome {
    let mut c = s.chrome(active);
    if c.notice.is_none() {
        let t = s.t();
        c.notice = match s.params.get("notice") {
            Some("data_published") => Some(t.data_notice_published),
            Some("auto_publish_on") => Some(t.data_notice_auto_on),
            Some("auto_publish_off") => Some(t.data_notice_auto_off),
            Some("pull_created") => Some(t.data_notice_pull_created),
            Some("pull_enabled") => Some(t.data_notice_pull_enabled),
            Some("pull_disabled") => Some(t.data_notice_pull_disabled),
            Some("pull_nothing_new") => Some(t.data_notice_pull_nothing),
            _ => None,
        };
    }
    c
}

fn org_name(orgs: &[Org], id: &str) -> String {
    orgs.iter()
        .find(|o| o.id == id)
        .map(|o| o.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

/// `1.5 MB`, `820 KB`, `12 B`.
fn human_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A percentage as shown: one decimal, without a trailing `.0`.
fn pct(p: f64) -> String {
    let s = format!("{p:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// Good (≥ 90), fair (≥ 60) or poor: the colour of a score or a dimension.
fn score_cls(p: f64) -> &'static str {
    if p >= 90.0 {
        "good"
    } else if p >= 60.0 {
        "fair"
    } else {
        "poor"
    }
}

fn batch_status(status: &str, s: &Session) -> (&'static str, &'static str) {
    let t = s.t();
    match status {
        "running" => (t.data_st_running, "warn"),
        "accepted" => (t.data_st_accepted, "on"),
        "failed" => (t.data_st_failed, "deny"),
        _ => ("", "off"),
    }
}

fn source_label(source: &str, s: &Session) -> String {
    let t = s.t();
    match source {
        "upload" => t.data_src_upload,
        "push" => t.data_src_push,
        "pull" => t.data_src_pull,
        other => other,
    }
    .to_owned()
}

/// The label of a row problem's code (the checks of `pubdata_core::aggregation::check`).
fn problem_label(code: &str, s: &Session) -> &'static str {
    let t = s.t();
    match code {
        "required" => t.data_pc_required,
        "not_integer" => t.data_pc_not_integer,
        "not_number" => t.data_pc_not_number,
        "not_date" => t.data_pc_not_date,
        "not_datetime" => t.data_pc_not_datetime,
        "not_boolean" => t.data_pc_not_boolean,
        "too_long" => t.data_pc_too_long,
        "out_of_range" => t.data_pc_out_of_range,
        "pattern_mismatch" => t.data_pc_pattern_mismatch,
        "not_in_code_list" => t.data_pc_not_in_code_list,
        "invalid_citizen_id" => t.data_pc_invalid_citizen_id,
        "invalid_uscc" => t.data_pc_invalid_uscc,
        "duplicate_key" => t.data_pc_duplicate_key,
        "ragged_row" => t.data_pc_ragged_row,
        "invalid_encoding" => t.data_pc_invalid_encoding,
        _ => "",
    }
}

/// A stored value as text: null as nothing, strings as they are.
fn value_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(other) => other.to_string(),
    }
}

/// The encoding choice as the readers take it: none to detect.
fn encoding_arg(choice: &str) -> Option<String> {
    let c = choice.trim();
    (!c.is_empty() && !c.eq_ignore_ascii_case("auto")).then(|| c.to_owned())
}

fn encoding_options(chosen: &str, s: &Session) -> Vec<Opt> {
    let t = s.t();
    let chosen = chosen.trim().to_ascii_lowercase();
    let chosen = if chosen.is_empty() {
        "auto".to_owned()
    } else {
        chosen
    };
    [
        ("auto", t.data_enc_auto),
        ("utf-8", "UTF-8"),
        ("gbk", "GBK"),
        ("gb18030", "GB18030"),
    ]
    .into_iter()
    .map(|(v, l)| Opt::new(v, l, chosen == v))
    .collect()
}

fn may_supply(s: &Session, provider: &str) -> bool {
    policy::supply_data(&s.actor, Action::UploadBatch, provider).is_ok()
}

fn may_publish(s: &Session, provider: &str) -> bool {
    policy::publish_data(&s.actor, Action::PublishDataVersion, provider).is_ok()
}

fn may_manage_pulls(s: &Session) -> bool {
    policy::manage_pull_sources(&s.actor, Action::ListPullSources).is_ok()
}

/// Records a malformed form (not a refusal of an action) and answers its problem page.
async fn rejected(st: &AppState, s: &Session, target: &str, e: ActionError) -> Response {
    let e = record_rejected_request(&st.app, &s.actor, target, e).await;
    s.problem(&e)
}

// ---------------------------------------------------------------------------------------
// The overview: the resources to keep supplied, and their update duties

struct DueRow {
    id: String,
    code: String,
    name: String,
    provider: String,
    cycle: &'static str,
    n_fields: usize,
    last_update: String,
    due_date: String,
    days_overdue: i64,
    /// No due date: an irregular cycle.
    irregular: bool,
    never: bool,
}

struct UnitRow {
    id: String,
    name: String,
    resources: u64,
    overdue: u64,
}

#[derive(Template)]
#[template(path = "data_overview.html")]
struct OverviewPage {
    c: Chrome,
    /// The unit shown (its name), none when city-wide.
    unit_name: Option<String>,
    city_wide: bool,
    /// The unit filter of the city-wide view.
    units: Vec<Opt>,
    rows: Vec<DueRow>,
    unit_rows: Vec<UnitRow>,
    n_overdue: usize,
    n_never: usize,
    can_pull: bool,
}

/// `GET /data?org_id=` — a steward or member sees its own unit; the authority and auditors
/// the whole city (or one unit with `org_id`).
pub async fn overview(State(st): State<AppState>, s: Session) -> Response {
    let lang = s.lang;
    let whole = policy::sees_whole_catalog(&s.actor);
    let chosen: Option<String> = if whole {
        s.params
            .get("org_id")
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    } else {
        s.actor.org_id().map(str::to_owned)
    };
    let duties = match timeliness::update_duties(&st.app, &s.actor, chosen.as_deref()).await {
        Ok(d) => d,
        Err(e) => return s.problem(&e),
    };
    let entries = match list::responsibility_list(&st.app, &s.actor, chosen.as_deref()).await {
        Ok(e) => e,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(o) => o,
        Err(e) => return s.problem(&e),
    };
    let by_id: HashMap<&str, &ListEntry> = entries.iter().map(|e| (e.id.as_str(), e)).collect();
    // Most overdue first (the duties' order), then what has no duty (none, as it stands).
    let mut rows: Vec<DueRow> = duties
        .iter()
        .map(|d| {
            let entry = by_id.get(d.resource_id.as_str());
            DueRow {
                id: d.resource_id.clone(),
                code: d.code.clone(),
                name: d.name.clone(),
                provider: entry.map_or_else(
                    || org_name(&orgs, &d.provider_org_id),
                    |e| e.provider_name.clone(),
                ),
                cycle: lab(d.update_cycle.label_zh(), d.update_cycle.label_en(), lang),
                n_fields: entry.map_or(0, |e| e.fields.len()),
                last_update: d.last_update.clone().unwrap_or_default(),
                due_date: d.due_date.clone().unwrap_or_default(),
                days_overdue: d.days_overdue,
                irregular: d.due_date.is_none(),
                never: d.last_update.is_none(),
            }
        })
        .collect();
    for e in &entries {
        if !duties.iter().any(|d| d.resource_id == e.id) {
            rows.push(DueRow {
                id: e.id.clone(),
                code: e.code.clone(),
                name: e.name.clone(),
                provider: e.provider_name.clone(),
                cycle: lab(e.update_cycle.label_zh(), e.update_cycle.label_en(), lang),
                n_fields: e.fields.len(),
                last_update: String::new(),
                due_date: String::new(),
                days_overdue: 0,
                irregular: true,
                never: true,
            });
        }
    }
    let unit_rows = if whole && chosen.is_none() {
        timeliness::by_unit(&duties)
            .into_iter()
            .map(|u| UnitRow {
                name: org_name(&orgs, &u.org_id),
                id: u.org_id,
                resources: u.resources,
                overdue: u.overdue,
            })
            .collect()
    } else {
        Vec::new()
    };
    let units = if whole {
        let mut v = vec![Opt::new("", s.t().all_units, chosen.is_none())];
        v.extend(orgs.iter().filter(|o| !o.disabled).map(|o| {
            Opt::new(
                o.id.clone(),
                o.name.clone(),
                chosen.as_deref() == Some(o.id.as_str()),
            )
        }));
        v
    } else {
        Vec::new()
    };
    let page = OverviewPage {
        unit_name: chosen.as_deref().map(|id| org_name(&orgs, id)),
        city_wide: whole,
        units,
        n_overdue: rows.iter().filter(|r| r.days_overdue > 0).count(),
        n_never: rows.iter().filter(|r| r.never).count(),
        rows,
        unit_rows,
        can_pull: may_manage_pulls(&s),
        c: chrome(&s, "data"),
    };
    render(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------------------
// A resource's data page

struct FieldRow {
    name: String,
    code: String,
    ftype: String,
    key: bool,
    required: bool,
}

struct BatchView {
    id: String,
    at: String,
    source: String,
    file: String,
    status: &'static str,
    status_cls: &'static str,
    rows: u64,
    accepted: u64,
    rejected: u64,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    score: Option<String>,
    score_cls: &'static str,
}

struct TrendBar {
    id: String,
    x: String,
    y: String,
    w: String,
    h: String,
    /// Where the score's label sits.
    cx: String,
    ty: String,
    score: String,
    day: String,
    cls: &'static str,
    /// Whether the day is written under the bar (not under every bar when they are many).
    show_day: bool,
}

/// The quality scores of the latest accepted batches as an SVG bar chart with a line.
struct Trend {
    width: u32,
    height: u32,
    /// The plot's left, right and bottom edges.
    left: u32,
    right: u32,
    bottom: u32,
    /// (y, label) of the grid lines.
    grid: Vec<(String, &'static str)>,
    bars: Vec<TrendBar>,
    line: String,
    average: String,
    latest: String,
}

struct FileRow {
    label: String,
    href: String,
    sha256: String,
    size: String,
}

struct VersionRow {
    number: i64,
    at: String,
    by: String,
    rows: i64,
    catalog_version: i64,
    files: Vec<FileRow>,
}

struct ValueRow {
    name: String,
    code: String,
    value: String,
}

struct RecordView {
    key: String,
    values: Vec<ValueRow>,
    updated_at: String,
    batch_id: String,
    changed_by: String,
}

struct HistoryRow {
    n: usize,
    /// Each field's value, and whether it differs from the version before.
    cells: Vec<(String, bool)>,
    batch_id: String,
    changed_by: String,
    changed_at: String,
    replaced_at: String,
}

#[derive(Default)]
struct Lookup {
    key: String,
    as_of: String,
    searched: bool,
    record: Option<RecordView>,
    history: Vec<HistoryRow>,
    errors: Option<FormErrors>,
}

/// Refusals shown on a resource's page, at the form they are about.
#[derive(Default)]
struct Refusals {
    upload: Option<FormErrors>,
    versions: Option<FormErrors>,
}

#[derive(Template)]
#[template(path = "data_resource.html")]
struct ResourcePage {
    c: Chrome,
    id: String,
    code: String,
    name: String,
    provider: String,
    cycle: &'static str,
    published: bool,
    fields: Vec<FieldRow>,
    key_names: String,
    composite_key: bool,
    can_upload: bool,
    can_publish: bool,
    encodings: Vec<Opt>,
    max_upload: String,
    batches: Vec<BatchView>,
    next: Option<String>,
    paged: bool,
    trend: Option<Trend>,
    versions: Vec<VersionRow>,
    /// Whether each accepted batch publishes a version by itself.
    auto_publish: bool,
    lookup: Lookup,
    upload_errors: Option<FormErrors>,
    version_errors: Option<FormErrors>,
}

impl ResourcePage {
    /// The CSS class of a form field with an error at the upload form.
    fn upload_cls(&self, field: &str) -> &'static str {
        self.upload_errors.as_ref().map_or("", |e| e.cls(field))
    }
}

fn batch_view(b: &Batch, s: &Session) -> BatchView {
    let (status, status_cls) = batch_status(&b.status, s);
    let score = b.quality.as_ref().map(|q| q.score);
    BatchView {
        id: b.id.clone(),
        at: local_time(&b.created_at),
        source: source_label(&b.source, s),
        file: b.file_name.clone().unwrap_or_default(),
        status: if status.is_empty() { "—" } else { status },
        status_cls,
        rows: b.rows,
        accepted: b.accepted,
        rejected: b.rejected,
        inserted: b.inserted,
        updated: b.updated,
        unchanged: b.unchanged,
        score: score.map(pct),
        score_cls: score.map_or("", score_cls),
    }
}

/// The trend of the newest accepted batches' scores (`batches` newest first), oldest left.
fn trend(batches: &[Batch]) -> Option<Trend> {
    let mut points: Vec<(&Batch, f64)> = batches
        .iter()
        .filter(|b| b.status == "accepted")
        .filter_map(|b| b.quality.as_ref().map(|q| (b, q.score)))
        .take(TREND_BATCHES)
        .collect();
    if points.is_empty() {
        return None;
    }
    points.reverse();
    let (width, height) = (640u32, 190u32);
    let (left, right, top, bottom) = (40u32, 630u32, 18u32, 160u32);
    let plot_h = f64::from(bottom - top);
    let slot = f64::from(right - left) / points.len() as f64;
    let bar_w = (slot * 0.56).min(30.0);
    let y_of = |score: f64| f64::from(top) + (100.0 - score.clamp(0.0, 100.0)) / 100.0 * plot_h;
    // Write every day when they fit, else every other or every third.
    let every = if points.len() <= 10 {
        1
    } else if points.len() <= 15 {
        2
    } else {
        3
    };
    let n = points.len();
    let bars: Vec<TrendBar> = points
        .iter()
        .enumerate()
        .map(|(i, (b, score))| {
            let cx = f64::from(left) + slot * (i as f64 + 0.5);
            let y = y_of(*score);
            TrendBar {
                id: b.id.clone(),
                x: format!("{:.1}", cx - bar_w / 2.0),
                y: format!("{y:.1}"),
                w: format!("{bar_w:.1}"),
                h: format!("{:.1}", f64::from(bottom) - y),
                cx: format!("{cx:.1}"),
                ty: format!("{:.1}", (y - 4.0).max(10.0)),
                score: pct(*score),
                day: local_time(&b.created_at)
                    .get(5..10)
                    .unwrap_or("")
                    .to_owned(),
                cls: score_cls(*score),
                show_day: (n - 1 - i).is_multiple_of(every),
            }
        })
        .collect();
    let line = bars
        .iter()
        .map(|b| format!("{},{}", b.cx, b.y))
        .collect::<Vec<_>>()
        .join(" ");
    let average = points.iter().map(|(_, s)| s).sum::<f64>() / n as f64;
    let grid = [(100.0, "100"), (80.0, "80"), (60.0, "60"), (0.0, "0")]
        .into_iter()
        .map(|(v, l)| (format!("{:.1}", y_of(v)), l))
        .collect();
    Some(Trend {
        width,
        height,
        left,
        right,
        bottom,
        grid,
        bars,
        line,
        average: pct((average * 10.0).round() / 10.0),
        latest: pct(points[n - 1].1),
    })
}

fn version_rows(id: &str, list: &[versions::DataVersion], s: &Session) -> Vec<VersionRow> {
    list.iter()
        .map(|v| VersionRow {
            number: v.number,
            at: local_time(&v.published_at),
            by: if v.published_by == "system" {
                s.t().data_by_platform.to_owned()
            } else {
                v.published_by.clone()
            },
            rows: v.rows,
            catalog_version: v.catalog_version,
            files: v
                .files
                .iter()
                .map(|f| FileRow {
                    label: match f.format.as_str() {
                        "csv" => "CSV".to_owned(),
                        "parquet" => "Parquet".to_owned(),
                        other => other.to_ascii_uppercase(),
                    },
                    href: format!(
                        "/data/resources/{}/versions/{}/{}",
                        encode(id),
                        v.number,
                        encode(&f.format)
                    ),
                    sha256: f.sha256.clone(),
                    size: human_size(f.size),
                })
                .collect(),
        })
        .collect()
}

fn record_view(r: &Record, doc: &ResourceDoc) -> RecordView {
    RecordView {
        key: r.key.clone(),
        values: doc
            .fields
            .iter()
            .map(|f| ValueRow {
                name: f.name.clone(),
                code: f.code.clone(),
                value: value_text(r.values.get(&f.code)),
            })
            .collect(),
        updated_at: local_time(&r.updated_at),
        batch_id: r.batch_id.clone(),
        changed_by: r.changed_by.clone(),
    }
}

fn history_rows(items: &[HistoryItem], doc: &ResourceDoc) -> Vec<HistoryRow> {
    let mut out = Vec::with_capacity(items.len());
    for (i, h) in items.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| &items[j]);
        out.push(HistoryRow {
            n: i + 1,
            cells: doc
                .fields
                .iter()
                .map(|f| {
                    let v = value_text(h.values.get(&f.code));
                    let changed = before.is_some_and(|b| value_text(b.values.get(&f.code)) != v);
                    (v, changed)
                })
                .collect(),
            batch_id: h.batch_id.clone(),
            changed_by: h.changed_by.clone(),
            changed_at: local_time(&h.changed_at),
            replaced_at: h.replaced_at.as_deref().map(local_time).unwrap_or_default(),
        });
    }
    // Newest first, like the batches.
    out.reverse();
    out
}

/// The record lookup of `?key=&as_of=`: the record (now or as of the time) and its history.
async fn lookup(st: &AppState, s: &Session, id: &str, doc: &ResourceDoc) -> Lookup {
    let key = s.params.get("key").unwrap_or_default().trim().to_owned();
    let as_of = s.params.get("as_of").unwrap_or_default().trim().to_owned();
    if key.is_empty() {
        return Lookup {
            key,
            as_of,
            ..Lookup::default()
        };
    }
    let at = (!as_of.is_empty()).then_some(as_of.as_str());
    let mut out = Lookup {
        searched: true,
        ..Lookup::default()
    };
    match records::get_record(&st.app, &s.actor, id, &key, at).await {
        Ok(r) => out.record = Some(record_view(&r, doc)),
        // Not there (at that time): the history may still say when it was.
        Err(ActionError::NotFound(_)) => {}
        Err(e) => out.errors = Some(FormErrors::from_error(&e, s.lang)),
    }
    if out.errors.is_none() {
        match records::record_history(&st.app, &s.actor, id, &key).await {
            Ok(h) => out.history = history_rows(&h, doc),
            Err(ActionError::NotFound(_)) => {}
            Err(e) => out.errors = Some(FormErrors::from_error(&e, s.lang)),
        }
    }
    out.key = key;
    out.as_of = as_of;
    out
}

async fn resource_page(
    st: &AppState,
    s: &Session,
    id: &str,
    refusals: Refusals,
    status: StatusCode,
) -> Result<Response, ActionError> {
    let lang = s.lang;
    let r: Resource = resources::get_resource(&st.app, &s.actor, id).await?;
    let cursor = s.params.get("cursor").filter(|c| !c.is_empty());
    let (batches, next) = batches::list_batches(&st.app, &s.actor, id, cursor, BATCH_PAGE).await?;
    let versions = versions::list_versions(&st.app, &s.actor, id).await?;
    let orgs = all_orgs(&st.app, &s.actor).await?;
    let d = &r.doc;
    let lookup = lookup(st, s, id, d).await;
    let published = r.status == ResourceStatus::Published;
    let keys: Vec<&str> = d
        .fields
        .iter()
        .filter(|f| f.is_key)
        .map(|f| f.name.as_str())
        .collect();
    let page = ResourcePage {
        c: chrome(s, "data"),
        id: r.id.clone(),
        code: d.code.clone(),
        name: d.name.clone(),
        provider: org_name(&orgs, &d.provider_org_id),
        cycle: lab(d.update_cycle.label_zh(), d.update_cycle.label_en(), lang),
        published,
        fields: d
            .fields
            .iter()
            .map(|f| FieldRow {
                name: f.name.clone(),
                code: f.code.clone(),
                ftype: format!(
                    "{} {}",
                    f.field_type.as_str(),
                    lab(f.field_type.label_zh(), f.field_type.label_en(), lang)
                ),
                key: f.is_key,
                required: f.required,
            })
            .collect(),
        key_names: keys.join(if lang == Lang::En { ", " } else { "、" }),
        composite_key: keys.len() > 1,
        can_upload: published && may_supply(s, &d.provider_org_id),
        can_publish: published && may_publish(s, &d.provider_org_id),
        encodings: encoding_options("auto", s),
        max_upload: human_size(st.app.config().max_upload_bytes),
        trend: if cursor.is_none() {
            trend(&batches)
        } else {
            None
        },
        batches: batches.iter().map(|b| batch_view(b, s)).collect(),
        next: next.map(|n| {
            format!(
                "/data/resources/{}?cursor={}#batches",
                encode(id),
                encode(&n)
            )
        }),
        paged: cursor.is_some(),
        versions: version_rows(id, &versions.items, s),
        auto_publish: versions.auto_publish,
        lookup,
        upload_errors: refusals.upload,
        version_errors: refusals.versions,
    };
    Ok(render(status, &page))
}

/// `GET /data/resources/{id}?cursor=&key=&as_of=`
pub async fn resource(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    match resource_page(&st, &s, &id, Refusals::default(), StatusCode::OK).await {
        Ok(res) => res,
        Err(e) => s.problem(&e),
    }
}

/// The resource's page with a refusal at one of its forms (the problem page when the page
/// itself cannot be shown).
async fn refused_on_resource(
    st: &AppState,
    s: &Session,
    id: &str,
    refusals: Refusals,
    e: &ActionError,
) -> Response {
    match resource_page(st, s, id, refusals, status_of(e)).await {
        Ok(res) => res,
        Err(_) => s.problem(e),
    }
}

// ---------------------------------------------------------------------------------------
// Upload → mapping step → batch

/// A kept upload between the mapping step and its batch.
struct Kept {
    id: String,
    path: PathBuf,
    file_name: String,
}

struct MapField {
    name: String,
    code: String,
    key: bool,
    required: bool,
    options: Vec<Opt>,
    matched: bool,
}

#[derive(Template)]
#[template(path = "data_mapping.html")]
struct MappingPage {
    c: Chrome,
    id: String,
    res_name: String,
    res_code: String,
    upload: String,
    file_name: String,
    size: String,
    format: String,
    is_csv: bool,
    detected: String,
    encoding: String,
    encodings: Vec<Opt>,
    header: Vec<String>,
    fields: Vec<MapField>,
    sample: Vec<Vec<String>>,
    ignored: Vec<String>,
    problem: Option<String>,
    errors: Option<FormErrors>,
}

fn map_fields(p: &UploadPreview, s: &Session) -> Vec<MapField> {
    p.fields
        .iter()
        .map(|f| {
            let mut options = vec![Opt::new("", s.t().data_map_none, f.column.is_none())];
            options.extend(p.header.iter().filter(|h| !h.trim().is_empty()).map(|h| {
                Opt::new(
                    h.clone(),
                    h.clone(),
                    f.column.as_deref() == Some(h.as_str()),
                )
            }));
            MapField {
                name: f.name.clone(),
                code: f.code.clone(),
                key: f.is_key,
                required: f.required,
                options,
                matched: f.column.is_some(),
            }
        })
        .collect()
}

/// Reads the head of the kept upload and shows the mapping step. When the file cannot be
/// read at all (bad encoding, empty, a broken workbook…) the upload is removed and the
/// resource's page shows why at its upload form.
#[allow(clippy::too_many_arguments)]
async fn mapping_step(
    st: &AppState,
    s: &Session,
    id: &str,
    kept: Kept,
    encoding: &str,
    choices: Choices,
    errors: Option<FormErrors>,
    status: StatusCode,
) -> Response {
    let mut up = Upload {
        path: kept.path.clone(),
        file_name: kept.file_name.clone(),
        encoding: encoding_arg(encoding),
        choices,
    };
    let mut preview = batches::preview_upload(&st.app, &s.actor, id, &up).await;
    if preview.is_err() && !up.choices.is_empty() {
        // The choices no longer fit (a column the file does not have): match afresh.
        up.choices.clear();
        preview = batches::preview_upload(&st.app, &s.actor, id, &up).await;
    }
    let p = match preview {
        Ok(p) => p,
        Err(e) => {
            upload::remove(&kept.path);
            if fixable(&e) {
                let refusals = Refusals {
                    upload: Some(FormErrors::from_error(&e, s.lang)),
                    ..Refusals::default()
                };
                return refused_on_resource(st, s, id, refusals, &e).await;
            }
            return s.problem(&e);
        }
    };
    let r = match resources::get_resource(&st.app, &s.actor, id).await {
        Ok(r) => r,
        Err(e) => return s.problem(&e),
    };
    let size = std::fs::metadata(&kept.path).map(|m| m.len()).unwrap_or(0);
    let page = MappingPage {
        c: chrome(s, "data"),
        id: id.to_owned(),
        res_name: r.doc.name.clone(),
        res_code: r.doc.code.clone(),
        upload: kept.id,
        file_name: kept.file_name,
        size: human_size(size),
        format: p.format.to_ascii_uppercase(),
        is_csv: p.format.eq_ignore_ascii_case("csv"),
        detected: p.encoding.clone().unwrap_or_else(|| "—".to_owned()),
        encoding: encoding.to_owned(),
        encodings: encoding_options(encoding, s),
        fields: map_fields(&p, s),
        header: p.header,
        sample: p.sample,
        ignored: p.ignored_columns,
        problem: p.problem,
        errors,
    };
    render(status, &page)
}

/// `POST /data/resources/{id}/upload` (multipart: `csrf`, `encoding`, `file`): keeps the file
/// and shows the mapping step.
pub async fn upload(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let target = format!("POST /data/resources/{id}/upload");
    // The route has no body limit of its own (the file is streamed to disk and stopped at
    // the configured size); a body announced as larger is refused before it is read.
    let max = st.app.config().max_upload_bytes;
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max.saturating_add(1024 * 1024)) {
        let e = ActionError::BadRequest("file_too_large");
        let e = record_rejected_request(&st.app, &s.actor, &target, e).await;
        return too_large(&st, &s, &id, &e).await;
    }
    let received = match multipart {
        Ok(m) => upload::receive(&st.app, m).await,
        Err(_) => Err(ActionError::BadRequest("invalid_multipart")),
    };
    let rec = match received {
        Ok(r) => r,
        Err(e @ ActionError::BadRequest("file_too_large")) => {
            let e = record_rejected_request(&st.app, &s.actor, &target, e).await;
            return too_large(&st, &s, &id, &e).await;
        }
        Err(e @ ActionError::BadRequest(_)) => return rejected(&st, &s, &target, e).await,
        Err(e) if fixable(&e) => {
            // No file chosen: the CSRF value is checked all the same.
            let refusals = Refusals {
                upload: Some(FormErrors::one("file", s.t().data_choose_file)),
                ..Refusals::default()
            };
            return refused_on_resource(&st, &s, &id, refusals, &e).await;
        }
        Err(e) => return s.problem(&e),
    };
    let csrf = rec.field("csrf").unwrap_or_default().to_owned();
    if let Err(res) = s
        .check_csrf(&FormData(vec![("csrf".to_owned(), csrf)]))
        .await
    {
        upload::remove(&rec.path);
        return res;
    }
    let encoding = rec.field("encoding").unwrap_or("auto").to_owned();
    let kept = Kept {
        id: rec.id.clone(),
        path: rec.path.clone(),
        file_name: rec.file_name.clone(),
    };
    mapping_step(
        &st,
        &s,
        &id,
        kept,
        &encoding,
        Vec::new(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn too_large(st: &AppState, s: &Session, id: &str, e: &ActionError) -> Response {
    let max = human_size(st.app.config().max_upload_bytes);
    let message = format!("{}{max}", s.t().data_file_too_large);
    let refusals = Refusals {
        upload: Some(FormErrors::one("file", &message)),
        ..Refusals::default()
    };
    refused_on_resource(st, s, id, refusals, e).await
}

/// A file name as kept with the batch: the last path part, printable, at most 200 characters.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() {
        "upload".to_owned()
    } else {
        cleaned
    }
}

/// `POST /data/resources/{id}/ingest` (`csrf`, `upload`, `file_name`, `encoding`,
/// `map[<code>]`, and `step=reread` to read the file again in another encoding): starts the
/// batch in the background and redirects to it as soon as it exists.
pub async fn ingest(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let upload_id = form.get("upload");
    let Some(path) = upload::kept(&st.app, &upload_id) else {
        let refusals = Refusals {
            upload: Some(FormErrors::one("file", s.t().data_upload_gone)),
            ..Refusals::default()
        };
        let e = ActionError::NotFound("not_found");
        return match resource_page(&st, &s, &id, refusals, StatusCode::GONE).await {
            Ok(res) => res,
            Err(_) => s.problem(&e),
        };
    };
    let kept = Kept {
        id: upload_id,
        path,
        file_name: clean_file_name(&form.get("file_name")),
    };
    let encoding = form.get("encoding");
    if form.get("step") == "reread" {
        return mapping_step(
            &st,
            &s,
            &id,
            kept,
            &encoding,
            Vec::new(),
            None,
            StatusCode::OK,
        )
        .await;
    }
    let choices: Choices = form
        .0
        .iter()
        .filter_map(|(k, v)| {
            let code = k.strip_prefix("map[")?.strip_suffix(']')?;
            Some((code.to_owned(), v.clone()))
        })
        .collect();
    let up = Upload {
        path: kept.path.clone(),
        file_name: kept.file_name.clone(),
        encoding: encoding_arg(&encoding),
        choices: choices.clone(),
    };
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<String>();
    let app: App = st.app.clone();
    let actor = s.actor.clone();
    let resource_id = id.clone();
    let path = kept.path.clone();
    let task = tokio::spawn(async move {
        let mut started = false;
        let result = batches::upload_batch(&app, &actor, &resource_id, up, |batch_id| {
            started = true;
            let _ = started_tx.send(batch_id.to_owned());
        })
        .await;
        // Once a batch exists the file has served; before, the mapping step shows why it
        // was refused and keeps the file for another try.
        if started {
            upload::remove(&path);
        }
        result
    });
    match started_rx.await {
        Ok(batch_id) => {
            Redirect::to(&format!("/data/batches/{}", encode(&batch_id))).into_response()
        }
        // Refused before a batch existed.
        Err(_) => match task.await {
            Ok(Ok(b)) => Redirect::to(&format!("/data/batches/{}", encode(&b.id))).into_response(),
            Ok(Err(e)) if fixable(&e) => {
                let errors = Some(FormErrors::from_error(&e, s.lang));
                mapping_step(
                    &st,
                    &s,
                    &id,
                    kept,
                    &encoding,
                    choices,
                    errors,
                    status_of(&e),
                )
                .await
            }
            Ok(Err(e)) => {
                upload::remove(&kept.path);
                s.problem(&e)
            }
            Err(join) => {
                upload::remove(&kept.path);
                s.problem(&ActionError::Unexpected(format!(
                    "the batch task failed: {join}"
                )))
            }
        },
    }
}

// ---------------------------------------------------------------------------------------
// A batch: progress, outcome, quality report

struct DimView {
    key: &'static str,
    label: &'static str,
    percent: String,
    width: String,
    detail: String,
    cls: &'static str,
}

struct FieldQualityView {
    name: String,
    code: String,
    filled: u64,
    invalid: u64,
    filled_pct: String,
}

struct ProblemCount {
    label: &'static str,
    code: String,
    count: u64,
}

struct SampleView {
    line: u64,
    reasons: Vec<String>,
}

struct QualityView {
    score: String,
    score_cls: &'static str,
    dims: Vec<DimView>,
    fields: Vec<FieldQualityView>,
    problems: Vec<ProblemCount>,
    sample: Vec<SampleView>,
}

struct ProgressView {
    /// `<progress value max>` in bytes; none when the size is not known yet.
    value: u64,
    max: u64,
    known: bool,
    percent: String,
    read: String,
    total: String,
    rows: u64,
    accepted: u64,
    rejected: u64,
}

#[derive(Template)]
#[template(path = "data_batch.html")]
struct BatchPage {
    c: Chrome,
    id: String,
    resource_id: String,
    res_name: String,
    res_code: String,
    status: &'static str,
    status_cls: &'static str,
    running: bool,
    accepted_ok: bool,
    source: String,
    file_name: String,
    file_format: String,
    encoding: String,
    created_by: String,
    created_at: String,
    finished_at: String,
    rows: u64,
    accepted: u64,
    rejected: u64,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    error: Option<(String, String)>,
    progress: Option<ProgressView>,
    quality: Option<QualityView>,
}

fn quality_view(b: &Batch, names: &HashMap<String, String>, s: &Session) -> Option<QualityView> {
    let q = b.quality.as_ref()?;
    let t = s.t();
    let lang = s.lang;
    let of = |passed: u64, total: u64| {
        if lang == Lang::En {
            format!("{passed} of {total}")
        } else {
            format!("{passed} / {total}")
        }
    };
    let dim =
        |key, label, d: &pubdata_core::aggregation::quality::Dimension, detail: String| DimView {
            key,
            label,
            percent: pct(d.percent),
            width: format!("{:.1}", d.percent.clamp(0.0, 100.0)),
            detail,
            cls: score_cls(d.percent),
        };
    let tl = &q.timeliness;
    let timeliness_detail = match (&tl.due_date, tl.days_late) {
        (None, _) => t.data_q_no_due.to_owned(),
        (Some(due), 0) => format!("{}{due}", t.data_q_due_on_time),
        (Some(due), late) => format!(
            "{}{due}{}{late}{}",
            t.data_q_due, t.data_q_late_pre, t.data_q_late_post
        ),
    };
    let dims = vec![
        dim(
            "completeness",
            t.data_q_completeness,
            &q.completeness,
            format!(
                "{} {}",
                t.data_q_cells_filled,
                of(q.completeness.passed, q.completeness.total)
            ),
        ),
        dim(
            "validity",
            t.data_q_validity,
            &q.validity,
            format!(
                "{} {}",
                t.data_q_rows_valid,
                of(q.validity.passed, q.validity.total)
            ),
        ),
        dim(
            "uniqueness",
            t.data_q_uniqueness,
            &q.uniqueness,
            format!(
                "{} {}",
                t.data_q_rows_unique,
                of(q.uniqueness.passed, q.uniqueness.total)
            ),
        ),
        dim(
            "consistency",
            t.data_q_consistency,
            &q.consistency,
            format!(
                "{} {}",
                t.data_q_rows_consistent,
                of(q.consistency.passed, q.consistency.total)
            ),
        ),
        DimView {
            key: "timeliness",
            label: t.data_q_timeliness,
            percent: pct(tl.percent),
            width: format!("{:.1}", tl.percent.clamp(0.0, 100.0)),
            detail: timeliness_detail,
            cls: score_cls(tl.percent),
        },
    ];
    Some(QualityView {
        score: pct(q.score),
        score_cls: score_cls(q.score),
        dims,
        fields: q
            .fields
            .iter()
            .map(|f| FieldQualityView {
                name: names.get(&f.code).cloned().unwrap_or_default(),
                code: f.code.clone(),
                filled: f.filled,
                invalid: f.invalid,
                filled_pct: if q.rows == 0 {
                    "—".to_owned()
                } else {
                    format!("{}%", pct(100.0 * f.filled as f64 / q.rows as f64))
                },
            })
            .collect(),
        problems: q
            .problems
            .iter()
            .map(|(code, n)| ProblemCount {
                label: problem_label(code, s),
                code: code.clone(),
                count: *n,
            })
            .collect(),
        sample: q
            .sample
            .iter()
            .map(|r| SampleView {
                line: r.line,
                reasons: if lang == Lang::En {
                    r.reasons_en.clone()
                } else {
                    r.reasons.clone()
                },
            })
            .collect(),
    })
}

/// `GET /data/batches/{id}`
pub async fn batch(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    let b = match batches::get_batch(&st.app, &s.actor, &id).await {
        Ok(b) => b,
        Err(e) => return s.problem(&e),
    };
    // The resource's names; a batch stays readable if its resource cannot be shown.
    let res = resources::get_resource(&st.app, &s.actor, &b.resource_id)
        .await
        .ok();
    let names: HashMap<String, String> = res
        .as_ref()
        .map(|r| {
            r.doc
                .fields
                .iter()
                .map(|f| (f.code.clone(), f.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let (status, status_cls) = batch_status(&b.status, &s);
    let running = b.status == "running";
    let progress = running.then(|| {
        let p = b.progress.clone().unwrap_or_default();
        let known = p.bytes_total > 0;
        ProgressView {
            value: p.bytes_read.min(p.bytes_total),
            max: p.bytes_total,
            known,
            percent: if known {
                pct(100.0 * p.bytes_read.min(p.bytes_total) as f64 / p.bytes_total as f64)
            } else {
                String::new()
            },
            read: human_size(p.bytes_read),
            total: human_size(p.bytes_total),
            rows: p.rows,
            accepted: p.accepted,
            rejected: p.rejected,
        }
    });
    let page = BatchPage {
        c: chrome(&s, "data"),
        id: b.id.clone(),
        resource_id: b.resource_id.clone(),
        res_name: res.as_ref().map(|r| r.doc.name.clone()).unwrap_or_default(),
        res_code: res.as_ref().map(|r| r.doc.code.clone()).unwrap_or_default(),
        status: if status.is_empty() { "—" } else { status },
        status_cls,
        running,
        accepted_ok: b.status == "accepted",
        source: source_label(&b.source, &s),
        file_name: b.file_name.clone().unwrap_or_default(),
        file_format: b
            .file_format
            .clone()
            .unwrap_or_default()
            .to_ascii_uppercase(),
        encoding: b.encoding.clone().unwrap_or_default(),
        created_by: b.created_by.clone(),
        created_at: local_time(&b.created_at),
        finished_at: b.finished_at.as_deref().map(local_time).unwrap_or_default(),
        rows: b.rows,
        accepted: b.accepted,
        rejected: b.rejected,
        inserted: b.inserted,
        updated: b.updated,
        unchanged: b.unchanged,
        error: b
            .error
            .as_ref()
            .map(|e| (e.code.clone(), e.message.clone())),
        progress,
        quality: quality_view(&b, &names, &s),
    };
    render(StatusCode::OK, &page)
}

/// `GET /data/batches/{id}/rejected.csv`: the rejected rows with their reasons, to fix and
/// send again.
pub async fn rejected_csv(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
) -> Response {
    match batches::rejected_rows_csv(&st.app, &s.actor, &id).await {
        Ok((name, bytes)) => {
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(v) = HeaderValue::from_str(&format!(
                "attachment; filename=\"{}\"",
                name.replace(['"', '\\'], "_")
            )) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(e) => s.problem(&e),
    }
}

// ---------------------------------------------------------------------------------------
// Versions: the file downloads, publishing, automatic publication

/// `GET /data/resources/{id}/versions/{n}/{format}`: the file, streamed.
pub async fn version_file(
    State(st): State<AppState>,
    s: Session,
    Path((id, n, format)): Path<(String, String, String)>,
) -> Response {
    let Ok(number) = n.parse::<i64>() else {
        return s.problem(&ActionError::NotFound("version_not_found"));
    };
    match versions::version_file(&st.app, &s.actor, &id, number, &format).await {
        Ok(f) => crate::aggregation_api::file_response(f),
        Err(e) => s.problem(&e),
    }
}

/// `POST /data/resources/{id}/publish`: the records as they are now become version n+1.
pub async fn publish(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    match versions::publish_version(&st.app, &s.actor, &id).await {
        Ok(_) => Redirect::to(&format!(
            "/data/resources/{}?notice=data_published#versions",
            encode(&id)
        ))
        .into_response(),
        Err(e) if fixable(&e) => {
            let refusals = Refusals {
                versions: Some(FormErrors::from_error(&e, s.lang)),
                ..Refusals::default()
            };
            refused_on_resource(&st, &s, &id, refusals, &e).await
        }
        Err(e) => s.problem(&e),
    }
}

/// `POST /data/resources/{id}/auto-publish` (`on` = `1` | `0`).
pub async fn auto_publish(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let on = match form.get("on").as_str() {
        "1" => true,
        "0" => false,
        _ => {
            let target = format!("POST /data/resources/{id}/auto-publish");
            return rejected(&st, &s, &target, ActionError::BadRequest("invalid_input")).await;
        }
    };
    match versions::set_auto_publish(&st.app, &s.actor, &id, on).await {
        Ok(()) => Redirect::to(&format!(
            "/data/resources/{}?notice={}#versions",
            encode(&id),
            if on {
                "auto_publish_on"
            } else {
                "auto_publish_off"
            }
        ))
        .into_response(),
        Err(e) if fixable(&e) => {
            let refusals = Refusals {
                versions: Some(FormErrors::from_error(&e, s.lang)),
                ..Refusals::default()
            };
            refused_on_resource(&st, &s, &id, refusals, &e).await
        }
        Err(e) => s.problem(&e),
    }
}

// ---------------------------------------------------------------------------------------
// Pull sources (the authority)

struct PullRow {
    id: String,
    resource_id: String,
    resource: String,
    kind: String,
    url: String,
    table: String,
    query: String,
    cursor_column: String,
    key_column: String,
    enabled: bool,
    cursor: String,
    last_pull: String,
    last_error: String,
    last_batch: String,
}

/// What was typed into the registration form.
#[derive(Default)]
struct PullForm {
    resource_id: String,
    url: String,
    table: String,
    query: String,
    cursor_column: String,
    key_column: String,
    /// The URL held a password and is not shown again.
    url_withheld: bool,
}

#[derive(Template)]
#[template(path = "data_pulls.html")]
struct PullsPage {
    c: Chrome,
    rows: Vec<PullRow>,
    resources: Vec<Opt>,
    form: PullForm,
    errors: Option<FormErrors>,
    /// A refused run or switch, shown above the list.
    list_errors: Option<FormErrors>,
}

impl PullsPage {
    fn cls(&self, field: &str) -> &'static str {
        self.errors.as_ref().map_or("", |e| e.cls(field))
    }

    fn error_at(&self, field: &str) -> Option<&str> {
        self.errors.as_ref().and_then(|e| e.field(field))
    }
}

async fn pulls_page(
    st: &AppState,
    s: &Session,
    form: PullForm,
    errors: Option<FormErrors>,
    list_errors: Option<FormErrors>,
    status: StatusCode,
) -> Response {
    let sources = match pulls::list_pull_sources(&st.app, &s.actor).await {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    let entries = match list::responsibility_list(&st.app, &s.actor, None).await {
        Ok(e) => e,
        Err(e) => return s.problem(&e),
    };
    let names: HashMap<&str, String> = entries
        .iter()
        .map(|e| (e.id.as_str(), format!("{} {}", e.code, e.name)))
        .collect();
    let kind_label = |k: &str| match SourceKind::from_stored(k) {
        Some(k) => lab(k.label_zh(), k.label_en(), s.lang).to_owned(),
        None => k.to_owned(),
    };
    let rows = sources
        .iter()
        .map(|p| PullRow {
            id: p.id.clone(),
            resource_id: p.resource_id.clone(),
            resource: names
                .get(p.resource_id.as_str())
                .cloned()
                .unwrap_or_else(|| p.resource_id.clone()),
            kind: kind_label(&p.kind),
            url: p.url.clone(),
            table: p.table.clone().unwrap_or_default(),
            query: p.query.clone().unwrap_or_default(),
            cursor_column: p.cursor_column.clone(),
            key_column: p.key_column.clone(),
            enabled: p.enabled,
            cursor: p
                .cursor
                .as_ref()
                .map(|c| format!("{} · {}", c.value, c.key))
                .unwrap_or_default(),
            last_pull: p
                .last_pull_at
                .as_deref()
                .map(local_time)
                .unwrap_or_default(),
            last_error: p.last_error.clone().unwrap_or_default(),
            last_batch: p.last_batch_id.clone().unwrap_or_default(),
        })
        .collect();
    let mut resources = vec![Opt::new(
        "",
        s.t().data_pull_choose_resource,
        form.resource_id.is_empty(),
    )];
    resources.extend(entries.iter().map(|e| {
        Opt::new(
            e.id.clone(),
            format!("{} {}（{}）", e.code, e.name, e.provider_name),
            form.resource_id == e.id,
        )
    }));
    let page = PullsPage {
        c: chrome(s, "data_pulls"),
        rows,
        resources,
        form,
        errors,
        list_errors,
    };
    render(status, &page)
}

/// `GET /data/pulls`
pub async fn pulls_list(State(st): State<AppState>, s: Session) -> Response {
    pulls_page(&st, &s, PullForm::default(), None, None, StatusCode::OK).await
}

fn blank_none(v: String) -> Option<String> {
    let t = v.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// `POST /data/pulls` (`resource_id`, `kind`, `url`, `table` | `query`, `cursor_column`,
/// `key_column`): registers a source after checking that it answers.
pub async fn pull_create(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let kind = form.opt("kind").unwrap_or_else(|| "postgres".to_owned());
    let Some(kind) = SourceKind::from_stored(kind.trim()) else {
        return rejected(
            &st,
            &s,
            "POST /data/pulls",
            ActionError::BadRequest("invalid_input"),
        )
        .await;
    };
    let resource_id = form.get("resource_id").trim().to_owned();
    let spec = PullSpec {
        kind,
        url: form.get("url").trim().to_owned(),
        table: blank_none(form.get("table")),
        query: blank_none(form.get("query")),
        cursor_column: form.get("cursor_column").trim().to_owned(),
        key_column: form.get("key_column").trim().to_owned(),
    };
    // What was typed, for the form shown again; never a URL's password.
    let withheld = spec.redacted_url() != spec.url;
    let typed = PullForm {
        resource_id: resource_id.clone(),
        url: if withheld {
            String::new()
        } else {
            spec.url.clone()
        },
        table: spec.table.clone().unwrap_or_default(),
        query: spec.query.clone().unwrap_or_default(),
        cursor_column: spec.cursor_column.clone(),
        key_column: spec.key_column.clone(),
        url_withheld: withheld,
    };
    if resource_id.is_empty() {
        let errors = FormErrors::one("resource_id", s.t().data_pull_resource_required);
        return pulls_page(
            &st,
            &s,
            typed,
            Some(errors),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match pulls::create_pull_source(&st.app, &s.actor, &resource_id, spec).await {
        Ok(_) => Redirect::to("/data/pulls?notice=pull_created").into_response(),
        Err(e) if fixable(&e) || matches!(e, ActionError::NotFound(_)) => {
            let errors = FormErrors::from_error(&e, s.lang);
            pulls_page(&st, &s, typed, Some(errors), None, status_of(&e)).await
        }
        Err(e) => s.problem(&e),
    }
}

/// `POST /data/pulls/{id}/run`: pulls what is new now, then shows its batch.
pub async fn pull_run(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    match pulls::run_pull(&st.app, &s.actor, &id).await {
        Ok(Some(b)) => Redirect::to(&format!("/data/batches/{}", encode(&b.id))).into_response(),
        Ok(None) => Redirect::to("/data/pulls?notice=pull_nothing_new").into_response(),
        Err(e) if fixable(&e) => {
            let errors = FormErrors::from_error(&e, s.lang);
            pulls_page(
                &st,
                &s,
                PullForm::default(),
                None,
                Some(errors),
                status_of(&e),
            )
            .await
        }
        Err(e) => s.problem(&e),
    }
}

async fn pull_switch(st: &AppState, s: &Session, id: &str, form: &FormData, on: bool) -> Response {
    if let Err(res) = s.check_csrf(form).await {
        return res;
    }
    match pulls::set_pull_source_enabled(&st.app, &s.actor, id, on).await {
        Ok(_) => Redirect::to(if on {
            "/data/pulls?notice=pull_enabled"
        } else {
            "/data/pulls?notice=pull_disabled"
        })
        .into_response(),
        Err(e) => s.problem(&e),
    }
}

/// `POST /data/pulls/{id}/enable`
pub async fn pull_enable(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    pull_switch(&st, &s, &id, &form, true).await
}

/// `POST /data/pulls/{id}/disable`
pub async fn pull_disable(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    pull_switch(&st, &s, &id, &form, false).await
}

#[cfg(test)]
mod tests {
    use super::{clean_file_name, encoding_arg, human_size, pct};

    #[test]
    fn sizes_and_percentages_read_as_people_write_them() {
        assert_eq!(human_size(12), "12 B");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(1 << 30), "1.0 GB");
        assert_eq!(pct(100.0), "100");
        assert_eq!(pct(97.24), "97.2");
    }

    #[test]
    fn the_encoding_choice_auto_means_detect() {
        assert_eq!(encoding_arg("auto"), None);
        assert_eq!(encoding_arg(""), None);
        assert_eq!(encoding_arg("gbk").as_deref(), Some("gbk"));
    }

    #[test]
    fn a_kept_file_name_has_no_path_or_control_characters() {
        assert_eq!(clean_file_name("C:\\data\\站点.csv"), "站点.csv");
        assert_eq!(clean_file_name("../a\n.csv"), "a.csv");
        assert_eq!(clean_file_name("  "), "upload");
    }
}
