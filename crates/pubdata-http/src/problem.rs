//! Errors over HTTP: `application/problem+json` (RFC 9457) with a stable `code` and a message
//! in the caller's language (zh-CN by default, English by `Accept-Language`). Every code the
//! platform answers with is in [`CODES`] once, with its meaning in both languages.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pubdata_app::ActionError;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// zh-CN unless the caller prefers English.
    pub fn from_headers(h: &HeaderMap) -> Lang {
        let v = h
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let first = v
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if first.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

/// code → (Chinese, English)
pub const CODES: &[(&str, &str, &str)] = &[
    ("invalid_input", "输入有误", "The input is invalid"),
    (
        "invalid_uscc",
        "统一社会信用代码有误",
        "The unified social credit code is invalid",
    ),
    (
        "weak_password",
        "密码不符合要求",
        "The password does not meet the rules",
    ),
    ("invalid_date", "日期有误", "The date is invalid"),
    (
        "invalid_calendar",
        "日历数据有误",
        "The calendar data is invalid",
    ),
    (
        "malformed_json",
        "请求体不是合法的 JSON",
        "The request body is not valid JSON",
    ),
    (
        "invalid_json_fields",
        "请求体字段有误",
        "The request body has wrong or unknown fields",
    ),
    (
        "unsupported_media_type",
        "请求体应为 application/json",
        "The request body must be application/json",
    ),
    (
        "body_too_large",
        "请求体过大",
        "The request body is too large",
    ),
    (
        "bad_query",
        "查询参数有误",
        "The query parameters are invalid",
    ),
    ("not_signed_in", "请先登录", "Sign in first"),
    (
        "bad_credentials",
        "用户名或密码错误",
        "Wrong username or password",
    ),
    (
        "account_locked",
        "登录失败次数过多，账号已临时锁定",
        "Too many failed sign-ins: the account is locked for a while",
    ),
    ("account_disabled", "账号已停用", "The account is disabled"),
    (
        "session_invalid",
        "会话无效，请重新登录",
        "The session is not valid: sign in again",
    ),
    (
        "session_expired",
        "会话已超时，请重新登录",
        "The session timed out: sign in again",
    ),
    ("token_invalid", "令牌无效", "The token is not valid"),
    ("token_revoked", "令牌已吊销", "The token has been revoked"),
    ("token_expired", "令牌已过期", "The token has expired"),
    (
        "csrf_failed",
        "表单已失效，请刷新页面后重试",
        "The form expired: reload the page and try again",
    ),
    (
        "role_required",
        "当前角色无权执行此操作",
        "Your role does not allow this",
    ),
    (
        "other_org",
        "无权操作其他单位的数据",
        "This belongs to another unit",
    ),
    (
        "read_only_token",
        "只读令牌不能执行修改操作",
        "A read-only token cannot change anything",
    ),
    (
        "role_not_grantable",
        "无权授予该角色",
        "You may not grant that role",
    ),
    ("org_not_found", "单位不存在", "No such unit"),
    ("user_not_found", "用户不存在", "No such user"),
    ("token_not_found", "令牌不存在", "No such token"),
    (
        "calendar_day_not_found",
        "日历中没有该日期",
        "That day is not in the calendar",
    ),
    ("not_found", "页面不存在", "Not found"),
    (
        "uscc_taken",
        "该统一社会信用代码已被其他单位使用",
        "Another unit has this credit code",
    ),
    (
        "org_name_taken",
        "已有同名单位",
        "A unit with this name exists",
    ),
    ("username_taken", "用户名已被使用", "The username is taken"),
    (
        "token_already_revoked",
        "令牌已吊销",
        "The token was already revoked",
    ),
    (
        "cannot_disable_self",
        "不能停用自己的账号",
        "You cannot disable your own account",
    ),
    (
        "demo_not_empty",
        "数据目录不为空，不能载入演示数据",
        "The data directory is not empty",
    ),
    (
        "index_beyond_size",
        "条目序号超出树的大小",
        "The index is not below the tree size",
    ),
    (
        "tree_size_beyond_log",
        "树的大小超出审计日志的条目数",
        "The tree size is beyond the end of the audit log",
    ),
    (
        "first_after_second",
        "first 不能大于 second",
        "first must not be greater than second",
    ),
    (
        "end_before_start",
        "end 不能小于 start",
        "end must not be less than start",
    ),
    (
        "end_beyond_log",
        "end 超出审计日志的条目数",
        "end is beyond the end of the audit log",
    ),
    (
        "bad_format",
        "format 应为 text 或 json",
        "format must be text or json",
    ),
    ("bad_cursor", "分页游标有误", "The cursor is not valid"),
    (
        "audit_entry_not_found",
        "审计条目不存在",
        "No such audit entry",
    ),
    (
        "share_condition_required",
        "有条件共享的资源须写明共享条件",
        "A conditionally shared resource needs its share condition",
    ),
    (
        "share_legal_basis_required",
        "不予共享的资源须写明法律依据",
        "A resource that is not shared needs its legal basis",
    ),
    (
        "not_shared_must_not_open",
        "不予共享的资源不得开放",
        "A resource that is not shared cannot be open",
    ),
    (
        "share_methods_required",
        "须选择至少一种共享方式",
        "Choose at least one share method",
    ),
    (
        "open_condition_required",
        "有条件开放的资源须写明开放条件",
        "A conditionally open resource needs its open condition",
    ),
    (
        "fields_required",
        "须至少有一个信息项",
        "A resource needs at least one field",
    ),
    (
        "key_field_required",
        "汇聚到平台的资源须至少有一个主键信息项",
        "A resource aggregated into the platform needs a key field",
    ),
    ("too_many_fields", "信息项过多", "Too many fields"),
    (
        "invalid_field_name",
        "信息项名称有误",
        "A field name is invalid",
    ),
    (
        "invalid_field_code",
        "信息项代码有误",
        "A field code is invalid",
    ),
    (
        "duplicate_field_code",
        "信息项代码重复",
        "A field code appears twice",
    ),
    (
        "duplicate_field_name",
        "信息项名称重复",
        "A field name appears twice",
    ),
    ("invalid_grade", "分级应为1至4级", "Grades are 1 to 4"),
    (
        "identifier_kind_required",
        "存放身份证号或统一社会信用代码的信息项须声明标识类型",
        "A field holding ID numbers or credit codes must declare its identifier kind",
    ),
    (
        "identifier_must_be_text",
        "标识类信息项须为字符型",
        "An identifier field must be of type C",
    ),
    (
        "invalid_field_description",
        "信息项说明过长",
        "A field description is too long",
    ),
    (
        "invalid_resource_code",
        "资源代码格式有误",
        "The resource code is malformed",
    ),
    (
        "code_category_mismatch",
        "资源代码的类码与资源分类不符",
        "The code's class digit does not match the category",
    ),
    ("invalid_summary", "资源摘要有误", "The summary is invalid"),
    ("invalid_theme", "主题有误", "The theme is invalid"),
    (
        "invalid_share_condition",
        "共享条件过长",
        "The share condition is too long",
    ),
    (
        "invalid_share_legal_basis",
        "不予共享依据过长",
        "The legal basis is too long",
    ),
    (
        "invalid_open_condition",
        "开放条件过长",
        "The open condition is too long",
    ),
    (
        "provider_required",
        "须指定提供单位",
        "The providing unit is required",
    ),
    (
        "grade_below_fields",
        "资源分级低于其信息项的最高分级",
        "The resource's grade is below its fields' highest grade",
    ),
    ("invalid_tags", "标签有误", "The tags are invalid"),
    (
        "invalid_release_date",
        "发布日期有误",
        "The release date is invalid",
    ),
    (
        "unknown_provider",
        "提供单位不存在或已停用",
        "No such providing unit, or it is disabled",
    ),
    (
        "unknown_system",
        "来源系统不存在或不属于提供单位",
        "No such source system of the providing unit",
    ),
    (
        "unknown_related_resource",
        "关联资源不存在",
        "No such related resource",
    ),
    (
        "resource_code_taken",
        "资源代码已被其他资源使用",
        "Another resource has this code",
    ),
    ("resource_not_found", "目录资源不存在", "No such resource"),
    (
        "resource_under_review",
        "资源正在审核中，审核结束前不能修改",
        "The resource is under review and cannot change until it is decided",
    ),
    (
        "resource_withdrawn",
        "资源已撤销",
        "The resource has been withdrawn",
    ),
    (
        "not_submittable",
        "只有草稿或已退回的资源可以提交审核",
        "Only a draft or returned resource can be submitted",
    ),
    (
        "not_under_review",
        "资源不在待审核状态",
        "The resource is not awaiting review",
    ),
    (
        "already_withdrawn",
        "资源已撤销",
        "The resource was already withdrawn",
    ),
    ("reason_required", "须写明理由", "A reason is required"),
    ("unknown_version", "没有该版本", "No such version"),
    ("invalid_cursor", "分页游标有误", "The cursor is invalid"),
    (
        "invalid_sort",
        "排序方式应为 relevance 或 updated",
        "sort must be relevance or updated",
    ),
    (
        "review_task_not_found",
        "目录更新任务不存在",
        "No such review task",
    ),
    (
        "invalid_resolution",
        "办结方式有误",
        "The resolution is invalid",
    ),
    ("invalid_note", "说明过长", "The note is too long"),
    (
        "review_task_closed",
        "任务已办结",
        "The task is already closed",
    ),
    (
        "deadline_rule_not_found",
        "时限规则不存在",
        "No such deadline rule",
    ),
    (
        "system_not_found",
        "政务信息系统不存在",
        "No such information system",
    ),
    (
        "system_name_taken",
        "本单位已有同名系统",
        "The unit already has a system of this name",
    ),
    (
        "unknown_resource",
        "资源不存在或不属于本单位",
        "No such resource of the unit",
    ),
    ("unknown_owner", "所属单位不存在", "No such owning unit"),
    (
        "owner_fixed",
        "系统的所属单位不能更改",
        "A system's owning unit cannot change",
    ),
    ("system_retired", "系统已停用", "The system is retired"),
    (
        "system_wrong_status",
        "系统当前状态不能进行此操作",
        "The system's status does not allow this",
    ),
    (
        "system_declares_no_resources",
        "系统未登记其产生的数据资源，不予批准",
        "The system declares no resources, so it is not approved",
    ),
    (
        "system_resources_unpublished",
        "系统产生的资源尚未全部编目发布，不予批准",
        "Some of the system's resources are not published in the catalog, so it is not approved",
    ),
    ("invalid_status", "状态有误", "The status is invalid"),
    (
        "missing_columns",
        "导入文件缺少必需的列",
        "The file lacks required columns",
    ),
    (
        "duplicate_columns",
        "导入文件有重复的列",
        "The file has a column twice",
    ),
    (
        "no_data_rows",
        "导入文件没有数据行",
        "The file has no data rows",
    ),
    ("empty_file", "文件为空", "The file is empty"),
    (
        "unsupported_file",
        "文件不是 CSV 或 XLSX",
        "The file is not CSV or XLSX",
    ),
    (
        "unknown_encoding",
        "无法识别文件编码（支持 UTF-8、GBK、GB18030）",
        "The file's encoding is not UTF-8, GBK or GB18030",
    ),
    (
        "xlsx_too_large",
        "XLSX 文件解压后过大或声明的区域过大",
        "The XLSX file unpacks too large or declares too large a range",
    ),
    ("invalid_xlsx", "XLSX 文件已损坏", "The XLSX file is broken"),
    (
        "invalid_csv",
        "CSV 文件格式有误",
        "The CSV file is malformed",
    ),
    ("no_header", "文件没有表头行", "The file has no header row"),
    (
        "too_many_rows",
        "文件行数超过上限",
        "The file has too many rows",
    ),
    (
        "import_has_errors",
        "文件有错误，未导入任何资源",
        "The file has errors: nothing was imported",
    ),
    (
        "invalid_import_mode",
        "导入方式应为 check、import_all 或 import_good",
        "mode must be check, import_all or import_good",
    ),
    (
        "invalid_export_format",
        "导出格式应为 json、csv 或 xlsx",
        "format must be json, csv or xlsx",
    ),
    ("internal_error", "服务器内部错误", "Internal server error"),
    // aggregation
    (
        "resource_not_published",
        "资源尚未发布，不能汇聚数据或发布版本",
        "The resource is not published: it takes no data and no versions",
    ),
    (
        "no_records",
        "该资源还没有数据记录",
        "The resource has no records yet",
    ),
    ("batch_not_found", "数据批次不存在", "No such batch"),
    (
        "record_not_found",
        "数据记录不存在（或在该时间点尚不存在）",
        "No such record (or not at that time)",
    ),
    (
        "version_not_found",
        "数据版本不存在",
        "No such data version",
    ),
    (
        "version_file_not_found",
        "该版本没有此格式的文件",
        "The version has no file in that format",
    ),
    (
        "version_file_missing",
        "版本文件在文件存储中缺失，请联系平台管理员",
        "The version's file is missing from the file store",
    ),
    (
        "version_published_meanwhile",
        "同时有另一个版本发布，请刷新后重试",
        "Another version was published at the same time; try again",
    ),
    (
        "invalid_as_of",
        "时间点格式有误",
        "The as_of time is invalid",
    ),
    ("no_rows", "文件中没有数据行", "The file holds no data rows"),
    (
        "all_rows_rejected",
        "所有数据行都未通过校核",
        "Every row was rejected",
    ),
    (
        "unknown_field",
        "含有资源没有的信息项",
        "Fields the resource does not have",
    ),
    (
        "field_type_changed",
        "信息项的数据类型已与已存数据不同",
        "A field's type differs from the stored data's",
    ),
    (
        "invalid_field_rules",
        "信息项的取值规则无法使用",
        "A field's value rules cannot be used",
    ),
    (
        "batch_not_running",
        "批次已结束",
        "The batch is no longer running",
    ),
    (
        "pull_source_not_found",
        "抽取数据源不存在",
        "No such pull source",
    ),
    (
        "unsupported_source_kind",
        "不支持的数据源类型",
        "Unsupported kind of source",
    ),
    (
        "invalid_mapping",
        "列对应关系格式有误",
        "The column mapping is invalid",
    ),
    ("file_required", "请选择要上传的文件", "A file is required"),
    (
        "file_too_large",
        "文件超过上传大小上限",
        "The file is larger than the upload limit",
    ),
    (
        "invalid_multipart",
        "上传的表单数据有误",
        "The multipart body is invalid",
    ),
    (
        "interrupted",
        "平台中断，批次未写入任何数据",
        "Interrupted: nothing of the batch was written",
    ),
    (
        "empty_header",
        "文件没有表头行",
        "The file has no header row",
    ),
    (
        "duplicate_column",
        "表头中有重复的列",
        "A column appears twice in the header",
    ),
    (
        "missing_key_column",
        "缺少主键信息项的列（文件是否属于该资源？）",
        "A key field has no column (is the file for this resource?)",
    ),
    (
        "missing_required_column",
        "缺少必填信息项的列",
        "A required field has no column",
    ),
    (
        "unknown_column",
        "对应关系中的列不在文件中",
        "The mapping names a column the file does not have",
    ),
    ("io", "读取文件失败", "The file could not be read"),
    (
        "legacy_xls",
        "不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV",
        "Legacy .xls is not supported: save as .xlsx or CSV",
    ),
    (
        "not_a_table",
        "文件不是 CSV 或 XLSX 表格",
        "The file is not a CSV or XLSX table",
    ),
    (
        "undecodable_header",
        "表头无法按所选编码解码",
        "The header cannot be decoded in the chosen encoding",
    ),
    (
        "row_too_large",
        "某一行过大（引号未闭合？）",
        "A row is too large (an unclosed quote?)",
    ),
    (
        "merged_cells",
        "表格含有合并单元格，请取消合并后上传",
        "The sheet has merged cells: unmerge them first",
    ),
    (
        "invalid_spec",
        "数据源配置有误",
        "The pull source is misconfigured",
    ),
    (
        "connect_failed",
        "无法连接数据源",
        "Cannot connect to the source",
    ),
    (
        "connection_lost",
        "与数据源的连接中断",
        "The connection to the source was lost",
    ),
    (
        "unknown_table",
        "数据源中没有该表",
        "The source has no such table",
    ),
    (
        "unorderable_column",
        "游标列无法排序",
        "The cursor column cannot be ordered",
    ),
    (
        "permission_denied",
        "数据源拒绝访问",
        "The source refused access",
    ),
    (
        "query_timeout",
        "数据源查询超时",
        "The source query timed out",
    ),
    ("query_failed", "数据源查询失败", "The source query failed"),
    (
        "purpose_required",
        "缺少用途说明（X-Purpose）",
        "A purpose is required (X-Purpose)",
    ),
    (
        "not_shared",
        "该资源不予共享",
        "This resource is not shared",
    ),
    ("grant_required", "需要共享授权", "A grant is required"),
    (
        "grant_suspended",
        "共享授权已暂停",
        "The grant is suspended",
    ),
    ("grant_revoked", "共享授权已撤销", "The grant is revoked"),
    ("grant_expired", "共享授权已到期", "The grant has expired"),
    (
        "grant_not_started",
        "共享授权尚未生效",
        "The grant has not started",
    ),
    (
        "emergency_ended",
        "突发事件临时调整已结束",
        "The emergency has ended",
    ),
    ("over_quota", "超出调用配额", "Over the call quota"),
    (
        "own_resource",
        "本单位资源无需申请",
        "A unit's own resource needs no request",
    ),
    (
        "commitment_required",
        "须接受安全保密承诺",
        "The commitment must be accepted",
    ),
    ("invalid_period", "期限无效", "Invalid period"),
    ("period_in_past", "期限已过", "The period is in the past"),
    ("duplicate_field", "信息项重复", "A field is named twice"),
    (
        "raw_field_not_granted",
        "不脱敏信息项不在申请范围内",
        "A raw field is not among those requested",
    ),
    (
        "raw_reason_required",
        "不脱敏提供须说明理由",
        "Unmasked fields need a reason",
    ),
    ("invalid_rate", "调用频率无效", "Invalid rate"),
    ("invalid_decision", "结论无效", "Invalid decision"),
    ("invalid_outcome", "答复结论无效", "Invalid outcome"),
    (
        "legal_basis_required",
        "须说明法律依据",
        "A legal basis is required",
    ),
    (
        "share_request_not_found",
        "共享申请不存在",
        "No such share request",
    ),
    (
        "share_request_not_at_this_step",
        "共享申请不在此环节",
        "The share request is not at this step",
    ),
    (
        "share_request_not_refused",
        "只有被拒绝的申请可以提出异议",
        "Only a refused request can be disputed",
    ),
    ("grant_not_found", "共享授权不存在", "No such grant"),
    (
        "grant_not_suspended",
        "共享授权未暂停",
        "The grant is not suspended",
    ),
    ("emergency_not_found", "突发事件不存在", "No such emergency"),
    (
        "raise_not_allowed",
        "只能上调一级共享属性",
        "A class can only be raised one step",
    ),
    (
        "raises_required",
        "须列出调整的资源",
        "Name the resources to raise",
    ),
    (
        "duplicate_resource",
        "资源重复列出",
        "A resource is listed twice",
    ),
    ("invalid_time", "时间格式无效", "Invalid time"),
    ("objection_not_found", "数据异议不存在", "No such objection"),
    (
        "objection_answered",
        "数据异议已答复",
        "The objection has been answered",
    ),
    (
        "objection_already_complex",
        "已标记为情况复杂",
        "Already marked complex",
    ),
    (
        "record_not_corrected",
        "记录尚未通过汇聚更正",
        "The record has not been corrected through aggregation",
    ),
    (
        "filter_not_granted",
        "只能按授权的信息项查询",
        "Filters may use granted fields only",
    ),
    ("invalid_filter", "查询条件无效", "Invalid filter"),
    ("invalid_view", "视图无效", "Invalid view"),
    // opening
    ("not_open", "该数据不予开放", "This data is not open"),
    (
        "api_key_required",
        "开放数据接口需要开发者密钥",
        "The open records API needs a developer key",
    ),
    (
        "agreement_required",
        "有条件开放数据须经申请并签订开放利用协议",
        "Conditional open data needs an agreement in force",
    ),
    ("invalid_open_attr", "开放类型无效", "Invalid open class"),
    (
        "open_class_exceeds_catalog",
        "开放类型不能超出目录的开放属性",
        "The open class exceeds the catalog's",
    ),
    (
        "mask_field_not_opened",
        "脱敏的信息项不在开放范围内",
        "A masked field is not opened",
    ),
    ("unknown_mask", "脱敏规则无效", "Unknown mask rule"),
    ("invalid_conditions", "开放条件无效", "Invalid conditions"),
    ("unknown_licence", "开放许可无效", "Unknown licence"),
    ("invalid_min_k", "k 值无效", "Invalid k"),
    (
        "no_data_version",
        "资源尚无已发布的数据版本",
        "The resource has no published data version",
    ),
    ("proposal_not_found", "开放提议不存在", "No such proposal"),
    (
        "proposal_not_pending",
        "开放提议不在待审核状态",
        "The proposal is not awaiting a decision",
    ),
    (
        "security_review_failed",
        "开放安全审查未通过，不能批准",
        "The security review failed: it cannot be approved",
    ),
    (
        "dataset_not_found",
        "开放数据集不存在",
        "No such open dataset",
    ),
    (
        "invalid_search_query",
        "检索语句有误（q、fq 或 sort）",
        "The search query (q, fq or sort) is invalid",
    ),
    (
        "invalid_ckan_parameter",
        "CKAN 接口参数有误",
        "A CKAN API parameter is invalid",
    ),
    (
        "invalid_datastore_query",
        "数据存储查询参数有误",
        "A DataStore query parameter is invalid",
    ),
    (
        "unknown_ckan_action",
        "不支持该 CKAN 接口动作",
        "No such CKAN API action",
    ),
    (
        "organization_not_found",
        "机构不存在",
        "No such organization",
    ),
    (
        "invalid_page",
        "页码或每页条数有误（须为正整数，每页至多 1000 条）",
        "The page or page size is invalid (a positive integer, at most 1000 per page)",
    ),
    ("group_not_found", "主题分组不存在", "No such group"),
    ("action_not_found", "接口动作不存在", "No such action"),
    (
        "dataset_not_open",
        "数据集不在开放清单中",
        "The dataset is not open",
    ),
    (
        "version_not_open",
        "该版本未通过开放安全审查，暂不开放",
        "This version failed the security review and is not open",
    ),
    (
        "key_not_for_dataset",
        "该密钥仅限其协议所列数据集",
        "This key is limited to its agreement's dataset",
    ),
    (
        "filter_not_opened",
        "只能按开放的信息项查询",
        "Filters may use opened fields only",
    ),
    (
        "filter_on_masked_field",
        "不能按脱敏的信息项查询",
        "Masked fields cannot filter",
    ),
    (
        "no_open_version",
        "尚无开放的数据版本",
        "No open version yet",
    ),
    ("invalid_format", "文件格式无效", "Invalid format"),
    ("invalid_reason", "理由无效", "Invalid reason"),
    ("invalid_name", "名称无效", "Invalid name"),
    // public interaction and the showcase
    ("invalid_kind", "类型无效", "Invalid kind"),
    (
        "invalid_text",
        "内容不能为空且不超过4000字",
        "The text must be 1 to 4000 characters",
    ),
    (
        "contact_required",
        "未登录提交须留下联系方式（不公开）",
        "A contact is required when not signed in (never shown)",
    ),
    ("invalid_contact", "联系方式过长", "The contact is too long"),
    (
        "dataset_required",
        "数据纠错须指明数据集",
        "An error report names its dataset",
    ),
    (
        "record_key_not_allowed",
        "只有数据纠错可以指明记录",
        "Only an error report names a record",
    ),
    (
        "invalid_record_key",
        "记录主键过长",
        "The record key is too long",
    ),
    (
        "invalid_answer",
        "答复内容不能为空且不超过4000字",
        "The answer must be 1 to 4000 characters",
    ),
    (
        "feedback_not_found",
        "互动交流事项不存在",
        "No such feedback item",
    ),
    ("already_answered", "该事项已答复", "Already answered"),
    (
        "answer_through_objection",
        "该纠错已转为数据异议，请在数据异议中答复",
        "This error report is an objection on its record: answer the objection",
    ),
    (
        "invalid_url",
        "访问地址应为以 http:// 或 https:// 开头的网址",
        "The address must be an http:// or https:// URL",
    ),
    (
        "datasets_required",
        "须选择应用使用的开放数据集",
        "Name the open datasets the application uses",
    ),
    ("too_many_datasets", "数据集过多", "Too many datasets"),
    ("showcase_not_found", "应用不存在", "No such application"),
    (
        "showcase_already_reviewed",
        "该应用已审核",
        "The application has already been reviewed",
    ),
    ("invalid_title", "名称有误", "The title is invalid"),
    (
        "invalid_description",
        "简介有误",
        "The description is invalid",
    ),
    // conditional opening
    (
        "not_conditional",
        "该数据集为无条件开放，无需申请",
        "The dataset is open without conditions; no application is needed",
    ),
    (
        "open_application_pending",
        "已有一份该数据集的申请正在办理",
        "An application for this dataset is already under way",
    ),
    (
        "open_application_not_found",
        "开放申请不存在",
        "Application not found",
    ),
    (
        "open_application_not_at_this_step",
        "申请不在此办理环节",
        "The application is not at this step",
    ),
    (
        "reply_already_extended",
        "答复期限已延长过一次",
        "The reply has already been extended once",
    ),
    (
        "agreement_not_found",
        "开放利用协议不存在",
        "Agreement not found",
    ),
    (
        "not_agreement_holder",
        "不是该协议的持有人",
        "Not the holder of this agreement",
    ),
    (
        "agreement_not_in_force",
        "协议不在有效期内",
        "The agreement is not in force",
    ),
    (
        "agreement_limits_fields",
        "协议限定了信息项，请通过开放数据接口按协议信息项获取",
        "The agreement names fewer fields: read them through the records API",
    ),
    (
        "invalid_report_period",
        "报告月份不在可报送范围内",
        "The month cannot be reported on",
    ),
    (
        "use_report_exists",
        "该月份的使用情况已报送",
        "This month has already been reported",
    ),
];

pub fn title(code: &str, lang: Lang) -> &'static str {
    let (zh, en) = CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| (*zh, *en))
        .unwrap_or(("请求失败", "Request failed"));
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

pub fn status_of(e: &ActionError) -> StatusCode {
    match e {
        ActionError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        ActionError::BadRequest("body_too_large" | "file_too_large") => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        ActionError::BadRequest("unsupported_media_type") => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ActionError::BadRequest(_) => StatusCode::BAD_REQUEST,
        ActionError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ActionError::Forbidden(_) => StatusCode::FORBIDDEN,
        ActionError::NotFound(_) => StatusCode::NOT_FOUND,
        ActionError::Conflict(_) => StatusCode::CONFLICT,
        ActionError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        ActionError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An action's error as it goes out.
pub struct Problem {
    pub error: ActionError,
    pub lang: Lang,
    pub request_id: String,
    /// Extra detail (e.g. the JSON parser's message); the title otherwise.
    pub detail: Option<String>,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = status_of(&self.error);
        let code = self.error.code();
        let title = title(code, self.lang);
        let mut body = json!({
            "type": format!("https://pubdata.invalid/problems/{code}"),
            "title": title,
            "status": status.as_u16(),
            "detail": self.detail.clone().unwrap_or_else(|| title.to_owned()),
            "code": code,
            "request_id": self.request_id,
        });
        if let ActionError::Invalid { errors, .. } = &self.error {
            body["errors"] = errors
                .iter()
                .map(|f| {
                    let message = if self.lang == Lang::En {
                        &f.message_en
                    } else {
                        &f.message_zh
                    };
                    json!({"field": f.field, "code": f.code, "message": message})
                })
                .collect();
            if self.detail.is_none()
                && let Some(f) = errors.first()
            {
                body["detail"] = json!(if self.lang == Lang::En {
                    &f.message_en
                } else {
                    &f.message_zh
                });
            }
        }
        let mut res = (status, body.to_string()).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            "application/problem+json".parse().expect("static"),
        );
        if let ActionError::TooManyRequests { retry_after, .. } = &self.error {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(*retry_after));
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, "Bearer".parse().expect("static"));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_code_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for (c, zh, en) in super::CODES {
            assert!(seen.insert(*c), "{c} twice");
            assert!(!zh.is_empty() && !en.is_empty());
        }
    }
}
