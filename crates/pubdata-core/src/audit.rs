//! The audit entry: who did what to which target, allowed or denied. Every action records
//! exactly one (DESIGN.md §5). The closed vocabulary of actions lives here so that the log's
//! meaning cannot drift: a new action is a new variant.

use serde::{Deserialize, Serialize};

macro_rules! actions {
    ($($variant:ident => $name:literal, $zh:literal;)*) => {
        /// Every use case of the platform, named verb_noun; the same name is the audit
        /// entry's `action`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }
            pub fn label_zh(self) -> &'static str {
                match self { $(Action::$variant => $zh),* }
            }
            pub fn parse(s: &str) -> Option<Action> {
                match s { $($name => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    SignIn => "sign_in", "登录";
    SignOut => "sign_out", "退出登录";
    RegisterUser => "register_user", "公众注册";
    ChangePassword => "change_password", "修改密码";
    Authenticate => "authenticate", "身份验证";
    ViewHome => "view_home", "查看待办";
    CreateOrg => "create_org", "创建单位";
    UpdateOrg => "update_org", "修改单位";
    DisableOrg => "disable_org", "停用单位";
    EnableOrg => "enable_org", "启用单位";
    GetOrg => "get_org", "查看单位";
    ListOrgs => "list_orgs", "查询单位";
    CreateUser => "create_user", "创建用户";
    UpdateUser => "update_user", "修改用户";
    DisableUser => "disable_user", "停用用户";
    EnableUser => "enable_user", "启用用户";
    GetUser => "get_user", "查看用户";
    ListUsers => "list_users", "查询用户";
    CreateToken => "create_token", "创建令牌";
    RevokeToken => "revoke_token", "吊销令牌";
    ListTokens => "list_tokens", "查看令牌";
    ListCalendarDays => "list_calendar_days", "查看工作日历";
    SetCalendarDay => "set_calendar_day", "设置日历日";
    DeleteCalendarDay => "delete_calendar_day", "删除日历日";
    ImportCalendar => "import_calendar", "导入工作日历";
    LoadDemo => "load_demo", "载入演示数据";
    RejectRequest => "reject_request", "拒绝请求";
    ListAuditEntries => "list_audit_entries", "查看审计日志";
    GetAuditEntry => "get_audit_entry", "查看审计条目";
    CreateCheckpoint => "create_checkpoint", "签发审计树头";
    RotateAuditKey => "rotate_audit_key", "轮换审计签名密钥";
    ExportAuditLog => "export_audit_log", "导出审计日志";
    CreateResource => "create_resource", "编制目录资源";
    UpdateResource => "update_resource", "修改目录资源";
    SubmitResource => "submit_resource", "提交目录审核";
    ApproveResource => "approve_resource", "审核通过并发布目录";
    ReturnResource => "return_resource", "退回目录资源";
    WithdrawResource => "withdraw_resource", "撤销目录资源";
    GetResource => "get_resource", "查看目录资源";
    ListResourceVersions => "list_resource_versions", "查看目录版本";
    SearchResources => "search_resources", "检索目录";
    ViewResponsibilityList => "view_responsibility_list", "查看责任清单";
    ExportResponsibilityList => "export_responsibility_list", "导出责任清单";
    CheckCatalogImport => "check_catalog_import", "检查目录导入文件";
    ImportCatalog => "import_catalog", "导入目录";
    RecordDutyChange => "record_duty_change", "登记职责或依据变化";
    CloseReviewTask => "close_review_task", "办结目录更新任务";
    ListReviewTasks => "list_review_tasks", "查看目录更新任务";
    SetDeadlineRule => "set_deadline_rule", "设置时限规则";
    ListDeadlineRules => "list_deadline_rules", "查看时限规则";
    CreateSystem => "create_system", "登记政务信息系统";
    UpdateSystem => "update_system", "修改政务信息系统";
    SubmitSystem => "submit_system", "提交信息系统审核";
    ApproveSystem => "approve_system", "批准政务信息系统";
    SetSystemStatus => "set_system_status", "变更信息系统状态";
    GetSystem => "get_system", "查看政务信息系统";
    ListSystems => "list_systems", "查询政务信息系统";
    UploadBatch => "upload_batch", "上传数据批次";
    PushBatch => "push_batch", "推送数据批次";
    PullBatch => "pull_batch", "抽取数据批次";
    FailBatch => "fail_batch", "中断的数据批次标记失败";
    GetBatch => "get_batch", "查看数据批次";
    ListBatches => "list_batches", "查看数据批次列表";
    DownloadRejectedRows => "download_rejected_rows", "下载未通过校核的数据行";
    GetRecord => "get_record", "查看数据记录";
    GetRecordHistory => "get_record_history", "查看数据记录历史";
    ListRecords => "list_records", "浏览数据记录";
    PublishDataVersion => "publish_data_version", "发布数据版本";
    ListDataVersions => "list_data_versions", "查看数据版本";
    DownloadDataVersion => "download_data_version", "下载数据版本文件";
    SetAutoPublish => "set_auto_publish", "设置自动发布数据版本";
    CreatePullSource => "create_pull_source", "登记抽取数据源";
    SetPullSource => "set_pull_source", "启用或停用抽取数据源";
    ListPullSources => "list_pull_sources", "查看抽取数据源";
    ViewTimeliness => "view_timeliness", "查看数据更新及时性";
    FileShareRequest => "file_share_request", "提交共享申请";
    CheckShareConformity => "check_share_conformity", "共享申请合规性审核";
    ReplyShareRequest => "reply_share_request", "提供单位答复共享申请";
    DisputeShareRefusal => "dispute_share_refusal", "对拒绝共享提出异议";
    CoordinateShareDispute => "coordinate_share_dispute", "协调处理共享异议";
    GetShareRequest => "get_share_request", "查看共享申请";
    ListShareRequests => "list_share_requests", "查看共享申请列表";
    ListGrants => "list_grants", "查看共享授权";
    SuspendGrant => "suspend_grant", "暂停共享授权";
    ResumeGrant => "resume_grant", "恢复共享授权";
    RevokeGrant => "revoke_grant", "撤销共享授权";
    ReadSharedRecord => "read_shared_record", "共享接口按键查询记录";
    ListSharedRecords => "list_shared_records", "共享接口条件查询记录";
    DownloadSharedVersion => "download_shared_version", "共享接口下载数据文件";
    DeclareEmergency => "declare_emergency", "发布突发事件临时调整";
    EndEmergency => "end_emergency", "结束突发事件临时调整";
    ListEmergencies => "list_emergencies", "查看突发事件临时调整";
    FileObjection => "file_objection", "提出数据异议";
    MarkObjectionComplex => "mark_objection_complex", "异议标记为情况复杂";
    AnswerObjection => "answer_objection", "答复数据异议";
    ListObjections => "list_objections", "查看数据异议";
    ProposeOpening => "propose_opening", "提议开放数据";
    ApproveOpening => "approve_opening", "批准开放数据";
    ReturnOpening => "return_opening", "退回开放提议";
    GetOpenProposal => "get_open_proposal", "查看开放提议";
    ListOpenProposals => "list_open_proposals", "查看开放提议列表";
    CloseOpenDataset => "close_open_dataset", "撤回开放数据";
    ViewOpenList => "view_open_list", "查看开放清单";
    SearchOpenData => "search_open_data", "检索开放数据";
    ViewOpenDataset => "view_open_dataset", "查看开放数据集";
    DownloadOpenFile => "download_open_file", "下载开放数据文件";
    ReadOpenRecords => "read_open_records", "开放接口查询记录";
    ViewOpenStats => "view_open_stats", "查看开放统计";
    CreateDeveloperKey => "create_developer_key", "申请开发者密钥";
    FileOpenApplication => "file_open_application", "提交开放数据申请";
    CheckOpenMaterials => "check_open_materials", "开放申请材料审核";
    ReviewOpenApplication => "review_open_application", "提供单位审核开放申请";
    ExtendOpenReply => "extend_open_reply", "延长开放申请答复期限";
    GetOpenApplication => "get_open_application", "查看开放申请";
    ListOpenApplications => "list_open_applications", "查看开放申请列表";
    ListAgreements => "list_agreements", "查看开放利用协议";
    ReportOpenUse => "report_open_use", "报送数据使用情况";
    ListUseReports => "list_use_reports", "查看数据使用情况报告";
    SubmitFeedback => "submit_feedback", "提交互动交流";
    AnswerFeedback => "answer_feedback", "答复互动交流";
    GetFeedback => "get_feedback", "查看互动交流";
    ListFeedback => "list_feedback", "查看互动交流列表";
    SubmitShowcase => "submit_showcase", "提交应用成果";
    ReviewShowcase => "review_showcase", "审核应用成果";
    ListShowcase => "list_showcase", "查看应用成果";
    QueryCkanApi => "query_ckan_api", "CKAN兼容接口查询开放目录";
    ExportOpenCatalog => "export_open_catalog", "导出开放目录（DCAT-AP）";
}

/// Allowed, or refused with a stable reason code (the same `code` the caller sees).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", content = "reason", rename_all = "snake_case")]
pub enum Decision {
    Allow,
    Deny(String),
}

impl Decision {
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Deny(_) => "deny",
        }
    }
    pub fn reason(&self) -> Option<&str> {
        match self {
            Decision::Allow => None,
            Decision::Deny(r) => Some(r),
        }
    }
}

/// What an action was about: `kind/id`, e.g. `org/0193…`, `user/admin`, `calendar/2026-10-01`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target(String);

impl Target {
    pub fn new(kind: &str, id: impl std::fmt::Display) -> Target {
        Target(format!("{kind}/{id}"))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn from_stored(s: String) -> Target {
        Target(s)
    }
}

/// One audit entry as recorded. Times are Unix milliseconds (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at_ms: i64,
    pub actor_user_id: Option<String>,
    pub actor_username: Option<String>,
    pub actor_org_id: Option<String>,
    pub channel: String,
    pub action: Action,
    pub target: Option<Target>,
    pub decision: Decision,
    pub purpose: Option<String>,
    pub request_id: String,
    /// What an access released, as compact JSON written by the action (which grant, case,
    /// keys, fields, the response's SHA-256): bound into the leaf, so what was sent for which
    /// query can be proven later. None for most actions.
    pub detail: Option<String>,
}

impl AuditEntry {
    pub fn new(
        actor: &crate::Actor,
        action: Action,
        target: Option<Target>,
        decision: Decision,
        at_ms: i64,
    ) -> AuditEntry {
        AuditEntry {
            at_ms,
            actor_user_id: actor.user_id().map(str::to_owned),
            actor_username: actor.username().map(str::to_owned),
            actor_org_id: actor.org_id().map(str::to_owned),
            channel: actor.channel().as_str().to_owned(),
            action,
            target,
            decision,
            purpose: actor.purpose().map(str::to_owned),
            request_id: actor.request_id().to_owned(),
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: Option<String>) -> AuditEntry {
        self.detail = detail;
        self
    }
}

/// The version of the canonical byte form of an entry without a detail; one with a detail is
/// [`CANONICAL_VERSION_DETAIL`]. Entries of version 1 hash as they always did.
pub const CANONICAL_VERSION: u32 = 1;
/// Version 2: version 1's keys, then `"detail"` (a string) last.
pub const CANONICAL_VERSION_DETAIL: u32 = 2;

/// An entry as its canonical bytes say, with plain strings, so that an entry written by a
/// newer version (an action this build does not know) can still be read and re-hashed.
///
/// Canonical form, version 1: one JSON object, compact (no whitespace), UTF-8, keys in
/// exactly this order, every key present (`null` when absent), strings escaped as
/// serde_json escapes them (`"`, `\`, control characters; everything else raw UTF-8):
///
/// ```text
/// {"v":1,"index":…,"at_ms":…,"actor_user_id":…,"actor_username":…,"actor_org_id":…,
///  "channel":…,"action":…,"target":…,"decision":"allow"|"deny","reason":…,"purpose":…,
///  "request_id":…}
/// ```
///
/// Version 2 is the same with one more key at the end, `"detail":"<compact JSON as text>"`;
/// it is written only for entries that carry a detail (sharing reads), so version 1 bytes
/// never change.
///
/// The index is part of the bytes so that a moved or dropped entry cannot hash the same in
/// another place. The leaf hash of the Merkle log is SHA-256(0x00 ‖ these bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanonicalEntry {
    pub v: u32,
    pub index: u64,
    pub at_ms: i64,
    pub actor_user_id: Option<String>,
    pub actor_username: Option<String>,
    pub actor_org_id: Option<String>,
    pub channel: String,
    pub action: String,
    pub target: Option<String>,
    pub decision: String,
    pub reason: Option<String>,
    pub purpose: Option<String>,
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Why bytes are not an entry in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    #[error("not a canonical audit entry: {0}")]
    Malformed(String),
    #[error("canonical form version {0} is not known to this build")]
    UnknownVersion(u32),
    #[error("the bytes parse, but are not in canonical form (order, spacing or escaping differ)")]
    NotCanonical,
}

impl CanonicalEntry {
    /// Parses bytes that must be exactly the canonical form: re-encoding gives them back.
    pub fn parse(bytes: &[u8]) -> Result<CanonicalEntry, CanonicalError> {
        let e: CanonicalEntry =
            serde_json::from_slice(bytes).map_err(|e| CanonicalError::Malformed(e.to_string()))?;
        match (e.v, &e.detail) {
            (CANONICAL_VERSION, None) | (CANONICAL_VERSION_DETAIL, Some(_)) => {}
            (CANONICAL_VERSION | CANONICAL_VERSION_DETAIL, _) => {
                return Err(CanonicalError::NotCanonical);
            }
            (v, _) => return Err(CanonicalError::UnknownVersion(v)),
        }
        if e.to_bytes() != bytes {
            return Err(CanonicalError::NotCanonical);
        }
        Ok(e)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("strings and integers always serialize")
    }

    /// The typed entry, if this build knows its action and decision.
    pub fn to_entry(&self) -> Option<AuditEntry> {
        let decision = match (self.decision.as_str(), &self.reason) {
            ("allow", None) => Decision::Allow,
            ("deny", Some(r)) => Decision::Deny(r.clone()),
            _ => return None,
        };
        Some(AuditEntry {
            at_ms: self.at_ms,
            actor_user_id: self.actor_user_id.clone(),
            actor_username: self.actor_username.clone(),
            actor_org_id: self.actor_org_id.clone(),
            channel: self.channel.clone(),
            action: Action::parse(&self.action)?,
            target: self.target.clone().map(Target),
            decision,
            purpose: self.purpose.clone(),
            request_id: self.request_id.clone(),
            detail: self.detail.clone(),
        })
    }
}

impl AuditEntry {
    /// The entry as the log's leaf `index`: see [`CanonicalEntry`] for the form.
    pub fn canonical(&self, index: u64) -> CanonicalEntry {
        CanonicalEntry {
            v: if self.detail.is_some() {
                CANONICAL_VERSION_DETAIL
            } else {
                CANONICAL_VERSION
            },
            index,
            at_ms: self.at_ms,
            actor_user_id: self.actor_user_id.clone(),
            actor_username: self.actor_username.clone(),
            actor_org_id: self.actor_org_id.clone(),
            channel: self.channel.clone(),
            action: self.action.as_str().to_owned(),
            target: self.target.as_ref().map(|t| t.0.clone()),
            decision: self.decision.as_str().to_owned(),
            reason: self.decision.reason().map(str::to_owned),
            purpose: self.purpose.clone(),
            request_id: self.request_id.clone(),
            detail: self.detail.clone(),
        }
    }

    pub fn canonical_bytes(&self, index: u64) -> Vec<u8> {
        self.canonical(index).to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AuditEntry {
        AuditEntry {
            at_ms: 1_780_000_000_123,
            actor_user_id: Some("0193a000-0000-7000-8000-000000000001".into()),
            actor_username: Some("water_steward".into()),
            actor_org_id: Some("0193a000-0000-7000-8000-00000000000a".into()),
            channel: "api".into(),
            action: Action::CreateUser,
            target: Some(Target::new("user", "0193a000-0000-7000-8000-000000000002")),
            decision: Decision::Deny("other_org".into()),
            purpose: Some("核对\"供水\"户号\n第二行".into()),
            request_id: "0193a0000000700080000000000000ff".into(),
            detail: None,
        }
    }

    /// The canonical form is what outsiders hash: a change to it must be deliberate (a new
    /// version), never a side effect. This golden file fails on any accidental change.
    #[test]
    fn canonical_bytes_match_the_golden_file() {
        let golden = include_bytes!("../testdata/audit-entry-v1.json");
        let golden = golden.strip_suffix(b"\n").unwrap_or(golden);
        assert_eq!(
            String::from_utf8_lossy(&sample().canonical_bytes(42)),
            String::from_utf8_lossy(golden)
        );
    }

    #[test]
    fn version_2_bytes_match_their_golden_file() {
        let golden = include_bytes!("../testdata/audit-entry-v2.json");
        let golden = golden.strip_suffix(b"\n").unwrap_or(golden);
        let e = sample().with_detail(Some(
            r#"{"basis":"grant","keys":["k|1"],"sha256":"ab"}"#.into(),
        ));
        assert_eq!(
            String::from_utf8_lossy(&e.canonical_bytes(42)),
            String::from_utf8_lossy(golden)
        );
    }

    #[test]
    fn canonical_bytes_parse_back_to_the_same_entry() {
        let bytes = sample().canonical_bytes(7);
        let c = CanonicalEntry::parse(&bytes).unwrap();
        assert_eq!(c.index, 7);
        assert_eq!(c.to_entry().unwrap(), sample());
        let allow = AuditEntry {
            decision: Decision::Allow,
            target: None,
            ..sample()
        };
        let c = CanonicalEntry::parse(&allow.canonical_bytes(0)).unwrap();
        assert_eq!(c.to_entry().unwrap(), allow);
    }

    #[test]
    fn an_entry_with_a_detail_is_version_2_with_the_detail_last() {
        let e = sample().with_detail(Some(r#"{"sha256":"ab"}"#.into()));
        let bytes = String::from_utf8(e.canonical_bytes(3)).unwrap();
        assert!(bytes.starts_with("{\"v\":2,\"index\":3,"), "{bytes}");
        assert!(
            bytes.ends_with(r#","detail":"{\"sha256\":\"ab\"}"}"#),
            "{bytes}"
        );
        let c = CanonicalEntry::parse(bytes.as_bytes()).unwrap();
        assert_eq!(c.to_entry().unwrap(), e);
        // The same entry without it is version 1 and hashes differently.
        assert_ne!(sample().canonical_bytes(3), e.canonical_bytes(3));
    }

    #[test]
    fn bytes_that_are_not_canonical_are_refused() {
        let bytes = String::from_utf8(sample().canonical_bytes(7)).unwrap();
        let spaced = bytes.replacen(",", ", ", 1);
        assert_eq!(
            CanonicalEntry::parse(spaced.as_bytes()),
            Err(CanonicalError::NotCanonical)
        );
        let reordered = bytes.replacen("{\"v\":1,\"index\":7,", "{\"index\":7,\"v\":1,", 1);
        assert_eq!(
            CanonicalEntry::parse(reordered.as_bytes()),
            Err(CanonicalError::NotCanonical)
        );
        let v2 = bytes.replacen("{\"v\":1,", "{\"v\":2,", 1);
        assert_eq!(
            CanonicalEntry::parse(v2.as_bytes()),
            Err(CanonicalError::NotCanonical),
            "version 2 needs a detail"
        );
        let v3 = bytes.replacen("{\"v\":1,", "{\"v\":3,", 1);
        assert_eq!(
            CanonicalEntry::parse(v3.as_bytes()),
            Err(CanonicalError::UnknownVersion(3))
        );
        let detail_in_v1 = bytes.replacen("}", ",\"detail\":\"{}\"}", 1);
        assert_eq!(
            CanonicalEntry::parse(detail_in_v1.as_bytes()),
            Err(CanonicalError::NotCanonical),
            "version 1 has no detail"
        );
        let extra = bytes.replacen("{\"v\":1,", "{\"v\":1,\"x\":0,", 1);
        assert!(matches!(
            CanonicalEntry::parse(extra.as_bytes()),
            Err(CanonicalError::Malformed(_))
        ));
    }

    #[test]
    fn action_names_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(
                seen.insert(a.as_str()),
                "duplicate action name {}",
                a.as_str()
            );
            assert_eq!(Action::parse(a.as_str()), Some(*a));
        }
    }
}
