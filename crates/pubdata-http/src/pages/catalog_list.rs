//! The responsibility list (责任清单) and the catalog import: the list city-wide or of one unit
//! with its downloads (CSV, XLSX), the empty template, the upload that checks a file and shows
//! its problems row by row, and the import of a checked file as drafts.
//!
//! Between the check and the import the upload is kept on the server, not re-posted: in
//! `<data dir>/uploads/<random id>` with a `<id>.json` beside it naming who uploaded it, for
//! which unit, and when. Only its uploader may import it; it is deleted after the import and
//! any upload older than an hour is swept away at the next upload.

use super::session::{FormData, Session, encode};
use super::{Chrome, FormErrors, Opt, all_orgs, fixable, is_admin, render};
use crate::AppState;
use crate::problem::{Lang, status_of};
use askama::Template;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use pubdata_app::action::record_rejected_request;
use pubdata_app::catalog::list::{self, Export, ExportFormat, ImportMode, ImportReport, ListEntry};
use pubdata_app::platform::orgs::Org;
use pubdata_app::{ActionError, App, Role};
use pubdata_core::catalog::{OpenAttr, ShareAttr};
use pubdata_core::policy;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The largest upload the import accepts (the route's body limit, a little above the file).
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;

fn lab(zh: &'static str, en: &'static str, lang: Lang) -> &'static str {
    if lang == Lang::En { en } else { zh }
}

fn org_id_param(s: &Session) -> Option<String> {
    s.params
        .get("org_id")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn may_import(s: &Session) -> bool {
    is_admin(&s.actor) || s.actor.has_role(Role::Steward)
}

// ---------------------------------------------------------------------------------------
// The list

struct Row {
    id: String,
    code: String,
    name: String,
    provider: String,
    provider_id: String,
    fields: String,
    n_fields: usize,
    update_cycle: &'static str,
    share: &'static str,
    share_cls: &'static str,
    share_methods: String,
    share_condition: String,
    open: &'static str,
    open_cls: &'static str,
    open_condition: String,
}

#[derive(Template)]
#[template(path = "responsibility_list.html")]
struct ListPage {
    c: Chrome,
    unit_name: Option<String>,
    units: Vec<Opt>,
    rows: Vec<Row>,
    n_units: usize,
    n_fields: usize,
    n_shareable: usize,
    share_detail: String,
    n_openable: usize,
    open_detail: String,
    csv_href: String,
    xlsx_href: String,
    can_import: bool,
}

/// How many field names a row shows before "等 N 项".
const FIELDS_SHOWN: usize = 8;

fn row(e: ListEntry, lang: Lang) -> Row {
    let sep = if lang == Lang::En { ", " } else { "、" };
    let n_fields = e.fields.len();
    let mut fields = e
        .fields
        .iter()
        .take(FIELDS_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(sep);
    if n_fields > FIELDS_SHOWN {
        fields.push_str(lab("等", " …", lang));
    }
    Row {
        id: e.id,
        code: e.code,
        name: e.name,
        provider: e.provider_name,
        provider_id: e.provider_org_id,
        fields,
        n_fields,
        update_cycle: lab(e.update_cycle.label_zh(), e.update_cycle.label_en(), lang),
        share: lab(e.share_attr.label_zh(), e.share_attr.label_en(), lang),
        share_cls: match e.share_attr {
            ShareAttr::Unconditional => "on",
            ShareAttr::Conditional => "warn",
            ShareAttr::NotShared => "off",
        },
        share_methods: e
            .share_methods
            .iter()
            .map(|m| lab(m.label_zh(), m.label_en(), lang))
            .collect::<Vec<_>>()
            .join(sep),
        share_condition: e.share_condition,
        open: lab(e.open_attr.label_zh(), e.open_attr.label_en(), lang),
        open_cls: match e.open_attr {
            OpenAttr::Unconditional => "on",
            OpenAttr::Conditional => "warn",
            OpenAttr::NotOpen => "off",
        },
        open_condition: e.open_condition,
    }
}

fn unit_options(orgs: &[Org], chosen: Option<&str>, all_label: &str) -> Vec<Opt> {
    let mut v = vec![Opt::new("", all_label, chosen.is_none())];
    v.extend(
        orgs.iter()
            .filter(|o| !o.disabled || chosen == Some(o.id.as_str()))
            .map(|o| Opt::new(o.id.clone(), o.name.clone(), chosen == Some(o.id.as_str()))),
    );
    v
}

/// `GET /catalog/list?org_id=`
pub async fn page(State(st): State<AppState>, s: Session) -> Response {
    let t = s.t();
    let chosen = org_id_param(&s);
    let entries = match list::responsibility_list(&st.app, &s.actor, chosen.as_deref()).await {
        Ok(e) => e,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(o) => o,
        Err(e) => return s.problem(&e),
    };
    let mut share_counts = [0; 3];
    let mut open_counts = [0; 3];
    for e in &entries {
        share_counts[ShareAttr::ALL
            .iter()
            .position(|a| *a == e.share_attr)
            .unwrap_or(0)] += 1;
        open_counts[OpenAttr::ALL
            .iter()
            .position(|a| *a == e.open_attr)
            .unwrap_or(0)] += 1;
    }
    let n_fields = entries.iter().map(|e| e.fields.len()).sum();
    let rows: Vec<Row> = entries.into_iter().map(|e| row(e, s.lang)).collect();
    let mut providers: Vec<&str> = rows.iter().map(|r| r.provider_id.as_str()).collect();
    providers.sort_unstable();
    providers.dedup();
    let detail = |labels: Vec<&str>, counts: [usize; 3]| -> String {
        labels
            .iter()
            .zip(counts)
            .map(|(l, n)| format!("{l} {n}"))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let share_labels = ShareAttr::ALL
        .iter()
        .map(|a| lab(a.label_zh(), a.label_en(), s.lang))
        .collect();
    let open_labels = OpenAttr::ALL
        .iter()
        .map(|a| lab(a.label_zh(), a.label_en(), s.lang))
        .collect();
    let q = chosen
        .as_deref()
        .map(|o| format!("?org_id={}", encode(o)))
        .unwrap_or_default();
    let page = ListPage {
        unit_name: chosen
            .as_deref()
            .and_then(|id| orgs.iter().find(|o| o.id == id))
            .map(|o| o.name.clone()),
        units: unit_options(&orgs, chosen.as_deref(), t.list_all_units),
        n_units: providers.len(),
        n_fields,
        n_shareable: share_counts[0] + share_counts[1],
        share_detail: detail(share_labels, share_counts),
        n_openable: open_counts[0] + open_counts[1],
        open_detail: detail(open_labels, open_counts),
        csv_href: format!("/catalog/list.csv{q}"),
        xlsx_href: format!("/catalog/list.xlsx{q}"),
        can_import: may_import(&s),
        rows,
        c: s.chrome("catalog_list"),
    };
    render(StatusCode::OK, &page)
}

/// A download: `Content-Disposition: attachment` with the ASCII name and the UTF-8 one
/// (RFC 6266 / RFC 8187 `filename*`).
pub(crate) fn download(e: Export) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        e.ascii_filename,
        encode(&e.filename)
    );
    let mut res = e.bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(e.content_type),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

async fn export(st: &AppState, s: &Session, format: ExportFormat) -> Response {
    let chosen = org_id_param(s);
    match list::export_responsibility_list(&st.app, &s.actor, chosen.as_deref(), format).await {
        Ok(e) => download(e),
        Err(e) => s.problem(&e),
    }
}

/// `GET /catalog/list.csv?org_id=`
pub async fn export_csv(State(st): State<AppState>, s: Session) -> Response {
    export(&st, &s, ExportFormat::Csv).await
}

/// `GET /catalog/list.xlsx?org_id=`
pub async fn export_xlsx(State(st): State<AppState>, s: Session) -> Response {
    export(&st, &s, ExportFormat::Xlsx).await
}

fn template(s: &Session, format: ExportFormat) -> Response {
    match list::empty_template(format) {
        Ok(e) => download(e),
        Err(e) => s.problem(&e),
    }
}

/// `GET /catalog/import/template.csv` (signed-in staff, like every page here)
pub async fn template_csv(s: Session) -> Response {
    template(&s, ExportFormat::Csv)
}

/// `GET /catalog/import/template.xlsx`
pub async fn template_xlsx(s: Session) -> Response {
    template(&s, ExportFormat::Xlsx)
}

// ---------------------------------------------------------------------------------------
// Uploads kept between the check and the import

#[derive(Serialize, Deserialize)]
struct UploadMeta {
    user_id: String,
    org_id: Option<String>,
    filename: Option<String>,
    at_ms: i64,
}

struct Upload {
    meta: UploadMeta,
    bytes: Vec<u8>,
}

/// How long an upload waits for its import.
const UPLOAD_TTL_MS: i64 = 60 * 60 * 1000;

fn uploads_dir(app: &App) -> PathBuf {
    app.config().data_dir.join("uploads")
}

/// An upload id is what `random_token` makes: URL-safe base64, nothing a path could use.
fn sane_id(id: &str) -> bool {
    (20..=100).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Deletes the uploads older than the TTL (and anything else stale in the directory).
fn sweep(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let ttl = std::time::Duration::from_millis(UPLOAD_TTL_MS as u64);
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > ttl);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

async fn save_upload(app: &App, meta: UploadMeta, bytes: Vec<u8>) -> Result<String, ActionError> {
    let dir = uploads_dir(app);
    let id = pubdata_app::secrets::random_token("");
    let id2 = id.clone();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        sweep(&dir);
        let json = serde_json::to_vec(&meta).map_err(std::io::Error::other)?;
        write_private(&dir.join(&id2), &bytes)?;
        write_private(&dir.join(format!("{id2}.json")), &json)
    })
    .await
    .map_err(|e| ActionError::Unexpected(e.to_string()))?
    .map_err(|e| ActionError::Unexpected(format!("keeping the upload: {e}")))?;
    Ok(id)
}

/// The upload `id` of `user_id`, if it is there and fresh.
async fn load_upload(app: &App, id: &str, user_id: &str) -> Option<Upload> {
    if !sane_id(id) {
        return None;
    }
    let dir = uploads_dir(app);
    let id = id.to_owned();
    let found = tokio::task::spawn_blocking(move || -> Option<Upload> {
        let meta: UploadMeta =
            serde_json::from_slice(&std::fs::read(dir.join(format!("{id}.json"))).ok()?).ok()?;
        let bytes = std::fs::read(dir.join(&id)).ok()?;
        Some(Upload { meta, bytes })
    })
    .await
    .ok()??;
    let fresh = pubdata_app::now_ms() - found.meta.at_ms < UPLOAD_TTL_MS;
    (fresh && found.meta.user_id == user_id).then_some(found)
}

async fn remove_upload(app: &App, id: &str) {
    if !sane_id(id) {
        return;
    }
    let dir = uploads_dir(app);
    let id = id.to_owned();
    let _ = tokio::task::spawn_blocking(move || {
        let _ = std::fs::remove_file(dir.join(&id));
        let _ = std::fs::remove_file(dir.join(format!("{id}.json")));
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// The import page: the form, the report

struct ErrRow {
    row: String,
    column: String,
    message: String,
    code: String,
}

struct ReportView {
    filename: String,
    format: String,
    encoding: String,
    rows: usize,
    resources: usize,
    good: usize,
    error_count: usize,
    errors: Vec<ErrRow>,
    /// Problems found but not listed (the report lists the first ones).
    unlisted: usize,
    unknown_columns: String,
    refused: bool,
    /// The kept upload, when something can be imported.
    upload_id: Option<String>,
}

#[derive(Template)]
#[template(path = "catalog_import.html")]
struct ImportPage {
    c: Chrome,
    /// The unit select (the authority); empty for a steward, who imports its own unit.
    units: Vec<Opt>,
    own_unit: Option<String>,
    errors: FormErrors,
    report: Option<ReportView>,
    max_mib: usize,
}

fn report_view(
    r: &ImportReport,
    filename: Option<&str>,
    upload_id: Option<String>,
    lang: Lang,
) -> ReportView {
    ReportView {
        filename: filename.unwrap_or("—").to_owned(),
        format: r.format.to_ascii_uppercase(),
        encoding: r.encoding.unwrap_or("—").to_owned(),
        rows: r.rows,
        resources: r.resources,
        good: r.good_resources,
        error_count: r.error_count,
        errors: r
            .errors
            .iter()
            .map(|e| ErrRow {
                row: if e.row == 0 {
                    "—".to_owned()
                } else {
                    e.row.to_string()
                },
                column: if e.column.is_empty() {
                    "—".to_owned()
                } else {
                    e.column.clone()
                },
                message: if lang == Lang::En {
                    e.message_en.clone()
                } else {
                    e.message_zh.clone()
                },
                code: e.code.clone(),
            })
            .collect(),
        unlisted: r.error_count.saturating_sub(r.errors.len()),
        unknown_columns: r
            .unknown_columns
            .join(if lang == Lang::En { ", " } else { "、" }),
        refused: r.is_refused(),
        upload_id: upload_id.filter(|_| r.good_resources > 0),
    }
}

async fn import_page(
    st: &AppState,
    s: &Session,
    chosen: Option<&str>,
    errors: FormErrors,
    report: Option<ReportView>,
    status: StatusCode,
) -> Response {
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(o) => o,
        Err(e) => return s.problem(&e),
    };
    let (units, own_unit) = if is_admin(&s.actor) {
        (unit_options(&orgs, chosen, s.t().list_unit_by_file), None)
    } else {
        let own = s.actor.org_id().map(|id| {
            orgs.iter()
                .find(|o| o.id == id)
                .map_or_else(|| id.to_owned(), |o| o.name.clone())
        });
        (Vec::new(), own)
    };
    let page = ImportPage {
        c: s.chrome("catalog_import"),
        units,
        own_unit,
        errors,
        report,
        max_mib: MAX_UPLOAD / (1024 * 1024),
    };
    render(status, &page)
}

/// `GET /catalog/import`
pub async fn import_form(State(st): State<AppState>, s: Session) -> Response {
    // The same decision the import takes, so that a member sees why rather than a form.
    if let Err(d) = policy::edit_catalog(
        &s.actor,
        pubdata_core::audit::Action::ImportCatalog,
        s.actor.org_id().unwrap_or(""),
    ) {
        return s.problem(&ActionError::from(d));
    }
    import_page(&st, &s, None, FormErrors::default(), None, StatusCode::OK).await
}

/// A form error with the page's own summary (the action's code may be one the problem table
/// does not list).
fn file_errors(e: &ActionError, s: &Session) -> FormErrors {
    let mut errors = FormErrors::from_error(e, s.lang);
    if matches!(e, ActionError::Invalid { .. }) {
        errors.summary = Some(s.t().list_file_refused.to_owned());
    }
    if errors.messages.is_empty()
        && let Some(m) = errors.fields.first().map(|(_, m)| m.clone())
    {
        errors.messages.push(m);
    }
    errors
}

/// What an upload form carried.
#[derive(Default)]
struct Uploaded {
    csrf: String,
    org_id: String,
    filename: Option<String>,
    bytes: Vec<u8>,
}

async fn read_multipart(mut m: Multipart) -> Result<Uploaded, ActionError> {
    let mut out = Uploaded::default();
    let too_large = |e: &axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ActionError::BadRequest("body_too_large")
        } else {
            ActionError::BadRequest("invalid_input")
        }
    };
    while let Some(field) = m.next_field().await.map_err(|e| too_large(&e))? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                out.filename = field
                    .file_name()
                    .map(|f| f.rsplit(['/', '\\']).next().unwrap_or(f).to_owned())
                    .filter(|f| !f.is_empty());
                out.bytes = field.bytes().await.map_err(|e| too_large(&e))?.to_vec();
            }
            "csrf" | "org_id" => {
                let text = field.text().await.map_err(|e| too_large(&e))?;
                if text.len() > 200 {
                    return Err(ActionError::BadRequest("invalid_input"));
                }
                if name == "csrf" {
                    out.csrf = text;
                } else {
                    out.org_id = text.trim().to_owned();
                }
            }
            // Anything else is read and dropped.
            _ => {
                field.bytes().await.map_err(|e| too_large(&e))?;
            }
        }
    }
    Ok(out)
}

/// `POST /catalog/import` (multipart: `csrf`, `org_id`, `file`): checks the file and shows
/// the report; keeps the file for the import.
pub async fn upload(
    State(st): State<AppState>,
    s: Session,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let read = match multipart {
        Ok(m) => read_multipart(m).await,
        Err(_) => Err(ActionError::BadRequest("invalid_input")),
    };
    let up = match read {
        Ok(u) => u,
        Err(e) => {
            let target = "POST /catalog/import";
            let e = record_rejected_request(&st.app, &s.actor, target, e).await;
            return s.problem(&e);
        }
    };
    if let Err(res) = s
        .check_csrf(&FormData(vec![("csrf".to_owned(), up.csrf.clone())]))
        .await
    {
        return res;
    }
    let org_id = if is_admin(&s.actor) {
        Some(up.org_id.clone()).filter(|o| !o.is_empty())
    } else {
        s.actor.org_id().map(str::to_owned)
    };
    if up.bytes.is_empty() && up.filename.is_none() {
        let errors = FormErrors::one("file", s.t().list_choose_file);
        return import_page(
            &st,
            &s,
            org_id.as_deref(),
            errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let report = match list::import_catalog(
        &st.app,
        &s.actor,
        org_id.as_deref(),
        &up.bytes,
        up.filename.as_deref(),
        ImportMode::Check,
    )
    .await
    {
        Ok(r) => r,
        Err(e) if fixable(&e) || matches!(e, ActionError::NotFound(_)) => {
            let errors = file_errors(&e, &s);
            return import_page(&st, &s, org_id.as_deref(), errors, None, status_of(&e)).await;
        }
        Err(e) => return s.problem(&e),
    };
    let upload_id = if report.good_resources > 0 {
        let meta = UploadMeta {
            user_id: s.actor.user_id().unwrap_or_default().to_owned(),
            org_id: org_id.clone(),
            filename: up.filename.clone(),
            at_ms: pubdata_app::now_ms(),
        };
        match save_upload(&st.app, meta, up.bytes).await {
            Ok(id) => Some(id),
            Err(e) => return s.problem(&e),
        }
    } else {
        None
    };
    let view = report_view(&report, up.filename.as_deref(), upload_id, s.lang);
    import_page(
        &st,
        &s,
        org_id.as_deref(),
        FormErrors::default(),
        Some(view),
        StatusCode::OK,
    )
    .await
}

/// `POST /catalog/import/run` (`csrf`, `upload`, `mode` = `import_all` | `import_good`):
/// imports a checked upload as drafts, then shows them in the catalog search.
pub async fn run(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let t = s.t();
    let mode = match ImportMode::parse(&form.get("mode")) {
        Some(m @ (ImportMode::ImportAll | ImportMode::ImportGood)) => m,
        _ => {
            let e = ActionError::BadRequest("invalid_input");
            let e = record_rejected_request(&st.app, &s.actor, "POST /catalog/import/run", e).await;
            return s.problem(&e);
        }
    };
    let id = form.get("upload");
    let user_id = s.actor.user_id().unwrap_or_default();
    let Some(up) = load_upload(&st.app, &id, user_id).await else {
        let errors = FormErrors::one("file", t.list_upload_gone);
        return import_page(&st, &s, None, errors, None, StatusCode::GONE).await;
    };
    let org_id = up.meta.org_id.clone();
    let filename = up.meta.filename.clone();
    match list::import_catalog(
        &st.app,
        &s.actor,
        org_id.as_deref(),
        &up.bytes,
        filename.as_deref(),
        mode,
    )
    .await
    {
        Ok(report) if report.is_refused() => {
            // The catalog changed since the check (a code was taken): show the new report.
            let view = report_view(&report, filename.as_deref(), Some(id), s.lang);
            import_page(
                &st,
                &s,
                org_id.as_deref(),
                FormErrors::default(),
                Some(view),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Ok(_) => {
            remove_upload(&st.app, &id).await;
            let to = match &org_id {
                Some(o) => format!(
                    "/catalog?status=draft&provider_org_id={}&notice=catalog_imported",
                    encode(o)
                ),
                None => "/catalog?status=draft&notice=catalog_imported".to_owned(),
            };
            Redirect::to(&to).into_response()
        }
        Err(e) if fixable(&e) => {
            let errors = file_errors(&e, &s);
            import_page(&st, &s, org_id.as_deref(), errors, None, status_of(&e)).await
        }
        Err(e) => s.problem(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::{sane_id, sweep};

    #[test]
    fn upload_ids_cannot_name_other_paths() {
        assert!(sane_id(&pubdata_app::secrets::random_token("")));
        for bad in ["", "../pubdata.db", "a/b", "short", "abc.json"] {
            assert!(!sane_id(bad), "{bad}");
        }
    }

    #[test]
    fn sweeping_keeps_fresh_uploads() {
        let dir = std::env::temp_dir().join(format!("pubdata-sweep-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("fresh"), b"x").unwrap();
        sweep(&dir);
        assert!(dir.join("fresh").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
