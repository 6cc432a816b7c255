//! The duty to keep the catalog current (Jinan): when a law or regulation changes, or a
//! unit's duties change, the unit updates its catalog within a number of working days. A
//! recorded change opens a review task due on the working-day calendar; an update of the
//! unit's catalog, or an explicit "no change needed", closes it. The number of days is a
//! deadline rule with its legal source, which the authority can change.

use crate::action::Audited;
use crate::error::{FieldError, Problems};
use crate::{ActionError, App, new_id, now_ms, rfc3339};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::TaskResolution;
use pubdata_core::policy::{self, Permit};
use pubdata_store::Tx;
use pubdata_store::catalog::duty::{self as store, DutyChangeRow, RuleRow, TaskRow};
use serde::{Deserialize, Serialize};

/// The rule for catalog updates after a duty change.
pub const CATALOG_UPDATE_RULE: &str = "catalog_update";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DutyChangeInput {
    /// `YYYY-MM-DD`: the day the law, regulation or duty changed.
    pub date: String,
    pub description: String,
    pub legal_source: String,
}

/// A catalog review task, as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReviewTask {
    pub id: String,
    pub org_id: String,
    pub duty_change_id: String,
    /// The day of the change, what changed and its legal source.
    pub date: String,
    pub description: String,
    pub legal_source: String,
    pub due_date: String,
    /// The rule the due date follows: working days and their legal source.
    pub rule_days: i64,
    pub rule_source: String,
    /// `open` or `closed`.
    pub status: String,
    /// Open and past its due date (computed on the day of reading, Beijing time).
    pub overdue: bool,
    pub resolution: Option<TaskResolution>,
    pub note: Option<String>,
    pub resource_id: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
    pub created_at: String,
}

impl ReviewTask {
    fn from_row(t: TaskRow, today: &str) -> ReviewTask {
        ReviewTask {
            overdue: t.status == "open" && t.due_date.as_str() < today,
            resolution: t.resolution.as_deref().and_then(TaskResolution::parse),
            id: t.id,
            org_id: t.org_id,
            duty_change_id: t.duty_change_id,
            date: t.changed_on,
            description: t.description,
            legal_source: t.legal_source,
            due_date: t.due_date,
            rule_days: t.rule_days,
            rule_source: t.rule_source,
            status: t.status,
            note: t.note,
            resource_id: t.resource_id,
            closed_by: t.closed_by,
            closed_at: t.closed_at.map(rfc3339),
            created_at: rfc3339(t.created_at),
        }
    }
}

fn today() -> String {
    crate::today().to_string()
}

/// Records a duty change for a unit and opens its review task, due `days` working days later.
pub async fn record_duty_change(
    app: &App,
    actor: &Actor,
    org_id: &str,
    input: DutyChangeInput,
) -> Result<ReviewTask, ActionError> {
    let a =
        Audited::new(app, actor, Action::RecordDutyChange).with_target(Target::new("org", org_id));
    a.finish(
        async {
            let permit = policy::edit_catalog(actor, a.action, org_id)?;
            let mut p = Problems::default();
            let description = p.text(
                "description",
                "invalid_description",
                &input.description,
                1000,
                ("变化内容", "description"),
            );
            let source = p.text(
                "legal_source",
                "invalid_legal_source",
                &input.legal_source,
                500,
                ("法律法规或职责依据", "legal source"),
            );
            p.finish()?;
            let date = crate::calendar::parse_date("date", &input.date)?;
            let mut tx = a.begin().await?;
            if pubdata_store::orgs::get(&mut tx, org_id).await?.is_none() {
                return Err(ActionError::NotFound("org_not_found"));
            }
            let (due, rule) =
                crate::calendar::due_by_rule(&mut tx, CATALOG_UPDATE_RULE, date).await?;
            let now = now_ms();
            let change = DutyChangeRow {
                id: new_id(),
                org_id: org_id.to_owned(),
                changed_on: date.to_string(),
                description: description.to_owned(),
                legal_source: source.to_owned(),
                recorded_by: actor.username().map(str::to_owned),
                created_at: now,
            };
            store::insert_change(&mut tx, &permit, &change).await?;
            let task = TaskRow {
                id: new_id(),
                org_id: org_id.to_owned(),
                duty_change_id: change.id.clone(),
                due_date: due.to_string(),
                rule_days: rule.days,
                rule_source: rule.legal_source,
                status: "open".into(),
                resolution: None,
                note: None,
                resource_id: None,
                closed_by: None,
                closed_at: None,
                created_at: now,
                changed_on: change.changed_on,
                description: change.description,
                legal_source: change.legal_source,
            };
            store::insert_task(&mut tx, &permit, &task).await?;
            a.set_target(Target::new("review_task", &task.id));
            a.commit(tx).await?;
            Ok(ReviewTask::from_row(task, &today()))
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseTaskInput {
    /// `updated` or `no_change`.
    pub resolution: String,
    #[serde(default)]
    pub note: String,
}

/// Closes a task by hand: "no change needed" (with the reason) or "updated".
pub async fn close_review_task(
    app: &App,
    actor: &Actor,
    id: &str,
    input: CloseTaskInput,
) -> Result<ReviewTask, ActionError> {
    let a = Audited::new(app, actor, Action::CloseReviewTask)
        .with_target(Target::new("review_task", id));
    a.finish(
        async {
            let mut tx = a.begin().await?;
            let task = store::get_task(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("review_task_not_found"))?;
            let permit = policy::edit_catalog(actor, a.action, &task.org_id)?;
            let resolution = TaskResolution::parse(&input.resolution).ok_or_else(|| {
                ActionError::invalid(
                    "invalid_resolution",
                    FieldError::new(
                        "resolution",
                        "invalid_resolution",
                        "办结方式应为 updated 或 no_change",
                        "resolution must be updated or no_change",
                    ),
                )
            })?;
            let note = input.note.trim();
            if resolution == TaskResolution::NoChange && note.is_empty() {
                return Err(ActionError::invalid(
                    "reason_required",
                    FieldError::new(
                        "note",
                        "reason_required",
                        "无需变更须说明理由",
                        "say why no change is needed",
                    ),
                ));
            }
            if note.chars().count() > 1000 {
                return Err(ActionError::invalid(
                    "invalid_note",
                    FieldError::new(
                        "note",
                        "invalid_note",
                        "说明不超过1000字",
                        "the note must be at most 1000 characters",
                    ),
                ));
            }
            let closed = store::close_task(
                &mut tx,
                &permit,
                id,
                resolution.as_str(),
                Some(note).filter(|n| !n.is_empty()),
                None,
                actor.username(),
                now_ms(),
            )
            .await?;
            if !closed {
                return Err(ActionError::Conflict("review_task_closed"));
            }
            let task = store::get_task(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("review_task_not_found"))?;
            a.commit(tx).await?;
            Ok(ReviewTask::from_row(task, &today()))
        }
        .await,
    )
    .await
}

/// An update of a unit's catalog closes its open review tasks (in the update's transaction).
pub(crate) async fn close_tasks_by_update(
    tx: &mut Tx,
    permit: &Permit,
    actor: &Actor,
    org_id: &str,
    resource_id: &str,
) -> Result<(), ActionError> {
    for t in store::list_tasks(tx, Some(org_id), Some("open"), None).await? {
        store::close_task(
            tx,
            permit,
            &t.id,
            TaskResolution::Updated.as_str(),
            None,
            Some(resource_id),
            actor.username(),
            now_ms(),
        )
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskQuery {
    pub org_id: Option<String>,
    /// `open` or `closed`.
    pub status: Option<String>,
    /// Only open tasks past their due date.
    #[serde(default)]
    pub overdue: bool,
}

/// Review tasks: a unit's own for its staff; every unit's for the authority and auditors.
pub async fn list_review_tasks(
    app: &App,
    actor: &Actor,
    q: TaskQuery,
) -> Result<Vec<ReviewTask>, ActionError> {
    let a = Audited::new(app, actor, Action::ListReviewTasks);
    a.finish(
        async {
            // A unit's staff see their own unit's tasks unless they ask for another's.
            let org = match &q.org_id {
                Some(o) if !o.is_empty() => Some(o.clone()),
                _ if policy::sees_whole_catalog(actor) => None,
                _ => actor.org_id().map(str::to_owned),
            };
            policy::view_unit_catalog(actor, a.action, org.as_deref())?;
            if let Some(o) = &org {
                a.set_target(Target::new("org", o));
            }
            let today = today();
            let mut tx = a.app.db().begin_read().await?;
            let rows = store::list_tasks(
                &mut tx,
                org.as_deref(),
                q.status.as_deref().filter(|s| !s.is_empty()),
                q.overdue.then_some(today.as_str()),
            )
            .await?;
            tx.rollback().await?;
            let tx = a.begin().await?;
            a.commit(tx).await?;
            Ok(rows
                .into_iter()
                .map(|t| ReviewTask::from_row(t, &today))
                .collect())
        }
        .await,
    )
    .await
}

/// A deadline rule as shown and edited.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeadlineRule {
    pub key: String,
    pub days: i64,
    pub legal_source: String,
    pub updated_at: Option<String>,
}

impl From<RuleRow> for DeadlineRule {
    fn from(r: RuleRow) -> Self {
        DeadlineRule {
            key: r.key,
            days: r.days,
            legal_source: r.legal_source,
            updated_at: (r.updated_at > 0).then(|| rfc3339(r.updated_at)),
        }
    }
}

pub async fn list_deadline_rules(
    app: &App,
    actor: &Actor,
) -> Result<Vec<DeadlineRule>, ActionError> {
    let a = Audited::new(app, actor, Action::ListDeadlineRules);
    a.finish(
        async {
            policy::search_catalog(actor, a.action)?;
            let mut tx = a.begin().await?;
            let rules = store::rules(&mut tx).await?;
            a.commit(tx).await?;
            Ok(rules.into_iter().map(DeadlineRule::from).collect())
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    pub days: i64,
    pub legal_source: String,
}

/// Changes a deadline rule: tasks opened before keep the due date they were given.
pub async fn set_deadline_rule(
    app: &App,
    actor: &Actor,
    key: &str,
    input: RuleInput,
) -> Result<DeadlineRule, ActionError> {
    let a = Audited::new(app, actor, Action::SetDeadlineRule)
        .with_target(Target::new("deadline_rule", key));
    a.finish(
        async {
            let permit = policy::review_catalog(actor, a.action)?;
            let mut p = Problems::default();
            if !(1..=365).contains(&input.days) {
                p.add(
                    "invalid_input",
                    FieldError::new(
                        "days",
                        "invalid_days",
                        "工作日数应为1至365",
                        "days must be 1 to 365",
                    ),
                );
            }
            let source = p.text(
                "legal_source",
                "invalid_legal_source",
                &input.legal_source,
                500,
                ("法律依据", "legal source"),
            );
            p.finish()?;
            let mut tx = a.begin().await?;
            if store::rule(&mut tx, key).await?.is_none() {
                return Err(ActionError::NotFound("deadline_rule_not_found"));
            }
            let row = RuleRow {
                key: key.to_owned(),
                days: input.days,
                legal_source: source.to_owned(),
                updated_at: now_ms(),
            };
            store::set_rule(&mut tx, &permit, &row).await?;
            a.commit(tx).await?;
            Ok(row.into())
        }
        .await,
    )
    .await
}
