//! Objections (异议 / 纠错 / 复核, Anhui): a reader flags a record as wrong, with the reason and
//! evidence. The record is marked disputed for every reader until the provider answers: it
//! checks within `objection_check` working days (`objection_complex` when it marks the case
//! complex, with the reason), then either corrects the record — a new version through
//! aggregation, which the answer verifies — or confirms it with an explanation. The mark goes,
//! and the person who flagged it sees the answer.

use super::required_text;
use crate::action::Audited;
use crate::error::FieldError;
use crate::{ActionError, App, new_id, now_ms, rfc3339};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::policy::{self, GrantCheck, ShareCheck};
use pubdata_core::sharing::{
    OBJECTION_COMPLEX_RULE, OBJECTION_RULE, ObjectionOutcome, ObjectionStatus, grant_state,
};
use pubdata_store::sharing::objections::{self as store, ObjectionFilter, ObjectionRow};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionInput {
    pub resource_id: String,
    pub key: String,
    pub reason: String,
    /// What shows the record is wrong (a document number, a description, a link).
    #[serde(default)]
    pub evidence: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Objection {
    pub id: String,
    pub resource_id: String,
    pub provider_org_id: String,
    pub key: String,
    pub reason: String,
    pub evidence: String,
    pub filed_by: String,
    pub filer_org_id: Option<String>,
    pub status: ObjectionStatus,
    pub status_label: &'static str,
    pub filed_on: String,
    pub due_date: String,
    pub rule_days: i64,
    pub rule_source: String,
    /// Open and past its due date.
    pub overdue: bool,
    pub complex_reason: Option<String>,
    pub outcome: Option<ObjectionOutcome>,
    pub explanation: Option<String>,
    /// The batch whose new version corrected the record.
    pub batch_id: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
    pub created_at: String,
}

fn objection_of(o: ObjectionRow) -> Objection {
    let status = ObjectionStatus::parse(&o.status).unwrap_or(ObjectionStatus::Open);
    let today = crate::today().to_string();
    Objection {
        overdue: status == ObjectionStatus::Open && o.due_date.as_str() < today.as_str(),
        status,
        status_label: status.label_zh(),
        outcome: o.outcome.as_deref().and_then(ObjectionOutcome::parse),
        id: o.id,
        resource_id: o.resource_id,
        provider_org_id: o.provider_org_id,
        key: o.record_key,
        reason: o.reason,
        evidence: o.evidence,
        filed_by: o.filed_by,
        filer_org_id: o.filer_org_id,
        filed_on: o.filed_on,
        due_date: o.due_date,
        rule_days: o.rule_days,
        rule_source: o.rule_source,
        complex_reason: o.complex_reason,
        explanation: o.explanation,
        batch_id: o.batch_id,
        answered_by: o.answered_by,
        answered_at: o.answered_at.map(rfc3339),
        created_at: rfc3339(o.created_at),
    }
}

fn invalid(field: &str, code: &'static str, zh: String, en: String) -> ActionError {
    ActionError::invalid(code, FieldError::new(field, code, zh, en))
}

/// Whether `actor` may read the resource at all (its own, unconditional now, or under a live
/// grant): only a reader can object to a record.
async fn may_read(app: &App, actor: &Actor, resource_id: &str) -> Result<(), ActionError> {
    let subject = super::cache::subject(app, resource_id).await?;
    if actor.org_id() == Some(subject.provider_org_id.as_str()) || policy::sees_whole_catalog(actor)
    {
        return Ok(());
    }
    let now = now_ms();
    let raises = super::cache::live_raises(app).await?;
    let (class, raised_by) = super::cache::class_now(&subject, &raises, now);
    let grants = match actor.org_id() {
        Some(org) => super::cache::grants_of(app, resource_id, org).await?,
        None => Default::default(),
    };
    let grant = grants.first().map(|g| GrantCheck {
        id: &g.row.id,
        state: grant_state(g.stored, g.row.starts_at, g.row.expires_at, now),
        fields: &g.fields,
        raw_fields: &g.raw_fields,
        emergency: g
            .row
            .emergency_id
            .as_deref()
            .map(|e| (e, super::cache::emergency_in_force(&raises, e, now))),
    });
    let reader = actor.clone().with_purpose(Some("数据异议".into()));
    policy::read_shared(
        &reader,
        Action::FileObjection,
        &ShareCheck {
            provider_org: &subject.provider_org_id,
            class,
            raised_by: raised_by.as_deref(),
            grant,
        },
    )?;
    Ok(())
}

/// Flags a record as wrong.
pub async fn file_objection(
    app: &App,
    actor: &Actor,
    input: ObjectionInput,
) -> Result<Objection, ActionError> {
    let a = Audited::new(app, actor, Action::FileObjection).with_target(Target::new(
        "record",
        format!("{}/{}", input.resource_id.trim(), input.key.trim()),
    ));
    a.finish(
        async {
            let permit = policy::object_to_record(actor, a.action)?;
            let mut p = crate::error::Problems::default();
            let reason = p.text(
                "reason",
                "invalid_reason",
                &input.reason,
                2000,
                ("异议理由", "reason"),
            );
            let key = p.text("key", "invalid_key", &input.key, 500, ("记录主键", "key"));
            p.finish()?;
            let evidence = input.evidence.trim();
            if evidence.chars().count() > 4000 {
                return Err(invalid(
                    "evidence",
                    "invalid_evidence",
                    "证明材料说明不超过4000字".into(),
                    "evidence must be at most 4000 characters".into(),
                ));
            }
            let resource_id = input.resource_id.trim();
            may_read(app, actor, resource_id).await?;
            let subject = super::cache::subject(app, resource_id).await?;
            let mut tx = a.begin().await?;
            let table = subject
                .table
                .as_ref()
                .ok_or(ActionError::NotFound("record_not_found"))?;
            pubdata_store::aggregation::records::get(&mut tx, table, key)
                .await?
                .ok_or(ActionError::NotFound("record_not_found"))?;
            let row = new_objection_row(
                &mut tx,
                actor,
                resource_id,
                &subject.provider_org_id,
                key,
                reason,
                evidence,
            )
            .await?;
            store::insert(&mut tx, &permit, &row).await?;
            a.set_target(Target::new("objection", &row.id));
            a.commit(tx).await?;
            Ok(objection_of(row))
        }
        .await,
    )
    .await
}

/// A new objection to a record, open and due under `OBJECTION_RULE` counted from today: what
/// `file_objection` inserts, and what an error report from the open portal becomes
/// (`opening::feedback`, whose filer may be anonymous).
pub(crate) async fn new_objection_row(
    tx: &mut pubdata_store::Tx,
    filer: &Actor,
    resource_id: &str,
    provider_org_id: &str,
    key: &str,
    reason: &str,
    evidence: &str,
) -> Result<ObjectionRow, ActionError> {
    let today = crate::today();
    let (due, rule) = crate::calendar::due_by_rule(tx, OBJECTION_RULE, today).await?;
    let filed_by = filer.username().unwrap_or(if filer.is_local_authority() {
        "operator"
    } else {
        "anonymous"
    });
    Ok(ObjectionRow {
        id: new_id(),
        resource_id: resource_id.to_owned(),
        provider_org_id: provider_org_id.to_owned(),
        record_key: key.to_owned(),
        reason: reason.to_owned(),
        evidence: evidence.to_owned(),
        filed_by: filed_by.to_owned(),
        filed_by_user_id: filer.user_id().map(str::to_owned),
        filer_org_id: filer.org_id().map(str::to_owned),
        status: ObjectionStatus::Open.as_str().to_owned(),
        filed_on: today.to_string(),
        due_date: due.to_string(),
        rule_key: rule.key,
        rule_days: rule.days,
        rule_source: rule.legal_source,
        complex_reason: None,
        outcome: None,
        explanation: None,
        batch_id: None,
        answered_by: None,
        answered_at: None,
        created_at: now_ms(),
    })
}

async fn load_as_provider(
    a: &Audited<'_>,
    tx: &mut pubdata_store::Tx,
    id: &str,
) -> Result<(ObjectionRow, policy::Permit), ActionError> {
    let o = store::get(tx, id)
        .await?
        .ok_or(ActionError::NotFound("objection_not_found"))?;
    let permit = policy::answer_as_provider(a.actor, a.action, &o.provider_org_id)?;
    if o.status != ObjectionStatus::Open.as_str() {
        return Err(ActionError::Conflict("objection_answered"));
    }
    Ok((o, permit))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplexInput {
    pub reason: String,
}

/// The provider marks an open objection complex: its due date moves to the longer rule,
/// counted from the day it was filed.
pub async fn mark_objection_complex(
    app: &App,
    actor: &Actor,
    id: &str,
    input: ComplexInput,
) -> Result<Objection, ActionError> {
    let a = Audited::new(app, actor, Action::MarkObjectionComplex)
        .with_target(Target::new("objection", id));
    a.finish(
        async {
            let reason =
                required_text("reason", &input.reason, 2000, ("情况复杂的理由", "reason"))?;
            let mut tx = a.begin().await?;
            let (o, permit) = load_as_provider(&a, &mut tx, id).await?;
            let filed = crate::calendar::parse_date("filed_on", &o.filed_on)?;
            let (due, rule) =
                crate::calendar::due_by_rule(&mut tx, OBJECTION_COMPLEX_RULE, filed).await?;
            if !store::mark_complex(
                &mut tx,
                &permit,
                id,
                &reason,
                &due.to_string(),
                &rule.key,
                rule.days,
                &rule.legal_source,
            )
            .await?
            {
                return Err(ActionError::Conflict("objection_already_complex"));
            }
            let o = store::get(&mut tx, id).await?.expect("just updated");
            a.commit(tx).await?;
            Ok(objection_of(o))
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// `corrected` or `confirmed`.
    pub outcome: String,
    pub explanation: String,
}

/// The provider's answer. `corrected` needs a new version of the record, written through
/// aggregation after the objection was filed; `confirmed` keeps it, with the explanation.
pub async fn answer_objection(
    app: &App,
    actor: &Actor,
    id: &str,
    input: AnswerInput,
) -> Result<Objection, ActionError> {
    let a =
        Audited::new(app, actor, Action::AnswerObjection).with_target(Target::new("objection", id));
    a.finish(
        async {
            let outcome = ObjectionOutcome::parse(input.outcome.trim()).ok_or_else(|| {
                invalid(
                    "outcome",
                    "invalid_outcome",
                    "答复结论应为 corrected 或 confirmed".into(),
                    "outcome must be corrected or confirmed".into(),
                )
            })?;
            let explanation = required_text(
                "explanation",
                &input.explanation,
                4000,
                ("答复说明", "explanation"),
            )?;
            let mut tx = a.begin().await?;
            let (o, permit) = load_as_provider(&a, &mut tx, id).await?;
            let batch = if outcome == ObjectionOutcome::Corrected {
                let table =
                    pubdata_store::aggregation::records::get_table(&mut tx, &o.resource_id).await?;
                let current = match &table {
                    Some(t) => {
                        pubdata_store::aggregation::records::get(&mut tx, t, &o.record_key).await?
                    }
                    None => None,
                };
                match current {
                    Some(v) if v.valid_from > o.created_at => Some(v.batch_id),
                    _ => return Err(ActionError::Conflict("record_not_corrected")),
                }
            } else {
                None
            };
            let by = actor.username().unwrap_or("operator");
            if !store::answer(
                &mut tx,
                &permit,
                id,
                outcome.as_str(),
                &explanation,
                batch.as_deref(),
                by,
                now_ms(),
            )
            .await?
            {
                return Err(ActionError::Conflict("objection_answered"));
            }
            let o = store::get(&mut tx, id).await?.expect("just updated");
            a.commit(tx).await?;
            Ok(objection_of(o))
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ObjectionQuery {
    /// `provider` (objections to the caller's unit's data, the default for stewards and
    /// members), `mine` (those the caller filed), or `all` (the authority and auditors).
    pub view: Option<String>,
    pub resource_id: Option<String>,
    pub key: Option<String>,
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectionPage {
    pub items: Vec<Objection>,
    pub next_cursor: Option<String>,
}

/// Lists objections: to the caller's unit's data, filed by the caller, or all.
pub async fn list_objections(
    app: &App,
    actor: &Actor,
    q: ObjectionQuery,
) -> Result<ObjectionPage, ActionError> {
    let a = Audited::new(app, actor, Action::ListObjections);
    a.finish(
        async {
            let view = q
                .view
                .as_deref()
                .unwrap_or(if policy::sees_whole_catalog(actor) {
                    "all"
                } else {
                    "provider"
                });
            let (provider, filer) = match view {
                "mine" => {
                    policy::own_account(actor, a.action, false)?;
                    (None, actor.user_id().map(str::to_owned))
                }
                "provider" => {
                    let org = actor
                        .org_id()
                        .ok_or(ActionError::Forbidden("role_required"))?;
                    policy::view_sharing(actor, a.action, Some(org))?;
                    (Some(org.to_owned()), None)
                }
                "all" => {
                    policy::view_sharing(actor, a.action, None)?;
                    (None, None)
                }
                _ => {
                    return Err(invalid(
                        "view",
                        "invalid_view",
                        "view 应为 provider、mine 或 all".into(),
                        "view must be provider, mine or all".into(),
                    ));
                }
            };
            let limit = q.limit.unwrap_or(50).clamp(1, 1000);
            let mut tx = app.db().begin_read().await?;
            let rows = store::list(
                &mut tx,
                &ObjectionFilter {
                    provider_org_id: provider.as_deref(),
                    filed_by_user_id: filer.as_deref(),
                    resource_id: q.resource_id.as_deref().filter(|s| !s.is_empty()),
                    record_key: q.key.as_deref().filter(|s| !s.is_empty()),
                    status: q.status.as_deref().filter(|s| !s.is_empty()),
                    before: q.cursor.as_deref(),
                },
                limit + 1,
            )
            .await?;
            a.record_read(tx).await?;
            let more = rows.len() > limit as usize;
            let items: Vec<Objection> = rows
                .into_iter()
                .take(limit as usize)
                .map(objection_of)
                .collect();
            Ok(ObjectionPage {
                next_cursor: if more {
                    items.last().map(|o| o.id.clone())
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
