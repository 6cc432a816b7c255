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
    cat_search_title: "目录检索", "Search the catalog";
    cat_search_lead: "按资源名称、摘要、代码、主题、标签和信息项名称检索公共数据资源目录；中文输入两个字以上即可，如“人口”“企业”“公交”。", "Find catalog resources by name, summary, code, theme, tags and field names; two Chinese characters are enough (人口, 企业, 公交).";
    cat_q: "关键词", "Keywords";
    cat_q_hint: "资源名称、代码、标签或信息项，如：人口、企业登记、GDP", "Name, code, tag or field, e.g. 人口, 企业登记, GDP";
    cat_sort: "排序", "Sort";
    cat_sort_relevance: "按相关度", "By relevance";
    cat_sort_updated: "按更新时间", "Recently updated";
    cat_status_any: "全部（不含已撤销）", "Any (not withdrawn)";
    cat_filters: "筛选", "Filters";
    cat_remove_filter: "点击取消此筛选", "Click to remove this filter";
    cat_no_results: "没有符合条件的资源", "No resources match";
    cat_no_results_hint: "请减少筛选条件或更换关键词。", "Remove a filter or try other words.";
    cat_share_open: "共享 / 开放", "Shared / open";
    cat_code: "资源代码", "Code";
    cat_code_hint: "分类码/顺序码：类1位（1基础、2主题、3部门）/项2位/目3位/顺序号4至6位，如 1/01/002/0001", "Class (1 basic, 2 thematic, 3 departmental) / item (2 digits) / catalogue (3) / sequence (4 to 6), e.g. 1/01/002/0001";
    cat_name: "资源名称", "Name";
    cat_summary: "资源摘要", "Summary";
    cat_summary_hint: "说明资源的内容、范围和用途，不超过2000字", "What the data holds, its scope and use; at most 2000 characters";
    cat_provider: "提供单位", "Providing unit";
    cat_category: "资源分类", "Category";
    cat_category_hint: "须与资源代码的类码一致：1 基础、2 主题、3 部门", "Must match the code's class digit: 1 basic, 2 thematic, 3 departmental";
    cat_theme: "主题", "Theme";
    cat_theme_hint: "如：人口、法人、交通出行", "e.g. population, legal persons, transport";
    cat_format: "资源格式", "Format";
    cat_update_cycle: "更新周期", "Update cycle";
    cat_share_attr: "共享属性", "Share attribute";
    cat_share_condition: "共享条件", "Share condition";
    cat_share_condition_hint: "有条件共享时必填：写明使用条件与申请要求", "Required when shared on conditions: the terms of use and what a request needs";
    cat_share_legal_basis: "不予共享依据", "Legal basis for not sharing";
    cat_share_legal_basis_hint: "不予共享时必填：写明法律、行政法规或政策依据", "Required when not shared: the law, regulation or policy";
    cat_share_methods: "共享方式", "Share methods";
    cat_share_methods_hint: "共享的资源须选择至少一种", "A shared resource needs at least one";
    cat_share_rule: "有条件共享须写明共享条件；不予共享须写明法律依据，且不得开放", "Conditional sharing needs its condition; not sharing needs its legal basis and rules out opening";
    cat_open_attr: "开放属性", "Open attribute";
    cat_open_condition: "开放条件", "Open condition";
    cat_open_condition_hint: "有条件开放时必填", "Required when open on conditions";
    cat_grade: "分级", "Grade";
    cat_grade_hint: "1级最低、4级最高；不得低于信息项的最高分级", "1 lowest, 4 highest; not below the highest field grade";
    cat_tags: "标签", "Tags";
    cat_tags_hint: "以逗号或顿号（、）分隔，最多20个", "Separated by commas or 、, at most 20";
    cat_release_date: "发布日期", "Release date";
    cat_related: "关联资源", "Related resources";
    cat_related_hint: "关联资源的编号，多个以逗号分隔", "Ids of related resources, separated by commas";
    cat_system: "来源系统", "Source system";
    cat_system_hint: "产生该数据的政务信息系统，须属于提供单位", "The information system the data comes from; it must be the providing unit's";
    cat_aggregated: "汇聚到平台", "Aggregated into the platform";
    cat_aggregated_hint: "数据归集到平台的资源须至少设一个主键信息项", "A resource aggregated into the platform needs at least one key field";
    cat_yes: "是", "Yes";
    cat_no: "否", "No";
    cat_new_title: "编制资源目录", "New catalog resource";
    cat_edit_title: "编辑资源", "Edit";
    cat_form_lead: "填写资源的基本信息、共享开放属性和信息项。保存后为草稿，提交审核、经大数据主管部门通过后发布。", "Describe the resource, its share and open attributes and its fields. It is saved as a draft and published once the data authority approves it.";
    cat_section_basic: "基本信息", "About the resource";
    cat_section_share: "共享与开放", "Sharing and opening";
    cat_section_fields: "信息项", "Fields";
    cat_fields_rule: "汇聚到平台的资源须至少一个主键；存放身份证号或统一社会信用代码的信息项须声明标识类型（数据类型须为字符型 C）", "A resource aggregated into the platform needs at least one key; a field holding citizen ID numbers or credit codes must declare its identifier kind (and be of type C)";
    cat_f_name: "信息项名称", "Field name";
    cat_f_code: "信息项代码", "Field code";
    cat_f_type: "数据类型", "Type";
    cat_f_key: "主键", "Key";
    cat_f_identifier: "标识类型", "Identifier";
    cat_f_sensitive: "敏感", "Sensitive";
    cat_f_grade: "分级", "Grade";
    cat_f_required: "必填", "Required";
    cat_f_description: "说明", "Description";
    cat_f_rules: "取值规则", "Value rules";
    cat_f_delete: "删除", "Delete";
    cat_identifier_none: "非标识", "None";
    cat_field: "信息项", "Field";
    cat_n_fields: "个信息项", "fields";
    cat_rows_note: "空白行不保存；勾选“删除”的行在保存时移除。信息项代码以小写字母开头，只含小写字母、数字和下划线。", "Blank rows are not saved; rows ticked Delete are removed on saving. A field code starts with a lower-case letter and holds only a-z, 0-9 and _.";
    cat_more_rows: "再加5行（暂不保存）", "5 more rows (not saved yet)";
    cat_more_rows_note: "已增加5个空白行，填写的内容尚未保存。", "Five blank rows were added; nothing has been saved yet.";
    cat_save_draft: "保存草稿", "Save draft";
    cat_save_note: "保存后可在资源页提交审核", "Submit it for review from the resource's page";
    cat_save_edit_note: "修改已发布的资源会形成新的版本，历次版本可在资源页比较", "Changing a published resource makes a new version; compare versions on the resource's page";
    cat_choose_unit: "请选择单位", "Choose a unit";
    cat_attrs: "资源属性", "Attributes";
    cat_fields_table: "信息项（数据字典）", "Fields (data dictionary)";
    cat_version: "版本", "Version";
    cat_versions: "版本记录", "Versions";
    cat_current: "当前", "current";
    cat_changed: "修改", "Changed";
    cat_changed_by: "修改人", "Changed by";
    cat_created: "创建时间", "Created";
    cat_updated: "更新时间", "Updated";
    cat_published: "发布时间", "Published";
    cat_handle: "办理", "Actions";
    cat_no_actions: "您对本资源没有可办理的操作。", "There is nothing for you to do on this resource.";
    cat_edit: "编辑资源", "Edit";
    cat_submit: "提交审核", "Submit for review";
    cat_submit_note: "提交后由大数据主管部门审核，审核期间不能修改。", "The data authority reviews it; it cannot be changed meanwhile.";
    cat_approve: "审核通过并发布", "Approve and publish";
    cat_approve_note: "通过后资源发布到目录，所有单位可见。", "Once approved the resource is published and every unit sees it.";
    cat_return: "退回修改", "Return for changes";
    cat_return_reason: "退回理由", "Why it is returned";
    cat_return_hint: "写明需修改之处，提供单位据此修改后重新提交（不超过500字）", "Say what must change; the providing unit fixes it and resubmits (at most 500 characters)";
    cat_withdraw: "撤销资源", "Withdraw";
    cat_withdraw_note: "撤销后资源不再出现在目录中，各版本仍予保留。", "A withdrawn resource leaves the catalog; every version is kept.";
    cat_withdraw_reason: "撤销理由", "Why it is withdrawn";
    cat_reason: "理由", "Reason";
    cat_colon: "：", ": ";
    cat_returned_banner: "本资源已被退回，请按退回理由修改后重新提交", "This resource was returned: change it as the reason says and submit it again";
    cat_withdrawn_banner: "本资源已撤销", "This resource is withdrawn";
    cat_submitted_banner: "本资源正在审核中，审核期间不能修改。", "This resource is under review and cannot be changed meanwhile.";
    cat_review: "审核记录", "Review history";
    cat_ev_created: "创建草稿", "Drafted";
    cat_ev_imported: "导入", "Imported";
    cat_ev_updated: "修改", "Changed";
    cat_ev_submitted: "提交审核", "Submitted";
    cat_ev_approved: "审核通过", "Approved";
    cat_ev_returned: "退回", "Returned";
    cat_ev_withdrawn: "撤销", "Withdrawn";
    cat_compare: "比较", "Compare";
    cat_old_version: "原版本", "From";
    cat_new_version: "新版本", "To";
    cat_diff_title: "版本比较", "Compare versions";
    cat_diff_item: "项目", "Item";
    cat_diff_none: "两个版本的内容相同", "The two versions are the same";
    cat_n_changes: "处变化", "changes";
    cat_added: "新增", "added";
    cat_removed: "删除", "removed";
    cat_empty: "（空）", "(empty)";
    cat_back_resource: "返回资源", "Back to the resource";
    // catalog: responsibility list and import
    list_title: "责任清单", "Responsibility list";
    list_city_wide: "全市", "City-wide";
    list_lead: "已发布的公共数据资源及其提供单位、信息项、更新周期、共享属性和开放属性。各单位对清单所列资源负责，按更新周期更新数据。", "The published public data resources with their providing unit, fields, update cycle, and share and open attributes. Each unit answers for the resources listed as its own and refreshes them on their cycle.";
    list_all_units: "全部单位", "All units";
    list_download_csv: "下载 CSV", "Download CSV";
    list_download_xlsx: "下载 Excel", "Download Excel";
    list_n_resources: "资源", "Resources";
    list_n_units: "提供单位", "Providing units";
    list_n_fields: "信息项", "Fields";
    list_n_shareable: "可共享资源", "Shareable";
    list_n_openable: "可开放资源", "Openable";
    list_only_published: "仅列出已发布的资源", "Published resources only";
    list_col_code: "资源代码", "Code";
    list_col_name: "资源名称", "Resource";
    list_col_provider: "提供单位", "Providing unit";
    list_col_fields: "信息项", "Fields";
    list_col_cycle: "更新周期", "Update cycle";
    list_col_share: "共享属性", "Sharing";
    list_col_open: "开放属性", "Opening";
    list_fields_unit: "项", "fields";
    list_share_methods: "方式：", "By: ";
    list_condition: "条件：", "Condition: ";
    list_empty: "暂无已发布的资源", "No published resources";
    list_empty_hint: "资源经提供单位编制、大数据主管部门审核发布后列入责任清单。", "A resource joins the list once its unit has drafted it and the data authority has approved it.";
    list_import_title: "导入目录", "Import a catalog";
    list_import_lead: "按责任清单模板（CSV 或 Excel）批量编制资源目录：先上传检查，逐行列出问题；确认后导入为草稿，再逐条提交审核。", "Draft many catalog entries at once from the responsibility-list template (CSV or Excel): upload to check it, row by row; then import as drafts and submit them for review.";
    list_upload_title: "上传文件", "Upload a file";
    list_upload_again: "重新上传", "Upload again";
    list_import_unit: "导入单位", "Importing for";
    list_unit_by_file: "（全市导入：按“提供单位”列）", "(city-wide: by the 提供单位 column)";
    list_import_unit_hint: "选择单位后，文件中的资源须均属于该单位，“提供单位”列可留空。", "With a unit chosen every resource must be that unit's; the 提供单位 column may be left blank.";
    list_file: "模板文件", "Template file";
    list_file_hint_pre: "CSV（UTF-8 或 GBK 编码）或 XLSX，不超过", "CSV (UTF-8 or GBK) or XLSX, at most";
    list_file_hint_post: "。", ".";
    list_check_button: "上传并检查", "Upload and check";
    list_check_note: "检查不会改变目录；检查结果中确认后才导入。", "Checking changes nothing; you import from the report.";
    list_choose_file: "请选择要导入的文件", "Choose the file to import";
    list_file_refused: "文件无法导入，请修改后重新上传：", "The file cannot be imported; correct it and upload again:";
    list_upload_gone: "上传的文件已过期或不存在（保留1小时），请重新上传", "The upload has expired or does not exist (uploads are kept for an hour); upload it again";
    list_template_title: "模板说明", "The template";
    list_template_xlsx: "下载 Excel 模板", "Excel template";
    list_template_csv: "下载 CSV 模板", "CSV template";
    list_rule_rows: "每个信息项一行；资源的各列在其每一行重复，同一资源的后续行也可留空（表示同上），各行须连续排列。", "One row per field; the resource's columns repeat on each of its rows, or stay blank on the rows after its first (same as above). A resource's rows must be together.";
    list_rule_required: "必填列：资源代码、资源名称、资源摘要、资源格式、更新周期、共享属性、开放属性、信息项名称、信息项代码、数据类型，全市导入时还有提供单位。", "Required columns: 资源代码, 资源名称, 资源摘要, 资源格式, 更新周期, 共享属性, 开放属性, 信息项名称, 信息项代码, 数据类型, and 提供单位 for a city-wide import.";
    list_rule_values: "选项填写中文名称（如“有条件共享”“每月”）或英文代码；是/否列填“是”或“否”；共享方式、标签用顿号分隔；数据类型填字母（C 字符型、N 数值型、D 日期型等）。", "Choices take their Chinese name (有条件共享, 每月) or their code (conditional, monthly); yes/no columns take 是 or 否; share methods and tags are separated by 、; the field type is its letter (C text, N number, D date, …).";
    list_rule_unit: "提供单位填写单位全称；数据专管员只能导入本单位的资源。", "提供单位 is the unit's full name; a steward may import only its own unit's resources.";
    list_rule_drafts: "资源代码不得与目录中已有的重复。导入的资源为草稿，须提交审核、发布后才列入责任清单。", "A code must not already be in the catalog. Imported resources are drafts: they join the list once submitted, reviewed and published.";
    list_report_title: "检查结果", "Check report";
    list_report_format: "文件格式", "Format";
    list_report_encoding: "文件编码", "Encoding";
    list_report_rows: "数据行", "Data rows";
    list_report_resources: "资源", "Resources";
    list_report_good: "无错误的资源", "Resources without problems";
    list_report_errors: "问题", "Problems";
    list_report_ok: "检查通过，未发现问题。", "No problems found.";
    list_report_has_errors: "文件中存在问题，详见下表。可修改文件后重新上传，或仅导入无错误的资源（有错误的资源的各行均不导入）。", "The file has problems, listed below. Correct the file and upload it again, or import only the resources without problems (no row of a resource with a problem is imported).";
    list_refused: "目录在检查后发生了变化，文件现有问题，未导入任何资源。", "The catalog changed since the check and the file now has problems: nothing was imported.";
    list_unknown_columns: "以下列不属于模板，已忽略：", "These columns are not in the template and were ignored: ";
    list_import_all: "全部导入为草稿", "Import all as drafts";
    list_import_good: "仅导入无错误的资源为草稿", "Import the resources without problems as drafts";
    list_import_note: "导入在一个事务中完成，全部成功或全部不导入。", "The import is one transaction: all of it or nothing.";
    list_nothing_to_import: "没有可导入的资源，请修改文件后重新上传。", "Nothing can be imported: correct the file and upload it again.";
    list_errors_title: "问题清单", "Problems";
    list_err_line: "行号", "Line";
    list_err_column: "列", "Column";
    list_err_message: "问题", "Problem";
    list_err_code: "代码", "Code";
    list_unlisted_pre: "另有", "And";
    list_unlisted_post: "处问题未列出，请先修改以上问题。", "more problems not listed: fix the ones above first.";
    // catalog: duty changes, review tasks, deadline rules, systems, home
    duty_title: "目录更新任务", "Catalog review tasks";
    duty_lead: "因法律法规修改或行政管理职能变化等涉及目录调整的，单位应在规定的工作日内更新目录。登记职责变化后，平台按工作日历计算办结期限；更新本单位目录或说明无需变更即办结任务。", "When a law changes or a unit's duties change in a way that touches its catalog, the unit updates the catalog within a set number of working days. A recorded change opens a task due on the working-day calendar; updating the unit's catalog, or saying why no change is needed, closes it.";
    duty_tasks: "任务列表", "Tasks";
    duty_open: "未办结", "open";
    duty_overdue: "已逾期", "Overdue";
    duty_overdue_by: "逾期 {n} 天", "overdue by {n} days";
    duty_overdue_only: "只看已逾期", "Overdue only";
    duty_status_any: "全部状态", "Any status";
    duty_status_open: "未办结", "Open";
    duty_status_closed: "已办结", "Closed";
    duty_no_tasks: "暂无目录更新任务", "No review tasks";
    duty_change: "职责变化", "Change";
    duty_due: "办结期限", "Due";
    duty_due_today: "今日到期", "Due today";
    duty_rule: "时限规则", "Deadline rule";
    duty_rule_days: "{n} 个工作日", "{n} working days";
    duty_legal_source: "依据", "Legal source";
    duty_legal_source_hint: "如：《××条例》（2026年修订）第×条；机构改革方案", "e.g. the revised regulation and its article; the reorganization plan";
    duty_close: "办结", "Close";
    duty_close_button: "确认办结", "Close the task";
    duty_resolution: "办结方式", "Resolution";
    duty_note: "说明", "Note";
    duty_note_hint: "选择“无需变更”时须说明理由", "Required for “no change needed”: say why";
    duty_record: "登记职责变化", "Record a duty change";
    duty_record_button: "登记并生成任务", "Record and open a task";
    duty_choose_unit: "请选择单位", "Choose a unit";
    duty_unit_required: "请选择单位", "Choose the unit";
    duty_date: "变化日期", "Date of the change";
    duty_date_hint: "法律法规修改或职责调整生效之日；期限自次日起按工作日计算", "The day the law or the duty changed; working days count from the day after";
    duty_description: "变化内容", "What changed";
    duty_description_hint: "如：机构改革后承接原××局的××职责", "e.g. after the reorganization the unit took over a duty of another bureau";
    duty_rule_text: "须在 {n} 个工作日内更新目录", "Update the catalog within {n} working days";
    duty_rule_note: "期限按工作日历计算（不计法定节假日，计入调休上班日）。规则调整后，已生成的任务保持原期限。", "The deadline follows the working-day calendar (public holidays skipped, weekend days worked counted). When the rule changes, tasks already opened keep their due date.";
    duty_recorded_due: "已为{org}登记职责变化，生成目录更新任务，办结期限为 {due}（{rule}）。", "The duty change of {org} is recorded. Its catalog review task is due on {due} ({rule}).";
    duty_notice_recorded: "职责变化已登记", "The duty change was recorded";
    duty_notice_closed: "任务已办结", "The task was closed";
    duty_org_tasks: "目录更新任务", "Catalog review tasks";
    duty_all_tasks: "查看该单位全部任务", "All tasks of this unit";
    duty_home_overdue: "逾期未办结的目录更新任务", "Overdue catalog review tasks";
    duty_home_submitted: "待审核的目录资源", "Entries awaiting review";
    duty_home_published: "已发布的目录资源", "Published entries";
    duty_home_overdue_title: "逾期任务", "Overdue tasks";
    duty_home_no_overdue: "没有逾期的目录更新任务", "No review task is overdue";
    duty_home_review: "审核目录资源", "Review entries";
    duty_home_all_open: "全部未办结任务", "All open tasks";
    duty_home_open: "本单位未办结的目录更新任务", "Open review tasks of my unit";
    duty_home_returned: "被退回的目录资源", "Returned entries";
    duty_home_open_title: "待办结任务（逾期在前）", "Open tasks (overdue first)";
    duty_home_no_open: "本单位没有未办结的目录更新任务", "My unit has no open review tasks";
    duty_home_handle: "办理目录更新任务", "Handle the review tasks";
    duty_home_returned_link: "修改被退回的资源", "Fix the returned entries";
    rule_title: "时限规则", "Deadline rules";
    rule_lead: "办理期限按工作日计算；天数及其法律依据由大数据主管部门维护。", "Deadlines count in working days; the data authority keeps the number of days and their legal source.";
    rule_keep_due: "修改规则只影响此后生成的任务；已生成的任务保持原办结期限。", "A change applies to tasks opened from now on: tasks already opened keep their due date.";
    rule_keep_due_short: "已生成的任务保持原期限", "Tasks already opened keep their due date";
    rule_days: "工作日数", "Working days";
    rule_days_hint: "1至365个工作日", "1 to 365 working days";
    rule_days_invalid: "工作日数应为1至365的整数", "Working days must be a whole number from 1 to 365";
    rule_legal_source: "法律依据", "Legal source";
    rule_working_days: "个工作日", "working days";
    rule_updated: "最近修改", "Last changed";
    rule_default: "初始设置，未修改", "As installed, never changed";
    rule_counting: "自起算日次日起计算，不计法定节假日，计入调休上班日。", "Counted from the day after, skipping public holidays and counting weekend days worked.";
    rule_none: "暂无时限规则", "No deadline rules";
    rule_notice_saved: "时限规则已保存，已生成的任务保持原期限", "The rule was saved; tasks already opened keep their due date";
    rule_catalog_update: "职责变化后更新目录", "Catalog update after a duty change";
    rule_share_conformity: "共享申请合规性审核", "Conformity check of a share request";
    rule_share_reply_on_platform: "提供单位答复（数据已汇聚）", "Provider's reply (data on the platform)";
    rule_share_reply_off_platform: "提供单位答复（数据未汇聚）", "Provider's reply (data not on the platform)";
    rule_share_coordination: "共享异议协调", "Coordination of a sharing dispute";
    rule_objection_check: "数据异议核实", "Checking an objection";
    rule_objection_complex: "数据异议核实（情况复杂）", "Checking a complex objection";
    sys_title: "政务信息系统", "Information systems";
    sys_lead: "各部门建设运行的政务信息系统一律登记，并列明其产生的数据资源。不能共享数据的系统不予批准。", "Every information system a department runs is registered with the resources it produces. A system that cannot share its data is not approved.";
    sys_new: "登记系统", "Register a system";
    sys_new_title: "登记政务信息系统", "Register an information system";
    sys_form_lead: "登记系统的名称、用途及其产生的数据资源；资源须已在所属单位的目录中编制。", "Register the system's name, purpose and the resources it produces; the resources must be in the owning unit's catalog.";
    sys_name: "系统名称", "Name";
    sys_owner: "所属单位", "Owning unit";
    sys_purpose: "建设目的与用途", "Purpose";
    sys_purpose_hint: "系统支撑的业务，及其产生和使用的数据", "The work it supports, and the data it produces and uses";
    sys_resources: "产生的数据资源", "Resources it produces";
    sys_resources_count: "数据资源", "Resources";
    sys_resources_hint: "勾选本系统产生的数据资源（取自所属单位的目录）。", "Tick the resources the system produces (from the owning unit's catalog).";
    sys_unpublished: "未发布", "unpublished";
    sys_updated: "更新时间", "Updated";
    sys_created: "登记时间", "Registered";
    sys_any_status: "全部状态", "Any status";
    sys_none: "暂无登记的政务信息系统", "No systems are registered";
    sys_none_hint: "点击“登记系统”登记本单位建设运行的系统。", "Use “Register a system” for the systems your unit runs.";
    sys_refused_short: "未予批准", "Approval refused";
    sys_basic: "基本信息", "The system";
    sys_review_note: "审核意见：未予批准", "Approval refused";
    sys_no_resources: "尚未登记产生的数据资源", "No resources declared";
    sys_no_resources_hint: "未登记数据资源的系统不能共享其数据，不予批准。请编辑系统并勾选其产生的资源。", "A system that declares no resources cannot share its data and is not approved. Edit the system and tick the resources it produces.";
    sys_res_code: "资源代码", "Code";
    sys_res_name: "资源名称", "Resource";
    sys_edit: "编辑系统", "Edit the system";
    sys_submit: "提交审核", "Submit for review";
    sys_submit_note: "提交后由大数据主管部门审核。", "The data authority reviews it next.";
    sys_approve: "批准", "Approve";
    sys_approve_note: "批准时核对：系统已登记其产生的数据资源，且这些资源均已编目发布。", "Approval checks that the system declares the resources it produces and that all of them are published.";
    sys_in_service: "投入运行", "Put in service";
    sys_retire: "停用系统", "Retire the system";
    sys_retire_note: "停用后不能再编辑或恢复。", "A retired system cannot be edited or brought back.";
    sys_no_actions: "当前没有您可执行的操作。", "Nothing for you to do here now.";
    sys_rule_title: "批准条件", "Approval rule";
    sys_rule_text: "依据《安徽省政务数据资源管理办法》，不能共享数据的政务信息系统不予批准：系统须登记其产生的数据资源，且这些资源均已编入目录并发布。", "Per the Anhui measures on government data resources, a system that cannot share its data is not approved: it must declare the resources it produces, and all of them must be published in the catalog.";
    sys_step_owner: "第一步：选择所属单位", "Step 1: the owning unit";
    sys_choose_owner: "请选择单位", "Choose a unit";
    sys_owner_hint: "可勾选的数据资源取自该单位的目录。", "The resources to tick come from this unit's catalog.";
    sys_next_step: "下一步", "Next";
    sys_change_owner: "更换单位", "Change";
    sys_owner_fixed: "系统的所属单位不能更改", "A system's owning unit cannot change";
    sys_owner_no_resources: "该单位目录中还没有资源。可先登记系统，编制资源后再编辑勾选。", "The unit's catalog has no entries yet. Register the system now and tick its resources once they are catalogued.";
    sys_from_source: "目录中注明来源于本系统，自动列入", "Its catalog entry names this system as its source: listed either way";
    sys_create: "登记", "Register";
    sys_notice_created: "系统已登记", "The system was registered";
    sys_notice_updated: "系统信息已保存", "The system was saved";
    sys_notice_submitted: "已提交审核", "Submitted for review";
    sys_notice_approved: "系统已批准", "The system was approved";
    sys_notice_in_service: "系统已投入运行", "The system is in service";
    sys_notice_retired: "系统已停用", "The system was retired";
    // aggregation
    nav_aggregation: "汇聚", "Aggregation";
    nav_data: "数据汇聚", "Data aggregation";
    nav_data_pulls: "数据库抽取", "Database pulls";
    data_title: "数据汇聚", "Data aggregation";
    data_lead: "各单位按目录向平台汇聚已发布资源的数据：上传文件、接口推送或数据库抽取。每一批数据逐行校验，未通过的数据行退回修改，并按更新周期考核及时性。", "Units supply the data of their published resources to the platform: by file upload, by API push or by database pull. Every batch is checked row by row, rejected rows go back to be fixed, and updates are held to the resource's update cycle.";
    data_link: "数据", "Data";
    data_page: "数据", "Data";
    data_unit: "单位", "Unit";
    data_n_resources: "应汇聚的资源", "Resources to supply";
    data_n_overdue: "逾期未更新", "Overdue";
    data_n_never: "尚未汇聚数据", "Never supplied";
    data_by_unit: "各单位更新及时性", "Timeliness by unit";
    data_unit_resources: "按周期更新的资源", "Resources on a cycle";
    data_on_time_rate: "情况", "State";
    data_all_on_time: "全部按期", "All on time";
    data_has_overdue: "有逾期", "Some overdue";
    data_duties: "资源与更新期限", "Resources and their due dates";
    data_duties_note: "逾期在前 · 日期为北京时间", "Overdue first · Beijing dates";
    data_no_resources: "没有已发布的资源", "No published resources";
    data_no_resources_hint: "资源目录经审核发布后，即可在此汇聚数据。", "Once a catalog entry is reviewed and published, its data can be supplied here.";
    data_fields: "信息项", "Fields";
    data_last_update: "最近更新", "Last update";
    data_due_date: "应更新日期", "Due";
    data_timeliness: "及时性", "Timeliness";
    data_never: "从未", "Never";
    data_overdue_pre: "逾期 ", "Overdue by ";
    data_overdue_post: " 天", " days";
    data_on_time: "按期", "On time";
    data_irregular: "不定期", "Irregular";
    data_not_published_tag: "未发布", "Not published";
    data_not_published: "该资源尚未发布（或已撤销），不能接收数据。数据按审核发布的信息项校验。", "The resource is not published (or was withdrawn) and cannot take data: data is checked against the fields the review published.";
    data_catalog_entry: "目录详情", "Catalog entry";
    data_upload_title: "上传数据", "Upload data";
    data_file: "数据文件", "Data file";
    data_encoding: "文字编码", "Text encoding";
    data_enc_auto: "自动识别", "Detect";
    data_upload_button: "上传并核对列", "Upload and match columns";
    data_upload_hint_pre: "CSV（UTF-8、GBK、GB18030）或 XLSX，不超过 ", "CSV (UTF-8, GBK, GB18030) or XLSX, at most ";
    data_upload_hint_post: "。首行为表头，列名与信息项名称或代码相同的自动对应；下一步可调整。", ". The first row is the header; columns named like a field (its name or code) are matched, and you can change that next.";
    data_upload_not_yours: "只有资源提供单位的专管员、工作人员和大数据主管部门可以向该资源上传数据。", "Only the providing unit's steward and staff, and the data authority, may send data to this resource.";
    data_choose_file: "请选择要上传的文件", "Choose a file to upload";
    data_file_too_large: "文件过大，单个文件不超过 ", "The file is too large; the limit is ";
    data_upload_gone: "上传的文件已不在服务器上（超过一小时或已处理），请重新上传。", "The uploaded file is no longer kept (more than an hour, or already used): upload it again.";
    data_trend: "质量趋势", "Quality trend";
    data_trend_last_pre: "最近 ", "last ";
    data_trend_last_post: " 个已接收批次", " accepted batches";
    data_trend_latest: "最近得分", "Latest";
    data_trend_average: "平均得分", "Average";
    data_trend_hint: "质量得分（0—100）按完整性、规范性、唯一性、一致性、及时性加权计算；点击柱形查看批次。", "The score (0–100) weighs completeness, validity, uniqueness, consistency and timeliness; click a bar for its batch.";
    data_trend_none: "还没有已接收的批次", "No accepted batch yet";
    data_fields_title: "信息项", "Fields";
    data_batches: "数据批次", "Batches";
    data_no_batches: "还没有数据批次", "No batches yet";
    data_b_time: "提交时间", "Sent";
    data_b_source: "来源", "Source";
    data_b_rows: "数据行", "Rows";
    data_b_accepted: "接收", "Accepted";
    data_b_rejected: "未通过", "Rejected";
    data_b_changes: "新增 · 更新 · 未变", "New · changed · same";
    data_b_inserted: "新增记录", "New records";
    data_b_updated: "更新记录", "Changed records";
    data_b_unchanged: "未变记录", "Unchanged records";
    data_b_id: "批次编号", "Batch id";
    data_b_by: "提交人", "Sent by";
    data_b_started: "开始时间", "Started";
    data_b_finished: "完成时间", "Finished";
    data_changes_legend: "+ 新增记录 · ~ 更新记录 · = 内容未变", "+ new records · ~ changed records · = unchanged";
    data_score: "质量得分", "Score";
    data_st_running: "处理中", "Running";
    data_st_accepted: "已接收", "Accepted";
    data_st_failed: "未接收", "Failed";
    data_src_upload: "文件上传", "File upload";
    data_src_push: "接口推送", "API push";
    data_src_pull: "数据库抽取", "Database pull";
    data_versions: "数据版本", "Data versions";
    data_publish: "发布新版本", "Publish a new version";
    data_publish_hint: "将当前全部记录生成 CSV 和 Parquet 文件。", "Writes the current records as CSV and Parquet files.";
    data_auto_publish: "每批接收后自动发布：", "Publish after each accepted batch:";
    data_auto_on: "开启", "On";
    data_auto_off: "关闭", "Off";
    data_no_versions: "还没有发布的数据版本", "No data version published yet";
    data_no_versions_hint: "接收数据后，由本单位发布版本，或开启自动发布。", "Once data is in, the unit publishes a version, or turns on automatic publication.";
    data_v_published: "发布", "Published";
    data_v_files: "文件", "Files";
    data_v_catalog: "目录", "Catalog";
    data_by_platform: "平台（自动发布）", "The platform (automatic)";
    data_record_title: "记录查询", "Look up a record";
    data_record_key: "主键值", "Key";
    data_record_key_hint: "主键：", "Key: ";
    data_record_key_joined: "；多个主键值按顺序以“|”连接", "; join the key values in order with “|”";
    data_record_as_of: "截至时间（选填）", "As of (optional)";
    data_record_as_of_hint: "日期或 RFC 3339 时间，查看当时的记录", "A date or an RFC 3339 time: the record as it was then";
    data_record_as_of_short: "截至", "as of";
    data_record_as_of_example: "如 2026-03-01", "e.g. 2026-03-01";
    data_record_button: "查询", "Look up";
    data_record_found: "记录", "Record";
    data_record_none: "没有该主键的记录。", "There is no record with this key.";
    data_record_none_then: "该时间点没有该主键的记录。", "There was no record with this key at that time.";
    data_record_meta_updated: "最近更新", "Last changed";
    data_record_meta_batch: "所属批次", "its batch";
    data_history: "变更历史", "History";
    data_history_versions: "个版本", "versions";
    data_history_hint: "新的在前；底色标出与上一版本不同的值。", "Newest first; highlighted values differ from the version before.";
    data_h_batch: "批次", "Batch";
    data_h_by: "提交人", "By";
    data_h_from: "生效时间", "Valid from";
    data_h_to: "被替换时间", "Replaced";
    data_h_current: "当前", "Current";
    data_map_title: "核对列的对应关系", "Match the columns";
    data_map_lead: "为每个信息项选择文件中的列。主键和必填信息项必须有对应的列；未选择的列不导入。", "Choose the file's column for each field. Key and required fields need a column; columns not chosen are not taken.";
    data_map_fields: "信息项与文件列", "Fields and columns";
    data_map_column: "文件中的列", "Column of the file";
    data_map_none: "（不导入）", "(none)";
    data_map_file: "文件", "File";
    data_size: "大小", "Size";
    data_format: "格式", "Format";
    data_map_columns: "列数", "Columns";
    data_map_ignored: "以下列不对应任何信息项，不导入：", "These columns match no field and are not taken: ";
    data_map_reread_label: "文字编码不对？", "Wrong text encoding?";
    data_map_reread: "按此编码重新读取", "Read again";
    data_map_reread_hint: "样例中出现乱码时，选择正确的编码重新读取。", "If the sample looks garbled, choose the right encoding and read the file again.";
    data_map_sample: "样例数据", "Sample";
    data_map_sample_note: "文件的前几行", "the first rows of the file";
    data_map_no_rows: "文件只有表头，没有数据行", "The file has a header and no rows";
    data_map_go: "开始校验并接收", "Check and take the data";
    data_map_cancel: "取消", "Cancel";
    data_map_go_hint: "逐行校验后，通过的数据行写入平台；未通过的数据行可下载修改。", "Rows are checked one by one; the good ones are stored, the others can be downloaded to fix.";
    data_batch_title: "数据批次", "Batch";
    data_running: "正在校验和写入", "Checking and storing";
    data_running_hint: "本页每 2 秒自动刷新。离开本页不影响处理。", "This page refreshes every 2 seconds. Leaving it does not stop the batch.";
    data_read: "已读取", "Read";
    data_verdict_accepted: "已接收", "Accepted";
    data_verdict_accepted_pre: "已接收 ", "";
    data_verdict_accepted_mid: " 行，未通过 ", " rows accepted, ";
    data_verdict_accepted_post: " 行。", " rejected.";
    data_verdict_failed: "未接收", "Not accepted";
    data_rejected_download: "下载未通过的数据行", "Download the rejected rows";
    data_rejected_hint: "CSV 文件，首列为未通过的原因；修改后可重新上传。", "A CSV with the reason first; fix the rows and upload them again.";
    data_quality: "数据质量报告", "Quality report";
    data_q_completeness: "完整性", "Completeness";
    data_q_validity: "规范性（有效性）", "Validity";
    data_q_uniqueness: "唯一性", "Uniqueness";
    data_q_consistency: "一致性", "Consistency";
    data_q_timeliness: "及时性", "Timeliness";
    data_q_cells_filled: "已填单元格", "cells filled:";
    data_q_rows_valid: "取值合规的行", "rows valid:";
    data_q_rows_unique: "主键不重复的行", "rows with a unique key:";
    data_q_rows_consistent: "同一主键取值一致的行", "rows consistent per key:";
    data_q_no_due: "首批数据或不定期更新，不计逾期", "A first batch or an irregular cycle: not late";
    data_q_due_on_time: "按期提交，应更新日期 ", "On time; due ";
    data_q_due: "应更新日期 ", "Due ";
    data_q_late_pre: "，逾期 ", ", late by ";
    data_q_late_post: " 天", " days";
    data_q_weights: "得分 = 完整性 20% + 规范性 30% + 唯一性 20% + 一致性 15% + 及时性 15%（参照 GB/T 36344）。", "Score = completeness 20% + validity 30% + uniqueness 20% + consistency 15% + timeliness 15% (after GB/T 36344).";
    data_q_fields: "各信息项", "By field";
    data_q_filled: "已填", "Filled";
    data_q_fill_rate: "填充率", "Fill rate";
    data_q_invalid: "不合规", "Invalid";
    data_q_problems: "问题类型", "Problems";
    data_q_no_problems: "没有发现问题", "No problems found";
    data_q_problem: "问题", "Problem";
    data_q_times: "次数", "Count";
    data_q_sample: "未通过的数据行（样例）", "Rejected rows (sample)";
    data_q_sample_note: "最多列出前 20 行", "the first 20 at most";
    data_q_line: "行号", "Line";
    data_q_reasons: "原因", "Reasons";
    data_batch_info: "批次信息", "The batch";
    data_back_to_resource: "返回资源数据", "Back to the resource";
    data_pc_required: "必填项为空", "required value missing";
    data_pc_not_integer: "不是整数", "not an integer";
    data_pc_not_number: "不是数值", "not a number";
    data_pc_not_date: "不是日期", "not a date";
    data_pc_not_datetime: "不是日期时间", "not a date and time";
    data_pc_not_boolean: "不是逻辑值", "not a boolean";
    data_pc_too_long: "超过长度", "too long";
    data_pc_out_of_range: "超出取值范围", "out of range";
    data_pc_pattern_mismatch: "不符合格式", "does not match the pattern";
    data_pc_not_in_code_list: "不在代码表中", "not in the code list";
    data_pc_invalid_citizen_id: "身份证号码无效", "invalid citizen id";
    data_pc_invalid_uscc: "统一社会信用代码无效", "invalid credit code";
    data_pc_duplicate_key: "主键重复", "repeated key";
    data_pc_ragged_row: "列数与表头不符", "wrong number of cells";
    data_pc_invalid_encoding: "文字编码无法识别", "undecodable text";
    data_pulls_title: "数据库抽取", "Database pulls";
    data_pulls_lead: "登记单位业务库（PostgreSQL）的表或查询及其增量游标，平台按资源的更新周期抽取新增和变更的数据，也可立即抽取。请使用只读账号。", "Register a unit's database (PostgreSQL), a table or a query, and its incremental cursor; the platform pulls what is new on the resource's update cycle, or now on demand. Use a read-only account.";
    data_pulls_list: "已登记的数据源", "Registered sources";
    data_pulls_none: "还没有登记数据源", "No sources registered";
    data_pull_source: "数据源", "Source";
    data_pull_cursor_cols: "游标列 / 主键列", "Cursor / key column";
    data_pull_cursor: "游标", "Cursor";
    data_pull_last: "最近抽取", "Last pull";
    data_pull_last_batch: "查看批次", "Its batch";
    data_pull_enabled: "已启用", "Enabled";
    data_pull_disabled: "已停用", "Disabled";
    data_pull_run: "立即抽取", "Pull now";
    data_pull_enable: "启用", "Enable";
    data_pull_disable: "停用", "Disable";
    data_pull_new: "登记数据源", "Register a source";
    data_pull_resource: "汇聚到资源", "Into the resource";
    data_pull_choose_resource: "请选择已发布的资源", "Choose a published resource";
    data_pull_resource_required: "请选择资源", "Choose the resource";
    data_pull_url: "连接地址", "Connection URL";
    data_pull_url_hint: "postgres://用户:密码@主机:端口/数据库；密码中的特殊字符须百分号编码。密码不显示、不记入日志。", "postgres://user:password@host:port/database; percent-encode special characters of the password. The password is never shown or logged.";
    data_pull_url_withheld: "连接地址含密码，未回显，请重新填写。", "The URL held a password and is not shown again: enter it again.";
    data_pull_table: "表", "Table";
    data_pull_table_hint: "表名（可带模式名），或在下方填写一条 SELECT 查询，二者填一项。", "A table (schema.table allowed), or a single SELECT below: one of the two.";
    data_pull_query: "查询语句", "Query";
    data_pull_cursor_column: "游标列", "Cursor column";
    data_pull_key_column: "主键列", "Key column";
    data_pull_create: "检查连接并登记", "Check and register";
    data_pull_how: "增量抽取如何工作", "How pulls work";
    data_pull_how_1: "登记时平台连接数据源，核对游标列和主键列存在。", "On registration the platform connects and checks the cursor and key columns exist.";
    data_pull_how_2: "每次抽取按（游标列, 主键列）顺序读取上次位置之后的行，作为一个数据批次逐行校验。", "Each pull reads the rows after the last position in (cursor, key) order as one batch, checked row by row.";
    data_pull_how_3: "批次接收后才移动游标；失败的抽取下次从原位置继续。", "The cursor moves only with an accepted batch; a failed pull resumes from where it was.";
    data_pull_how_4: "游标值变小或被删除的行不会被抽取；请选择随修改递增的列（如更新时间）。", "Rows whose cursor goes back, and deletions, are not seen: choose a column that grows with each change (such as the update time).";
    data_notice_published: "已发布新的数据版本", "A new data version was published";
    data_notice_auto_on: "已开启自动发布：每批数据接收后自动发布新版本", "Automatic publication is on: each accepted batch publishes a new version";
    data_notice_auto_off: "已关闭自动发布", "Automatic publication is off";
    data_notice_pull_created: "数据源已登记", "The source was registered";
    data_notice_pull_enabled: "数据源已启用", "The source was enabled";
    data_notice_pull_disabled: "数据源已停用", "The source was disabled";
    data_notice_pull_nothing: "没有新数据", "Nothing new to pull";
    // sharing
    nav_sharing_group: "共享", "Sharing";
    nav_sharing: "数据共享", "Data sharing";
    nav_sharing_grants: "共享授权", "Grants";
    nav_sharing_emergencies: "突发事件临时调整", "Emergencies";
    nav_sharing_objections: "数据异议", "Objections";
    nav_opening_group: "开放", "Opening";
    nav_open_proposals: "开放提议", "Opening proposals";
    nav_open_applications: "开放申请", "Applications for open data";
    nav_open_feedback: "互动交流", "Public feedback";
    nav_open_showcase: "应用展示", "Showcase";
    nav_open_portal: "开放门户", "Open data portal";
    sh_title: "数据共享", "Data sharing";
    sh_lead: "本单位提出和收到的共享申请。每个环节按工作日历计算办理时限，时限规则及其依据列在环节旁；逾期的环节升级至数据主管部门。", "The share requests your unit filed and received. Each step is due on the working-day calendar under a deadline rule shown with its legal source; overdue steps are escalated to the data authority.";
    sh_how_to_request: "申请使用其他单位的数据：在目录中找到资源，点击「申请共享」。", "To request another unit's data, find the resource in the catalog and choose 「申请共享」 (Request).";
    sh_find_resources: "查找可申请的资源", "Find resources to request";
    sh_all_requests: "全部共享申请", "All share requests";
    sh_filed_requests: "本单位提出的申请", "Requests my unit filed";
    sh_received_requests: "本单位收到的申请", "Requests for my unit's data";
    sh_no_requests: "暂无共享申请", "No share requests";
    sh_status_any: "全部状态", "Any status";
    sh_resource: "数据资源", "Resource";
    sh_requester: "申请单位", "Requesting unit";
    sh_provider: "提供单位", "Providing unit";
    sh_open_step: "当前环节", "Current step";
    sh_waits_on: "办理单位", "Waits on";
    sh_due: "办理时限", "Due";
    sh_filed_on: "申请日期", "Filed";
    sh_overdue: "已逾期", "Overdue";
    sh_authority: "数据主管部门", "Data authority";
    sh_rule_days: "{n} 个工作日", "{n} working days";
    sh_form_title: "共享申请", "Share request";
    sh_form_lead: "写明所需信息项、用途、应用场景和履职依据，接受数据安全保密承诺后提交。申请先由数据主管部门进行合规性审核，再由提供单位答复。", "Name the fields you need, the purpose, the scenario and the duty it serves, accept the security and confidentiality commitment and file it. The data authority checks it first, then the providing unit replies.";
    sh_raised_now: "突发事件期间临时调整为", "Raised during an emergency to";
    sh_not_shared_note: "该资源在目录中载明为不予共享，依据见上。提交申请将被拒绝。", "The catalog marks this resource as not shared, on the legal basis above: a request will be refused.";
    sh_pick_fields: "申请的信息项", "Fields requested";
    sh_masking: "脱敏", "Masking";
    sh_will_mask: "将按规则脱敏", "Masked by rule";
    sh_as_is: "原样提供", "As is";
    sh_use: "用途与期限", "Purpose and period";
    sh_purpose: "用途", "Purpose";
    sh_purpose_hint: "如：社会保险参保资格核验", "e.g. checking eligibility for social insurance";
    sh_scenario: "应用场景", "Scenario";
    sh_scenario_hint: "如：参保登记窗口按公民身份号码逐条核验户籍信息", "e.g. the enrolment desk checks household registration by ID number, one at a time";
    sh_duty_basis: "履职依据", "Duty basis";
    sh_duty_basis_hint: "如：《中华人民共和国社会保险法》第五十八条", "e.g. Social Insurance Law, Article 58";
    sh_period: "使用期限", "Period";
    sh_period_start: "使用期限（开始）", "Period from";
    sh_period_end: "使用期限（结束）", "Period to";
    sh_rate: "每分钟调用次数", "Calls per minute";
    sh_rate_hint: "接口调用配额，不填则按默认配额（600 次/分钟）", "The API quota; blank for the default (600 a minute)";
    sh_rate_default: "默认配额", "Default quota";
    sh_rate_invalid: "每分钟调用次数应为整数", "Calls per minute must be a whole number";
    sh_commitment: "数据安全保密承诺", "Security and confidentiality commitment";
    sh_commitment_accept: "本单位已阅读并接受上述数据安全保密承诺", "My unit has read and accepts the commitment above";
    sh_commitment_at: "已接受承诺", "Accepted";
    sh_file: "提交共享申请", "File the request";
    sh_request_title: "共享申请", "Share request";
    sh_request_link: "申请共享", "Request this data";
    sh_grant_made: "申请已同意，共享授权已生成。", "Approved: the grant was made.";
    sh_view_grant: "查看授权", "View the grant";
    sh_view_request: "查看申请", "View the request";
    sh_steps: "办理环节", "Steps";
    sh_steps_note: "时限按工作日历计算", "due on the working-day calendar";
    sh_step: "环节", "Step";
    sh_rule: "时限规则及依据", "Deadline rule and source";
    sh_outcome: "办理结果", "Outcome";
    sh_step_open: "办理中", "In progress";
    sh_opened_on: "开始于", "Opened";
    sh_reason: "理由", "Reason";
    sh_legal_basis: "法律依据", "Legal basis";
    sh_request_content: "申请内容", "The request";
    sh_requested_fields: "申请的信息项", "Fields requested";
    sh_on_platform: "数据状态", "Data";
    sh_on_platform_yes: "已汇聚至平台（答复时限较短）", "Already on the platform (shorter reply deadline)";
    sh_on_platform_no: "尚未汇聚至平台", "Not yet on the platform";
    sh_emergency: "突发事件", "Emergency";
    sh_filed_under_emergency: "在突发事件临时调整期间提出", "Filed under an emergency's raised class";
    sh_made_under_emergency: "在突发事件临时调整期间授权，随事件结束而终止", "Made under an emergency; ends with it";
    sh_handle: "办理", "Handle";
    sh_no_actions: "当前没有需要您办理的环节。", "Nothing here waits on you.";
    sh_dec_pass: "通过", "Pass";
    sh_dec_reject: "不通过", "Reject";
    sh_dec_approve: "同意共享", "Approve";
    sh_dec_refuse: "拒绝共享", "Refuse";
    sh_conformity: "合规性审核", "Conformity check";
    sh_conformity_hint: "不通过的须写明理由；通过后转提供单位答复。", "A rejection needs its reason; a pass sends the request to the provider.";
    sh_submit_conformity: "提交审核结论", "Record the check";
    sh_opinion: "审核意见", "Opinion";
    sh_reply: "提供单位答复", "The provider's reply";
    sh_reply_reason_hint: "拒绝的须写明理由；允许部分信息项不脱敏的，也须说明理由。", "A refusal needs its reasons; fields allowed unmasked need a reason too.";
    sh_legal_basis_hint: "拒绝共享时必填：所依据的法律、法规或规定", "Required with a refusal: the law or rule it rests on";
    sh_raw_fields: "允许不脱敏提供的信息项", "Fields allowed unmasked";
    sh_raw_fields_hint: "默认 3、4 级信息项按规则脱敏；勾选的信息项将原样提供。", "Grade 3 and 4 fields are masked by rule; the ticked ones are given as they are.";
    sh_submit_reply: "提交答复", "Send the reply";
    sh_dispute: "对拒绝提出异议", "Dispute the refusal";
    sh_dispute_hint: "提出异议后，由数据主管部门协调处理并作出决定。", "The data authority then coordinates and decides.";
    sh_dispute_reason: "异议理由", "Why you dispute it";
    sh_submit_dispute: "提出异议", "Dispute";
    sh_coordination: "异议协调", "Coordination";
    sh_coord_approve: "同意共享（按申请授权，按规则脱敏）", "Approve (grant as requested, masked by rule)";
    sh_coord_refuse: "维持拒绝", "The refusal stands";
    sh_submit_coordination: "提交协调决定", "Record the decision";
    sh_coord_opinion: "协调意见", "The decision's reasons";
    sh_grants_title: "共享授权", "Grants";
    sh_grants_lead: "同意共享后生成的授权：可使用的信息项、用途、期限和调用配额。提供单位或数据主管部门可说明理由暂停、恢复或撤销授权；期限届满自动失效。", "What an approval lets a unit read: the fields, the purpose, the period and the quota. The provider or the data authority can suspend, resume or revoke one with a reason; it expires by itself.";
    sh_no_grants: "暂无共享授权", "No grants";
    sh_granted_fields: "授权信息项", "Fields";
    sh_status_reason: "状态变更", "Status change";
    sh_granted_by: "授权", "Granted";
    sh_change_reason: "理由", "Reason";
    sh_change_hint: "在下一次调用时生效；撤销后不可恢复。", "Takes effect on the next call; a revocation is final.";
    sh_suspend: "暂停", "Suspend";
    sh_resume: "恢复", "Resume";
    sh_revoke: "撤销", "Revoke";
    sh_object_link: "对读取的记录提出异议", "Object to a record read";
    sh_em_title: "突发事件临时调整", "Emergency reclassification";
    sh_em_lead: "突发事件应对期间，数据主管部门可临时上调资源的共享属性（不予共享→有条件共享，有条件共享→无条件共享）；事件结束或到期后自动恢复，期间的数据使用可追溯至该事件。", "During a public emergency the data authority may raise resources' share classes one step (not shared → conditional, conditional → unconditional); they revert by themselves when it ends, and what was read under it stays traceable to it.";
    sh_em_in_force_now: "正在生效的临时调整", "In force now";
    sh_em_in_force_note: "生效期间，共享决定按上调后的属性执行。", "While in force, sharing decisions follow the raised classes.";
    sh_em_none: "暂无突发事件临时调整", "No emergencies";
    sh_em_in_force: "生效中", "In force";
    sh_em_scheduled: "未开始", "Scheduled";
    sh_em_ended: "已结束", "Ended";
    sh_em_ordered_by: "决定机关", "Ordered by";
    sh_em_ordered_hint: "如：澜江市突发公共卫生事件应急指挥部", "e.g. the city's public-health emergency headquarters";
    sh_em_span: "起止时间", "Span";
    sh_em_ended_at: "提前结束", "Ended early";
    sh_em_declared_by: "发布人", "Declared by";
    sh_em_raise: "共享属性调整", "Class raised";
    sh_em_end: "结束临时调整", "End it now";
    sh_em_end_reason: "结束理由", "Why it ends";
    sh_em_end_hint: "结束后调整的属性立即恢复。", "The raised classes revert at once.";
    sh_em_declare: "发布临时调整", "Declare an emergency";
    sh_em_name: "事件名称", "Name";
    sh_em_basis_hint: "如：《中华人民共和国突发事件应对法》及本市应急预案", "e.g. the Emergency Response Law and the city's plan";
    sh_em_starts: "开始时间", "Starts";
    sh_em_ends: "结束时间", "Ends";
    sh_em_time_hint: "北京时间；开始时间不填即为现在", "Beijing time; blank start means now";
    sh_em_raises: "调整的资源", "Resources raised";
    sh_em_raised_to: "调整为", "Raised to";
    sh_em_choose_resource: "（不选）", "(none)";
    sh_em_raise_hint: "每项资源只能上调一级。", "Each resource can only be raised one step.";
    sh_em_declare_button: "发布", "Declare";
    sh_obj_title: "数据异议", "Objections";
    sh_obj_lead: "使用者认为共享数据有误时可提出异议，说明理由和证明材料；异议处理期间记录标记为「有异议」。提供单位须在时限内核实，更正数据或说明核实无误。", "A reader who believes a record wrong can object, with the reason and evidence; the record is marked disputed until the provider answers. The provider checks it within the deadline and corrects the record or confirms it with an explanation.";
    sh_obj_view_provider: "本单位数据收到的异议", "On my unit's data";
    sh_obj_view_mine: "我提出的异议", "Filed by me";
    sh_obj_view_all: "全部异议", "All";
    sh_obj_none: "暂无数据异议", "No objections";
    sh_obj_key: "记录主键", "Record key";
    sh_obj_key_hint: "主键：", "Key: ";
    sh_obj_reason: "异议理由", "Reason";
    sh_obj_evidence: "证明材料", "Evidence";
    sh_obj_evidence_hint: "文书编号、情况说明或链接", "A document number, a description or a link";
    sh_obj_filed: "提出", "Filed";
    sh_obj_complex: "情况复杂", "Complex case";
    sh_obj_outcome: "答复", "Answer";
    sh_obj_batch: "更正数据的批次", "The correcting batch";
    sh_obj_answer: "答复异议", "Answer";
    sh_obj_corrected: "已更正（数据已通过汇聚更新）", "Corrected (a new version came in through aggregation)";
    sh_obj_confirmed: "经核实无误", "Confirmed as correct";
    sh_obj_explanation: "答复说明", "Explanation";
    sh_obj_answer_hint: "选择「已更正」前，须先通过数据汇聚提交更正后的记录。", "Before answering 「corrected」, send the corrected record through aggregation.";
    sh_obj_answer_button: "提交答复", "Send the answer";
    sh_obj_mark_complex: "标记为情况复杂（延长时限）", "Mark as complex (longer deadline)";
    sh_obj_complex_reason: "情况复杂的理由", "Why it is complex";
    sh_obj_complex_hint: "办理时限按「情况复杂」规则从提出之日重新计算。", "The deadline is counted again from the day it was filed, under the complex-case rule.";
    sh_obj_new: "提出数据异议", "Object to a record";
    sh_obj_new_lead: "说明记录哪里有误并提供证明材料。提出后该记录对所有使用者标记为「有异议」，直到提供单位答复。", "Say what is wrong with the record and give evidence. The record is then marked disputed for every reader until the provider answers.";
    sh_obj_file: "提交异议", "File the objection";
    sh_home_title: "数据共享", "Data sharing";
    sh_home_waiting: "待办理的共享环节", "Steps waiting on me";
    sh_home_waiting_title: "待办理的共享环节（逾期在前）", "Steps waiting on me (overdue first)";
    sh_home_escalated: "逾期升级", "Escalated: overdue steps";
    sh_home_no_escalated: "没有逾期的共享环节", "No overdue steps";
    sh_home_objections: "待核实的数据异议", "Objections to check";
    sh_home_mine: "本单位在办的共享申请", "My unit's requests in progress";
    sh_home_nothing: "没有待办理的共享环节", "Nothing waiting";
    sh_home_open: "进入数据共享", "Open data sharing";
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
        "resource_created" => ("资源已保存为草稿", "The resource was saved as a draft"),
        "resource_saved" => ("资源已保存", "The resource was saved"),
        "resource_submitted" => ("已提交审核", "The resource was submitted for review"),
        "resource_approved" => (
            "审核通过，资源已发布",
            "Approved: the resource is published",
        ),
        "resource_returned" => (
            "资源已退回提供单位修改",
            "The resource was returned for changes",
        ),
        "resource_withdrawn" => ("资源已撤销", "The resource was withdrawn"),
        "catalog_imported" => (
            "目录已导入为草稿，请逐条检查后提交审核",
            "The catalog was imported as drafts: check each and submit it for review",
        ),
        // sharing
        "share_request_filed" => (
            "共享申请已提交，等待数据主管部门合规性审核",
            "The request was filed: the data authority checks it next",
        ),
        "share_conformity_passed" => (
            "合规性审核通过，已转提供单位答复",
            "The check passed: the provider replies next",
        ),
        "share_conformity_rejected" => (
            "合规性审核未通过，申请已办结",
            "The check rejected the request",
        ),
        "share_request_approved" => ("已同意共享，授权已生成", "Approved: the grant was made"),
        "share_request_refused" => ("已拒绝共享", "The request was refused"),
        "share_request_disputed" => (
            "异议已提出，等待数据主管部门协调",
            "Disputed: the data authority coordinates",
        ),
        "share_dispute_decided" => ("协调决定已作出", "The dispute was decided"),
        "grant_suspended" => ("授权已暂停", "The grant was suspended"),
        "grant_resumed" => ("授权已恢复", "The grant was resumed"),
        "grant_revoked" => ("授权已撤销", "The grant was revoked"),
        "emergency_declared" => ("临时调整已发布", "The emergency was declared"),
        "emergency_ended" => (
            "临时调整已结束，共享属性已恢复",
            "The emergency ended: the classes reverted",
        ),
        "objection_filed" => (
            "异议已提出，记录已标记为有异议",
            "The objection was filed: the record is marked disputed",
        ),
        "objection_complex" => (
            "已标记为情况复杂，办理时限已延长",
            "Marked complex: the deadline is longer",
        ),
        "objection_answered" => ("异议已答复", "The objection was answered"),
        _ => return None,
    };
    Some(if lang == Lang::En { en } else { zh })
}
