//! Share requests (共享申请): a unit asks for another's data, stating the fields, purpose,
//! scenario and the duty it serves, for a period, accepting the security commitment. Then:
//!
//! 1. the authority's conformity check (`share_conformity`, 2 working days);
//! 2. the provider's reply (`share_reply_on_platform` 5 / `share_reply_off_platform` 10);
//!    a refusal gives its reasons and legal basis; an approval creates the [`Grant`];
//! 3. on refusal the requester may dispute; the authority coordinates and decides
//!    (`share_coordination`).
//!
//! Each step opens with its due date on the working-day calendar under its rule (days and legal
//! source copied in), waits on one unit (or the authority), and is closed with its decision.
//! The class in force is checked again at every step: a request for data raised by an
//! emergency that has since ended is refused at the next step with `not_shared`.
//!
//! [`Grant`]: super::grants::Grant

use super::grants::{Grant, GrantInput, MAX_RATE_PER_MINUTE, create_grant};
use super::{check_codes, codes_json, day_start_ms, parse_codes, required_text};
use crate::action::Audited;
use crate::error::FieldError;
use crate::{ActionError, App, new_id, now_ms, rfc3339};
use chrono::NaiveDate;
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::ShareAttr;
use pubdata_core::policy::{self, Permit};
use pubdata_core::sharing::{RequestStatus, StepKind};
use pubdata_store::Tx;
use pubdata_store::sharing::requests::{self as store, RequestFilter, RequestRow, StepRow};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareRequestInput {
    pub resource_id: String,
    pub fields: Vec<String>,
    pub purpose: String,
    #[serde(default)]
    pub scenario: String,
    #[serde(default)]
    pub duty_basis: String,
    /// `YYYY-MM-DD`, inclusive.
    pub period_start: String,
    pub period_end: String,
    #[serde(default)]
    pub commitment_accepted: bool,
    /// The requesting unit's information system that will read the data (optional).
    #[serde(default)]
    pub system_id: Option<String>,
    /// Calls a minute the system needs (the grant's quota; default 600).
    #[serde(default)]
    pub rate_per_minute: Option<i64>,
}

/// One step as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Step {
    pub step: StepKind,
    pub step_label: &'static str,
    /// The unit the step waits on; None: the data authority.
    pub actor_org_id: Option<String>,
    pub opened_on: String,
    pub due_date: String,
    pub rule_key: String,
    pub rule_days: i64,
    pub rule_source: String,
    /// Why the step opened (a dispute's reason).
    pub opened_reason: Option<String>,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
    pub decision: Option<String>,
    pub reason: Option<String>,
    pub legal_basis: Option<String>,
    /// Open and past its due date (Beijing time): escalated to the authority.
    pub overdue: bool,
}

impl Step {
    fn from_row(s: StepRow, today: &str) -> Step {
        let step = StepKind::parse(&s.step).unwrap_or(StepKind::Coordination);
        Step {
            step,
            step_label: step.label_zh(),
            overdue: s.done_at.is_none() && s.due_date.as_str() < today,
            actor_org_id: s.actor_org_id,
            opened_on: s.opened_on,
            due_date: s.due_date,
            rule_key: s.rule_key,
            rule_days: s.rule_days,
            rule_source: s.rule_source,
            opened_reason: s.opened_reason,
            done_at: s.done_at.map(rfc3339),
            done_by: s.done_by,
            decision: s.decision,
            reason: s.reason,
            legal_basis: s.legal_basis,
        }
    }
}

/// A share request with its steps.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ShareRequest {
    pub id: String,
    pub resource_id: String,
    pub resource_name: String,
    pub provider_org_id: String,
    pub requester_org_id: String,
    pub system_id: Option<String>,
    pub requested_by: String,
    pub fields: Vec<String>,
    pub purpose: String,
    pub scenario: String,
    pub duty_basis: String,
    pub period_start: String,
    pub period_end: String,
    pub commitment_accepted_at: String,
    pub rate_per_minute: Option<i64>,
    pub status: RequestStatus,
    pub status_label: &'static str,
    pub on_platform: bool,
    /// The emergency whose raised class the request was filed under.
    pub emergency_id: Option<String>,
    pub grant_id: Option<String>,
    pub steps: Vec<Step>,
    pub created_at: String,
    pub updated_at: String,
}

fn today() -> String {
    crate::today().to_string()
}

pub(crate) fn request_of(
    r: RequestRow,
    steps: Vec<StepRow>,
    resource_name: String,
) -> Result<ShareRequest, ActionError> {
    let today = today();
    let status = RequestStatus::parse(&r.status)
        .ok_or_else(|| ActionError::Unexpected(format!("request status {:?}", r.status)))?;
    Ok(ShareRequest {
        fields: parse_codes(&r.fields)?,
        steps: steps
            .into_iter()
            .map(|s| Step::from_row(s, &today))
            .collect(),
        id: r.id,
        resource_id: r.resource_id,
        resource_name,
        provider_org_id: r.provider_org_id,
        requester_org_id: r.requester_org_id,
        system_id: r.requester_system_id,
        requested_by: r.requested_by,
        purpose: r.purpose,
        scenario: r.scenario,
        duty_basis: r.duty_basis,
        period_start: r.period_start,
        period_end: r.period_end,
        commitment_accepted_at: rfc3339(r.commitment_at),
        rate_per_minute: r.rate_per_minute,
        status,
        status_label: status.label_zh(),
        on_platform: r.on_platform,
        emergency_id: r.emergency_id,
        grant_id: r.grant_id,
        created_at: rfc3339(r.created_at),
        updated_at: rfc3339(r.updated_at),
    })
}

fn parse_day(field: &str, text: &str) -> Result<NaiveDate, ActionError> {
    crate::calendar::parse_date(field, text)
}

fn invalid(field: &str, code: &'static str, zh: String, en: String) -> ActionError {
    ActionError::invalid(code, FieldError::new(field, code, zh, en))
}

/// The class a resource is shared under now, and the emergency that raised it.
async fn class_now(
    app: &App,
    resource_id: &str,
) -> Result<
    (
        std::sync::Arc<super::cache::Subject>,
        ShareAttr,
        Option<String>,
    ),
    ActionError,
> {
    let subject = super::cache::subject(app, resource_id).await?;
    let raises = super::cache::live_raises(app).await?;
    let (class, by) = super::cache::class_now(&subject, &raises, now_ms());
    Ok((subject, class, by))
}

fn not_shared_error(doc: &pubdata_core::catalog::ResourceDoc) -> ActionError {
    let basis = if doc.share_legal_basis.is_empty() {
        "（目录未载明）".to_owned()
    } else {
        doc.share_legal_basis.clone()
    };
    invalid(
        "resource_id",
        "not_shared",
        format!("该资源不予共享，不能申请。依据：{basis}"),
        format!("this resource is not shared and cannot be requested. Legal basis: {basis}"),
    )
}

/// A step to open: which, of which request, waiting on whom.
struct StepOpening<'a> {
    request_id: &'a str,
    seq: i64,
    kind: StepKind,
    /// None: the authority.
    actor_org_id: Option<&'a str>,
    on_platform: bool,
    /// Why it opens, when someone said so (a dispute's reason).
    reason: Option<&'a str>,
}

/// Opens a step, due under its rule from today.
async fn open_step(
    tx: &mut Tx,
    permit: &Permit,
    o: StepOpening<'_>,
) -> Result<StepRow, ActionError> {
    let StepOpening {
        request_id,
        seq,
        kind,
        actor_org_id,
        on_platform,
        reason,
    } = o;
    let today = crate::today();
    let (due, rule) = crate::calendar::due_by_rule(tx, kind.rule_key(on_platform), today).await?;
    let step = StepRow {
        request_id: request_id.to_owned(),
        seq,
        step: kind.as_str().to_owned(),
        actor_org_id: actor_org_id.map(str::to_owned),
        opened_on: today.to_string(),
        due_date: due.to_string(),
        rule_key: rule.key,
        rule_days: rule.days,
        rule_source: rule.legal_source,
        opened_reason: reason.map(str::to_owned),
        done_at: None,
        done_by: None,
        decision: None,
        reason: None,
        legal_basis: None,
    };
    store::insert_step(tx, permit, &step).await?;
    Ok(step)
}

/// Files a share request for the actor's own unit.
pub async fn file_share_request(
    app: &App,
    actor: &Actor,
    input: ShareRequestInput,
) -> Result<ShareRequest, ActionError> {
    let a = Audited::new(app, actor, Action::FileShareRequest)
        .with_target(Target::new("resource", input.resource_id.trim()));
    a.finish(
        async {
            let (permit, org) = policy::request_share(actor, a.action)?;
            let org = org.to_owned();
            let (subject, class, emergency) = class_now(app, input.resource_id.trim()).await?;
            if !subject.published {
                return Err(ActionError::Conflict("resource_not_published"));
            }
            if subject.provider_org_id == org {
                return Err(invalid(
                    "resource_id",
                    "own_resource",
                    "本单位的资源无需申请，可直接使用".into(),
                    "a unit reads its own resources without a request".into(),
                ));
            }
            if class == ShareAttr::NotShared {
                return Err(not_shared_error(&subject.doc));
            }
            let mut p = crate::error::Problems::default();
            let fields = p.keep(check_codes(&subject.doc, "fields", &input.fields, false))?;
            let purpose = p.text(
                "purpose",
                "invalid_purpose",
                &input.purpose,
                1000,
                ("用途", "purpose"),
            );
            let scenario = p.text(
                "scenario",
                "invalid_scenario",
                &input.scenario,
                1000,
                ("应用场景", "scenario"),
            );
            let duty = p.text(
                "duty_basis",
                "invalid_duty_basis",
                &input.duty_basis,
                1000,
                ("履职依据", "duty basis"),
            );
            let start = p.keep(parse_day("period_start", &input.period_start))?;
            let end = p.keep(parse_day("period_end", &input.period_end))?;
            let today = crate::today();
            if let (Some(start), Some(end)) = (start, end) {
                if end < start {
                    p.add(
                        "invalid_period",
                        FieldError::new(
                            "period_end",
                            "invalid_period",
                            "使用期限的结束日期早于开始日期",
                            "the period ends before it starts",
                        ),
                    );
                } else if start < today {
                    p.add(
                        "period_in_past",
                        FieldError::new(
                            "period_start",
                            "period_in_past",
                            format!("使用期限须从今天（{today}）或以后开始"),
                            format!("the period must start today ({today}) or later"),
                        ),
                    );
                }
            }
            if !input.commitment_accepted {
                p.add(
                    "commitment_required",
                    FieldError::new(
                        "commitment_accepted",
                        "commitment_required",
                        "须接受数据安全保密承诺",
                        "the security and confidentiality commitment must be accepted",
                    ),
                );
            }
            p.finish()?;
            let (Some(fields), Some(start), Some(end)) = (fields, start, end) else {
                unreachable!("finish refuses any missing part");
            };
            let rate = match input.rate_per_minute {
                None => None,
                Some(r) if (1..=MAX_RATE_PER_MINUTE).contains(&r) => Some(r),
                Some(_) => {
                    return Err(invalid(
                        "rate_per_minute",
                        "invalid_rate",
                        "每分钟调用次数应在1至6000000之间".into(),
                        "rate_per_minute must be 1 to 6000000".into(),
                    ));
                }
            };
            let mut tx = a.begin().await?;
            if let Some(system) = input.system_id.as_deref().filter(|s| !s.trim().is_empty()) {
                let found = pubdata_store::catalog::systems::get(&mut tx, system.trim()).await?;
                if found.is_none_or(|s| s.owner_org_id != org) {
                    return Err(invalid(
                        "system_id",
                        "system_not_found",
                        "本单位没有这个信息系统".into(),
                        "the unit has no such information system".into(),
                    ));
                }
            }
            let now = now_ms();
            let on_platform = subject.table.is_some();
            let row = RequestRow {
                id: new_id(),
                resource_id: subject.id.clone(),
                provider_org_id: subject.provider_org_id.clone(),
                requester_org_id: org.clone(),
                requester_system_id: input
                    .system_id
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty()),
                requested_by: actor.username().unwrap_or("-").to_owned(),
                fields: codes_json(&fields),
                purpose: purpose.to_owned(),
                scenario: scenario.to_owned(),
                duty_basis: duty.to_owned(),
                period_start: start.to_string(),
                period_end: end.to_string(),
                commitment_at: now,
                rate_per_minute: rate,
                status: RequestStatus::Conformity.as_str().to_owned(),
                on_platform,
                emergency_id: emergency,
                grant_id: None,
                created_at: now,
                updated_at: now,
            };
            store::insert(&mut tx, &permit, &row).await?;
            let step = open_step(
                &mut tx,
                &permit,
                StepOpening {
                    request_id: &row.id,
                    seq: 1,
                    kind: StepKind::Conformity,
                    actor_org_id: None,
                    on_platform,
                    reason: None,
                },
            )
            .await?;
            a.set_target(Target::new("share_request", &row.id));
            a.commit(tx).await?;
            request_of(row, vec![step], subject.doc.name.clone())
        }
        .await,
    )
    .await
}

/// A step's decision: who, what, why, on which legal basis; and where the request goes.
struct StepDecision<'a> {
    seq: i64,
    by: &'a str,
    decision: &'a str,
    reason: Option<&'a str>,
    legal_basis: Option<&'a str>,
    to: RequestStatus,
    grant_id: Option<&'a str>,
}

/// Closes the open step with its decision and moves the request on; a step someone else
/// closed meanwhile is a conflict.
async fn close_step(
    tx: &mut Tx,
    permit: &Permit,
    r: &RequestRow,
    d: StepDecision<'_>,
) -> Result<(), ActionError> {
    let now = now_ms();
    let closed = store::close_step(
        tx,
        permit,
        &r.id,
        d.seq,
        d.by,
        d.decision,
        d.reason,
        d.legal_basis,
        now,
    )
    .await?;
    if !closed
        || !store::set_status(tx, permit, &r.id, &r.status, d.to.as_str(), d.grant_id, now).await?
    {
        return Err(ActionError::Conflict("share_request_not_at_this_step"));
    }
    Ok(())
}

/// The grant an approval makes, if the resource may still be shared: the class in force is
/// read again, so a class an emergency raised and that has since reverted refuses here.
#[allow(clippy::too_many_arguments)] // the approval's parts, each named at the call
async fn grant_for(
    app: &App,
    tx: &mut Tx,
    permit: &Permit,
    r: &RequestRow,
    raw_fields: &[String],
    raw_reason: &str,
    rate_per_minute: Option<i64>,
    by: &str,
) -> Result<Grant, ActionError> {
    let (subject, class, emergency) = class_now(app, &r.resource_id).await?;
    if class == ShareAttr::NotShared {
        return Err(not_shared_error(&subject.doc));
    }
    create_grant(
        tx,
        permit,
        &subject,
        GrantInput {
            request: r,
            fields: parse_codes(&r.fields)?,
            raw_fields,
            raw_reason,
            rate_per_minute,
            emergency_id: emergency.or(r.emergency_id.clone()),
            created_by: by,
        },
    )
    .await
}

/// `yes` → true, `no` → false; anything else is `invalid_decision`.
pub(crate) fn two_way(text: &str, yes: &str, no: &str) -> Result<bool, ActionError> {
    match text.trim() {
        t if t == yes => Ok(true),
        t if t == no => Ok(false),
        _ => Err(invalid(
            "decision",
            "invalid_decision",
            format!("结论应为 {yes} 或 {no}"),
            format!("decision must be {yes} or {no}"),
        )),
    }
}

/// Reads the request back as the action left it, commits, and answers it.
async fn committed(a: &Audited<'_>, mut tx: Tx, id: &str) -> Result<ShareRequest, ActionError> {
    let (r, steps) = load(&mut tx, id).await?;
    a.commit(tx).await?;
    let name = resource_name(a.app, id).await;
    request_of(r, steps, name)
}

/// Loads a request and its steps in `tx`; the open step is the last one not done.
async fn load(tx: &mut Tx, id: &str) -> Result<(RequestRow, Vec<StepRow>), ActionError> {
    let r = store::get(tx, id)
        .await?
        .ok_or(ActionError::NotFound("share_request_not_found"))?;
    let steps = store::steps(tx, id).await?;
    Ok((r, steps))
}

fn open_step_of(steps: &[StepRow], kind: StepKind) -> Result<&StepRow, ActionError> {
    steps
        .iter()
        .rev()
        .find(|s| s.done_at.is_none())
        .filter(|s| s.step == kind.as_str())
        .ok_or(ActionError::Conflict("share_request_not_at_this_step"))
}

async fn resource_name(app: &App, id: &str) -> String {
    super::cache::subject(app, id)
        .await
        .map(|s| s.doc.name.clone())
        .unwrap_or_default()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConformityInput {
    /// `pass` or `reject`.
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

/// The authority's conformity check: `pass` opens the provider's reply, `reject` (with the
/// reason) ends the request.
pub async fn check_conformity(
    app: &App,
    actor: &Actor,
    id: &str,
    input: ConformityInput,
) -> Result<ShareRequest, ActionError> {
    let a = Audited::new(app, actor, Action::CheckShareConformity)
        .with_target(Target::new("share_request", id));
    a.finish(
        async {
            let permit = policy::coordinate_sharing(actor, a.action)?;
            let pass = two_way(&input.decision, "pass", "reject")?;
            let reason = if pass {
                input.reason.trim().to_owned()
            } else {
                required_text("reason", &input.reason, 2000, ("不通过的理由", "reason"))?
            };
            let mut tx = a.begin().await?;
            let (r, steps) = load(&mut tx, id).await?;
            let step = open_step_of(&steps, StepKind::Conformity)?.seq;
            let to = if pass {
                RequestStatus::Reply
            } else {
                RequestStatus::Rejected
            };
            close_step(
                &mut tx,
                &permit,
                &r,
                StepDecision {
                    seq: step,
                    by: actor.username().unwrap_or("operator"),
                    decision: if pass { "pass" } else { "reject" },
                    reason: Some(reason.as_str()).filter(|s| !s.is_empty()),
                    legal_basis: None,
                    to,
                    grant_id: None,
                },
            )
            .await?;
            if pass {
                open_step(
                    &mut tx,
                    &permit,
                    StepOpening {
                        request_id: id,
                        seq: step + 1,
                        kind: StepKind::Reply,
                        actor_org_id: Some(&r.provider_org_id),
                        on_platform: r.on_platform,
                        reason: None,
                    },
                )
                .await?;
            }
            committed(&a, tx, id).await
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyInput {
    /// `approve` or `refuse`.
    pub decision: String,
    #[serde(default)]
    pub reason: String,
    /// Required with a refusal: the law or rule it rests on.
    #[serde(default)]
    pub legal_basis: String,
    /// Granted fields of grade 3 or 4 allowed unmasked (needs `reason`).
    #[serde(default)]
    pub raw_fields: Vec<String>,
    /// The grant's quota; default the request's, else 600.
    #[serde(default)]
    pub rate_per_minute: Option<i64>,
}

/// The provider's reply: an approval creates the grant; a refusal needs reasons and the legal
/// basis. The class in force is checked again: data no longer shareable cannot be approved.
pub async fn reply_share_request(
    app: &App,
    actor: &Actor,
    id: &str,
    input: ReplyInput,
) -> Result<ShareRequest, ActionError> {
    let a = Audited::new(app, actor, Action::ReplyShareRequest)
        .with_target(Target::new("share_request", id));
    a.finish(
        async {
            let approve = two_way(&input.decision, "approve", "refuse")?;
            let mut tx = a.begin().await?;
            let (r, steps) = load(&mut tx, id).await?;
            let permit = policy::answer_as_provider(actor, a.action, &r.provider_org_id)?;
            let step = open_step_of(&steps, StepKind::Reply)?.seq;
            let by = actor.username().unwrap_or("operator").to_owned();
            let (decision, reason, basis, grant) = if approve {
                let grant = grant_for(
                    app,
                    &mut tx,
                    &permit,
                    &r,
                    &input.raw_fields,
                    input.reason.trim(),
                    input.rate_per_minute.or(r.rate_per_minute),
                    &by,
                )
                .await?;
                let reason = Some(input.reason.trim().to_owned()).filter(|s| !s.is_empty());
                ("approve", reason, None, Some(grant))
            } else {
                let mut p = crate::error::Problems::default();
                let reason = p.text(
                    "reason",
                    "reason_required",
                    &input.reason,
                    2000,
                    ("拒绝理由", "reason"),
                );
                let basis = p.text(
                    "legal_basis",
                    "legal_basis_required",
                    &input.legal_basis,
                    1000,
                    ("拒绝的法律依据", "legal basis"),
                );
                p.finish()?;
                (
                    "refuse",
                    Some(reason.to_owned()),
                    Some(basis.to_owned()),
                    None,
                )
            };
            close_step(
                &mut tx,
                &permit,
                &r,
                StepDecision {
                    seq: step,
                    by: &by,
                    decision,
                    reason: reason.as_deref(),
                    legal_basis: basis.as_deref(),
                    to: if approve {
                        RequestStatus::Approved
                    } else {
                        RequestStatus::Refused
                    },
                    grant_id: grant.as_ref().map(|g: &Grant| g.id.as_str()),
                },
            )
            .await?;
            if let Some(g) = &grant {
                a.set_target(Target::new("grant", &g.id));
            }
            committed(&a, tx, id).await
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisputeInput {
    pub reason: String,
}

/// The requester disputes a refusal; the authority's coordination step opens.
pub async fn dispute_share_refusal(
    app: &App,
    actor: &Actor,
    id: &str,
    input: DisputeInput,
) -> Result<ShareRequest, ActionError> {
    let a = Audited::new(app, actor, Action::DisputeShareRefusal)
        .with_target(Target::new("share_request", id));
    a.finish(
        async {
            let (permit, org) = policy::request_share(actor, a.action)?;
            let reason = required_text("reason", &input.reason, 2000, ("异议理由", "reason"))?;
            let mut tx = a.begin().await?;
            let (r, steps) = load(&mut tx, id).await?;
            if r.requester_org_id != org {
                return Err(ActionError::Forbidden("other_org"));
            }
            if r.status != RequestStatus::Refused.as_str() {
                return Err(ActionError::Conflict("share_request_not_refused"));
            }
            let now = now_ms();
            store::set_status(
                &mut tx,
                &permit,
                id,
                &r.status,
                RequestStatus::Disputed.as_str(),
                None,
                now,
            )
            .await?;
            let seq = steps.last().map_or(1, |s| s.seq + 1);
            open_step(
                &mut tx,
                &permit,
                StepOpening {
                    request_id: id,
                    seq,
                    kind: StepKind::Coordination,
                    actor_org_id: None,
                    on_platform: r.on_platform,
                    reason: Some(&reason),
                },
            )
            .await?;
            committed(&a, tx, id).await
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoordinationInput {
    /// `approve` (the authority grants the request as filed, masked by grade) or `refuse`
    /// (the refusal stands).
    pub decision: String,
    pub reason: String,
}

/// The authority's decision on a dispute.
pub async fn coordinate_share_dispute(
    app: &App,
    actor: &Actor,
    id: &str,
    input: CoordinationInput,
) -> Result<ShareRequest, ActionError> {
    let a = Audited::new(app, actor, Action::CoordinateShareDispute)
        .with_target(Target::new("share_request", id));
    a.finish(
        async {
            let permit = policy::coordinate_sharing(actor, a.action)?;
            let approve = two_way(&input.decision, "approve", "refuse")?;
            let reason = required_text("reason", &input.reason, 2000, ("协调意见", "reason"))?;
            let mut tx = a.begin().await?;
            let (r, steps) = load(&mut tx, id).await?;
            let step = open_step_of(&steps, StepKind::Coordination)?.seq;
            let by = actor.username().unwrap_or("operator").to_owned();
            let grant = if approve {
                Some(grant_for(app, &mut tx, &permit, &r, &[], "", r.rate_per_minute, &by).await?)
            } else {
                None
            };
            close_step(
                &mut tx,
                &permit,
                &r,
                StepDecision {
                    seq: step,
                    by: &by,
                    decision: if approve { "approve" } else { "refuse" },
                    reason: Some(&reason),
                    legal_basis: None,
                    to: if approve {
                        RequestStatus::Approved
                    } else {
                        RequestStatus::Refused
                    },
                    grant_id: grant.as_ref().map(|g| g.id.as_str()),
                },
            )
            .await?;
            committed(&a, tx, id).await
        }
        .await,
    )
    .await
}

/// One request, for its requester, its provider, the authority and auditors.
pub async fn get_share_request(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<ShareRequest, ActionError> {
    let a = Audited::new(app, actor, Action::GetShareRequest)
        .with_target(Target::new("share_request", id));
    a.finish(
        async {
            let mut tx = app.db().begin_read().await?;
            let (r, steps) = load(&mut tx, id).await?;
            if policy::view_sharing(actor, a.action, Some(&r.requester_org_id)).is_err() {
                policy::view_sharing(actor, a.action, Some(&r.provider_org_id))?;
            }
            a.record_read(tx).await?;
            let name = resource_name(app, &r.resource_id).await;
            request_of(r, steps, name)
        }
        .await,
    )
    .await
}

/// A page of requests, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct RequestPage {
    pub items: Vec<ShareRequest>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequestQuery {
    /// A unit's requests, filed or received; default the caller's own unit (all units for the
    /// authority and auditors).
    pub org_id: Option<String>,
    pub resource_id: Option<String>,
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Lists requests filed by or addressed to a unit (all, for the authority and auditors).
pub async fn list_share_requests(
    app: &App,
    actor: &Actor,
    q: RequestQuery,
) -> Result<RequestPage, ActionError> {
    let a = Audited::new(app, actor, Action::ListShareRequests);
    a.finish(
        async {
            let org = match q.org_id.as_deref().filter(|s| !s.is_empty()) {
                Some(o) => Some(o.to_owned()),
                None if policy::sees_whole_catalog(actor) => None,
                None => actor.org_id().map(str::to_owned),
            };
            policy::view_sharing(actor, a.action, org.as_deref())?;
            if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty())
                && RequestStatus::parse(s).is_none()
            {
                return Err(invalid(
                    "status",
                    "invalid_status",
                    format!("状态应为：{}", RequestStatus::names()),
                    format!("status must be one of {}", RequestStatus::names()),
                ));
            }
            let limit = q.limit.unwrap_or(50).clamp(1, 1000);
            let mut tx = app.db().begin_read().await?;
            let rows = store::list(
                &mut tx,
                &RequestFilter {
                    org_id: org.as_deref(),
                    resource_id: q.resource_id.as_deref().filter(|s| !s.is_empty()),
                    status: q.status.as_deref().filter(|s| !s.is_empty()),
                    before: q.cursor.as_deref(),
                },
                limit + 1,
            )
            .await?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut steps = store::steps_of(&mut tx, &ids).await?;
            a.record_read(tx).await?;
            let more = rows.len() > limit as usize;
            let mut items = Vec::new();
            for r in rows.into_iter().take(limit as usize) {
                let mine: Vec<StepRow> = steps.extract_if(.., |s| s.request_id == r.id).collect();
                let name = resource_name(app, &r.resource_id).await;
                items.push(request_of(r, mine, name)?);
            }
            Ok(RequestPage {
                next_cursor: if more {
                    items.last().map(|r| r.id.clone())
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

/// The start and end of a request's period in Unix milliseconds (Beijing days, the end
/// exclusive: the day after `period_end`).
pub(crate) fn period_ms(r: &RequestRow) -> Result<(i64, i64), ActionError> {
    let start = parse_day("period_start", &r.period_start)?;
    let end = parse_day("period_end", &r.period_end)?;
    Ok((
        day_start_ms(start),
        day_start_ms(end.succ_opt().unwrap_or(end)),
    ))
}
