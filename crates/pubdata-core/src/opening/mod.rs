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
pub mod solr;

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

/// A licence's canonical address (its deed), for CKAN's `license_url` and DCAT's
/// `dct:license`.
pub fn licence_url(id: &str) -> Option<&'static str> {
    Some(match id {
        "CC-BY-4.0" => "https://creativecommons.org/licenses/by/4.0/",
        "CC0-1.0" => "https://creativecommons.org/publicdomain/zero/1.0/",
        "ODC-BY-1.0" => "https://opendatacommons.org/licenses/by/1-0/",
        _ => return None,
    })
}

/// A unit's URL-safe name (a CKAN organization's `name`, the tail of a publisher's IRI): its
/// unified social credit code in lower case, which never changes while the unit exists.
pub fn org_name(uscc: &str) -> String {
    uscc.to_ascii_lowercase()
}

/// A theme's URL-safe name (a CKAN group's `name`): its pinyin, syllables joined by `-`
/// (`交通出行` → `jiao-tong-chu-xing`); Latin letters and digits are kept in lower case,
/// anything else separates words. Homophones collide; [`theme_names`] settles them.
pub fn theme_slug(theme: &str) -> String {
    use pinyin::ToPinyin;
    let mut words: Vec<String> = Vec::new();
    let mut latin = String::new();
    for c in theme.chars() {
        if c.is_ascii_alphanumeric() {
            latin.push(c.to_ascii_lowercase());
            continue;
        }
        if !latin.is_empty() {
            words.push(std::mem::take(&mut latin));
        }
        if let Some(p) = c.to_pinyin() {
            words.push(p.plain().to_owned());
        }
    }
    if !latin.is_empty() {
        words.push(latin);
    }
    let mut slug = words.join("-");
    slug.truncate(90);
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.len() < 2 {
        // Nothing readable to spell it with: a name from its bytes, stable all the same.
        use sha2::Digest;
        let h = sha2::Sha256::digest(theme.as_bytes());
        format!("theme-{:02x}{:02x}{:02x}{:02x}", h[0], h[1], h[2], h[3])
    } else {
        slug
    }
}

/// Every theme's URL-safe name: its [`theme_slug`], and for homophones after the first (in
/// sorted order of the themes) `-2`, `-3`…
pub fn theme_names<'a>(
    themes: impl IntoIterator<Item = &'a str>,
) -> std::collections::BTreeMap<String, String> {
    let sorted: std::collections::BTreeSet<&str> = themes.into_iter().collect();
    let mut taken: std::collections::HashMap<String, usize> = Default::default();
    sorted
        .into_iter()
        .map(|t| {
            let slug = theme_slug(t);
            let n = taken.entry(slug.clone()).or_default();
            *n += 1;
            let name = if *n == 1 { slug } else { format!("{slug}-{n}") };
            (t.to_owned(), name)
        })
        .collect()
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
    fn themes_and_units_get_stable_ckan_names() {
        assert_eq!(theme_slug("交通出行"), "jiao-tong-chu-xing");
        assert_eq!(theme_slug("GIS 地图2"), "gis-di-tu-2");
        assert!(theme_slug("·").starts_with("theme-") && theme_slug("·").len() == 14);
        let names = theme_names(["城市建设", "成始建设", "交通出行", "交通出行"]);
        assert_eq!(names.len(), 3);
        // 城市建设 sorts first (U+57CE < U+6210), so it keeps the plain name.
        assert_eq!(names["城市建设"], "cheng-shi-jian-she");
        assert_eq!(names["成始建设"], "cheng-shi-jian-she-2");
        assert_eq!(org_name("91110000600037341L"), "91110000600037341l");
        for n in names.values() {
            assert!(n.len() >= 2 && n.len() <= 100);
            assert!(
                n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
        }
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
