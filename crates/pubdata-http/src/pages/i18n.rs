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
    nav_supervision: "监督", "Supervision";
    nav_audit: "审计日志", "Audit log";
    nav_account: "我的账户", "My account";
    nav_tokens: "API 令牌", "API tokens";
    nav_password: "修改密码", "Change password";
    nav_catalog: "目录", "Catalog";
    nav_catalog_search: "目录检索", "Search the catalog";
    nav_catalog_new: "编制资源", "New resource";
    nav_responsibility_list: "责任清单", "Responsibility list";
    nav_catalog_import: "导入目录", "Import a catalog";
    nav_review_tasks: "目录更新任务", "Catalog review tasks";
    nav_systems: "政务信息系统", "Information systems";
    nav_deadline_rules: "时限规则", "Deadline rules";
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
    auditor_text: "平台上的每一次操作（无论允许还是拒绝）都记入防篡改审计日志。您可以按人员、单位、操作、对象和时间查询，并核验每条记录包含在已签名的树头中。", "Every action on the platform, allowed or denied, is recorded in the tamper-evident audit log. Search it by person, unit, action, target and time, and check that each entry is in a signed tree head.";
    auditor_audit: "查看审计日志", "Open the audit log";
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
    beijing: "北京时间", "Beijing time";
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
    // audit log
    audit_title: "审计日志", "Audit log";
    audit_lead: "平台上的每一次操作，无论允许还是拒绝，都按发生顺序记入只可追加的审计日志（RFC 9162 默克尔树）。日志定期签发树头，任何篡改、删除或调换记录都会使核验失败。", "Every action on the platform, allowed or denied, is appended in order to an append-only log (an RFC 9162 Merkle tree). Tree heads are signed regularly: changing, removing or reordering any entry makes verification fail.";
    checkpoint_title: "最新签名树头", "Latest signed tree head";
    checkpoint_size: "树大小", "Tree size";
    checkpoint_entries: "条", "entries";
    checkpoint_root: "根哈希", "Root hash";
    checkpoint_time: "签发时间", "Signed at";
    checkpoint_note: "签名树头原文", "Signed note";
    log_origin: "日志名称", "Log origin";
    public_key: "验证公钥", "Verification key";
    older_keys: "历史公钥", "Earlier keys";
    key_retired: "停用于", "retired";
    key_created: "启用于", "from";
    verify_title: "如何独立核验", "How anyone can verify";
    verify_1: "获取签名树头并用验证公钥核对签名（无需登录）：", "Fetch the signed tree head and check its signature with the verification key (no sign-in needed):";
    verify_2: "核验某条记录包含在树中：用规范字节计算叶哈希，按审计路径重算根哈希，与树头中的根哈希比对：", "Check that an entry is in the tree: hash its canonical bytes into the leaf hash, recompute the root along the audit path, and compare it with the tree head's root:";
    verify_3: "证明日志只增不改：保存旧树头，日后用一致性证明核对新树头：", "Prove the log only grew: keep an old tree head and check a later one against it with a consistency proof:";
    verify_4: "离线核验整份日志：导出后运行", "Verify the whole log offline: export it and run";
    sign_now: "立即签发树头", "Sign a tree head now";
    sign_now_note: "日志增长时系统会定期自动签发；需要立即固定当前状态（如检查前）时可手动签发。", "The platform signs regularly while the log grows; sign now to fix the current state (before an inspection, say).";
    rotate_key: "轮换签名密钥", "Rotate the signing key";
    rotate_key_note: "轮换后，新树头由新密钥签名；轮换时签发的树头同时由新旧两把密钥签名，持有旧公钥的核验方可据此确认新公钥。旧公钥仍会公布，用于核验历史树头。请事先通知依赖本平台公钥的外部核验方。", "After rotation new tree heads are signed with the new key; the head signed at rotation carries both signatures, so whoever trusts the old key can learn the new one. The old key stays published for older heads. Tell the outside verifiers who rely on the key first.";
    rotate_key_confirm: "我已了解上述影响，确认轮换签名密钥", "I understand, rotate the signing key";
    rotate_key_unconfirmed: "请勾选确认后再轮换签名密钥", "Tick the confirmation to rotate the key";
    audit_search: "查询条件", "Search";
    audit_actor: "操作人", "Actor";
    audit_actor_hint: "用户名", "Username";
    audit_action: "操作", "Action";
    audit_target: "对象", "Target";
    audit_target_hint: "类型/编号，如 org/", "kind/id, e.g. org/";
    audit_decision: "结果", "Decision";
    audit_from: "起始日期", "From";
    audit_to: "截止日期", "To";
    audit_dates_hint: "日期按北京时间，含起止当日；对象写作“类型/编号”，只写“org/”即查所有以单位为对象的记录。", "Dates are Beijing days, both inclusive. A target is kind/id; \"org/\" alone finds every entry about a unit.";
    any_action: "全部操作", "Any action";
    any_decision: "全部", "Any";
    allowed: "允许", "Allowed";
    denied: "拒绝", "Denied";
    search: "查询", "Search";
    reset: "重置", "Reset";
    audit_index: "序号", "Index";
    audit_time: "时间", "Time";
    audit_channel: "渠道", "Channel";
    audit_request: "请求编号", "Request id";
    audit_results: "审计记录", "Entries";
    audit_newest_first: "按时间倒序，每页 50 条", "newest first, 50 a page";
    audit_none: "没有符合条件的审计记录", "No entries match";
    audit_only_actor: "只看此人的记录", "Only this person's entries";
    audit_only_unit: "只看此单位的记录", "Only this unit's entries";
    audit_only_target: "只看此对象的记录", "Only this target's entries";
    audit_entry_title: "审计条目", "Audit entry";
    audit_fields: "记录内容", "The entry";
    audit_user_id: "用户 ID", "User id";
    audit_unit_id: "单位 ID", "Unit id";
    audit_purpose: "用途", "Purpose";
    audit_reason: "拒绝原因", "Reason";
    audit_version: "规范格式版本", "Canonical form version";
    canonical_bytes: "规范字节", "Canonical bytes";
    canonical_bytes_note: "以下字节即记入默克尔树的内容（UTF-8 紧凑 JSON，键的顺序固定）；叶哈希 = SHA-256(0x00 ‖ 这些字节)。", "These bytes are what the Merkle tree holds (compact UTF-8 JSON, keys in a fixed order); leaf hash = SHA-256(0x00 ‖ these bytes).";
    leaf_hash: "叶哈希（按当前内容计算）", "Leaf hash (computed now)";
    stored_leaf_hash: "叶哈希（写入时存入树中）", "Leaf hash (stored in the tree when appended)";
    inclusion_title: "包含证明", "Inclusion proof";
    inclusion_note: "自叶哈希起，依次与审计路径中的哈希合并（SHA-256(0x01 ‖ 左 ‖ 右)），最终应得到树头的根哈希。", "Starting from the leaf hash, combine with each hash of the audit path in turn (SHA-256(0x01 ‖ left ‖ right)); the result must be the tree head's root hash.";
    audit_path: "审计路径", "Audit path";
    audit_path_empty: "（空：树中只有这一条记录）", "(empty: the tree holds only this entry)";
    verdict_verified: "已验证：本条目包含在第 {n} 号树头中", "Verified: this entry is in tree head {n}";
    verdict_verified_note: "树头以所含条目数编号。由叶哈希沿审计路径重算出的根哈希，与签名树头中的根哈希一致。", "Tree heads are numbered by the entries they hold. The root recomputed from the leaf hash along the audit path equals the signed root.";
    verdict_pending: "尚未纳入已签发的树头，将在下一次签发时纳入", "Not yet in a signed tree head; the next one will include it";
    verdict_pending_note: "最新的第 {n} 号树头包含序号小于 {n} 的记录；日志增长时系统会定期签发新树头。", "The latest tree head, {n}, holds the entries with an index below {n}; the platform signs a new one regularly while the log grows.";
    verdict_failed: "核验失败：按审计路径重算的根哈希与签名树头不符", "Verification failed: the root recomputed along the audit path differs from the signed root";
    verdict_tampered: "警告：本条目当前内容的叶哈希与写入日志时存入树中的叶哈希不一致，记录可能已被篡改", "Warning: the leaf hash of this entry as it reads now differs from the one stored in the tree when it was appended; the entry may have been altered";
    verdict_no_leaf: "警告：树中没有本条目的叶哈希", "Warning: the tree holds no leaf hash for this entry";
    verdict_report: "请立即报告平台管理员，并保留本页请求编号。", "Report this to the platform administrator at once, with this page's request id.";
    raw_json: "原始 JSON", "Raw JSON";
    proof_json: "包含证明 JSON", "Inclusion proof JSON";
    check_yourself: "自行核验本条", "Check this entry yourself";
    check_yourself_note: "保存签名树头原文、包含证明和本条 JSON 后，用平台命令行离线核验（不连接数据库）：", "Save the signed note, the inclusion proof and this entry's JSON, then check offline with the platform's command line (it opens no database):";
    prev_entry: "上一条", "Previous";
    next_entry: "下一条", "Next";
    back_to_log: "返回审计日志", "Back to the audit log";
    system_actor: "系统", "System";
    anonymous_actor: "匿名", "Anonymous";
    // errors
    error_title: "出错了", "Something went wrong";
    error_code: "错误代码", "Error code";
    forbidden_hint: "如需此权限，请联系本单位数据专管员或平台管理员。", "If you need this, ask your unit's steward or the platform administrator.";
    // catalog: resources (search, view, history, form, review)
    // catalog: responsibility list and import
    // catalog: duty changes, review tasks, deadline rules, systems, home
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

pub fn channel_label(channel: &str, lang: Lang) -> &str {
    match (lang, channel) {
        (Lang::Zh, "web") => "网页",
        (Lang::Zh, "api") => "接口",
        (Lang::Zh, "cli") => "命令行",
        (Lang::Zh, "system") => "系统",
        (Lang::En, "web") => "Web",
        (Lang::En, "api") => "API",
        (Lang::En, "cli") => "CLI",
        (Lang::En, "system") => "System",
        // A channel this build does not know (a newer version wrote it): as logged.
        (_, other) => other,
    }
}

/// An action's label: the Chinese one from `pubdata-core`; in English its name as logged
/// (`sign_in`), which is also what the API shows. An unknown action shows as logged.
pub fn action_label(action: &str, lang: Lang) -> &str {
    match (lang, pubdata_core::audit::Action::parse(action)) {
        (Lang::Zh, Some(a)) => a.label_zh(),
        _ => action,
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
        "checkpoint_signed" => ("已签发新的树头", "A new tree head was signed"),
        "key_rotated" => (
            "签名密钥已轮换，新的验证公钥见下方",
            "The signing key was rotated; the new verification key is below",
        ),
        "day_saved" => ("日历已更新", "The calendar was updated"),
        "day_deleted" => (
            "已从日历中删除该日期",
            "The day was removed from the calendar",
        ),
        _ => return None,
    };
    Some(if lang == Lang::En { en } else { zh })
}
