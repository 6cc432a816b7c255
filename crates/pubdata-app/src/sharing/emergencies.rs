//! Emergency reclassification (突发事件临时调整, Jinan): the authority declares a public
//! emergency — its name, legal basis, who ordered it, its span — and raises the share class of
//! named resources one step (`not_shared` → `conditional`, `conditional` → `unconditional`).
//! Decisions follow the raised classes while it is in force; when it ends (by its end time or
//! by hand) everything reverts by itself, because the raise is read against the clock at every
//! decision. Reads made under it name it in their audit entries; grants made under it end
//! with it.

use super::required_text;
use crate::action::Audited;
use crate::error::FieldError;
use crate::{ActionError, App, new_id, now_ms, rfc3339};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::ShareAttr;
use pubdata_core::policy;
use pubdata_core::sharing::raise_allowed;
use pubdata_store::sharing::emergencies::{self as store, EmergencyRow, RaiseRow};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaiseInput {
    pub resource_id: String,
    pub share_attr: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyInput {
    pub name: String,
    pub legal_basis: String,
    pub ordered_by: String,
    /// RFC 3339; default now.
    #[serde(default)]
    pub starts_at: Option<String>,
    /// RFC 3339.
    pub ends_at: String,
    pub raises: Vec<RaiseInput>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Raised {
    pub resource_id: String,
    pub resource_name: String,
    /// The catalog's class when declared.
    pub from: ShareAttr,
    pub share_attr: ShareAttr,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Emergency {
    pub id: String,
    pub name: String,
    pub legal_basis: String,
    pub ordered_by: String,
    pub starts_at: String,
    pub ends_at: String,
    pub ended_at: Option<String>,
    pub ended_by: Option<String>,
    pub end_reason: Option<String>,
    /// `scheduled`, `in_force` or `ended`, at the time of reading.
    pub state: &'static str,
    pub raises: Vec<Raised>,
    pub declared_by: String,
    pub created_at: String,
}

fn state(e: &EmergencyRow, now: i64) -> &'static str {
    if now < e.starts_at {
        "scheduled"
    } else if now < e.end() {
        "in_force"
    } else {
        "ended"
    }
}

fn emergency_of(e: EmergencyRow, raises: Vec<Raised>, now: i64) -> Emergency {
    Emergency {
        state: state(&e, now),
        id: e.id,
        name: e.name,
        legal_basis: e.legal_basis,
        ordered_by: e.ordered_by,
        starts_at: rfc3339(e.starts_at),
        ends_at: rfc3339(e.ends_at),
        ended_at: e.ended_at.map(rfc3339),
        ended_by: e.ended_by,
        end_reason: e.end_reason,
        raises,
        declared_by: e.declared_by,
        created_at: rfc3339(e.created_at),
    }
}

fn invalid(field: &str, code: &'static str, zh: String, en: String) -> ActionError {
    ActionError::invalid(code, FieldError::new(field, code, zh, en))
}

fn parse_time(field: &str, text: &str) -> Result<i64, ActionError> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            invalid(
                field,
                "invalid_time",
                format!("{field} 须为 RFC 3339 时间，如 2026-12-01T08:00:00+08:00"),
                format!("{field} must be an RFC 3339 time, e.g. 2026-12-01T08:00:00+08:00"),
            )
        })
}

async fn raised_of(
    app: &App,
    tx: &mut pubdata_store::Tx,
    e: &str,
) -> Result<Vec<Raised>, ActionError> {
    let _ = app;
    let mut out = Vec::new();
    for r in store::raises_of(tx, e).await? {
        let name = pubdata_store::catalog::resources::get(tx, &r.resource_id)
            .await?
            .map(|r| r.name)
            .unwrap_or_default();
        out.push(Raised {
            from: ShareAttr::parse(&r.from_attr).unwrap_or(ShareAttr::NotShared),
            share_attr: ShareAttr::parse(&r.share_attr).unwrap_or(ShareAttr::Conditional),
            resource_id: r.resource_id,
            resource_name: name,
        });
    }
    Ok(out)
}

/// Declares an emergency and the classes it raises.
pub async fn declare_emergency(
    app: &App,
    actor: &Actor,
    input: EmergencyInput,
) -> Result<Emergency, ActionError> {
    let a = Audited::new(app, actor, Action::DeclareEmergency);
    a.finish(
        async {
            let permit = policy::coordinate_sharing(actor, a.action)?;
            let mut p = crate::error::Problems::default();
            let name = p.text("name", "invalid_name", &input.name, 200, ("事件名称", "name"));
            let basis = p.text(
                "legal_basis",
                "invalid_legal_basis",
                &input.legal_basis,
                1000,
                ("法律依据", "legal basis"),
            );
            let ordered = p.text(
                "ordered_by",
                "invalid_ordered_by",
                &input.ordered_by,
                200,
                ("决定机关", "ordered by"),
            );
            p.finish()?;
            let now = now_ms();
            let starts_at = match input.starts_at.as_deref().filter(|s| !s.trim().is_empty()) {
                Some(s) => parse_time("starts_at", s)?,
                None => now,
            };
            let ends_at = parse_time("ends_at", &input.ends_at)?;
            if ends_at <= starts_at || ends_at <= now {
                return Err(invalid(
                    "ends_at",
                    "invalid_period",
                    "结束时间须晚于开始时间和当前时间".into(),
                    "ends_at must be after starts_at and after now".into(),
                ));
            }
            if input.raises.is_empty() {
                return Err(invalid(
                    "raises",
                    "raises_required",
                    "请至少列出一项调整的资源".into(),
                    "name at least one resource to raise".into(),
                ));
            }
            let id = new_id();
            let mut tx = a.begin().await?;
            let mut rows = Vec::new();
            for (i, r) in input.raises.iter().enumerate() {
                let field = format!("raises[{i}]");
                let res = pubdata_store::catalog::resources::get(&mut tx, r.resource_id.trim())
                    .await?
                    .filter(|r| r.status == "published")
                    .ok_or_else(|| {
                        invalid(
                            &field,
                            "resource_not_found",
                            format!("没有已发布的资源 {}", r.resource_id),
                            format!("no published resource {}", r.resource_id),
                        )
                    })?;
                let from = ShareAttr::parse(&res.share_attr).unwrap_or(ShareAttr::NotShared);
                let to = ShareAttr::parse(&r.share_attr).ok_or_else(|| {
                    invalid(
                        &field,
                        "invalid_share_attr",
                        format!("share_attr 应为：{}", ShareAttr::names()),
                        format!("share_attr must be one of {}", ShareAttr::names()),
                    )
                })?;
                if !raise_allowed(from, to) {
                    return Err(invalid(
                        &field,
                        "raise_not_allowed",
                        format!(
                            "{}只能由“{}”上调一级（不予共享→有条件共享，有条件共享→无条件共享）",
                            res.name,
                            from.label_zh()
                        ),
                        format!(
                            "{} can only be raised one step from {from} (not_shared → conditional, conditional → unconditional)",
                            res.code
                        ),
                    ));
                }
                if rows.iter().any(|x: &RaiseRow| x.resource_id == res.id) {
                    return Err(invalid(
                        &field,
                        "duplicate_resource",
                        "同一资源重复列出".into(),
                        "a resource is listed twice".into(),
                    ));
                }
                rows.push(RaiseRow {
                    emergency_id: id.clone(),
                    resource_id: res.id,
                    from_attr: from.as_str().to_owned(),
                    share_attr: to.as_str().to_owned(),
                });
            }
            let row = EmergencyRow {
                id: id.clone(),
                name: name.to_owned(),
                legal_basis: basis.to_owned(),
                ordered_by: ordered.to_owned(),
                starts_at,
                ends_at,
                ended_at: None,
                ended_by: None,
                end_reason: None,
                declared_by: actor.username().unwrap_or("operator").to_owned(),
                created_at: now,
            };
            store::insert(&mut tx, &permit, &row, &rows).await?;
            let raised = raised_of(app, &mut tx, &id).await?;
            a.set_target(Target::new("emergency", &id));
            a.commit(tx).await?;
            Ok(emergency_of(row, raised, now))
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndInput {
    #[serde(default)]
    pub reason: String,
}

/// Ends an emergency now; the raised classes revert at once.
pub async fn end_emergency(
    app: &App,
    actor: &Actor,
    id: &str,
    input: EndInput,
) -> Result<Emergency, ActionError> {
    let a =
        Audited::new(app, actor, Action::EndEmergency).with_target(Target::new("emergency", id));
    a.finish(
        async {
            let permit = policy::coordinate_sharing(actor, a.action)?;
            let reason = required_text("reason", &input.reason, 1000, ("结束理由", "reason"))?;
            let mut tx = a.begin().await?;
            store::get(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("emergency_not_found"))?;
            let now = now_ms();
            let by = actor.username().unwrap_or("operator");
            if !store::end(&mut tx, &permit, id, by, &reason, now).await? {
                return Err(ActionError::Conflict("emergency_ended"));
            }
            let row = store::get(&mut tx, id).await?.expect("just updated");
            let raised = raised_of(app, &mut tx, id).await?;
            a.commit(tx).await?;
            Ok(emergency_of(row, raised, now))
        }
        .await,
    )
    .await
}

/// The class a resource is shared under now, given its catalog class, and the emergency that
/// raised it if one did. Read from the same cache the decisions use; not an action of its own
/// (the page that shows it is).
pub async fn class_in_force(
    app: &App,
    resource_id: &str,
    catalog_class: ShareAttr,
) -> Result<(ShareAttr, Option<String>), ActionError> {
    let raises = super::cache::live_raises(app).await?;
    let (class, by) = pubdata_core::sharing::class_in_force(
        catalog_class,
        raises
            .iter()
            .filter(|(r, _)| r == resource_id)
            .map(|(_, raise)| raise),
        now_ms(),
    );
    Ok((class, by.map(str::to_owned)))
}

/// Every emergency, newest first, with what it raises and whether it is in force now. Any
/// member of staff may see them: they change what everyone may read.
pub async fn list_emergencies(app: &App, actor: &Actor) -> Result<Vec<Emergency>, ActionError> {
    let a = Audited::new(app, actor, Action::ListEmergencies);
    a.finish(
        async {
            policy::search_catalog(actor, a.action)?;
            let mut tx = app.db().begin_read().await?;
            let now = now_ms();
            let mut out = Vec::new();
            for e in store::list(&mut tx, 500).await? {
                let raised = raised_of(app, &mut tx, &e.id).await?;
                out.push(emergency_of(e, raised, now));
            }
            a.record_read(tx).await?;
            Ok(out)
        }
        .await,
    )
    .await
}
