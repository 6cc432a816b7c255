//! Published data versions: the current records of a resource written as a Parquet file and a
//! CSV file, each with its SHA-256 and size, kept in the file store and listed with the
//! resource. A steward publishes, or the resource's rule does after each accepted batch.

use pubdata_core::Actor;
use pubdata_core::aggregation::{Cell, Kind};
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::ResourceStatus;
use pubdata_core::policy;
use pubdata_store::aggregation::records;
use pubdata_store::aggregation::versions::{self as store, DataVersionRow};
use serde::{Deserialize, Serialize};

use super::batches::{Batch, load_resource};
use super::export::{ExportColumn, VersionWriter};
use super::files::FileStoreError;
use crate::action::Audited;
use crate::catalog::resources::status_of;
use crate::{ActionError, App, new_id, now_ms, rfc3339};

/// Records read per step while a version is written.
const SCAN_ROWS: u32 = 10_000;

#[derive(Debug, Clone, Serialize)]
pub struct DataVersion {
    pub number: i64,
    pub published_at: String,
    pub published_by: String,
    pub rows: i64,
    /// The catalog version whose fields the files hold.
    pub catalog_version: i64,
    pub files: Vec<VersionFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionFile {
    pub format: String,
    pub url: String,
    pub sha256: String,
    pub size: u64,
}

/// A file as the version row keeps it: where it is in the file store.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredFile {
    format: String,
    key: String,
    sha256: String,
    size: u64,
}

fn version_of(r: &DataVersionRow) -> Result<DataVersion, ActionError> {
    let files: Vec<StoredFile> = serde_json::from_str(&r.files).map_err(|e| {
        ActionError::Unexpected(format!(
            "version {}/{}: files: {e}",
            r.resource_id, r.number
        ))
    })?;
    Ok(DataVersion {
        number: r.number,
        published_at: rfc3339(r.published_at),
        published_by: r.published_by.clone(),
        rows: r.rows_count,
        catalog_version: r.catalog_version,
        files: files
            .into_iter()
            .map(|f| VersionFile {
                url: format!(
                    "/api/v1/resources/{}/versions/{}/files/{}",
                    r.resource_id, r.number, f.format
                ),
                format: f.format,
                sha256: f.sha256,
                size: f.size,
            })
            .collect(),
    })
}

/// Publishes the resource's records as they are now as version n+1.
pub async fn publish_version(
    app: &App,
    actor: &Actor,
    resource_id: &str,
) -> Result<DataVersion, ActionError> {
    let a = Audited::new(app, actor, Action::PublishDataVersion)
        .with_target(Target::new("resource", resource_id));
    let version = a.finish(publish(&a, resource_id).await).await?;
    crate::opening::files::after_publish(app, resource_id).await;
    Ok(version)
}

async fn publish(a: &Audited<'_>, resource_id: &str) -> Result<DataVersion, ActionError> {
    let mut read = a.app.db().begin_read().await?;
    let (row, doc) = load_resource(&mut read, resource_id).await?;
    let permit = policy::publish_data(a.actor, a.action, &row.provider_org_id)?;
    if status_of(&row)? != ResourceStatus::Published {
        return Err(ActionError::Conflict("resource_not_published"));
    }
    let table = records::get_table(&mut read, resource_id)
        .await?
        .ok_or(ActionError::Conflict("no_records"))?;
    let number = store::next_number(&mut read, resource_id).await?;
    // The files hold the catalog's current fields, in its order.
    let positions: Vec<Option<usize>> = doc
        .fields
        .iter()
        .map(|f| table.columns.iter().position(|c| c.code == f.code))
        .collect();
    let columns = doc
        .fields
        .iter()
        .map(|f| ExportColumn {
            name: f.code.clone(),
            kind: Kind::of(f.field_type),
        })
        .collect();
    let dir = a
        .app
        .config()
        .data_dir
        .join("tmp")
        .join(format!("publish-{}", new_id()));
    std::fs::create_dir_all(&dir).map_err(ActionError::unexpected)?;
    let stem = format!("{}-v{number}", row.code.replace('/', "-"));
    let written: Result<(Vec<super::export::WrittenFile>, i64), ActionError> = async {
        let mut writer =
            VersionWriter::create(&dir, &stem, columns).map_err(ActionError::unexpected)?;
        let mut after: Option<String> = None;
        let mut rows = 0i64;
        loop {
            let page = records::scan(&mut read, &table, None, after.as_deref(), SCAN_ROWS).await?;
            let Some((last, _)) = page.last() else { break };
            after = Some(last.clone());
            rows += page.len() as i64;
            let cells: Vec<Vec<Cell>> = page
                .into_iter()
                .map(|(_, cells)| {
                    positions
                        .iter()
                        .map(|p| p.map_or(Cell::Null, |p| cells[p].clone()))
                        .collect()
                })
                .collect();
            writer.write_rows(&cells).map_err(ActionError::unexpected)?;
            tokio::task::yield_now().await;
        }
        Ok((writer.finish().map_err(ActionError::unexpected)?, rows))
    }
    .await;
    read.rollback().await?;
    let (written, rows) = match written {
        Ok(w) => w,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    if rows == 0 {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(ActionError::Conflict("no_records"));
    }
    let mut stored = Vec::new();
    for f in &written {
        let name = f
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("data");
        let key = format!("resources/{resource_id}/v{number}/{name}");
        if let Err(e) = a.app.files().put_file(&key, &f.path).await {
            let _ = std::fs::remove_dir_all(&dir);
            for s in &stored {
                let s: &StoredFile = s;
                let _ = a.app.files().delete(&s.key).await;
            }
            return Err(ActionError::unexpected(e));
        }
        stored.push(StoredFile {
            format: f.format.to_owned(),
            key,
            sha256: f.sha256.clone(),
            size: f.size,
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
    let version = DataVersionRow {
        resource_id: resource_id.to_owned(),
        number,
        published_at: now_ms(),
        published_by: a.actor.username().unwrap_or("system").to_owned(),
        rows_count: rows,
        catalog_version: row.version,
        files: serde_json::to_string(&stored).expect("files serialize"),
    };
    let mut tx = a.begin().await?;
    let saved = store::insert(&mut tx, &permit, &version).await;
    if let Err(e) = saved {
        let _ = tx.rollback().await;
        for s in &stored {
            let _ = a.app.files().delete(&s.key).await;
        }
        return Err(if e.is_unique_violation() {
            ActionError::Conflict("version_published_meanwhile")
        } else {
            e.into()
        });
    }
    a.commit(tx).await?;
    version_of(&version)
}

/// A resource's data versions, newest first, and whether each accepted batch publishes one.
#[derive(Debug, Clone, Serialize)]
pub struct VersionList {
    pub items: Vec<DataVersion>,
    pub auto_publish: bool,
}

pub async fn list_versions(
    app: &App,
    actor: &Actor,
    resource_id: &str,
) -> Result<VersionList, ActionError> {
    let a = Audited::new(app, actor, Action::ListDataVersions)
        .with_target(Target::new("resource", resource_id));
    a.finish(
        async {
            let mut tx = a.app.db().begin_read().await?;
            let (row, _) = load_resource(&mut tx, resource_id).await?;
            policy::view_unit_data(a.actor, a.action, &row.provider_org_id)?;
            let rows = store::list(&mut tx, resource_id).await?;
            let auto_publish = records::get_table(&mut tx, resource_id)
                .await?
                .is_some_and(|t| t.auto_publish);
            a.record_read(tx).await?;
            Ok(VersionList {
                items: rows.iter().map(version_of).collect::<Result<_, _>>()?,
                auto_publish,
            })
        }
        .await,
    )
    .await
}

/// A file of a version, to stream to the caller.
pub struct FileDownload {
    pub file_name: String,
    pub content_type: &'static str,
    pub size: u64,
    pub sha256: String,
    pub body: futures_util::stream::BoxStream<'static, Result<bytes::Bytes, FileStoreError>>,
}

pub async fn version_file(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    number: i64,
    format: &str,
) -> Result<FileDownload, ActionError> {
    let a = Audited::new(app, actor, Action::DownloadDataVersion).with_target(Target::new(
        "data_version",
        format!("{resource_id}/{number}/{format}"),
    ));
    a.finish(
        async {
            let mut tx = a.app.db().begin_read().await?;
            let (row, _) = load_resource(&mut tx, resource_id).await?;
            policy::view_unit_data(a.actor, a.action, &row.provider_org_id)?;
            let version = store::get(&mut tx, resource_id, number)
                .await?
                .ok_or(ActionError::NotFound("version_not_found"))?;
            tx.rollback().await?;
            let files: Vec<StoredFile> =
                serde_json::from_str(&version.files).map_err(ActionError::unexpected)?;
            let file = files
                .into_iter()
                .find(|f| f.format == format)
                .ok_or(ActionError::NotFound("version_file_not_found"))?;
            let (size, body) = match a.app.files().get(&file.key).await {
                Ok(found) => found,
                Err(FileStoreError::NotFound { .. }) => {
                    return Err(ActionError::NotFound("version_file_missing"));
                }
                Err(e) => return Err(ActionError::unexpected(e)),
            };
            a.commit(a.begin().await?).await?;
            Ok(FileDownload {
                file_name: file.key.rsplit('/').next().unwrap_or("data").to_owned(),
                content_type: if format == "csv" {
                    "text/csv; charset=utf-8"
                } else {
                    "application/vnd.apache.parquet"
                },
                size,
                sha256: file.sha256,
                body,
            })
        }
        .await,
    )
    .await
}

/// Turns the resource's rule "publish after each accepted batch" on or off.
pub async fn set_auto_publish(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    on: bool,
) -> Result<(), ActionError> {
    let a = Audited::new(app, actor, Action::SetAutoPublish)
        .with_target(Target::new("resource", resource_id));
    a.finish(
        async {
            let mut tx = a.begin().await?;
            let (row, doc) = load_resource(&mut tx, resource_id).await?;
            let permit = policy::publish_data(a.actor, a.action, &row.provider_org_id)?;
            if records::get_table(&mut tx, resource_id).await?.is_none() {
                let (cols, keys) = super::batches::columns_of(&doc);
                records::ensure_table(&mut tx, &permit, resource_id, &cols, &keys, now_ms())
                    .await?;
            }
            records::set_auto_publish(&mut tx, &permit, resource_id, on).await?;
            a.commit(tx).await
        }
        .await,
    )
    .await
}

/// After an accepted batch: publishes a version when the resource's rule says so, as the
/// platform (a failure is logged; the batch stands).
pub(crate) async fn after_batch(app: &App, batch: &Batch) {
    if batch.status != "accepted" || batch.inserted + batch.updated == 0 {
        return;
    }
    let auto = async {
        let mut tx = app.db().begin_read().await?;
        let t = records::get_table(&mut tx, &batch.resource_id).await?;
        tx.rollback().await?;
        Ok::<_, ActionError>(t.is_some_and(|t| t.auto_publish))
    };
    if !matches!(auto.await, Ok(true)) {
        return;
    }
    let actor = Actor::system(crate::new_request_id());
    if let Err(e) = publish_version(app, &actor, &batch.resource_id).await {
        tracing::error!(resource = %batch.resource_id, batch = %batch.id, error = %e, "automatic publication failed");
    }
}
