//! Batches: every way data comes in (upload, push, pull) becomes one [`Batch`], checked row by
//! row and written all-or-nothing for its accepted rows, with the rejected rows kept.
//!
//! A batch is recorded as `running` in its own transaction first, so that its progress can be
//! followed and a crash leaves a trace; the rows, the rejected rows, the outcome and the audit
//! entry then go in one transaction. If the process dies in between, the data transaction
//! never commits and [`recover_interrupted`] marks the batch failed at the next start, with
//! its own audit entry: the batch is either wholly there or not there and marked failed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pubdata_core::Actor;
use pubdata_core::aggregation::check::Problem;
use pubdata_core::aggregation::due::{cycle_days, next_due};
use pubdata_core::aggregation::{ColumnMap, Kind, QualityReport, Rejected, RowChecker, Timeliness};
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::{ResourceDoc, ResourceStatus};
use pubdata_core::policy::{self, Permit};
use pubdata_store::Tx;
use pubdata_store::aggregation::batches::{self as store, BatchRow, RejectRow};
use pubdata_store::aggregation::records::{self, Change, Column, RecordTable};
use pubdata_store::aggregation::staging::{self, Stage};
use serde::Serialize;

use super::source::{RawRow, TableSource};
use crate::action::Audited;
use crate::catalog::resources::{parse_doc, status_of};
use crate::error::FieldError;
use crate::{ActionError, App, new_id, now_ms, rfc3339};

/// Rows checked and written per step; between steps the task yields and progress shows.
pub const CHUNK_ROWS: usize = 8192;
/// The most rows one push may carry (a bigger load is a file upload).
pub const MAX_PUSH_ROWS: usize = 100_000;

/// A batch as the API and the pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct Batch {
    pub id: String,
    pub resource_id: String,
    pub org_id: String,
    pub source: String,
    pub status: String,
    pub file_name: Option<String>,
    pub file_format: Option<String>,
    pub encoding: Option<String>,
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub quality: Option<QualityReport>,
    pub error: Option<BatchError>,
    pub created_by: String,
    pub created_at: String,
    pub finished_at: Option<String>,
    /// While running: how far it has come.
    pub progress: Option<Progress>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BatchError {
    pub code: String,
    pub message: String,
}

/// How far a running batch has come, for the progress bar.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Progress {
    pub bytes_read: u64,
    pub bytes_total: u64,
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
}

/// The progress of the batches this process is running, by batch id.
#[derive(Clone, Default)]
pub struct ProgressBoard(Arc<Mutex<HashMap<String, Progress>>>);

impl ProgressBoard {
    fn set(&self, id: &str, p: Progress) {
        self.0
            .lock()
            .expect("progress lock")
            .insert(id.to_owned(), p);
    }
    fn clear(&self, id: &str) {
        self.0.lock().expect("progress lock").remove(id);
    }
    pub fn get(&self, id: &str) -> Option<Progress> {
        self.0.lock().expect("progress lock").get(id).cloned()
    }
}

impl Batch {
    pub(crate) fn from_row(r: &BatchRow, progress: Option<Progress>) -> Result<Batch, ActionError> {
        Ok(Batch {
            id: r.id.clone(),
            resource_id: r.resource_id.clone(),
            org_id: r.org_id.clone(),
            source: r.source.clone(),
            status: r.status.clone(),
            file_name: r.file_name.clone(),
            file_format: r.file_format.clone(),
            encoding: r.encoding.clone(),
            rows: r.rows_total as u64,
            accepted: r.accepted as u64,
            rejected: r.rejected as u64,
            inserted: r.inserted as u64,
            updated: r.updated as u64,
            unchanged: r.unchanged as u64,
            quality: r
                .quality
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| ActionError::Unexpected(format!("batch {}: quality: {e}", r.id)))?,
            error: r.error_code.clone().map(|code| BatchError {
                code,
                message: r.error_message.clone().unwrap_or_default(),
            }),
            created_by: r.created_by.clone(),
            created_at: rfc3339(r.created_at),
            finished_at: r.finished_at.map(rfc3339),
            progress: if r.status == "running" {
                progress
            } else {
                None
            },
        })
    }
}

/// A published resource that data may be sent to, with its fields.
pub(crate) struct Supplied {
    pub id: String,
    pub doc: ResourceDoc,
    pub published_at: Option<i64>,
}

pub(crate) async fn load_resource(
    tx: &mut Tx,
    id: &str,
) -> Result<(pubdata_store::catalog::resources::ResourceRow, ResourceDoc), ActionError> {
    let row = pubdata_store::catalog::resources::get(tx, id)
        .await?
        .ok_or(ActionError::NotFound("resource_not_found"))?;
    let doc = parse_doc(&row.id, &row.doc)?;
    Ok((row, doc))
}

/// Loads the resource a batch is for and checks the actor may send it data: it must be
/// published (a batch is checked against the fields the catalog approved).
async fn supplied_resource(a: &Audited<'_>, id: &str) -> Result<(Supplied, String), ActionError> {
    let mut tx = a.app.db().begin_read().await?;
    let (row, doc) = load_resource(&mut tx, id).await?;
    tx.rollback().await?;
    policy::supply_data(a.actor, a.action, &row.provider_org_id)?;
    if status_of(&row)? != ResourceStatus::Published {
        return Err(ActionError::Conflict("resource_not_published"));
    }
    Ok((
        Supplied {
            id: row.id.clone(),
            doc,
            published_at: row.published_at,
        },
        row.provider_org_id,
    ))
}

fn map_error(e: pubdata_core::aggregation::MapError) -> ActionError {
    let code = e.code();
    ActionError::invalid(
        code,
        FieldError::new("file", code, e.message_zh(), e.to_string()),
    )
}

/// The columns of a resource's record table, from its fields.
pub fn columns_of(doc: &ResourceDoc) -> (Vec<Column>, Vec<String>) {
    let cols = doc
        .fields
        .iter()
        .map(|f| Column {
            code: f.code.clone(),
            kind: Kind::of(f.field_type),
        })
        .collect();
    let keys = doc
        .fields
        .iter()
        .filter(|f| f.is_key)
        .map(|f| f.code.clone())
        .collect();
    (cols, keys)
}

/// Where the rows come from, and what the batch records about it.
pub(crate) struct Origin {
    pub source: &'static str,
    pub file_name: Option<String>,
    pub file_format: Option<String>,
    pub encoding: Option<String>,
    pub pull_source_id: Option<String>,
}

/// One batch being written: the open transaction, the checker and the counts.
pub(crate) struct Ingest {
    pub batch: BatchRow,
    stage: Option<Stage>,
    checker: RowChecker,
    table: RecordTable,
    codes: Vec<String>,
    accepted: Vec<pubdata_core::aggregation::Accepted>,
    rejected: Vec<RejectRow>,
    board: ProgressBoard,
    progress: Progress,
    /// Time spent writing to the stage, for the log.
    staging: std::time::Duration,
    username: String,
}

impl Ingest {
    /// Records the batch as running (its own transaction), then opens the data transaction
    /// and makes sure the record table has the resource's columns.
    pub(crate) async fn start(
        a: &Audited<'_>,
        permit: &Permit,
        resource: &Supplied,
        org_id: &str,
        origin: Origin,
        map: ColumnMap,
    ) -> Result<Ingest, ActionError> {
        let fields = &resource.doc.fields;
        map.require_complete(fields).map_err(map_error)?;
        let header = serde_json::to_string(&map.header).expect("strings serialize");
        let checker = RowChecker::new(fields, map).map_err(|(code, why)| {
            ActionError::invalid(
                "invalid_field_rules",
                FieldError::new(
                    &code,
                    "invalid_field_rules",
                    format!("信息项{code}的取值规则无法使用：{why}"),
                    why,
                ),
            )
        })?;
        let (columns, keys) = columns_of(&resource.doc);
        let now = now_ms();
        let username = a.actor.username().unwrap_or("system").to_owned();
        let batch = BatchRow {
            id: new_id(),
            resource_id: resource.id.clone(),
            org_id: org_id.to_owned(),
            source: origin.source.to_owned(),
            status: "running".into(),
            file_name: origin.file_name,
            file_format: origin.file_format,
            encoding: origin.encoding,
            header,
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
            pull_source_id: origin.pull_source_id,
            created_by: username.clone(),
            created_at: now,
            finished_at: None,
        };
        a.set_target(Target::new("batch", &batch.id));
        let mut tx = a.begin().await?;
        store::insert(&mut tx, permit, &batch).await?;
        tx.commit().await?;

        // The table (or its new columns) first, in a short transaction of its own.
        let mut tx = a.begin().await?;
        let table = match records::get_table(&mut tx, &resource.id).await? {
            Some(t) => {
                let clashes = records::kind_conflicts(&t, &columns);
                if !clashes.is_empty() {
                    tx.rollback().await?;
                    mark_failed(
                        a.app,
                        &batch.id,
                        "field_type_changed",
                        "信息项的数据类型已与已存数据不同",
                    )
                    .await?;
                    return Err(ActionError::invalid(
                        "field_type_changed",
                        FieldError::new(
                            "fields",
                            "field_type_changed",
                            format!(
                                "信息项 {} 的数据类型已与已有数据不同，须先由平台处理历史数据",
                                clashes.join("、")
                            ),
                            format!(
                                "the type of field(s) {} changed since data was stored",
                                clashes.join(", ")
                            ),
                        ),
                    ));
                }
                records::ensure_table(&mut tx, permit, &resource.id, &columns, &keys, now).await
            }
            None => {
                records::ensure_table(&mut tx, permit, &resource.id, &columns, &keys, now).await
            }
        };
        let table = match table {
            Ok(t) => t,
            Err(e) => {
                let _ = tx.rollback().await;
                mark_failed(
                    a.app,
                    &batch.id,
                    "internal_error",
                    "the record table could not be made",
                )
                .await?;
                return Err(e.into());
            }
        };
        tx.commit().await?;
        let codes: Vec<String> = resource.doc.fields.iter().map(|f| f.code.clone()).collect();
        let stage = match Stage::open(a.app.db(), &table, &codes).await {
            Ok(s) => s,
            Err(e) => {
                mark_failed(a.app, &batch.id, "internal_error", "staging failed").await?;
                return Err(e.into());
            }
        };
        Ok(Ingest {
            batch,
            stage: Some(stage),
            checker,
            table,
            codes,
            accepted: Vec::with_capacity(CHUNK_ROWS),
            rejected: Vec::new(),
            board: a.app.progress().clone(),
            progress: Progress::default(),
            staging: std::time::Duration::ZERO,
            username,
        })
    }

    pub(crate) fn batch_id(&self) -> &str {
        &self.batch.id
    }

    /// Checks one row; writes when a chunk is full.
    pub(crate) async fn push(&mut self, row: RawRow, encoding: &str) -> Result<(), ActionError> {
        let outcome = if row.undecodable {
            Err(self
                .checker
                .reject_unreadable(row.line, row.cells, encoding))
        } else {
            self.checker.check(row.line, row.cells)
        };
        match outcome {
            Ok(accepted) => self.accepted.push(accepted),
            Err(rejected) => self.rejected.push(reject_row(rejected)),
        }
        if self.accepted.len() + self.rejected.len() >= CHUNK_ROWS {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes what is checked so far and shows the progress.
    pub(crate) async fn flush(&mut self) -> Result<(), ActionError> {
        let stage = self.stage.as_mut().expect("open until finished");
        if !self.accepted.is_empty() || !self.rejected.is_empty() {
            stage.add(&self.accepted, &self.rejected).await?;
            self.accepted.clear();
            self.rejected.clear();
        }
        let t = &self.checker.tally;
        self.progress.rows = t.rows;
        self.progress.accepted = t.accepted;
        self.progress.rejected = t.rejected;
        self.board.set(&self.batch.id, self.progress.clone());
        // Let other requests run between chunks of a long batch.
        tokio::task::yield_now().await;
        Ok(())
    }

    /// Hands the checker to a reader on another thread (see [`upload_batch`]); it comes back
    /// with [`Ingest::put_checker`] once every row is read.
    fn take_checker(&mut self) -> RowChecker {
        let none = ColumnMap {
            header: Vec::new(),
            columns: Vec::new(),
        };
        let idle = RowChecker::new(&[], none).expect("no fields, no rules");
        std::mem::replace(&mut self.checker, idle)
    }

    fn put_checker(&mut self, checker: RowChecker) {
        self.checker = checker;
    }

    /// Stages a chunk checked on the reader's thread and shows the progress.
    async fn write_checked(&mut self, c: Checked) -> Result<(), ActionError> {
        let stage = self.stage.as_mut().expect("open until finished");
        let t = std::time::Instant::now();
        stage.add(&c.accepted, &c.rejected).await?;
        self.staging += t.elapsed();
        self.progress = c.progress;
        self.board.set(&self.batch.id, self.progress.clone());
        Ok(())
    }

    /// Writes the rest, the report and the outcome, and commits them with the audit entry.
    /// A batch whose every row was rejected is `failed` (`all_rows_rejected`), its rejected
    /// rows kept; an empty input is refused and leaves the batch failed.
    pub(crate) async fn finish(
        mut self,
        a: &Audited<'_>,
        permit: &Permit,
        resource: &Supplied,
        after_commit: impl AsyncFnOnce(&mut Tx) -> Result<(), ActionError>,
    ) -> Result<Batch, ActionError> {
        self.flush().await?;
        let tally = self.checker.tally.clone();
        if tally.rows == 0 {
            self.abandon(a, "no_rows", "文件中没有数据行").await;
            return Err(ActionError::invalid(
                "no_rows",
                FieldError::new(
                    "file",
                    "no_rows",
                    "没有数据行（只有表头或为空）",
                    "there are no data rows",
                ),
            ));
        }
        let stage = self.stage.take().expect("open until finished");
        // Only now does the batch take the write lock, for the merge alone.
        let mut tx = stage.into_tx().await?;
        let change = Change {
            batch_id: &self.batch.id,
            changed_by: &self.username,
            at_ms: now_ms(),
        };
        let t = std::time::Instant::now();
        let stats = staging::merge(&mut tx, permit, &self.table, &self.codes, change).await?;
        tracing::debug!(batch = %self.batch.id, staging = ?self.staging, merge = ?t.elapsed(), "batch written");
        let timeliness = timeliness_of(&mut tx, resource).await?;
        let report = tally.report(timeliness);
        let now = now_ms();
        let b = &mut self.batch;
        b.status = if report.accepted == 0 {
            "failed"
        } else {
            "accepted"
        }
        .into();
        if report.accepted == 0 {
            b.error_code = Some("all_rows_rejected".into());
            b.error_message = Some("每一行都未通过校核 / every row was rejected".into());
        }
        b.rows_total = report.rows as i64;
        b.accepted = report.accepted as i64;
        b.rejected = report.rejected as i64;
        b.inserted = stats.inserted as i64;
        b.updated = stats.updated as i64;
        b.unchanged = stats.unchanged as i64;
        b.score = Some(report.score);
        b.quality = Some(serde_json::to_string(&report).expect("report serializes"));
        b.finished_at = Some(now);
        if !store::finish(&mut tx, permit, b).await? {
            return Err(ActionError::Conflict("batch_not_running"));
        }
        after_commit(&mut tx).await?;
        a.commit(tx).await?;
        self.board.clear(&self.batch.id);
        Batch::from_row(&self.batch, None)
    }

    /// Rolls the data back and marks the batch failed with `code`, in a transaction of its own.
    pub(crate) async fn abandon(&mut self, a: &Audited<'_>, code: &str, message: &str) {
        // Dropping the staging connection rolls back what it held.
        self.stage.take();
        self.board.clear(&self.batch.id);
        let _ = mark_failed(a.app, &self.batch.id, code, message).await;
    }
}

/// Rows checked on the reader's thread, on their way to the stage.
#[derive(Default)]
struct Checked {
    accepted: Vec<pubdata_core::aggregation::Accepted>,
    rejected: Vec<RejectRow>,
    progress: Progress,
}

/// Reads and checks every row of `src` on the calling (blocking) thread, sending chunks; the
/// writer stages them meanwhile, on the other core. Stops early when the writer is gone.
fn read_and_check(
    mut src: TableSource,
    checker: &mut RowChecker,
    encoding: &str,
    out: &tokio::sync::mpsc::Sender<Checked>,
) -> Result<(), ActionError> {
    let mut chunk = Checked::default();
    loop {
        let next = src.next_row();
        let done = next.is_none();
        if let Some(row) = next {
            let row = row.map_err(source_error)?;
            let outcome = if row.undecodable {
                Err(checker.reject_unreadable(row.line, row.cells, encoding))
            } else {
                checker.check(row.line, row.cells)
            };
            match outcome {
                Ok(a) => chunk.accepted.push(a),
                Err(r) => chunk.rejected.push(reject_row(r)),
            }
        }
        if done || chunk.accepted.len() + chunk.rejected.len() >= CHUNK_ROWS {
            let t = &checker.tally;
            let (bytes_read, bytes_total) = src.progress();
            chunk.progress = Progress {
                bytes_read,
                bytes_total,
                rows: t.rows,
                accepted: t.accepted,
                rejected: t.rejected,
            };
            if out.blocking_send(std::mem::take(&mut chunk)).is_err() || done {
                return Ok(());
            }
        }
    }
}

fn reject_row(r: Rejected) -> RejectRow {
    RejectRow {
        line: r.line as i64,
        reason: r.reason_text(),
        codes: r
            .problems
            .iter()
            .map(|p: &Problem| p.code)
            .collect::<Vec<_>>()
            .join(","),
        raw: serde_json::to_string(&r.raw).expect("strings serialize"),
    }
}

/// Marks a running batch failed, nothing else changed. The actor's entry for the failed
/// action is recorded by its [`Audited::finish`].
pub(crate) async fn mark_failed(
    app: &App,
    id: &str,
    code: &str,
    message: &str,
) -> Result<(), ActionError> {
    let mut tx = app.db().begin().await?;
    let Some(mut row) = store::get(&mut tx, id).await? else {
        return Ok(());
    };
    row.status = "failed".into();
    row.error_code = Some(code.to_owned());
    row.error_message = Some(message.to_owned());
    row.finished_at = Some(now_ms());
    let permit = policy::anyone(Action::FailBatch).expect("system bookkeeping");
    store::finish(&mut tx, &permit, &row).await?;
    tx.commit().await?;
    Ok(())
}

/// The batch against its resource's due date: the cycle counted from the last accepted batch
/// (or publication, before the first).
async fn timeliness_of(tx: &mut Tx, r: &Supplied) -> Result<Timeliness, ActionError> {
    let last = store::last_accepted_of(tx, &r.id).await?;
    let since = last.or(r.published_at).map(crate::local_date);
    let due = since.and_then(|d| next_due(r.doc.update_cycle, d));
    Ok(Timeliness::of(
        due,
        crate::today(),
        cycle_days(r.doc.update_cycle),
    ))
}

/// At start-up: batches left `running` by a process that died are marked failed, each with
/// an audit entry. Their data never committed.
pub async fn recover_interrupted(app: &App) -> Result<usize, ActionError> {
    let actor = Actor::system(crate::new_request_id());
    let mut tx = app.db().begin().await?;
    let stale = store::stale_running(&mut tx, now_ms()).await?;
    tx.rollback().await?;
    for b in &stale {
        let a =
            Audited::new(app, &actor, Action::FailBatch).with_target(Target::new("batch", &b.id));
        let permit = policy::anyone(Action::FailBatch).expect("system bookkeeping");
        let mut tx = a.begin().await?;
        let mut row = b.clone();
        row.status = "failed".into();
        row.error_code = Some("interrupted".into());
        row.error_message = Some("平台在处理该批次时中断，未写入任何数据，请重新提交 / the platform stopped while this batch ran; nothing was written, send it again".into());
        row.finished_at = Some(now_ms());
        store::finish(&mut tx, &permit, &row).await?;
        a.commit(tx).await?;
        tracing::warn!(batch = %b.id, resource = %b.resource_id, "an interrupted batch was marked failed");
    }
    Ok(stale.len())
}

/// What the steward chose in the mapping step: field code → column name ("" for none).
pub type Choices = Vec<(String, String)>;

/// A file for a resource, as the upload was saved on disk.
pub struct Upload {
    pub path: std::path::PathBuf,
    pub file_name: String,
    pub encoding: Option<String>,
    pub choices: Choices,
}

fn source_error(e: super::source::SourceError) -> ActionError {
    let code = e.code();
    ActionError::invalid(
        code,
        FieldError::new("file", code, e.message_zh(), e.to_string()),
    )
}

/// What the mapping step shows: the file's columns, which field each is matched to, and the
/// first rows.
#[derive(Debug, Clone, Serialize)]
pub struct UploadPreview {
    pub format: String,
    pub encoding: Option<String>,
    pub header: Vec<String>,
    /// Per field of the resource: (code, name, key?, required?, the column matched or none).
    pub fields: Vec<PreviewField>,
    pub ignored_columns: Vec<String>,
    pub sample: Vec<Vec<String>>,
    /// Why the file cannot be taken as it is mapped (a missing key or required column).
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewField {
    pub code: String,
    pub name: String,
    pub is_key: bool,
    pub required: bool,
    pub column: Option<String>,
}

/// Reads the head of an upload for the mapping step. Recorded like the upload itself (the
/// same check of who may send data to the resource).
pub async fn preview_upload(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    upload: &Upload,
) -> Result<UploadPreview, ActionError> {
    let a = Audited::new(app, actor, Action::UploadBatch)
        .with_target(Target::new("resource", resource_id));
    a.finish(
        async {
            let (resource, _) = supplied_resource(&a, resource_id).await?;
            // Opening a workbook reads it through once (merged cells): off the async threads.
            let (path, chosen) = (upload.path.clone(), upload.encoding.clone());
            let mut src =
                tokio::task::spawn_blocking(move || TableSource::open(&path, chosen.as_deref()))
                    .await
                    .map_err(|e| ActionError::Unexpected(e.to_string()))?
                    .map_err(source_error)?;
            let fields = &resource.doc.fields;
            let map = ColumnMap::with_choices(fields, src.header(), &upload.choices)
                .map_err(map_error)?;
            let mut sample = Vec::new();
            while sample.len() < 5 {
                match src.next_row() {
                    Some(Ok(r)) => sample.push(r.cells),
                    Some(Err(e)) => return Err(source_error(e)),
                    None => break,
                }
            }
            Ok(UploadPreview {
                format: src.format().as_str().to_owned(),
                encoding: src.encoding().map(str::to_owned),
                header: map.header.clone(),
                fields: fields
                    .iter()
                    .zip(&map.columns)
                    .map(|(f, c)| PreviewField {
                        code: f.code.clone(),
                        name: f.name.clone(),
                        is_key: f.is_key,
                        required: f.required,
                        column: c.map(|i| map.header[i].clone()),
                    })
                    .collect(),
                ignored_columns: map.ignored_columns(),
                problem: map.require_complete(fields).err().map(|e| e.message_zh()),
                sample,
            })
        }
        .await,
    )
    .await
}

/// Takes an uploaded file (CSV in any of the usual encodings, or XLSX) as one batch, all the
/// way to its outcome. `on_start` hears the batch id as soon as it exists (the pages show its
/// progress while this runs).
pub async fn upload_batch(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    upload: Upload,
    on_start: impl FnOnce(&str),
) -> Result<Batch, ActionError> {
    let a = Audited::new(app, actor, Action::UploadBatch)
        .with_target(Target::new("resource", resource_id));
    a.finish(
        async {
            let (resource, org) = supplied_resource(&a, resource_id).await?;
            let permit = policy::supply_data(a.actor, a.action, &org)?;
            // Opening a workbook reads it through once (merged cells): off the async threads.
            let (path, chosen) = (upload.path.clone(), upload.encoding.clone());
            let src =
                tokio::task::spawn_blocking(move || TableSource::open(&path, chosen.as_deref()))
                    .await
                    .map_err(|e| ActionError::Unexpected(e.to_string()))?
                    .map_err(source_error)?;
            let map = ColumnMap::with_choices(&resource.doc.fields, src.header(), &upload.choices)
                .map_err(map_error)?;
            let encoding = src.encoding().unwrap_or("UTF-8").to_owned();
            let origin = Origin {
                source: "upload",
                file_name: Some(upload.file_name.clone()),
                file_format: Some(src.format().as_str().to_owned()),
                encoding: src.encoding().map(str::to_owned),
                pull_source_id: None,
            };
            let mut ingest = Ingest::start(&a, &permit, &resource, &org, origin, map).await?;
            on_start(ingest.batch_id());
            // Reading and checking on a blocking thread, staging here: the two cores share
            // the work, and a slow disk or database does not stall the other.
            let mut checker = ingest.take_checker();
            let (sender, mut receiver) = tokio::sync::mpsc::channel::<Checked>(2);
            let reader = tokio::task::spawn_blocking(move || {
                let read = read_and_check(src, &mut checker, &encoding, &sender);
                (checker, read)
            });
            let mut written = Ok(());
            while let Some(chunk) = receiver.recv().await {
                if let Err(e) = ingest.write_checked(chunk).await {
                    written = Err(e);
                    break;
                }
            }
            drop(receiver);
            let (checker, read) = reader
                .await
                .map_err(|e| ActionError::Unexpected(format!("the reader stopped: {e}")))?;
            ingest.put_checker(checker);
            let fed = written.and(read);
            if let Err(e) = fed {
                ingest.abandon(&a, e.code(), &e.to_string()).await;
                return Err(e);
            }
            let batch = ingest
                .finish(&a, &permit, &resource, async |_| Ok(()))
                .await?;
            super::versions::after_batch(app, &batch).await;
            Ok(batch)
        }
        .await,
    )
    .await
}

/// Rows pushed by a unit's system as JSON objects keyed by field code. Keys that are not the
/// resource's fields refuse the whole push (a system's mapping error, not a row's).
pub async fn push_batch(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    rows: Vec<serde_json::Map<String, serde_json::Value>>,
) -> Result<Batch, ActionError> {
    let a = Audited::new(app, actor, Action::PushBatch)
        .with_target(Target::new("resource", resource_id));
    a.finish(
        async {
            let (resource, org) = supplied_resource(&a, resource_id).await?;
            let permit = policy::supply_data(a.actor, a.action, &org)?;
            if rows.len() > MAX_PUSH_ROWS {
                return Err(ActionError::invalid(
                    "too_many_rows",
                    FieldError::new(
                        "rows",
                        "too_many_rows",
                        format!("一次推送最多{MAX_PUSH_ROWS}行，更多请分批或上传文件"),
                        format!(
                            "a push carries at most {MAX_PUSH_ROWS} rows; split it or upload a file"
                        ),
                    ),
                ));
            }
            let header: Vec<String> = resource.doc.fields.iter().map(|f| f.code.clone()).collect();
            let mut unknown: Vec<String> = rows
                .iter()
                .flat_map(|r| r.keys())
                .filter(|k| !header.contains(k))
                .cloned()
                .collect();
            unknown.sort();
            unknown.dedup();
            if !unknown.is_empty() {
                return Err(ActionError::invalid(
                    "unknown_field",
                    FieldError::new(
                        "rows",
                        "unknown_field",
                        format!("资源没有这些信息项：{}", unknown.join("、")),
                        format!("the resource has no field(s) {}", unknown.join(", ")),
                    ),
                ));
            }
            let map = ColumnMap::infer(&resource.doc.fields, &header).map_err(map_error)?;
            let origin = Origin {
                source: "push",
                file_name: None,
                file_format: Some("json".into()),
                encoding: None,
                pull_source_id: None,
            };
            let mut ingest = Ingest::start(&a, &permit, &resource, &org, origin, map).await?;
            for (i, obj) in rows.into_iter().enumerate() {
                let cells = header
                    .iter()
                    .map(|code| obj.get(code).map(json_text).unwrap_or_default())
                    .collect();
                let row = RawRow {
                    line: i as u64 + 1,
                    cells,
                    undecodable: false,
                };
                if let Err(e) = ingest.push(row, "UTF-8").await {
                    ingest.abandon(&a, e.code(), &e.to_string()).await;
                    return Err(e);
                }
            }
            let batch = ingest
                .finish(&a, &permit, &resource, async |_| Ok(()))
                .await?;
            super::versions::after_batch(app, &batch).await;
            Ok(batch)
        }
        .await,
    )
    .await
}

/// A pushed JSON value as the text a file would have held.
pub(crate) fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Loads a batch and checks the actor may see its unit's data.
async fn visible_batch(a: &Audited<'_>, id: &str) -> Result<(BatchRow, Tx), ActionError> {
    let mut tx = a.app.db().begin_read().await?;
    let row = store::get(&mut tx, id)
        .await?
        .ok_or(ActionError::NotFound("batch_not_found"))?;
    policy::view_unit_data(a.actor, a.action, &row.org_id)?;
    Ok((row, tx))
}

pub async fn get_batch(app: &App, actor: &Actor, id: &str) -> Result<Batch, ActionError> {
    let a = Audited::new(app, actor, Action::GetBatch).with_target(Target::new("batch", id));
    a.finish(
        async {
            let (row, tx) = visible_batch(&a, id).await?;
            a.record_read(tx).await?;
            Batch::from_row(&row, app.progress().get(id))
        }
        .await,
    )
    .await
}

/// A resource's batches, newest first, a page at a time (cursor: the last id shown).
pub async fn list_batches(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    cursor: Option<&str>,
    limit: u32,
) -> Result<(Vec<Batch>, Option<String>), ActionError> {
    let a = Audited::new(app, actor, Action::ListBatches)
        .with_target(Target::new("resource", resource_id));
    a.finish(
        async {
            let mut tx = a.app.db().begin_read().await?;
            let (row, _) = load_resource(&mut tx, resource_id).await?;
            policy::view_unit_data(a.actor, a.action, &row.provider_org_id)?;
            let limit = limit.clamp(1, 1000) as i64;
            let rows = store::list_for_resource(&mut tx, resource_id, cursor, limit + 1).await?;
            a.record_read(tx).await?;
            let more = rows.len() as i64 > limit;
            let items: Vec<Batch> = rows
                .iter()
                .take(limit as usize)
                .map(|r| Batch::from_row(r, app.progress().get(&r.id)))
                .collect::<Result<_, _>>()?;
            let next = if more {
                items.last().map(|b| b.id.clone())
            } else {
                None
            };
            Ok((items, next))
        }
        .await,
    )
    .await
}

/// The rejected rows of a batch as a CSV to fix and send back: `reason` and `line` (where it
/// came from), then the input's own columns. UTF-8 with a BOM, so that Excel in zh-CN opens it.
pub async fn rejected_rows_csv(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<(String, Vec<u8>), ActionError> {
    let a = Audited::new(app, actor, Action::DownloadRejectedRows)
        .with_target(Target::new("batch", id));
    a.finish(
        async {
            let (row, mut tx) = visible_batch(&a, id).await?;
            let header: Vec<String> = serde_json::from_str(&row.header)
                .map_err(|e| ActionError::Unexpected(format!("batch {id}: header: {e}")))?;
            let mut out = csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(b"\xEF\xBB\xBF".to_vec());
            // The reasons first: a row longer than the header keeps every cell, and the two
            // extra columns are ignored when the fixed file is sent back (no field has them).
            let mut head = vec!["reason".to_owned(), "line".to_owned()];
            head.extend(header.iter().cloned());
            out.write_record(&head).map_err(ActionError::unexpected)?;
            let mut after = 0;
            loop {
                let page = store::rejects(&mut tx, id, after, 5000).await?;
                let Some(last) = page.last() else { break };
                after = last.line;
                for r in &page {
                    let cells: Vec<String> = serde_json::from_str(&r.raw)
                        .map_err(|e| ActionError::Unexpected(format!("batch {id}: row: {e}")))?;
                    let mut record = vec![r.reason.clone(), r.line.to_string()];
                    record.extend(cells);
                    out.write_record(&record).map_err(ActionError::unexpected)?;
                }
            }
            a.record_read(tx).await?;
            let bytes = out
                .into_inner()
                .map_err(|e| ActionError::Unexpected(e.to_string()))?;
            Ok((format!("rejected-{id}.csv"), bytes))
        }
        .await,
    )
    .await
}
