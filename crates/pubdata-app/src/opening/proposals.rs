//! Proposals to open a resource (开放提议): a steward names the view to open (fields, masks,
//! rows) and its class; the security review runs at once on the latest published version as
//! the view would open it, and is stored with the proposal. The authority approves only a
//! proposal whose review passed, or returns it with reasons. An approval puts the resource on
//! the open list and writes its files.

use super::View;
use crate::action::Audited;
use crate::aggregation::batches::load_resource;
use crate::catalog::resources::status_of;
use crate::{ActionError, App, new_id, now_ms, rfc3339};
use pubdata_core::Actor;
use pubdata_core::aggregation::Cell;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::{OpenAttr, ResourceDoc, ResourceStatus};
use pubdata_core::opening::review::{self, ReviewProblem, SecurityReview, Treatment};
use pubdata_core::opening::{self, ProposalStatus};
use pubdata_core::policy;
use pubdata_store::Tx;
use pubdata_store::aggregation::{records, versions};
use pubdata_store::opening::datasets::{self as dataset_store, DatasetRow};
use pubdata_store::opening::proposals::{self as store, ProposalFilter, ProposalRow};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Records the review reads at most (a sample of a larger resource, said so in the review).
pub const REVIEW_MAX_ROWS: usize = 200_000;

/// The settings key of the platform's k-anonymity threshold (default
/// [`review::DEFAULT_MIN_K`]); a proposal may ask for more, never less.
pub const MIN_K_SETTING: &str = "open_min_k";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    pub open_attr: String,
    /// Field codes to open; all when empty.
    #[serde(default)]
    pub fields: Vec<String>,
    /// {field code: mask rule} (`citizen_id`, `mobile`, `name`, `address`, `bank_card`,
    /// `plate`, `full`).
    #[serde(default)]
    pub masks: BTreeMap<String, String>,
    #[serde(default)]
    pub quasi_identifiers: Vec<String>,
    /// {field code: value}: only the rows whose field equals the value open.
    #[serde(default)]
    pub row_filter: BTreeMap<String, String>,
    /// For conditional data: who may apply and on what terms (default: the catalog's).
    #[serde(default)]
    pub conditions: String,
    #[serde(default)]
    pub licence: Option<String>,
    #[serde(default)]
    pub min_k: Option<i64>,
}

/// One reason a review failed, named by field (or by the quasi-identifiers joined with `+`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    pub field: String,
    pub code: String,
    pub message: String,
    pub message_en: String,
}

/// The review as stored and shown: the verdict, its findings, and what it saw.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Review {
    pub passed: bool,
    pub findings: Vec<Finding>,
    pub data_version: i64,
    pub sample_rows: usize,
    /// The records of the version the view keeps (the review read at most
    /// [`REVIEW_MAX_ROWS`] of them).
    pub total_rows: usize,
    pub quasi_identifiers: Vec<String>,
    pub min_k: usize,
    pub k: Option<usize>,
    /// Share of records in groups smaller than `min_k`.
    pub share_below_k: Option<f64>,
    pub fields: Vec<ReviewedField>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReviewedField {
    pub field: String,
    pub name: String,
    pub grade: u8,
    /// `keep`, `mask` or `remove`.
    pub treatment: String,
    pub mask: Option<String>,
    /// Personal data its name says it holds.
    pub named: Option<String>,
    /// Personal data its values look like, and the share that do.
    pub looks_like: Option<String>,
    pub looks_like_share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    pub id: String,
    pub resource_id: String,
    pub resource_code: String,
    pub resource_name: String,
    pub provider_org_id: String,
    pub open_attr: OpenAttr,
    pub fields: Vec<String>,
    pub masks: BTreeMap<String, String>,
    pub quasi_identifiers: Vec<String>,
    pub row_filter: BTreeMap<String, String>,
    pub conditions: String,
    pub licence: String,
    pub min_k: i64,
    pub data_version: i64,
    pub status: ProposalStatus,
    pub status_label: &'static str,
    pub review: Review,
    pub proposed_by: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    pub created_at: String,
    /// The open dataset's name, once approved.
    pub dataset_name: String,
}

fn proposal_of(p: ProposalRow, doc: &ResourceDoc) -> Result<Proposal, ActionError> {
    let view = View::from_json(&p.fields, &p.masks, &p.row_filter)?;
    let status = ProposalStatus::parse(&p.status)
        .ok_or_else(|| ActionError::Unexpected(format!("proposal status {:?}", p.status)))?;
    Ok(Proposal {
        resource_code: doc.code.clone(),
        resource_name: doc.name.clone(),
        dataset_name: opening::dataset_name(&doc.code),
        open_attr: OpenAttr::parse(&p.open_attr).unwrap_or(OpenAttr::Conditional),
        fields: view.fields,
        masks: view
            .masks
            .iter()
            .map(|(k, m)| (k.clone(), m.as_str().to_owned()))
            .collect(),
        quasi_identifiers: serde_json::from_str(&p.quasi_identifiers)
            .map_err(ActionError::unexpected)?,
        row_filter: view.row_filter,
        status,
        status_label: status.label_zh(),
        review: serde_json::from_str(&p.review).map_err(ActionError::unexpected)?,
        id: p.id,
        resource_id: p.resource_id,
        provider_org_id: p.provider_org_id,
        conditions: p.conditions,
        licence: p.licence,
        min_k: p.min_k,
        data_version: p.data_version,
        proposed_by: p.proposed_by,
        decided_by: p.decided_by,
        decided_at: p.decided_at.map(rfc3339),
        decision_reason: p.decision_reason,
        created_at: rfc3339(p.created_at),
    })
}

fn invalid(field: &str, code: &'static str, zh: String, en: String) -> ActionError {
    super::invalid(field, code, zh, en)
}

/// The platform's k-anonymity threshold.
async fn platform_min_k(tx: &mut Tx) -> Result<usize, ActionError> {
    Ok(pubdata_store::settings::get(tx, MIN_K_SETTING)
        .await?
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|k| *k >= 2)
        .unwrap_or(review::DEFAULT_MIN_K))
}

/// The records of a published version as the view keeps them (rows filtered, masked fields
/// masked), every field in the resource's order, at most `max` of them; and how many the
/// view keeps in all.
pub(crate) async fn view_rows(
    tx: &mut Tx,
    resource_id: &str,
    doc: &ResourceDoc,
    view: &View,
    published_at: i64,
    max: usize,
) -> Result<(Vec<Vec<Option<String>>>, usize), ActionError> {
    let Some(table) = records::get_table(tx, resource_id).await? else {
        return Ok((Vec::new(), 0));
    };
    let positions: Vec<Option<usize>> = doc
        .fields
        .iter()
        .map(|f| table.columns.iter().position(|c| c.code == f.code))
        .collect();
    let masks: Vec<Option<pubdata_core::masking::Mask>> = doc
        .fields
        .iter()
        .map(|f| view.masks.get(&f.code).copied())
        .collect();
    let mut rows = Vec::new();
    let mut total = 0usize;
    let mut after: Option<String> = None;
    loop {
        let page = records::scan(tx, &table, Some(published_at), after.as_deref(), 10_000).await?;
        let Some((last, _)) = page.last() else { break };
        after = Some(last.clone());
        for (_, cells) in page {
            let values: Vec<Option<String>> = positions
                .iter()
                .map(|p| {
                    p.map(|p| &cells[p])
                        .filter(|c| !c.is_null())
                        .map(Cell::to_text)
                })
                .collect();
            if !view.keeps(doc, &values) {
                continue;
            }
            total += 1;
            if rows.len() < max {
                rows.push(
                    values
                        .into_iter()
                        .zip(&masks)
                        .map(|(v, m)| match m {
                            Some(m) => v.map(|v| m.apply(&v)),
                            None => v,
                        })
                        .collect(),
                );
            }
        }
    }
    Ok((rows, total))
}

fn findings(review: &SecurityReview, doc: &ResourceDoc) -> Vec<Finding> {
    let name_of = |code: &str| {
        doc.fields
            .iter()
            .find(|f| f.code == code)
            .map_or_else(|| code.to_owned(), |f| f.name.clone())
    };
    let kind_zh = |kind: &str| {
        pubdata_core::masking::Mask::parse(kind).map_or(kind.to_owned(), |m| {
            m.label_zh().split('（').next().unwrap_or(kind).to_owned()
        })
    };
    review
        .problems
        .iter()
        .map(|p| {
            let (field, message, message_en) = match p {
                ReviewProblem::PersonalDataUnmasked { field, kind, by } => (
                    field.clone(),
                    format!(
                        "信息项“{}”（{field}）{}含有个人信息（{}），未脱敏不得开放：请去除或脱敏",
                        name_of(field),
                        if *by == "name" { "按名称判断" } else { "按样本取值判断" },
                        kind_zh(kind)
                    ),
                    format!(
                        "field {field} holds personal data ({kind}, by its {by}) and is kept unmasked: remove or mask it"
                    ),
                ),
                ReviewProblem::SensitiveFieldKept { field, grade } => (
                    field.clone(),
                    format!(
                        "信息项“{}”（{field}）为{grade}级敏感数据，须去除或脱敏后方可开放",
                        name_of(field)
                    ),
                    format!("field {field} is of grade {grade}: remove or mask it"),
                ),
                ReviewProblem::GroupTooSmall {
                    fields,
                    k,
                    min_k,
                    records_below,
                    share_below,
                } => (
                    fields.join("+"),
                    format!(
                        "准标识符 {} 组合下最小分组仅 {k} 条记录（要求不少于 {min_k} 条），低于阈值的记录 {records_below} 条，占 {:.1}%：请去除、泛化或脱敏准标识符",
                        fields.join("+"),
                        share_below * 100.0
                    ),
                    format!(
                        "over {} the smallest group has {k} records (at least {min_k} needed); {records_below} records ({:.1}%) are in smaller groups",
                        fields.join("+"),
                        share_below * 100.0
                    ),
                ),
                ReviewProblem::UnknownQuasiIdentifier { field } => (
                    field.clone(),
                    format!("准标识符 {field} 不是开放的信息项"),
                    format!("quasi-identifier {field} is not an opened field"),
                ),
            };
            Finding {
                field,
                code: p.code().to_owned(),
                message,
                message_en,
            }
        })
        .collect()
}

/// Runs the security review of `view` on version `data_version` of the resource.
pub(crate) async fn run_review(
    tx: &mut Tx,
    resource_id: &str,
    doc: &ResourceDoc,
    view: &View,
    quasi: &[String],
    min_k: usize,
    (data_version, published_at): (i64, i64),
) -> Result<Review, ActionError> {
    let (rows, total) =
        view_rows(tx, resource_id, doc, view, published_at, REVIEW_MAX_ROWS).await?;
    let treatment: HashMap<String, Treatment> = doc
        .fields
        .iter()
        .map(|f| {
            let t = if !view.fields.contains(&f.code) {
                Treatment::Remove
            } else if let Some(m) = view.masks.get(&f.code) {
                Treatment::Mask(*m)
            } else {
                Treatment::Keep
            };
            (f.code.clone(), t)
        })
        .collect();
    let r = review::review(&doc.fields, &treatment, quasi, &rows, min_k);
    let share_below_k = r.problems.iter().find_map(|p| match p {
        ReviewProblem::GroupTooSmall { share_below, .. } => Some(*share_below),
        _ => None,
    });
    Ok(stored_review(
        &r,
        findings(&r, doc),
        doc,
        data_version,
        total,
        share_below_k,
    ))
}

/// A review's result as the proposal stores it.
pub fn stored_review(
    r: &review::SecurityReview,
    findings: Vec<Finding>,
    doc: &ResourceDoc,
    data_version: i64,
    total_rows: usize,
    share_below_k: Option<f64>,
) -> Review {
    Review {
        passed: r.passed,
        findings,
        data_version,
        sample_rows: r.sample_rows,
        total_rows,
        quasi_identifiers: r.quasi_identifiers.clone(),
        min_k: r.min_k,
        k: r.k,
        share_below_k: share_below_k.or(r.k.map(|_| 0.0)),
        fields: r
            .fields
            .iter()
            .zip(&doc.fields)
            .map(|(c, f)| {
                let (treatment, mask) = match c.treatment {
                    Treatment::Keep => ("keep", None),
                    Treatment::Mask(m) => ("mask", Some(m.as_str().to_owned())),
                    Treatment::Remove => ("remove", None),
                };
                ReviewedField {
                    field: c.field.clone(),
                    name: f.name.clone(),
                    grade: c.grade,
                    treatment: treatment.to_owned(),
                    mask,
                    named: c.named.map(str::to_owned),
                    looks_like: c.looks_like.map(|(k, _)| k.to_owned()),
                    looks_like_share: c.looks_like.map(|(_, s)| s),
                }
            })
            .collect(),
    }
}

/// The latest published data version of a resource: (number, published_at).
pub(crate) async fn latest_version(
    tx: &mut Tx,
    resource_id: &str,
) -> Result<Option<(i64, i64)>, ActionError> {
    Ok(versions::list(tx, resource_id)
        .await?
        .into_iter()
        .max_by_key(|v| v.number)
        .map(|v| (v.number, v.published_at)))
}

/// Files a proposal to open a resource; its security review runs at once.
pub async fn propose_opening(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    input: ProposalInput,
) -> Result<Proposal, ActionError> {
    let a = Audited::new(app, actor, Action::ProposeOpening)
        .with_target(Target::new("resource", resource_id));
    a.finish(
        async {
            // The review reads the whole version: in a read transaction, never holding the
            // write lock; the proposal is written afterwards.
            let mut tx = a.app.db().begin_read().await?;
            let (row, doc) = load_resource(&mut tx, resource_id).await?;
            let permit = policy::propose_opening(actor, a.action, &row.provider_org_id)?;
            if status_of(&row)? != ResourceStatus::Published {
                return Err(ActionError::Conflict("resource_not_published"));
            }
            if doc.open_attr == OpenAttr::NotOpen {
                return Err(ActionError::Forbidden("not_open"));
            }
            let mut p = crate::error::Problems::default();
            let class = match OpenAttr::parse(&input.open_attr) {
                Some(c @ (OpenAttr::Unconditional | OpenAttr::Conditional)) => Some(c),
                _ => {
                    p.add(
                        "invalid_open_attr",
                        crate::FieldError::new(
                            "open_attr",
                            "invalid_open_attr",
                            "开放类型应为 unconditional（无条件开放）或 conditional（有条件开放）",
                            "open_attr must be unconditional or conditional",
                        ),
                    );
                    None
                }
            };
            if class == Some(OpenAttr::Unconditional) && doc.open_attr == OpenAttr::Conditional {
                p.keep::<()>(Err(invalid(
                    "open_attr",
                    "open_class_exceeds_catalog",
                    "目录将该资源列为有条件开放，不能提议无条件开放".into(),
                    "the catalog opens this resource conditionally only".into(),
                )))?;
            }
            let view = p.keep(View::parse(
                &doc,
                &input.fields,
                &input.masks,
                &input.row_filter,
            ))?;
            let conditions = match input.conditions.trim() {
                "" => doc.open_condition.trim().to_owned(),
                c => c.to_owned(),
            };
            if class == Some(OpenAttr::Conditional) && conditions.is_empty() {
                p.keep::<()>(Err(invalid(
                    "conditions",
                    "open_condition_required",
                    "有条件开放须写明开放条件".into(),
                    "conditional opening needs its conditions".into(),
                )))?;
            }
            if conditions.chars().count() > 2000 {
                p.keep::<()>(Err(invalid(
                    "conditions",
                    "invalid_conditions",
                    "开放条件不超过2000字".into(),
                    "conditions must be at most 2000 characters".into(),
                )))?;
            }
            let licence = input
                .licence
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .unwrap_or(opening::DEFAULT_LICENCE);
            if !opening::LICENCES.iter().any(|(id, _)| *id == licence) {
                let ids: Vec<&str> = opening::LICENCES.iter().map(|(id, _)| *id).collect();
                p.keep::<()>(Err(invalid(
                    "licence",
                    "unknown_licence",
                    format!("开放许可应为：{}", ids.join("、")),
                    format!("licence must be one of {}", ids.join(", ")),
                )))?;
            }
            let floor = platform_min_k(&mut tx).await?;
            let min_k = match input.min_k {
                None => floor,
                Some(k) if k >= floor as i64 && k <= 1000 => k as usize,
                Some(_) => {
                    p.keep::<()>(Err(invalid(
                        "min_k",
                        "invalid_min_k",
                        format!("k 值应在 {floor} 至 1000 之间（平台要求不低于 {floor}）"),
                        format!("min_k must be {floor} to 1000"),
                    )))?;
                    floor
                }
            };
            let quasi: Vec<String> = input
                .quasi_identifiers
                .iter()
                .map(|q| q.trim().to_owned())
                .filter(|q| !q.is_empty())
                .collect();
            p.finish()?;
            let (view, class) = (view.expect("checked"), class.expect("checked"));
            let version = latest_version(&mut tx, resource_id)
                .await?
                .ok_or(ActionError::Conflict("no_data_version"))?;
            let review =
                run_review(&mut tx, resource_id, &doc, &view, &quasi, min_k, version).await?;
            let (fields, masks, row_filter) = view.to_json();
            let row = ProposalRow {
                id: new_id(),
                resource_id: resource_id.to_owned(),
                provider_org_id: row.provider_org_id.clone(),
                open_attr: class.as_str().to_owned(),
                fields,
                masks,
                quasi_identifiers: serde_json::to_string(&quasi).expect("strings serialize"),
                row_filter,
                conditions: if class == OpenAttr::Conditional {
                    conditions
                } else {
                    String::new()
                },
                licence: licence.to_owned(),
                min_k: min_k as i64,
                data_version: version.0,
                review_passed: review.passed,
                review: serde_json::to_string(&review).map_err(ActionError::unexpected)?,
                status: ProposalStatus::Proposed.as_str().to_owned(),
                proposed_by: actor.username().unwrap_or("operator").to_owned(),
                decided_by: None,
                decided_at: None,
                decision_reason: None,
                created_at: now_ms(),
            };
            tx.rollback().await?;
            let mut tx = a.begin().await?;
            store::insert(&mut tx, &permit, &row).await?;
            a.set_target(Target::new("open_proposal", &row.id));
            a.commit(tx).await?;
            proposal_of(row, &doc)
        }
        .await,
    )
    .await
}

/// Loads a proposal with its resource's content.
async fn load(tx: &mut Tx, id: &str) -> Result<(ProposalRow, ResourceDoc), ActionError> {
    let p = store::get(tx, id)
        .await?
        .ok_or(ActionError::NotFound("proposal_not_found"))?;
    let (_, doc) = load_resource(tx, &p.resource_id).await?;
    Ok((p, doc))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    #[serde(default)]
    pub reason: String,
}

/// The authority approves a proposal whose review passed: the resource goes on the open list
/// (or its entry takes the new terms) and the files of its versions are written as opened.
pub async fn approve_opening(
    app: &App,
    actor: &Actor,
    id: &str,
    input: DecisionInput,
) -> Result<Proposal, ActionError> {
    let a = Audited::new(app, actor, Action::ApproveOpening)
        .with_target(Target::new("open_proposal", id));
    let proposal = a
        .finish(
            async {
                let permit = policy::review_opening(actor, a.action)?;
                let mut tx = a.begin().await?;
                let (p, doc) = load(&mut tx, id).await?;
                if p.status != ProposalStatus::Proposed.as_str() {
                    return Err(ActionError::Conflict("proposal_not_pending"));
                }
                if !p.review_passed {
                    return Err(ActionError::Conflict("security_review_failed"));
                }
                let (resource, _) = load_resource(&mut tx, &p.resource_id).await?;
                if status_of(&resource)? != ResourceStatus::Published {
                    return Err(ActionError::Conflict("resource_not_published"));
                }
                if doc.open_attr == OpenAttr::NotOpen {
                    return Err(ActionError::Forbidden("not_open"));
                }
                let now = now_ms();
                let reason = input.reason.trim();
                store::decide(
                    &mut tx,
                    &permit,
                    id,
                    ProposalStatus::Approved.as_str(),
                    actor.username().unwrap_or("operator"),
                    now,
                    Some(reason).filter(|r| !r.is_empty()),
                )
                .await?;
                dataset_store::upsert(
                    &mut tx,
                    &permit,
                    &DatasetRow {
                        id: new_id(),
                        name: opening::dataset_name(&doc.code),
                        resource_id: p.resource_id.clone(),
                        provider_org_id: p.provider_org_id.clone(),
                        proposal_id: p.id.clone(),
                        open_attr: p.open_attr.clone(),
                        fields: p.fields.clone(),
                        masks: p.masks.clone(),
                        row_filter: p.row_filter.clone(),
                        conditions: p.conditions.clone(),
                        licence: p.licence.clone(),
                        status: "open".into(),
                        closed_reason: None,
                        opened_at: now,
                        updated_at: now,
                    },
                )
                .await?;
                let p = store::get(&mut tx, id).await?.expect("decided just now");
                a.commit(tx).await?;
                proposal_of(p, &doc)
            }
            .await,
        )
        .await?;
    // The files are the platform's work, not the approver's: a failure here is logged and the
    // first download writes them.
    if let Err(e) = super::files::write_missing(app, &proposal.dataset_name).await {
        tracing::error!(dataset = %proposal.dataset_name, error = %e, "writing open files");
    }
    Ok(proposal)
}

/// The authority returns a proposal with its reasons.
pub async fn return_opening(
    app: &App,
    actor: &Actor,
    id: &str,
    input: DecisionInput,
) -> Result<Proposal, ActionError> {
    let a = Audited::new(app, actor, Action::ReturnOpening)
        .with_target(Target::new("open_proposal", id));
    a.finish(
        async {
            let permit = policy::review_opening(actor, a.action)?;
            let reason = crate::sharing::required_text(
                "reason",
                &input.reason,
                2000,
                ("退回理由", "reason"),
            )?;
            let mut tx = a.begin().await?;
            let (p, doc) = load(&mut tx, id).await?;
            if p.status != ProposalStatus::Proposed.as_str() {
                return Err(ActionError::Conflict("proposal_not_pending"));
            }
            store::decide(
                &mut tx,
                &permit,
                id,
                ProposalStatus::Returned.as_str(),
                actor.username().unwrap_or("operator"),
                now_ms(),
                Some(&reason),
            )
            .await?;
            let p = store::get(&mut tx, id).await?.expect("decided just now");
            a.commit(tx).await?;
            proposal_of(p, &doc)
        }
        .await,
    )
    .await
}

/// One proposal: its unit's staff and the authority.
pub async fn get_proposal(app: &App, actor: &Actor, id: &str) -> Result<Proposal, ActionError> {
    let a = Audited::new(app, actor, Action::GetOpenProposal)
        .with_target(Target::new("open_proposal", id));
    a.finish(
        async {
            let mut tx = a.app.db().begin_read().await?;
            let (p, doc) = load(&mut tx, id).await?;
            policy::view_unit_catalog(actor, a.action, Some(&p.provider_org_id))?;
            a.record_read(tx).await?;
            proposal_of(p, &doc)
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProposalQuery {
    pub resource_id: Option<String>,
    pub org_id: Option<String>,
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProposalPage {
    pub items: Vec<Proposal>,
    pub next_cursor: Option<String>,
}

/// Proposals, newest first: a unit's own (its staff), or every unit's (the authority).
pub async fn list_proposals(
    app: &App,
    actor: &Actor,
    q: ProposalQuery,
) -> Result<ProposalPage, ActionError> {
    let a = Audited::new(app, actor, Action::ListOpenProposals);
    a.finish(
        async {
            let blank = |s: &Option<String>| {
                s.as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            let org = match blank(&q.org_id) {
                Some(o) => Some(o),
                None if policy::sees_whole_catalog(actor) => None,
                None => actor.org_id().map(str::to_owned),
            };
            policy::view_unit_catalog(actor, a.action, org.as_deref())?;
            if let Some(s) = blank(&q.status)
                && ProposalStatus::parse(&s).is_none()
            {
                return Err(ActionError::BadRequest("invalid_status"));
            }
            let limit = crate::platform::page_limit(q.limit);
            let mut tx = a.app.db().begin_read().await?;
            let (resource_id, status, cursor) =
                (blank(&q.resource_id), blank(&q.status), blank(&q.cursor));
            let rows = store::list(
                &mut tx,
                &ProposalFilter {
                    resource_id: resource_id.as_deref(),
                    provider_org_id: org.as_deref(),
                    status: status.as_deref(),
                    before: cursor.as_deref(),
                },
                limit as u32,
            )
            .await?;
            let mut items = Vec::with_capacity(rows.len());
            let mut docs: HashMap<String, ResourceDoc> = HashMap::new();
            for r in rows {
                if !docs.contains_key(&r.resource_id) {
                    let (_, doc) = load_resource(&mut tx, &r.resource_id).await?;
                    docs.insert(r.resource_id.clone(), doc);
                }
                items.push(proposal_of(r.clone(), &docs[&r.resource_id])?);
            }
            a.record_read(tx).await?;
            let next_cursor = (items.len() as i64 == limit)
                .then(|| items.last().map(|p: &Proposal| p.id.clone()))
                .flatten();
            Ok(ProposalPage { items, next_cursor })
        }
        .await,
    )
    .await
}
