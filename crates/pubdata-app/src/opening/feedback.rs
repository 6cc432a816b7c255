//! Public interaction (互动交流, issue 8): data requests (需求征集), error reports on a dataset
//! (数据纠错), suggestions and complaints or reports (投诉举报), posted by anyone, signed in
//! or not (a contact is then required, and it is never shown). Each item is answered by the
//! dataset's provider — or, naming no dataset, by the data authority — within the
//! `feedback_answer` rule's working days, and the answer is public with its time.
//!
//! An error report that names a record (the dataset and the record's key) becomes, in the
//! same transaction, an objection on that record through the sharing chapter's procedure: the
//! record reads as disputed, the provider answers on its objections page under the objection
//! rule (and its `complex` extension), and the item shows that answer. The item keeps no copy
//! of it: every read joins the objection (see the store), so the answer exists once and the
//! item can never disagree with the record's objection. Such an item is therefore not
//! answered here (`answer_through_objection`), and its due date is the objection's.

use crate::action::Audited;
use crate::error::{FieldError, Problems};
use crate::{ActionError, App, new_id, now_ms, rfc3339};
use pubdata_core::Actor;
use pubdata_core::aggregation::Cell;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::OpenAttr;
use pubdata_core::opening::{FEEDBACK_RULE, FeedbackKind, FeedbackStatus};
use pubdata_core::policy::{self, OpenChannel, OpenCheck};
use pubdata_core::sharing::ObjectionOutcome;
use pubdata_store::opening::feedback::{self as store, FeedbackFilter, FeedbackItem, FeedbackRow};
use serde::{Deserialize, Serialize};

use super::datasets::{Entry, OpenCatalog};

/// Longest text of an item or an answer, in characters.
pub const MAX_TEXT: usize = 4000;
const MAX_CONTACT: usize = 200;
const MAX_KEY: usize = 500;

/// Who answers an item that names no dataset, as the public reads it.
pub const AUTHORITY_NAME: &str = "数据主管部门";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    /// `data_request`, `error_report`, `suggestion` or `complaint`.
    pub kind: String,
    /// The open dataset's name (`2-02-006-0001`); required for an error report.
    #[serde(default)]
    pub dataset: Option<String>,
    /// An error report's record: its key (a composite key's values joined by `|`).
    #[serde(default)]
    pub record_key: Option<String>,
    pub text: String,
    /// A phone number or email, for the answerer only; required when not signed in.
    #[serde(default)]
    pub contact: Option<String>,
}

/// An item as the public sees it; `staff` adds what only those who answer see.
#[derive(Debug, Clone, Serialize)]
pub struct Feedback {
    pub id: String,
    pub kind: FeedbackKind,
    pub kind_label: &'static str,
    /// The open dataset's name and title, when the item names one.
    pub dataset: Option<String>,
    pub dataset_title: Option<String>,
    /// The record an error report names. Withheld from the public for conditional data and
    /// for a dataset whose key is masked: the key would tell what the data does not.
    pub record_key: Option<String>,
    pub text: String,
    pub status: FeedbackStatus,
    pub status_label: &'static str,
    pub filed_on: String,
    pub due_date: String,
    pub rule_days: i64,
    pub rule_source: String,
    /// Open and past its due date.
    pub overdue: bool,
    /// The unit that answers; `None`, the data authority.
    pub answerer_org_id: Option<String>,
    pub answerer_name: String,
    /// An error report on a record: the objection's outcome, once answered.
    pub outcome: Option<ObjectionOutcome>,
    pub outcome_label: Option<&'static str>,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff: Option<StaffDetail>,
}

/// What the answering unit, the authority and auditors see beside the public view.
#[derive(Debug, Clone, Serialize)]
pub struct StaffDetail {
    pub contact: Option<String>,
    pub submitted_by: String,
    pub record_key: Option<String>,
    /// The objection an error report on a record became (answered on the objections page).
    pub objection_id: Option<String>,
    pub answered_by: Option<String>,
}

/// Whether the public may read the record key of an error report on `e`.
fn key_public(e: &Entry) -> bool {
    e.dataset.open_attr == OpenAttr::Unconditional
        && !e
            .doc
            .fields
            .iter()
            .any(|f| f.is_key && e.view.masks.contains_key(&f.code))
}

fn view_of(i: FeedbackItem, cat: &OpenCatalog, staff: bool) -> Feedback {
    let kind = FeedbackKind::parse(&i.kind).unwrap_or(FeedbackKind::Suggestion);
    let status = FeedbackStatus::parse(&i.status).unwrap_or(FeedbackStatus::Open);
    let entry = i.dataset_name.as_deref().and_then(|n| cat.get(n));
    let outcome = i.outcome.as_deref().and_then(ObjectionOutcome::parse);
    let today = crate::today().to_string();
    let answerer_name = match &i.provider_org_id {
        Some(org) => cat
            .org_names
            .get(org)
            .cloned()
            .unwrap_or_else(|| org.clone()),
        None => AUTHORITY_NAME.to_owned(),
    };
    Feedback {
        kind,
        kind_label: kind.label_zh(),
        dataset_title: entry.map(|e| e.dataset.title.clone()),
        record_key: i
            .record_key
            .clone()
            .filter(|_| entry.is_some_and(|e| key_public(e))),
        status,
        status_label: status.label_zh(),
        overdue: status == FeedbackStatus::Open && i.due_date.as_str() < today.as_str(),
        answerer_name,
        outcome,
        outcome_label: outcome.map(|o| o.label_zh()),
        answered_at: i.answered_at.map(rfc3339),
        created_at: rfc3339(i.created_at),
        staff: staff.then(|| StaffDetail {
            contact: i.contact.clone(),
            submitted_by: i.submitted_by.clone(),
            record_key: i.record_key.clone(),
            objection_id: i.objection_id.clone(),
            answered_by: i.answered_by.clone(),
        }),
        id: i.id,
        dataset: i.dataset_name,
        text: i.body,
        filed_on: i.filed_on,
        due_date: i.due_date,
        rule_days: i.rule_days,
        rule_source: i.rule_source,
        answerer_org_id: i.provider_org_id,
        answer: i.answer,
    }
}

/// Trimmed, `None` when blank.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Whether a record of `e`'s resource with this key exists and is among the rows the
/// opening keeps (a record outside the open view is not the public's to name).
async fn record_in_view(
    tx: &mut pubdata_store::Tx,
    e: &Entry,
    key: &str,
) -> Result<bool, ActionError> {
    use pubdata_store::aggregation::records;
    let Some(table) = records::get_table(tx, &e.row.resource_id).await? else {
        return Ok(false);
    };
    let Some(v) = records::get(tx, &table, key).await? else {
        return Ok(false);
    };
    let texts: Vec<Option<String>> = e
        .doc
        .fields
        .iter()
        .map(|f| {
            v.values
                .iter()
                .find(|(code, _)| *code == f.code)
                .map(|(_, c)| c)
                .filter(|c| !matches!(c, Cell::Null))
                .map(Cell::to_text)
        })
        .collect();
    Ok(e.view.keeps(&e.doc, &texts))
}

/// Posts an item: anyone, signed in or not.
pub async fn submit_feedback(
    app: &App,
    actor: &Actor,
    input: FeedbackInput,
) -> Result<Feedback, ActionError> {
    let a = Audited::new(app, actor, Action::SubmitFeedback);
    a.finish(
        async {
            let permit = policy::anyone(a.action)?;
            let mut p = Problems::default();
            let kind = FeedbackKind::parse(&input.kind);
            if kind.is_none() {
                p.add(
                    "invalid_kind",
                    FieldError::new(
                        "kind",
                        "invalid_kind",
                        "类型应为需求征集（data_request）、数据纠错（error_report）、意见建议（suggestion）或投诉举报（complaint）",
                        "kind must be data_request, error_report, suggestion or complaint",
                    ),
                );
            }
            let text = input.text.trim();
            if text.is_empty() || text.chars().count() > MAX_TEXT {
                p.add(
                    "invalid_text",
                    FieldError::new(
                        "text",
                        "invalid_text",
                        format!("内容不能为空且不超过{MAX_TEXT}字"),
                        format!("text must be 1 to {MAX_TEXT} characters"),
                    ),
                );
            }
            let contact = given(&input.contact);
            match contact {
                None if !actor.is_signed_in() => p.add(
                    "contact_required",
                    FieldError::new(
                        "contact",
                        "contact_required",
                        "未登录提交须留下联系方式（电话或电子邮箱），联系方式不公开",
                        "a contact (phone or email) is required when not signed in; it is never shown",
                    ),
                ),
                Some(c) if c.chars().count() > MAX_CONTACT => p.add(
                    "invalid_contact",
                    FieldError::new(
                        "contact",
                        "invalid_contact",
                        format!("联系方式不超过{MAX_CONTACT}字"),
                        format!("contact must be at most {MAX_CONTACT} characters"),
                    ),
                ),
                _ => {}
            }
            let is_error_report = kind == Some(FeedbackKind::ErrorReport);
            let dataset = given(&input.dataset);
            if dataset.is_none() && is_error_report {
                p.add(
                    "dataset_required",
                    FieldError::new(
                        "dataset",
                        "dataset_required",
                        "数据纠错须指明数据集",
                        "an error report names its dataset",
                    ),
                );
            }
            let record_key = given(&input.record_key);
            match record_key {
                Some(_) if kind.is_some() && !is_error_report => p.add(
                    "record_key_not_allowed",
                    FieldError::new(
                        "record_key",
                        "record_key_not_allowed",
                        "只有数据纠错可以指明记录",
                        "only an error report names a record",
                    ),
                ),
                Some(k) if k.chars().count() > MAX_KEY => p.add(
                    "invalid_record_key",
                    FieldError::new(
                        "record_key",
                        "invalid_record_key",
                        format!("记录主键不超过{MAX_KEY}字"),
                        format!("record_key must be at most {MAX_KEY} characters"),
                    ),
                ),
                _ => {}
            }
            let cat = super::datasets::catalog(app).await?;
            let entry = match dataset {
                Some(name) => {
                    let e = cat.get(name).filter(|e| e.row.status == "open").cloned();
                    if e.is_none() {
                        p.add(
                            "dataset_not_found",
                            FieldError::new(
                                "dataset",
                                "dataset_not_found",
                                format!("开放数据集 {name} 不存在"),
                                format!("there is no open dataset {name}"),
                            ),
                        );
                    }
                    e
                }
                None => None,
            };
            p.finish()?;
            let kind = kind.expect("checked above");
            let id = new_id();
            a.set_target(Target::new("feedback", &id));
            let mut tx = a.begin().await?;
            let objection = match (&entry, record_key) {
                (Some(e), Some(key)) => {
                    if e.dataset.open_attr != OpenAttr::Unconditional {
                        // Naming a record of conditional data would tell who may not read it
                        // whether the record exists: only an agreement's holder may.
                        let holds = match actor.user_id() {
                            Some(user) => pubdata_store::opening::datasets::agreement_in_force(
                                &mut tx,
                                user,
                                &e.row.id,
                                &crate::today().to_string(),
                            )
                            .await?
                            .is_some(),
                            None => false,
                        };
                        policy::read_open(
                            a.action,
                            &OpenCheck {
                                class: e.dataset.open_attr,
                                channel: OpenChannel::Download,
                                agreement_in_force: holds,
                            },
                        )?;
                    }
                    if !record_in_view(&mut tx, e, key).await? {
                        return Err(ActionError::invalid(
                            "record_not_found",
                            FieldError::new(
                                "record_key",
                                "record_not_found",
                                format!("数据集中没有主键为 {key} 的记录"),
                                format!("the dataset has no record with key {key}"),
                            ),
                        ));
                    }
                    let row = crate::sharing::objections::new_objection_row(
                        &mut tx,
                        actor,
                        &e.row.resource_id,
                        &e.row.provider_org_id,
                        key,
                        text,
                        &format!("开放门户数据纠错，互动交流编号 {id}"),
                    )
                    .await?;
                    pubdata_store::sharing::objections::insert(&mut tx, &permit, &row).await?;
                    Some(row)
                }
                _ => None,
            };
            let (due_date, rule_key, rule_days, rule_source) = match &objection {
                Some(o) => (
                    o.due_date.clone(),
                    o.rule_key.clone(),
                    o.rule_days,
                    o.rule_source.clone(),
                ),
                None => {
                    let (due, rule) =
                        crate::calendar::due_by_rule(&mut tx, FEEDBACK_RULE, crate::today())
                            .await?;
                    (due.to_string(), rule.key, rule.days, rule.legal_source)
                }
            };
            let row = FeedbackRow {
                id: id.clone(),
                kind: kind.as_str().to_owned(),
                dataset_id: entry.as_ref().map(|e| e.row.id.clone()),
                provider_org_id: entry.as_ref().map(|e| e.row.provider_org_id.clone()),
                record_key: record_key.filter(|_| is_error_report).map(str::to_owned),
                body: text.to_owned(),
                contact: contact.map(str::to_owned),
                user_id: actor.user_id().map(str::to_owned),
                submitted_by: actor.username().unwrap_or("anonymous").to_owned(),
                status: FeedbackStatus::Open.as_str().to_owned(),
                filed_on: crate::today().to_string(),
                due_date,
                rule_key,
                rule_days,
                rule_source,
                objection_id: objection.as_ref().map(|o| o.id.clone()),
                created_at: now_ms(),
            };
            store::insert(&mut tx, &permit, &row).await?;
            let item = store::get(&mut tx, &id).await?.expect("inserted just now");
            // The commit moves the generation (`changes_decisions`): a record disputed now is
            // marked for cached sharing reads.
            a.commit(tx).await?;
            Ok(view_of(item, &cat, false))
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub answer: String,
}

/// The answer, public once given: the dataset's provider (or the authority for it), or the
/// authority for an item that names no dataset.
pub async fn answer_feedback(
    app: &App,
    actor: &Actor,
    id: &str,
    input: AnswerInput,
) -> Result<Feedback, ActionError> {
    let a =
        Audited::new(app, actor, Action::AnswerFeedback).with_target(Target::new("feedback", id));
    a.finish(
        async {
            let answer = input.answer.trim();
            if answer.is_empty() || answer.chars().count() > MAX_TEXT {
                return Err(ActionError::invalid(
                    "invalid_answer",
                    FieldError::new(
                        "answer",
                        "invalid_answer",
                        format!("答复内容不能为空且不超过{MAX_TEXT}字"),
                        format!("answer must be 1 to {MAX_TEXT} characters"),
                    ),
                ));
            }
            let cat = super::datasets::catalog(app).await?;
            let mut tx = a.begin().await?;
            let item = store::get(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("feedback_not_found"))?;
            let permit = match &item.provider_org_id {
                Some(org) => policy::propose_opening(actor, a.action, org)?,
                None => policy::review_opening(actor, a.action)?,
            };
            if item.objection_id.is_some() {
                return Err(ActionError::Conflict("answer_through_objection"));
            }
            let by = actor.username().unwrap_or("operator");
            if !store::answer(&mut tx, &permit, id, answer, by, now_ms()).await? {
                return Err(ActionError::Conflict("already_answered"));
            }
            let item = store::get(&mut tx, id).await?.expect("answered just now");
            a.commit(tx).await?;
            Ok(view_of(item, &cat, true))
        }
        .await,
    )
    .await
}

/// One item with its answer once given: public, never with the contact.
pub async fn get_feedback(app: &App, actor: &Actor, id: &str) -> Result<Feedback, ActionError> {
    let a = Audited::new(app, actor, Action::GetFeedback).with_target(Target::new("feedback", id));
    a.finish(
        async {
            policy::anyone(a.action)?;
            let cat = super::datasets::catalog(app).await?;
            let mut tx = app.db().begin_read().await?;
            let item = store::get(&mut tx, id).await;
            tx.rollback().await?;
            let item = item?.ok_or(ActionError::NotFound("feedback_not_found"))?;
            a.record_batched(None).await?;
            Ok(view_of(item, &cat, false))
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct FeedbackQuery {
    /// `public` (the default: every item, newest first), `mine` (the caller's own), or
    /// `waiting` (staff: the open items of the caller's unit — every unit's, for the
    /// authority and auditors — earliest due first, with the contact).
    pub view: Option<String>,
    pub kind: Option<String>,
    /// An open dataset's name.
    pub dataset: Option<String>,
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedbackPage {
    pub items: Vec<Feedback>,
    pub next_cursor: Option<String>,
}

/// Lists items: the public list, the caller's own, or what waits for an answer.
pub async fn list_feedback(
    app: &App,
    actor: &Actor,
    q: FeedbackQuery,
) -> Result<FeedbackPage, ActionError> {
    let a = Audited::new(app, actor, Action::ListFeedback);
    a.finish(
        async {
            let blank = |v: &Option<String>| given(v).map(str::to_owned);
            let view = blank(&q.view).unwrap_or_else(|| "public".to_owned());
            let mut p = Problems::default();
            let kind = blank(&q.kind);
            if kind
                .as_deref()
                .is_some_and(|k| FeedbackKind::parse(k).is_none())
            {
                p.add(
                    "invalid_kind",
                    FieldError::new(
                        "kind",
                        "invalid_kind",
                        "类型应为 data_request、error_report、suggestion 或 complaint",
                        "kind must be data_request, error_report, suggestion or complaint",
                    ),
                );
            }
            let status = blank(&q.status);
            if status
                .as_deref()
                .is_some_and(|s| FeedbackStatus::parse(s).is_none())
            {
                p.add(
                    "invalid_status",
                    FieldError::new(
                        "status",
                        "invalid_status",
                        "状态应为 open 或 answered",
                        "status must be open or answered",
                    ),
                );
            }
            p.finish()?;
            let kind = kind
                .and_then(|k| FeedbackKind::parse(&k))
                .map(|k| k.as_str());
            let status = status
                .and_then(|s| FeedbackStatus::parse(&s))
                .map(|s| s.as_str());
            let limit = crate::platform::page_limit(q.limit) as u32;
            let cursor = blank(&q.cursor);
            let cat = super::datasets::catalog(app).await?;
            let (rows, staff, waiting) = match view.as_str() {
                "public" | "mine" => {
                    let user = if view == "mine" {
                        policy::own_account(actor, a.action, false)?;
                        actor.user_id().map(str::to_owned)
                    } else {
                        policy::anyone(a.action)?;
                        None
                    };
                    let mut tx = app.db().begin_read().await?;
                    let rows = store::list(
                        &mut tx,
                        &FeedbackFilter {
                            kind,
                            dataset: blank(&q.dataset).as_deref(),
                            status,
                            user_id: user.as_deref(),
                            provider_org_id: None,
                        },
                        cursor.as_deref(),
                        limit + 1,
                    )
                    .await;
                    tx.rollback().await?;
                    (rows?, false, false)
                }
                "waiting" => {
                    // The authority and auditors see every unit's; anyone else staff of a
                    // unit sees its own (the policy refuses everyone else).
                    let org = if policy::sees_whole_catalog(actor) {
                        None
                    } else {
                        actor.org_id()
                    };
                    policy::view_unit_catalog(actor, a.action, org)?;
                    let after = match cursor.as_deref() {
                        None => None,
                        Some(c) => Some(
                            c.split_once('~')
                                .ok_or(ActionError::BadRequest("invalid_cursor"))?,
                        ),
                    };
                    let mut tx = app.db().begin_read().await?;
                    let rows = store::waiting(&mut tx, org, after, limit + 1).await;
                    tx.rollback().await?;
                    (rows?, true, true)
                }
                _ => {
                    return Err(ActionError::invalid(
                        "invalid_view",
                        FieldError::new(
                            "view",
                            "invalid_view",
                            "view 应为 public、mine 或 waiting",
                            "view must be public, mine or waiting",
                        ),
                    ));
                }
            };
            a.record_batched(None).await?;
            let more = rows.len() > limit as usize;
            let items: Vec<Feedback> = rows
                .into_iter()
                .take(limit as usize)
                .map(|i| view_of(i, &cat, staff))
                .collect();
            let next_cursor = items.last().filter(|_| more).map(|i| {
                if waiting {
                    format!("{}~{}", i.due_date, i.id)
                } else {
                    i.id.clone()
                }
            });
            Ok(FeedbackPage { items, next_cursor })
        }
        .await,
    )
    .await
}

/// An open dataset a form offers: its name and title.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DatasetChoice {
    pub name: String,
    pub title: String,
    pub provider_name: String,
    /// The names of the key's fields (`线路编号`), so a form can say what key to give.
    pub key_label: String,
}

/// The datasets on the open list, by resource code, for the portal's forms to offer. A view
/// of the public open list the portal already shows, not an action on anything: neither
/// policy-checked nor audited (like `calendar::add_working_days`).
pub async fn dataset_choices(app: &App) -> Result<Vec<DatasetChoice>, ActionError> {
    let cat = super::datasets::catalog(app).await?;
    let mut out: Vec<(String, DatasetChoice)> = cat
        .entries
        .iter()
        .filter(|e| e.row.status == "open")
        .map(|e| {
            (
                e.dataset.resource_code.clone(),
                DatasetChoice {
                    name: e.dataset.name.clone(),
                    title: e.dataset.title.clone(),
                    provider_name: e.dataset.provider_name.clone(),
                    key_label: e
                        .doc
                        .fields
                        .iter()
                        .filter(|f| f.is_key)
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" + "),
                },
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out.into_iter().map(|(_, c)| c).collect())
}
