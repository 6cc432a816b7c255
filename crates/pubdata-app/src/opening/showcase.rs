//! The application showcase (应用展示, issue 8): signed-in users submit what they built on
//! open data — a title, a description, a link and the datasets it uses — and the authority
//! reviews each before the public sees it: shown, or not shown with the reason its submitter
//! reads. A shown entry can be taken down the same way. Only shown entries are public.

use crate::action::Audited;
use crate::error::{FieldError, Problems};
use crate::{ActionError, App, new_id, now_ms, rfc3339};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::opening::ShowcaseStatus;
use pubdata_core::policy;
use pubdata_store::opening::showcase::{self as store, ShowcaseRow};
use serde::{Deserialize, Serialize};

use super::datasets::OpenCatalog;

const MAX_TITLE: usize = 100;
const MAX_DESCRIPTION: usize = 2000;
const MAX_URL: usize = 2000;
const MAX_DATASETS: usize = 50;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowcaseInput {
    pub title: String,
    pub description: String,
    /// Where the application is: `http://` or `https://` only.
    pub url: String,
    /// The open datasets it uses, by name.
    #[serde(default)]
    pub datasets: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ShowcaseDataset {
    pub name: String,
    /// Empty when the dataset has left the open list since.
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Showcase {
    pub id: String,
    pub title: String,
    pub description: String,
    pub url: String,
    pub datasets: Vec<ShowcaseDataset>,
    /// Who submitted it (the username), credited on the showcase.
    pub author: String,
    pub status: ShowcaseStatus,
    pub status_label: &'static str,
    /// The reviewer's reason: for the submitter and staff only.
    pub review_reason: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub created_at: String,
}

fn view_of(r: ShowcaseRow, cat: &OpenCatalog, public: bool) -> Result<Showcase, ActionError> {
    let names: Vec<String> = serde_json::from_str(&r.datasets).map_err(ActionError::unexpected)?;
    let status = ShowcaseStatus::parse(&r.status)
        .ok_or_else(|| ActionError::Unexpected(format!("stored showcase status {}", r.status)))?;
    Ok(Showcase {
        datasets: names
            .into_iter()
            .map(|name| ShowcaseDataset {
                title: cat
                    .get(&name)
                    .filter(|e| e.row.status == "open")
                    .map(|e| e.dataset.title.clone())
                    .unwrap_or_default(),
                name,
            })
            .collect(),
        status,
        status_label: status.label_zh(),
        review_reason: r.review_reason.filter(|_| !public),
        reviewed_by: r.reviewed_by.filter(|_| !public),
        reviewed_at: r.reviewed_at.filter(|_| !public).map(rfc3339),
        created_at: rfc3339(r.created_at),
        id: r.id,
        title: r.title,
        description: r.description,
        url: r.url,
        author: r.submitted_by,
    })
}

/// A link the portal may show: `http(s)://host[:port][/…]`, no credentials in it, nothing
/// that could leave an attribute or hide what it points to.
fn link(s: &str) -> Option<&str> {
    let s = s.trim();
    if s.len() > MAX_URL
        || s.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\'' | '`' | '\\')
        })
    {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return None;
    }
    let (host_ok, port) = match authority.strip_prefix('[') {
        // An IPv6 literal, then nothing or a port.
        Some(v6) => {
            let (addr, after) = v6.split_once(']')?;
            let ok = !addr.is_empty()
                && addr
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
            if !after.is_empty() && !after.starts_with(':') {
                return None;
            }
            (ok, after.strip_prefix(':'))
        }
        None => {
            let (host, port) = match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            };
            let ok = host.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '-' || !c.is_ascii())
            });
            (ok, port)
        }
    };
    let port_ok = port.is_none_or(|p| {
        p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok_and(|n| n > 0)
    });
    (host_ok && port_ok).then_some(s)
}

/// Submits an application for review: any signed-in user with a writing scope.
pub async fn submit_showcase(
    app: &App,
    actor: &Actor,
    input: ShowcaseInput,
) -> Result<Showcase, ActionError> {
    let a = Audited::new(app, actor, Action::SubmitShowcase);
    a.finish(
        async {
            let permit = policy::apply_for_open_data(actor, a.action)?;
            let mut p = Problems::default();
            let title = p.text(
                "title",
                "invalid_title",
                &input.title,
                MAX_TITLE,
                ("应用名称", "title"),
            );
            let description = p.text(
                "description",
                "invalid_description",
                &input.description,
                MAX_DESCRIPTION,
                ("应用简介", "description"),
            );
            let url = link(&input.url);
            if url.is_none() {
                p.add(
                    "invalid_url",
                    FieldError::new(
                        "url",
                        "invalid_url",
                        "访问地址应为以 http:// 或 https:// 开头的网址",
                        "url must be a web address starting with http:// or https://",
                    ),
                );
            }
            let cat = super::datasets::catalog(app).await?;
            let mut names: Vec<String> = Vec::new();
            for n in input
                .datasets
                .iter()
                .map(|n| n.trim())
                .filter(|n| !n.is_empty())
            {
                if names.iter().any(|m| m == n) {
                    continue;
                }
                if cat.get(n).is_none_or(|e| e.row.status != "open") {
                    p.add(
                        "dataset_not_found",
                        FieldError::new(
                            "datasets",
                            "dataset_not_found",
                            format!("开放数据集 {n} 不存在"),
                            format!("there is no open dataset {n}"),
                        ),
                    );
                    continue;
                }
                names.push(n.to_owned());
            }
            if input.datasets.iter().all(|n| n.trim().is_empty()) {
                p.add(
                    "datasets_required",
                    FieldError::new(
                        "datasets",
                        "datasets_required",
                        "请选择应用所使用的开放数据集",
                        "name the open datasets the application uses",
                    ),
                );
            } else if names.len() > MAX_DATASETS {
                p.add(
                    "too_many_datasets",
                    FieldError::new(
                        "datasets",
                        "too_many_datasets",
                        format!("数据集不超过{MAX_DATASETS}个"),
                        format!("at most {MAX_DATASETS} datasets"),
                    ),
                );
            }
            p.finish()?;
            let row = ShowcaseRow {
                id: new_id(),
                title: title.to_owned(),
                description: description.to_owned(),
                url: url.expect("checked above").to_owned(),
                datasets: serde_json::to_string(&names).expect("strings serialize"),
                user_id: actor
                    .user_id()
                    .ok_or(ActionError::Unauthenticated("not_signed_in"))?
                    .to_owned(),
                submitted_by: actor.username().unwrap_or_default().to_owned(),
                status: ShowcaseStatus::Submitted.as_str().to_owned(),
                reviewed_by: None,
                reviewed_at: None,
                review_reason: None,
                created_at: now_ms(),
            };
            a.set_target(Target::new("showcase", &row.id));
            let mut tx = a.begin().await?;
            store::insert(&mut tx, &permit, &row).await?;
            a.commit(tx).await?;
            view_of(row, &cat, false)
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// `show` or `reject`.
    pub decision: String,
    /// Required to reject; the submitter reads it.
    #[serde(default)]
    pub reason: String,
}

/// The authority's review: a submitted entry is shown or not; a shown one can be taken down
/// (rejected, with the reason).
pub async fn review_showcase(
    app: &App,
    actor: &Actor,
    id: &str,
    input: ReviewInput,
) -> Result<Showcase, ActionError> {
    let a =
        Audited::new(app, actor, Action::ReviewShowcase).with_target(Target::new("showcase", id));
    a.finish(
        async {
            let permit = policy::review_opening(actor, a.action)?;
            let to = match input.decision.trim() {
                "show" => ShowcaseStatus::Shown,
                "reject" => ShowcaseStatus::Rejected,
                _ => {
                    return Err(ActionError::invalid(
                        "invalid_decision",
                        FieldError::new(
                            "decision",
                            "invalid_decision",
                            "审核结论应为 show（展示）或 reject（不予展示）",
                            "decision must be show or reject",
                        ),
                    ));
                }
            };
            let reason = input.reason.trim();
            if reason.chars().count() > MAX_DESCRIPTION
                || (to == ShowcaseStatus::Rejected && reason.is_empty())
            {
                return Err(ActionError::invalid(
                    "invalid_reason",
                    FieldError::new(
                        "reason",
                        "invalid_reason",
                        format!("不予展示须说明理由，理由不超过{MAX_DESCRIPTION}字"),
                        format!(
                            "a rejection needs a reason of at most {MAX_DESCRIPTION} characters"
                        ),
                    ),
                ));
            }
            let cat = super::datasets::catalog(app).await?;
            let mut tx = a.begin().await?;
            let row = store::get(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("showcase_not_found"))?;
            let from = ShowcaseStatus::parse(&row.status).unwrap_or(ShowcaseStatus::Rejected);
            let allowed = matches!(
                (from, to),
                (ShowcaseStatus::Submitted, _) | (ShowcaseStatus::Shown, ShowcaseStatus::Rejected)
            );
            let by = actor.username().unwrap_or("operator");
            if !allowed
                || !store::review(
                    &mut tx,
                    &permit,
                    id,
                    from.as_str(),
                    to.as_str(),
                    Some(reason).filter(|r| !r.is_empty()),
                    by,
                    now_ms(),
                )
                .await?
            {
                return Err(ActionError::Conflict("showcase_already_reviewed"));
            }
            let row = store::get(&mut tx, id).await?.expect("reviewed just now");
            a.commit(tx).await?;
            view_of(row, &cat, false)
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ShowcaseQuery {
    /// `public` (the default: shown entries), `mine` (the caller's own, with the reviewer's
    /// reasons), or `review` (the authority and auditors: every entry).
    pub view: Option<String>,
    /// With `review` or `mine`: `submitted`, `shown` or `rejected`.
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShowcasePage {
    pub items: Vec<Showcase>,
    pub next_cursor: Option<String>,
}

/// Lists the showcase: the public sees shown entries only.
pub async fn list_showcase(
    app: &App,
    actor: &Actor,
    q: ShowcaseQuery,
) -> Result<ShowcasePage, ActionError> {
    let a = Audited::new(app, actor, Action::ListShowcase);
    a.finish(
        async {
            let given = |v: &Option<String>| {
                v.as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            let view = given(&q.view).unwrap_or_else(|| "public".to_owned());
            let status = match given(&q.status) {
                None => None,
                Some(s) => Some(ShowcaseStatus::parse(&s).ok_or_else(|| {
                    ActionError::invalid(
                        "invalid_status",
                        FieldError::new(
                            "status",
                            "invalid_status",
                            "状态应为 submitted、shown 或 rejected",
                            "status must be submitted, shown or rejected",
                        ),
                    )
                })?),
            };
            let (status, user) = match view.as_str() {
                "public" => {
                    policy::anyone(a.action)?;
                    (Some(ShowcaseStatus::Shown), None)
                }
                "mine" => {
                    policy::own_account(actor, a.action, false)?;
                    (status, actor.user_id().map(str::to_owned))
                }
                "review" => {
                    policy::view_unit_catalog(actor, a.action, None)?;
                    (status, None)
                }
                _ => {
                    return Err(ActionError::invalid(
                        "invalid_view",
                        FieldError::new(
                            "view",
                            "invalid_view",
                            "view 应为 public、mine 或 review",
                            "view must be public, mine or review",
                        ),
                    ));
                }
            };
            let limit = crate::platform::page_limit(q.limit) as u32;
            let cat = super::datasets::catalog(app).await?;
            let mut tx = app.db().begin_read().await?;
            let rows = store::list(
                &mut tx,
                status.map(|s| s.as_str()),
                user.as_deref(),
                given(&q.cursor).as_deref(),
                limit + 1,
            )
            .await;
            tx.rollback().await?;
            let rows = rows?;
            a.record_batched(None).await?;
            let more = rows.len() > limit as usize;
            let items = rows
                .into_iter()
                .take(limit as usize)
                .map(|r| view_of(r, &cat, view == "public"))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ShowcasePage {
                next_cursor: items.last().filter(|_| more).map(|s| s.id.clone()),
                items,
            })
        }
        .await,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::link;

    #[test]
    fn a_showcase_link_is_a_plain_web_address() {
        for ok in [
            "https://bus.example.com/app",
            "http://example.com",
            "HTTPS://Example.com:8443/x?y=1#z",
            "https://公交.中国/路线",
            "http://[2001:db8::1]:8080/",
            "http://[::1]/",
            "https://10.0.0.1/",
        ] {
            assert_eq!(link(ok), Some(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "ftp://example.com/",
            "https://",
            "https://user:pass@example.com/",
            "https://example.com/a b",
            "https://example.com/\"onmouseover=x",
            "https://example..com/",
            "https://example.com:99999/",
            "https://example.com:/",
            "//example.com",
            "data:text/html,hi",
            "http://[::1]x/",
            "http://[]/",
        ] {
            assert_eq!(link(bad), None, "{bad}");
        }
    }
}
