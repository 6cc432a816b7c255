//! The records API of open data (`/api/v1/open/datasets/{name}/records`): the latest opened
//! version's records as the opening set them, filtered by opened fields and paged, behind a
//! developer key and its quota. Conditional data answers only an agreement's key.
//!
//! Pages go by position, not by record key: a key can be a masked value (an ID number), and
//! a cursor must not carry what the page masks.

use super::View;
use super::datasets::Entry;
use crate::action::Audited;
use crate::{ActionError, App, now_ms};
use pubdata_core::Actor;
use pubdata_core::aggregation::Cell;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::OpenAttr;
use pubdata_core::catalog::ResourceDoc;
use pubdata_core::masking::Mask;
use pubdata_core::policy::{self, OpenChannel, OpenCheck};
use pubdata_store::aggregation::records;
use pubdata_store::opening::datasets::Use;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default)]
pub struct OpenRecordsQuery {
    /// (field code, value): records whose opened field equals the value.
    pub filters: Vec<(String, String)>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenRecordsPage {
    pub dataset: String,
    pub version: i64,
    pub fields: Vec<String>,
    pub items: Vec<serde_json::Map<String, serde_json::Value>>,
    pub next_cursor: Option<String>,
    #[serde(skip)]
    pub dataset_id: String,
}

/// Largest position a cursor may name.
const MAX_OFFSET: usize = 10_000_000;

/// Reads a page of an open dataset's records with a developer key (`key`: the raw key the
/// caller sent; `actor`: who it authenticated as).
pub async fn read_open_records(
    app: &App,
    actor: &Actor,
    key: Option<&str>,
    name: &str,
    q: OpenRecordsQuery,
) -> Result<OpenRecordsPage, ActionError> {
    let a = Audited::new(app, actor, Action::ReadOpenRecords)
        .with_target(Target::new("open_dataset", name));
    let mut detail = serde_json::Map::new();
    let outcome = async {
        let cat = super::datasets::catalog(app).await?;
        let e = cat
            .get(name)
            .filter(|e| e.row.status == "open")
            .ok_or(ActionError::NotFound("dataset_not_found"))?
            .clone();
        let agreed_fields = authorize_key(app, actor, key, &e, a.action, &mut detail).await?;
        let cols = opened_columns(&e, agreed_fields.as_deref());
        let filters = filter_columns(&cols, &q.filters)?;
        let limit = crate::platform::page_limit(q.limit) as usize;
        let offset = match q.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            None => 0,
            Some(c) => c
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= MAX_OFFSET)
                .ok_or(ActionError::BadRequest("invalid_cursor"))?,
        };
        let version = e
            .dataset
            .versions
            .iter()
            .find(|v| !v.files.is_empty())
            .ok_or(ActionError::NotFound("no_open_version"))?;
        let (mut items, mut seen, mut more) = (Vec::new(), 0usize, false);
        scan_version(app, &e, version.published_ms, |full, texts| {
            if !filters
                .iter()
                .all(|(i, v)| same_value(texts[*i].as_deref(), v))
            {
                return true;
            }
            seen += 1;
            if seen <= offset {
                return true;
            }
            if items.len() == limit {
                more = true;
                return false;
            }
            let mut obj = serde_json::Map::new();
            for (i, code, mask) in &cols {
                obj.insert((*code).to_owned(), opened_value(&full[*i], *mask));
            }
            items.push(obj);
            true
        })
        .await?;
        detail.insert("version".into(), version.number.into());
        detail.insert("records".into(), items.len().into());
        Ok(OpenRecordsPage {
            dataset: name.to_owned(),
            version: version.number,
            fields: cols.iter().map(|(_, c, _)| (*c).to_owned()).collect(),
            next_cursor: more.then(|| (offset + items.len()).to_string()),
            items,
            dataset_id: e.row.id.clone(),
        })
    }
    .await;
    match outcome {
        Ok(page) => {
            a.record_batched(Some(serde_json::Value::Object(detail).to_string()))
                .await?;
            count_use(app, &page.dataset_id, Use::ApiCall).await;
            Ok(page)
        }
        Err(e) => a.finish(Err(e)).await,
    }
}

/// Checks the key an open dataset's records are read with (none: refused by the policy;
/// conditional data: the agreement's key only, while it holds) and takes a call from its
/// quota. Answers the fields an agreement limits the reader to (None: every opened field).
pub(crate) async fn authorize_key(
    app: &App,
    actor: &Actor,
    key: Option<&str>,
    e: &Entry,
    action: Action,
    detail: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<Option<Vec<String>>, ActionError> {
    let key_row = match key {
        Some(raw) => super::keys::key_of(app, raw).await?,
        None => None,
    }
    .filter(|k| Some(k.user_id.as_str()) == actor.user_id());
    let mut agreement_in_force = false;
    let mut agreed_fields: Option<Vec<String>> = None;
    if let Some(k) = &key_row {
        detail.insert("key".into(), k.token_id.clone().into());
        if let Some(ag) = &k.agreement_id {
            // An agreement's key reads its agreement's dataset, while the agreement holds,
            // and the fields it names.
            let live = super::keys::agreement_for(app, &k.user_id, &e.row.id).await?;
            match live {
                Some(l) if &l.id == ag => {
                    agreed_fields = Some(l.fields).filter(|f| !f.is_empty());
                }
                _ => return Err(ActionError::Forbidden("key_not_for_dataset")),
            }
            detail.insert("agreement".into(), ag.clone().into());
            agreement_in_force = true;
        }
    }
    policy::read_open(
        action,
        &OpenCheck {
            class: e.dataset.open_attr,
            channel: OpenChannel::RecordsApi {
                key_holder: key_row.is_some(),
            },
            agreement_in_force: agreement_in_force && e.dataset.open_attr == OpenAttr::Conditional,
        },
    )?;
    let k = key_row.expect("the policy demands a key");
    if let Err(retry_after) = app
        .caches()
        .opening
        .quotas
        .take(&k.token_id, k.rate_per_minute)
    {
        return Err(ActionError::TooManyRequests {
            code: "over_quota",
            retry_after,
        });
    }
    Ok(agreed_fields)
}

/// The columns a reader gets: the opened fields (those an agreement names, if it limits
/// them), each with its index in the resource's fields and its mask.
pub(crate) fn opened_columns<'d>(
    e: &'d Entry,
    agreed: Option<&[String]>,
) -> Vec<(usize, &'d str, Option<Mask>)> {
    e.view
        .columns(&e.doc)
        .into_iter()
        .filter(|(_, code, _)| agreed.is_none_or(|f| f.iter().any(|c| c == code)))
        .collect()
}

/// A stored value as the open view gives it: masked as text, or typed JSON.
pub(crate) fn opened_value(cell: &Cell, mask: Option<Mask>) -> serde_json::Value {
    match (mask, cell) {
        (_, Cell::Null) => serde_json::Value::Null,
        (Some(m), c) => m.apply(&c.to_text()).into(),
        (None, c) => c.to_json(),
    }
}

/// Runs `each` over the records of the version published at `published_at` as `view` keeps
/// them (its rows, in key order), each with its cells in the resource's field order and their
/// texts; `each` answers false to stop. Answers false when the resource has no records table.
pub(crate) async fn scan_view(
    app: &App,
    resource_id: &str,
    doc: &ResourceDoc,
    view: &View,
    published_at: i64,
    mut each: impl FnMut(Vec<Cell>, Vec<Option<String>>) -> bool,
) -> Result<bool, ActionError> {
    let mut tx = app.db().begin_read().await?;
    let read = async {
        let Some(table) = records::get_table(&mut tx, resource_id).await? else {
            return Ok(false);
        };
        let positions: Vec<Option<usize>> = doc
            .fields
            .iter()
            .map(|f| table.columns.iter().position(|c| c.code == f.code))
            .collect();
        let mut after: Option<String> = None;
        loop {
            let page =
                records::scan(&mut tx, &table, Some(published_at), after.as_deref(), 5_000).await?;
            let Some((last, _)) = page.last() else {
                return Ok(true);
            };
            after = Some(last.clone());
            for (_, cells) in page {
                let full: Vec<Cell> = positions
                    .iter()
                    .map(|p| p.map_or(Cell::Null, |p| cells[p].clone()))
                    .collect();
                let texts: Vec<Option<String>> = full
                    .iter()
                    .map(|c| (!c.is_null()).then(|| c.to_text()))
                    .collect();
                if view.keeps(doc, &texts) && !each(full, texts) {
                    return Ok(true);
                }
            }
            // A long scan lets the other tasks of this thread run between pages.
            tokio::task::yield_now().await;
        }
    }
    .await;
    tx.rollback().await?;
    read
}

/// [`scan_view`] over an open dataset's version; a resource without records is
/// `no_open_version`.
pub(crate) async fn scan_version(
    app: &App,
    e: &Entry,
    published_at: i64,
    each: impl FnMut(Vec<Cell>, Vec<Option<String>>) -> bool,
) -> Result<(), ActionError> {
    if scan_view(app, &e.row.resource_id, &e.doc, &e.view, published_at, each).await? {
        Ok(())
    } else {
        Err(ActionError::NotFound("no_open_version"))
    }
}

/// The columns filters name, with their values: only opened fields, and never a masked one
/// (a filter on it would test what the mask hides).
pub(crate) fn filter_columns(
    cols: &[(usize, &str, Option<Mask>)],
    wanted: &[(String, String)],
) -> Result<Vec<(usize, String)>, ActionError> {
    let mut filters = Vec::new();
    for (code, value) in wanted {
        match cols.iter().find(|(_, c, _)| c == code) {
            None => {
                return Err(super::invalid(
                    code,
                    "filter_not_opened",
                    format!("信息项 {code} 未开放，不能作为查询条件"),
                    format!("field {code} is not opened and cannot filter"),
                ));
            }
            Some((_, _, Some(_))) => {
                return Err(super::invalid(
                    code,
                    "filter_on_masked_field",
                    format!("信息项 {code} 已脱敏，不能作为查询条件"),
                    format!("field {code} is masked and cannot filter"),
                ));
            }
            Some((i, _, None)) => filters.push((*i, value.trim().to_owned())),
        }
    }
    Ok(filters)
}

/// Whether a stored value (as text) equals a filter's: numbers by value (`2.00` is `2`).
pub(crate) fn same_value(stored: Option<&str>, wanted: &str) -> bool {
    let Some(stored) = stored.map(str::trim) else {
        return false;
    };
    match (stored.parse::<f64>(), wanted.parse::<f64>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => stored == wanted,
    }
}

/// Uses (views, downloads, API calls) are counted in memory and written at most every few
/// seconds: one write per use would cost more than the use. The audit log holds every use
/// anyway; these are the portal's figures.
#[derive(Default)]
pub struct UseCounter {
    /// Counts by (dataset, month, use), and since when the oldest is pending.
    pending: Mutex<(Counts, Option<Instant>)>,
}

type Counts = HashMap<(String, String, Use), i64>;

const FLUSH_EVERY: Duration = Duration::from_secs(5);

impl UseCounter {
    /// Uses of a dataset counted but not yet written, as (views, downloads, API calls).
    pub(crate) fn pending(&self, dataset_id: &str) -> (i64, i64, i64) {
        let p = self.pending.lock().expect("counter lock");
        let mut out = (0, 0, 0);
        for ((d, _, u), n) in &p.0 {
            if d == dataset_id {
                match u {
                    Use::View => out.0 += n,
                    Use::Download => out.1 += n,
                    Use::ApiCall => out.2 += n,
                }
            }
        }
        out
    }
}

/// Counts one use of a dataset; writes what is pending when it is old enough.
pub(crate) async fn count_use(app: &App, dataset_id: &str, u: Use) {
    let due = {
        let mut p = app
            .caches()
            .opening
            .uses
            .pending
            .lock()
            .expect("counter lock");
        *p.0.entry((dataset_id.to_owned(), super::month_of(now_ms()), u))
            .or_default() += 1;
        let started = *p.1.get_or_insert_with(Instant::now);
        if started.elapsed() >= FLUSH_EVERY {
            p.1 = None;
            Some(std::mem::take(&mut p.0))
        } else {
            None
        }
    };
    if let Some(counts) = due {
        let app = app.clone();
        tokio::spawn(async move { flush(&app, counts).await });
    }
}

async fn flush(app: &App, counts: Counts) {
    let written = async {
        let mut tx = app.db().begin().await?;
        for ((dataset, month, u), n) in &counts {
            pubdata_store::opening::datasets::count_uses(&mut tx, dataset, month, *u, *n).await?;
        }
        tx.commit().await?;
        Ok::<_, ActionError>(())
    }
    .await;
    if let Err(e) = written {
        tracing::warn!(error = %e, "could not write the use counts");
    }
}

/// Writes what is pending now (before the statistics are read, and at shutdown).
pub async fn flush_uses(app: &App) {
    let counts = {
        let mut p = app
            .caches()
            .opening
            .uses
            .pending
            .lock()
            .expect("counter lock");
        p.1 = None;
        std::mem::take(&mut p.0)
    };
    if !counts.is_empty() {
        flush(app, counts).await;
    }
}
