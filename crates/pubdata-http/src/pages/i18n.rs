//! The two-language table of the pages: every label a template shows, in Chinese (the
//! default, complete) and English. Error messages come from [`crate::problem::CODES`] and the
//! actions' field errors; the labels of roles, kinds and sectors from `pubdata-core`.

use crate::problem::Lang;
use pubdata_core::Role;
use pubdata_core::calendar::DayKind;
use pubdata_core::org::{OrgKind, Sector};

macro_rules! table {
    ($($key:ident: $zh:literal, $en:literal;)*) => {
        /// One language's labels.
        pub struct Tr {
            $(pub $key: &'static str,)*
        }
        pub static ZH: Tr = Tr { $($key: $zh,)* };
        pub static EN: Tr = Tr { $($key: $en,)* };
    };
}

table! {
    html_lang: "zh-CN", "en";
    site: "公共数据平台", "公共数据平台 · Public Data Platform";
    site_sub: "公共数据资源统一管理平台", "One platform for the city's public data";
    authority: "大数据主管部门", "Data authority";
    footer: "公共数据平台 · 目录、汇聚、共享、开放、利用、监督，安全贯穿始终", "Public Data Platform · catalog, aggregation, sharing, opening, use, supervision — with security throughout";
    request_id: "请求编号", "Request id";
    back_home: "返回工作台", "Back to the workbench";
    back: "返回", "Back";
    go_signin: "前往登录", "Go to sign-in";
    save: "保存", "Save";
    cancel: "取消", "Cancel";
    actions: "操作", "Actions";
    view: "查看", "View";
    edit: "编辑", "Edit";
    status: "状态", "Status";
    required: "必填", "required";
    optional: "选填", "optional";
    none: "无", "None";
    next_page: "下一页", "Next page";
    first_page: "第一页", "First page";
    error_summary: "请修改以下内容后重试：", "Please correct the following and try again:";
    // navigation
    nav_work: "工作", "Work";
    nav_home: "工作台", "Workbench";
    nav_admin: "平台管理", "Administration";
    nav_orgs_admin: "单位管理", "Units";
    nav_orgs_view: "单位名录", "Unit directory";
    nav_users_admin: "用户管理", "Users";
    nav_users_own: "本单位用户", "Users of my unit";
    nav_users_view: "用户名录", "User directory";
    nav_tools: "工具", "Tools";
    nav_calendar: "工作日历", "Working-day calendar";
    nav_account: "我的账户", "My account";
    nav_tokens: "API 令牌", "API tokens";
    nav_password: "修改密码", "Change password";
    sign_out: "退出登录", "Sign out";
    // sign-in and registration
    signin_title: "登录", "Sign in";
    signin_h1: "登录公共数据平台", "Sign in to the Public Data Platform";
    signin_lead: "请使用单位分配的账号登录。", "Sign in with the account your unit gave you.";
    username: "用户名", "Username";
    password: "密码", "Password";
    signin_button: "登录", "Sign in";
    no_account: "社会公众用户？", "A member of the public?";
    register_link: "注册账号", "Register";
    have_account: "已有账号？", "Have an account?";
    register_title: "公众用户注册", "Public registration";
    register_h1: "注册公众用户账号", "Register a public user account";
    register_lead: "公众用户可浏览开放数据、提交开放申请与纠错。政务部门和公共服务单位的工作人员账号由本单位数据专管员或平台管理员开设。", "Public users can browse open data, apply for conditional data and report errors. Staff accounts of departments and public-service units are opened by their unit's steward or the platform administrator.";
    display_name: "姓名", "Name";
    contact: "联系方式", "Contact";
    contact_hint: "手机号码或电子邮箱，用于接收申请结果", "Mobile number or e-mail, for answers to your requests";
    password_repeat: "确认密码", "Repeat password";
    password_rule: "至少8位，包含大写字母、小写字母、数字、符号中的至少三类，且不得包含用户名。", "At least 8 characters from at least three of: upper-case, lower-case, digits, symbols; not containing the username.";
    register_button: "注册", "Register";
    passwords_differ: "两次输入的密码不一致", "The two passwords differ";
    pillars: "目录 · 汇聚 · 共享 · 开放 · 利用 · 监督", "Catalog · Aggregation · Sharing · Opening · Use · Supervision";
    pillar_lead: "一套目录、一个平台、一套标准，各单位第一责任人对本单位数据负责。", "One infrastructure, one platform, one set of standards; each unit's accountable head answers for its data.";
    // home
    home_title: "工作台", "Workbench";
    home_h1: "工作台", "Workbench";
    welcome: "您好，", "Hello, ";
    my_account: "我的信息", "About me";
    unit: "所属单位", "Unit";
    roles: "角色", "Roles";
    no_unit: "（公众用户，不属于任何单位）", "(public user, no unit)";
    todo_title: "我的待办", "Waiting for me";
    todo_empty: "暂无待办事项", "Nothing is waiting for you";
    todo_note: "资源目录、数据共享、开放申请等功能建设中；届时需要您处理的申请、审核和纠错将在此列出，并标明按工作日计算的办理期限。", "The catalog, sharing and opening chapters are being built; the requests, reviews and corrections waiting for you will be listed here, with their deadlines in working days.";
    quick_links: "常用功能", "Shortcuts";
    admin_box: "平台概况", "The platform";
    units_count: "单位", "Units";
    users_count: "用户", "Users";
    disabled_count: "已停用", "disabled";
    manage_orgs: "管理单位", "Manage units";
    manage_users: "管理用户", "Manage users";
    edit_calendar: "维护工作日历", "Keep the calendar";
    steward_box: "数据专管员", "Data steward";
    steward_text: "您负责本单位的账号、资源目录与数据，并审核其他单位对本单位数据的申请。", "You keep your unit's accounts, catalog and data, and review requests for its data.";
    steward_users: "管理本单位用户", "Manage my unit's users";
    member_box: "单位成员", "Unit member";
    member_text: "业务系统调用平台接口需要 API 令牌。令牌只显示一次，请妥善保管。", "Systems calling the platform's API need an API token. A token is shown only once: keep it safe.";
    member_tokens: "管理我的 API 令牌", "Manage my API tokens";
    auditor_box: "审计员", "Auditor";
    auditor_text: "审计视图将随审计日志功能一同提供：所有操作（允许与拒绝）均已记入防篡改审计日志。", "The audit view comes with the audit log: every action, allowed or denied, is already recorded in the tamper-evident log.";
    auditor_users: "查看用户名录", "See the user directory";
    public_box: "公众用户", "Public user";
    public_text: "开放数据目录与开放申请功能建设中。", "The open-data catalog and requests are being built.";
    // units
    orgs_title: "单位管理", "Units";
    orgs_view_title: "单位名录", "Unit directory";
    orgs_lead: "政务部门与公共服务企事业单位。各单位第一责任人对本单位公共数据负责。", "Government departments and public-service units. Each unit's accountable head answers for its public data.";
    org_new: "新建单位", "New unit";
    org_new_title: "新建单位", "New unit";
    org_name: "单位名称", "Name";
    org_kind: "单位类型", "Kind";
    org_sector: "行业", "Sector";
    org_uscc: "统一社会信用代码", "Unified social credit code";
    org_uscc_hint: "18位，按 GB 32100 校验", "18 characters, checked per GB 32100";
    org_parent: "上级单位", "Parent unit";
    org_head: "第一责任人", "Accountable head";
    org_head_hint: "单位主要负责人，对本单位数据负责", "The unit's head, answerable for its data";
    org_create: "创建单位", "Create unit";
    org_edit_title: "单位信息", "Unit";
    org_disable: "停用单位", "Disable unit";
    org_enable: "启用单位", "Enable unit";
    org_disable_note: "停用后，该单位用户将无法登录。", "When disabled, the unit's users cannot sign in.";
    org_enable_note: "该单位已停用，启用后其用户可重新登录。", "The unit is disabled; enabling it lets its users sign in again.";
    org_users: "该单位用户", "Users of this unit";
    active: "正常", "Active";
    disabled: "已停用", "Disabled";
    locked: "已锁定", "Locked";
    no_orgs: "暂无单位", "No units yet";
    // users
    users_title: "用户管理", "Users";
    users_lead: "单位工作人员账号。数据专管员管理本单位的专管员与成员，平台管理员管理全部账号。", "Staff accounts. A steward manages its unit's stewards and members; the platform administrator manages all.";
    user_new: "新建用户", "New user";
    user_new_title: "新建用户", "New user";
    user_create: "创建用户", "Create user";
    user_title: "用户", "User";
    initial_password: "初始密码", "Initial password";
    initial_password_hint: "请通过安全渠道告知用户，并提醒其登录后修改。", "Tell the user by a safe channel and ask them to change it.";
    no_unit_option: "（无 — 公众用户）", "(none — public user)";
    all_units: "全部单位", "All units";
    filter: "筛选", "Filter";
    user_profile: "基本信息", "Profile";
    reset_password: "重置密码", "Reset password";
    reset_password_note: "重置后该用户的所有会话将失效，账号锁定同时解除。", "Resetting ends all the user's sessions and lifts a lockout.";
    new_password: "新密码", "New password";
    user_disable: "停用账号", "Disable account";
    user_enable: "启用账号", "Enable account";
    user_disable_note: "停用后该用户立即退出且无法登录。", "Disabling signs the user out at once and blocks sign-in.";
    user_enable_note: "启用账号并解除登录锁定。", "Enable the account and lift any lockout.";
    account_status: "账号状态", "Account status";
    no_users: "暂无用户", "No users";
    // tokens
    tokens_title: "API 令牌", "API tokens";
    tokens_lead: "业务系统通过 API 令牌调用平台接口（请求头 Authorization: Bearer 令牌）。令牌以哈希形式保存，仅在创建时显示一次。", "Systems call the platform's API with a token (header Authorization: Bearer token). Tokens are stored hashed and shown only once, when made.";
    token_new: "创建令牌", "Create a token";
    token_name: "令牌名称", "Name";
    token_name_hint: "如：市场局业务系统对接", "e.g. the licensing system";
    token_prefix: "前缀", "Prefix";
    token_scope: "权限范围", "Scope";
    scope_read: "只读", "Read";
    scope_write: "读写", "Read and write";
    token_lifetime: "有效期", "Lifetime";
    token_created: "创建时间", "Created";
    token_expires: "到期时间", "Expires";
    token_last_used: "最近使用", "Last used";
    never_used: "从未使用", "Never";
    token_active: "有效", "Active";
    token_expired: "已过期", "Expired";
    token_revoked: "已吊销", "Revoked";
    token_revoke: "吊销", "Revoke";
    token_once_title: "令牌已创建", "Token created";
    token_once_note: "请立即复制并妥善保存。关闭或刷新本页后将无法再次查看此令牌。", "Copy it now and keep it safe. It will not be shown again once you leave this page.";
    no_tokens: "您还没有 API 令牌", "You have no API tokens";
    days_1: "1天", "1 day";
    days_7: "7天", "7 days";
    days_30: "30天", "30 days";
    days_90: "90天", "90 days";
    days_365: "365天", "365 days";
    beijing_time: "时间为北京时间", "Times are Beijing time (UTC+8)";
    // password
    password_title: "修改密码", "Change password";
    password_lead: "修改成功后，您在所有设备上的登录都将失效，需要用新密码重新登录。", "After the change every session of yours ends; sign in again with the new password.";
    current_password: "当前密码", "Current password";
    password_change: "修改密码", "Change password";
    // calendar
    calendar_title: "工作日历", "Working-day calendar";
    calendar_lead: "办理期限按工作日计算。下表列出法定节假日（放假）和调休上班的周末；未列出的日期周一至周五为工作日，周六、周日休息。", "Deadlines count in working days. The table lists public holidays and the weekend days worked in their place; any other date is a working day Monday to Friday and a day off on Saturday and Sunday.";
    calendar_none: "日历中没有列出的日期", "No days are listed";
    calendar_forbidden: "您的角色不能查看日历清单，期限计算仍可使用。", "Your role cannot see the list of days; the deadline calculator still works.";
    date: "日期", "Date";
    weekday: "星期", "Weekday";
    day_kind: "类型", "Kind";
    day_name: "名称", "Name";
    day_name_hint: "如：国庆节、国庆节调休", "e.g. National Day";
    year_suffix: "年", "";
    days_listed: "个日期", "days listed";
    day_set: "设置日期", "Set a day";
    day_set_note: "已列出的日期将被覆盖。", "A day already listed is replaced.";
    day_delete: "删除", "Delete";
    calc_title: "期限计算", "Deadline calculator";
    calc_lead: "自起算日的次日起计算，第 N 个工作日即为期限。", "Counting from the day after the start, the N-th working day is the deadline.";
    calc_from: "起算日", "From";
    calc_days: "工作日数", "Working days";
    calc_button: "计算", "Calculate";
    calc_result_pre: "期限为", "The deadline is";
    // errors
    error_title: "出错了", "Something went wrong";
    error_code: "错误代码", "Error code";
    forbidden_hint: "如需此权限，请联系本单位数据专管员或平台管理员。", "If you need this, ask your unit's steward or the platform administrator.";
}

pub fn tr(lang: Lang) -> &'static Tr {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

pub fn role_label(r: Role, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => r.label_zh(),
        Lang::En => r.label_en(),
    }
}

pub fn roles_label(roles: &[Role], lang: Lang) -> String {
    let sep = if lang == Lang::Zh { "、" } else { ", " };
    roles
        .iter()
        .map(|r| role_label(*r, lang))
        .collect::<Vec<_>>()
        .join(sep)
}

pub fn kind_label(k: OrgKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => k.label_zh(),
        Lang::En => k.label_en(),
    }
}

pub fn sector_label(s: Sector, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => s.label_zh(),
        Lang::En => s.label_en(),
    }
}

pub fn day_kind_label(k: DayKind, lang: Lang) -> &'static str {
    match (lang, k) {
        (Lang::Zh, _) => k.label_zh(),
        (Lang::En, DayKind::Holiday) => "Holiday",
        (Lang::En, DayKind::Workday) => "Worked weekend day",
    }
}

pub fn weekday_label(d: chrono::NaiveDate, lang: Lang) -> &'static str {
    use chrono::Datelike;
    let i = d.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Zh => [
            "星期一",
            "星期二",
            "星期三",
            "星期四",
            "星期五",
            "星期六",
            "星期日",
        ][i],
        Lang::En => [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][i],
    }
}

/// Messages shown after a redirect (`?notice=…`); unknown codes show nothing, so a link
/// cannot put arbitrary text on a page.
pub fn notice(code: &str, lang: Lang) -> Option<&'static str> {
    let (zh, en) = match code {
        "signed_out" => ("您已安全退出", "You have signed out"),
        "session_expired" => (
            "会话已超时，请重新登录",
            "The session timed out: sign in again",
        ),
        "session_invalid" => ("请重新登录", "Sign in again"),
        "account_disabled" => ("账号已停用", "The account is disabled"),
        "registered" => ("注册成功，请登录", "Registered: sign in now"),
        "password_changed" => (
            "密码已修改，请使用新密码重新登录",
            "Password changed: sign in with the new password",
        ),
        "org_created" => ("单位已创建", "The unit was created"),
        "org_updated" => ("单位信息已保存", "The unit was saved"),
        "org_disabled" => ("单位已停用", "The unit was disabled"),
        "org_enabled" => ("单位已启用", "The unit was enabled"),
        "user_created" => ("用户已创建", "The user was created"),
        "user_updated" => ("用户信息已保存", "The user was saved"),
        "password_reset" => (
            "密码已重置，该用户需使用新密码登录",
            "The password was reset",
        ),
        "user_disabled" => ("账号已停用", "The account was disabled"),
        "user_enabled" => ("账号已启用", "The account was enabled"),
        "token_revoked" => ("令牌已吊销", "The token was revoked"),
        "day_saved" => ("日历已更新", "The calendar was updated"),
        "day_deleted" => (
            "已从日历中删除该日期",
            "The day was removed from the calendar",
        ),
        _ => return None,
    };
    Some(if lang == Lang::En { en } else { zh })
}
