//! Grants (授权): what an approval lets a unit read — the resource, the fields, those allowed
//! unmasked, the purpose, the period, a rate quota. The provider or the authority can suspend,
//! resume or revoke one with a reason; it expires by itself at the end of its period (and,
//! when made under an emergency's raised class, when the emergency ends).

use super::cache::Subject;
use super::{codes_json, parse_codes, required_text};
use crate::action::Audited;
use crate::error::FieldError;
use crate::{ActionError, App, new_id, now_ms, rfc3339};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::policy::{self, Permit};
use pubdata_core::sharing::{GrantStatus, grant_state};
use pubdata_store::Tx;
use pubdata_store::sharing::grants::{self as store, GrantFilter, GrantRow};
use pubdata_store::sharing::requests::RequestRow;
use serde::{Deserialize, Serialize};

/// The quota when neither the request nor the reply names one: calls a minute.
pub const DEFAULT_RATE_PER_MINUTE: i64 = 600;
/// The largest quota a grant may carry (100,000 calls a second).
pub const MAX_RATE_PER_MINUTE: i64 = 6_000_000;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Grant {
    pub id: String,
    pub resource_id: String,
    pub provider_org_id: String,
    pub grantee_org_id: String,
    pub grantee_system_id: Option<String>,
    pub request_id: Option<String>,
    pub fields: Vec<String>,
    /// Granted fields of grade 3 or 4 the provider allowed unmasked, with its reason.
    pub raw_fields: Vec<String>,
    pub raw_reason: Option<String>,
    pub purpose: String,
    pub starts_at: String,
    /// The end, exclusive: the start of the day after the last day of the period (or the end
    /// of the emergency it was made under).
    pub expires_at: String,
    /// The period as dates (Beijing), both inclusive.
    pub period_start: String,
    pub period_end: String,
    pub rate_per_minute: i64,
    /// `active`, `suspended`, `revoked`, or by time `expired` / `pending`.
    pub status: GrantStatus,
    pub status_label: &'static str,
    pub status_reason: Option<String>,
    pub status_by: Option<String>,
    pub status_at: Option<String>,
    pub emergency_id: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

pub(crate) fn grant_of(g: GrantRow, now: i64) -> Result<Grant, ActionError> {
    let stored = GrantStatus::parse(&g.status)
        .ok_or_else(|| ActionError::Unexpected(format!("grant status {:?}", g.status)))?;
    let status = grant_state(stored, g.starts_at, g.expires_at, now);
    Ok(Grant {
        fields: parse_codes(&g.fields)?,
        raw_fields: parse_codes(&g.raw_fields)?,
        status,
        status_label: status.label_zh(),
        id: g.id,
        resource_id: g.resource_id,
        provider_org_id: g.provider_org_id,
        grantee_org_id: g.grantee_org_id,
        grantee_system_id: g.grantee_system_id,
        request_id: g.request_id,
        raw_reason: g.raw_reason,
        purpose: g.purpose,
        starts_at: rfc3339(g.starts_at),
        expires_at: rfc3339(g.expires_at),
        period_start: crate::local_date(g.starts_at).to_string(),
        period_end: crate::local_date(g.expires_at - 1).to_string(),
        rate_per_minute: g.rate_per_minute,
        status_reason: g.status_reason,
        status_by: g.status_by,
        status_at: g.status_at.map(rfc3339),
        emergency_id: g.emergency_id,
        created_by: g.created_by,
        created_at: rfc3339(g.created_at),
    })
}

/// What an approval turns into a grant.
pub(crate) struct GrantInput<'a> {
    pub request: &'a RequestRow,
    pub fields: Vec<String>,
    pub raw_fields: &'a [String],
    /// Why the raw fields may be read unmasked (required when there are any).
    pub raw_reason: &'a str,
    pub rate_per_minute: Option<i64>,
    pub emergency_id: Option<String>,
    pub created_by: &'a str,
}

fn invalid(field: &str, code: &'static str, zh: String, en: String) -> ActionError {
    ActionError::invalid(code, FieldError::new(field, code, zh, en))
}

/// Makes the grant of an approved request, in the approving action's transaction. A grant
/// made under an emergency's raised class ends with the emergency at the latest.
pub(crate) async fn create_grant(
    tx: &mut Tx,
    permit: &Permit,
    subject: &Subject,
    g: GrantInput<'_>,
) -> Result<Grant, ActionError> {
    let raw = super::check_codes(&subject.doc, "raw_fields", g.raw_fields, true)?;
    if let Some(c) = raw.iter().find(|c| !g.fields.contains(c)) {
        return Err(invalid(
            "raw_fields",
            "raw_field_not_granted",
            format!("信息项 {c} 不在申请的信息项中"),
            format!("field {c} is not among the requested fields"),
        ));
    }
    if !raw.is_empty() && g.raw_reason.is_empty() {
        return Err(invalid(
            "reason",
            "raw_reason_required",
            "允许不脱敏提供的，须说明理由".into(),
            "fields allowed unmasked need a reason".into(),
        ));
    }
    let rate = g.rate_per_minute.unwrap_or(DEFAULT_RATE_PER_MINUTE);
    if !(1..=MAX_RATE_PER_MINUTE).contains(&rate) {
        return Err(invalid(
            "rate_per_minute",
            "invalid_rate",
            "每分钟调用次数应在1至6000000之间".into(),
            "rate_per_minute must be 1 to 6000000".into(),
        ));
    }
    let (starts_at, mut expires_at) = super::requests::period_ms(g.request)?;
    if let Some(e) = &g.emergency_id
        && let Some(em) = pubdata_store::sharing::emergencies::get(tx, e).await?
    {
        expires_at = expires_at.min(em.end());
    }
    let now = now_ms();
    let row = GrantRow {
        id: new_id(),
        resource_id: subject.id.clone(),
        provider_org_id: subject.provider_org_id.clone(),
        grantee_org_id: g.request.requester_org_id.clone(),
        grantee_system_id: g.request.requester_system_id.clone(),
        request_id: Some(g.request.id.clone()),
        fields: codes_json(&g.fields),
        raw_fields: codes_json(&raw),
        raw_reason: Some(g.raw_reason.to_owned()).filter(|_| !raw.is_empty()),
        purpose: g.request.purpose.clone(),
        starts_at,
        expires_at,
        rate_per_minute: rate,
        status: GrantStatus::Active.as_str().to_owned(),
        status_reason: None,
        status_by: None,
        status_at: None,
        emergency_id: g.emergency_id,
        created_by: g.created_by.to_owned(),
        created_at: now,
    };
    store::insert(tx, permit, &row).await?;
    grant_of(row, now)
}

/// A page of grants, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct GrantPage {
    pub items: Vec<Grant>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GrantQuery {
    pub resource_id: Option<String>,
    /// Grants a unit holds or gave; default the caller's own unit (all, for the authority and
    /// auditors).
    pub org_id: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Lists grants per resource and per unit.
pub async fn list_grants(
    app: &App,
    actor: &Actor,
    q: GrantQuery,
) -> Result<GrantPage, ActionError> {
    let a = Audited::new(app, actor, Action::ListGrants);
    a.finish(
        async {
            let org = match q.org_id.as_deref().filter(|s| !s.is_empty()) {
                Some(o) => Some(o.to_owned()),
                None if policy::sees_whole_catalog(actor) => None,
                None => actor.org_id().map(str::to_owned),
            };
            policy::view_sharing(actor, a.action, org.as_deref())?;
            let limit = q.limit.unwrap_or(50).clamp(1, 1000);
            let mut tx = app.db().begin_read().await?;
            let rows = store::list(
                &mut tx,
                &GrantFilter {
                    resource_id: q.resource_id.as_deref().filter(|s| !s.is_empty()),
                    org_id: org.as_deref(),
                    before: q.cursor.as_deref(),
                },
                limit + 1,
            )
            .await?;
            a.record_read(tx).await?;
            let more = rows.len() > limit as usize;
            let now = now_ms();
            let items = rows
                .into_iter()
                .take(limit as usize)
                .map(|g| grant_of(g, now))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(GrantPage {
                next_cursor: if more {
                    items.last().map(|g| g.id.clone())
                } else {
                    None
                },
                items,
            })
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantChange {
    pub reason: String,
}

/// Suspends (`suspended`), resumes (`active`) or revokes (`revoked`, final) a grant: its
/// provider or the authority, with a reason. Takes effect on the next call.
pub async fn set_grant_status(
    app: &App,
    actor: &Actor,
    id: &str,
    to: GrantStatus,
    input: GrantChange,
) -> Result<Grant, ActionError> {
    let action = match to {
        GrantStatus::Suspended => Action::SuspendGrant,
        GrantStatus::Active => Action::ResumeGrant,
        _ => Action::RevokeGrant,
    };
    let a = Audited::new(app, actor, action).with_target(Target::new("grant", id));
    a.finish(
        async {
            let reason = required_text("reason", &input.reason, 2000, ("理由", "reason"))?;
            let mut tx = a.begin().await?;
            let g = store::get(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("grant_not_found"))?;
            let permit = policy::answer_as_provider(actor, a.action, &g.provider_org_id)?;
            if g.status == GrantStatus::Revoked.as_str() {
                return Err(ActionError::Conflict("grant_revoked"));
            }
            if to == GrantStatus::Active && g.status != GrantStatus::Suspended.as_str() {
                return Err(ActionError::Conflict("grant_not_suspended"));
            }
            let now = now_ms();
            let by = actor.username().unwrap_or("operator");
            store::set_status(&mut tx, &permit, id, to.as_str(), &reason, by, now).await?;
            let g = store::get(&mut tx, id).await?.expect("just updated");
            a.commit(tx).await?;
            grant_of(g, now)
        }
        .await,
    )
    .await
}
