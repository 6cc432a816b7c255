//! Opening (开放) in the staff pages: proposals to open a published resource. The list (a
//! unit's own for its staff, every unit's for the authority) with the picker of resources the
//! caller may propose; the proposal form (class, the fields opened and each one's mask rule,
//! quasi-identifiers, a row filter, conditions, licence, k); and a proposal with its security
//! review — passed or failed, every finding at its field, k and the share of records below
//! it, what each field's name or values look like — and the authority's approve and
//! return-with-reasons forms.
//!
//! The review, the approval and every other rule are `pubdata_app::opening::proposals`'; the
//! forms shown are asked of the same pure policy functions the actions ask.

use super::portal::labels;
use super::session::{FormData, Session};
use super::{Chrome, FormErrors, Opt, all_orgs, fixable, local_time, render};
use crate::AppState;
use crate::problem::{Lang, status_of};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pubdata_app::catalog::resources::{self, Resource};
use pubdata_app::catalog::search::{SearchInput, search_resources};
use pubdata_app::opening::proposals::{
    self, DecisionInput, Proposal, ProposalInput, ProposalQuery,
};
use pubdata_app::platform::orgs::Org;
use pubdata_app::{ActionError, App};
use pubdata_core::audit::Action;
use pubdata_core::catalog::OpenAttr;
use pubdata_core::masking::Mask;
use pubdata_core::opening::{LICENCES, ProposalStatus};
use pubdata_core::policy;
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/opening/proposals", get(list).post(propose))
        .route("/opening/proposals/new", get(new_form).post(propose))
        .route("/opening/proposals/{id}", get(show))
        .route("/opening/proposals/{id}/approve", post(approve))
        .route("/opening/proposals/{id}/return", post(return_proposal))
}

labels! { OpeningTr, ZH, EN {
    colon: "：", ": ";
    home: "工作台", "Workbench";
    title: "开放提议", "Opening proposals";
    lead: "数据专管员提议将已发布的资源（或其视图：选定信息项、筛选记录、脱敏处理）向社会开放。提交后系统立即进行开放安全审查（个人信息、敏感分级、k-匿名），审查通过的提议由大数据主管部门批准后列入开放清单。", "A steward proposes to open a published resource, or a view of it (chosen fields, filtered rows, masked values). The security review (personal data, grades, k-anonymity) runs at once; the data authority approves only a proposal that passed it, and the resource then goes on the open list.";
    status_any: "全部状态", "Any status";
    filter: "筛选", "Filter";
    reset: "重置", "Reset";
    proposals: "提议列表", "Proposals";
    none: "暂无开放提议", "No proposals";
    resource: "资源", "Resource";
    provider: "提供单位", "Providing unit";
    class: "开放类型", "Open class";
    review: "安全审查", "Security review";
    passed: "通过", "Passed";
    failed: "未通过", "Failed";
    n_findings: "{n} 项问题", "{n} findings";
    status: "状态", "Status";
    proposed_by: "提议人", "Proposed by";
    proposed_at: "提议时间", "Proposed";
    next_page: "下一页", "Next page";
    first_page: "第一页", "First page";
    pick_title: "选择要开放的资源", "Choose a resource to open";
    pick_lead: "已发布、且目录开放属性为无条件开放或有条件开放的资源。", "Published resources whose catalog open attribute is unconditional or conditional.";
    pick_q: "资源名称、代码或标签", "Name, code or tag";
    pick_search: "查找", "Find";
    pick_none: "没有可提议开放的资源", "No resource to propose";
    propose: "提议开放", "Propose";
    catalog_open: "目录开放属性", "Catalog open attribute";
    // the form
    form_title: "提议开放", "Propose opening";
    form_lead: "选择开放的信息项和每项的脱敏规则。提交后立即对最新数据版本进行开放安全审查，审查结果随提议保存；审查未通过的提议不能获批。", "Choose the fields to open and each one's mask rule. On submission the security review runs on the latest data version and is stored with the proposal; a proposal whose review failed cannot be approved.";
    open_condition: "目录开放条件", "Catalog condition";
    class_hint: "目录为有条件开放的资源只能提议有条件开放。", "A resource the catalog opens on conditions can only be proposed conditionally.";
    unconditional: "无条件开放", "Open unconditionally";
    conditional: "有条件开放", "Open on conditions";
    fields: "开放的信息项与脱敏", "Fields opened and their masking";
    fields_hint: "勾选要开放的信息项；含个人信息或 3、4 级的信息项须去除（不勾选）或选择脱敏规则。已按信息项名称预选建议的脱敏规则。", "Tick the fields to open; a field with personal data or of grade 3 or 4 must be left out or masked. The suggested rules are preselected from the field names.";
    fields_required: "请至少勾选一个开放的信息项", "Tick at least one field to open";
    open_col: "开放", "Open";
    field_name: "信息项", "Field";
    field_code: "代码", "Code";
    field_type: "类型", "Type";
    grade: "分级", "Grade";
    mask: "脱敏规则", "Mask";
    no_mask: "不脱敏", "None";
    quasi: "准标识符", "Quasi-id.";
    quasi_hint: "准标识符：单独不能识别个人、组合起来可能识别个人的信息项（如上车站点、时间、年龄段）。审查按其组合检查 k-匿名：每种取值组合至少 k 条记录。", "Quasi-identifiers: fields that single no one out alone but may together (a stop, a time, an age band). The review checks k-anonymity over them: every combination of values held by at least k records.";
    personal: "含个人信息", "personal data";
    sensitive: "敏感", "sensitive";
    rows: "开放的记录范围", "Rows opened";
    rows_hint: "可选：只开放某信息项等于某值的记录（如 区县 = 澜江区）。", "Optional: open only the records whose field equals a value (e.g. district = 澜江区).";
    all_rows: "全部记录", "All records";
    filter_value: "取值", "Value";
    terms: "开放条件与许可", "Conditions and licence";
    conditions: "开放条件", "Conditions";
    conditions_hint: "有条件开放时必填：申请人资格、用途限制、安全要求等；默认取目录的开放条件。", "Required when open on conditions: who may apply, for what, under which security terms; the catalog's by default.";
    licence: "开放许可", "Licence";
    min_k: "k 值（最小分组记录数）", "k (smallest group)";
    min_k_hint: "留空为平台默认值（不低于 {k}）；可要求更高。", "Leave empty for the platform's value (at least {k}); you may ask for more.";
    min_k_invalid: "k 值应为整数", "k must be a whole number";
    submit: "提交并进行安全审查", "Submit and run the security review";
    cancel: "返回", "Back";
    // one proposal
    proposal: "开放提议", "Opening proposal";
    notice_proposed: "已提交开放提议，安全审查结果如下。", "The proposal is filed; its security review is below.";
    notice_approved: "已批准开放，数据集已列入开放清单。", "Approved: the dataset is on the open list.";
    notice_returned: "已退回提议，提议单位将看到退回理由。", "Returned: the proposing unit sees your reasons.";
    verdict_passed: "开放安全审查通过", "The security review passed";
    verdict_passed_note: "未发现未脱敏的个人信息或未处理的 3、4 级信息项；k-匿名满足要求。", "No unmasked personal data, no grade 3–4 field kept, k-anonymity met.";
    verdict_failed: "开放安全审查未通过：{n} 项问题，不能批准", "The security review failed: {n} findings; it cannot be approved";
    verdict_failed_note: "请按下列问题去除或脱敏相应信息项（或调整准标识符），然后重新提议。", "Remove or mask the fields named below (or change the quasi-identifiers), then propose again.";
    findings: "审查发现的问题", "Findings";
    reviewed_text: "第 {v} 版数据，按开放视图保留 {total} 条记录，审查了其中 {sample} 条。", "Data version {v}: {total} records kept by the view, {sample} of them reviewed.";
    kanon: "k-匿名", "k-anonymity";
    quasi_ids: "准标识符", "Quasi-identifiers";
    no_quasi: "未指定准标识符，不检查 k-匿名", "None named: k-anonymity not checked";
    required_k: "要求的 k", "Required k";
    actual_k: "最小分组记录数", "Smallest group";
    share_below: "低于 k 的记录占比", "Records in smaller groups";
    fields_review: "逐项审查", "Field by field";
    treatment: "处理", "Treatment";
    keep: "原样开放", "Opened as is";
    masked: "脱敏", "Masked";
    removed: "不开放", "Not opened";
    named: "名称显示", "Name says";
    looks_like: "取值像", "Values look like";
    ok: "无问题", "No problem";
    terms_h: "开放条款", "Terms";
    row_filter: "记录范围", "Rows";
    data_version: "数据版本", "Data version";
    decision: "审核", "Decision";
    decided: "审核结果", "Decision";
    decided_by: "审核人", "Decided by";
    decided_at: "审核时间", "Decided";
    reason: "理由", "Reason";
    approve: "批准开放", "Approve";
    approve_note: "批准后该资源（按上述视图）列入开放清单，生成各版本的开放文件。", "On approval the resource, as this view, goes on the open list and the files of its versions are written.";
    approve_reason: "批准意见（选填）", "Remarks (optional)";
    blocked: "安全审查未通过，不能批准。请退回并写明需调整之处。", "The security review failed: it cannot be approved. Return it saying what must change.";
    return_h: "退回", "Return";
    return_reason: "退回理由", "Reasons";
    return_hint: "写明需要如何调整（如：去除某信息项、对某信息项脱敏、补充开放条件）。", "Say what must change (leave out a field, mask one, add conditions…).";
    return_button: "退回提议", "Return the proposal";
    waiting: "等待大数据主管部门审核", "Waiting for the data authority";
    public_page: "查看开放数据集页面", "See the public dataset page";
    propose_again: "按意见修改后重新提议", "Propose again with changes";
    masks_col: "脱敏规则", "Mask rules";
}}

fn tr(lang: Lang) -> &'static OpeningTr {
    if lang == Lang::En { &EN } else { &ZH }
}

fn lab(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::En { en } else { zh }
}

fn open_label(a: OpenAttr, lang: Lang) -> &'static str {
    lab(lang, a.label_zh(), a.label_en())
}

fn open_cls(a: OpenAttr) -> &'static str {
    match a {
        OpenAttr::Unconditional => "on",
        OpenAttr::Conditional => "warn",
        OpenAttr::NotOpen => "off",
    }
}

fn status_view(st: ProposalStatus, lang: Lang) -> (&'static str, &'static str) {
    let cls = match st {
        ProposalStatus::Proposed => "warn",
        ProposalStatus::Approved => "on",
        ProposalStatus::Returned => "deny",
        ProposalStatus::Superseded => "off",
    };
    (lab(lang, st.label_zh(), st.label_en()), cls)
}

/// A kind of personal data (a mask rule's name) in a few words.
fn kind_label(kind: &str, lang: Lang) -> String {
    let full = super::portal::mask_label(kind, lang == Lang::Zh);
    full.split(['（', '('])
        .next()
        .unwrap_or(&full)
        .trim()
        .to_owned()
}

fn org_name(orgs: &[Org], id: &str) -> String {
    orgs.iter()
        .find(|o| o.id == id)
        .map(|o| o.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

// ---------------------------------------------------------------------------------------
// The list, with the resource picker

struct Line {
    id: String,
    resource_name: String,
    resource_code: String,
    provider: String,
    class: &'static str,
    class_cls: &'static str,
    passed: bool,
    findings: String,
    status: &'static str,
    status_cls: &'static str,
    proposed_by: String,
    proposed_at: String,
}

struct Pick {
    id: String,
    name: String,
    code: String,
    provider: String,
    class: &'static str,
    class_cls: &'static str,
}

#[derive(Template)]
#[template(path = "opening_proposals.html")]
struct ListPage {
    c: Chrome,
    l: &'static OpeningTr,
    statuses: Vec<Opt>,
    status: String,
    lines: Vec<Line>,
    next: Option<String>,
    /// Whether the caller may propose anything (a steward, the authority).
    may_propose: bool,
    rq: String,
    picks: Vec<Pick>,
}

/// Published resources that the catalog lets open, of the units the caller may propose for.
async fn openable(app: &App, s: &Session, q: &str) -> Result<Vec<Resource>, ActionError> {
    let mut out: Vec<Resource> = Vec::new();
    let provider = if policy::sees_whole_catalog(&s.actor) {
        None
    } else {
        s.actor.org_id().map(str::to_owned)
    };
    for class in [OpenAttr::Unconditional, OpenAttr::Conditional] {
        let page = search_resources(
            app,
            &s.actor,
            SearchInput {
                q: Some(q.to_owned()).filter(|q| !q.trim().is_empty()),
                provider_org_id: provider.clone(),
                open_attr: Some(class.as_str().into()),
                status: Some("published".into()),
                sort: Some("updated".into()),
                limit: Some(50),
                ..SearchInput::default()
            },
        )
        .await?;
        out.extend(page.items);
    }
    out.retain(|r| {
        policy::propose_opening(&s.actor, Action::ProposeOpening, &r.doc.provider_org_id).is_ok()
    });
    out.sort_by(|a, b| a.doc.code.cmp(&b.doc.code));
    Ok(out)
}

/// `GET /opening/proposals?status=&cursor=&rq=`
async fn list(State(st): State<AppState>, s: Session) -> Response {
    let (l, lang) = (tr(s.lang), s.lang);
    let status = s.params.get("status").unwrap_or_default().to_owned();
    let page = match proposals::list_proposals(
        &st.app,
        &s.actor,
        ProposalQuery {
            status: Some(status.clone()).filter(|v| !v.is_empty()),
            cursor: s.params.get("cursor").map(str::to_owned),
            limit: Some(50),
            ..ProposalQuery::default()
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
    // The decision the proposal's action takes, for the caller's own unit (the authority
    // passes it for every unit): whether to offer the picker at all.
    let may_propose = s
        .actor
        .org_id()
        .is_some_and(|o| policy::propose_opening(&s.actor, Action::ProposeOpening, o).is_ok());
    let rq = s.params.get("rq").unwrap_or_default().to_owned();
    let picks = if may_propose {
        match openable(&st.app, &s, &rq).await {
            Ok(rs) => rs
                .into_iter()
                .map(|r| Pick {
                    provider: org_name(&orgs, &r.doc.provider_org_id),
                    class: open_label(r.doc.open_attr, lang),
                    class_cls: open_cls(r.doc.open_attr),
                    id: r.id,
                    name: r.doc.name,
                    code: r.doc.code,
                })
                .collect(),
            Err(e) => return s.problem(&e),
        }
    } else {
        Vec::new()
    };
    let lines = page
        .items
        .iter()
        .map(|p| {
            let (st_label, st_cls) = status_view(p.status, lang);
            Line {
                id: p.id.clone(),
                resource_name: p.resource_name.clone(),
                resource_code: p.resource_code.clone(),
                provider: org_name(&orgs, &p.provider_org_id),
                class: open_label(p.open_attr, lang),
                class_cls: open_cls(p.open_attr),
                passed: p.review.passed,
                findings: l
                    .n_findings
                    .replace("{n}", &p.review.findings.len().to_string()),
                status: st_label,
                status_cls: st_cls,
                proposed_by: p.proposed_by.clone(),
                proposed_at: local_time(&p.created_at),
            }
        })
        .collect();
    let mut statuses = vec![Opt::new("", l.status_any, status.is_empty())];
    statuses.extend(ProposalStatus::ALL.iter().map(|v| {
        Opt::new(
            v.as_str(),
            lab(lang, v.label_zh(), v.label_en()),
            v.as_str() == status,
        )
    }));
    let page = ListPage {
        c: s.chrome("open_proposals"),
        l,
        statuses,
        status,
        lines,
        next: page.next_cursor,
        may_propose,
        rq,
        picks,
    };
    render(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------------------
// The proposal form

/// The form as typed (or as first offered).
struct Typed {
    open_attr: String,
    fields: Vec<String>,
    masks: BTreeMap<String, String>,
    quasi: Vec<String>,
    filter_field: String,
    filter_value: String,
    conditions: String,
    licence: String,
    min_k: String,
}

impl Typed {
    /// What the form offers first: the catalog's class and condition, every field, and the
    /// mask rule core suggests for each field that holds personal data or is of grade 3–4.
    fn offered(r: &Resource) -> Typed {
        let d = &r.doc;
        Typed {
            open_attr: match d.open_attr {
                OpenAttr::Unconditional => "unconditional",
                _ => "conditional",
            }
            .into(),
            fields: d.fields.iter().map(|f| f.code.clone()).collect(),
            masks: d
                .fields
                .iter()
                .filter(|f| Mask::personal_data_named(f).is_some() || f.grade >= 3)
                .map(|f| (f.code.clone(), Mask::for_field(f).as_str().to_owned()))
                .collect(),
            quasi: Vec::new(),
            filter_field: String::new(),
            filter_value: String::new(),
            conditions: d.open_condition.clone(),
            licence: pubdata_core::opening::DEFAULT_LICENCE.into(),
            min_k: String::new(),
        }
    }

    fn of(form: &FormData) -> Typed {
        let fields = form.all("fields");
        Typed {
            open_attr: form.get("open_attr"),
            masks: form
                .0
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("mask_")
                        .filter(|_| !v.trim().is_empty())
                        .map(|code| (code.to_owned(), v.trim().to_owned()))
                })
                .collect(),
            fields,
            quasi: form.all("quasi"),
            filter_field: form.get("filter_field"),
            filter_value: form.get("filter_value"),
            conditions: form.get("conditions"),
            licence: form.get("licence"),
            min_k: form.get("min_k"),
        }
    }

    /// The action's input: masks and quasi-identifiers of the ticked fields only (a select
    /// left on a field not opened is no request to mask it).
    fn input(&self, min_k: Option<i64>) -> ProposalInput {
        let opened = |c: &String| self.fields.contains(c);
        ProposalInput {
            open_attr: self.open_attr.clone(),
            fields: self.fields.clone(),
            masks: self
                .masks
                .iter()
                .filter(|(c, _)| opened(c))
                .map(|(c, m)| (c.clone(), m.clone()))
                .collect(),
            quasi_identifiers: self.quasi.iter().filter(|c| opened(c)).cloned().collect(),
            row_filter: if self.filter_field.trim().is_empty() {
                BTreeMap::new()
            } else {
                BTreeMap::from([(
                    self.filter_field.trim().to_owned(),
                    self.filter_value.clone(),
                )])
            },
            conditions: self.conditions.clone(),
            licence: Some(self.licence.clone()),
            min_k,
        }
    }
}

struct FieldRow {
    code: String,
    name: String,
    type_label: &'static str,
    grade: u8,
    sensitive: bool,
    /// The personal data its name says it holds.
    named: Option<String>,
    opened: bool,
    quasi: bool,
    masks: Vec<Opt>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "opening_proposal_form.html")]
struct FormPage {
    c: Chrome,
    l: &'static OpeningTr,
    resource_id: String,
    name: String,
    code: String,
    provider: String,
    catalog_class: &'static str,
    catalog_cls: &'static str,
    catalog_condition: String,
    only_conditional: bool,
    f: Typed,
    rows: Vec<FieldRow>,
    filter_fields: Vec<Opt>,
    licences: Vec<Opt>,
    min_k_hint: String,
    errors: FormErrors,
}

async fn form_page(
    st: &AppState,
    s: &Session,
    resource_id: &str,
    typed: Option<Typed>,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let (l, lang) = (tr(s.lang), s.lang);
    let r = match resources::get_resource(&st.app, &s.actor, resource_id).await {
        Ok(r) => r,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(o) => o,
        Err(e) => return s.problem(&e),
    };
    let f = typed.unwrap_or_else(|| Typed::offered(&r));
    let d = &r.doc;
    let rows = d
        .fields
        .iter()
        .map(|field| {
            let chosen = f.masks.get(&field.code).map(String::as_str).unwrap_or("");
            let mut masks = vec![Opt::new("", l.no_mask, chosen.is_empty())];
            masks.extend(Mask::ALL.iter().map(|m| {
                Opt::new(
                    m.as_str(),
                    super::portal::mask_label(m.as_str(), lang == Lang::Zh),
                    m.as_str() == chosen,
                )
            }));
            FieldRow {
                code: field.code.clone(),
                name: field.name.clone(),
                type_label: lab(
                    lang,
                    field.field_type.label_zh(),
                    field.field_type.label_en(),
                ),
                grade: field.grade,
                sensitive: field.sensitive,
                named: Mask::personal_data_named(field).map(|m| kind_label(m.as_str(), lang)),
                opened: f.fields.contains(&field.code),
                quasi: f.quasi.contains(&field.code),
                masks,
                error: errors
                    .field(&format!("masks.{}", field.code))
                    .map(str::to_owned),
            }
        })
        .collect();
    let mut filter_fields = vec![Opt::new("", l.all_rows, f.filter_field.is_empty())];
    filter_fields.extend(d.fields.iter().map(|field| {
        Opt::new(
            field.code.clone(),
            format!("{}（{}）", field.name, field.code),
            field.code == f.filter_field,
        )
    }));
    let licences = LICENCES
        .iter()
        .map(|(id, title)| Opt::new(*id, format!("{title} · {id}"), *id == f.licence))
        .collect();
    let page = FormPage {
        c: s.chrome("open_proposals"),
        l,
        resource_id: r.id.clone(),
        name: d.name.clone(),
        code: d.code.clone(),
        provider: org_name(&orgs, &d.provider_org_id),
        catalog_class: open_label(d.open_attr, lang),
        catalog_cls: open_cls(d.open_attr),
        catalog_condition: d.open_condition.clone(),
        only_conditional: d.open_attr == OpenAttr::Conditional,
        f,
        rows,
        filter_fields,
        licences,
        min_k_hint: l.min_k_hint.replace(
            "{k}",
            &pubdata_core::opening::review::DEFAULT_MIN_K.to_string(),
        ),
        errors,
    };
    render(status, &page)
}

impl FormPage {
    /// The first error of any field whose name starts with `prefix` (`row_filter.` …).
    fn error_at(&self, prefix: &str) -> Option<&str> {
        self.errors
            .fields
            .iter()
            .find(|(f, _)| f == prefix || f.starts_with(&format!("{prefix}.")))
            .map(|(_, m)| m.as_str())
    }
}

/// `GET /opening/proposals/new?resource_id=`
async fn new_form(State(st): State<AppState>, s: Session) -> Response {
    let id = s.params.get("resource_id").unwrap_or_default().to_owned();
    if id.is_empty() {
        return Redirect::to("/opening/proposals#pick").into_response();
    }
    form_page(&st, &s, &id, None, FormErrors::default(), StatusCode::OK).await
}

/// `POST /opening/proposals` (also `/opening/proposals/new`): files the proposal, whose
/// review runs at once, and shows it.
async fn propose(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let l = tr(s.lang);
    let resource_id = form.get("resource_id");
    let typed = Typed::of(&form);
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    // An empty list would mean "every field" to the action: not what unticking all says.
    if typed.fields.is_empty() {
        let errors = FormErrors::one("fields", l.fields_required);
        return form_page(&st, &s, &resource_id, Some(typed), errors, unprocessable).await;
    }
    let min_k = match typed.min_k.trim() {
        "" => None,
        k => match k.parse::<i64>() {
            Ok(k) => Some(k),
            Err(_) => {
                let errors = FormErrors::one("min_k", l.min_k_invalid);
                return form_page(&st, &s, &resource_id, Some(typed), errors, unprocessable).await;
            }
        },
    };
    match proposals::propose_opening(&st.app, &s.actor, &resource_id, typed.input(min_k)).await {
        Ok(p) => {
            Redirect::to(&format!("/opening/proposals/{}?notice=proposed", p.id)).into_response()
        }
        Err(e) if fixable(&e) => {
            let errors = FormErrors::from_error(&e, s.lang);
            form_page(&st, &s, &resource_id, Some(typed), errors, status_of(&e)).await
        }
        Err(e) => s.problem(&e),
    }
}

// ---------------------------------------------------------------------------------------
// One proposal: the review and the decision

struct FindingLine {
    field: String,
    message: String,
}

struct ReviewRow {
    code: String,
    name: String,
    grade: u8,
    treatment: String,
    treatment_cls: &'static str,
    named: Option<String>,
    looks_like: Option<String>,
    quasi: bool,
    findings: Vec<String>,
}

#[derive(Template)]
#[template(path = "opening_proposal.html")]
struct ProposalPage {
    c: Chrome,
    l: &'static OpeningTr,
    notice: Option<&'static str>,
    p: Proposal,
    provider: String,
    class: &'static str,
    class_cls: &'static str,
    status: &'static str,
    status_cls: &'static str,
    proposed_at: String,
    decided_at: String,
    verdict_failed: String,
    reviewed: String,
    findings: Vec<FindingLine>,
    rows: Vec<ReviewRow>,
    quasi_names: String,
    k: Option<usize>,
    share_below: Option<String>,
    row_filter: Vec<(String, String)>,
    masks: Vec<(String, String)>,
    licence_title: String,
    can_decide: bool,
    /// Which form was refused (`approve`, `return`), its errors and what was typed.
    refused: String,
    /// A refusal of a form the page no longer shows (the proposal was decided meanwhile, or
    /// its review failed) goes atop the page.
    errors_on_top: bool,
    errors: FormErrors,
    reason: String,
}

async fn proposal_page(
    st: &AppState,
    s: &Session,
    id: &str,
    refused: (&str, FormErrors, String),
    status: StatusCode,
) -> Response {
    let (l, lang) = (tr(s.lang), s.lang);
    let p = match proposals::get_proposal(&st.app, &s.actor, id).await {
        Ok(p) => p,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(o) => o,
        Err(e) => return s.problem(&e),
    };
    let r = &p.review;
    let name_of = |code: &str| {
        r.fields
            .iter()
            .find(|f| f.field == code)
            .map_or_else(|| code.to_owned(), |f| f.name.clone())
    };
    let message = |f: &proposals::Finding| {
        if lang == Lang::En {
            f.message_en.clone()
        } else {
            f.message.clone()
        }
    };
    let findings = r
        .findings
        .iter()
        .map(|f| FindingLine {
            field: f
                .field
                .split('+')
                .map(|c| format!("{}（{c}）", name_of(c)))
                .collect::<Vec<_>>()
                .join(" + "),
            message: message(f),
        })
        .collect();
    let rows = r
        .fields
        .iter()
        .map(|f| {
            let (treatment, treatment_cls) = match f.treatment.as_str() {
                "keep" => (l.keep.to_owned(), "on"),
                "mask" => (
                    format!(
                        "{}{}{}",
                        l.masked,
                        l.colon,
                        f.mask
                            .as_deref()
                            .map(|m| kind_label(m, lang))
                            .unwrap_or_default()
                    ),
                    "warn",
                ),
                _ => (l.removed.to_owned(), "off"),
            };
            ReviewRow {
                code: f.field.clone(),
                name: f.name.clone(),
                grade: f.grade,
                treatment,
                treatment_cls,
                named: f.named.as_deref().map(|k| kind_label(k, lang)),
                looks_like: f.looks_like.as_deref().map(|k| {
                    format!(
                        "{} {:.0}%",
                        kind_label(k, lang),
                        f.looks_like_share.unwrap_or(0.0) * 100.0
                    )
                }),
                quasi: r.quasi_identifiers.contains(&f.field),
                findings: r
                    .findings
                    .iter()
                    .filter(|x| x.field == f.field)
                    .map(message)
                    .collect(),
            }
        })
        .collect();
    let (status_label, status_cls) = status_view(p.status, lang);
    let can_decide = p.status == ProposalStatus::Proposed
        && policy::review_opening(&s.actor, Action::ApproveOpening).is_ok();
    let page = ProposalPage {
        c: s.chrome("open_proposals"),
        l,
        notice: match s.params.get("notice") {
            Some("proposed") => Some(l.notice_proposed),
            Some("approved") => Some(l.notice_approved),
            Some("returned") => Some(l.notice_returned),
            _ => None,
        },
        provider: org_name(&orgs, &p.provider_org_id),
        class: open_label(p.open_attr, lang),
        class_cls: open_cls(p.open_attr),
        status: status_label,
        status_cls,
        proposed_at: local_time(&p.created_at),
        decided_at: p.decided_at.as_deref().map(local_time).unwrap_or_default(),
        verdict_failed: l
            .verdict_failed
            .replace("{n}", &r.findings.len().to_string()),
        reviewed: l
            .reviewed_text
            .replace("{v}", &r.data_version.to_string())
            .replace("{total}", &super::portal::thousands(r.total_rows as i64))
            .replace("{sample}", &super::portal::thousands(r.sample_rows as i64)),
        findings,
        rows,
        quasi_names: r
            .quasi_identifiers
            .iter()
            .map(|c| format!("{}（{c}）", name_of(c)))
            .collect::<Vec<_>>()
            .join(" + "),
        k: r.k,
        share_below: r.share_below_k.map(|x| format!("{:.1}%", x * 100.0)),
        row_filter: p
            .row_filter
            .iter()
            .map(|(c, v)| (format!("{}（{c}）", name_of(c)), v.clone()))
            .collect(),
        masks: p
            .masks
            .iter()
            .map(|(c, m)| (format!("{}（{c}）", name_of(c)), kind_label(m, lang)))
            .collect(),
        licence_title: LICENCES
            .iter()
            .find(|(id, _)| *id == p.licence)
            .map_or_else(
                || p.licence.clone(),
                |(_, t)| format!("{t} · {}", p.licence),
            ),
        can_decide,
        errors_on_top: !refused.0.is_empty()
            && !(can_decide && (refused.0 == "return" || p.review.passed)),
        refused: refused.0.to_owned(),
        errors: refused.1,
        reason: refused.2,
        p,
    };
    render(status, &page)
}

/// `GET /opening/proposals/{id}`
async fn show(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    proposal_page(
        &st,
        &s,
        &id,
        ("", FormErrors::default(), String::new()),
        StatusCode::OK,
    )
    .await
}

/// `POST /opening/proposals/{id}/approve`
async fn approve(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    decide(st, s, id, form, "approve").await
}

/// `POST /opening/proposals/{id}/return`
async fn return_proposal(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    decide(st, s, id, form, "return").await
}

async fn decide(st: AppState, s: Session, id: String, form: FormData, how: &str) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let reason = form.get("reason");
    let input = DecisionInput {
        reason: reason.clone(),
    };
    let (done, notice) = if how == "approve" {
        (
            proposals::approve_opening(&st.app, &s.actor, &id, input).await,
            "approved",
        )
    } else {
        (
            proposals::return_opening(&st.app, &s.actor, &id, input).await,
            "returned",
        )
    };
    match done {
        Ok(_) => Redirect::to(&format!("/opening/proposals/{id}?notice={notice}")).into_response(),
        Err(e) if fixable(&e) => {
            let errors = FormErrors::from_error(&e, s.lang);
            proposal_page(&st, &s, &id, (how, errors, reason), status_of(&e)).await
        }
        Err(e) => s.problem(&e),
    }
}
