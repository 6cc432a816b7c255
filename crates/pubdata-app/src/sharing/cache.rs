//! What a sharing decision reads, kept in memory (see `crate::cache` for when it is
//! reloaded): each resource's catalog entry, record table and disputed keys; the grants a
//! unit holds for a resource; the raises of the emergencies not yet over; and each grant's
//! rate quota (a token bucket, per instance).

use crate::cache::StampedMap;
use crate::{ActionError, App};
use pubdata_core::catalog::{ResourceDoc, ShareAttr};
use pubdata_core::sharing::{GrantStatus, Raise};
use pubdata_store::aggregation::records::{self, RecordTable};
use pubdata_store::sharing::{emergencies, grants::GrantRow, objections};
use std::collections::HashSet;
use std::sync::Arc;

/// A resource as the sharing API reads it.
pub struct Subject {
    pub id: String,
    pub provider_org_id: String,
    pub published: bool,
    pub base: ShareAttr,
    pub doc: ResourceDoc,
    pub table: Option<RecordTable>,
    /// Keys of records under an open objection.
    pub disputed: HashSet<String>,
}

/// A grant with its field lists parsed.
pub struct GrantData {
    pub row: GrantRow,
    pub stored: GrantStatus,
    pub fields: Vec<String>,
    pub raw_fields: Vec<String>,
}

#[derive(Default)]
pub struct SharingCache {
    subjects: StampedMap<String, Arc<Subject>>,
    grants: StampedMap<(String, String), Arc<Vec<GrantData>>>,
    raises: StampedMap<(), Arc<Vec<(String, Raise)>>>,
    quotas: crate::cache::Quotas,
}

impl SharingCache {
    /// Takes one call from a grant's quota of `per_minute` calls; over quota, the seconds
    /// until the next call fits.
    pub fn take_quota(&self, grant_id: &str, per_minute: i64) -> Result<(), u64> {
        self.quotas.take(grant_id, per_minute)
    }
}

/// The resource, from the cache or the database.
pub async fn subject(app: &App, resource_id: &str) -> Result<Arc<Subject>, ActionError> {
    let generation = app.caches().generation.current();
    let cache = &app.caches().sharing;
    if let Some(s) = cache.subjects.get(resource_id, generation) {
        return Ok(s);
    }
    let mut tx = app.db().begin_read().await?;
    let loaded = async {
        let (row, doc) = crate::aggregation::batches::load_resource(&mut tx, resource_id).await?;
        let table = records::get_table(&mut tx, resource_id).await?;
        let disputed = objections::disputed_keys(&mut tx, resource_id).await?;
        Ok::<_, ActionError>(Subject {
            id: row.id,
            provider_org_id: row.provider_org_id,
            published: row.status == "published",
            base: doc.share_attr,
            doc,
            table,
            disputed: disputed.into_iter().collect(),
        })
    }
    .await;
    tx.rollback().await?;
    let s = Arc::new(loaded?);
    cache
        .subjects
        .put(resource_id.to_owned(), s.clone(), generation);
    Ok(s)
}

/// The grants `org_id` holds for a resource, newest first.
pub async fn grants_of(
    app: &App,
    resource_id: &str,
    org_id: &str,
) -> Result<Arc<Vec<GrantData>>, ActionError> {
    let generation = app.caches().generation.current();
    let cache = &app.caches().sharing;
    let key = (resource_id.to_owned(), org_id.to_owned());
    if let Some(g) = cache.grants.get(&key, generation) {
        return Ok(g);
    }
    let mut tx = app.db().begin_read().await?;
    let rows = pubdata_store::sharing::grants::for_reader(&mut tx, resource_id, org_id).await;
    tx.rollback().await?;
    let mut out = Vec::new();
    for row in rows? {
        out.push(GrantData {
            stored: GrantStatus::parse(&row.status).unwrap_or(GrantStatus::Revoked),
            fields: super::parse_codes(&row.fields)?,
            raw_fields: super::parse_codes(&row.raw_fields)?,
            row,
        });
    }
    let out = Arc::new(out);
    cache.grants.put(key, out.clone(), generation);
    Ok(out)
}

/// The raises of every emergency not yet over, by resource id.
pub async fn live_raises(app: &App) -> Result<Arc<Vec<(String, Raise)>>, ActionError> {
    let generation = app.caches().generation.current();
    let cache = &app.caches().sharing;
    if let Some(r) = cache.raises.get(&(), generation) {
        return Ok(r);
    }
    let mut tx = app.db().begin_read().await?;
    let rows = emergencies::live_raises(&mut tx, crate::now_ms()).await;
    tx.rollback().await?;
    let out: Vec<(String, Raise)> = rows?
        .into_iter()
        .filter_map(|(r, starts_at, ends_at)| {
            Some((
                r.resource_id,
                Raise {
                    emergency_id: r.emergency_id,
                    share_attr: ShareAttr::parse(&r.share_attr)?,
                    starts_at,
                    ends_at,
                },
            ))
        })
        .collect();
    let out = Arc::new(out);
    cache.raises.put((), out.clone(), generation);
    Ok(out)
}

/// A resource's class at `now` and the emergency that raised it, if one did.
pub fn class_now(
    subject: &Subject,
    raises: &[(String, Raise)],
    now: i64,
) -> (ShareAttr, Option<String>) {
    let (class, by) = pubdata_core::sharing::class_in_force(
        subject.base,
        raises
            .iter()
            .filter(|(r, _)| r == &subject.id)
            .map(|(_, raise)| raise),
        now,
    );
    (class, by.map(str::to_owned))
}

/// Whether an emergency is in force at `now`.
pub fn emergency_in_force(raises: &[(String, Raise)], id: &str, now: i64) -> bool {
    raises
        .iter()
        .any(|(_, r)| r.emergency_id == id && r.in_force(now))
}
