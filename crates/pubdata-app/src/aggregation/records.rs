//! Reading the record store as the provider sees it: one record now or as of a past time,
//! its history, and the whole resource a page at a time (now or as of a past time).

use pubdata_core::Actor;
use pubdata_core::aggregation::{Cell, KEY_SEPARATOR};
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::ResourceDoc;
use pubdata_core::policy;
use pubdata_store::Tx;
use pubdata_store::aggregation::records::{self as store, RecordTable, RecordVersion};
use serde::Serialize;
use serde_json::{Map, Value};

use super::batches::load_resource;
use crate::action::Audited;
use crate::error::FieldError;
use crate::{ActionError, App, rfc3339_ms as rfc3339};

/// One record: `values` by field code, over the resource's current fields.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub key: String,
    pub values: Map<String, Value>,
    /// Under an open objection (the sharing chapter's): shown to every reader until answered.
    pub disputed: bool,
    pub updated_at: String,
    pub batch_id: String,
    pub changed_by: String,
}

/// One version in a record's history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryItem {
    pub values: Map<String, Value>,
    pub batch_id: String,
    pub changed_by: String,
    pub changed_at: String,
    /// When the next version replaced it; none for the current one.
    pub replaced_at: Option<String>,
}

fn values_of(doc: &ResourceDoc, v: &[(String, Cell)]) -> Map<String, Value> {
    doc.fields
        .iter()
        .map(|f| {
            let cell = v
                .iter()
                .find(|(c, _)| c == &f.code)
                .map(|(_, cell)| cell.to_json());
            (f.code.clone(), cell.unwrap_or(Value::Null))
        })
        .collect()
}

fn record_of(doc: &ResourceDoc, v: &RecordVersion, disputed: bool) -> Record {
    Record {
        key: v.key.clone(),
        values: values_of(doc, &v.values),
        disputed,
        updated_at: rfc3339(v.valid_from),
        batch_id: v.batch_id.clone(),
        changed_by: v.changed_by.clone(),
    }
}

/// A time as the API takes it: RFC 3339, or a date (the end of that day, UTC+8).
pub fn parse_as_of(text: &str) -> Result<i64, ActionError> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp_millis());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let end = d.and_hms_milli_opt(23, 59, 59, 999).expect("valid time");
        return Ok(end.and_utc().timestamp_millis() - 8 * 3600 * 1000);
    }
    Err(ActionError::invalid(
        "invalid_as_of",
        FieldError::new(
            "as_of",
            "invalid_as_of",
            "as_of 须为 RFC 3339 时间（如 2026-03-01T08:00:00+08:00）或日期（2026-03-01）",
            "as_of must be an RFC 3339 time (2026-03-01T08:00:00+08:00) or a date (2026-03-01)",
        ),
    ))
}

/// Opens a read, checks the actor may read the unit's data, finds the record table.
async fn open(
    a: &Audited<'_>,
    resource_id: &str,
) -> Result<(ResourceDoc, Option<RecordTable>, Tx), ActionError> {
    let mut tx = a.app.db().begin_read().await?;
    let (row, doc) = load_resource(&mut tx, resource_id).await?;
    policy::view_unit_data(a.actor, a.action, &row.provider_org_id)?;
    let table = store::get_table(&mut tx, resource_id).await?;
    Ok((doc, table, tx))
}

fn not_found() -> ActionError {
    ActionError::NotFound("record_not_found")
}

/// One record by key (a composite key's values joined by `|`), now or as of a time.
pub async fn get_record(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    key: &str,
    as_of: Option<&str>,
) -> Result<Record, ActionError> {
    let a = Audited::new(app, actor, Action::GetRecord)
        .with_target(Target::new("record", format!("{resource_id}/{key}")));
    a.finish(
        async {
            let at = as_of.map(parse_as_of).transpose()?;
            let (doc, table, mut tx) = open(&a, resource_id).await?;
            let table = table.ok_or_else(not_found)?;
            let found = match at {
                None => store::get(&mut tx, &table, key).await?,
                Some(at) => store::get_as_of(&mut tx, &table, key, at).await?,
            };
            let disputed =
                pubdata_store::sharing::objections::is_disputed(&mut tx, resource_id, key).await?;
            a.record_read(tx).await?;
            found
                .map(|v| record_of(&doc, &v, disputed))
                .ok_or_else(not_found)
        }
        .await,
    )
    .await
}

/// Every version of a record, oldest first.
pub async fn record_history(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    key: &str,
) -> Result<Vec<HistoryItem>, ActionError> {
    let a = Audited::new(app, actor, Action::GetRecordHistory)
        .with_target(Target::new("record", format!("{resource_id}/{key}")));
    a.finish(
        async {
            let (doc, table, mut tx) = open(&a, resource_id).await?;
            let table = table.ok_or_else(not_found)?;
            let versions = store::history(&mut tx, &table, key).await?;
            a.record_read(tx).await?;
            if versions.is_empty() {
                return Err(not_found());
            }
            Ok(versions
                .iter()
                .map(|v| HistoryItem {
                    values: values_of(&doc, &v.values),
                    batch_id: v.batch_id.clone(),
                    changed_by: v.changed_by.clone(),
                    changed_at: rfc3339(v.valid_from),
                    replaced_at: v.valid_to.map(rfc3339),
                })
                .collect())
        }
        .await,
    )
    .await
}

/// A page of the resource's records in key order (cursor: the last key shown), now or as of
/// a past time.
pub async fn list_records(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    as_of: Option<&str>,
    cursor: Option<&str>,
    limit: u32,
) -> Result<(Vec<(String, Map<String, Value>)>, Option<String>), ActionError> {
    let a = Audited::new(app, actor, Action::ListRecords)
        .with_target(Target::new("resource", resource_id));
    a.finish(
        async {
            let at = as_of.map(parse_as_of).transpose()?;
            let (doc, table, mut tx) = open(&a, resource_id).await?;
            let Some(table) = table else {
                a.record_read(tx).await?;
                return Ok((Vec::new(), None));
            };
            let limit = limit.clamp(1, 1000);
            let rows = store::scan(&mut tx, &table, at, cursor, limit + 1).await?;
            a.record_read(tx).await?;
            let more = rows.len() > limit as usize;
            let items: Vec<_> = rows
                .into_iter()
                .take(limit as usize)
                .map(|(key, cells)| {
                    let pairs: Vec<(String, Cell)> = table
                        .columns
                        .iter()
                        .map(|c| c.code.clone())
                        .zip(cells)
                        .collect();
                    (key, values_of(&doc, &pairs))
                })
                .collect();
            let next = if more {
                items.last().map(|(k, _)| k.clone())
            } else {
                None
            };
            Ok((items, next))
        }
        .await,
    )
    .await
}

/// The key of a record from its key fields' values, as the paths write it.
pub fn key_of(values: &[&str]) -> String {
    values.join(&KEY_SEPARATOR.to_string())
}
