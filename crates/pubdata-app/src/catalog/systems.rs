//! The information-system registry (政务信息系统登记; Jinan art. 32, Anhui arts. 9–11). Each
//! system a department runs is registered with the resources it produces. Anhui: a system
//! that cannot share its data is not approved — approval is refused while any resource it
//! declares is unpublished, or when it declares none.

use crate::action::Audited;
use crate::error::{FieldError, Problems};
use crate::platform::{Page, page_limit};
use crate::{ActionError, App, new_id, now_ms, rfc3339};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::SystemStatus;
use pubdata_core::policy::{self, Permit};
use pubdata_store::Tx;
use pubdata_store::catalog::systems::{self as store, SystemRow};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeclaredResource {
    pub id: String,
    pub code: String,
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InfoSystem {
    pub id: String,
    pub name: String,
    pub owner_org_id: String,
    pub purpose: String,
    pub status: SystemStatus,
    /// The resources it produces: declared here, or naming it as their source.
    pub resource_ids: Vec<String>,
    pub resources: Vec<DeclaredResource>,
    /// Why approval was last refused, or the approver's note.
    pub review_note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemInput {
    pub name: String,
    pub owner_org_id: String,
    pub purpose: String,
    #[serde(default)]
    pub resource_ids: Vec<String>,
}

async fn load(tx: &mut Tx, row: SystemRow) -> Result<InfoSystem, ActionError> {
    let resources: Vec<DeclaredResource> = store::resources_of(tx, &row.id)
        .await?
        .into_iter()
        .map(|(id, code, name, status)| DeclaredResource {
            id,
            code,
            name,
            status,
        })
        .collect();
    Ok(InfoSystem {
        status: SystemStatus::parse(&row.status)
            .ok_or_else(|| ActionError::Unexpected(format!("system {}: bad status", row.id)))?,
        resource_ids: resources.iter().map(|r| r.id.clone()).collect(),
        resources,
        id: row.id,
        name: row.name,
        owner_org_id: row.owner_org_id,
        purpose: row.purpose,
        review_note: row.review_note,
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    })
}

/// Checks the input; the declared resources must be the owner's own.
async fn parse(
    tx: &mut Tx,
    input: &SystemInput,
) -> Result<(String, String, Vec<String>), ActionError> {
    let mut p = Problems::default();
    let name = p
        .text(
            "name",
            "invalid_name",
            &input.name,
            100,
            ("系统名称", "name"),
        )
        .to_owned();
    let purpose = p
        .text(
            "purpose",
            "invalid_purpose",
            &input.purpose,
            1000,
            ("建设目的与用途", "purpose"),
        )
        .to_owned();
    p.finish()?;
    let mut ids: Vec<String> = input
        .resource_ids
        .iter()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    ids.sort();
    ids.dedup();
    for (i, id) in ids.iter().enumerate() {
        match pubdata_store::catalog::resources::get(tx, id).await? {
            Some(r) if r.provider_org_id == input.owner_org_id.trim() => {}
            _ => {
                return Err(ActionError::invalid(
                    "unknown_resource",
                    FieldError::new(
                        &format!("resource_ids[{i}]"),
                        "unknown_resource",
                        format!("资源 {id} 不存在或不属于本单位"),
                        format!("resource {id} does not exist or is not the owner's"),
                    ),
                ));
            }
        }
    }
    Ok((name, purpose, ids))
}

fn clash(e: pubdata_store::StoreError) -> ActionError {
    if e.is_unique_violation() {
        ActionError::Conflict("system_name_taken")
    } else {
        e.into()
    }
}

pub async fn create_system(
    app: &App,
    actor: &Actor,
    input: SystemInput,
) -> Result<InfoSystem, ActionError> {
    let a = Audited::new(app, actor, Action::CreateSystem);
    a.finish(
        async {
            let owner = input.owner_org_id.trim().to_owned();
            let permit = policy::edit_catalog(actor, a.action, &owner)?;
            let mut tx = a.begin().await?;
            if pubdata_store::orgs::get(&mut tx, &owner).await?.is_none() {
                return Err(ActionError::invalid(
                    "unknown_owner",
                    FieldError::new(
                        "owner_org_id",
                        "unknown_owner",
                        "所属单位不存在",
                        "the owning unit does not exist",
                    ),
                ));
            }
            let (name, purpose, ids) = parse(&mut tx, &input).await?;
            let now = now_ms();
            let row = SystemRow {
                id: new_id(),
                name,
                owner_org_id: owner,
                purpose,
                status: SystemStatus::Planned.as_str().to_owned(),
                review_note: None,
                created_at: now,
                updated_at: now,
            };
            a.set_target(Target::new("system", &row.id));
            store::insert(&mut tx, &permit, &row).await.map_err(clash)?;
            store::set_declared(&mut tx, &permit, &row.id, &ids).await?;
            let system = load(&mut tx, row).await?;
            a.commit(tx).await?;
            Ok(system)
        }
        .await,
    )
    .await
}

async fn load_for_edit(
    a: &Audited<'_>,
    tx: &mut Tx,
    id: &str,
) -> Result<(SystemRow, Permit), ActionError> {
    let row = store::get(tx, id)
        .await?
        .ok_or(ActionError::NotFound("system_not_found"))?;
    let permit = match a.action {
        Action::ApproveSystem => policy::review_catalog(a.actor, a.action)?,
        _ => policy::edit_catalog(a.actor, a.action, &row.owner_org_id)?,
    };
    Ok((row, permit))
}

pub async fn update_system(
    app: &App,
    actor: &Actor,
    id: &str,
    input: SystemInput,
) -> Result<InfoSystem, ActionError> {
    let a = Audited::new(app, actor, Action::UpdateSystem).with_target(Target::new("system", id));
    a.finish(
        async {
            let mut tx = a.begin().await?;
            let (mut row, permit) = load_for_edit(&a, &mut tx, id).await?;
            if input.owner_org_id.trim() != row.owner_org_id {
                return Err(ActionError::invalid(
                    "owner_fixed",
                    FieldError::new(
                        "owner_org_id",
                        "owner_fixed",
                        "系统的所属单位不能更改",
                        "a system's owning unit cannot change",
                    ),
                ));
            }
            if row.status == SystemStatus::Retired.as_str() {
                return Err(ActionError::Conflict("system_retired"));
            }
            let (name, purpose, ids) = parse(&mut tx, &input).await?;
            row.name = name;
            row.purpose = purpose;
            row.updated_at = now_ms();
            store::update(&mut tx, &permit, &row).await.map_err(clash)?;
            store::set_declared(&mut tx, &permit, id, &ids).await?;
            let system = load(&mut tx, row).await?;
            a.commit(tx).await?;
            Ok(system)
        }
        .await,
    )
    .await
}

/// Moves a system along planned → under review → approved → in service → retired.
async fn move_system(
    app: &App,
    actor: &Actor,
    id: &str,
    action: Action,
    to: SystemStatus,
) -> Result<InfoSystem, ActionError> {
    let a = Audited::new(app, actor, action).with_target(Target::new("system", id));
    a.finish(
        async {
            let mut tx = a.begin().await?;
            let (mut row, permit) = load_for_edit(&a, &mut tx, id).await?;
            let from = SystemStatus::parse(&row.status)
                .ok_or_else(|| ActionError::Unexpected("bad system status".into()))?;
            use SystemStatus::*;
            let allowed = matches!(
                (from, to),
                (Planned, UnderReview)
                    | (UnderReview, Approved)
                    | (Approved, InService)
                    | (InService, Retired)
                    | (Approved, Retired)
                    | (Planned, Retired)
            );
            if !allowed {
                return Err(ActionError::Conflict("system_wrong_status"));
            }
            if to == Approved {
                // A withdrawn resource is no longer produced: it neither counts nor blocks.
                let resources: Vec<_> = store::resources_of(&mut tx, id)
                    .await?
                    .into_iter()
                    .filter(|(_, _, _, status)| status != "withdrawn")
                    .collect();
                let unpublished: Vec<String> = resources
                    .iter()
                    .filter(|(_, _, _, status)| status != "published")
                    .map(|(_, code, name, _)| format!("{name}（{code}）"))
                    .collect();
                let refusal = if resources.is_empty() {
                    Some((
                        "system_declares_no_resources",
                        "系统未登记其产生的数据资源，不能共享其数据，不予批准".to_owned(),
                        "the system declares no resources, so it cannot share its data".to_owned(),
                    ))
                } else if !unpublished.is_empty() {
                    Some((
                        "system_resources_unpublished",
                        format!("系统产生的资源尚未编目发布：{}", unpublished.join("、")),
                        format!(
                            "resources of the system are not published in the catalog: {}",
                            unpublished.join(", ")
                        ),
                    ))
                } else {
                    None
                };
                if let Some((code, zh, en)) = refusal {
                    // The refusal is kept on the system so its unit sees why (in its own
                    // transaction: the action itself is refused).
                    row.review_note = Some(zh.clone());
                    row.updated_at = now_ms();
                    store::update(&mut tx, &permit, &row).await?;
                    tx.commit().await?;
                    return Err(ActionError::invalid(
                        code,
                        FieldError::new("resource_ids", code, zh, en),
                    ));
                }
                row.review_note = None;
            }
            row.status = to.as_str().to_owned();
            row.updated_at = now_ms();
            store::update(&mut tx, &permit, &row).await?;
            let system = load(&mut tx, row).await?;
            a.commit(tx).await?;
            Ok(system)
        }
        .await,
    )
    .await
}

pub async fn submit_system(app: &App, actor: &Actor, id: &str) -> Result<InfoSystem, ActionError> {
    move_system(
        app,
        actor,
        id,
        Action::SubmitSystem,
        SystemStatus::UnderReview,
    )
    .await
}

pub async fn approve_system(app: &App, actor: &Actor, id: &str) -> Result<InfoSystem, ActionError> {
    move_system(
        app,
        actor,
        id,
        Action::ApproveSystem,
        SystemStatus::Approved,
    )
    .await
}

/// `in_service` or `retired`, by the owning unit.
pub async fn set_system_status(
    app: &App,
    actor: &Actor,
    id: &str,
    status: &str,
) -> Result<InfoSystem, ActionError> {
    match SystemStatus::parse(status) {
        Some(to @ (SystemStatus::InService | SystemStatus::Retired)) => {
            move_system(app, actor, id, Action::SetSystemStatus, to).await
        }
        _ => {
            Audited::new(app, actor, Action::SetSystemStatus)
                .with_target(Target::new("system", id))
                .finish(Err(ActionError::invalid(
                    "invalid_status",
                    FieldError::new(
                        "status",
                        "invalid_status",
                        "状态应为 in_service 或 retired",
                        "status must be in_service or retired",
                    ),
                )))
                .await
        }
    }
}

pub async fn get_system(app: &App, actor: &Actor, id: &str) -> Result<InfoSystem, ActionError> {
    let a = Audited::new(app, actor, Action::GetSystem).with_target(Target::new("system", id));
    a.finish(
        async {
            let mut tx = a.begin().await?;
            let row = store::get(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("system_not_found"))?;
            policy::view_catalog_entry(actor, a.action, &row.owner_org_id, true)?;
            let system = load(&mut tx, row).await?;
            a.commit(tx).await?;
            Ok(system)
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SystemQuery {
    pub owner_org_id: Option<String>,
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// The registry is known to all staff (systems are how data reaches the platform).
pub async fn list_systems(
    app: &App,
    actor: &Actor,
    q: SystemQuery,
) -> Result<Page<InfoSystem>, ActionError> {
    let a = Audited::new(app, actor, Action::ListSystems);
    a.finish(
        async {
            policy::search_catalog(actor, a.action)?;
            let limit = page_limit(q.limit);
            let mut tx = a.begin().await?;
            let owner = q.owner_org_id.as_deref().filter(|s| !s.is_empty());
            let status = q.status.as_deref().filter(|s| !s.is_empty());
            let rows = store::list(&mut tx, owner, status, q.cursor.as_deref(), limit + 1).await?;
            let more = rows.len() as i64 > limit;
            let mut items = Vec::new();
            for row in rows.into_iter().take(limit as usize) {
                items.push(load(&mut tx, row).await?);
            }
            a.commit(tx).await?;
            let next_cursor = if more {
                items.last().map(|s| s.id.clone())
            } else {
                None
            };
            Ok(Page { items, next_cursor })
        }
        .await,
    )
    .await
}
