//! Conditional opening (有条件开放): a registered user applies for a conditional dataset,
//! stating the purpose, the scenario and who applies (a person, or an organisation with its
//! unified social credit code), and accepts the security commitment (安全承诺书), whose
//! version is recorded with the time. Then:
//!
//! 1. the authority checks the materials (`open_materials`, 5 working days);
//! 2. the provider reviews (`open_reply`, 15 working days from the day it received the
//!    application), and may extend its reply once (`open_reply_extension`, 15 working days)
//!    with a reason the applicant sees; a refusal gives its reason and legal basis;
//! 3. an approval makes the agreement (开放利用协议): its fields, purpose, scenario, period,
//!    obligations and call quota.
//!
//! The agreement's API key is taken by its holder ([`take_agreement_key`]), not handed out
//! with the approval: the approval is the provider's act, and a key shown to the provider's
//! staff would be a credential of someone else. Taking a key again replaces the earlier one
//! (a lost key is not a dead end, and only one key of an agreement reads at a time).
//!
//! The holder reports its use and results once a month ([`report_open_use`]); a month's
//! report is due `open_use_report` working days after the month ends, and missing ones past
//! that are listed for the provider ([`list_use_reports`]).

use super::keys::{self, CreatedKey};
use crate::action::Audited;
use crate::error::{FieldError, Problems};
use crate::sharing::parse_codes;
use crate::sharing::requests::two_way;
use crate::{ActionError, App, new_id, now_ms, rfc3339};
use chrono::{Datelike, Months, NaiveDate};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::calendar::WorkCalendar;
use pubdata_core::catalog::OpenAttr;
use pubdata_core::identifiers::CreditCode;
use pubdata_core::opening::{
    AGREEMENT_OBLIGATIONS, ApplicationStatus, ApplicationStep, COMMITMENT_VERSION,
    OPEN_EXTENSION_RULE, USE_REPORT_RULE,
};
use pubdata_core::policy::{self, Permit};
use pubdata_store::Tx;
use pubdata_store::opening::applications::{
    self as store, AgreementFilter, AgreementKeyRow, AgreementRow, ApplicationFilter,
    ApplicationRow, ReportFilter, StepClosing, StepRow, UseReportRow,
};
use pubdata_store::opening::datasets as dataset_store;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The longest period an application may ask for.
pub const MAX_PERIOD_MONTHS: u32 = 36;
/// The period asked for when none is named: a year from today.
pub const DEFAULT_PERIOD_MONTHS: u32 = 12;
/// The most calls a minute an agreement may allow.
pub const MAX_RATE_PER_MINUTE: i64 = 100_000;
/// Active agreements the overdue list looks at, at most (a provider has tens, not thousands).
const MAX_AGREEMENTS_CHECKED: u32 = 10_000;

// ---------------------------------------------------------------------------------------
// What the actions take and answer
// ---------------------------------------------------------------------------------------

/// Who applies: a person, or an organisation (法人或其他组织) with its credit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Person,
    Organisation,
}

impl ApplicantKind {
    pub const ALL: [ApplicantKind; 2] = [ApplicantKind::Person, ApplicantKind::Organisation];

    pub fn parse(s: &str) -> Option<ApplicantKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim() || k.label_zh() == s.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicantKind::Person => "person",
            ApplicantKind::Organisation => "organisation",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ApplicantKind::Person => "自然人",
            ApplicantKind::Organisation => "法人或其他组织",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ApplicantKind::Person => "Person",
            ApplicantKind::Organisation => "Organisation",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    /// `person` or `organisation`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    /// Required for an organisation; not kept for a person.
    #[serde(default)]
    pub uscc: Option<String>,
    /// How the authority and the provider reach the applicant (e-mail or telephone).
    #[serde(default)]
    pub contact: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    /// The open dataset's name (`3-09-001-0001`).
    pub dataset: String,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub scenario: String,
    #[serde(default)]
    pub applicant: ApplicantInput,
    /// Opened field codes asked for; all the opened fields when none.
    #[serde(default)]
    pub fields: Vec<String>,
    /// `YYYY-MM-DD`, inclusive; default today and a year later, at most three years.
    #[serde(default)]
    pub period_start: Option<String>,
    #[serde(default)]
    pub period_end: Option<String>,
    #[serde(default)]
    pub commitment_accepted: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Applicant {
    pub kind: ApplicantKind,
    pub kind_label: &'static str,
    pub name: String,
    pub uscc: Option<String>,
    pub contact: String,
}

/// One step of an application as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Step {
    pub step: ApplicationStep,
    pub step_label: &'static str,
    /// The unit the step waits on; None: the data authority.
    pub actor_org_id: Option<String>,
    pub opened_on: String,
    pub due_date: String,
    pub rule_key: String,
    pub rule_days: i64,
    pub rule_source: String,
    /// The extension of the provider's reply, once: its working days and its reason.
    pub extended_days: Option<i64>,
    pub extension_reason: Option<String>,
    pub extended_at: Option<String>,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
    pub decision: Option<String>,
    pub reason: Option<String>,
    pub legal_basis: Option<String>,
    /// Open and past its due date (Beijing time).
    pub overdue: bool,
}

impl Step {
    fn from_row(s: StepRow, today: &str) -> Result<Step, ActionError> {
        let step = ApplicationStep::parse(&s.step)
            .ok_or_else(|| ActionError::Unexpected(format!("application step {:?}", s.step)))?;
        Ok(Step {
            step,
            step_label: step.label_zh(),
            overdue: s.done_at.is_none() && s.due_date.as_str() < today,
            actor_org_id: s.actor_org_id,
            opened_on: s.opened_on,
            due_date: s.due_date,
            rule_key: s.rule_key,
            rule_days: s.rule_days,
            rule_source: s.rule_source,
            extended_days: s.extended_days,
            extension_reason: s.extension_reason,
            extended_at: s.extended_at.map(rfc3339),
            done_at: s.done_at.map(rfc3339),
            done_by: s.done_by,
            decision: s.decision,
            reason: s.reason,
            legal_basis: s.legal_basis,
        })
    }
}

/// The key of an agreement as it stands (never the key itself, which is shown once).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AgreementKey {
    pub id: String,
    pub prefix: String,
    pub created_at: String,
    pub expires_at: String,
}

/// An agreement (开放利用协议): what its holder may read, what for, until when, on what
/// terms.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Agreement {
    pub id: String,
    pub application_id: String,
    pub dataset: String,
    pub dataset_title: String,
    pub provider_org_id: String,
    pub provider_name: String,
    pub user_id: String,
    pub holder: String,
    pub applicant_name: String,
    pub fields: Vec<String>,
    pub purpose: String,
    pub scenario: String,
    pub obligations: String,
    pub starts_on: String,
    pub ends_on: String,
    pub rate_per_minute: i64,
    /// `active` or `terminated`.
    pub status: String,
    /// Active and within its period today.
    pub in_force: bool,
    /// The key that reads under it now, if its holder has taken one.
    pub key: Option<AgreementKey>,
    pub created_at: String,
}

/// An application for conditional data (开放申请, DESIGN.md `OpenRequest`) with its steps, and its
/// agreement once approved.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OpenRequest {
    pub id: String,
    pub dataset: String,
    pub dataset_title: String,
    pub provider_org_id: String,
    pub provider_name: String,
    pub user_id: String,
    pub username: String,
    pub purpose: String,
    pub scenario: String,
    pub applicant: Applicant,
    pub fields: Vec<String>,
    pub period_start: String,
    pub period_end: String,
    pub commitment_version: String,
    pub commitment_accepted_at: String,
    pub status: ApplicationStatus,
    pub status_label: &'static str,
    pub agreement_id: Option<String>,
    pub agreement: Option<Agreement>,
    pub steps: Vec<Step>,
    /// Its open step is past its due date.
    pub overdue: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl OpenRequest {
    /// The step it waits at, if any.
    pub fn open_step(&self) -> Option<&Step> {
        self.steps.iter().rev().find(|s| s.done_at.is_none())
    }
}

fn today() -> NaiveDate {
    crate::today()
}

fn invalid(field: &str, code: &'static str, zh: String, en: String) -> ActionError {
    ActionError::invalid(code, FieldError::new(field, code, zh, en))
}

/// Dataset and unit names, from the open catalog kept in memory (closed datasets too).
struct Names {
    datasets: HashMap<String, (String, String)>,
    orgs: HashMap<String, String>,
}

impl Names {
    async fn load(app: &App) -> Result<Names, ActionError> {
        let cat = super::datasets::catalog(app).await?;
        Ok(Names {
            datasets: cat
                .entries
                .iter()
                .map(|e| {
                    (
                        e.row.id.clone(),
                        (e.row.name.clone(), e.dataset.title.clone()),
                    )
                })
                .collect(),
            orgs: cat.org_names.clone(),
        })
    }

    fn dataset(&self, id: &str) -> (String, String) {
        self.datasets
            .get(id)
            .cloned()
            .unwrap_or_else(|| (id.to_owned(), String::new()))
    }

    fn org(&self, id: &str) -> String {
        self.orgs.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }
}

fn agreement_of(
    a: AgreementRow,
    keys: &[AgreementKeyRow],
    names: &Names,
) -> Result<Agreement, ActionError> {
    let today = today().to_string();
    let now = now_ms();
    let (dataset, dataset_title) = names.dataset(&a.dataset_id);
    let key = keys
        .iter()
        .rev()
        .find(|k| k.agreement_id == a.id && k.revoked_at.is_none() && k.expires_at > now)
        .map(|k| AgreementKey {
            id: k.token_id.clone(),
            prefix: k.prefix.clone(),
            created_at: rfc3339(k.created_at),
            expires_at: rfc3339(k.expires_at),
        });
    Ok(Agreement {
        fields: parse_codes(&a.fields)?,
        in_force: a.status == "active" && a.starts_on <= today && today <= a.ends_on,
        provider_name: names.org(&a.provider_org_id),
        dataset,
        dataset_title,
        key,
        id: a.id,
        application_id: a.application_id,
        provider_org_id: a.provider_org_id,
        user_id: a.user_id,
        holder: a.holder,
        applicant_name: a.applicant_name,
        purpose: a.purpose,
        scenario: a.scenario,
        obligations: a.obligations,
        starts_on: a.starts_on,
        ends_on: a.ends_on,
        rate_per_minute: a.rate_per_minute,
        status: a.status,
        created_at: rfc3339(a.created_at),
    })
}

/// What one application is read with: its steps, and its agreement with its keys.
struct Loaded {
    row: ApplicationRow,
    steps: Vec<StepRow>,
    agreement: Option<AgreementRow>,
    keys: Vec<AgreementKeyRow>,
}

fn application_of(l: Loaded, names: &Names) -> Result<OpenRequest, ActionError> {
    let today = today().to_string();
    let r = l.row;
    let status = ApplicationStatus::parse(&r.status)
        .ok_or_else(|| ActionError::Unexpected(format!("application status {:?}", r.status)))?;
    let kind = ApplicantKind::parse(&r.applicant_kind)
        .ok_or_else(|| ActionError::Unexpected(format!("applicant kind {:?}", r.applicant_kind)))?;
    let steps = l
        .steps
        .into_iter()
        .map(|s| Step::from_row(s, &today))
        .collect::<Result<Vec<_>, _>>()?;
    let (dataset, dataset_title) = names.dataset(&r.dataset_id);
    Ok(OpenRequest {
        fields: parse_codes(&r.fields)?,
        overdue: steps.iter().any(|s| s.overdue),
        steps,
        agreement: l
            .agreement
            .map(|a| agreement_of(a, &l.keys, names))
            .transpose()?,
        provider_name: names.org(&r.provider_org_id),
        dataset,
        dataset_title,
        applicant: Applicant {
            kind,
            kind_label: kind.label_zh(),
            name: r.applicant_name,
            uscc: r.applicant_uscc,
            contact: r.applicant_contact,
        },
        status,
        status_label: status.label_zh(),
        id: r.id,
        provider_org_id: r.provider_org_id,
        user_id: r.user_id,
        username: r.username,
        purpose: r.purpose,
        scenario: r.scenario,
        period_start: r.period_start,
        period_end: r.period_end,
        commitment_version: r.commitment_version,
        commitment_accepted_at: rfc3339(r.commitment_at),
        agreement_id: r.agreement_id,
        created_at: rfc3339(r.created_at),
        updated_at: rfc3339(r.updated_at),
    })
}

async fn load(tx: &mut Tx, id: &str) -> Result<Loaded, ActionError> {
    let row = store::get(tx, id)
        .await?
        .ok_or(ActionError::NotFound("open_application_not_found"))?;
    let steps = store::steps(tx, id).await?;
    let agreement = match &row.agreement_id {
        Some(a) => store::get_agreement(tx, a).await?,
        None => None,
    };
    let keys = match &agreement {
        Some(a) => store::agreement_keys(tx, std::slice::from_ref(&a.id)).await?,
        None => Vec::new(),
    };
    Ok(Loaded {
        row,
        steps,
        agreement,
        keys,
    })
}

/// Reads the application back as the action left it, commits, and answers it.
async fn committed(a: &Audited<'_>, mut tx: Tx, id: &str) -> Result<OpenRequest, ActionError> {
    let loaded = load(&mut tx, id).await?;
    a.commit(tx).await?;
    application_of(loaded, &Names::load(a.app).await?)
}

/// The open step, if it is of `kind`; else the application is not at that step.
fn open_step_of(steps: &[StepRow], kind: ApplicationStep) -> Result<&StepRow, ActionError> {
    steps
        .iter()
        .rev()
        .find(|s| s.done_at.is_none())
        .filter(|s| s.step == kind.as_str())
        .ok_or(ActionError::Conflict("open_application_not_at_this_step"))
}

/// Opens a step, due under its rule from today.
async fn open_step(
    tx: &mut Tx,
    permit: &Permit,
    application_id: &str,
    seq: i64,
    kind: ApplicationStep,
    actor_org_id: Option<&str>,
) -> Result<(), ActionError> {
    let today = today();
    let (due, rule) = crate::calendar::due_by_rule(tx, kind.rule_key(), today).await?;
    store::insert_step(
        tx,
        permit,
        &StepRow {
            application_id: application_id.to_owned(),
            seq,
            step: kind.as_str().to_owned(),
            actor_org_id: actor_org_id.map(str::to_owned),
            opened_on: today.to_string(),
            due_date: due.to_string(),
            rule_key: rule.key,
            rule_days: rule.days,
            rule_source: rule.legal_source,
            extended_days: None,
            extension_reason: None,
            extended_at: None,
            done_at: None,
            done_by: None,
            decision: None,
            reason: None,
            legal_basis: None,
        },
    )
    .await?;
    Ok(())
}

/// Closes the open step with its decision and moves the application on; a step someone else
/// closed meanwhile is a conflict.
async fn close_step(
    tx: &mut Tx,
    permit: &Permit,
    r: &ApplicationRow,
    seq: i64,
    d: StepClosing<'_>,
    to: ApplicationStatus,
    agreement_id: Option<&str>,
) -> Result<(), ActionError> {
    let at = d.at;
    if !store::close_step(tx, permit, &r.id, seq, d).await?
        || !store::set_status(tx, permit, &r.id, &r.status, to.as_str(), agreement_id, at).await?
    {
        return Err(ActionError::Conflict("open_application_not_at_this_step"));
    }
    Ok(())
}

fn by(actor: &Actor) -> &str {
    actor.username().unwrap_or("operator")
}

// ---------------------------------------------------------------------------------------
// Filing
// ---------------------------------------------------------------------------------------

/// The opened fields asked for, in the dataset's order: all of them when none is named.
fn check_fields(opened: &[String], asked: &[String]) -> Result<Vec<String>, ActionError> {
    let asked: Vec<&str> = asked
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    if asked.is_empty() {
        return Ok(opened.to_vec());
    }
    let unknown: Vec<&str> = asked
        .iter()
        .copied()
        .filter(|c| !opened.iter().any(|o| o == c))
        .collect();
    if !unknown.is_empty() {
        let list = unknown.join(", ");
        return Err(invalid(
            "fields",
            "unknown_field",
            format!("数据集没有开放这些信息项：{list}"),
            format!("the dataset does not open the fields {list}"),
        ));
    }
    let mut seen = HashSet::new();
    if let Some(dup) = asked.iter().find(|c| !seen.insert(**c)) {
        return Err(invalid(
            "fields",
            "duplicate_field",
            format!("信息项重复：{dup}"),
            format!("field {dup} is named twice"),
        ));
    }
    Ok(opened
        .iter()
        .filter(|o| asked.contains(&o.as_str()))
        .cloned()
        .collect())
}

fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The period asked for: from today or later, ending after it starts, at most
/// [`MAX_PERIOD_MONTHS`]; a year from today when not named.
fn check_period(
    p: &mut Problems,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<Option<(NaiveDate, NaiveDate)>, ActionError> {
    let today = today();
    let start = match nonempty(start) {
        None => Some(today),
        Some(s) => p.keep(crate::calendar::parse_date("period_start", s))?,
    };
    let end = match (nonempty(end), start) {
        (Some(e), _) => p.keep(crate::calendar::parse_date("period_end", e))?,
        (None, Some(s)) => s.checked_add_months(Months::new(DEFAULT_PERIOD_MONTHS)),
        (None, None) => None,
    };
    let (Some(start), Some(end)) = (start, end) else {
        return Ok(None);
    };
    if start < today {
        p.add(
            "period_in_past",
            FieldError::new(
                "period_start",
                "period_in_past",
                format!("使用期限须从今天（{today}）或以后开始"),
                format!("the period must start today ({today}) or later"),
            ),
        );
    } else if end < start {
        p.add(
            "invalid_period",
            FieldError::new(
                "period_end",
                "invalid_period",
                "使用期限的结束日期早于开始日期",
                "the period ends before it starts",
            ),
        );
    } else if start
        .checked_add_months(Months::new(MAX_PERIOD_MONTHS))
        .is_none_or(|longest| end > longest)
    {
        p.add(
            "invalid_period",
            FieldError::new(
                "period_end",
                "period_too_long",
                format!("使用期限最长{}年", MAX_PERIOD_MONTHS / 12),
                format!("the period is at most {} years", MAX_PERIOD_MONTHS / 12),
            ),
        );
    } else {
        return Ok(Some((start, end)));
    }
    Ok(None)
}

/// The applicant as stated: its kind, name, credit code (an organisation's, normalised),
/// contact. Every problem goes to `p`.
fn check_applicant(
    p: &mut Problems,
    a: &ApplicantInput,
) -> Option<(ApplicantKind, String, Option<String>, String)> {
    let kind = ApplicantKind::parse(&a.kind);
    if kind.is_none() {
        p.add(
            "invalid_input",
            FieldError::new(
                "applicant.kind",
                "invalid_applicant_kind",
                "申请人类型应为 person（自然人）或 organisation（法人或其他组织）",
                "applicant.kind must be person or organisation",
            ),
        );
    }
    let uscc = match kind {
        Some(ApplicantKind::Organisation) => {
            match a.uscc.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => {
                    p.add(
                        "invalid_uscc",
                        FieldError::new(
                            "applicant.uscc",
                            "uscc_required",
                            "以单位名义申请须填写统一社会信用代码",
                            "an organisation applies with its unified social credit code",
                        ),
                    );
                    None
                }
                Some(text) => match CreditCode::parse(text) {
                    Ok(c) => Some(c.as_ref().to_owned()),
                    Err(e) => {
                        p.add(
                            "invalid_uscc",
                            FieldError::new(
                                "applicant.uscc",
                                e.code(),
                                e.message_zh(),
                                e.to_string(),
                            ),
                        );
                        None
                    }
                },
            }
        }
        _ => None,
    };
    let name = p.text(
        "applicant.name",
        "invalid_applicant_name",
        &a.name,
        200,
        ("申请人名称", "applicant name"),
    );
    let contact = p.text(
        "applicant.contact",
        "invalid_contact",
        &a.contact,
        200,
        ("联系方式", "contact"),
    );
    Some((kind?, name.to_owned(), uscc, contact.to_owned()))
}

/// Files an application for a conditional dataset: any signed-in user with a writing scope.
/// The materials check opens at once, waiting on the authority.
pub async fn file_open_application(
    app: &App,
    actor: &Actor,
    input: ApplicationInput,
) -> Result<OpenRequest, ActionError> {
    let name = input.dataset.trim().to_owned();
    let a = Audited::new(app, actor, Action::FileOpenApplication)
        .with_target(Target::new("open_dataset", &name));
    a.finish(
        async {
            let permit = policy::apply_for_open_data(actor, a.action)?;
            let (user_id, username) = match (actor.user_id(), actor.username()) {
                (Some(u), Some(n)) => (u.to_owned(), n.to_owned()),
                _ => return Err(ActionError::Unauthenticated("not_signed_in")),
            };
            let cat = super::datasets::catalog(app).await?;
            let e = cat
                .get(&name)
                .filter(|e| e.row.status == "open")
                .ok_or(ActionError::NotFound("dataset_not_found"))?
                .clone();
            if e.dataset.open_attr != OpenAttr::Conditional {
                return Err(invalid(
                    "dataset",
                    "not_conditional",
                    "该数据集为无条件开放，可直接下载，无需申请".into(),
                    "this dataset is open without conditions: download it, no application needed"
                        .into(),
                ));
            }
            let mut p = Problems::default();
            if !input.commitment_accepted {
                p.add(
                    "commitment_required",
                    FieldError::new(
                        "commitment_accepted",
                        "commitment_required",
                        "须阅读并接受数据安全承诺书",
                        "the security commitment must be read and accepted",
                    ),
                );
            }
            let applicant = check_applicant(&mut p, &input.applicant);
            let purpose = p.text(
                "purpose",
                "invalid_purpose",
                &input.purpose,
                1000,
                ("申请用途", "purpose"),
            );
            let scenario = p.text(
                "scenario",
                "invalid_scenario",
                &input.scenario,
                1000,
                ("应用场景", "scenario"),
            );
            let fields = p.keep(check_fields(&e.view.fields, &input.fields))?;
            let period = check_period(
                &mut p,
                input.period_start.as_deref(),
                input.period_end.as_deref(),
            )?;
            p.finish()?;
            let (Some((kind, applicant_name, uscc, contact)), Some(fields), Some((start, end))) =
                (applicant, fields, period)
            else {
                unreachable!("finish refuses any missing part");
            };
            let mut tx = a.begin().await?;
            // The snapshot may be a few seconds old: the list itself decides.
            let ds = dataset_store::get(&mut tx, &e.row.id)
                .await?
                .filter(|d| d.status == "open")
                .ok_or(ActionError::NotFound("dataset_not_found"))?;
            let pending = store::list(
                &mut tx,
                &ApplicationFilter {
                    user_id: Some(&user_id),
                    dataset_id: Some(&ds.id),
                    ..Default::default()
                },
                1000,
            )
            .await?;
            if pending.iter().any(|r| {
                ApplicationStatus::parse(&r.status).is_some_and(ApplicationStatus::is_open)
            }) {
                return Err(ActionError::Conflict("open_application_pending"));
            }
            let now = now_ms();
            let row = ApplicationRow {
                id: new_id(),
                dataset_id: ds.id.clone(),
                provider_org_id: ds.provider_org_id.clone(),
                user_id,
                username,
                purpose: purpose.to_owned(),
                scenario: scenario.to_owned(),
                applicant_kind: kind.as_str().to_owned(),
                applicant_name,
                applicant_uscc: uscc,
                applicant_contact: contact,
                fields: serde_json::to_string(&fields).expect("strings serialize"),
                period_start: start.to_string(),
                period_end: end.to_string(),
                commitment_version: COMMITMENT_VERSION.to_owned(),
                commitment_at: now,
                status: ApplicationStatus::Materials.as_str().to_owned(),
                agreement_id: None,
                created_at: now,
                updated_at: now,
            };
            store::insert(&mut tx, &permit, &row).await?;
            open_step(
                &mut tx,
                &permit,
                &row.id,
                1,
                ApplicationStep::Materials,
                None,
            )
            .await?;
            a.set_target(Target::new("open_application", &row.id));
            committed(&a, tx, &row.id).await
        }
        .await,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The steps
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialsInput {
    /// `pass` or `reject`.
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

/// The authority's check of the materials: `pass` sends the application to the provider,
/// whose reply is due by `open_reply` counted from that day; `reject` (with the reason) ends
/// it.
pub async fn check_open_materials(
    app: &App,
    actor: &Actor,
    id: &str,
    input: MaterialsInput,
) -> Result<OpenRequest, ActionError> {
    let a = Audited::new(app, actor, Action::CheckOpenMaterials)
        .with_target(Target::new("open_application", id));
    a.finish(
        async {
            let permit = policy::review_opening(actor, a.action)?;
            let pass = two_way(&input.decision, "pass", "reject")?;
            let reason = if pass {
                input.reason.trim().to_owned()
            } else {
                let mut p = Problems::default();
                let r = p.text(
                    "reason",
                    "reason_required",
                    &input.reason,
                    2000,
                    ("不通过的理由", "reason"),
                );
                p.finish()?;
                r.to_owned()
            };
            let mut tx = a.begin().await?;
            let l = load(&mut tx, id).await?;
            let seq = open_step_of(&l.steps, ApplicationStep::Materials)?.seq;
            close_step(
                &mut tx,
                &permit,
                &l.row,
                seq,
                StepClosing {
                    by: by(actor),
                    decision: if pass { "pass" } else { "reject" },
                    reason: Some(reason.as_str()).filter(|s| !s.is_empty()),
                    legal_basis: None,
                    at: now_ms(),
                },
                if pass {
                    ApplicationStatus::Review
                } else {
                    ApplicationStatus::Rejected
                },
                None,
            )
            .await?;
            if pass {
                open_step(
                    &mut tx,
                    &permit,
                    id,
                    seq + 1,
                    ApplicationStep::Review,
                    Some(&l.row.provider_org_id),
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
pub struct ReviewInput {
    /// `approve` or `refuse`.
    pub decision: String,
    #[serde(default)]
    pub reason: String,
    /// Required with a refusal: the law or rule it rests on.
    #[serde(default)]
    pub legal_basis: String,
    /// The agreement's quota of calls a minute (default the developer keys').
    #[serde(default)]
    pub rate_per_minute: Option<i64>,
}

/// The provider's review: an approval makes the agreement (the fields, purpose, scenario and
/// period applied for, the standard obligations, the quota); a refusal needs its reason and
/// legal basis.
pub async fn review_open_application(
    app: &App,
    actor: &Actor,
    id: &str,
    input: ReviewInput,
) -> Result<OpenRequest, ActionError> {
    let a = Audited::new(app, actor, Action::ReviewOpenApplication)
        .with_target(Target::new("open_application", id));
    a.finish(
        async {
            let approve = two_way(&input.decision, "approve", "refuse")?;
            let mut p = Problems::default();
            let (reason, basis) = if approve {
                (input.reason.trim(), None)
            } else {
                let reason = p.text(
                    "reason",
                    "reason_required",
                    &input.reason,
                    2000,
                    ("不同意的理由", "reason"),
                );
                let basis = p.text(
                    "legal_basis",
                    "legal_basis_required",
                    &input.legal_basis,
                    1000,
                    ("不同意的法律依据", "legal basis"),
                );
                (reason, Some(basis))
            };
            let rate = match input.rate_per_minute {
                None => keys::DEVELOPER_RATE_PER_MINUTE,
                Some(r) if (1..=MAX_RATE_PER_MINUTE).contains(&r) => r,
                Some(_) => {
                    p.add(
                        "invalid_rate",
                        FieldError::new(
                            "rate_per_minute",
                            "invalid_rate",
                            format!("每分钟调用次数应在1至{MAX_RATE_PER_MINUTE}之间"),
                            format!("rate_per_minute must be 1 to {MAX_RATE_PER_MINUTE}"),
                        ),
                    );
                    0
                }
            };
            p.finish()?;
            let mut tx = a.begin().await?;
            let l = load(&mut tx, id).await?;
            let permit = policy::propose_opening(actor, a.action, &l.row.provider_org_id)?;
            let seq = open_step_of(&l.steps, ApplicationStep::Review)?.seq;
            let now = now_ms();
            let agreement = if approve {
                let open = dataset_store::get(&mut tx, &l.row.dataset_id)
                    .await?
                    .is_some_and(|d| d.status == "open");
                if !open {
                    return Err(ActionError::Conflict("dataset_not_open"));
                }
                let r = &l.row;
                let agreement = AgreementRow {
                    id: new_id(),
                    application_id: r.id.clone(),
                    dataset_id: r.dataset_id.clone(),
                    provider_org_id: r.provider_org_id.clone(),
                    user_id: r.user_id.clone(),
                    fields: r.fields.clone(),
                    purpose: r.purpose.clone(),
                    scenario: r.scenario.clone(),
                    obligations: AGREEMENT_OBLIGATIONS.to_owned(),
                    starts_on: r.period_start.clone(),
                    ends_on: r.period_end.clone(),
                    rate_per_minute: rate,
                    status: "active".to_owned(),
                    created_at: now,
                    holder: r.username.clone(),
                    applicant_name: r.applicant_name.clone(),
                };
                store::insert_agreement(&mut tx, &permit, &agreement).await?;
                a.set_target(Target::new("agreement", &agreement.id));
                Some(agreement.id)
            } else {
                None
            };
            close_step(
                &mut tx,
                &permit,
                &l.row,
                seq,
                StepClosing {
                    by: by(actor),
                    decision: if approve { "approve" } else { "refuse" },
                    reason: Some(reason).filter(|s| !s.is_empty()),
                    legal_basis: basis,
                    at: now,
                },
                if approve {
                    ApplicationStatus::Approved
                } else {
                    ApplicationStatus::Refused
                },
                agreement.as_deref(),
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
pub struct ExtendInput {
    pub reason: String,
}

/// The provider extends its reply, once, by `open_reply_extension` working days after the
/// date it was due, saying why (the applicant sees the reason).
pub async fn extend_open_reply(
    app: &App,
    actor: &Actor,
    id: &str,
    input: ExtendInput,
) -> Result<OpenRequest, ActionError> {
    let a = Audited::new(app, actor, Action::ExtendOpenReply)
        .with_target(Target::new("open_application", id));
    a.finish(
        async {
            let mut p = Problems::default();
            let reason = p
                .text(
                    "reason",
                    "reason_required",
                    &input.reason,
                    2000,
                    ("延期理由", "reason"),
                )
                .to_owned();
            p.finish()?;
            let mut tx = a.begin().await?;
            let l = load(&mut tx, id).await?;
            let permit = policy::propose_opening(actor, a.action, &l.row.provider_org_id)?;
            let step = open_step_of(&l.steps, ApplicationStep::Review)?;
            if step.extended_days.is_some() {
                return Err(ActionError::Conflict("reply_already_extended"));
            }
            let due = crate::calendar::parse_date("due_date", &step.due_date)
                .map_err(|_| ActionError::Unexpected(format!("due date {:?}", step.due_date)))?;
            let (new_due, rule) =
                crate::calendar::due_by_rule(&mut tx, OPEN_EXTENSION_RULE, due).await?;
            let extended = store::extend_step(
                &mut tx,
                &permit,
                id,
                step.seq,
                &new_due.to_string(),
                rule.days,
                &reason,
                now_ms(),
            )
            .await?;
            if !extended {
                return Err(ActionError::Conflict("reply_already_extended"));
            }
            committed(&a, tx, id).await
        }
        .await,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Reading applications
// ---------------------------------------------------------------------------------------

/// One application: for its applicant, the provider's staff, the authority and auditors.
pub async fn get_open_application(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<OpenRequest, ActionError> {
    let a = Audited::new(app, actor, Action::GetOpenApplication)
        .with_target(Target::new("open_application", id));
    a.finish(
        async {
            let mut tx = app.db().begin_read().await?;
            let l = load(&mut tx, id).await?;
            let own = actor.user_id() == Some(l.row.user_id.as_str())
                && policy::own_account(actor, a.action, false).is_ok();
            if !own {
                policy::view_unit_catalog(actor, a.action, Some(&l.row.provider_org_id))?;
            }
            a.record_read(tx).await?;
            application_of(l, &Names::load(app).await?)
        }
        .await,
    )
    .await
}

/// Whose applications, agreements or reports a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The caller's own (as applicant, holder).
    Mine(String),
    /// A unit's, as provider.
    Unit(String),
    /// Everyone's: the authority and auditors.
    All,
}

impl Scope {
    /// `scope` as asked (`mine`, `unit`, `all`), with `org_id` for a unit; by default every
    /// one for the authority and auditors, the caller's unit for its staff, else the caller's
    /// own. The policy decides whether the caller may see it.
    pub fn decide(
        actor: &Actor,
        action: Action,
        scope: Option<&str>,
        org_id: Option<&str>,
    ) -> Result<Scope, ActionError> {
        let org = org_id.map(str::trim).filter(|s| !s.is_empty());
        let mine = || {
            policy::own_account(actor, action, false)?;
            let u = actor
                .user_id()
                .ok_or(ActionError::Unauthenticated("not_signed_in"))?;
            Ok::<_, ActionError>(Scope::Mine(u.to_owned()))
        };
        let unit = |org: &str| {
            policy::view_unit_catalog(actor, action, Some(org))?;
            Ok::<_, ActionError>(Scope::Unit(org.to_owned()))
        };
        match scope.map(str::trim).filter(|s| !s.is_empty()) {
            Some("mine") => mine(),
            Some("unit") => match org.or(actor.org_id()) {
                Some(o) => unit(o),
                None => Err(ActionError::Forbidden("role_required")),
            },
            Some("all") => {
                policy::view_unit_catalog(actor, action, None)?;
                Ok(Scope::All)
            }
            Some(_) => Err(ActionError::invalid(
                "invalid_input",
                FieldError::new(
                    "scope",
                    "invalid_scope",
                    "范围应为 mine、unit 或 all",
                    "scope must be mine, unit or all",
                ),
            )),
            None => match org {
                Some(o) => unit(o),
                None if policy::sees_whole_catalog(actor) => {
                    policy::view_unit_catalog(actor, action, None)?;
                    Ok(Scope::All)
                }
                None => match actor.org_id() {
                    Some(o) if actor.roles().iter().any(|r| r.is_staff()) => unit(o),
                    _ => mine(),
                },
            },
        }
    }

    fn user(&self) -> Option<&str> {
        match self {
            Scope::Mine(u) => Some(u),
            _ => None,
        }
    }

    fn org(&self) -> Option<&str> {
        match self {
            Scope::Unit(o) => Some(o),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApplicationQuery {
    /// `mine`, `unit` or `all` (see [`Scope::decide`]).
    pub scope: Option<String>,
    pub org_id: Option<String>,
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// A page, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

fn page<T>(mut items: Vec<T>, limit: u32, id: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    Page {
        next_cursor: if more { items.last().map(id) } else { None },
        items,
    }
}

/// Applications filed by the caller, addressed to a unit, or all (the authority, auditors),
/// each with its steps and overdue flags.
pub async fn list_open_applications(
    app: &App,
    actor: &Actor,
    q: ApplicationQuery,
) -> Result<Page<OpenRequest>, ActionError> {
    let a = Audited::new(app, actor, Action::ListOpenApplications);
    a.finish(
        async {
            let scope = Scope::decide(actor, a.action, q.scope.as_deref(), q.org_id.as_deref())?;
            let status = q.status.as_deref().map(str::trim).filter(|s| !s.is_empty());
            if let Some(s) = status
                && ApplicationStatus::parse(s).is_none()
            {
                return Err(invalid(
                    "status",
                    "invalid_status",
                    format!("状态应为：{}", ApplicationStatus::names()),
                    format!("status must be one of {}", ApplicationStatus::names()),
                ));
            }
            let limit = q.limit.unwrap_or(50).clamp(1, 1000);
            let mut tx = app.db().begin_read().await?;
            let rows = store::list(
                &mut tx,
                &ApplicationFilter {
                    user_id: scope.user(),
                    provider_org_id: scope.org(),
                    dataset_id: None,
                    status: status.map(|s| ApplicationStatus::parse(s).expect("checked").as_str()),
                    before: q.cursor.as_deref().filter(|s| !s.is_empty()),
                },
                limit + 1,
            )
            .await?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut steps = store::steps_of(&mut tx, &ids).await?;
            let agreement_ids: Vec<String> =
                rows.iter().filter_map(|r| r.agreement_id.clone()).collect();
            let mut agreements = HashMap::new();
            for id in &agreement_ids {
                if let Some(ag) = store::get_agreement(&mut tx, id).await? {
                    agreements.insert(id.clone(), ag);
                }
            }
            let keys = store::agreement_keys(&mut tx, &agreement_ids).await?;
            a.record_read(tx).await?;
            let names = Names::load(app).await?;
            let mut items = Vec::with_capacity(rows.len());
            for row in rows {
                let mine: Vec<StepRow> = steps
                    .extract_if(.., |s| s.application_id == row.id)
                    .collect();
                let agreement = row
                    .agreement_id
                    .as_ref()
                    .and_then(|id| agreements.remove(id));
                let keys: Vec<AgreementKeyRow> = keys
                    .iter()
                    .filter(|k| Some(&k.agreement_id) == row.agreement_id.as_ref())
                    .cloned()
                    .collect();
                items.push(application_of(
                    Loaded {
                        row,
                        steps: mine,
                        agreement,
                        keys,
                    },
                    &names,
                )?);
            }
            Ok(page(items, limit, |r| r.id.clone()))
        }
        .await,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Agreements and their keys
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AgreementQuery {
    /// `mine`, `unit` or `all` (see [`Scope::decide`]).
    pub scope: Option<String>,
    pub org_id: Option<String>,
    /// `active` or `terminated`.
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Agreements held by the caller, of a unit's data, or all (the authority, auditors).
pub async fn list_agreements(
    app: &App,
    actor: &Actor,
    q: AgreementQuery,
) -> Result<Page<Agreement>, ActionError> {
    let a = Audited::new(app, actor, Action::ListAgreements);
    a.finish(
        async {
            let scope = Scope::decide(actor, a.action, q.scope.as_deref(), q.org_id.as_deref())?;
            let status = q.status.as_deref().map(str::trim).filter(|s| !s.is_empty());
            if status.is_some_and(|s| !matches!(s, "active" | "terminated")) {
                return Err(invalid(
                    "status",
                    "invalid_status",
                    "状态应为：active、terminated".into(),
                    "status must be active or terminated".into(),
                ));
            }
            let limit = q.limit.unwrap_or(50).clamp(1, 1000);
            let mut tx = app.db().begin_read().await?;
            let rows = store::agreements(
                &mut tx,
                &AgreementFilter {
                    user_id: scope.user(),
                    provider_org_id: scope.org(),
                    status,
                    before: q.cursor.as_deref().filter(|s| !s.is_empty()),
                },
                limit + 1,
            )
            .await?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let keys = store::agreement_keys(&mut tx, &ids).await?;
            a.record_read(tx).await?;
            let names = Names::load(app).await?;
            let items = rows
                .into_iter()
                .map(|r| agreement_of(r, &keys, &names))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(page(items, limit, |r| r.id.clone()))
        }
        .await,
    )
    .await
}

/// The agreement's holder takes its API key, shown once: it reads only the agreement's
/// dataset, while the agreement is in force, at the agreement's quota. A key taken earlier
/// for the same agreement is revoked.
pub async fn take_agreement_key(
    app: &App,
    actor: &Actor,
    agreement_id: &str,
) -> Result<CreatedKey, ActionError> {
    let a = Audited::new(app, actor, Action::CreateDeveloperKey)
        .with_target(Target::new("agreement", agreement_id));
    let (created, replaced) = a
        .finish(
            async {
                let permit = policy::own_account(actor, a.action, true)?;
                let user_id = actor
                    .user_id()
                    .ok_or(ActionError::Unauthenticated("not_signed_in"))?;
                // Read before the write transaction: a stale snapshot is rebuilt by a read.
                let names = Names::load(app).await?;
                let mut tx = a.begin().await?;
                let ag = store::get_agreement(&mut tx, agreement_id)
                    .await?
                    .ok_or(ActionError::NotFound("agreement_not_found"))?;
                if ag.user_id != user_id {
                    return Err(ActionError::Forbidden("not_agreement_holder"));
                }
                if ag.status != "active" || ag.ends_on < today().to_string() {
                    return Err(ActionError::Conflict("agreement_not_in_force"));
                }
                let now = now_ms();
                let earlier = store::agreement_keys(&mut tx, std::slice::from_ref(&ag.id)).await?;
                let mut replaced = false;
                for k in earlier.iter().filter(|k| k.revoked_at.is_none()) {
                    replaced |=
                        pubdata_store::tokens::revoke(&mut tx, &permit, &k.token_id, now).await?;
                }
                let (dataset, _) = names.dataset(&ag.dataset_id);
                let created = keys::issue(
                    &mut tx,
                    &permit,
                    user_id,
                    &format!("开放利用协议 {dataset}"),
                    Some(&ag.id),
                    ag.rate_per_minute,
                )
                .await?;
                a.commit(tx).await?;
                Ok((created, replaced))
            }
            .await,
        )
        .await?;
    if replaced {
        // A revoked key must stop reading at once, not when the token cache lapses.
        app.caches().generation.bump();
    }
    Ok(created)
}

// ---------------------------------------------------------------------------------------
// Use reports
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseReportInput {
    /// The month reported on, `YYYY-MM`: past or current, within the agreement's period.
    pub period: String,
    #[serde(default)]
    pub use_summary: String,
    #[serde(default)]
    pub results: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UseReport {
    pub id: String,
    pub agreement_id: String,
    pub period: String,
    pub use_summary: String,
    pub results: String,
    pub submitted_by: String,
    pub submitted_at: String,
}

fn report_of(r: UseReportRow) -> UseReport {
    UseReport {
        id: r.id,
        agreement_id: r.agreement_id,
        period: r.period,
        use_summary: r.use_summary,
        results: r.results,
        submitted_by: r.submitted_by,
        submitted_at: rfc3339(r.submitted_at),
    }
}

/// The first day of a `YYYY-MM` month.
fn parse_month(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let ok = t.len() == 7
        && t.as_bytes()[4] == b'-'
        && t.bytes()
            .enumerate()
            .all(|(i, b)| i == 4 || b.is_ascii_digit());
    if !ok {
        return None;
    }
    NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d").ok()
}

/// The last day of the month that starts on `first`.
fn month_end(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first)
}

fn month_name(first: NaiveDate) -> String {
    format!("{:04}-{:02}", first.year(), first.month())
}

/// The agreement's holder reports a month's use and results, once per month.
pub async fn report_open_use(
    app: &App,
    actor: &Actor,
    agreement_id: &str,
    input: UseReportInput,
) -> Result<UseReport, ActionError> {
    let a = Audited::new(app, actor, Action::ReportOpenUse)
        .with_target(Target::new("agreement", agreement_id));
    a.finish(
        async {
            let permit = policy::apply_for_open_data(actor, a.action)?;
            let user_id = actor
                .user_id()
                .ok_or(ActionError::Unauthenticated("not_signed_in"))?;
            let mut p = Problems::default();
            let month = parse_month(&input.period);
            if month.is_none() {
                p.add(
                    "invalid_input",
                    FieldError::new(
                        "period",
                        "invalid_month",
                        "报告月份格式应为 YYYY-MM",
                        "period must be a month, YYYY-MM",
                    ),
                );
            }
            let summary = p.text(
                "use_summary",
                "invalid_use_summary",
                &input.use_summary,
                2000,
                ("使用情况", "use summary"),
            );
            let results = p.text(
                "results",
                "invalid_results",
                &input.results,
                2000,
                ("使用成果", "results"),
            );
            p.finish()?;
            let first = month.expect("checked");
            let mut tx = a.begin().await?;
            let ag = store::get_agreement(&mut tx, agreement_id)
                .await?
                .ok_or(ActionError::NotFound("agreement_not_found"))?;
            if ag.user_id != user_id {
                return Err(ActionError::Forbidden("not_agreement_holder"));
            }
            let today = today();
            let (starts, ends) = (
                crate::calendar::parse_date("starts_on", &ag.starts_on)?,
                crate::calendar::parse_date("ends_on", &ag.ends_on)?,
            );
            if first > today {
                return Err(invalid(
                    "period",
                    "invalid_report_period",
                    "只能报送本月或以前月份的使用情况".into(),
                    "a report is for the current month or an earlier one".into(),
                ));
            }
            if month_end(first) < starts || first > ends {
                return Err(invalid(
                    "period",
                    "invalid_report_period",
                    format!(
                        "报告月份须在协议期限（{} 至 {}）内",
                        ag.starts_on, ag.ends_on
                    ),
                    format!(
                        "the month must fall within the agreement ({} to {})",
                        ag.starts_on, ag.ends_on
                    ),
                ));
            }
            let period = month_name(first);
            if store::report_exists(&mut tx, &ag.id, &period).await? {
                return Err(ActionError::Conflict("use_report_exists"));
            }
            let row = UseReportRow {
                id: new_id(),
                agreement_id: ag.id.clone(),
                period,
                use_summary: summary.to_owned(),
                results: results.to_owned(),
                submitted_by: by(actor).to_owned(),
                submitted_at: now_ms(),
            };
            match store::insert_report(&mut tx, &permit, &row).await {
                Err(e) if e.is_unique_violation() => {
                    return Err(ActionError::Conflict("use_report_exists"));
                }
                other => other?,
            }
            a.set_target(Target::new("use_report", &row.id));
            a.commit(tx).await?;
            Ok(report_of(row))
        }
        .await,
    )
    .await
}

/// A month whose report is missing past its due date.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OverdueReport {
    pub agreement_id: String,
    pub application_id: String,
    pub dataset: String,
    pub dataset_title: String,
    pub provider_org_id: String,
    pub holder: String,
    pub applicant_name: String,
    /// `YYYY-MM`.
    pub period: String,
    pub due_date: String,
    pub rule_days: i64,
    pub rule_source: String,
}

/// The months of an agreement whose reports are due by `today` and missing: each month of
/// its period (the first one too, though partial) that has ended, when its due date —
/// `days` working days after the month ends — has passed.
fn missing_months(
    ag: &AgreementRow,
    reported: &HashSet<(String, String)>,
    calendar: &WorkCalendar,
    days: u32,
    today: NaiveDate,
) -> Vec<(String, NaiveDate)> {
    let (Ok(starts), Ok(ends)) = (
        NaiveDate::parse_from_str(&ag.starts_on, "%Y-%m-%d"),
        NaiveDate::parse_from_str(&ag.ends_on, "%Y-%m-%d"),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut first = starts.with_day(1).unwrap_or(starts);
    while first <= ends && month_end(first) < today {
        let period = month_name(first);
        let due = calendar.add_working_days(month_end(first), days);
        if due < today && !reported.contains(&(ag.id.clone(), period.clone())) {
            out.push((period, due));
        }
        match first.checked_add_months(Months::new(1)) {
            Some(next) => first = next,
            None => break,
        }
    }
    out
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportQuery {
    /// `mine`, `unit` or `all` (see [`Scope::decide`]).
    pub scope: Option<String>,
    pub org_id: Option<String>,
    pub agreement_id: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Reports filed, newest first, and every month whose report is overdue.
#[derive(Debug, Clone, Serialize)]
pub struct UseReportPage {
    pub items: Vec<UseReport>,
    pub next_cursor: Option<String>,
    /// Oldest first; for every active agreement in the list's scope, whatever the page.
    pub overdue: Vec<OverdueReport>,
}

/// The use reports of the caller's agreements, of a unit's data, or all (the authority,
/// auditors), with the reports overdue.
pub async fn list_use_reports(
    app: &App,
    actor: &Actor,
    q: ReportQuery,
) -> Result<UseReportPage, ActionError> {
    let a = Audited::new(app, actor, Action::ListUseReports);
    a.finish(
        async {
            let scope = Scope::decide(actor, a.action, q.scope.as_deref(), q.org_id.as_deref())?;
            let limit = q.limit.unwrap_or(50).clamp(1, 1000);
            let agreement = q.agreement_id.as_deref().filter(|s| !s.is_empty());
            let filter = ReportFilter {
                user_id: scope.user(),
                provider_org_id: scope.org(),
                agreement_id: agreement,
                before: q.cursor.as_deref().filter(|s| !s.is_empty()),
            };
            let mut tx = app.db().begin_read().await?;
            let rows = store::reports(&mut tx, &filter, limit + 1).await?;
            let reported: HashSet<(String, String)> = store::reported_months(&mut tx, &filter)
                .await?
                .into_iter()
                .collect();
            let active = store::agreements(
                &mut tx,
                &AgreementFilter {
                    user_id: scope.user(),
                    provider_org_id: scope.org(),
                    status: Some("active"),
                    before: None,
                },
                MAX_AGREEMENTS_CHECKED,
            )
            .await?;
            let rule = pubdata_store::catalog::duty::rule(&mut tx, USE_REPORT_RULE)
                .await?
                .ok_or_else(|| {
                    ActionError::Unexpected(format!(
                        "the deadline rule {USE_REPORT_RULE} is missing"
                    ))
                })?;
            let calendar = crate::calendar::load_in(&mut tx).await?;
            a.record_read(tx).await?;
            let days = u32::try_from(rule.days)
                .map_err(|_| ActionError::Unexpected("rule days".into()))?;
            let today = today();
            let names = Names::load(app).await?;
            let mut overdue = Vec::new();
            for ag in active
                .iter()
                .filter(|ag| agreement.is_none_or(|id| ag.id == id))
            {
                let (dataset, dataset_title) = names.dataset(&ag.dataset_id);
                for (period, due) in missing_months(ag, &reported, &calendar, days, today) {
                    overdue.push(OverdueReport {
                        agreement_id: ag.id.clone(),
                        application_id: ag.application_id.clone(),
                        dataset: dataset.clone(),
                        dataset_title: dataset_title.clone(),
                        provider_org_id: ag.provider_org_id.clone(),
                        holder: ag.holder.clone(),
                        applicant_name: ag.applicant_name.clone(),
                        period,
                        due_date: due.to_string(),
                        rule_days: rule.days,
                        rule_source: rule.legal_source.clone(),
                    });
                }
            }
            overdue.sort_by(|x, y| {
                (&x.due_date, &x.agreement_id).cmp(&(&y.due_date, &y.agreement_id))
            });
            let items: Vec<UseReport> = rows.into_iter().map(report_of).collect();
            let Page { items, next_cursor } = page(items, limit, |r| r.id.clone());
            Ok(UseReportPage {
                items,
                next_cursor,
                overdue,
            })
        }
        .await,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months_are_yyyy_mm_and_nothing_else() {
        assert_eq!(parse_month("2026-03"), Some(d("2026-03-01")));
        assert_eq!(parse_month(" 2026-12 "), Some(d("2026-12-01")));
        for bad in [
            "2026-3",
            "2026-13",
            "2026/03",
            "202603",
            "2026-03-01",
            "",
            "２０２６-03",
        ] {
            assert_eq!(parse_month(bad), None, "{bad:?}");
        }
        assert_eq!(month_end(d("2028-02-01")), d("2028-02-29"));
        assert_eq!(month_end(d("2026-12-01")), d("2026-12-31"));
    }

    fn agreement(starts: &str, ends: &str) -> AgreementRow {
        AgreementRow {
            id: "ag".into(),
            application_id: "ap".into(),
            dataset_id: "ds".into(),
            provider_org_id: "bus".into(),
            user_id: "u".into(),
            fields: "[]".into(),
            purpose: String::new(),
            scenario: String::new(),
            obligations: String::new(),
            starts_on: starts.into(),
            ends_on: ends.into(),
            rate_per_minute: 1,
            status: "active".into(),
            created_at: 0,
            holder: "zhang".into(),
            applicant_name: "张".into(),
        }
    }

    #[test]
    fn a_month_is_overdue_once_its_working_days_after_the_month_have_passed() {
        // No listed days: Monday to Friday work. 2026-01-31 is a Saturday; ten working days
        // after it end on Friday 2026-02-13.
        let cal = WorkCalendar::new(Vec::new());
        let ag = agreement("2026-01-15", "2026-12-31");
        let none = HashSet::new();
        let months = |today: &str, reported: &HashSet<(String, String)>| {
            missing_months(&ag, reported, &cal, 10, d(today))
                .into_iter()
                .map(|(m, due)| format!("{m}:{due}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            months("2026-02-13", &none),
            Vec::<String>::new(),
            "due today"
        );
        assert_eq!(months("2026-02-14", &none), ["2026-01:2026-02-13"]);
        let april = months("2026-04-14", &none);
        assert_eq!(april, ["2026-01:2026-02-13", "2026-02:2026-03-13"]);
        assert_eq!(
            months("2026-04-15", &none).len(),
            3,
            "March's is due on 04-14"
        );
        let reported = HashSet::from([("ag".to_owned(), "2026-01".to_owned())]);
        assert_eq!(months("2026-04-14", &reported), ["2026-02:2026-03-13"]);
        // After the agreement's end nothing more falls due.
        let short = agreement("2026-01-15", "2026-01-20");
        let after = missing_months(&short, &none, &cal, 10, d("2026-12-01"));
        assert_eq!(after.len(), 1, "{after:?}");
    }

    #[test]
    fn fields_asked_for_must_be_opened_and_come_back_in_the_dataset_order() {
        let opened: Vec<String> = ["txn_id", "card_no", "fare"].map(String::from).to_vec();
        assert_eq!(check_fields(&opened, &[]).unwrap(), opened);
        assert_eq!(
            check_fields(&opened, &["fare".into(), " txn_id".into()]).unwrap(),
            ["txn_id", "fare"]
        );
        assert_eq!(
            check_fields(&opened, &["holder_id".into()])
                .unwrap_err()
                .code(),
            "unknown_field"
        );
        assert_eq!(
            check_fields(&opened, &["fare".into(), "fare".into()])
                .unwrap_err()
                .code(),
            "duplicate_field"
        );
    }
}
