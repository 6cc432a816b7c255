//! Conditional opening (有条件开放) in the pages.
//!
//! On the portal: the application form of a conditional dataset
//! (`/open/datasets/{name}/apply`; sign-in needed; the security commitment shown in full
//! above the box the applicant ticks) and 我的申请 (`/open/me/applications`): each
//! application with its steps, due dates, the reason of an extension, the reason and legal
//! basis of a refusal, and once approved its agreement, the agreement's key (taken, and shown,
//! once) and the monthly use report form with the reports filed and those overdue.
//!
//! For staff (`/opening/applications`): the applications of the unit (every one, for the
//! authority) with the use reports overdue, and one application with the authority's
//! materials form and the provider's review and extension forms.
//!
//! Every rule is the actions' (`pubdata_app::opening::applications`): the pages call them and
//! show what they return or why they refused. Which forms a page shows is asked of the same
//! policy functions the actions ask, and of the application's status; the action still
//! decides.

use super::portal::{Portal, PortalChrome};
use super::session::{FormData, Session, encode};
use super::{Chrome, FormErrors, fixable, local_time, render};
use crate::AppState;
use crate::problem::{Lang, status_of};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pubdata_app::ActionError;
use pubdata_app::opening::applications::{
    self as oa, Agreement, ApplicantInput, ApplicantKind, ApplicationInput, ApplicationQuery,
    ExtendInput, MaterialsInput, OpenRequest, OverdueReport, ReportQuery, ReviewInput, Step,
    UseReport, UseReportInput,
};
use pubdata_app::opening::datasets;
use pubdata_core::audit::Action;
use pubdata_core::catalog::OpenAttr;
use pubdata_core::opening::{ApplicationStatus, COMMITMENT_TEXT, COMMITMENT_VERSION};
use pubdata_core::policy;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open/datasets/{name}/apply", get(apply_form).post(apply))
        .route("/open/me/applications", get(mine))
        .route("/open/me/agreements/{id}/key", post(take_key))
        .route("/open/me/agreements/{id}/reports", post(report))
        .route("/opening/applications", get(staff_list))
        .route("/opening/applications/{id}", get(staff_detail))
        .route("/opening/applications/{id}/materials", post(materials))
        .route("/opening/applications/{id}/review", post(review))
        .route("/opening/applications/{id}/extend", post(extend))
}

/// The page's language: `l.t("中文", "English")` in the templates.
#[derive(Clone, Copy)]
struct L {
    zh: bool,
}

impl L {
    fn of(lang: Lang) -> L {
        L {
            zh: lang == Lang::Zh,
        }
    }

    fn t(&self, zh: &'static str, en: &'static str) -> &'static str {
        if self.zh { zh } else { en }
    }
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

    fn errors_of(&self, form: &str) -> Option<&FormErrors> {
        (self.form == form).then_some(&self.errors)
    }

    fn field(&self, form: &str, name: &str) -> Option<&str> {
        self.errors_of(form).and_then(|e| e.field(name))
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

/// Notices after a successful form, by the `notice` parameter.
fn notice(code: Option<&str>, l: L) -> Option<&'static str> {
    Some(match code? {
        "filed" => l.t(
            "申请已提交，数据主管部门将在5个工作日内完成材料审核。",
            "The application is filed; the authority checks its materials within 5 working days.",
        ),
        "reported" => l.t("使用情况报告已报送。", "The use report is filed."),
        "materials_passed" => l.t(
            "材料审核通过，申请已转提供单位审核。",
            "Materials passed; the application is with the provider.",
        ),
        "materials_rejected" => l.t("材料审核不通过，已告知申请人。", "Materials rejected."),
        "approved" => l.t(
            "已同意申请，开放利用协议已生成。",
            "Approved: the agreement is made.",
        ),
        "refused" => l.t(
            "已答复不同意，理由和依据已告知申请人。",
            "Refused; the applicant sees the reason and legal basis.",
        ),
        "extended" => l.t(
            "答复期限已延长，延期理由已告知申请人。",
            "The reply is extended; the applicant sees why.",
        ),
        _ => return None,
    })
}

fn status_cls(s: ApplicationStatus) -> &'static str {
    match s {
        ApplicationStatus::Approved => "ok",
        ApplicationStatus::Refused | ApplicationStatus::Rejected => "bad",
        ApplicationStatus::Materials | ApplicationStatus::Review => "warn",
    }
}

fn status_label(s: ApplicationStatus, l: L) -> &'static str {
    l.t(s.label_zh(), s.label_en())
}

fn decision_label(d: &str, l: L) -> (&'static str, &'static str) {
    match d {
        "pass" => (l.t("通过", "Passed"), "ok"),
        "reject" => (l.t("不通过", "Rejected"), "bad"),
        "approve" => (l.t("同意", "Approved"), "ok"),
        "refuse" => (l.t("不同意", "Refused"), "bad"),
        _ => (l.t("已办结", "Done"), "off"),
    }
}

/// `YYYY-MM-DD` of an RFC 3339 time, Beijing time.
fn local_day(rfc3339: &str) -> String {
    local_time(rfc3339).chars().take(10).collect()
}

/// One step as a page shows it.
struct StepView {
    label: &'static str,
    waits_on: String,
    opened_on: String,
    due_date: String,
    overdue: bool,
    open: bool,
    rule: String,
    rule_source: String,
    extension: Option<String>,
    extended_days: i64,
    decision: &'static str,
    decision_cls: &'static str,
    done: String,
    reason: Option<String>,
    legal_basis: Option<String>,
}

fn step_view(s: &Step, provider: &str, l: L) -> StepView {
    let (decision, decision_cls) = s
        .decision
        .as_deref()
        .map(|d| decision_label(d, l))
        .unwrap_or(("", ""));
    StepView {
        label: l.t(s.step.label_zh(), s.step.label_en()),
        waits_on: match &s.actor_org_id {
            None => l.t("数据主管部门", "The data authority").to_owned(),
            Some(_) => provider.to_owned(),
        },
        opened_on: s.opened_on.clone(),
        due_date: s.due_date.clone(),
        overdue: s.overdue,
        open: s.done_at.is_none(),
        rule: format!("{}{}", s.rule_days, l.t("个工作日", " working days")),
        rule_source: s.rule_source.clone(),
        extension: s.extension_reason.clone(),
        extended_days: s.extended_days.unwrap_or(0),
        decision,
        decision_cls,
        done: match (&s.done_by, &s.done_at) {
            (Some(by), Some(at)) => format!("{by} · {}", local_time(at)),
            _ => String::new(),
        },
        reason: s.reason.clone(),
        legal_basis: s.legal_basis.clone(),
    }
}

/// The agreement as a page shows it, with its reports and the months overdue.
struct AgreementView {
    id: String,
    fields: String,
    period: String,
    purpose: String,
    scenario: String,
    obligations: String,
    rate: i64,
    in_force: bool,
    key_prefix: Option<String>,
    reports: Vec<UseReport>,
    overdue: Vec<OverdueReport>,
    /// Months a report may still be filed for (begun, within the period, not reported).
    months: Vec<String>,
    /// The names of its forms on the page (`key-…`, `report-…`).
    key_form: String,
    report_form: String,
}

fn agreement_view(
    a: &Agreement,
    reports: &[UseReport],
    overdue: &[OverdueReport],
) -> AgreementView {
    let reports: Vec<UseReport> = reports
        .iter()
        .filter(|r| r.agreement_id == a.id)
        .map(|r| UseReport {
            submitted_at: local_time(&r.submitted_at),
            ..r.clone()
        })
        .collect();
    let current = pubdata_app::today().format("%Y-%m").to_string();
    let mut months = Vec::new();
    let (Some(first), Some(last)) = (a.starts_on.get(..7), a.ends_on.get(..7)) else {
        return AgreementView::empty(a);
    };
    let mut m = first.to_owned();
    // At most the three years an agreement may run.
    for _ in 0..40 {
        if m.as_str() > current.as_str() || m.as_str() > last {
            break;
        }
        if !reports.iter().any(|r| r.period == m) {
            months.push(m.clone());
        }
        m = next_month(&m);
    }
    months.reverse();
    AgreementView {
        overdue: overdue
            .iter()
            .filter(|o| o.agreement_id == a.id)
            .cloned()
            .collect(),
        reports,
        months,
        ..AgreementView::empty(a)
    }
}

impl AgreementView {
    fn empty(a: &Agreement) -> AgreementView {
        AgreementView {
            id: a.id.clone(),
            fields: a.fields.join("、"),
            period: format!("{} — {}", a.starts_on, a.ends_on),
            purpose: a.purpose.clone(),
            scenario: a.scenario.clone(),
            obligations: a.obligations.clone(),
            rate: a.rate_per_minute,
            in_force: a.in_force,
            key_prefix: a.key.as_ref().map(|k| k.prefix.clone()),
            reports: Vec::new(),
            overdue: Vec::new(),
            months: Vec::new(),
            key_form: format!("key-{}", a.id),
            report_form: format!("report-{}", a.id),
        }
    }
}

/// `YYYY-MM` → the next month.
fn next_month(m: &str) -> String {
    let (y, mo) = m.split_once('-').unwrap_or(("0", "0"));
    let (y, mo): (i32, u32) = (y.parse().unwrap_or(0), mo.parse().unwrap_or(0));
    if mo >= 12 {
        format!("{:04}-01", y + 1)
    } else {
        format!("{y:04}-{:02}", mo + 1)
    }
}

// ---------------------------------------------------------------------------------------
// The portal: the application form
// ---------------------------------------------------------------------------------------

/// To the sign-in page, and back to `path` after it.
fn to_signin(path: &str) -> Response {
    Redirect::to(&format!("/signin?next={}", encode(path))).into_response()
}

struct FieldPick {
    code: String,
    name: String,
    mask: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "open_apply_form.html")]
struct ApplyPage {
    c: PortalChrome,
    l: L,
    name: String,
    title: String,
    summary: String,
    provider: String,
    conditions: String,
    licence: String,
    fields: Vec<FieldPick>,
    /// Unconditional data: no application, the dataset is downloaded.
    unconditional: bool,
    commitment: &'static str,
    commitment_version: &'static str,
    today: String,
    default_end: String,
    refusal: Refusal,
}

impl ApplyPage {
    fn value(&self, name: &str) -> String {
        self.refusal.value("apply", name, "")
    }

    fn checked(&self, name: &str, value: &str, default: bool) -> bool {
        self.refusal.checked("apply", name, value, default)
    }

    fn err(&self, name: &str) -> Option<&str> {
        self.refusal.field("apply", name)
    }

    fn cls(&self, name: &str) -> &'static str {
        if self.err(name).is_some() {
            " invalid"
        } else {
            ""
        }
    }

    fn errors(&self) -> Option<&FormErrors> {
        self.refusal.errors_of("apply")
    }
}

async fn apply_page(
    st: &AppState,
    p: &Portal,
    name: &str,
    refusal: Refusal,
    status: StatusCode,
) -> Response {
    let view = match datasets::view_open_dataset(&st.app, &p.actor, name).await {
        Ok(v) => v,
        Err(e) => return p.problem(&e),
    };
    let d = view.dataset;
    let l = L::of(p.lang);
    let today = pubdata_app::today();
    let page = ApplyPage {
        c: p.chrome("datasets"),
        l,
        name: d.name.clone(),
        title: d.title.clone(),
        summary: d.summary.clone(),
        provider: d.provider_name.clone(),
        conditions: d.conditions.clone(),
        licence: d.licence_title.clone(),
        fields: d
            .fields
            .iter()
            .map(|f| FieldPick {
                code: f.code.clone(),
                name: f.name.clone(),
                mask: f.mask_label,
            })
            .collect(),
        unconditional: d.open_attr != OpenAttr::Conditional,
        commitment: COMMITMENT_TEXT,
        commitment_version: COMMITMENT_VERSION,
        today: today.to_string(),
        default_end: today
            .checked_add_months(chrono::Months::new(oa::DEFAULT_PERIOD_MONTHS))
            .map(|d| d.to_string())
            .unwrap_or_default(),
        refusal,
    };
    p.with_cookie(render(status, &page))
}

/// `GET /open/datasets/{name}/apply`
async fn apply_form(State(st): State<AppState>, p: Portal, Path(name): Path<String>) -> Response {
    if !p.signed_in {
        return to_signin(&format!("/open/datasets/{name}/apply"));
    }
    apply_page(&st, &p, &name, Refusal::default(), StatusCode::OK).await
}

/// `POST /open/datasets/{name}/apply`: `purpose`, `scenario`, `applicant.kind`,
/// `applicant.name`, `applicant.uscc`, `applicant.contact`, `fields` (several),
/// `period_start`, `period_end`, `commitment_accepted`.
async fn apply(
    State(st): State<AppState>,
    p: Portal,
    Path(name): Path<String>,
    form: FormData,
) -> Response {
    if !p.signed_in {
        return to_signin(&format!("/open/datasets/{name}/apply"));
    }
    if !p.csrf_ok(&form) {
        let e = p.csrf_refused(&st.app).await;
        return p.problem(&e);
    }
    let opt = |k: &str| Some(form.get(k)).filter(|v| !v.trim().is_empty());
    let input = ApplicationInput {
        dataset: name.clone(),
        purpose: form.get("purpose"),
        scenario: form.get("scenario"),
        applicant: ApplicantInput {
            kind: form.get("applicant.kind"),
            name: form.get("applicant.name"),
            uscc: opt("applicant.uscc"),
            contact: form.get("applicant.contact"),
        },
        fields: form.all("fields"),
        period_start: opt("period_start"),
        period_end: opt("period_end"),
        commitment_accepted: form.get("commitment_accepted") == "yes",
    };
    match oa::file_open_application(&st.app, &p.actor, input).await {
        Ok(a) => Redirect::to(&format!("/open/me/applications?notice=filed#app-{}", a.id))
            .into_response(),
        Err(ActionError::Unauthenticated(_)) => to_signin(&format!("/open/datasets/{name}/apply")),
        Err(e) if fixable(&e) => {
            let status = status_of(&e);
            let refusal = Refusal::of("apply", &e, form, p.lang);
            apply_page(&st, &p, &name, refusal, status).await
        }
        Err(e) => p.problem(&e),
    }
}

// ---------------------------------------------------------------------------------------
// The portal: 我的申请
// ---------------------------------------------------------------------------------------

struct MineItem {
    id: String,
    dataset: String,
    dataset_title: String,
    provider: String,
    status: &'static str,
    status_cls: &'static str,
    applicant: String,
    purpose: String,
    scenario: String,
    fields: String,
    period: String,
    filed_at: String,
    commitment: String,
    steps: Vec<StepView>,
    agreement: Option<AgreementView>,
}

/// A key just taken: shown once, above the agreement it reads under.
struct NewKey {
    agreement_id: String,
    key: String,
}

#[derive(Template)]
#[template(path = "open_apply_mine.html")]
struct MinePage {
    c: PortalChrome,
    l: L,
    notice: Option<&'static str>,
    items: Vec<MineItem>,
    new_key: Option<NewKey>,
    refusal: Refusal,
}

impl MinePage {
    fn errors_of(&self, form: &str) -> Option<&FormErrors> {
        self.refusal.errors_of(form)
    }

    fn err(&self, form: &str, name: &str) -> Option<&str> {
        self.refusal.field(form, name)
    }

    fn value(&self, form: &str, name: &str) -> String {
        self.refusal.value(form, name, "")
    }

    fn is_new_key(&self, agreement_id: &str) -> bool {
        self.new_key
            .as_ref()
            .is_some_and(|k| k.agreement_id == agreement_id)
    }
}

fn mine_item(a: &OpenRequest, reports: &[UseReport], overdue: &[OverdueReport], l: L) -> MineItem {
    let kind = a.applicant.kind;
    MineItem {
        id: a.id.clone(),
        dataset: a.dataset.clone(),
        dataset_title: a.dataset_title.clone(),
        provider: a.provider_name.clone(),
        status: status_label(a.status, l),
        status_cls: status_cls(a.status),
        applicant: match (&a.applicant.uscc, kind) {
            (Some(u), ApplicantKind::Organisation) => format!("{}（{u}）", a.applicant.name),
            _ => format!(
                "{}（{}）",
                a.applicant.name,
                l.t(kind.label_zh(), kind.label_en())
            ),
        },
        purpose: a.purpose.clone(),
        scenario: a.scenario.clone(),
        fields: a.fields.join("、"),
        period: format!("{} — {}", a.period_start, a.period_end),
        filed_at: local_time(&a.created_at),
        commitment: format!(
            "{} · {}",
            a.commitment_version,
            local_time(&a.commitment_accepted_at)
        ),
        steps: a
            .steps
            .iter()
            .map(|s| step_view(s, &a.provider_name, l))
            .collect(),
        agreement: a
            .agreement
            .as_ref()
            .map(|ag| agreement_view(ag, reports, overdue)),
    }
}

async fn mine_page(
    st: &AppState,
    p: &Portal,
    new_key: Option<NewKey>,
    refusal: Refusal,
    status: StatusCode,
) -> Response {
    let mine = || Some("mine".to_owned());
    let apps = oa::list_open_applications(
        &st.app,
        &p.actor,
        ApplicationQuery {
            scope: mine(),
            limit: Some(200),
            ..Default::default()
        },
    )
    .await;
    let apps = match apps {
        Ok(a) => a,
        Err(e) => return p.problem(&e),
    };
    let reports = if apps.items.iter().any(|a| a.agreement.is_some()) {
        match oa::list_use_reports(
            &st.app,
            &p.actor,
            ReportQuery {
                scope: mine(),
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await
        {
            Ok(r) => Some(r),
            Err(e) => return p.problem(&e),
        }
    } else {
        None
    };
    let (reports, overdue) = reports.map(|r| (r.items, r.overdue)).unwrap_or_default();
    let l = L::of(p.lang);
    let page = MinePage {
        c: p.chrome(""),
        l,
        notice: notice(p.params.get("notice"), l),
        items: apps
            .items
            .iter()
            .map(|a| mine_item(a, &reports, &overdue, l))
            .collect(),
        new_key,
        refusal,
    };
    render(status, &page)
}

/// `GET /open/me/applications`
async fn mine(State(st): State<AppState>, p: Portal) -> Response {
    if !p.signed_in {
        return to_signin("/open/me/applications");
    }
    mine_page(&st, &p, None, Refusal::default(), StatusCode::OK).await
}

/// `POST /open/me/agreements/{id}/key`: the key is shown on the page it answers, once.
async fn take_key(
    State(st): State<AppState>,
    p: Portal,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if !p.signed_in {
        return to_signin("/open/me/applications");
    }
    if !p.csrf_ok(&form) {
        let e = p.csrf_refused(&st.app).await;
        return p.problem(&e);
    }
    match oa::take_agreement_key(&st.app, &p.actor, &id).await {
        Ok(k) => {
            let new_key = NewKey {
                agreement_id: id,
                key: k.key,
            };
            mine_page(&st, &p, Some(new_key), Refusal::default(), StatusCode::OK).await
        }
        // Not in force: said at the agreement's key; anything else is the portal's problem page.
        Err(e @ ActionError::Conflict(_)) => {
            let status = status_of(&e);
            let refusal = Refusal::of(&format!("key-{id}"), &e, form, p.lang);
            mine_page(&st, &p, None, refusal, status).await
        }
        Err(e) => p.problem(&e),
    }
}

/// `POST /open/me/agreements/{id}/reports`: `period` (YYYY-MM), `use_summary`, `results`.
async fn report(
    State(st): State<AppState>,
    p: Portal,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if !p.signed_in {
        return to_signin("/open/me/applications");
    }
    if !p.csrf_ok(&form) {
        let e = p.csrf_refused(&st.app).await;
        return p.problem(&e);
    }
    let input = UseReportInput {
        period: form.get("period"),
        use_summary: form.get("use_summary"),
        results: form.get("results"),
    };
    match oa::report_open_use(&st.app, &p.actor, &id, input).await {
        Ok(_) => {
            Redirect::to(&format!("/open/me/applications?notice=reported#ag-{id}")).into_response()
        }
        Err(e) if fixable(&e) => {
            let status = status_of(&e);
            let refusal = Refusal::of(&format!("report-{id}"), &e, form, p.lang);
            mine_page(&st, &p, None, refusal, status).await
        }
        Err(e) => p.problem(&e),
    }
}

// ---------------------------------------------------------------------------------------
// Staff: the list and one application
// ---------------------------------------------------------------------------------------

struct ListLine {
    id: String,
    dataset_title: String,
    dataset: String,
    provider: String,
    applicant: String,
    username: String,
    status: &'static str,
    status_cls: &'static str,
    open_step: Option<StepView>,
    filed_on: String,
}

#[derive(Template)]
#[template(path = "open_apply_list.html")]
struct ListPage {
    c: Chrome,
    l: L,
    notice: Option<&'static str>,
    lines: Vec<ListLine>,
    statuses: Vec<(&'static str, &'static str, bool)>,
    overdue: Vec<OverdueReport>,
    next: Option<String>,
}

/// `GET /opening/applications?status=&cursor=`
async fn staff_list(State(st): State<AppState>, s: Session) -> Response {
    let l = L::of(s.lang);
    let status = s.params.get("status").map(str::to_owned);
    let page = oa::list_open_applications(
        &st.app,
        &s.actor,
        ApplicationQuery {
            status: status.clone(),
            cursor: s.params.get("cursor").map(str::to_owned),
            ..Default::default()
        },
    )
    .await;
    let page = match page {
        Ok(p) => p,
        Err(e) => return s.problem(&e),
    };
    let overdue = match oa::list_use_reports(&st.app, &s.actor, ReportQuery::default()).await {
        Ok(r) => r.overdue,
        Err(e) => return s.problem(&e),
    };
    let lines = page
        .items
        .iter()
        .map(|a| ListLine {
            id: a.id.clone(),
            dataset_title: a.dataset_title.clone(),
            dataset: a.dataset.clone(),
            provider: a.provider_name.clone(),
            applicant: a.applicant.name.clone(),
            username: a.username.clone(),
            status: status_label(a.status, l),
            status_cls: status_cls(a.status),
            open_step: a.open_step().map(|x| step_view(x, &a.provider_name, l)),
            filed_on: local_day(&a.created_at),
        })
        .collect();
    let statuses = ApplicationStatus::ALL
        .iter()
        .map(|st| {
            (
                st.as_str(),
                status_label(*st, l),
                status.as_deref() == Some(st.as_str()),
            )
        })
        .collect();
    let next = page.next_cursor.map(|c| match &status {
        Some(st) => format!("?status={}&cursor={}", encode(st), encode(&c)),
        None => format!("?cursor={}", encode(&c)),
    });
    let page = ListPage {
        c: s.chrome("opening_applications"),
        l,
        notice: notice(s.params.get("notice"), l),
        lines,
        statuses,
        overdue,
        next,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "open_apply_detail.html")]
struct DetailPage {
    c: Chrome,
    l: L,
    notice: Option<&'static str>,
    a: MineItem,
    username: String,
    contact: String,
    rate_default: i64,
    waiting: Option<StepView>,
    can_materials: bool,
    can_review: bool,
    can_extend: bool,
    refusal: Refusal,
}

impl DetailPage {
    fn errors_of(&self, form: &str) -> Option<&FormErrors> {
        self.refusal.errors_of(form)
    }

    fn err(&self, form: &str, name: &str) -> Option<&str> {
        self.refusal.field(form, name)
    }

    fn value(&self, form: &str, name: &str) -> String {
        self.refusal.value(form, name, "")
    }

    fn checked(&self, form: &str, name: &str, value: &str) -> bool {
        let default = matches!(value, "pass" | "approve");
        self.refusal.checked(form, name, value, default)
    }

    /// A refusal of a form the page no longer shows goes atop the page.
    fn general_errors(&self) -> Option<&FormErrors> {
        let shown = match self.refusal.form.as_str() {
            "" => return None,
            "materials" => self.can_materials,
            "review" => self.can_review,
            "extend" => self.can_extend,
            _ => false,
        };
        (!shown).then_some(&self.refusal.errors)
    }
}

async fn detail_page(
    st: &AppState,
    s: &Session,
    id: &str,
    refusal: Refusal,
    status: StatusCode,
) -> Result<Response, ActionError> {
    let a = oa::get_open_application(&st.app, &s.actor, id).await?;
    let (reports, overdue) = match &a.agreement {
        Some(ag) => {
            let r = oa::list_use_reports(
                &st.app,
                &s.actor,
                ReportQuery {
                    org_id: Some(a.provider_org_id.clone()),
                    agreement_id: Some(ag.id.clone()),
                    limit: Some(1000),
                    ..Default::default()
                },
            )
            .await
            // The applicant's own view of its reports is on the portal; here they are shown
            // to those who see the provider's.
            .ok();
            r.map(|r| (r.items, r.overdue)).unwrap_or_default()
        }
        None => Default::default(),
    };
    let l = L::of(s.lang);
    let actor = &s.actor;
    let provider =
        policy::propose_opening(actor, Action::ReviewOpenApplication, &a.provider_org_id).is_ok();
    let waiting = a.open_step().map(|x| step_view(x, &a.provider_name, l));
    let page = DetailPage {
        c: s.chrome("opening_applications"),
        l,
        notice: notice(s.params.get("notice"), l),
        username: a.username.clone(),
        contact: a.applicant.contact.clone(),
        rate_default: pubdata_app::opening::keys::DEVELOPER_RATE_PER_MINUTE,
        can_materials: a.status == ApplicationStatus::Materials
            && policy::review_opening(actor, Action::CheckOpenMaterials).is_ok(),
        can_review: a.status == ApplicationStatus::Review && provider,
        can_extend: a.status == ApplicationStatus::Review
            && provider
            && a.open_step().is_some_and(|x| x.extended_days.is_none()),
        waiting,
        a: mine_item(&a, &reports, &overdue, l),
        refusal,
    };
    Ok(render(status, &page))
}

/// `GET /opening/applications/{id}`
async fn staff_detail(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    match detail_page(&st, &s, &id, Refusal::default(), StatusCode::OK).await {
        Ok(res) => res,
        Err(e) => s.problem(&e),
    }
}

/// After a step's form: back to the application with a notice, or its page with the refusal
/// at the form that was sent.
async fn after_step(
    st: &AppState,
    s: &Session,
    id: &str,
    (form, typed): (&str, FormData),
    result: Result<OpenRequest, ActionError>,
    notice: &str,
) -> Response {
    match result {
        Ok(a) => {
            Redirect::to(&format!("/opening/applications/{}?notice={notice}", a.id)).into_response()
        }
        Err(e @ ActionError::Unauthenticated(_)) => s.problem(&e),
        Err(e) => {
            let refusal = Refusal::of(form, &e, typed, s.lang);
            match detail_page(st, s, id, refusal, status_of(&e)).await {
                Ok(res) => res,
                Err(_) => s.problem(&e),
            }
        }
    }
}

/// `POST /opening/applications/{id}/materials`: `decision` pass / reject, `reason`.
async fn materials(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let input = MaterialsInput {
        decision: form.get("decision"),
        reason: form.get("reason"),
    };
    let notice = if input.decision == "pass" {
        "materials_passed"
    } else {
        "materials_rejected"
    };
    let r = oa::check_open_materials(&st.app, &s.actor, &id, input).await;
    after_step(&st, &s, &id, ("materials", form), r, notice).await
}

/// `POST /opening/applications/{id}/review`: `decision` approve / refuse, `reason`,
/// `legal_basis`, `rate_per_minute`.
async fn review(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let rate = form.get("rate_per_minute");
    let rate = match rate.trim() {
        "" => None,
        // Not a number: out of range, so the action says so at the field.
        t => Some(t.parse::<i64>().unwrap_or(-1)),
    };
    let input = ReviewInput {
        decision: form.get("decision"),
        reason: form.get("reason"),
        legal_basis: form.get("legal_basis"),
        rate_per_minute: rate,
    };
    let notice = if input.decision == "approve" {
        "approved"
    } else {
        "refused"
    };
    let r = oa::review_open_application(&st.app, &s.actor, &id, input).await;
    after_step(&st, &s, &id, ("review", form), r, notice).await
}

/// `POST /opening/applications/{id}/extend`: `reason`.
async fn extend(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let input = ExtendInput {
        reason: form.get("reason"),
    };
    let r = oa::extend_open_reply(&st.app, &s.actor, &id, input).await;
    after_step(&st, &s, &id, ("extend", form), r, "extended").await
}

#[cfg(test)]
mod tests {
    use super::next_month;

    #[test]
    fn months_follow_each_other_across_the_year() {
        assert_eq!(next_month("2026-11"), "2026-12");
        assert_eq!(next_month("2026-12"), "2027-01");
        assert_eq!(next_month("2027-01"), "2027-02");
    }
}
