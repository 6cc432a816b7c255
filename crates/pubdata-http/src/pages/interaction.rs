//! Public interaction (互动交流) and the application showcase (应用展示) — on the portal for
//! anyone: the public list of items with their answers and a form that works signed in or not
//! (the double-submit CSRF check of [`Portal`]), one item's page, the error-report (纠错) form
//! of a dataset, the shown applications and the submission form; and for staff: what waits for
//! the unit's (or the authority's) answer, earliest due first, with answer forms, and the
//! authority's review of the showcase.
//!
//! An error report on a record is answered through its objection: its form here posts to the
//! objection's answer (`/sharing/objections/{id}/answer`), the one answer the item shows.

use super::portal::{Portal, PortalChrome};
use super::session::{FormData, Session};
use super::{Chrome, FormErrors, Opt, local_time, render};
use crate::AppState;
use crate::problem::{Lang, status_of, title};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pubdata_app::ActionError;
use pubdata_app::opening::feedback::{
    self, AnswerInput, DatasetChoice, Feedback, FeedbackInput, FeedbackQuery,
};
use pubdata_app::opening::showcase::{self, ReviewInput, Showcase, ShowcaseInput, ShowcaseQuery};
use pubdata_core::audit::Action;
use pubdata_core::opening::{FeedbackKind, FeedbackStatus, ShowcaseStatus};
use pubdata_core::policy;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open/feedback", get(feedback_page).post(submit))
        .route("/open/feedback/{id}", get(item_page))
        .route(
            "/open/datasets/{name}/feedback",
            get(report_form).post(report),
        )
        .route("/open/showcase", get(showcase_page).post(submit_showcase))
        .route("/opening/feedback", get(staff_feedback))
        .route("/opening/feedback/{id}/answer", post(staff_answer))
        .route("/opening/showcase", get(staff_showcase))
        .route("/opening/showcase/{id}/review", post(staff_review))
}

fn lab(zh: &'static str, en: &'static str, lang: Lang) -> &'static str {
    if lang == Lang::En { en } else { zh }
}

/// An item as the pages show it.
pub struct ItemView {
    pub id: String,
    pub kind_label: &'static str,
    pub dataset: Option<String>,
    pub dataset_title: String,
    pub record_key: Option<String>,
    pub text: String,
    pub status_label: &'static str,
    pub answered: bool,
    pub overdue: bool,
    pub filed_on: String,
    pub due_date: String,
    pub rule_days: i64,
    pub rule_source: String,
    pub answerer_name: String,
    pub outcome_label: Option<&'static str>,
    pub answer: Option<String>,
    pub answered_at: String,
    /// Staff only.
    pub contact: String,
    pub submitted_by: String,
    pub objection_id: Option<String>,
    pub can_answer: bool,
}

fn item_view(f: Feedback, lang: Lang, can_answer: bool) -> ItemView {
    let staff = f.staff;
    ItemView {
        kind_label: lab(f.kind.label_zh(), f.kind.label_en(), lang),
        dataset_title: f.dataset_title.unwrap_or_default(),
        record_key: staff
            .as_ref()
            .and_then(|s| s.record_key.clone())
            .or(f.record_key),
        status_label: lab(f.status.label_zh(), f.status.label_en(), lang),
        answered: f.status == FeedbackStatus::Answered,
        outcome_label: f.outcome.map(|o| lab(o.label_zh(), o.label_en(), lang)),
        answered_at: f.answered_at.as_deref().map(local_time).unwrap_or_default(),
        contact: staff
            .as_ref()
            .and_then(|s| s.contact.clone())
            .unwrap_or_default(),
        submitted_by: staff
            .as_ref()
            .map(|s| s.submitted_by.clone())
            .unwrap_or_default(),
        objection_id: staff.as_ref().and_then(|s| s.objection_id.clone()),
        can_answer,
        id: f.id,
        dataset: f.dataset,
        text: f.text,
        overdue: f.overdue,
        filed_on: f.filed_on,
        due_date: f.due_date,
        rule_days: f.rule_days,
        rule_source: f.rule_source,
        answerer_name: f.answerer_name,
        answer: f.answer,
    }
}

/// A filter tab: its link and whether it is the current one.
pub struct Tab {
    pub href: String,
    pub label: &'static str,
    pub active: bool,
}

/// The submission form of an item, on the list page or a dataset's 纠错 page.
pub struct FeedbackForm {
    pub action: String,
    pub kinds: Vec<Opt>,
    pub datasets: Vec<Opt>,
    /// The dataset's 纠错 form: fixed to it (name, title, its key's field names), kind fixed
    /// to error_report.
    pub fixed: Option<(String, String, String)>,
    pub record_key: String,
    pub text: String,
    pub contact: String,
    pub signed_in: bool,
    pub errors: FormErrors,
}

impl FeedbackForm {
    fn new(p: &Portal, action: String, choices: &[DatasetChoice], typed: &FeedbackInput) -> Self {
        let kind = typed.kind.as_str();
        let dataset = typed.dataset.as_deref().unwrap_or("");
        let mut datasets = vec![Opt::new(
            "",
            lab("（不涉及具体数据集）", "(no particular dataset)", p.lang),
            dataset.is_empty(),
        )];
        datasets.extend(choices.iter().map(|d| {
            Opt::new(
                d.name.clone(),
                format!("{}（{}）", d.title, d.provider_name),
                d.name == dataset,
            )
        }));
        FeedbackForm {
            action,
            kinds: FeedbackKind::ALL
                .iter()
                .map(|k| {
                    Opt::new(
                        k.as_str(),
                        lab(k.label_zh(), k.label_en(), p.lang),
                        k.as_str() == kind,
                    )
                })
                .collect(),
            datasets,
            fixed: None,
            record_key: typed.record_key.clone().unwrap_or_default(),
            text: typed.text.clone(),
            contact: typed.contact.clone().unwrap_or_default(),
            signed_in: p.signed_in,
            errors: FormErrors::default(),
        }
    }
}

fn typed_of(form: &FormData) -> FeedbackInput {
    FeedbackInput {
        kind: form.get("kind"),
        dataset: form.opt("dataset"),
        record_key: form.opt("record_key"),
        text: form.get("text"),
        contact: form.opt("contact"),
    }
}

/// The errors of a refused form: at their fields, the summary atop.
fn form_errors(e: &ActionError, lang: Lang) -> FormErrors {
    let mut errors = FormErrors::from_error(e, lang);
    if errors.summary.is_none() {
        errors.summary = Some(title(e.code(), lang).to_owned());
    }
    errors
}

#[derive(Template)]
#[template(path = "interaction.html")]
struct FeedbackListPage {
    c: PortalChrome,
    tabs: Vec<Tab>,
    items: Vec<ItemView>,
    next: Option<String>,
    kind: String,
    form: FeedbackForm,
    failed: Option<String>,
}

async fn list_page(
    st: &AppState,
    p: &Portal,
    typed: FeedbackInput,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let kind = p.params.get("kind").unwrap_or("").to_owned();
    let listed = feedback::list_feedback(
        &st.app,
        &p.actor,
        FeedbackQuery {
            kind: Some(kind.clone()).filter(|k| !k.is_empty()),
            cursor: p.params.get("cursor").map(str::to_owned),
            limit: Some(20),
            ..FeedbackQuery::default()
        },
    )
    .await;
    let (items, next, failed) = match listed {
        Ok(page) => (
            page.items
                .into_iter()
                .map(|f| item_view(f, p.lang, false))
                .collect(),
            page.next_cursor,
            None,
        ),
        Err(e) => (Vec::new(), None, Some(title(e.code(), p.lang).to_owned())),
    };
    let choices = feedback::dataset_choices(&st.app).await.unwrap_or_default();
    let mut form = FeedbackForm::new(p, "/open/feedback".into(), &choices, &typed);
    form.errors = errors;
    let mut tabs = vec![Tab {
        href: "/open/feedback".into(),
        label: lab("全部", "All", p.lang),
        active: kind.is_empty(),
    }];
    tabs.extend(FeedbackKind::ALL.iter().map(|k| Tab {
        href: format!("/open/feedback?kind={}", k.as_str()),
        label: lab(k.label_zh(), k.label_en(), p.lang),
        active: kind == k.as_str(),
    }));
    let page = FeedbackListPage {
        c: p.chrome("feedback"),
        tabs,
        items,
        next,
        kind,
        form,
        failed,
    };
    p.with_cookie(render(status, &page))
}

/// `GET /open/feedback?kind=&cursor=`
async fn feedback_page(State(st): State<AppState>, p: Portal) -> Response {
    let typed = FeedbackInput {
        kind: FeedbackKind::DataRequest.as_str().into(),
        ..FeedbackInput::default()
    };
    list_page(&st, &p, typed, FormErrors::default(), StatusCode::OK).await
}

/// Submits a form of either page; `Err` carries the refusal to show at the form.
async fn post_item(
    st: &AppState,
    p: &Portal,
    form: &FormData,
    input: FeedbackInput,
) -> Result<Response, (ActionError, FormErrors)> {
    if !p.csrf_ok(form) {
        let e = p.csrf_refused(&st.app).await;
        let mut errors = form_errors(&e, p.lang);
        errors.summary = Some(
            lab(
                "页面已过期，请重新提交",
                "The page expired: please submit again",
                p.lang,
            )
            .to_owned(),
        );
        return Err((e, errors));
    }
    match feedback::submit_feedback(&st.app, &p.actor, input).await {
        Ok(f) => Ok(Redirect::to(&format!("/open/feedback/{}?submitted=1", f.id)).into_response()),
        Err(e) => {
            let errors = form_errors(&e, p.lang);
            Err((e, errors))
        }
    }
}

/// `POST /open/feedback`: `kind`, `dataset`, `record_key`, `text`, `contact`.
async fn submit(State(st): State<AppState>, p: Portal, form: FormData) -> Response {
    let typed = typed_of(&form);
    match post_item(&st, &p, &form, typed.clone()).await {
        Ok(res) => res,
        Err((e, errors)) => list_page(&st, &p, typed, errors, status_of(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "interaction_report.html")]
struct ReportPage {
    c: PortalChrome,
    form: FeedbackForm,
}

async fn report_page(
    st: &AppState,
    p: &Portal,
    name: &str,
    typed: FeedbackInput,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let choices = match feedback::dataset_choices(&st.app).await {
        Ok(c) => c,
        Err(e) => return message_page(p, &e),
    };
    let Some(d) = choices.iter().find(|d| d.name == name) else {
        return message_page(p, &ActionError::NotFound("dataset_not_found"));
    };
    let mut form = FeedbackForm::new(
        p,
        format!("/open/datasets/{name}/feedback"),
        &choices,
        &typed,
    );
    form.fixed = Some((d.name.clone(), d.title.clone(), d.key_label.clone()));
    form.errors = errors;
    let page = ReportPage {
        c: p.chrome("feedback"),
        form,
    };
    p.with_cookie(render(status, &page))
}

/// `GET /open/datasets/{name}/feedback?key=`: the error-report form of one dataset.
async fn report_form(State(st): State<AppState>, p: Portal, Path(name): Path<String>) -> Response {
    let typed = FeedbackInput {
        kind: FeedbackKind::ErrorReport.as_str().into(),
        dataset: Some(name.clone()),
        record_key: p.params.get("key").map(str::to_owned),
        ..FeedbackInput::default()
    };
    report_page(&st, &p, &name, typed, FormErrors::default(), StatusCode::OK).await
}

/// `POST /open/datasets/{name}/feedback`: `record_key`, `text`, `contact`.
async fn report(
    State(st): State<AppState>,
    p: Portal,
    Path(name): Path<String>,
    form: FormData,
) -> Response {
    let typed = FeedbackInput {
        kind: FeedbackKind::ErrorReport.as_str().into(),
        dataset: Some(name.clone()),
        ..typed_of(&form)
    };
    match post_item(&st, &p, &form, typed.clone()).await {
        Ok(res) => res,
        Err((e, errors)) => report_page(&st, &p, &name, typed, errors, status_of(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "interaction_item.html")]
struct ItemPage {
    c: PortalChrome,
    item: ItemView,
    submitted: bool,
}

#[derive(Template)]
#[template(path = "interaction_message.html")]
struct MessagePage {
    c: PortalChrome,
    heading: String,
    code: String,
}

/// A refusal on the portal, in its frame.
fn message_page(p: &Portal, e: &ActionError) -> Response {
    let page = MessagePage {
        c: p.chrome("feedback"),
        heading: title(e.code(), p.lang).to_owned(),
        code: e.code().to_owned(),
    };
    render(status_of(e), &page)
}

/// `GET /open/feedback/{id}`
async fn item_page(State(st): State<AppState>, p: Portal, Path(id): Path<String>) -> Response {
    match feedback::get_feedback(&st.app, &p.actor, &id).await {
        Ok(f) => {
            let page = ItemPage {
                c: p.chrome("feedback"),
                item: item_view(f, p.lang, false),
                submitted: p.params.get("submitted").is_some(),
            };
            render(StatusCode::OK, &page)
        }
        Err(e) => message_page(&p, &e),
    }
}

/// An application as the pages show it.
pub struct ShowcaseView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub url: String,
    /// (name, title) of each dataset it uses.
    pub datasets: Vec<(String, String)>,
    pub author: String,
    pub status: &'static str,
    pub status_cls: &'static str,
    pub submitted: bool,
    pub shown: bool,
    pub review_reason: Option<String>,
    pub reviewed: String,
    pub created_at: String,
}

fn showcase_view(s: Showcase, lang: Lang) -> ShowcaseView {
    ShowcaseView {
        status: lab(s.status.label_zh(), s.status.label_en(), lang),
        status_cls: match s.status {
            ShowcaseStatus::Submitted => "warn",
            ShowcaseStatus::Shown => "on",
            ShowcaseStatus::Rejected => "off",
        },
        submitted: s.status == ShowcaseStatus::Submitted,
        shown: s.status == ShowcaseStatus::Shown,
        datasets: s
            .datasets
            .into_iter()
            .map(|d| {
                let t = if d.title.is_empty() {
                    d.name.clone()
                } else {
                    d.title
                };
                (d.name, t)
            })
            .collect(),
        reviewed: match (&s.reviewed_by, &s.reviewed_at) {
            (Some(by), Some(at)) => format!("{by} · {}", local_time(at)),
            _ => String::new(),
        },
        created_at: local_time(&s.created_at),
        id: s.id,
        title: s.title,
        description: s.description,
        url: s.url,
        author: s.author,
        review_reason: s.review_reason,
    }
}

#[derive(Template)]
#[template(path = "showcase.html")]
struct ShowcasePage {
    c: PortalChrome,
    items: Vec<ShowcaseView>,
    next: Option<String>,
    mine: Vec<ShowcaseView>,
    datasets: Vec<Opt>,
    title: String,
    description: String,
    url: String,
    errors: FormErrors,
    submitted: bool,
}

async fn showcase_list_page(
    st: &AppState,
    p: &Portal,
    typed: ShowcaseInput,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let shown = showcase::list_showcase(
        &st.app,
        &p.actor,
        ShowcaseQuery {
            cursor: p.params.get("cursor").map(str::to_owned),
            limit: Some(30),
            ..ShowcaseQuery::default()
        },
    )
    .await;
    let shown = match shown {
        Ok(s) => s,
        Err(e) => return message_page(p, &e),
    };
    let mine = if p.signed_in {
        match showcase::list_showcase(
            &st.app,
            &p.actor,
            ShowcaseQuery {
                view: Some("mine".into()),
                limit: Some(50),
                ..ShowcaseQuery::default()
            },
        )
        .await
        {
            Ok(m) => m.items,
            Err(e) => return message_page(p, &e),
        }
    } else {
        Vec::new()
    };
    let choices = feedback::dataset_choices(&st.app).await.unwrap_or_default();
    let page = ShowcasePage {
        c: p.chrome("showcase"),
        items: shown
            .items
            .into_iter()
            .map(|s| showcase_view(s, p.lang))
            .collect(),
        next: shown.next_cursor,
        mine: mine.into_iter().map(|s| showcase_view(s, p.lang)).collect(),
        datasets: choices
            .iter()
            .map(|d| {
                Opt::new(
                    d.name.clone(),
                    d.title.clone(),
                    typed.datasets.contains(&d.name),
                )
            })
            .collect(),
        title: typed.title,
        description: typed.description,
        url: typed.url,
        errors,
        submitted: p.params.get("submitted").is_some(),
    };
    p.with_cookie(render(status, &page))
}

/// `GET /open/showcase?cursor=`
async fn showcase_page(State(st): State<AppState>, p: Portal) -> Response {
    showcase_list_page(
        &st,
        &p,
        ShowcaseInput::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /open/showcase`: `title`, `description`, `url`, `datasets` (several).
async fn submit_showcase(State(st): State<AppState>, p: Portal, form: FormData) -> Response {
    if !p.signed_in {
        return Redirect::to("/signin?next=/open/showcase").into_response();
    }
    let typed = ShowcaseInput {
        title: form.get("title"),
        description: form.get("description"),
        url: form.get("url"),
        datasets: form.all("datasets"),
    };
    if !p.csrf_ok(&form) {
        let e = p.csrf_refused(&st.app).await;
        let errors = form_errors(&e, p.lang);
        return showcase_list_page(&st, &p, typed, errors, status_of(&e)).await;
    }
    match showcase::submit_showcase(&st.app, &p.actor, typed.clone()).await {
        Ok(_) => Redirect::to("/open/showcase?submitted=1#mine").into_response(),
        Err(e) => {
            let errors = form_errors(&e, p.lang);
            showcase_list_page(&st, &p, typed, errors, status_of(&e)).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Staff
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "interaction_staff.html")]
struct StaffFeedbackPage {
    c: Chrome,
    zh: bool,
    items: Vec<ItemView>,
    next: Option<String>,
    done: bool,
    /// The item whose form was refused, the error, and what was typed.
    refused: Option<(String, FormErrors, String)>,
}

impl StaffFeedbackPage {
    fn errors_of(&self, id: &str) -> Option<&FormErrors> {
        self.refused
            .as_ref()
            .filter(|(i, _, _)| i == id)
            .map(|(_, e, _)| e)
    }

    fn typed(&self, id: &str) -> &str {
        self.refused
            .as_ref()
            .filter(|(i, _, _)| i == id)
            .map_or("", |(_, _, t)| t.as_str())
    }
}

async fn staff_feedback_page(
    st: &AppState,
    s: &Session,
    refused: Option<(String, FormErrors, String)>,
    status: StatusCode,
) -> Response {
    let page = match feedback::list_feedback(
        &st.app,
        &s.actor,
        FeedbackQuery {
            view: Some("waiting".into()),
            cursor: s.params.get("cursor").map(str::to_owned),
            limit: Some(50),
            ..FeedbackQuery::default()
        },
    )
    .await
    {
        Ok(p) => p,
        Err(e) => return s.problem(&e),
    };
    let items = page
        .items
        .into_iter()
        .map(|f| {
            // The same decision the answer takes; an auditor sees the list without forms.
            let can = match &f.answerer_org_id {
                Some(org) => policy::propose_opening(&s.actor, Action::AnswerFeedback, org),
                None => policy::review_opening(&s.actor, Action::AnswerFeedback),
            }
            .is_ok();
            item_view(f, s.lang, can)
        })
        .collect();
    let page = StaffFeedbackPage {
        c: s.chrome("open_feedback"),
        zh: s.lang == Lang::Zh,
        items,
        next: page.next_cursor,
        done: s.params.get("done").is_some(),
        refused,
    };
    render(status, &page)
}

/// `GET /opening/feedback?cursor=`
async fn staff_feedback(State(st): State<AppState>, s: Session) -> Response {
    staff_feedback_page(&st, &s, None, StatusCode::OK).await
}

/// `POST /opening/feedback/{id}/answer`: `answer`.
async fn staff_answer(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let answer = form.get("answer");
    let input = AnswerInput {
        answer: answer.clone(),
    };
    match feedback::answer_feedback(&st.app, &s.actor, &id, input).await {
        Ok(_) => Redirect::to("/opening/feedback?done=1").into_response(),
        Err(e @ ActionError::Unauthenticated(_)) => s.problem(&e),
        Err(e) => {
            let errors = form_errors(&e, s.lang);
            staff_feedback_page(&st, &s, Some((id, errors, answer)), status_of(&e)).await
        }
    }
}

#[derive(Template)]
#[template(path = "showcase_staff.html")]
struct StaffShowcasePage {
    c: Chrome,
    zh: bool,
    tabs: Vec<Tab>,
    items: Vec<ShowcaseView>,
    next: Option<String>,
    status: String,
    can_review: bool,
    done: bool,
    refused: Option<(String, FormErrors, String)>,
}

impl StaffShowcasePage {
    fn errors_of(&self, id: &str) -> Option<&FormErrors> {
        self.refused
            .as_ref()
            .filter(|(i, _, _)| i == id)
            .map(|(_, e, _)| e)
    }

    fn typed(&self, id: &str) -> &str {
        self.refused
            .as_ref()
            .filter(|(i, _, _)| i == id)
            .map_or("", |(_, _, t)| t.as_str())
    }
}

async fn staff_showcase_page(
    st: &AppState,
    s: &Session,
    status_filter: String,
    refused: Option<(String, FormErrors, String)>,
    status: StatusCode,
) -> Response {
    let page = match showcase::list_showcase(
        &st.app,
        &s.actor,
        ShowcaseQuery {
            view: Some("review".into()),
            status: Some(status_filter.clone()).filter(|v| !v.is_empty()),
            cursor: s.params.get("cursor").map(str::to_owned),
            limit: Some(50),
        },
    )
    .await
    {
        Ok(p) => p,
        Err(e) => return s.problem(&e),
    };
    let mut tabs: Vec<Tab> = ShowcaseStatus::ALL
        .iter()
        .map(|st| Tab {
            href: format!("/opening/showcase?status={}", st.as_str()),
            label: lab(st.label_zh(), st.label_en(), s.lang),
            active: status_filter == st.as_str(),
        })
        .collect();
    tabs.push(Tab {
        href: "/opening/showcase?status=all".into(),
        label: lab("全部", "All", s.lang),
        active: status_filter.is_empty(),
    });
    let page = StaffShowcasePage {
        c: s.chrome("open_showcase"),
        zh: s.lang == Lang::Zh,
        tabs,
        items: page
            .items
            .into_iter()
            .map(|i| showcase_view(i, s.lang))
            .collect(),
        next: page.next_cursor,
        status: if status_filter.is_empty() {
            "all".into()
        } else {
            status_filter
        },
        can_review: policy::review_opening(&s.actor, Action::ReviewShowcase).is_ok(),
        done: s.params.get("done").is_some(),
        refused,
    };
    render(status, &page)
}

/// The status a staff showcase page lists: `submitted` unless another (or `all`) is asked.
fn status_param(s: &Session) -> String {
    match s.params.get("status").unwrap_or("submitted") {
        "all" | "" => String::new(),
        other => other.to_owned(),
    }
}

/// `GET /opening/showcase?status=submitted|shown|rejected|all&cursor=`
async fn staff_showcase(State(st): State<AppState>, s: Session) -> Response {
    let filter = status_param(&s);
    staff_showcase_page(&st, &s, filter, None, StatusCode::OK).await
}

/// `POST /opening/showcase/{id}/review`: `decision` show / reject, `reason`.
async fn staff_review(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let reason = form.get("reason");
    let input = ReviewInput {
        decision: form.get("decision"),
        reason: reason.clone(),
    };
    let back = form.get("status");
    match showcase::review_showcase(&st.app, &s.actor, &id, input).await {
        Ok(_) => Redirect::to(&format!(
            "/opening/showcase?status={}&done=1",
            if back.is_empty() { "submitted" } else { &back }
        ))
        .into_response(),
        Err(e @ ActionError::Unauthenticated(_)) => s.problem(&e),
        Err(e) => {
            let errors = form_errors(&e, s.lang);
            let filter = match back.as_str() {
                "all" => String::new(),
                "" => "submitted".into(),
                other => other.to_owned(),
            };
            staff_showcase_page(&st, &s, filter, Some((id, errors, reason)), status_of(&e)).await
        }
    }
}
