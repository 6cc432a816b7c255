//! Pull sources: an administrator registers a unit's database (PostgreSQL first), a table or
//! query, and its incremental cursor; pulls run on the resource's update cycle and on demand.
//! Each pull is one batch; the cursor moves in the same transaction as the batch's rows, so a
//! pull that fails or dies resumes from where the last accepted one stopped.

use pubdata_core::Actor;
use pubdata_core::aggregation::ColumnMap;
use pubdata_core::aggregation::due::next_due;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::{ResourceStatus, UpdateCycle};
use pubdata_core::policy;
use pubdata_store::aggregation::pulls::{self as store, PullSourceRow};
use serde::Serialize;

use super::batches::{Batch, Ingest, Origin, Supplied, load_resource};
use super::pull_source::{Cursor, PullError, PullReader, PullSpec};
use super::source::RawRow;
use crate::action::Audited;
use crate::catalog::resources::status_of;
use crate::error::FieldError;
use crate::{ActionError, App, local_date, new_id, now_ms, rfc3339, today};

/// Rows read from the source per page.
const PAGE_ROWS: u32 = 5000;

/// A pull source as shown: the connection without its password.
#[derive(Debug, Clone, Serialize)]
pub struct PullSource {
    pub id: String,
    pub resource_id: String,
    pub kind: String,
    pub url: String,
    pub table: Option<String>,
    pub query: Option<String>,
    pub cursor_column: String,
    pub key_column: String,
    pub enabled: bool,
    pub cursor: Option<Cursor>,
    pub last_pull_at: Option<String>,
    pub last_batch_id: Option<String>,
    pub last_error: Option<String>,
}

fn spec_of(r: &PullSourceRow) -> Result<PullSpec, ActionError> {
    serde_json::from_str(&r.spec)
        .map_err(|e| ActionError::Unexpected(format!("pull source {}: {e}", r.id)))
}

fn view(r: &PullSourceRow) -> Result<PullSource, ActionError> {
    let spec = spec_of(r)?;
    Ok(PullSource {
        id: r.id.clone(),
        resource_id: r.resource_id.clone(),
        kind: spec.kind.as_str().to_owned(),
        url: spec.redacted_url(),
        table: spec.table.clone(),
        query: spec.query.clone(),
        cursor_column: spec.cursor_column.clone(),
        key_column: spec.key_column.clone(),
        enabled: r.enabled != 0,
        cursor: r
            .cursor
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok()),
        last_pull_at: r.last_pull_at.map(rfc3339),
        last_batch_id: r.last_batch_id.clone(),
        last_error: r.last_error.clone(),
    })
}

fn pull_error(e: PullError) -> ActionError {
    let code = e.code();
    ActionError::invalid(
        code,
        FieldError::new("source", code, e.message_zh(), e.to_string()),
    )
}

/// Registers a source after checking it answers and has the cursor and key columns.
pub async fn create_pull_source(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    spec: PullSpec,
) -> Result<PullSource, ActionError> {
    let a = Audited::new(app, actor, Action::CreatePullSource)
        .with_target(Target::new("resource", resource_id));
    a.finish(
        async {
            let permit = policy::manage_pull_sources(a.actor, a.action)?;
            let mut tx = a.app.db().begin_read().await?;
            let (row, _) = load_resource(&mut tx, resource_id).await?;
            tx.rollback().await?;
            if status_of(&row)? != ResourceStatus::Published {
                return Err(ActionError::Conflict("resource_not_published"));
            }
            spec.validate().map_err(pull_error)?;
            let mut reader = PullReader::connect(&spec).await.map_err(pull_error)?;
            reader.probe().await.map_err(pull_error)?;
            let r = PullSourceRow {
                id: new_id(),
                resource_id: resource_id.to_owned(),
                spec: serde_json::to_string(&spec).expect("spec serializes"),
                cursor: None,
                enabled: 1,
                last_pull_at: None,
                last_batch_id: None,
                last_error: None,
                created_by: a.actor.username().unwrap_or("system").to_owned(),
                created_at: now_ms(),
            };
            a.set_target(Target::new("pull_source", &r.id));
            let mut tx = a.begin().await?;
            store::insert(&mut tx, &permit, &r).await?;
            a.commit(tx).await?;
            view(&r)
        }
        .await,
    )
    .await
}

pub async fn list_pull_sources(app: &App, actor: &Actor) -> Result<Vec<PullSource>, ActionError> {
    let a = Audited::new(app, actor, Action::ListPullSources);
    a.finish(
        async {
            policy::manage_pull_sources(a.actor, a.action)?;
            let mut tx = a.app.db().begin_read().await?;
            let rows = store::list(&mut tx).await?;
            a.record_read(tx).await?;
            rows.iter().map(view).collect()
        }
        .await,
    )
    .await
}

pub async fn set_pull_source_enabled(
    app: &App,
    actor: &Actor,
    id: &str,
    enabled: bool,
) -> Result<PullSource, ActionError> {
    let a =
        Audited::new(app, actor, Action::SetPullSource).with_target(Target::new("pull_source", id));
    a.finish(
        async {
            let permit = policy::manage_pull_sources(a.actor, a.action)?;
            let mut tx = a.begin().await?;
            if !store::set_enabled(&mut tx, &permit, id, enabled).await? {
                return Err(ActionError::NotFound("pull_source_not_found"));
            }
            let row = store::get(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("pull_source_not_found"))?;
            a.commit(tx).await?;
            view(&row)
        }
        .await,
    )
    .await
}

/// Pulls what is new since the cursor as one batch; none when nothing is new.
pub async fn run_pull(app: &App, actor: &Actor, id: &str) -> Result<Option<Batch>, ActionError> {
    let a = Audited::new(app, actor, Action::PullBatch).with_target(Target::new("pull_source", id));
    let result = a.finish(pull(&a, id).await).await;
    if let Err(e) = &result {
        // The source shows its last error until a pull succeeds.
        let note = async {
            let mut tx = app.db().begin().await?;
            let permit = policy::anyone(Action::PullBatch).expect("bookkeeping");
            store::record_pull(
                &mut tx,
                &permit,
                id,
                None,
                now_ms(),
                None,
                Some(&format!("{}: {e}", e.code())),
            )
            .await?;
            tx.commit().await
        };
        let _ = note.await;
    }
    result
}

async fn pull(a: &Audited<'_>, id: &str) -> Result<Option<Batch>, ActionError> {
    let permit = policy::manage_pull_sources(a.actor, a.action)?;
    let mut tx = a.app.db().begin_read().await?;
    let src = store::get(&mut tx, id)
        .await?
        .ok_or(ActionError::NotFound("pull_source_not_found"))?;
    let (row, doc) = load_resource(&mut tx, &src.resource_id).await?;
    tx.rollback().await?;
    if status_of(&row)? != ResourceStatus::Published {
        return Err(ActionError::Conflict("resource_not_published"));
    }
    let spec = spec_of(&src)?;
    let mut cursor: Option<Cursor> = src
        .cursor
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| ActionError::Unexpected(format!("pull source {id}: cursor: {e}")))?;
    let mut reader = PullReader::connect(&spec).await.map_err(pull_error)?;
    let first = reader
        .next_page(cursor.as_ref(), PAGE_ROWS)
        .await
        .map_err(pull_error)?;
    if first.rows.is_empty() {
        let mut tx = a.begin().await?;
        store::record_pull(&mut tx, &permit, id, None, now_ms(), None, None).await?;
        a.commit(tx).await?;
        return Ok(None);
    }
    let resource = Supplied {
        id: row.id.clone(),
        doc,
        published_at: row.published_at,
    };
    let map = ColumnMap::infer(&resource.doc.fields, &first.header).map_err(|e| {
        ActionError::invalid(
            e.code(),
            FieldError::new("source", e.code(), e.message_zh(), e.to_string()),
        )
    })?;
    let origin = Origin {
        source: "pull",
        file_name: None,
        file_format: Some(spec.kind.as_str().to_owned()),
        encoding: None,
        pull_source_id: Some(id.to_owned()),
    };
    let mut ingest =
        Ingest::start(a, &permit, &resource, &row.provider_org_id, origin, map).await?;
    let mut line = 0u64;
    let mut page = first;
    let fed: Result<(), ActionError> = async {
        loop {
            let full = page.rows.len() as u32 >= PAGE_ROWS;
            for cells in page.rows {
                line += 1;
                ingest
                    .push(
                        RawRow {
                            line,
                            cells,
                            undecodable: false,
                        },
                        "UTF-8",
                    )
                    .await?;
            }
            if page.last.is_some() {
                cursor = page.last;
            }
            if !full {
                return Ok(());
            }
            page = reader
                .next_page(cursor.as_ref(), PAGE_ROWS)
                .await
                .map_err(pull_error)?;
            if page.rows.is_empty() {
                return Ok(());
            }
        }
    }
    .await;
    if let Err(e) = fed {
        ingest.abandon(a, e.code(), &e.to_string()).await;
        return Err(e);
    }
    let cursor_json = serde_json::to_string(&cursor).expect("cursor serializes");
    let batch_id = ingest.batch_id().to_owned();
    let batch = ingest
        .finish(a, &permit, &resource, async |tx| {
            store::record_pull(
                tx,
                &permit,
                id,
                Some(&cursor_json),
                now_ms(),
                Some(&batch_id),
                None,
            )
            .await?;
            Ok(())
        })
        .await?;
    super::versions::after_batch(a.app, &batch).await;
    Ok(Some(batch))
}

/// Whether a source is due: never pulled, or its resource's cycle has passed since the last
/// pull. Irregular resources are pulled only on demand.
fn due(cycle: UpdateCycle, last_pull_at: Option<i64>) -> bool {
    match last_pull_at {
        None => true,
        Some(t) => next_due(cycle, local_date(t)).is_some_and(|d| d <= today()),
    }
}

/// Runs the pulls that are due, as the platform. Returns how many ran.
pub async fn run_due_pulls(app: &App) -> usize {
    let actor = Actor::system(crate::new_request_id());
    let listed = async {
        let mut tx = app.db().begin_read().await?;
        let rows = store::list(&mut tx).await?;
        let mut due_ids = Vec::new();
        for r in rows.iter().filter(|r| r.enabled != 0) {
            if let Some(res) =
                pubdata_store::catalog::resources::get(&mut tx, &r.resource_id).await?
                && let Some(cycle) = UpdateCycle::parse(&res.update_cycle)
                && due(cycle, r.last_pull_at)
            {
                due_ids.push(r.id.clone());
            }
        }
        tx.rollback().await?;
        Ok::<_, ActionError>(due_ids)
    };
    let Ok(ids) = listed.await else { return 0 };
    for id in &ids {
        if let Err(e) = run_pull(app, &actor, id).await {
            tracing::warn!(pull_source = %id, error = %e, "scheduled pull failed");
        }
    }
    ids.len()
}

/// The scheduler: looks for due pulls every `every`.
pub fn spawn_puller(app: App, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            run_due_pulls(&app).await;
        }
    })
}
