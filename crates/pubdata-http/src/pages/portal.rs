//! The open data portal (开放门户): public pages, no sign-in needed, zh-CN first, usable
//! without JavaScript. [`Portal`] is every portal page's visitor — signed in (a public user,
//! or staff) or not — and [`PortalChrome`] the frame `portal_base.html` draws around each.
//!
//! The pages: the home page (`/open`: counts, themes, newest and most used datasets), the
//! search with its facets (`/open/datasets`), a dataset (`/open/datasets/{name}`: summary,
//! field dictionary, preview, versions with their files and SHA-256, an API example, counts)
//! and its file downloads, the open list (`/open/list`, `/open/list.csv`), the units
//! (`/open/orgs`), the statistics with their SVG charts drawn here (`/open/stats`) and the
//! developer centre (`/open/developer`: the records API, and a signed-in visitor's keys).
//! Every figure and every decision is `pubdata_app::opening`'s; the pages only show them.

use super::render;
use super::session::{CSRF_COOKIE, FormData, Params, csrf_cookie, encode};
use crate::AppState;
use crate::extract;
use crate::problem::{Lang, status_of, title};
use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pubdata_app::opening::datasets::{self, OpenDataset, OpenListItem, OpenQuery, PREVIEW_ROWS};
use pubdata_app::opening::keys::{self, DEVELOPER_RATE_PER_MINUTE, KEY_LIFETIME_DAYS, NewKey};
use pubdata_app::opening::{files, stats};
use pubdata_app::{ActionError, Actor, App, Channel};
use pubdata_core::catalog::{FieldType, OpenAttr, UpdateCycle};
use pubdata_core::masking::Mask;
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open", get(home))
        .route("/open/datasets", get(search))
        .route("/open/datasets/{name}", get(dataset))
        .route("/open/datasets/{name}/versions/{n}/{format}", get(download))
        .route("/open/list", get(open_list))
        .route("/open/list.csv", get(open_list_csv))
        .route("/open/orgs", get(orgs))
        .route("/open/orgs/{id}", get(org))
        .route("/open/stats", get(open_stats))
        .route("/open/developer", get(developer))
        .route("/open/developer/keys", post(create_key))
}

/// A visitor of the portal: the session's actor when signed in, else anonymous.
pub struct Portal {
    pub actor: Actor,
    pub lang: Lang,
    pub request_id: String,
    pub params: Params,
    /// The CSRF value every portal form carries as `csrf`: the session's when signed in,
    /// else the double-submit cookie's.
    pub csrf: String,
    /// A new double-submit cookie to set (`Set-Cookie`), when the visitor had none.
    pub new_csrf_cookie: Option<String>,
    pub signed_in: bool,
    /// `METHOD /path`, for the audit entry of a refused form.
    pub target: String,
    pub secure_cookies: bool,
}

impl FromRequestParts<AppState> for Portal {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_headers(&parts.headers);
        let request_id = extract::request_id(parts);
        let session = extract::cookie(parts, extract::SESSION_COOKIE).filter(|v| !v.is_empty());
        let signed = match session {
            Some(cookie) => {
                pubdata_app::auth::session::authenticate_session(&state.app, &cookie, &request_id)
                    .await
                    .ok()
            }
            None => None,
        };
        let target = format!("{} {}", parts.method, parts.uri.path());
        let params = Params::of(&parts.uri);
        let secure_cookies = state.config.secure_cookies;
        Ok(match signed {
            Some((actor, csrf)) => {
                parts.extensions.insert(actor.clone());
                Portal {
                    actor,
                    lang,
                    request_id,
                    params,
                    csrf,
                    new_csrf_cookie: None,
                    signed_in: true,
                    target,
                    secure_cookies,
                }
            }
            None => {
                let existing = extract::cookie(parts, CSRF_COOKIE).filter(|v| {
                    (20..=100).contains(&v.len())
                        && v.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                });
                let (csrf, new_csrf_cookie) = match existing {
                    Some(v) => (v, None),
                    None => {
                        let v = pubdata_app::secrets::random_token("");
                        (v.clone(), Some(v))
                    }
                };
                Portal {
                    actor: Actor::anonymous(Channel::Web, request_id.clone()),
                    lang,
                    request_id,
                    params,
                    csrf,
                    new_csrf_cookie,
                    signed_in: false,
                    target,
                    secure_cookies,
                }
            }
        })
    }
}

impl Portal {
    /// Whether a form's `csrf` is this visitor's (a new visitor's first form never is).
    pub fn csrf_ok(&self, form: &FormData) -> bool {
        let sent = form.get("csrf");
        self.new_csrf_cookie.is_none()
            && !sent.is_empty()
            && pubdata_app::secrets::constant_time_eq(&sent, &self.csrf)
    }

    /// Audits a refused form (nothing else is done) and returns the error to show.
    pub async fn csrf_refused(&self, app: &App) -> pubdata_app::ActionError {
        pubdata_app::action::record_rejected_request(
            app,
            &self.actor,
            &self.target,
            pubdata_app::ActionError::Forbidden("csrf_failed"),
        )
        .await
    }

    /// The frame of a portal page; `active` names the navigation entry.
    pub fn chrome(&self, active: &'static str) -> PortalChrome {
        PortalChrome {
            zh: self.lang == Lang::Zh,
            active,
            username: self.actor.username().map(str::to_owned),
            is_staff: self.actor.roles().iter().any(|r| r.is_staff()),
            csrf: self.csrf.clone(),
            request_id: self.request_id.clone(),
        }
    }

    /// Sets the double-submit cookie on a page that carries a public form, when needed.
    pub fn with_cookie(&self, res: axum::response::Response) -> axum::response::Response {
        match &self.new_csrf_cookie {
            Some(v) => super::session::with_cookie(res, &csrf_cookie(v, self.secure_cookies)),
            None => res,
        }
    }

    fn t(&self) -> &'static PortalTr {
        if self.lang == Lang::En { &EN } else { &ZH }
    }

    fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }

    /// The portal's page for an action's refusal or failure, with its status.
    pub fn problem(&self, e: &ActionError) -> Response {
        let t = self.t();
        let status = status_of(e);
        let (explain, apply) = match e {
            ActionError::NotFound(_) => (t.err_not_found, None),
            ActionError::Forbidden("agreement_required") => (
                t.err_agreement,
                self.target
                    .strip_prefix("GET /open/datasets/")
                    .and_then(|rest| rest.split('/').next())
                    .map(|name| format!("/open/datasets/{name}/apply")),
            ),
            ActionError::Forbidden(_) => (t.err_forbidden, None),
            ActionError::BadRequest(_) | ActionError::Invalid { .. } => (t.err_bad_request, None),
            _ => (t.err_other, None),
        };
        let messages = match e {
            ActionError::Invalid { errors, .. } => errors
                .iter()
                .map(|f| {
                    if self.zh() {
                        f.message_zh.clone()
                    } else {
                        f.message_en.clone()
                    }
                })
                .collect(),
            _ => Vec::new(),
        };
        let page = ErrorPage {
            c: self.chrome(""),
            t,
            heading: title(e.code(), self.lang).to_owned(),
            code: e.code().to_owned(),
            explain,
            messages,
            apply,
        };
        render(status, &page)
    }
}

/// What `portal_base.html` needs: the language, the active entry, who is signed in.
pub struct PortalChrome {
    pub zh: bool,
    pub active: &'static str,
    pub username: Option<String>,
    pub is_staff: bool,
    pub csrf: String,
    pub request_id: String,
}

impl PortalChrome {
    /// The navigation: (href, zh, en, key).
    pub fn nav(&self) -> &'static [(&'static str, &'static str, &'static str, &'static str)] {
        &[
            ("/open", "首页", "Home", "home"),
            ("/open/datasets", "数据目录", "Datasets", "datasets"),
            ("/open/list", "开放清单", "Open list", "list"),
            ("/open/orgs", "提供单位", "Publishers", "orgs"),
            ("/open/stats", "统计分析", "Statistics", "stats"),
            ("/open/developer", "开发者中心", "Developers", "developer"),
            ("/open/feedback", "互动交流", "Feedback", "feedback"),
            ("/open/showcase", "应用展示", "Showcase", "showcase"),
        ]
    }
}

/// A two-language label table: a struct with one `&'static str` per key, and its Chinese
/// and English instances. The staff opening pages use it too.
macro_rules! labels {
    ($tr:ident, $zh:ident, $en:ident { $($key:ident: $z:literal, $e:literal;)* }) => {
        pub struct $tr {
            $(pub $key: &'static str,)*
        }
        pub static $zh: $tr = $tr { $($key: $z,)* };
        pub static $en: $tr = $tr { $($key: $e,)* };
    };
}
pub(crate) use labels;

labels! { PortalTr, ZH, EN {
    colon: "：", ": ";
    home_title: "首页", "Home";
    home_h1: "澜江市公共数据开放平台", "Lanjiang Open Data";
    home_lead: "政务部门和公共服务单位依法向社会开放的公共数据：免费浏览、下载，开发者可通过接口调用。", "Public data that the city's departments and public-service units open to society: browse and download for free; developers call the API.";
    search_label: "搜索开放数据", "Search open data";
    search_placeholder: "输入关键词，如：公交、停水、医院", "Keywords, e.g. 公交 (bus), 停水 (water outage), 医院 (hospital)";
    search: "搜索", "Search";
    fig_datasets: "开放数据集", "Open datasets";
    fig_units: "提供单位", "Publishing units";
    fig_rows: "开放数据量（条）", "Records open";
    fig_downloads: "累计下载（次）", "Downloads";
    fig_api_calls: "接口调用（次）", "API calls";
    fig_views: "累计浏览（次）", "Views";
    fig_unconditional: "无条件开放", "Open unconditionally";
    fig_conditional: "有条件开放", "Open on conditions";
    themes: "主题分类", "Themes";
    n_datasets: "个数据集", "datasets";
    newest: "最新开放", "Newly updated";
    popular: "热门数据", "Most used";
    more: "更多", "More";
    none_yet: "暂无开放数据集", "No open datasets yet";
    // dataset lists
    provider: "提供单位", "Publisher";
    theme: "主题", "Theme";
    update_cycle: "更新周期", "Update cycle";
    last_updated: "最近更新", "Last updated";
    never_updated: "尚未发布", "Not yet published";
    views: "浏览", "Views";
    downloads: "下载", "Downloads";
    api_calls: "接口调用", "API calls";
    overdue: "更新逾期", "Update overdue";
    // search
    datasets_title: "数据目录", "Datasets";
    datasets_lead: "按关键词检索开放数据集，可按主题、提供单位、格式、开放类型和更新周期筛选。中文输入两个字即可。", "Search the open datasets by keyword and narrow by theme, publisher, format, open class and update cycle. Two Chinese characters are enough.";
    facet_theme: "主题", "Theme";
    facet_provider: "提供单位", "Publisher";
    facet_format: "格式", "Format";
    facet_open_attr: "开放类型", "Open class";
    facet_update_cycle: "更新周期", "Update cycle";
    filters: "筛选", "Filters";
    remove_filter: "点击取消此筛选", "Click to remove this filter";
    clear_all: "清除全部", "Clear all";
    keyword: "关键词", "Keyword";
    found: "共找到 {n} 个数据集", "{n} datasets found";
    sort: "排序", "Sort";
    sort_relevance: "相关度", "Relevance";
    sort_updated: "最近更新", "Recently updated";
    sort_popular: "最受欢迎", "Most used";
    sort_name: "编号", "Code";
    no_results: "没有找到符合条件的数据集", "No dataset matches";
    no_results_hint: "请换个关键词，或取消部分筛选条件。也可以在“互动交流”中提出数据需求。", "Try other words or remove a filter. You can also ask for data under Feedback.";
    next_page: "下一页", "Next page";
    first_page: "回到第一页", "First page";
    format_api: "API 接口", "API";
    // dataset page
    summary: "数据摘要", "Summary";
    resource_code: "资源代码", "Catalog code";
    open_attr: "开放类型", "Open class";
    licence: "开放许可", "Licence";
    next_update: "下次更新", "Next update due";
    opened_at: "开放日期", "Opened on";
    quality: "数据质量评分", "Quality score";
    quality_none: "暂无", "Not scored";
    use_counts: "使用情况", "Use";
    downloads_h: "数据下载", "Downloads";
    downloads_lead: "每个已发布版本均提供 CSV、Parquet 和 JSON 格式，附 SHA-256 校验值，下载后可核对文件完整性。", "Every published version comes as CSV, Parquet and JSON, each with its SHA-256 to check the file you received.";
    version: "版本", "Version";
    published_at: "发布时间", "Published";
    rows: "记录数", "Records";
    files: "文件", "Files";
    sha256: "SHA-256", "SHA-256";
    latest: "最新", "latest";
    no_versions: "该数据集尚无可下载的版本", "No version of this dataset can be downloaded yet";
    version_closed: "未开放", "not open";
    conditions_h: "开放条件", "Conditions";
    conditional_lead: "本数据集为有条件开放：需在线提交申请，经审核同意并签订开放利用协议后，方可下载文件或通过接口调用。", "This dataset is open on conditions: apply online; once approved and the agreement signed, you can download its files and call its API.";
    apply: "申请使用", "Apply to use";
    feedback: "纠错/反馈", "Report an error / feedback";
    fields_h: "数据项", "Fields";
    field_no: "序号", "No.";
    field_name: "名称", "Name";
    field_code: "代码", "Code";
    field_type: "类型", "Type";
    field_description: "说明", "Description";
    field_mask: "脱敏处理", "Masking";
    not_masked: "—", "—";
    row_filter_h: "开放范围", "Rows opened";
    row_filter_lead: "本数据集只开放以下条件的记录：", "Only the records matching these values are opened:";
    preview_h: "数据预览", "Preview";
    preview_lead: "最新版本的前 {n} 条记录，按开放时的处理（脱敏）显示。", "The first {n} records of the latest version, as opened (masked fields masked).";
    preview_none: "暂无可预览的数据", "No records to preview yet";
    api_h: "接口调用", "API";
    api_lead: "通过开放数据接口按条件查询、分页获取记录。接口需要开发者密钥（免费），请在开发者中心登录后领取。", "Query and page through the records over the open data API. It needs a free developer key: sign in to the developer centre to take one.";
    api_conditional: "有条件开放的数据，须使用申请获批后随协议发放的密钥调用。", "Conditional data answers only the key issued with an approved application's agreement.";
    api_key_placeholder: "您的开发者密钥", "YOUR_DEVELOPER_KEY";
    api_paging: "返回 JSON：fields（字段）、items（记录）、next_cursor（下一页游标，作为 cursor 参数传回即可翻页）。", "Answers JSON: fields, items and next_cursor (pass it back as cursor for the next page).";
    to_developer: "前往开发者中心", "Open the developer centre";
    // open list
    list_title: "开放清单", "Open list";
    list_lead: "经开放安全审查、由大数据主管部门批准开放的数据资源清单，包括开放类型、开放条件、更新周期和格式。", "The resources opened after a security review and the data authority's approval, with their class, conditions, update cycle and formats.";
    list_download: "下载清单（CSV）", "Download the list (CSV)";
    list_count: "共 {n} 项", "{n} entries";
    dataset: "数据集", "Dataset";
    formats: "开放格式", "Formats";
    no_conditions: "—", "—";
    // units
    orgs_title: "提供单位", "Publishers";
    orgs_lead: "向社会开放数据的政务部门和公共服务单位。", "The departments and public-service units that open data.";
    org_lead: "本单位开放的数据集", "Datasets this unit opens";
    // statistics
    stats_title: "统计分析", "Statistics";
    stats_lead: "开放数据的数量与使用情况，按月统计浏览、下载和接口调用次数。", "What is open and how it is used: views, downloads and API calls by month.";
    chart_views: "每月浏览次数", "Views per month";
    chart_downloads: "每月下载次数", "Downloads per month";
    chart_api_calls: "每月接口调用次数", "API calls per month";
    themes_chart: "各主题数据集数量", "Datasets by theme";
    units_table: "各单位开放数据集", "Datasets by unit";
    // developer centre
    dev_title: "开发者中心", "Developer centre";
    dev_lead: "通过开放数据接口（REST，JSON）查询开放数据集的记录。目录、清单、统计和无条件开放数据的文件下载无需密钥；记录查询接口需要免费的开发者密钥。", "Read the records of open datasets over the open data API (REST, JSON). The catalog, the open list, the statistics and the files of unconditional data need no key; the records API needs a free developer key.";
    dev_endpoints: "接口列表", "Endpoints";
    dev_key_needed: "需要密钥", "Key needed";
    dev_ep_search: "检索开放数据集（参数同数据目录：q、theme、provider_org_id、format、open_attr、update_cycle、sort、cursor、limit）", "Search the open datasets (the catalog's parameters: q, theme, provider_org_id, format, open_attr, update_cycle, sort, cursor, limit)";
    dev_ep_dataset: "数据集详情：数据项、版本、文件及 SHA-256、预览", "One dataset: fields, versions, files with SHA-256, preview";
    dev_ep_records: "查询记录：按数据项过滤、分页", "Records: filtered by fields, paged";
    dev_ep_file: "下载某一版本的文件（csv、parquet、json）", "A version's file (csv, parquet, json)";
    dev_ep_list: "开放清单（format=csv 下载 CSV）", "The open list (format=csv for CSV)";
    dev_ep_stats: "统计数据", "Statistics";
    dev_params: "记录查询参数", "Parameters of the records API";
    dev_param: "参数", "Parameter";
    dev_param_meaning: "说明", "Meaning";
    dev_p_filter: "按开放的、未脱敏的数据项精确过滤，可组合多个，如 line_no=1", "Exact match on an opened, unmasked field; several combine, e.g. line_no=1";
    dev_p_limit: "每页记录数，1–1000，默认 50", "Records a page, 1–1000, default 50";
    dev_p_cursor: "上一页返回的 next_cursor；next_cursor 为 null 表示已是最后一页", "The next_cursor of the previous page; null means the last page";
    dev_auth: "身份认证", "Authentication";
    dev_auth_text: "在请求头中携带密钥：X-API-Key: 密钥，或 Authorization: Bearer 密钥。", "Send the key in a header: X-API-Key: KEY, or Authorization: Bearer KEY.";
    dev_quota: "调用配额", "Quota";
    dev_quota_text: "每个开发者密钥每分钟最多调用 {rate} 次，有效期 {days} 天。超出配额返回 429，响应头 Retry-After 给出需等待的秒数。", "Each developer key may make {rate} calls a minute and lives {days} days. Over the quota the answer is 429, with Retry-After saying how many seconds to wait.";
    dev_errors: "错误响应", "Errors";
    dev_errors_text: "错误以 application/problem+json 返回，code 字段为稳定的错误代码：", "Errors come as application/problem+json with a stable code:";
    dev_status: "状态码", "Status";
    dev_e_401: "密钥无效、已过期或已吊销", "The key is unknown, expired or revoked";
    dev_e_403: "未携带密钥（api_key_required）；有条件开放数据没有有效协议（agreement_required）；协议密钥用于其他数据集（key_not_for_dataset）", "No key (api_key_required); conditional data without an agreement in force (agreement_required); an agreement's key used for another dataset (key_not_for_dataset)";
    dev_e_404: "数据集不存在或已停止开放", "No such open dataset, or it was closed";
    dev_e_422: "按未开放或已脱敏的数据项过滤", "A filter on a field that is not opened or is masked";
    dev_e_400: "cursor 或 limit 无效", "A bad cursor or limit";
    dev_e_429: "超出每分钟配额，按 Retry-After 等待后重试", "Over the quota a minute: wait Retry-After seconds";
    dev_example: "调用示例", "Example";
    dev_keys: "我的开发者密钥", "My developer keys";
    dev_keys_lead: "密钥免费领取，仅在领取时显示一次，请妥善保存；遗失后可重新领取。", "Keys are free and shown once, when taken: keep yours safe, and take a new one if lost.";
    dev_key_name: "密钥名称", "Key name";
    dev_key_name_hint: "如：公交到站查询小程序", "e.g. my bus arrival app";
    dev_take_key: "领取密钥", "Take a key";
    dev_key_once: "密钥已生成，请立即复制保存", "Your key: copy it now";
    dev_key_once_note: "离开本页后将无法再次查看此密钥。", "It will not be shown again once you leave this page.";
    dev_no_keys: "您还没有开发者密钥", "You have no developer keys yet";
    dev_rate: "配额（次/分钟）", "Quota (a minute)";
    dev_created: "领取时间", "Taken";
    dev_expires: "到期时间", "Expires";
    dev_active: "有效", "Active";
    dev_revoked: "已吊销", "Revoked";
    dev_agreement_key: "协议密钥", "Agreement key";
    dev_sign_in: "登录后领取密钥", "Sign in to take a key";
    dev_sign_in_text: "领取开发者密钥需要登录。还没有账号？", "Taking a developer key needs an account. No account yet?";
    dev_register: "免费注册", "Register for free";
    // errors
    err_not_found: "您访问的内容不存在，或数据集已停止开放。", "What you asked for does not exist, or the dataset is no longer open.";
    err_agreement: "这是有条件开放的数据，需要申请并签订开放利用协议后才能下载。", "This is conditional data: apply and sign the agreement before downloading.";
    err_forbidden: "您没有权限进行此操作。", "You may not do this.";
    err_bad_request: "请求的参数有误。", "The request is not valid.";
    err_other: "服务暂时无法完成请求，请稍后再试。", "The service could not complete the request; try again later.";
    err_code: "错误代码", "Error code";
    request_id: "请求编号", "Request id";
    back_home: "返回首页", "Back to the portal";
    to_search: "检索数据", "Search data";
}}

fn lab(zh: bool, z: &'static str, e: &'static str) -> &'static str {
    if zh { z } else { e }
}

/// `12345` → `12,345`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A file size for people: `512 B`, `3.4 KB`, `12.0 MB`.
fn size_label(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1024.0 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} MB", b / 1024.0 / 1024.0)
    } else {
        format!("{:.2} GB", b / 1024.0 / 1024.0 / 1024.0)
    }
}

/// `YYYY-MM-DD` Beijing time of an RFC 3339 time.
fn local_day(rfc3339: &str) -> String {
    super::local_time(rfc3339).chars().take(10).collect()
}

fn open_label(a: OpenAttr, zh: bool) -> &'static str {
    lab(zh, a.label_zh(), a.label_en())
}

/// The CSS class of an open class's tag.
fn open_cls(a: OpenAttr) -> &'static str {
    match a {
        OpenAttr::Unconditional => "open",
        _ => "cond",
    }
}

fn cycle_label(c: UpdateCycle, zh: bool) -> &'static str {
    lab(zh, c.label_zh(), c.label_en())
}

fn format_label(f: &str, t: &PortalTr) -> String {
    match f {
        "csv" => "CSV".into(),
        "parquet" => "Parquet".into(),
        "json" => "JSON".into(),
        "api" => t.format_api.into(),
        other => other.to_owned(),
    }
}

pub(super) fn mask_label(m: &str, zh: bool) -> String {
    let Some(mask) = Mask::parse(m) else {
        return m.to_owned();
    };
    if zh {
        return mask.label_zh().to_owned();
    }
    match mask {
        Mask::CitizenId => "ID number (first 6 and last 4 kept)",
        Mask::Mobile => "Mobile (first 3 and last 4 kept)",
        Mask::Name => "Name (family name kept)",
        Mask::Address => "Address (to the district)",
        Mask::BankCard => "Bank card (first 6 and last 4 kept)",
        Mask::Plate => "Plate (province, office and last 2 kept)",
        Mask::Full => "Fully hidden",
    }
    .to_owned()
}

/// A summary cut for a list.
fn excerpt(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// A dataset in a list (search results, a unit's page, the home page).
pub struct Card {
    name: String,
    title: String,
    summary: String,
    provider_org_id: String,
    provider: String,
    theme: String,
    open_label: &'static str,
    open_cls: &'static str,
    cycle: &'static str,
    updated: String,
    overdue: bool,
    formats: Vec<String>,
    views: String,
    downloads: String,
    api_calls: String,
}

fn card(d: &OpenDataset, p: &Portal) -> Card {
    let (zh, t) = (p.zh(), p.t());
    Card {
        name: d.name.clone(),
        title: d.title.clone(),
        summary: excerpt(&d.summary, 120),
        provider_org_id: d.provider_org_id.clone(),
        provider: d.provider_name.clone(),
        theme: d.theme.clone(),
        open_label: open_label(d.open_attr, zh),
        open_cls: open_cls(d.open_attr),
        cycle: cycle_label(d.update_cycle, zh),
        updated: d
            .last_updated
            .as_deref()
            .map(local_day)
            .unwrap_or_else(|| t.never_updated.to_owned()),
        overdue: d.overdue,
        formats: d.formats.iter().map(|f| format_label(f, t)).collect(),
        views: thousands(d.counts.views),
        downloads: thousands(d.counts.downloads),
        api_calls: thousands(d.counts.api_calls),
    }
}

// ---------------------------------------------------------------------------------------
// The home page

struct Figure {
    id: &'static str,
    value: String,
    label: &'static str,
}

struct ThemeLink {
    name: String,
    initial: String,
    colour: &'static str,
    count: usize,
    href: String,
}

/// The colours of the theme tiles, in turn.
const THEME_COLOURS: [&str; 8] = [
    "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#c62828", "#4e342e", "#37474f",
];

#[derive(Template)]
#[template(path = "portal_home.html")]
struct HomePage {
    c: PortalChrome,
    t: &'static PortalTr,
    figures: Vec<Figure>,
    themes: Vec<ThemeLink>,
    newest: Vec<Card>,
    popular: Vec<Card>,
}

/// The figures every summary shows, from the statistics.
fn figures(st: &stats::OpenStats, t: &'static PortalTr) -> Vec<Figure> {
    vec![
        Figure {
            id: "fig-datasets",
            value: thousands(st.datasets as i64),
            label: t.fig_datasets,
        },
        Figure {
            id: "fig-units",
            value: thousands(st.units.len() as i64),
            label: t.fig_units,
        },
        Figure {
            id: "fig-rows",
            value: thousands(st.rows),
            label: t.fig_rows,
        },
        Figure {
            id: "fig-downloads",
            value: thousands(st.totals.downloads),
            label: t.fig_downloads,
        },
        Figure {
            id: "fig-api-calls",
            value: thousands(st.totals.api_calls),
            label: t.fig_api_calls,
        },
    ]
}

/// Themes by their datasets, most first.
fn theme_links(themes: &BTreeMap<String, usize>) -> Vec<ThemeLink> {
    let mut list: Vec<(&String, &usize)> = themes.iter().filter(|(k, _)| !k.is_empty()).collect();
    list.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    list.into_iter()
        .enumerate()
        .map(|(i, (name, n))| ThemeLink {
            name: name.clone(),
            initial: name.chars().next().map(String::from).unwrap_or_default(),
            colour: THEME_COLOURS[i % THEME_COLOURS.len()],
            count: *n,
            href: format!("/open/datasets?theme={}", encode(name)),
        })
        .collect()
}

/// `GET /open`
async fn home(State(st): State<AppState>, p: Portal) -> Response {
    let app = &st.app;
    let stats = match stats::open_stats(app, &p.actor).await {
        Ok(s) => s,
        Err(e) => return p.problem(&e),
    };
    let mut lists = Vec::new();
    for sort in ["updated", "popular"] {
        let q = OpenQuery {
            sort: Some(sort.into()),
            limit: Some(6),
            ..OpenQuery::default()
        };
        match datasets::search_open_data(app, &p.actor, q).await {
            Ok(page) => lists.push(page.items.iter().map(|d| card(d, &p)).collect()),
            Err(e) => return p.problem(&e),
        }
    }
    let popular = lists.pop().unwrap_or_default();
    let newest = lists.pop().unwrap_or_default();
    let t = p.t();
    let page = HomePage {
        c: p.chrome("home"),
        t,
        figures: figures(&stats, t),
        themes: theme_links(&stats.themes),
        newest,
        popular,
    };
    render(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------------------
// The search

/// The search's parameters in their fixed order (so every link reads the same).
const SEARCH_KEYS: [&str; 7] = [
    "q",
    "theme",
    "provider_org_id",
    "format",
    "open_attr",
    "update_cycle",
    "sort",
];

/// The parameters of a search page as asked: what the links keep, change or drop.
#[derive(Clone, Default)]
struct Asked {
    /// Path of the page (`/open/datasets` or a unit's page).
    base: String,
    values: Vec<(&'static str, String)>,
}

impl Asked {
    fn of(params: &Params, base: &str, keys: &[&'static str]) -> Asked {
        Asked {
            base: base.to_owned(),
            values: keys
                .iter()
                .filter_map(|k| {
                    params
                        .get(k)
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(|v| (*k, v.to_owned()))
                })
                .collect(),
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The page's address with `key` set to `value` (or dropped), from the first page.
    fn with(&self, key: &str, value: Option<&str>) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for k in SEARCH_KEYS {
            let v = if k == key { value } else { self.get(k) };
            if let Some(v) = v {
                pairs.push((k, v));
            }
        }
        self.href(&pairs)
    }

    fn cursor(&self, cursor: &str) -> String {
        let mut pairs: Vec<(&str, &str)> =
            self.values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        pairs.push(("cursor", cursor));
        self.href(&pairs)
    }

    fn href(&self, pairs: &[(&str, &str)]) -> String {
        if pairs.is_empty() {
            return self.base.clone();
        }
        let q: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        format!("{}?{}", self.base, q.join("&"))
    }

    fn query(&self, cursor: Option<&str>, limit: i64) -> OpenQuery {
        let v = |k: &str| self.get(k).map(str::to_owned);
        OpenQuery {
            q: v("q"),
            theme: v("theme"),
            provider_org_id: v("provider_org_id"),
            format: v("format"),
            open_attr: v("open_attr"),
            update_cycle: v("update_cycle"),
            sort: v("sort"),
            cursor: cursor.map(str::to_owned),
            limit: Some(limit),
        }
    }
}

struct FacetValue {
    label: String,
    count: usize,
    href: String,
    on: bool,
}

struct Facet {
    key: &'static str,
    title: &'static str,
    values: Vec<FacetValue>,
}

struct Chip {
    label: String,
    href: String,
}

struct SortLink {
    label: &'static str,
    href: String,
    on: bool,
}

/// What a facet's value is called on the page.
fn facet_value_label(
    facet: &str,
    value: &str,
    org_names: &BTreeMap<String, String>,
    p: &Portal,
) -> String {
    let zh = p.zh();
    match facet {
        "provider_org_id" => org_names
            .get(value)
            .cloned()
            .unwrap_or_else(|| value.to_owned()),
        "format" => format_label(value, p.t()),
        "open_attr" => OpenAttr::parse(value)
            .map(|a| open_label(a, zh).to_owned())
            .unwrap_or_else(|| value.to_owned()),
        "update_cycle" => UpdateCycle::parse(value)
            .map(|c| cycle_label(c, zh).to_owned())
            .unwrap_or_else(|| value.to_owned()),
        _ => value.to_owned(),
    }
}

fn facet_title(facet: &str, t: &'static PortalTr) -> &'static str {
    match facet {
        "theme" => t.facet_theme,
        "provider_org_id" => t.facet_provider,
        "format" => t.facet_format,
        "open_attr" => t.facet_open_attr,
        _ => t.facet_update_cycle,
    }
}

/// The search page's facets, chips and sort links for a result page.
fn facets_of(
    page: &datasets::OpenSearchPage,
    asked: &Asked,
    p: &Portal,
    skip: &[&str],
) -> (Vec<Facet>, Vec<Chip>, Vec<SortLink>) {
    let t = p.t();
    let mut facets = Vec::new();
    for key in datasets::FACETS {
        if skip.contains(&key) {
            continue;
        }
        let chosen = asked.get(key);
        let mut values: Vec<FacetValue> = page
            .facets
            .get(key)
            .into_iter()
            .flatten()
            .filter(|(v, _)| !v.is_empty())
            .map(|(v, n)| {
                let on = chosen == Some(v.as_str());
                FacetValue {
                    label: facet_value_label(key, v, &page.org_names, p),
                    count: *n,
                    href: asked.with(key, if on { None } else { Some(v) }),
                    on,
                }
            })
            .collect();
        values.sort_by(|a, b| {
            b.on.cmp(&a.on)
                .then(b.count.cmp(&a.count))
                .then(a.label.cmp(&b.label))
        });
        if !values.is_empty() {
            facets.push(Facet {
                key,
                title: facet_title(key, t),
                values,
            });
        }
    }
    let mut chips = Vec::new();
    if let Some(q) = asked.get("q") {
        chips.push(Chip {
            label: format!("{}{}{q}", t.keyword, t.colon),
            href: asked.with("q", None),
        });
    }
    for key in datasets::FACETS {
        if skip.contains(&key) {
            continue;
        }
        if let Some(v) = asked.get(key) {
            chips.push(Chip {
                label: format!(
                    "{}{}{}",
                    facet_title(key, t),
                    t.colon,
                    facet_value_label(key, v, &page.org_names, p)
                ),
                href: asked.with(key, None),
            });
        }
    }
    let current = asked.get("sort").unwrap_or("relevance");
    let sorts = [
        ("relevance", t.sort_relevance),
        ("updated", t.sort_updated),
        ("popular", t.sort_popular),
        ("name", t.sort_name),
    ]
    .into_iter()
    .map(|(v, label)| SortLink {
        label,
        href: asked.with("sort", (v != "relevance").then_some(v)),
        on: v == current,
    })
    .collect();
    (facets, chips, sorts)
}

#[derive(Template)]
#[template(path = "portal_search.html")]
struct SearchPage {
    c: PortalChrome,
    t: &'static PortalTr,
    q: String,
    /// The filters the search form keeps (hidden inputs).
    hidden: Vec<(&'static str, String)>,
    facets: Vec<Facet>,
    chips: Vec<Chip>,
    sorts: Vec<SortLink>,
    found: String,
    items: Vec<Card>,
    next_href: Option<String>,
    first_href: Option<String>,
}

/// Results a search page shows.
const PAGE_SIZE: i64 = 20;

/// `GET /open/datasets?q=&theme=&provider_org_id=&format=&open_attr=&update_cycle=&sort=&cursor=`
async fn search(State(st): State<AppState>, p: Portal) -> Response {
    let asked = Asked::of(&p.params, "/open/datasets", &SEARCH_KEYS);
    let cursor = p.params.get("cursor").filter(|c| !c.is_empty());
    let page =
        match datasets::search_open_data(&st.app, &p.actor, asked.query(cursor, PAGE_SIZE)).await {
            Ok(page) => page,
            Err(e) => return p.problem(&e),
        };
    let t = p.t();
    let (facets, chips, sorts) = facets_of(&page, &asked, &p, &[]);
    let hidden = asked
        .values
        .iter()
        .filter(|(k, _)| *k != "q")
        .cloned()
        .collect();
    let page = SearchPage {
        c: p.chrome("datasets"),
        t,
        q: asked.get("q").unwrap_or_default().to_owned(),
        hidden,
        facets,
        chips,
        sorts,
        found: t.found.replace("{n}", &thousands(page.total as i64)),
        items: page.items.iter().map(|d| card(d, &p)).collect(),
        next_href: page.next_cursor.as_deref().map(|c| asked.cursor(c)),
        first_href: cursor.map(|_| asked.with("", None)),
    };
    render(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------------------
// A dataset

struct FieldLine {
    no: usize,
    code: String,
    name: String,
    type_label: &'static str,
    description: String,
    mask: Option<String>,
}

struct FileLink {
    format: String,
    label: String,
    url: String,
    sha256: String,
    size: String,
}

struct VersionLine {
    number: i64,
    published: String,
    rows: Option<String>,
    files: Vec<FileLink>,
}

#[derive(Template)]
#[template(path = "portal_dataset.html")]
struct DatasetPage {
    c: PortalChrome,
    t: &'static PortalTr,
    name: String,
    title: String,
    summary: String,
    tags: Vec<(String, String)>,
    resource_code: String,
    provider_org_id: String,
    provider: String,
    theme: String,
    theme_href: String,
    open_label: &'static str,
    open_cls: &'static str,
    conditional: bool,
    conditions: String,
    licence: String,
    licence_title: String,
    cycle: &'static str,
    last_updated: Option<String>,
    next_due: Option<String>,
    overdue: bool,
    opened_at: String,
    quality: Option<String>,
    views: String,
    downloads: String,
    api_calls: String,
    fields: Vec<FieldLine>,
    row_filter: Vec<(String, String)>,
    preview_lead: String,
    preview: Vec<Vec<Option<String>>>,
    versions: Vec<VersionLine>,
    curl: String,
}

/// The site's own address as the visitor reached it, for copyable examples.
fn site(headers: &HeaderMap, secure: bool) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("{}://{host}", if secure { "https" } else { "http" })
}

/// `GET /open/datasets/{name}`
async fn dataset(
    State(st): State<AppState>,
    p: Portal,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let view = match datasets::view_open_dataset(&st.app, &p.actor, &name).await {
        Ok(v) => v,
        Err(e) => return p.problem(&e),
    };
    let (t, zh) = (p.t(), p.zh());
    let d = &view.dataset;
    let fields: Vec<FieldLine> = d
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| FieldLine {
            no: i + 1,
            code: f.code.clone(),
            name: f.name.clone(),
            type_label: FieldType::parse(&f.field_type)
                .map(|ft| lab(zh, ft.label_zh(), ft.label_en()))
                .unwrap_or(f.field_type_label),
            description: f.description.clone(),
            mask: f.mask.as_deref().map(|m| mask_label(m, zh)),
        })
        .collect();
    let name_of = |code: &str| {
        d.fields
            .iter()
            .find(|f| f.code == code)
            .map_or_else(|| code.to_owned(), |f| f.name.clone())
    };
    let mut versions: Vec<VersionLine> = d
        .versions
        .iter()
        .map(|v| VersionLine {
            number: v.number,
            published: super::local_time(&v.published_at),
            rows: v.rows.map(thousands),
            files: v
                .files
                .iter()
                .map(|f| FileLink {
                    format: f.format.clone(),
                    label: format_label(&f.format, t),
                    url: f.url.clone(),
                    sha256: f.sha256.clone(),
                    size: size_label(f.size),
                })
                .collect(),
        })
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.number));
    // The example filters on the first field that may filter (opened, not masked), with a
    // value the preview shows, so that it answers something when pasted.
    let filter = d
        .fields
        .iter()
        .enumerate()
        .find(|(_, f)| f.mask.is_none())
        .and_then(|(i, f)| {
            view.preview
                .first()
                .and_then(|r| r.get(i).cloned().flatten())
                .map(|v| format!("{}={}&", f.code, encode(&v)))
        })
        .unwrap_or_default();
    let curl = format!(
        "curl -H \"X-API-Key: {}\" \\\n  \"{}{}?{filter}limit=10\"",
        t.api_key_placeholder,
        site(&headers, p.secure_cookies),
        d.records_url
    );
    let page = DatasetPage {
        c: p.chrome("datasets"),
        t,
        name: d.name.clone(),
        title: d.title.clone(),
        summary: d.summary.clone(),
        tags: d
            .tags
            .iter()
            .map(|tag| (tag.clone(), format!("/open/datasets?q={}", encode(tag))))
            .collect(),
        resource_code: d.resource_code.clone(),
        provider_org_id: d.provider_org_id.clone(),
        provider: d.provider_name.clone(),
        theme: d.theme.clone(),
        theme_href: format!("/open/datasets?theme={}", encode(&d.theme)),
        open_label: open_label(d.open_attr, zh),
        open_cls: open_cls(d.open_attr),
        conditional: d.open_attr != OpenAttr::Unconditional,
        conditions: d.conditions.clone(),
        licence: d.licence.clone(),
        licence_title: d.licence_title.clone(),
        cycle: cycle_label(d.update_cycle, zh),
        last_updated: d.last_updated.as_deref().map(super::local_time),
        next_due: d.next_update_due.clone(),
        overdue: d.overdue,
        opened_at: local_day(&d.opened_at),
        quality: d.quality_score.map(|s| format!("{s:.1}")),
        views: thousands(d.counts.views),
        downloads: thousands(d.counts.downloads),
        api_calls: thousands(d.counts.api_calls),
        row_filter: d
            .row_filter
            .iter()
            .map(|(code, v)| (name_of(code), v.clone()))
            .collect(),
        preview_lead: t.preview_lead.replace("{n}", &PREVIEW_ROWS.to_string()),
        preview: view.preview.clone(),
        fields,
        versions,
        curl,
    };
    render(StatusCode::OK, &page)
}

/// `GET /open/datasets/{name}/versions/{n}/{format}`: the file, streamed, with its length
/// and SHA-256.
async fn download(
    State(st): State<AppState>,
    p: Portal,
    Path((name, n, format)): Path<(String, String, String)>,
) -> Response {
    let Ok(n) = n.parse::<i64>() else {
        return p.problem(&ActionError::NotFound("version_not_found"));
    };
    match files::download_open_file(&st.app, &p.actor, &name, n, &format).await {
        Ok(f) => crate::open_api::download_response(f),
        Err(e) => p.problem(&e),
    }
}

// ---------------------------------------------------------------------------------------
// The open list

struct ListLine {
    name: String,
    title: String,
    resource_code: String,
    provider_org_id: String,
    provider: String,
    open_label: &'static str,
    open_cls: &'static str,
    conditions: String,
    cycle: &'static str,
    formats: String,
    licence: String,
    opened_on: String,
}

#[derive(Template)]
#[template(path = "portal_list.html")]
struct ListPage {
    c: PortalChrome,
    t: &'static PortalTr,
    count: String,
    lines: Vec<ListLine>,
}

fn list_line(i: &OpenListItem, p: &Portal) -> ListLine {
    let zh = p.zh();
    ListLine {
        name: i.name.clone(),
        title: i.title.clone(),
        resource_code: i.resource_code.clone(),
        provider_org_id: i.provider_org_id.clone(),
        provider: i.provider_name.clone(),
        open_label: open_label(i.open_attr, zh),
        open_cls: open_cls(i.open_attr),
        conditions: i.conditions.clone(),
        cycle: cycle_label(i.update_cycle, zh),
        formats: i
            .formats
            .iter()
            .map(|f| format_label(f, p.t()))
            .collect::<Vec<_>>()
            .join(lab(zh, "、", ", ")),
        licence: i.licence.clone(),
        opened_on: local_day(&i.opened_at),
    }
}

/// `GET /open/list`
async fn open_list(State(st): State<AppState>, p: Portal) -> Response {
    let items = match datasets::open_list(&st.app, &p.actor).await {
        Ok(items) => items,
        Err(e) => return p.problem(&e),
    };
    let t = p.t();
    let page = ListPage {
        c: p.chrome("list"),
        t,
        count: t.list_count.replace("{n}", &thousands(items.len() as i64)),
        lines: items.iter().map(|i| list_line(i, &p)).collect(),
    };
    render(StatusCode::OK, &page)
}

/// `GET /open/list.csv`
async fn open_list_csv(State(st): State<AppState>, p: Portal) -> Response {
    let bytes = match datasets::open_list(&st.app, &p.actor)
        .await
        .and_then(|items| datasets::open_list_csv(&items))
    {
        Ok(b) => b,
        Err(e) => return p.problem(&e),
    };
    let name = format!("open-list-{}.csv", pubdata_app::today());
    crate::aggregation_api::attachment(
        &name,
        "text/csv; charset=utf-8",
        axum::body::Body::from(bytes),
    )
}

// ---------------------------------------------------------------------------------------
// Units

struct UnitLine {
    id: String,
    name: String,
    initial: String,
    datasets: usize,
}

#[derive(Template)]
#[template(path = "portal_orgs.html")]
struct OrgsPage {
    c: PortalChrome,
    t: &'static PortalTr,
    units: Vec<UnitLine>,
}

/// `GET /open/orgs`
async fn orgs(State(st): State<AppState>, p: Portal) -> Response {
    let stats = match stats::open_stats(&st.app, &p.actor).await {
        Ok(s) => s,
        Err(e) => return p.problem(&e),
    };
    let page = OrgsPage {
        c: p.chrome("orgs"),
        t: p.t(),
        units: stats
            .units
            .iter()
            .map(|u| UnitLine {
                id: u.org_id.clone(),
                name: u.name.clone(),
                initial: u.name.chars().next().map(String::from).unwrap_or_default(),
                datasets: u.datasets,
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "portal_org.html")]
struct OrgPage {
    c: PortalChrome,
    t: &'static PortalTr,
    id: String,
    name: String,
    q: String,
    facets: Vec<Facet>,
    chips: Vec<Chip>,
    sorts: Vec<SortLink>,
    found: String,
    items: Vec<Card>,
    next_href: Option<String>,
    first_href: Option<String>,
}

/// `GET /open/orgs/{id}`: a unit's open datasets, searchable within.
async fn org(State(st): State<AppState>, p: Portal, Path(id): Path<String>) -> Response {
    let base = format!("/open/orgs/{}", encode(&id));
    let asked = Asked::of(&p.params, &base, &SEARCH_KEYS);
    let cursor = p.params.get("cursor").filter(|c| !c.is_empty());
    let mut q = asked.query(cursor, PAGE_SIZE);
    q.provider_org_id = Some(id.clone());
    let page = match datasets::search_open_data(&st.app, &p.actor, q).await {
        Ok(page) => page,
        Err(e) => return p.problem(&e),
    };
    // A unit is known to the portal by its open datasets: none, no page.
    let Some(name) = page.org_names.get(&id).cloned() else {
        return p.problem(&ActionError::NotFound("org_not_found"));
    };
    let t = p.t();
    let (facets, chips, sorts) = facets_of(&page, &asked, &p, &["provider_org_id"]);
    let page = OrgPage {
        c: p.chrome("orgs"),
        t,
        id,
        name,
        q: asked.get("q").unwrap_or_default().to_owned(),
        facets,
        chips,
        sorts,
        found: t.found.replace("{n}", &thousands(page.total as i64)),
        items: page.items.iter().map(|d| card(d, &p)).collect(),
        next_href: page.next_cursor.as_deref().map(|c| asked.cursor(c)),
        first_href: cursor.map(|_| asked.with("", None)),
    };
    render(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------------------
// Statistics, with bar charts drawn here as SVG

/// Escapes text for SVG (XML) content and attributes.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A round axis for values up to `max`: (step, top), with at most 5 steps.
fn axis(max: i64) -> (i64, i64) {
    if max <= 0 {
        return (1, 4);
    }
    let raw = (max as f64 / 4.0).ceil().max(1.0);
    let magnitude = 10f64.powi(raw.log10().floor() as i32);
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude) as i64;
    let step = step.max(1);
    (step, step * ((max + step - 1) / step).max(1))
}

/// One bar of a monthly chart: the month (`YYYY-MM`) and its value.
pub struct Bar {
    pub month: String,
    pub value: i64,
}

/// A vertical bar chart of months as an inline SVG (no script, no external asset): a title
/// for screen readers, a round y axis with grid lines, each bar's value above it, the month
/// below it and the year under the first month of each year shown.
pub fn month_chart(id: &str, title: &str, bars: &[Bar], colour: &str, zh: bool) -> String {
    let (w, h) = (560.0f64, 240.0f64);
    let (left, right, top, bottom) = (48.0, 8.0, 22.0, 44.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let (step, top_value) = axis(max);
    let y = |v: i64| top + ph - ph * (v as f64) / (top_value as f64);
    let mut s = format!(
        r#"<svg id="{id}" class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="{id}-title" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title>"#,
        xml(title)
    );
    let mut v = 0;
    while v <= top_value {
        let yy = y(v);
        s.push_str(&format!(
            r##"<line x1="{left}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="{}" stroke-width="1"/><text x="{}" y="{:.1}" text-anchor="end" font-size="11" fill="#8492a6">{}</text>"##,
            w - right,
            if v == 0 { "#b0bac5" } else { "#eef1f5" },
            left - 6.0,
            yy + 4.0,
            xml(&thousands(v))
        ));
        v += step;
    }
    let n = bars.len().max(1) as f64;
    let slot = pw / n;
    let bw = (slot * 0.62).min(40.0);
    let mut last_year = "";
    for (i, b) in bars.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bw) / 2.0;
        let (yy, cx) = (y(b.value), left + slot * (i as f64 + 0.5));
        let (year, month) = b.month.split_once('-').unwrap_or(("", b.month.as_str()));
        let month_n = month.trim_start_matches('0');
        s.push_str(&format!(
            r##"<g class="bar"><title>{}：{}</title><rect x="{x:.1}" y="{yy:.1}" width="{bw:.1}" height="{:.1}" rx="2" fill="{colour}"/>"##,
            xml(&b.month),
            xml(&thousands(b.value)),
            (top + ph - yy).max(0.0)
        ));
        if b.value > 0 {
            s.push_str(&format!(
                r##"<text x="{cx:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#34495e">{}</text>"##,
                yy - 5.0,
                xml(&thousands(b.value))
            ));
        }
        let label = if zh {
            format!("{month_n}月")
        } else {
            month_name(month_n).to_owned()
        };
        s.push_str(&format!(
            r##"<text x="{cx:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#5a6b7d">{}</text>"##,
            top + ph + 16.0,
            xml(&label)
        ));
        if year != last_year {
            s.push_str(&format!(
                r##"<text x="{cx:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="#8492a6">{}</text>"##,
                top + ph + 31.0,
                xml(year)
            ));
            last_year = year;
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

fn month_name(n: &str) -> &'static str {
    match n {
        "1" => "Jan",
        "2" => "Feb",
        "3" => "Mar",
        "4" => "Apr",
        "5" => "May",
        "6" => "Jun",
        "7" => "Jul",
        "8" => "Aug",
        "9" => "Sep",
        "10" => "Oct",
        "11" => "Nov",
        _ => "Dec",
    }
}

/// A horizontal bar chart of labelled counts as an inline SVG.
pub fn count_chart(id: &str, title: &str, bars: &[(String, i64)], colour: &str) -> String {
    let row = 30.0f64;
    let (w, left, right, top) = (560.0f64, 130.0f64, 48.0f64, 8.0f64);
    let h = top * 2.0 + row * bars.len().max(1) as f64;
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    let pw = w - left - right;
    let mut s = format!(
        r#"<svg id="{id}" class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="{id}-title" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title>"#,
        xml(title)
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let bw = (pw * *value as f64 / max).max(2.0);
        s.push_str(&format!(
            r##"<g class="bar"><title>{}：{}</title><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="12" fill="#34495e">{}</text><rect x="{left}" y="{:.1}" width="{bw:.1}" height="{:.1}" rx="3" fill="{colour}"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#34495e">{}</text></g>"##,
            xml(label),
            value,
            left - 8.0,
            y + row / 2.0 + 4.0,
            xml(&excerpt(label, 10)),
            y + 6.0,
            row - 12.0,
            left + bw + 6.0,
            y + row / 2.0 + 4.0,
            xml(&thousands(*value))
        ));
    }
    s.push_str("</svg>");
    s
}

/// The twelve months up to this one (`YYYY-MM`), oldest first.
fn last_twelve_months(today: chrono::NaiveDate) -> Vec<String> {
    use chrono::Datelike;
    let (mut y, mut m) = (today.year(), today.month() as i32);
    let mut out = Vec::with_capacity(12);
    for _ in 0..12 {
        out.push(format!("{y:04}-{m:02}"));
        m -= 1;
        if m == 0 {
            m = 12;
            y -= 1;
        }
    }
    out.reverse();
    out
}

struct Chart {
    svg: String,
}

#[derive(Template)]
#[template(path = "portal_stats.html")]
struct StatsPage {
    c: PortalChrome,
    t: &'static PortalTr,
    figures: Vec<Figure>,
    more: Vec<Figure>,
    charts: Vec<(&'static str, Chart)>,
    themes: Chart,
    units: Vec<UnitLine>,
}

/// `GET /open/stats`
async fn open_stats(State(st): State<AppState>, p: Portal) -> Response {
    let s = match stats::open_stats(&st.app, &p.actor).await {
        Ok(s) => s,
        Err(e) => return p.problem(&e),
    };
    let (t, zh) = (p.t(), p.zh());
    // The last twelve months always, so that a quiet month shows as a zero, not a gap; and
    // any older month with use before them.
    let mut months: Vec<String> = last_twelve_months(pubdata_app::today());
    for m in &s.months {
        if !months.contains(&m.month) {
            months.push(m.month.clone());
        }
    }
    months.sort();
    let value = |month: &str, f: fn(&stats::MonthUse) -> i64| {
        s.months.iter().find(|m| m.month == month).map_or(0, f)
    };
    type Pick = fn(&stats::MonthUse) -> i64;
    let series: [(&str, &'static str, Pick, &str); 3] = [
        ("chart-views", t.chart_views, |m| m.views, "#1565c0"),
        (
            "chart-downloads",
            t.chart_downloads,
            |m| m.downloads,
            "#2e7d32",
        ),
        (
            "chart-api-calls",
            t.chart_api_calls,
            |m| m.api_calls,
            "#ef6c00",
        ),
    ];
    let charts = series
        .iter()
        .map(|(id, title, f, colour)| {
            let bars: Vec<Bar> = months
                .iter()
                .map(|m| Bar {
                    month: m.clone(),
                    value: value(m, *f),
                })
                .collect();
            (
                *title,
                Chart {
                    svg: month_chart(id, title, &bars, colour, zh),
                },
            )
        })
        .collect();
    let themes: Vec<(String, i64)> = theme_links(&s.themes)
        .into_iter()
        .map(|l| (l.name, l.count as i64))
        .collect();
    let more = vec![
        Figure {
            id: "fig-unconditional",
            value: thousands(s.unconditional as i64),
            label: t.fig_unconditional,
        },
        Figure {
            id: "fig-conditional",
            value: thousands(s.conditional as i64),
            label: t.fig_conditional,
        },
        Figure {
            id: "fig-views",
            value: thousands(s.totals.views),
            label: t.fig_views,
        },
    ];
    let page = StatsPage {
        c: p.chrome("stats"),
        t,
        figures: figures(&s, t),
        more,
        charts,
        themes: Chart {
            svg: count_chart("chart-themes", t.themes_chart, &themes, "#00838f"),
        },
        units: s
            .units
            .iter()
            .map(|u| UnitLine {
                id: u.org_id.clone(),
                name: u.name.clone(),
                initial: String::new(),
                datasets: u.datasets,
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------------------
// The developer centre

struct KeyLine {
    name: String,
    prefix: String,
    rate: String,
    created: String,
    expires: String,
    revoked: bool,
    agreement: bool,
}

#[derive(Template)]
#[template(path = "portal_developer.html")]
struct DeveloperPage {
    c: PortalChrome,
    t: &'static PortalTr,
    signed_in: bool,
    quota: String,
    example: String,
    keys: Vec<KeyLine>,
    new_key: Option<String>,
    name: String,
    name_error: Option<String>,
}

async fn developer_page(
    st: &AppState,
    p: &Portal,
    headers: &HeaderMap,
    new_key: Option<String>,
    name: String,
    name_error: Option<String>,
    status: StatusCode,
) -> Response {
    let t = p.t();
    let keys = if p.signed_in {
        match keys::list_developer_keys(&st.app, &p.actor).await {
            Ok(k) => k,
            Err(e) => return p.problem(&e),
        }
    } else {
        Vec::new()
    };
    let sample = match datasets::search_open_data(
        &st.app,
        &p.actor,
        OpenQuery {
            open_attr: Some("unconditional".into()),
            sort: Some("popular".into()),
            limit: Some(1),
            ..OpenQuery::default()
        },
    )
    .await
    {
        Ok(page) => page
            .items
            .first()
            .map(|d| d.name.clone())
            .unwrap_or_else(|| "2-02-006-0001".into()),
        Err(e) => return p.problem(&e),
    };
    let base = site(headers, p.secure_cookies);
    let example = format!(
        "curl -H \"X-API-Key: {}\" \\\n  \"{base}/api/v1/open/datasets/{sample}/records?limit=2\"\n\n{{\n  \"dataset\": \"{sample}\",\n  \"version\": 1,\n  \"fields\": [\"…\"],\n  \"items\": [{{\"…\": \"…\"}}, {{\"…\": \"…\"}}],\n  \"next_cursor\": \"2\"\n}}\n\ncurl -H \"X-API-Key: {}\" \\\n  \"{base}/api/v1/open/datasets/{sample}/records?limit=2&cursor=2\"",
        t.api_key_placeholder, t.api_key_placeholder
    );
    let page = DeveloperPage {
        c: p.chrome("developer"),
        t,
        signed_in: p.signed_in,
        quota: t
            .dev_quota_text
            .replace("{rate}", &thousands(DEVELOPER_RATE_PER_MINUTE))
            .replace("{days}", &KEY_LIFETIME_DAYS.to_string()),
        example,
        keys: keys
            .into_iter()
            .map(|k| KeyLine {
                name: k.name,
                prefix: k.prefix,
                rate: thousands(k.rate_per_minute),
                created: super::local_time(&k.created_at),
                expires: local_day(&k.expires_at),
                revoked: k.revoked,
                agreement: k.agreement_id.is_some(),
            })
            .collect(),
        new_key,
        name,
        name_error,
    };
    p.with_cookie(render(status, &page))
}

/// `GET /open/developer`
async fn developer(State(st): State<AppState>, p: Portal, headers: HeaderMap) -> Response {
    developer_page(&st, &p, &headers, None, String::new(), None, StatusCode::OK).await
}

/// `POST /open/developer/keys`: takes a key and shows it once.
async fn create_key(
    State(st): State<AppState>,
    p: Portal,
    headers: HeaderMap,
    form: FormData,
) -> Response {
    if !p.signed_in {
        return Redirect::to("/signin?next=%2Fopen%2Fdeveloper").into_response();
    }
    if !p.csrf_ok(&form) {
        let e = p.csrf_refused(&st.app).await;
        return p.problem(&e);
    }
    let name = form.get("name");
    match keys::create_developer_key(&st.app, &p.actor, NewKey { name: name.clone() }).await {
        Ok(created) => {
            developer_page(
                &st,
                &p,
                &headers,
                Some(created.key),
                String::new(),
                None,
                StatusCode::CREATED,
            )
            .await
        }
        Err(ActionError::Invalid { errors, .. }) => {
            let message = errors.first().map(|f| {
                if p.zh() {
                    f.message_zh.clone()
                } else {
                    f.message_en.clone()
                }
            });
            developer_page(
                &st,
                &p,
                &headers,
                None,
                name,
                message,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => p.problem(&e),
    }
}

// ---------------------------------------------------------------------------------------
// Errors

#[derive(Template)]
#[template(path = "portal_error.html")]
struct ErrorPage {
    c: PortalChrome,
    t: &'static PortalTr,
    heading: String,
    code: String,
    explain: &'static str,
    messages: Vec<String>,
    /// Where to apply, when the refusal was for want of an agreement.
    apply: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_grouped_by_thousands() {
        for (n, want) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (1234567, "1,234,567"),
            (-4321, "-4,321"),
        ] {
            assert_eq!(thousands(n), want, "{n}");
        }
    }

    #[test]
    fn a_chart_axis_is_round_and_covers_the_largest_value() {
        for (max, want) in [
            (0, (1, 4)),
            (1, (1, 1)),
            (3, (1, 3)),
            (7, (2, 8)),
            (10, (5, 10)),
            (37, (10, 40)),
            (1234, (500, 1500)),
        ] {
            let (step, top) = axis(max);
            assert_eq!((step, top), want, "{max}");
            assert!(top >= max && top / step <= 5, "{max}: {step} {top}");
        }
    }

    #[test]
    fn a_month_chart_draws_one_bar_a_month_with_escaped_text() {
        let bars = vec![
            Bar {
                month: "2025-12".into(),
                value: 3,
            },
            Bar {
                month: "2026-01".into(),
                value: 0,
            },
        ];
        let svg = month_chart("c", "下载 <次>", &bars, "#123456", true);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("下载 &lt;次&gt;"), "{svg}");
        assert!(svg.contains(">12月<") && svg.contains(">1月<"));
        assert!(
            svg.contains(">2025<") && svg.contains(">2026<"),
            "years shown"
        );
        let en = month_chart("c", "x", &bars, "#123456", false);
        assert!(en.contains(">Dec<") && en.contains(">Jan<"));
    }

    #[test]
    fn the_last_twelve_months_cross_the_year() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
        let m = last_twelve_months(d);
        assert_eq!(m.len(), 12);
        assert_eq!(m.first().map(String::as_str), Some("2025-04"));
        assert_eq!(m.last().map(String::as_str), Some("2026-03"));
    }

    #[test]
    fn facet_links_toggle_one_value_and_keep_the_others() {
        let params = Params(vec![
            ("q".into(), "公交".into()),
            ("theme".into(), "交通出行".into()),
            ("cursor".into(), "20".into()),
        ]);
        let asked = Asked::of(&params, "/open/datasets", &SEARCH_KEYS);
        assert_eq!(
            asked.with("theme", None),
            "/open/datasets?q=%E5%85%AC%E4%BA%A4"
        );
        assert_eq!(
            asked.with("format", Some("parquet")),
            "/open/datasets?q=%E5%85%AC%E4%BA%A4&theme=%E4%BA%A4%E9%80%9A%E5%87%BA%E8%A1%8C&format=parquet"
        );
        assert!(!asked.with("sort", Some("name")).contains("cursor"));
        assert!(asked.cursor("40").ends_with("&cursor=40"));
    }
}
