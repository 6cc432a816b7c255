//! Opening (开放) to society: the vocabulary of proposals, the open list, conditional
//! applications and their agreements, and public interaction; `review.rs` is the security
//! review a proposal must pass (personal data, grades, k-anonymity).
//!
//! The regulations' shape (Jinan arts. 26–30, Guiyang): a steward proposes to open a
//! published resource, or a view of it, as `unconditional` or `conditional`; a security review
//! runs first and the authority approves only what passed it; what is open is on the open
//! list (开放清单). Unconditional data is downloaded by anyone; conditional data by those whose
//! application the authority checked and the provider approved, under an agreement.

pub mod review;

use crate::catalog::vocab::vocab;
use serde::{Deserialize, Serialize};

vocab! {
    /// Where a proposal to open a resource stands.
    ProposalStatus {
        Proposed => "proposed", "待审核", "Awaiting the authority";
        Returned => "returned", "已退回", "Returned";
        Approved => "approved", "已批准开放", "Approved";
        Superseded => "superseded", "已被新提议替代", "Superseded";
    }
}

vocab! {
    /// Where an application for conditional data stands.
    ApplicationStatus {
        Materials => "materials", "待材料审核", "Awaiting the materials check";
        Review => "review", "待提供单位审核", "Awaiting the provider's review";
        Approved => "approved", "已同意", "Approved";
        Refused => "refused", "提供单位不同意", "Refused by the provider";
        Rejected => "rejected", "材料审核未通过", "Rejected at the materials check";
    }
}

impl ApplicationStatus {
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ApplicationStatus::Materials | ApplicationStatus::Review
        )
    }
}

vocab! {
    /// The steps of an application, each due under a deadline rule.
    ApplicationStep {
        Materials => "materials", "材料审核（数据主管部门）", "Materials check (authority)";
        Review => "review", "提供单位审核", "Provider's review";
    }
}

impl ApplicationStep {
    pub fn rule_key(self) -> &'static str {
        match self {
            ApplicationStep::Materials => OPEN_MATERIALS_RULE,
            ApplicationStep::Review => OPEN_REPLY_RULE,
        }
    }
}

/// The authority checks an application's materials within this rule's working days.
pub const OPEN_MATERIALS_RULE: &str = "open_materials";
/// The provider replies within this rule's working days of receiving the application.
pub const OPEN_REPLY_RULE: &str = "open_reply";
/// The provider may extend its reply once, by this rule's working days, saying why.
pub const OPEN_EXTENSION_RULE: &str = "open_reply_extension";
/// Public interaction is answered within this rule's working days.
pub const FEEDBACK_RULE: &str = "feedback_answer";
/// A use report is due within this rule's working days after its month ends.
pub const USE_REPORT_RULE: &str = "open_use_report";

vocab! {
    /// Kinds of public interaction (互动交流).
    FeedbackKind {
        DataRequest => "data_request", "需求征集", "Data request";
        ErrorReport => "error_report", "数据纠错", "Error report";
        Suggestion => "suggestion", "意见建议", "Suggestion";
        Complaint => "complaint", "投诉举报", "Complaint or report";
    }
}

vocab! {
    FeedbackStatus {
        Open => "open", "待答复", "Awaiting an answer";
        Answered => "answered", "已答复", "Answered";
    }
}

vocab! {
    /// An application built on open data, shown once reviewed.
    ShowcaseStatus {
        Submitted => "submitted", "待审核", "Awaiting review";
        Shown => "shown", "已展示", "Shown";
        Rejected => "rejected", "未通过", "Not shown";
    }
}

vocab! {
    /// The formats an open dataset is downloaded in.
    OpenFormat {
        Csv => "csv", "CSV", "CSV";
        Parquet => "parquet", "Parquet", "Parquet";
        Json => "json", "JSON", "JSON";
    }
}

impl OpenFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            OpenFormat::Csv => "text/csv; charset=utf-8",
            OpenFormat::Parquet => "application/vnd.apache.parquet",
            OpenFormat::Json => "application/json",
        }
    }
}

/// The URL-safe name of the open dataset of a resource, stable for its life: its code with
/// dashes (`2/02/006/0001` → `2-02-006-0001`). CKAN's rule (lowercase letters, digits, `-`
/// and `_`, 2–100 characters) holds for every valid code.
pub fn dataset_name(resource_code: &str) -> String {
    resource_code.replace('/', "-")
}

/// The licence every open dataset carries unless the proposal names another.
pub const DEFAULT_LICENCE: &str = "CC-BY-4.0";

/// The licences a proposal may choose, with their titles.
pub const LICENCES: &[(&str, &str)] = &[
    ("CC-BY-4.0", "知识共享署名 4.0 国际（CC BY 4.0）"),
    ("CC0-1.0", "知识共享零 1.0 通用（CC0 1.0）"),
    ("ODC-BY-1.0", "开放数据共享署名许可 1.0（ODC-By）"),
];

/// The security commitment (安全承诺书) an applicant for conditional data accepts; its
/// version is stored with the acceptance, so a later change of the text does not rewrite
/// what someone agreed to.
pub const COMMITMENT_VERSION: &str = "2026-1";
pub const COMMITMENT_TEXT: &str = "本人（本单位）承诺：仅在申请所述目的和场景内使用所获取的公共数据；\
不以任何方式尝试识别特定自然人，不将数据与其他数据关联以重新识别个人；\
采取必要的技术和管理措施保障数据安全，发生数据泄露等安全事件时立即采取补救措施并报告数据提供单位和数据主管部门；\
未经同意不向第三方提供、转让或公开原始数据；按期报送数据使用情况和成果；\
协议期满或终止后删除所获取的数据；违反承诺的，承担相应法律责任。";

/// What an agreement obliges its holder to, shown with it.
pub const AGREEMENT_OBLIGATIONS: &str = "仅限协议所列目的、场景和信息项使用；不得识别特定自然人；\
不得向第三方提供原始数据；每月结束后10个工作日内报送使用情况和成果；期满后删除数据。";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_names_are_ckan_names() {
        let n = dataset_name("2/02/006/0001");
        assert_eq!(n, "2-02-006-0001");
        assert!(
            n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        );
    }

    #[test]
    fn vocabularies_parse_their_names_and_labels() {
        assert_eq!(FeedbackKind::parse("纠错"), None);
        assert_eq!(
            FeedbackKind::parse("数据纠错"),
            Some(FeedbackKind::ErrorReport)
        );
        assert_eq!(
            ApplicationStep::Review.rule_key(),
            "open_reply",
            "the provider's reply follows its own rule"
        );
        assert_eq!(OpenFormat::parse("parquet"), Some(OpenFormat::Parquet));
    }
}
