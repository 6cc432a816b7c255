//! Catalog entries and their review: a steward drafts and submits, the authority approves
//! (the entry is published) or returns it with reasons, the steward fixes and resubmits.
//! A change to a published entry is version n+1; withdrawing keeps every version.

use super::{reason, refuse};
use crate::action::Audited;
use crate::error::FieldError;
use crate::{ActionError, App, new_id, now_ms, rfc3339};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::diff::{Change, diff};
use pubdata_core::catalog::rules::check;
use pubdata_core::catalog::{ResourceDoc, ResourceStatus};
use pubdata_core::policy::{self, Permit};
use pubdata_store::Tx;
use pubdata_store::catalog::resources::{self as store, EventRow, ResourceRow, VersionRow};
use serde::Serialize;

/// A catalog entry as the API shows it: its content and where it stands.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Resource {
    pub id: String,
    #[serde(flatten)]
    pub doc: ResourceDoc,
    pub status: ResourceStatus,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
}

pub(crate) fn parse_doc(id: &str, json: &str) -> Result<ResourceDoc, ActionError> {
    serde_json::from_str(json)
        .map_err(|e| ActionError::Unexpected(format!("resource {id}: stored content: {e}")))
}

pub(crate) fn status_of(r: &ResourceRow) -> Result<ResourceStatus, ActionError> {
    ResourceStatus::parse(&r.status)
        .ok_or_else(|| ActionError::Unexpected(format!("resource {}: bad status", r.id)))
}

impl TryFrom<&ResourceRow> for Resource {
    type Error = ActionError;
    fn try_from(r: &ResourceRow) -> Result<Resource, ActionError> {
        Ok(Resource {
            id: r.id.clone(),
            doc: parse_doc(&r.id, &r.doc)?,
            status: status_of(r)?,
            version: r.version,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            published_at: r.published_at.map(rfc3339),
        })
    }
}

/// Writes `doc` into the row's searchable columns.
fn fill(row: &mut ResourceRow, doc: &ResourceDoc) -> Result<(), ActionError> {
    row.code = doc.code.clone();
    row.name = doc.name.clone();
    row.provider_org_id = doc.provider_org_id.clone();
    row.category = doc.category.as_str().to_owned();
    row.theme = doc.theme.clone();
    row.format = doc.format.as_str().to_owned();
    row.update_cycle = doc.update_cycle.as_str().to_owned();
    row.share_attr = doc.share_attr.as_str().to_owned();
    row.open_attr = doc.open_attr.as_str().to_owned();
    row.grade = i64::from(doc.grade);
    row.system_id = doc.system_id.clone();
    row.doc = serde_json::to_string(doc).map_err(|e| ActionError::Unexpected(e.to_string()))?;
    row.search_terms = doc.search_terms();
    Ok(())
}

fn not_found() -> ActionError {
    ActionError::NotFound("resource_not_found")
}

fn unknown(field: &str, code: &'static str, zh: String, en: String) -> ActionError {
    ActionError::invalid(code, FieldError::new(field, code, zh, en))
}

/// Checks what the rules in core cannot: the provider, the source system and the related
/// resources exist; the code is not another entry's.
async fn check_references(
    tx: &mut Tx,
    doc: &ResourceDoc,
    id: Option<&str>,
) -> Result<(), ActionError> {
    match pubdata_store::orgs::get(tx, &doc.provider_org_id).await? {
        Some(o) if !o.disabled => {}
        _ => {
            return Err(unknown(
                "provider_org_id",
                "unknown_provider",
                format!("提供单位 {} 不存在或已停用", doc.provider_org_id),
                format!(
                    "providing unit {} does not exist or is disabled",
                    doc.provider_org_id
                ),
            ));
        }
    }
    if let Some(other) = store::get_by_code(tx, &doc.code).await?
        && Some(other.id.as_str()) != id
    {
        return Err(ActionError::Conflict("resource_code_taken"));
    }
    if let Some(system) = &doc.system_id {
        match pubdata_store::catalog::systems::get(tx, system).await? {
            Some(s) if s.owner_org_id == doc.provider_org_id => {}
            _ => {
                return Err(unknown(
                    "system_id",
                    "unknown_system",
                    "来源系统不存在或不属于提供单位".into(),
                    "the source system does not exist or is not the providing unit's".into(),
                ));
            }
        }
    }
    for (i, r) in doc.related_resource_ids.iter().enumerate() {
        if Some(r.as_str()) == id || store::get(tx, r).await?.is_none() {
            return Err(unknown(
                &format!("related_resource_ids[{i}]"),
                "unknown_related_resource",
                format!("关联资源 {r} 不存在"),
                format!("related resource {r} does not exist"),
            ));
        }
    }
    Ok(())
}

fn clash(e: pubdata_store::StoreError) -> ActionError {
    if e.is_unique_violation_on("resources", "code") {
        ActionError::Conflict("resource_code_taken")
    } else {
        e.into()
    }
}

/// Records a review step with the actor and the reason given.
async fn event(
    tx: &mut Tx,
    permit: &Permit,
    actor: &Actor,
    row: &ResourceRow,
    kind: &str,
    reason: Option<String>,
) -> Result<(), ActionError> {
    store::add_event(
        tx,
        permit,
        &EventRow {
            id: new_id(),
            resource_id: row.id.clone(),
            version: row.version,
            kind: kind.to_owned(),
            reason,
            actor_user_id: actor.user_id().map(str::to_owned),
            actor_username: actor.username().map(str::to_owned),
            at: now_ms(),
        },
    )
    .await?;
    Ok(())
}

/// Keeps the row's current content as its version (a draft rewrites its own version).
async fn keep_version(
    tx: &mut Tx,
    permit: &Permit,
    actor: &Actor,
    row: &ResourceRow,
) -> Result<(), ActionError> {
    store::put_version(
        tx,
        permit,
        &VersionRow {
            resource_id: row.id.clone(),
            version: row.version,
            status: row.status.clone(),
            doc: row.doc.clone(),
            changed_by: actor.username().map(str::to_owned),
            changed_at: row.updated_at,
        },
    )
    .await?;
    Ok(())
}

/// Checks a doc as a person wrote it: tidy, rules, references.
async fn validate(
    tx: &mut Tx,
    mut doc: ResourceDoc,
    id: Option<&str>,
) -> Result<ResourceDoc, ActionError> {
    doc.normalize();
    refuse(check(&doc))?;
    check_references(tx, &doc, id).await?;
    Ok(doc)
}

/// Creates a draft in the same transaction as other work (an import): the row and its first
/// version. The caller has the permit and the audit entry.
pub(crate) async fn insert_draft(
    tx: &mut Tx,
    permit: &Permit,
    actor: &Actor,
    doc: ResourceDoc,
    kind: &str,
) -> Result<ResourceRow, ActionError> {
    let doc = validate(tx, doc, None).await?;
    let row = row_for(&doc, new_id(), ResourceStatus::Draft, now_ms())?;
    store::insert(tx, permit, &row).await.map_err(clash)?;
    keep_version(tx, permit, actor, &row).await?;
    event(tx, permit, actor, &row, kind, None).await?;
    super::duty::close_tasks_by_update(tx, permit, actor, &row.provider_org_id, &row.id).await?;
    Ok(row)
}

pub async fn create_resource(
    app: &App,
    actor: &Actor,
    doc: ResourceDoc,
) -> Result<Resource, ActionError> {
    let a = Audited::new(app, actor, Action::CreateResource);
    a.finish(
        async {
            let permit = policy::edit_catalog(actor, a.action, doc.provider_org_id.trim())?;
            let mut tx = a.begin().await?;
            let row = insert_draft(&mut tx, &permit, actor, doc, "created").await?;
            a.set_target(Target::new("resource", &row.id));
            a.commit(tx).await?;
            Resource::try_from(&row)
        }
        .await,
    )
    .await
}

/// Loads a resource for a change by its unit (or the authority), with the permit.
async fn load_for_edit(
    a: &Audited<'_>,
    tx: &mut Tx,
    id: &str,
) -> Result<(ResourceRow, ResourceStatus, Permit), ActionError> {
    let row = store::get(tx, id).await?.ok_or_else(not_found)?;
    let permit = policy::edit_catalog(a.actor, a.action, &row.provider_org_id)?;
    let status = status_of(&row)?;
    Ok((row, status, permit))
}

pub async fn update_resource(
    app: &App,
    actor: &Actor,
    id: &str,
    doc: ResourceDoc,
) -> Result<Resource, ActionError> {
    let a =
        Audited::new(app, actor, Action::UpdateResource).with_target(Target::new("resource", id));
    a.finish(
        async {
            let mut tx = a.begin().await?;
            let (mut row, status, permit) = load_for_edit(&a, &mut tx, id).await?;
            // Moving an entry to another unit needs the right to write that unit's catalog.
            policy::edit_catalog(actor, a.action, doc.provider_org_id.trim())?;
            match status {
                ResourceStatus::Submitted => {
                    return Err(ActionError::Conflict("resource_under_review"));
                }
                ResourceStatus::Withdrawn => {
                    return Err(ActionError::Conflict("resource_withdrawn"));
                }
                _ => {}
            }
            let doc = validate(&mut tx, doc, Some(id)).await?;
            if doc == parse_doc(id, &row.doc)? {
                a.commit(tx).await?;
                return Resource::try_from(&row);
            }
            if status == ResourceStatus::Published {
                row.version += 1;
            }
            row.updated_at = now_ms();
            fill(&mut row, &doc)?;
            store::update(&mut tx, &permit, &row).await.map_err(clash)?;
            keep_version(&mut tx, &permit, actor, &row).await?;
            event(&mut tx, &permit, actor, &row, "updated", None).await?;
            super::duty::close_tasks_by_update(
                &mut tx,
                &permit,
                actor,
                &row.provider_org_id,
                &row.id,
            )
            .await?;
            a.commit(tx).await?;
            Resource::try_from(&row)
        }
        .await,
    )
    .await
}

/// Moves a resource from one of `from` to `to`, recording the step (the four review steps
/// differ only in these arguments).
#[allow(clippy::too_many_arguments)]
async fn transition(
    app: &App,
    actor: &Actor,
    id: &str,
    action: Action,
    from: &[ResourceStatus],
    to: ResourceStatus,
    wrong_state: &'static str,
    reason: Option<String>,
) -> Result<Resource, ActionError> {
    let a = Audited::new(app, actor, action).with_target(Target::new("resource", id));
    a.finish(
        async {
            let mut tx = a.begin().await?;
            let mut row = store::get(&mut tx, id).await?.ok_or_else(not_found)?;
            let permit = match action {
                Action::ApproveResource | Action::ReturnResource => {
                    policy::review_catalog(actor, action)?
                }
                _ => policy::edit_catalog(actor, action, &row.provider_org_id)?,
            };
            if !from.contains(&status_of(&row)?) {
                return Err(ActionError::Conflict(wrong_state));
            }
            if to == ResourceStatus::Submitted {
                // The rules may have grown since the draft was saved.
                refuse(check(&parse_doc(id, &row.doc)?))?;
            }
            let now = now_ms();
            row.status = to.as_str().to_owned();
            row.updated_at = now;
            if to == ResourceStatus::Published {
                row.published_at = Some(now);
            }
            store::update(&mut tx, &permit, &row).await?;
            keep_version(&mut tx, &permit, actor, &row).await?;
            let kind = match to {
                ResourceStatus::Submitted => "submitted",
                ResourceStatus::Published => "approved",
                ResourceStatus::Returned => "returned",
                ResourceStatus::Withdrawn => "withdrawn",
                ResourceStatus::Draft => "updated",
            };
            event(&mut tx, &permit, actor, &row, kind, reason).await?;
            a.commit(tx).await?;
            Resource::try_from(&row)
        }
        .await,
    )
    .await
}

pub async fn submit_resource(app: &App, actor: &Actor, id: &str) -> Result<Resource, ActionError> {
    use ResourceStatus::*;
    transition(
        app,
        actor,
        id,
        Action::SubmitResource,
        &[Draft, Returned],
        Submitted,
        "not_submittable",
        None,
    )
    .await
}

pub async fn approve_resource(app: &App, actor: &Actor, id: &str) -> Result<Resource, ActionError> {
    use ResourceStatus::*;
    transition(
        app,
        actor,
        id,
        Action::ApproveResource,
        &[Submitted],
        Published,
        "not_under_review",
        None,
    )
    .await
}

/// Validates the reason first, but records a missing one as the action's refusal.
async fn with_reason(
    app: &App,
    actor: &Actor,
    id: &str,
    action: Action,
    text: &str,
    then: impl AsyncFnOnce(String) -> Result<Resource, ActionError>,
) -> Result<Resource, ActionError> {
    match reason(text) {
        Ok(r) => then(r).await,
        Err(e) => {
            Audited::new(app, actor, action)
                .with_target(Target::new("resource", id))
                .finish(Err(e))
                .await
        }
    }
}

pub async fn return_resource(
    app: &App,
    actor: &Actor,
    id: &str,
    why: &str,
) -> Result<Resource, ActionError> {
    use ResourceStatus::*;
    with_reason(app, actor, id, Action::ReturnResource, why, async |r| {
        transition(
            app,
            actor,
            id,
            Action::ReturnResource,
            &[Submitted],
            Returned,
            "not_under_review",
            Some(r),
        )
        .await
    })
    .await
}

pub async fn withdraw_resource(
    app: &App,
    actor: &Actor,
    id: &str,
    why: &str,
) -> Result<Resource, ActionError> {
    use ResourceStatus::*;
    with_reason(app, actor, id, Action::WithdrawResource, why, async |r| {
        transition(
            app,
            actor,
            id,
            Action::WithdrawResource,
            &[Draft, Submitted, Returned, Published],
            Withdrawn,
            "already_withdrawn",
            Some(r),
        )
        .await
    })
    .await
}

/// Reads a resource row visible to the actor, in a read transaction.
async fn load_visible(a: &Audited<'_>, id: &str) -> Result<(ResourceRow, Tx), ActionError> {
    let mut tx = a.app.db().begin_read().await?;
    let row = store::get(&mut tx, id).await?.ok_or_else(not_found)?;
    policy::view_catalog_entry(
        a.actor,
        a.action,
        &row.provider_org_id,
        row.status == "published",
    )?;
    Ok((row, tx))
}

pub async fn get_resource(app: &App, actor: &Actor, id: &str) -> Result<Resource, ActionError> {
    let a = Audited::new(app, actor, Action::GetResource).with_target(Target::new("resource", id));
    a.finish(
        async {
            let (row, tx) = load_visible(&a, id).await?;
            a.record_read(tx).await?;
            Resource::try_from(&row)
        }
        .await,
    )
    .await
}

/// One catalog version of a resource.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub version: i64,
    pub status: ResourceStatus,
    pub changed_by: Option<String>,
    pub changed_at: String,
    pub resource: ResourceDoc,
}

/// A review step.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub version: i64,
    pub kind: String,
    pub reason: Option<String>,
    pub actor_username: Option<String>,
    pub at: String,
}

/// A resource's versions (newest first) and review steps (oldest first).
#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub resource: Resource,
    pub versions: Vec<Version>,
    pub events: Vec<Event>,
}

pub async fn resource_history(app: &App, actor: &Actor, id: &str) -> Result<History, ActionError> {
    let a = Audited::new(app, actor, Action::ListResourceVersions)
        .with_target(Target::new("resource", id));
    a.finish(
        async {
            let (row, mut tx) = load_visible(&a, id).await?;
            let versions = store::versions(&mut tx, id).await?;
            let events = store::events(&mut tx, id).await?;
            a.record_read(tx).await?;
            Ok(History {
                resource: Resource::try_from(&row)?,
                versions: versions
                    .into_iter()
                    .map(|v| {
                        Ok(Version {
                            status: ResourceStatus::parse(&v.status).ok_or_else(|| {
                                ActionError::Unexpected("bad version status".into())
                            })?,
                            resource: parse_doc(id, &v.doc)?,
                            version: v.version,
                            changed_by: v.changed_by,
                            changed_at: rfc3339(v.changed_at),
                        })
                    })
                    .collect::<Result<_, ActionError>>()?,
                events: events
                    .into_iter()
                    .map(|e| Event {
                        version: e.version,
                        kind: e.kind,
                        reason: e.reason,
                        actor_username: e.actor_username,
                        at: rfc3339(e.at),
                    })
                    .collect(),
            })
        }
        .await,
    )
    .await
}

/// The field-by-field difference between two versions of a resource's history.
pub fn compare(history: &History, old: i64, new: i64) -> Result<Vec<Change>, ActionError> {
    let find = |n: i64| {
        history
            .versions
            .iter()
            .find(|v| v.version == n)
            .ok_or_else(|| {
                ActionError::invalid(
                    "unknown_version",
                    FieldError::new(
                        "version",
                        "unknown_version",
                        format!("没有第{n}版"),
                        format!("there is no version {n}"),
                    ),
                )
            })
    };
    Ok(diff(&find(old)?.resource, &find(new)?.resource))
}

/// The stored row of a resource with content `doc` standing at `status` as of `now`
/// (version 1; published at `now` if `status` is published), for bulk loads that write rows
/// directly (the search benchmark). The caller has checked `doc`.
pub fn row_for(
    doc: &ResourceDoc,
    id: String,
    status: ResourceStatus,
    now: i64,
) -> Result<ResourceRow, ActionError> {
    let mut row = ResourceRow {
        id,
        code: String::new(),
        name: String::new(),
        provider_org_id: String::new(),
        category: String::new(),
        theme: String::new(),
        format: String::new(),
        update_cycle: String::new(),
        share_attr: String::new(),
        open_attr: String::new(),
        grade: 1,
        system_id: None,
        status: status.as_str().to_owned(),
        version: 1,
        doc: String::new(),
        search_terms: String::new(),
        created_at: now,
        updated_at: now,
        published_at: (status == ResourceStatus::Published).then_some(now),
    };
    fill(&mut row, doc)?;
    Ok(row)
}
