//! Sharing (共享) in the pages: the overview of a unit's share requests (filed and received;
//! all of them for the authority), the request form with the security and confidentiality
//! commitment, a request with its steps under their deadline rules and the forms of the step
//! it is at (conformity check, the provider's reply, a dispute, the coordination), the grants
//! with suspend / resume / revoke, the emergencies (declare, end) and the objections to
//! records (file, mark complex, answer).
//!
//! Every rule is the actions' (`pubdata_app::sharing`): the pages call them and show what they
//! return or why they refused. Which forms a page shows is asked of the same pure policy
//! functions the actions ask, and of the request's status; the action still decides.

use super::session::{FormData, Session};
use super::{Chrome, FormErrors, Opt, all_orgs, fixable, local_time, render, today};
use crate::AppState;
use crate::problem::{Lang, status_of};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pubdata_app::catalog::resources::{self, Resource};
use pubdata_app::catalog::search::{SearchInput, search_resources};
use pubdata_app::platform::orgs::Org;
use pubdata_app::sharing::emergencies::{self, Emergency, EmergencyInput, EndInput, RaiseInput};
use pubdata_app::sharing::grants::{self, Grant, GrantChange, GrantQuery};
use pubdata_app::sharing::objections::{
    self, AnswerInput, ComplexInput, Objection, ObjectionInput, ObjectionQuery,
};
use pubdata_app::sharing::requests::{
    self, ConformityInput, CoordinationInput, DisputeInput, ReplyInput, RequestQuery, ShareRequest,
    ShareRequestInput, Step,
};
use pubdata_app::{ActionError, App};
use pubdata_core::audit::Action;
use pubdata_core::catalog::{Field, ShareAttr};
use pubdata_core::policy;
use pubdata_core::sharing::view::MASKED_FROM_GRADE;
use pubdata_core::sharing::{
    GrantStatus, ObjectionOutcome, ObjectionStatus, RequestStatus, StepKind,
};
use std::collections::HashMap;

/// The security and confidentiality commitment (安全保密承诺) a requesting unit accepts with
/// its request, shown in full above the box it ticks.
pub const COMMITMENT_ZH: &str = "本单位申请使用上述共享数据，郑重承诺：
一、严格按照申请所述的用途、应用场景和履职依据使用共享数据，不用于其他目的，不超出申请的使用期限和信息项范围；
二、不擅自向任何单位和个人提供、转让、公开或出售共享数据，不以任何形式对共享数据进行二次共享；
三、落实数据安全管理责任，采取访问控制、操作日志审计、加密传输和存储等必要的技术和管理措施，防止共享数据泄露、篡改、丢失和滥用；
四、对共享数据中的个人信息、商业秘密和其他敏感信息依法予以保密，仅限经授权的工作人员在履职范围内查询使用，使用期限届满或目的实现后及时删除；
五、发生或可能发生数据安全事件时，立即采取处置措施并报告数据提供单位和数据主管部门；违反本承诺的，依法承担相应责任，并接受暂停或撤销共享授权的处理。";

pub const COMMITMENT_EN: &str = "Our unit, requesting the shared data above, solemnly undertakes:
1. to use the shared data only for the purpose, scenario and duty stated in the request, for nothing else, and not beyond the period and the fields requested;
2. not to give, transfer, publish or sell the shared data to any unit or person, nor to share it on in any form;
3. to take responsibility for the data's security, with access control, audited operation logs, encrypted transfer and storage and the other technical and management measures needed to keep it from being leaked, altered, lost or misused;
4. to keep personal information, trade secrets and other sensitive information in the data confidential as the law requires, read only by authorized staff within their duties, and to delete it when the period ends or the purpose is achieved;
5. when a data security incident happens or may happen, to act at once and report it to the provider and the data authority; a breach of this commitment carries the liability the law provides and the suspension or revocation of the grant.";

fn lab(zh: &'static str, en: &'static str, lang: Lang) -> &'static str {
    if lang == Lang::En { en } else { zh }
}

fn org_name(orgs: &[Org], id: &str) -> String {
    orgs.iter()
        .find(|o| o.id == id)
        .map(|o| o.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

/// Who a step waits on: the data authority, or a unit by name.
fn waits_on(actor_org_id: Option<&str>, orgs: &[Org], s: &Session) -> String {
    match actor_org_id {
        None => s.t().sh_authority.to_owned(),
        Some(id) => org_name(orgs, id),
    }
}

fn share_label(a: ShareAttr, lang: Lang) -> &'static str {
    lab(a.label_zh(), a.label_en(), lang)
}

fn share_cls(a: ShareAttr) -> &'static str {
    match a {
        ShareAttr::Unconditional => "on",
        ShareAttr::Conditional => "warn",
        ShareAttr::NotShared => "off",
    }
}

fn request_status(st: RequestStatus, lang: Lang) -> (&'static str, &'static str) {
    let cls = match st {
        RequestStatus::Approved => "on",
        RequestStatus::Refused | RequestStatus::Rejected => "deny",
        RequestStatus::Conformity | RequestStatus::Reply | RequestStatus::Disputed => "warn",
    };
    (lab(st.label_zh(), st.label_en(), lang), cls)
}

fn step_label(k: StepKind, lang: Lang) -> &'static str {
    lab(k.label_zh(), k.label_en(), lang)
}

fn grant_status(st: GrantStatus, lang: Lang) -> (&'static str, &'static str) {
    let cls = match st {
        GrantStatus::Active => "on",
        GrantStatus::Suspended => "warn",
        GrantStatus::Revoked => "deny",
        GrantStatus::Expired => "off",
        GrantStatus::Pending => "workday",
    };
    (lab(st.label_zh(), st.label_en(), lang), cls)
}

/// A step's decision as stored (`pass`, `reject`, `approve`, `refuse`), labelled.
fn decision_label(d: &str, s: &Session) -> (String, &'static str) {
    let t = s.t();
    match d {
        "pass" => (t.sh_dec_pass.to_owned(), "on"),
        "reject" => (t.sh_dec_reject.to_owned(), "deny"),
        "approve" => (t.sh_dec_approve.to_owned(), "on"),
        "refuse" => (t.sh_dec_refuse.to_owned(), "deny"),
        other => (other.to_owned(), "off"),
    }
}

/// "N 个工作日".
fn rule_days(n: i64, s: &Session) -> String {
    s.t().sh_rule_days.replace("{n}", &n.to_string())
}

/// `YYYY-MM-DD` of an RFC 3339 time, Beijing time.
fn local_day(rfc3339: &str) -> String {
    local_time(rfc3339).chars().take(10).collect()
}

/// Every published resource the viewer can see, by id: the names and fields of the resources
/// grants and objections name (which carry only the id). One search, paged by 1000.
async fn published_resources(
    app: &App,
    s: &Session,
) -> Result<HashMap<String, Resource>, ActionError> {
    let mut out = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = search_resources(
            app,
            &s.actor,
            SearchInput {
                status: Some("published".into()),
                sort: Some("updated".into()),
                cursor: cursor.clone(),
                limit: Some(1000),
                ..SearchInput::default()
            },
        )
        .await?;
        out.extend(page.items.into_iter().map(|r| (r.id.clone(), r)));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// The names of `codes` among a resource's fields (the code itself when unknown).
fn field_names(codes: &[String], resource: Option<&Resource>) -> Vec<String> {
    codes
        .iter()
        .map(|c| {
            resource
                .and_then(|r| r.doc.fields.iter().find(|f| &f.code == c))
                .map(|f| format!("{}（{}）", f.name, f.code))
                .unwrap_or_else(|| c.clone())
        })
        .collect()
}

/// What was typed into a refused form, and why it was refused; `form` names the form
/// (`""`: none was refused).
#[derive(Default)]
struct Refusal {
    form: String,
    errors: FormErrors,
    typed: Vec<(String, String)>,
}

impl Refusal {
    fn of(form: &str, e: &ActionError, typed: FormData, lang: Lang) -> Refusal {
        Refusal {
            form: form.to_owned(),
            errors: FormErrors::from_error(e, lang),
            typed: typed.0,
        }
    }

    fn one(form: &str, field: &str, message: &str, typed: FormData) -> Refusal {
        Refusal {
            form: form.to_owned(),
            errors: FormErrors::one(field, message),
            typed: typed.0,
        }
    }

    fn errors_of(&self, form: &str) -> Option<&FormErrors> {
        (self.form == form).then_some(&self.errors)
    }

    /// The value typed into `name` of `form`, or `default` when that form was not refused.
    fn value(&self, form: &str, name: &str, default: &str) -> String {
        if self.form == form {
            self.typed
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        } else {
            default.to_owned()
        }
    }

    /// Whether a checkbox or radio button `name=value` of `form` is checked.
    fn checked(&self, form: &str, name: &str, value: &str, default: bool) -> bool {
        if self.form == form {
            self.typed.iter().any(|(k, v)| k == name && v == value)
        } else {
            default
        }
    }
}

/// `""` → None, else the number; `Err` when it is not one.
fn optional_number(text: &str) -> Result<Option<i64>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| ())
}

// ---------------------------------------------------------------------------------------
// The overview: share requests of the unit (all, for the authority)

/// The step a request waits at.
struct OpenStep {
    label: &'static str,
    waits_on: String,
    due_date: String,
    overdue: bool,
}

struct RequestLine {
    id: String,
    resource_name: String,
    requester: String,
    provider: String,
    status: &'static str,
    status_cls: &'static str,
    step: Option<OpenStep>,
    filed_on: String,
}

fn request_line(r: &ShareRequest, orgs: &[Org], s: &Session) -> RequestLine {
    let (status, status_cls) = request_status(r.status, s.lang);
    RequestLine {
        id: r.id.clone(),
        resource_name: r.resource_name.clone(),
        requester: org_name(orgs, &r.requester_org_id),
        provider: org_name(orgs, &r.provider_org_id),
        status,
        status_cls,
        step: r
            .steps
            .iter()
            .find(|st| st.done_at.is_none())
            .map(|st| OpenStep {
                label: step_label(st.step, s.lang),
                waits_on: waits_on(st.actor_org_id.as_deref(), orgs, s),
                due_date: st.due_date.clone(),
                overdue: st.overdue,
            }),
        filed_on: local_day(&r.created_at),
    }
}

#[derive(Template)]
#[template(path = "sharing_list.html")]
struct OverviewPage {
    c: Chrome,
    /// The authority and auditors: every request.
    sees_all: bool,
    all: Vec<RequestLine>,
    /// A unit: the requests it filed and those addressed to it.
    filed: Vec<RequestLine>,
    received: Vec<RequestLine>,
    statuses: Vec<Opt>,
    status: String,
    next: Option<String>,
    overdue_count: usize,
}

/// `GET /sharing?status=&cursor=`
pub async fn overview(State(st): State<AppState>, s: Session) -> Response {
    let t = s.t();
    let status = s.params.get("status").unwrap_or_default().to_owned();
    let page = match requests::list_share_requests(
        &st.app,
        &s.actor,
        RequestQuery {
            status: Some(status.clone()).filter(|v| !v.is_empty()),
            cursor: s.params.get("cursor").map(str::to_owned),
            limit: Some(50),
            ..RequestQuery::default()
        },
    )
    .await
    {
        Ok(p) => p,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(o) => o,
        Err(e) => return s.problem(&e),
    };
    let sees_all = policy::sees_whole_catalog(&s.actor);
    let own = s.actor.org_id().unwrap_or_default();
    let (mut all, mut filed, mut received) = (Vec::new(), Vec::new(), Vec::new());
    let mut overdue_count = 0;
    for r in &page.items {
        let line = request_line(r, &orgs, &s);
        if line.step.as_ref().is_some_and(|x| x.overdue) {
            overdue_count += 1;
        }
        if sees_all {
            all.push(line);
        } else if r.requester_org_id == own {
            filed.push(line);
        } else {
            received.push(line);
        }
    }
    let mut statuses = vec![Opt::new("", t.sh_status_any, status.is_empty())];
    statuses.extend(RequestStatus::ALL.iter().map(|v| {
        Opt::new(
            v.as_str(),
            lab(v.label_zh(), v.label_en(), s.lang),
            v.as_str() == status,
        )
    }));
    let page = OverviewPage {
        c: s.chrome("sharing"),
        sees_all,
        all,
        filed,
        received,
        statuses,
        status,
        next: page.next_cursor,
        overdue_count,
    };
    render(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------------------
// The request form

struct FieldPick {
    code: String,
    name: String,
    grade: u8,
    /// Grade 3 or 4: masked by its rule unless the provider allows it unmasked.
    masked: bool,
    checked: bool,
}

fn field_picks(fields: &[Field], chosen: &[String]) -> Vec<FieldPick> {
    fields
        .iter()
        .map(|f| FieldPick {
            code: f.code.clone(),
            name: f.name.clone(),
            grade: f.grade,
            masked: f.grade >= MASKED_FROM_GRADE,
            checked: chosen.contains(&f.code),
        })
        .collect()
}

/// The request form as typed.
struct RequestFields {
    fields: Vec<String>,
    purpose: String,
    scenario: String,
    duty_basis: String,
    period_start: String,
    period_end: String,
    rate_per_minute: String,
    commitment_accepted: bool,
}

impl RequestFields {
    fn blank() -> RequestFields {
        let start = today();
        let end = start
            .checked_add_signed(chrono::Duration::days(364))
            .unwrap_or(start);
        RequestFields {
            fields: Vec::new(),
            purpose: String::new(),
            scenario: String::new(),
            duty_basis: String::new(),
            period_start: start.to_string(),
            period_end: end.to_string(),
            rate_per_minute: String::new(),
            commitment_accepted: false,
        }
    }

    fn of(form: &FormData) -> RequestFields {
        RequestFields {
            fields: form.all("fields"),
            purpose: form.get("purpose"),
            scenario: form.get("scenario"),
            duty_basis: form.get("duty_basis"),
            period_start: form.get("period_start"),
            period_end: form.get("period_end"),
            rate_per_minute: form.get("rate_per_minute"),
            commitment_accepted: !form.get("commitment_accepted").is_empty(),
        }
    }
}

/// An emergency in force now that raises the class of a resource: its name and the raised
/// class (what the emergencies' action says).
struct RaisedNow {
    emergency: String,
    to: &'static str,
}

#[derive(Template)]
#[template(path = "sharing_request_form.html")]
struct RequestFormPage {
    c: Chrome,
    resource_id: String,
    name: String,
    code: String,
    provider: String,
    share: &'static str,
    share_cls: &'static str,
    not_shared: bool,
    share_condition: String,
    share_legal_basis: String,
    raised: Vec<RaisedNow>,
    picks: Vec<FieldPick>,
    f: RequestFields,
    errors: FormErrors,
    commitment: &'static str,
}

async fn request_form_page(
    st: &AppState,
    s: &Session,
    resource_id: &str,
    f: RequestFields,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let r = match resources::get_resource(&st.app, &s.actor, resource_id).await {
        Ok(r) => r,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(o) => o,
        Err(e) => return s.problem(&e),
    };
    let raised = match emergencies::list_emergencies(&st.app, &s.actor).await {
        Ok(list) => list
            .into_iter()
            .filter(|e| e.state == "in_force")
            .flat_map(|e| {
                let name = e.name.clone();
                e.raises
                    .into_iter()
                    .filter(|x| x.resource_id == r.id)
                    .map(move |x| RaisedNow {
                        emergency: name.clone(),
                        to: share_label(x.share_attr, s.lang),
                    })
            })
            .collect(),
        Err(e) => return s.problem(&e),
    };
    let d = &r.doc;
    let page = RequestFormPage {
        c: s.chrome("sharing"),
        resource_id: r.id.clone(),
        name: d.name.clone(),
        code: d.code.clone(),
        provider: org_name(&orgs, &d.provider_org_id),
        share: share_label(d.share_attr, s.lang),
        share_cls: share_cls(d.share_attr),
        not_shared: d.share_attr == ShareAttr::NotShared,
        share_condition: d.share_condition.clone(),
        share_legal_basis: d.share_legal_basis.clone(),
        raised,
        picks: field_picks(&d.fields, &f.fields),
        f,
        errors,
        commitment: lab(COMMITMENT_ZH, COMMITMENT_EN, s.lang),
    };
    render(status, &page)
}

/// `GET /sharing/requests/new?resource_id=…`
pub async fn request_form(State(st): State<AppState>, s: Session) -> Response {
    let id = s.params.get("resource_id").unwrap_or_default().to_owned();
    request_form_page(
        &st,
        &s,
        &id,
        RequestFields::blank(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /sharing/requests` (also `/sharing/requests/new`): files the request.
pub async fn file_request(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let resource_id = form.get("resource_id");
    let f = RequestFields::of(&form);
    let Ok(rate) = optional_number(&f.rate_per_minute) else {
        let errors = FormErrors::one("rate_per_minute", s.t().sh_rate_invalid);
        return request_form_page(
            &st,
            &s,
            &resource_id,
            f,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let input = ShareRequestInput {
        resource_id: resource_id.clone(),
        fields: f.fields.clone(),
        purpose: f.purpose.clone(),
        scenario: f.scenario.clone(),
        duty_basis: f.duty_basis.clone(),
        period_start: f.period_start.clone(),
        period_end: f.period_end.clone(),
        commitment_accepted: f.commitment_accepted,
        system_id: None,
        rate_per_minute: rate,
    };
    match requests::file_share_request(&st.app, &s.actor, input).await {
        Ok(r) => Redirect::to(&format!(
            "/sharing/requests/{}?notice=share_request_filed",
            r.id
        ))
        .into_response(),
        Err(e) if fixable(&e) => {
            let errors = FormErrors::from_error(&e, s.lang);
            request_form_page(&st, &s, &resource_id, f, errors, status_of(&e)).await
        }
        Err(e) => s.problem(&e),
    }
}

// ---------------------------------------------------------------------------------------
// One request: its steps, and the forms of the step it is at

struct StepView {
    label: &'static str,
    waits_on: String,
    opened_on: String,
    opened_reason: Option<String>,
    due_date: String,
    overdue: bool,
    open: bool,
    rule: String,
    rule_source: String,
    done_at: String,
    done_by: String,
    decision: String,
    decision_cls: &'static str,
    reason: Option<String>,
    legal_basis: Option<String>,
}

fn step_view(st: &Step, orgs: &[Org], s: &Session) -> StepView {
    let (decision, decision_cls) = st
        .decision
        .as_deref()
        .map(|d| decision_label(d, s))
        .unwrap_or_default();
    StepView {
        label: step_label(st.step, s.lang),
        waits_on: waits_on(st.actor_org_id.as_deref(), orgs, s),
        opened_on: st.opened_on.clone(),
        opened_reason: st.opened_reason.clone(),
        due_date: st.due_date.clone(),
        overdue: st.overdue,
        open: st.done_at.is_none(),
        rule: rule_days(st.rule_days, s),
        rule_source: st.rule_source.clone(),
        done_at: st.done_at.as_deref().map(local_time).unwrap_or_default(),
        done_by: st.done_by.clone().unwrap_or_default(),
        decision,
        decision_cls,
        reason: st.reason.clone(),
        legal_basis: st.legal_basis.clone(),
    }
}

/// A requested field, with its name and whether it is masked by grade.
struct FieldLine {
    code: String,
    name: String,
    grade: String,
    masked: bool,
}

#[derive(Template)]
#[template(path = "sharing_request.html")]
struct RequestPage {
    c: Chrome,
    id: String,
    resource_id: String,
    resource_name: String,
    requester: String,
    provider: String,
    requested_by: String,
    status: &'static str,
    status_cls: &'static str,
    fields: Vec<FieldLine>,
    purpose: String,
    scenario: String,
    duty_basis: String,
    period: String,
    commitment_at: String,
    rate: String,
    on_platform: bool,
    emergency_id: Option<String>,
    grant_id: Option<String>,
    filed_at: String,
    steps: Vec<StepView>,
    /// The step it waits at: its label, who, when.
    open_step: Option<OpenStep>,
    can_conformity: bool,
    can_reply: bool,
    can_dispute: bool,
    can_coordinate: bool,
    refusal: Refusal,
}

impl RequestPage {
    fn errors_of(&self, form: &str) -> Option<&FormErrors> {
        self.refusal.errors_of(form)
    }

    fn value(&self, form: &str, name: &str) -> String {
        let default = match (form, name) {
            ("reply", "rate_per_minute") => self.rate.clone(),
            _ => String::new(),
        };
        self.refusal.value(form, name, &default)
    }

    fn checked(&self, form: &str, name: &str, value: &str) -> bool {
        let default = matches!(
            (name, value),
            ("decision", "pass") | ("decision", "approve")
        );
        self.refusal.checked(form, name, value, default)
    }

    /// Whether any form is shown; a refusal of a form not shown goes atop the page.
    fn general_errors(&self) -> Option<&FormErrors> {
        let shown = match self.refusal.form.as_str() {
            "conformity" => self.can_conformity,
            "reply" => self.can_reply,
            "dispute" => self.can_dispute,
            "coordination" => self.can_coordinate,
            "" => return None,
            _ => false,
        };
        (!shown).then_some(&self.refusal.errors)
    }
}

async fn request_page(
    st: &AppState,
    s: &Session,
    id: &str,
    refusal: Refusal,
    status: StatusCode,
) -> Result<Response, ActionError> {
    let r = requests::get_share_request(&st.app, &s.actor, id).await?;
    let orgs = all_orgs(&st.app, &s.actor).await?;
    // The field names and grades; the codes alone if the resource is no longer visible.
    let resource = resources::get_resource(&st.app, &s.actor, &r.resource_id)
        .await
        .ok();
    let fields = r
        .fields
        .iter()
        .map(|c| {
            let f = resource
                .as_ref()
                .and_then(|x| x.doc.fields.iter().find(|f| &f.code == c));
            FieldLine {
                code: c.clone(),
                name: f.map(|f| f.name.clone()).unwrap_or_default(),
                grade: f.map(|f| f.grade.to_string()).unwrap_or_default(),
                masked: f.is_some_and(|f| f.grade >= MASKED_FROM_GRADE),
            }
        })
        .collect();
    let a = &s.actor;
    let (status_label, status_cls) = request_status(r.status, s.lang);
    let coordinates = policy::coordinate_sharing(a, Action::CheckShareConformity).is_ok();
    let page = RequestPage {
        c: s.chrome("sharing"),
        id: r.id.clone(),
        resource_id: r.resource_id.clone(),
        resource_name: r.resource_name.clone(),
        requester: org_name(&orgs, &r.requester_org_id),
        provider: org_name(&orgs, &r.provider_org_id),
        requested_by: r.requested_by.clone(),
        status: status_label,
        status_cls,
        fields,
        purpose: r.purpose.clone(),
        scenario: r.scenario.clone(),
        duty_basis: r.duty_basis.clone(),
        period: format!("{} — {}", r.period_start, r.period_end),
        commitment_at: local_time(&r.commitment_accepted_at),
        rate: r.rate_per_minute.map(|n| n.to_string()).unwrap_or_default(),
        on_platform: r.on_platform,
        emergency_id: r.emergency_id.clone(),
        grant_id: r.grant_id.clone(),
        filed_at: local_time(&r.created_at),
        steps: r.steps.iter().map(|x| step_view(x, &orgs, s)).collect(),
        open_step: request_line(&r, &orgs, s).step,
        can_conformity: r.status == RequestStatus::Conformity && coordinates,
        can_reply: r.status == RequestStatus::Reply
            && policy::answer_as_provider(a, Action::ReplyShareRequest, &r.provider_org_id).is_ok(),
        can_dispute: r.status == RequestStatus::Refused
            && policy::request_share(a, Action::DisputeShareRefusal)
                .is_ok_and(|(_, org)| org == r.requester_org_id),
        can_coordinate: r.status == RequestStatus::Disputed
            && policy::coordinate_sharing(a, Action::CoordinateShareDispute).is_ok(),
        refusal,
    };
    Ok(render(status, &page))
}

/// `GET /sharing/requests/{id}`
pub async fn request(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    match request_page(&st, &s, &id, Refusal::default(), StatusCode::OK).await {
        Ok(res) => res,
        Err(e) => s.problem(&e),
    }
}

/// After a step's form: back to the request with a notice, or the request's page with the
/// refusal at the form that was sent (`form`, with what was `typed`).
async fn after_step(
    st: &AppState,
    s: &Session,
    id: &str,
    (form, typed): (&str, FormData),
    result: Result<ShareRequest, ActionError>,
    notice: &str,
) -> Response {
    match result {
        Ok(r) => {
            Redirect::to(&format!("/sharing/requests/{}?notice={notice}", r.id)).into_response()
        }
        Err(e @ ActionError::Unauthenticated(_)) => s.problem(&e),
        Err(e) => {
            let refusal = Refusal::of(form, &e, typed, s.lang);
            match request_page(st, s, id, refusal, status_of(&e)).await {
                Ok(res) => res,
                Err(_) => s.problem(&e),
            }
        }
    }
}

/// `POST /sharing/requests/{id}/conformity`: `decision` pass / reject, `reason`.
pub async fn conformity(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let input = ConformityInput {
        decision: form.get("decision"),
        reason: form.get("reason"),
    };
    let notice = if input.decision == "pass" {
        "share_conformity_passed"
    } else {
        "share_conformity_rejected"
    };
    let r = requests::check_conformity(&st.app, &s.actor, &id, input).await;
    after_step(&st, &s, &id, ("conformity", form), r, notice).await
}

/// `POST /sharing/requests/{id}/reply`: `decision` approve / refuse, `reason`, `legal_basis`,
/// `raw_fields` (several), `rate_per_minute`.
pub async fn reply(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let Ok(rate) = optional_number(&form.get("rate_per_minute")) else {
        let refusal = Refusal::one("reply", "rate_per_minute", s.t().sh_rate_invalid, form);
        let e = ActionError::BadRequest("invalid_input");
        return match request_page(&st, &s, &id, refusal, StatusCode::UNPROCESSABLE_ENTITY).await {
            Ok(res) => res,
            Err(_) => s.problem(&e),
        };
    };
    let input = ReplyInput {
        decision: form.get("decision"),
        reason: form.get("reason"),
        legal_basis: form.get("legal_basis"),
        raw_fields: form.all("raw_fields"),
        rate_per_minute: rate,
    };
    let notice = if input.decision == "approve" {
        "share_request_approved"
    } else {
        "share_request_refused"
    };
    let r = requests::reply_share_request(&st.app, &s.actor, &id, input).await;
    after_step(&st, &s, &id, ("reply", form), r, notice).await
}

/// `POST /sharing/requests/{id}/dispute`: `reason`.
pub async fn dispute(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let input = DisputeInput {
        reason: form.get("reason"),
    };
    let r = requests::dispute_share_refusal(&st.app, &s.actor, &id, input).await;
    after_step(&st, &s, &id, ("dispute", form), r, "share_request_disputed").await
}

/// `POST /sharing/requests/{id}/coordination`: `decision` approve / refuse, `reason`.
pub async fn coordination(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let input = CoordinationInput {
        decision: form.get("decision"),
        reason: form.get("reason"),
    };
    let r = requests::coordinate_share_dispute(&st.app, &s.actor, &id, input).await;
    after_step(
        &st,
        &s,
        &id,
        ("coordination", form),
        r,
        "share_dispute_decided",
    )
    .await
}

// ---------------------------------------------------------------------------------------
// Grants

struct GrantView {
    id: String,
    resource_id: String,
    resource_name: String,
    provider: String,
    grantee: String,
    fields: Vec<String>,
    raw_fields: Vec<String>,
    raw_reason: Option<String>,
    purpose: String,
    starts: String,
    expires: String,
    rate: i64,
    status: &'static str,
    status_cls: &'static str,
    status_reason: Option<String>,
    status_by: String,
    status_at: String,
    emergency_id: Option<String>,
    request_id: Option<String>,
    created_by: String,
    created_at: String,
    can_suspend: bool,
    can_resume: bool,
    can_revoke: bool,
    /// The viewer's unit holds it: it may object to the records it reads.
    held: bool,
    errors: Option<FormErrors>,
    reason: String,
}

fn grant_view(g: Grant, orgs: &[Org], index: &HashMap<String, Resource>, s: &Session) -> GrantView {
    let resource = index.get(&g.resource_id);
    let (status, status_cls) = grant_status(g.status, s.lang);
    let manages =
        policy::answer_as_provider(&s.actor, Action::SuspendGrant, &g.provider_org_id).is_ok();
    GrantView {
        resource_name: resource
            .map(|r| r.doc.name.clone())
            .unwrap_or_else(|| g.resource_id.clone()),
        provider: org_name(orgs, &g.provider_org_id),
        grantee: org_name(orgs, &g.grantee_org_id),
        fields: field_names(&g.fields, resource),
        raw_fields: field_names(&g.raw_fields, resource),
        starts: g.period_start.clone(),
        expires: g.period_end.clone(),
        status,
        status_cls,
        status_by: g.status_by.clone().unwrap_or_default(),
        status_at: g.status_at.as_deref().map(local_time).unwrap_or_default(),
        created_at: local_time(&g.created_at),
        can_suspend: manages && matches!(g.status, GrantStatus::Active | GrantStatus::Pending),
        can_resume: manages && g.status == GrantStatus::Suspended,
        can_revoke: manages && g.status != GrantStatus::Revoked,
        held: s.actor.org_id() == Some(g.grantee_org_id.as_str()),
        errors: None,
        reason: String::new(),
        id: g.id,
        resource_id: g.resource_id,
        raw_reason: g.raw_reason,
        purpose: g.purpose,
        rate: g.rate_per_minute,
        status_reason: g.status_reason,
        emergency_id: g.emergency_id,
        request_id: g.request_id,
        created_by: g.created_by,
    }
}

#[derive(Template)]
#[template(path = "sharing_grants.html")]
struct GrantsPage {
    c: Chrome,
    grants: Vec<GrantView>,
    resource_id: String,
    resource_name: String,
    next: Option<String>,
    page_errors: FormErrors,
}

/// A refused change of one grant.
struct GrantAttempt {
    id: String,
    reason: String,
    errors: FormErrors,
}

async fn grants_page(
    st: &AppState,
    s: &Session,
    attempt: Option<GrantAttempt>,
    status: StatusCode,
) -> Response {
    let resource_id = s.params.get("resource_id").unwrap_or_default().to_owned();
    let page = match grants::list_grants(
        &st.app,
        &s.actor,
        GrantQuery {
            resource_id: Some(resource_id.clone()).filter(|v| !v.is_empty()),
            cursor: s.params.get("cursor").map(str::to_owned),
            limit: Some(50),
            ..GrantQuery::default()
        },
    )
    .await
    {
        Ok(p) => p,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(o) => o,
        Err(e) => return s.problem(&e),
    };
    let index = match published_resources(&st.app, s).await {
        Ok(i) => i,
        Err(e) => return s.problem(&e),
    };
    let mut grants: Vec<GrantView> = page
        .items
        .into_iter()
        .map(|g| grant_view(g, &orgs, &index, s))
        .collect();
    let mut page_errors = FormErrors::default();
    if let Some(a) = attempt {
        match grants
            .iter_mut()
            .find(|g| g.id == a.id && (g.can_suspend || g.can_resume || g.can_revoke))
        {
            Some(g) => {
                g.errors = Some(a.errors);
                g.reason = a.reason;
            }
            None => page_errors = a.errors,
        }
    }
    let page = GrantsPage {
        c: s.chrome("sharing_grants"),
        grants,
        resource_name: index
            .get(&resource_id)
            .map(|r| r.doc.name.clone())
            .unwrap_or_else(|| resource_id.clone()),
        resource_id,
        next: page.next_cursor,
        page_errors,
    };
    render(status, &page)
}

/// `GET /sharing/grants?resource_id=&cursor=`
pub async fn grants(State(st): State<AppState>, s: Session) -> Response {
    grants_page(&st, &s, None, StatusCode::OK).await
}

async fn change_grant(
    st: AppState,
    s: Session,
    id: String,
    form: FormData,
    to: GrantStatus,
    notice: &str,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let reason = form.get("reason");
    let input = GrantChange {
        reason: reason.clone(),
    };
    match grants::set_grant_status(&st.app, &s.actor, &id, to, input).await {
        Ok(g) => {
            Redirect::to(&format!("/sharing/grants?notice={notice}#grant-{}", g.id)).into_response()
        }
        Err(e @ ActionError::Unauthenticated(_)) => s.problem(&e),
        Err(e) => {
            let attempt = GrantAttempt {
                id,
                reason,
                errors: FormErrors::from_error(&e, s.lang),
            };
            grants_page(&st, &s, Some(attempt), status_of(&e)).await
        }
    }
}

/// `POST /sharing/grants/{id}/suspend`: `reason`.
pub async fn suspend_grant(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    change_grant(st, s, id, form, GrantStatus::Suspended, "grant_suspended").await
}

/// `POST /sharing/grants/{id}/resume`: `reason`.
pub async fn resume_grant(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    change_grant(st, s, id, form, GrantStatus::Active, "grant_resumed").await
}

/// `POST /sharing/grants/{id}/revoke`: `reason`.
pub async fn revoke_grant(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    change_grant(st, s, id, form, GrantStatus::Revoked, "grant_revoked").await
}

// ---------------------------------------------------------------------------------------
// Emergencies

struct RaiseView {
    resource_id: String,
    resource_name: String,
    from: &'static str,
    from_cls: &'static str,
    to: &'static str,
    to_cls: &'static str,
}

struct EmergencyView {
    id: String,
    name: String,
    legal_basis: String,
    ordered_by: String,
    starts: String,
    ends: String,
    state: &'static str,
    state_cls: &'static str,
    in_force: bool,
    ended_at: String,
    ended_by: String,
    end_reason: Option<String>,
    declared_by: String,
    raises: Vec<RaiseView>,
    can_end: bool,
    end_errors: Option<FormErrors>,
    end_reason_typed: String,
}

fn emergency_view(e: Emergency, can_manage: bool, s: &Session) -> EmergencyView {
    let t = s.t();
    let (state, state_cls) = match e.state {
        "in_force" => (t.sh_em_in_force, "on"),
        "scheduled" => (t.sh_em_scheduled, "workday"),
        _ => (t.sh_em_ended, "off"),
    };
    EmergencyView {
        in_force: e.state == "in_force",
        can_end: can_manage && e.state != "ended",
        state,
        state_cls,
        starts: local_time(&e.starts_at),
        ends: local_time(&e.ends_at),
        ended_at: e.ended_at.as_deref().map(local_time).unwrap_or_default(),
        ended_by: e.ended_by.unwrap_or_default(),
        raises: e
            .raises
            .into_iter()
            .map(|r| RaiseView {
                resource_name: if r.resource_name.is_empty() {
                    r.resource_id.clone()
                } else {
                    r.resource_name
                },
                resource_id: r.resource_id,
                from: share_label(r.from, s.lang),
                from_cls: share_cls(r.from),
                to: share_label(r.share_attr, s.lang),
                to_cls: share_cls(r.share_attr),
            })
            .collect(),
        end_errors: None,
        end_reason_typed: String::new(),
        id: e.id,
        name: e.name,
        legal_basis: e.legal_basis,
        ordered_by: e.ordered_by,
        end_reason: e.end_reason,
        declared_by: e.declared_by,
    }
}

/// Rows of resources the declare form offers.
const RAISE_ROWS: usize = 5;

/// One row of the declare form: the resource and the raised class, as typed.
struct RaiseRow {
    index: usize,
    resources: Vec<Opt>,
    classes: Vec<Opt>,
    error: Option<String>,
}

/// The declare form as typed.
struct DeclareFields {
    name: String,
    legal_basis: String,
    ordered_by: String,
    starts_at: String,
    ends_at: String,
    raises: Vec<(String, String)>,
}

impl DeclareFields {
    fn blank() -> DeclareFields {
        let now = chrono::Utc::now().with_timezone(&super::beijing());
        DeclareFields {
            name: String::new(),
            legal_basis: String::new(),
            ordered_by: String::new(),
            starts_at: now.format("%Y-%m-%dT%H:%M").to_string(),
            ends_at: String::new(),
            raises: Vec::new(),
        }
    }

    fn of(form: &FormData) -> DeclareFields {
        DeclareFields {
            name: form.get("name"),
            legal_basis: form.get("legal_basis"),
            ordered_by: form.get("ordered_by"),
            starts_at: form.get("starts_at"),
            ends_at: form.get("ends_at"),
            raises: (0..RAISE_ROWS)
                .map(|i| {
                    (
                        form.get(&format!("raise_resource_{i}")),
                        form.get(&format!("raise_class_{i}")),
                    )
                })
                .collect(),
        }
    }
}

/// A `datetime-local` value (`2026-12-01T08:00`, Beijing time) as RFC 3339
/// (`2026-12-01T08:00:00+08:00`); anything else is passed on as typed, for the action to
/// refuse with its message.
fn beijing_rfc3339(v: &str) -> String {
    let v = v.trim();
    chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S"))
        .map(|t| format!("{}+08:00", t.format("%Y-%m-%dT%H:%M:%S")))
        .unwrap_or_else(|_| v.to_owned())
}

#[derive(Template)]
#[template(path = "sharing_emergencies.html")]
struct EmergenciesPage {
    c: Chrome,
    list: Vec<EmergencyView>,
    in_force: usize,
    can_declare: bool,
    d: DeclareFields,
    rows: Vec<RaiseRow>,
    declare_errors: FormErrors,
    page_errors: FormErrors,
}

/// A refused end of one emergency.
struct EndAttempt {
    id: String,
    reason: String,
    errors: FormErrors,
}

async fn emergencies_page(
    st: &AppState,
    s: &Session,
    declare: Option<(DeclareFields, FormErrors)>,
    end: Option<EndAttempt>,
    status: StatusCode,
) -> Response {
    let t = s.t();
    let list = match emergencies::list_emergencies(&st.app, &s.actor).await {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    let can_declare = policy::coordinate_sharing(&s.actor, Action::DeclareEmergency).is_ok();
    let mut list: Vec<EmergencyView> = list
        .into_iter()
        .map(|e| emergency_view(e, can_declare, s))
        .collect();
    let mut page_errors = FormErrors::default();
    if let Some(a) = end {
        match list.iter_mut().find(|e| e.id == a.id && e.can_end) {
            Some(e) => {
                e.end_errors = Some(a.errors);
                e.end_reason_typed = a.reason;
            }
            None => page_errors = a.errors,
        }
    }
    let (d, declare_errors) =
        declare.unwrap_or_else(|| (DeclareFields::blank(), FormErrors::default()));
    // The resources a raise can name: published, not already unconditional.
    let mut rows = Vec::new();
    if can_declare {
        let index = match published_resources(&st.app, s).await {
            Ok(i) => i,
            Err(e) => return s.problem(&e),
        };
        let mut raisable: Vec<&Resource> = index
            .values()
            .filter(|r| r.doc.share_attr != ShareAttr::Unconditional)
            .collect();
        raisable.sort_by(|a, b| a.doc.code.cmp(&b.doc.code));
        for i in 0..RAISE_ROWS {
            let (rid, class) = d.raises.get(i).cloned().unwrap_or_default();
            let mut resources = vec![Opt::new("", t.sh_em_choose_resource, rid.is_empty())];
            resources.extend(raisable.iter().map(|r| {
                Opt::new(
                    r.id.clone(),
                    format!(
                        "{} {}（{}）",
                        r.doc.code,
                        r.doc.name,
                        share_label(r.doc.share_attr, s.lang)
                    ),
                    r.id == rid,
                )
            }));
            let classes = [ShareAttr::Conditional, ShareAttr::Unconditional]
                .iter()
                .map(|a| Opt::new(a.as_str(), share_label(*a, s.lang), a.as_str() == class))
                .collect();
            rows.push(RaiseRow {
                index: i,
                resources,
                classes,
                error: declare_errors
                    .field(&format!("raises[{i}]"))
                    .map(str::to_owned),
            });
        }
    }
    let page = EmergenciesPage {
        c: s.chrome("sharing_emergencies"),
        in_force: list.iter().filter(|e| e.in_force).count(),
        list,
        can_declare,
        d,
        rows,
        declare_errors,
        page_errors,
    };
    render(status, &page)
}

/// `GET /sharing/emergencies`
pub async fn emergencies(State(st): State<AppState>, s: Session) -> Response {
    emergencies_page(&st, &s, None, None, StatusCode::OK).await
}

/// `POST /sharing/emergencies`: declares one. `name`, `legal_basis`, `ordered_by`,
/// `starts_at` / `ends_at` (datetime-local, Beijing time), `raise_resource_{i}` and
/// `raise_class_{i}` for up to five rows (a row without a resource is left out).
pub async fn declare(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let d = DeclareFields::of(&form);
    // The rows with a resource, remembering their place on the form for the messages.
    let chosen: Vec<(usize, RaiseInput)> = d
        .raises
        .iter()
        .enumerate()
        .filter(|(_, (rid, _))| !rid.trim().is_empty())
        .map(|(i, (rid, class))| {
            (
                i,
                RaiseInput {
                    resource_id: rid.clone(),
                    share_attr: class.clone(),
                },
            )
        })
        .collect();
    let input = EmergencyInput {
        name: d.name.clone(),
        legal_basis: d.legal_basis.clone(),
        ordered_by: d.ordered_by.clone(),
        starts_at: Some(beijing_rfc3339(&d.starts_at)).filter(|v| !v.is_empty()),
        ends_at: beijing_rfc3339(&d.ends_at),
        raises: chosen.iter().map(|(_, r)| r.clone()).collect(),
    };
    match emergencies::declare_emergency(&st.app, &s.actor, input).await {
        Ok(e) => Redirect::to(&format!(
            "/sharing/emergencies?notice=emergency_declared#em-{}",
            e.id
        ))
        .into_response(),
        Err(e) if fixable(&e) => {
            let mut errors = FormErrors::from_error(&e, s.lang);
            // `raises[n]` of the action is the n-th chosen row: the form's row number.
            for (field, _) in &mut errors.fields {
                if let Some(n) = field
                    .strip_prefix("raises[")
                    .and_then(|x| x.strip_suffix(']'))
                    .and_then(|x| x.parse::<usize>().ok())
                    && let Some((row, _)) = chosen.get(n)
                {
                    *field = format!("raises[{row}]");
                }
            }
            emergencies_page(&st, &s, Some((d, errors)), None, status_of(&e)).await
        }
        Err(e) => s.problem(&e),
    }
}

/// `POST /sharing/emergencies/{id}/end`: `reason`.
pub async fn end_emergency(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let reason = form.get("reason");
    let input = EndInput {
        reason: reason.clone(),
    };
    match emergencies::end_emergency(&st.app, &s.actor, &id, input).await {
        Ok(e) => Redirect::to(&format!(
            "/sharing/emergencies?notice=emergency_ended#em-{}",
            e.id
        ))
        .into_response(),
        Err(e @ ActionError::Unauthenticated(_)) => s.problem(&e),
        Err(e) => {
            let attempt = EndAttempt {
                id,
                reason,
                errors: FormErrors::from_error(&e, s.lang),
            };
            emergencies_page(&st, &s, None, Some(attempt), status_of(&e)).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Objections

struct ObjectionView {
    id: String,
    resource_id: String,
    resource_name: String,
    provider: String,
    key: String,
    reason: String,
    evidence: String,
    filed_by: String,
    filer: String,
    filed_on: String,
    due_date: String,
    rule: String,
    rule_source: String,
    overdue: bool,
    open: bool,
    status: &'static str,
    status_cls: &'static str,
    complex_reason: Option<String>,
    outcome: &'static str,
    explanation: Option<String>,
    batch_id: Option<String>,
    answered_by: String,
    answered_at: String,
    can_answer: bool,
    can_complex: bool,
}

fn objection_view(
    o: Objection,
    orgs: &[Org],
    index: &HashMap<String, Resource>,
    s: &Session,
) -> ObjectionView {
    let open = o.status == ObjectionStatus::Open;
    let (status, status_cls) = if open {
        let cls = if o.overdue { "deny" } else { "warn" };
        (lab(o.status.label_zh(), o.status.label_en(), s.lang), cls)
    } else {
        (lab(o.status.label_zh(), o.status.label_en(), s.lang), "on")
    };
    let can_answer = open
        && policy::answer_as_provider(&s.actor, Action::AnswerObjection, &o.provider_org_id)
            .is_ok();
    ObjectionView {
        resource_name: index
            .get(&o.resource_id)
            .map(|r| r.doc.name.clone())
            .unwrap_or_else(|| o.resource_id.clone()),
        provider: org_name(orgs, &o.provider_org_id),
        filer: o
            .filer_org_id
            .as_deref()
            .map(|id| org_name(orgs, id))
            .unwrap_or_default(),
        rule: rule_days(o.rule_days, s),
        outcome: o
            .outcome
            .map(|x: ObjectionOutcome| lab(x.label_zh(), x.label_en(), s.lang))
            .unwrap_or(""),
        answered_by: o.answered_by.clone().unwrap_or_default(),
        answered_at: o.answered_at.as_deref().map(local_time).unwrap_or_default(),
        can_complex: can_answer && o.complex_reason.is_none(),
        can_answer,
        open,
        status,
        status_cls,
        id: o.id,
        resource_id: o.resource_id,
        key: o.key,
        reason: o.reason,
        evidence: o.evidence,
        filed_by: o.filed_by,
        filed_on: o.filed_on,
        due_date: o.due_date,
        rule_source: o.rule_source,
        overdue: o.overdue,
        complex_reason: o.complex_reason,
        explanation: o.explanation,
        batch_id: o.batch_id,
    }
}

/// A tab of the objections page.
struct Tab {
    view: &'static str,
    label: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "sharing_objections.html")]
struct ObjectionsPage {
    c: Chrome,
    tabs: Vec<Tab>,
    view: String,
    statuses: Vec<Opt>,
    status: String,
    list: Vec<ObjectionView>,
    next: Option<String>,
    refusal: Refusal,
    /// A refused form whose objection shows no form any more.
    page_errors: Option<FormErrors>,
}

impl ObjectionsPage {
    fn errors_of(&self, id: &str, form: &str) -> Option<&FormErrors> {
        self.refusal.errors_of(&format!("{form}-{id}"))
    }

    fn value(&self, id: &str, form: &str, name: &str) -> String {
        self.refusal.value(&format!("{form}-{id}"), name, "")
    }

    fn checked(&self, id: &str, form: &str, name: &str, value: &str) -> bool {
        self.refusal
            .checked(&format!("{form}-{id}"), name, value, value == "confirmed")
    }
}

/// The default view: every objection for the authority and auditors, else those to the
/// unit's data.
fn default_view(s: &Session) -> &'static str {
    if policy::sees_whole_catalog(&s.actor) {
        "all"
    } else if s.actor.org_id().is_some() {
        "provider"
    } else {
        "mine"
    }
}

async fn objections_page(
    st: &AppState,
    s: &Session,
    view: String,
    refusal: Refusal,
    status: StatusCode,
) -> Response {
    let t = s.t();
    let filter = s.params.get("status").unwrap_or_default().to_owned();
    let page = match objections::list_objections(
        &st.app,
        &s.actor,
        ObjectionQuery {
            view: Some(view.clone()),
            status: Some(filter.clone()).filter(|v| !v.is_empty()),
            cursor: s.params.get("cursor").map(str::to_owned),
            limit: Some(50),
            ..ObjectionQuery::default()
        },
    )
    .await
    {
        Ok(p) => p,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(o) => o,
        Err(e) => return s.problem(&e),
    };
    let index = match published_resources(&st.app, s).await {
        Ok(i) => i,
        Err(e) => return s.problem(&e),
    };
    let list: Vec<ObjectionView> = page
        .items
        .into_iter()
        .map(|o| objection_view(o, &orgs, &index, s))
        .collect();
    let mut tabs = Vec::new();
    if s.actor.org_id().is_some() {
        tabs.push(Tab {
            view: "provider",
            label: t.sh_obj_view_provider,
            active: view == "provider",
        });
    }
    tabs.push(Tab {
        view: "mine",
        label: t.sh_obj_view_mine,
        active: view == "mine",
    });
    if policy::sees_whole_catalog(&s.actor) {
        tabs.push(Tab {
            view: "all",
            label: t.sh_obj_view_all,
            active: view == "all",
        });
    }
    let statuses = vec![
        Opt::new("", t.sh_status_any, filter.is_empty()),
        Opt::new(
            "open",
            lab(
                ObjectionStatus::Open.label_zh(),
                ObjectionStatus::Open.label_en(),
                s.lang,
            ),
            filter == "open",
        ),
        Opt::new(
            "answered",
            lab(
                ObjectionStatus::Answered.label_zh(),
                ObjectionStatus::Answered.label_en(),
                s.lang,
            ),
            filter == "answered",
        ),
    ];
    // A refusal shows at its form when the objection still has one, else atop the page.
    let shown = list.iter().any(|o| {
        (refusal.form == format!("answer-{}", o.id) && o.can_answer)
            || (refusal.form == format!("complex-{}", o.id) && o.can_complex)
    });
    let page_errors = (!refusal.form.is_empty() && !shown).then(|| FormErrors {
        summary: refusal.errors.summary.clone(),
        messages: refusal.errors.messages.clone(),
        fields: refusal.errors.fields.clone(),
    });
    let page = ObjectionsPage {
        c: s.chrome("sharing_objections"),
        tabs,
        view,
        statuses,
        status: filter,
        list,
        next: page.next_cursor,
        refusal,
        page_errors,
    };
    render(status, &page)
}

/// `GET /sharing/objections?view=provider|mine|all&status=&cursor=`
pub async fn objections(State(st): State<AppState>, s: Session) -> Response {
    let view = s
        .params
        .get("view")
        .filter(|v| !v.is_empty())
        .unwrap_or(default_view(&s))
        .to_owned();
    objections_page(&st, &s, view, Refusal::default(), StatusCode::OK).await
}

async fn after_objection(
    st: &AppState,
    s: &Session,
    id: &str,
    form_name: &str,
    r: Result<Objection, ActionError>,
    typed: FormData,
    notice: &str,
) -> Response {
    let view = typed.get("view");
    let view = if view.is_empty() {
        default_view(s).to_owned()
    } else {
        view
    };
    match r {
        Ok(o) => Redirect::to(&format!(
            "/sharing/objections?view={view}&notice={notice}#obj-{}",
            o.id
        ))
        .into_response(),
        Err(e @ ActionError::Unauthenticated(_)) => s.problem(&e),
        Err(e) => {
            let refusal = Refusal::of(&format!("{form_name}-{id}"), &e, typed, s.lang);
            objections_page(st, s, view, refusal, status_of(&e)).await
        }
    }
}

/// `POST /sharing/objections/{id}/complex`: `reason`.
pub async fn mark_complex(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let input = ComplexInput {
        reason: form.get("reason"),
    };
    let r = objections::mark_objection_complex(&st.app, &s.actor, &id, input).await;
    after_objection(&st, &s, &id, "complex", r, form, "objection_complex").await
}

/// `POST /sharing/objections/{id}/answer`: `outcome` corrected / confirmed, `explanation`.
pub async fn answer(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let input = AnswerInput {
        outcome: form.get("outcome"),
        explanation: form.get("explanation"),
    };
    let r = objections::answer_objection(&st.app, &s.actor, &id, input).await;
    after_objection(&st, &s, &id, "answer", r, form, "objection_answered").await
}

#[derive(Template)]
#[template(path = "sharing_objection_form.html")]
struct ObjectionFormPage {
    c: Chrome,
    resource_id: String,
    name: String,
    code: String,
    provider: String,
    key_label: String,
    key: String,
    reason: String,
    evidence: String,
    errors: FormErrors,
}

async fn objection_form_page(
    st: &AppState,
    s: &Session,
    resource_id: &str,
    typed: (String, String, String),
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let r = match resources::get_resource(&st.app, &s.actor, resource_id).await {
        Ok(r) => r,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(o) => o,
        Err(e) => return s.problem(&e),
    };
    let d = &r.doc;
    let (key, reason, evidence) = typed;
    let page = ObjectionFormPage {
        c: s.chrome("sharing_objections"),
        resource_id: r.id.clone(),
        name: d.name.clone(),
        code: d.code.clone(),
        provider: org_name(&orgs, &d.provider_org_id),
        key_label: d
            .fields
            .iter()
            .filter(|f| f.is_key)
            .map(|f| f.name.clone())
            .collect::<Vec<_>>()
            .join(" + "),
        key,
        reason,
        evidence,
        errors,
    };
    render(status, &page)
}

/// `GET /sharing/objections/new?resource_id=…&key=…`
pub async fn objection_form(State(st): State<AppState>, s: Session) -> Response {
    let id = s.params.get("resource_id").unwrap_or_default().to_owned();
    let key = s.params.get("key").unwrap_or_default().to_owned();
    objection_form_page(
        &st,
        &s,
        &id,
        (key, String::new(), String::new()),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /sharing/objections`: `resource_id`, `key`, `reason`, `evidence`.
pub async fn file_objection(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let input = ObjectionInput {
        resource_id: form.get("resource_id"),
        key: form.get("key"),
        reason: form.get("reason"),
        evidence: form.get("evidence"),
    };
    let resource_id = input.resource_id.clone();
    let typed = (
        input.key.clone(),
        input.reason.clone(),
        input.evidence.clone(),
    );
    match objections::file_objection(&st.app, &s.actor, input).await {
        Ok(o) => Redirect::to(&format!(
            "/sharing/objections?view=mine&notice=objection_filed#obj-{}",
            o.id
        ))
        .into_response(),
        Err(e @ ActionError::Unauthenticated(_)) => s.problem(&e),
        // The key not found, the record not readable, a reason missing: shown on the form.
        Err(e) => {
            let errors = FormErrors::from_error(&e, s.lang);
            objection_form_page(&st, &s, &resource_id, typed, errors, status_of(&e)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{beijing_rfc3339, optional_number};

    #[test]
    fn a_datetime_local_value_is_beijing_time() {
        assert_eq!(
            beijing_rfc3339("2026-12-01T08:00"),
            "2026-12-01T08:00:00+08:00"
        );
        assert_eq!(
            beijing_rfc3339("2026-12-01T08:00:30"),
            "2026-12-01T08:00:30+08:00"
        );
        // Anything else goes to the action as typed, which names what is wrong.
        assert_eq!(beijing_rfc3339("明天"), "明天");
        assert_eq!(beijing_rfc3339(""), "");
    }

    #[test]
    fn a_rate_is_blank_or_a_number() {
        assert_eq!(optional_number(" "), Ok(None));
        assert_eq!(optional_number("600"), Ok(Some(600)));
        assert!(optional_number("六百").is_err());
    }
}
