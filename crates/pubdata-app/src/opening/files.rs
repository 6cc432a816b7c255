//! The files of an open dataset: each published version of its resource written as the
//! opening set it (the view's fields, rows and masks) in CSV, Parquet and JSON, each with its
//! SHA-256, kept in the file store. They are written when the proposal is approved and when a
//! new version is published; a download finds them written (or writes what is missing).
//!
//! A version published after the approval is reviewed again under the approved terms before
//! its files are written: new data can bring personal data the first review never saw, and
//! then that version stays closed (logged) until a new proposal opens it.

use super::View;
use crate::action::Audited;
use crate::aggregation::export::{ExportColumn, VersionWriter};
use crate::aggregation::files::FileStoreError;
use crate::{ActionError, App, new_id, now_ms};
use pubdata_core::Actor;
use pubdata_core::aggregation::{Cell, Kind};
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::ResourceDoc;
use pubdata_core::opening::OpenFormat;
use pubdata_core::policy::{self, OpenChannel, OpenCheck, Permit};
use pubdata_store::aggregation::versions;
use pubdata_store::opening::datasets::{self as store, DatasetRow, OpenFileRow, Use};
use std::collections::HashSet;

/// Writes the files of every published version of the dataset that has none yet (and passes
/// the review under the approved terms). Returns the versions written.
pub async fn write_missing(app: &App, name: &str) -> Result<Vec<i64>, ActionError> {
    let permit = policy::anyone(Action::PublishDataVersion)?;
    let mut tx = app.db().begin_read().await?;
    let found = async {
        let d = store::get_by_name(&mut tx, name)
            .await?
            .ok_or(ActionError::NotFound("dataset_not_found"))?;
        let (_, doc) = crate::aggregation::batches::load_resource(&mut tx, &d.resource_id).await?;
        let have: HashSet<i64> = store::files(&mut tx, &d.id)
            .await?
            .into_iter()
            .map(|f| f.version)
            .collect();
        let vs: Vec<(i64, i64)> = versions::list(&mut tx, &d.resource_id)
            .await?
            .into_iter()
            .filter(|v| !have.contains(&v.number))
            .map(|v| (v.number, v.published_at))
            .collect();
        let proposal = pubdata_store::opening::proposals::get(&mut tx, &d.proposal_id)
            .await?
            .ok_or_else(|| ActionError::Unexpected(format!("proposal of {name}")))?;
        Ok::<_, ActionError>((d, doc, vs, proposal))
    }
    .await;
    tx.rollback().await?;
    let (d, doc, vs, proposal) = found?;
    if d.status != "open" {
        return Ok(Vec::new());
    }
    let view = View::from_json(&d.fields, &d.masks, &d.row_filter)?;
    let quasi: Vec<String> =
        serde_json::from_str(&proposal.quasi_identifiers).map_err(ActionError::unexpected)?;
    let mut written = Vec::new();
    for (number, published_at) in vs {
        if number != proposal.data_version {
            let mut tx = app.db().begin_read().await?;
            let review = super::proposals::run_review(
                &mut tx,
                &d.resource_id,
                &doc,
                &view,
                &quasi,
                proposal.min_k as usize,
                (number, published_at),
            )
            .await;
            tx.rollback().await?;
            let review = review?;
            if !review.passed {
                tracing::warn!(
                    dataset = name,
                    version = number,
                    findings = ?review.findings.iter().map(|f| &f.code).collect::<Vec<_>>(),
                    "a new version fails the security review under the approved terms: not opened"
                );
                continue;
            }
        }
        write_version(app, &permit, &d, &doc, &view, number, published_at).await?;
        written.push(number);
    }
    Ok(written)
}

/// After a version is published: if the resource is on the open list, its files as opened.
/// A failure is logged (the first download writes what is missing).
pub(crate) async fn after_publish(app: &App, resource_id: &str) {
    let name = async {
        let mut tx = app.db().begin_read().await?;
        let d = store::get_by_resource(&mut tx, resource_id).await;
        tx.rollback().await?;
        Ok::<_, ActionError>(d?.filter(|d| d.status == "open").map(|d| d.name))
    }
    .await;
    let written = match name {
        Ok(Some(name)) => write_missing(app, &name).await.map_err(|e| (name, e)),
        Ok(None) => return,
        Err(e) => Err((resource_id.to_owned(), e)),
    };
    if let Err((name, e)) = written {
        tracing::error!(dataset = %name, error = %e, "writing open files after a publication");
    }
}

/// Rows handed to the file writers at a time.
const WRITE_BATCH: usize = 10_000;

/// Writes the three files of one version and records them.
async fn write_version(
    app: &App,
    permit: &Permit,
    d: &DatasetRow,
    doc: &ResourceDoc,
    view: &View,
    number: i64,
    published_at: i64,
) -> Result<(), ActionError> {
    let cols = view.columns(doc);
    let columns = cols
        .iter()
        .map(|(i, code, mask)| ExportColumn {
            name: (*code).to_owned(),
            kind: match mask {
                Some(_) => Kind::Text,
                None => Kind::of(doc.fields[*i].field_type),
            },
        })
        .collect();
    let dir = app
        .config()
        .data_dir
        .join("tmp")
        .join(format!("open-{}", new_id()));
    std::fs::create_dir_all(&dir).map_err(ActionError::unexpected)?;
    let stem = format!("{}-v{number}", d.name);
    let result: Result<(Vec<crate::aggregation::export::WrittenFile>, i64), ActionError> = async {
        let mut writer = VersionWriter::create(&dir, &stem, columns)
            .and_then(|w| w.with_json(&dir, &stem))
            .map_err(ActionError::unexpected)?;
        let mut rows = 0i64;
        let mut out: Vec<Vec<Cell>> = Vec::with_capacity(WRITE_BATCH);
        let mut failed = None;
        let mut flush = |out: &mut Vec<Vec<Cell>>| match writer.write_rows(out) {
            Ok(()) => {
                rows += out.len() as i64;
                out.clear();
                true
            }
            Err(e) => {
                failed = Some(ActionError::unexpected(e));
                false
            }
        };
        let found =
            super::records::scan_view(app, &d.resource_id, doc, view, published_at, |full, _| {
                out.push(
                    cols.iter()
                        .map(|(i, _, mask)| match (mask, &full[*i]) {
                            (_, Cell::Null) | (None, _) => full[*i].clone(),
                            (Some(m), c) => Cell::Text(m.apply(&c.to_text())),
                        })
                        .collect(),
                );
                out.len() < WRITE_BATCH || flush(&mut out)
            })
            .await?;
        if !found {
            return Err(ActionError::Conflict("no_records"));
        }
        if !out.is_empty() {
            flush(&mut out);
        }
        if let Some(e) = failed {
            return Err(e);
        }
        Ok((writer.finish().map_err(ActionError::unexpected)?, rows))
    }
    .await;
    let (files, rows) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    let now = now_ms();
    let mut stored = Vec::new();
    for f in &files {
        let file_name = f
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("data");
        let key = format!("open/{}/v{number}/{file_name}", d.name);
        if let Err(e) = app.files().put_file(&key, &f.path).await {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(ActionError::unexpected(e));
        }
        stored.push(OpenFileRow {
            dataset_id: d.id.clone(),
            version: number,
            format: f.format.to_owned(),
            file_key: key,
            sha256: f.sha256.clone(),
            size: f.size as i64,
            rows_count: rows,
            created_at: now,
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut tx = app.db().begin().await?;
    for f in &stored {
        store::insert_file(&mut tx, permit, f).await?;
    }
    tx.commit().await?;
    // The catalog lists the new files.
    app.caches().generation.bump();
    Ok(())
}

/// A file of an open dataset, to stream.
pub struct OpenDownload {
    pub file_name: String,
    pub content_type: &'static str,
    pub size: u64,
    pub sha256: String,
    pub body: futures_util::stream::BoxStream<'static, Result<bytes::Bytes, FileStoreError>>,
}

/// Downloads a version's file of an open dataset: anyone for unconditional data; conditional
/// data under an agreement in force. Counts a download.
pub async fn download_open_file(
    app: &App,
    actor: &Actor,
    name: &str,
    version: i64,
    format: &str,
) -> Result<OpenDownload, ActionError> {
    let a = Audited::new(app, actor, Action::DownloadOpenFile).with_target(Target::new(
        "open_file",
        format!("{name}/{version}/{format}"),
    ));
    a.finish(
        async {
            let format = OpenFormat::parse(format).ok_or_else(|| {
                ActionError::invalid(
                    "invalid_format",
                    crate::FieldError::new(
                        "format",
                        "invalid_format",
                        "格式应为 csv、parquet 或 json",
                        "format must be csv, parquet or json",
                    ),
                )
            })?;
            let cat = super::datasets::catalog(app).await?;
            let e = cat
                .get(name)
                .filter(|e| e.row.status == "open")
                .ok_or(ActionError::NotFound("dataset_not_found"))?
                .clone();
            let agreement = match actor.user_id() {
                Some(u) => super::keys::agreement_for(app, u, &e.row.id).await?,
                None => None,
            };
            let agreement_in_force = agreement.is_some();
            policy::read_open(
                a.action,
                &OpenCheck {
                    class: e.dataset.open_attr,
                    channel: OpenChannel::Download,
                    agreement_in_force,
                },
            )?;
            // The files hold every opened field: an agreement naming fewer reads them through
            // the records API, which keeps to its fields.
            if e.dataset.open_attr != pubdata_core::catalog::OpenAttr::Unconditional
                && let Some(ag) = &agreement
                && !ag.fields.is_empty()
                && e.view.fields.iter().any(|f| !ag.fields.contains(f))
            {
                return Err(ActionError::Forbidden("agreement_limits_fields"));
            }
            if !e.dataset.versions.iter().any(|v| v.number == version) {
                return Err(ActionError::NotFound("version_not_found"));
            }
            let mut file = find(app, &e.row.id, version, format).await?;
            if file.is_none() {
                write_missing(app, name).await?;
                file = find(app, &e.row.id, version, format).await?;
            }
            // A version that failed its review under the approved terms has no files.
            let file = file.ok_or(ActionError::NotFound("version_not_open"))?;
            let (size, body) = match app.files().get(&file.file_key).await {
                Ok(found) => found,
                Err(FileStoreError::NotFound { .. }) => {
                    return Err(ActionError::NotFound("version_file_missing"));
                }
                Err(e) => return Err(ActionError::unexpected(e)),
            };
            a.record_batched(None).await?;
            super::records::count_use(app, &e.row.id, Use::Download).await;
            Ok(OpenDownload {
                file_name: file
                    .file_key
                    .rsplit('/')
                    .next()
                    .unwrap_or("data")
                    .to_owned(),
                content_type: format.content_type(),
                size,
                sha256: file.sha256,
                body,
            })
        }
        .await,
    )
    .await
}

async fn find(
    app: &App,
    dataset_id: &str,
    version: i64,
    format: OpenFormat,
) -> Result<Option<OpenFileRow>, ActionError> {
    let mut tx = app.db().begin_read().await?;
    let files = store::files(&mut tx, dataset_id).await;
    tx.rollback().await?;
    Ok(files?
        .into_iter()
        .find(|f| f.version == version && f.format == format.as_str()))
}
