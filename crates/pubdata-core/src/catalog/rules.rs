//! The rules a catalog entry must keep (编制指南 and the regulations' share/open rules).
//! Each broken rule is a [`Violation`] whose `code` names the rule; the action refuses the
//! entry with the first one's code and lists them all.

use super::{Category, Field, IdentifierKind, OpenAttr, ResourceDoc, ShareAttr};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The input path: `share_condition`, `fields[2].code`, …
    pub field: String,
    pub code: &'static str,
    pub message_zh: String,
    pub message_en: String,
}

fn v(
    field: impl Into<String>,
    code: &'static str,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> Violation {
    Violation {
        field: field.into(),
        code,
        message_zh: zh.into(),
        message_en: en.into(),
    }
}

pub const MAX_FIELDS: usize = 500;
pub const MAX_TAGS: usize = 20;

/// Checks the code's form `分类码/顺序码`: class digit 1–3, item 2 digits, catalogue 3 digits,
/// sequence 4 to 6 digits.
pub fn code_is_well_formed(code: &str) -> bool {
    let parts: Vec<&str> = code.split('/').collect();
    let digits = |s: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    parts.len() == 4
        && matches!(parts[0], "1" | "2" | "3")
        && digits(parts[1], 2, 2)
        && digits(parts[2], 3, 3)
        && digits(parts[3], 4, 6)
}

/// A field code becomes a column name in the record store: lower-case ASCII letter first,
/// then letters, digits or `_`, at most 63 bytes (PostgreSQL's limit).
pub fn field_code_is_well_formed(code: &str) -> bool {
    let mut b = code.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_lowercase())
        && code.len() <= 63
        && b.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// What a field's name or code says it holds, when it looks like an identifier.
pub fn looks_like_identifier(f: &Field) -> Option<IdentifierKind> {
    let name = f.name.as_str();
    let code = f.code.to_ascii_lowercase();
    if name.contains("身份证")
        || name.contains("公民身份号码")
        || name.contains("身份号码")
        || ["sfzh", "id_card", "idcard", "citizen_id", "id_number"]
            .iter()
            .any(|c| code.contains(c))
    {
        Some(IdentifierKind::CitizenId)
    } else if name.contains("统一社会信用代码")
        || name.contains("社会信用代码")
        || ["uscc", "tyshxydm", "credit_code"]
            .iter()
            .any(|c| code.contains(c))
    {
        Some(IdentifierKind::Uscc)
    } else {
        None
    }
}

fn text(
    out: &mut Vec<Violation>,
    field: &str,
    code: &'static str,
    value: &str,
    min: usize,
    max: usize,
    (zh, en): (&str, &str),
) {
    let n = value.chars().count();
    if n < min || n > max {
        out.push(if min > 0 {
            v(
                field,
                code,
                format!("{zh}不能为空且不超过{max}字"),
                format!("{en} must be 1 to {max} characters"),
            )
        } else {
            v(
                field,
                code,
                format!("{zh}不超过{max}字"),
                format!("{en} must be at most {max} characters"),
            )
        });
    }
}

/// Every rule the entry breaks, the share/open rules first (they name the regulation's
/// rules, which the caller most needs to see).
pub fn check(doc: &ResourceDoc) -> Vec<Violation> {
    let mut out = Vec::new();

    match doc.share_attr {
        ShareAttr::Conditional if doc.share_condition.is_empty() => out.push(v(
            "share_condition",
            "share_condition_required",
            "有条件共享的资源须写明共享条件",
            "a conditionally shared resource needs its share condition",
        )),
        ShareAttr::NotShared => {
            if doc.share_legal_basis.is_empty() {
                out.push(v(
                    "share_legal_basis",
                    "share_legal_basis_required",
                    "不予共享的资源须写明法律、行政法规或政策依据",
                    "a resource that is not shared needs the legal basis for it",
                ));
            }
            if doc.open_attr != OpenAttr::NotOpen {
                out.push(v(
                    "open_attr",
                    "not_shared_must_not_open",
                    "不予共享的资源不得开放",
                    "a resource that is not shared cannot be open",
                ));
            }
        }
        _ => {}
    }
    if doc.share_attr != ShareAttr::NotShared && doc.share_methods.is_empty() {
        out.push(v(
            "share_methods",
            "share_methods_required",
            "须选择至少一种共享方式（接口、文件、库表）",
            "choose at least one share method (api, file, table)",
        ));
    }
    if doc.open_attr == OpenAttr::Conditional && doc.open_condition.is_empty() {
        out.push(v(
            "open_condition",
            "open_condition_required",
            "有条件开放的资源须写明开放条件",
            "a conditionally open resource needs its open condition",
        ));
    }

    if doc.fields.is_empty() {
        out.push(v(
            "fields",
            "fields_required",
            "须至少有一个信息项",
            "a resource needs at least one field",
        ));
    } else if doc.aggregated && doc.key_fields().next().is_none() {
        out.push(v(
            "fields",
            "key_field_required",
            "汇聚到平台的资源须至少有一个主键信息项",
            "a resource aggregated into the platform needs at least one key field",
        ));
    }
    if doc.fields.len() > MAX_FIELDS {
        out.push(v(
            "fields",
            "too_many_fields",
            format!("信息项不超过{MAX_FIELDS}个"),
            format!("at most {MAX_FIELDS} fields"),
        ));
    }
    let mut codes = std::collections::HashSet::new();
    let mut names = std::collections::HashSet::new();
    for (i, f) in doc.fields.iter().enumerate() {
        let at = |part: &str| format!("fields[{i}].{part}");
        text(
            &mut out,
            &at("name"),
            "invalid_field_name",
            &f.name,
            1,
            100,
            ("信息项名称", "field name"),
        );
        if !field_code_is_well_formed(&f.code) {
            out.push(v(
                at("code"),
                "invalid_field_code",
                format!("信息项代码“{}”须以小写字母开头，只含小写字母、数字和下划线，不超过63个字符", f.code),
                format!("field code {:?} must start with a lower-case letter and hold only a-z, 0-9 and _, at most 63", f.code),
            ));
        } else if !codes.insert(f.code.as_str()) {
            out.push(v(
                at("code"),
                "duplicate_field_code",
                format!("信息项代码“{}”重复", f.code),
                format!("field code {:?} appears twice", f.code),
            ));
        }
        if !f.name.is_empty() && !names.insert(f.name.as_str()) {
            out.push(v(
                at("name"),
                "duplicate_field_name",
                format!("信息项名称“{}”重复", f.name),
                format!("field name {:?} appears twice", f.name),
            ));
        }
        if !(1..=4).contains(&f.grade) {
            out.push(v(
                at("grade"),
                "invalid_grade",
                "分级应为1至4级",
                "grade must be 1 to 4",
            ));
        }
        if f.identifier.is_none() {
            if let Some(kind) = looks_like_identifier(f) {
                out.push(v(
                    at("identifier"),
                    "identifier_kind_required",
                    format!("信息项“{}”看来存放{}，须声明标识类型 {}，汇聚时才能逐条校验", f.name, kind.label_zh(), kind.as_str()),
                    format!("field {:?} looks like it holds {}s: declare identifier {} so that aggregation checks them", f.name, kind.label_en(), kind.as_str()),
                ));
            }
        } else if f.field_type != super::FieldType::C {
            out.push(v(
                at("type"),
                "identifier_must_be_text",
                "标识类信息项的数据类型须为字符型（C），否则前导零与校验位会丢失",
                "an identifier field must be of type C (text), or leading zeros and check characters are lost",
            ));
        }
        if let Some(why) = crate::aggregation::check::rule_problem(f) {
            out.push(v(
                at("rules"),
                "invalid_field_rules",
                format!("信息项“{}”的取值规则无法使用：{why}", f.name),
                format!(
                    "the value rules of field {:?} cannot be used: {why}",
                    f.name
                ),
            ));
        }
        text(
            &mut out,
            &at("description"),
            "invalid_field_description",
            &f.description,
            0,
            500,
            ("信息项说明", "field description"),
        );
    }

    if !code_is_well_formed(&doc.code) {
        out.push(v(
            "code",
            "invalid_resource_code",
            "资源代码应为“分类码/顺序码”：类1位（1基础、2主题、3部门）/项2位/目3位/顺序号4至6位，如 1/01/002/0001",
            "resource code must be class (1 digit: 1 basic, 2 thematic, 3 departmental) / item (2) / catalogue (3) / sequence (4-6 digits), e.g. 1/01/002/0001",
        ));
    } else if !doc.code.starts_with(doc.category.digit()) {
        out.push(v(
            "code",
            "code_category_mismatch",
            format!(
                "资源代码的类码应为 {}（{}）",
                doc.category.digit(),
                doc.category.label_zh()
            ),
            format!(
                "the code's class digit must be {} ({})",
                doc.category.digit(),
                doc.category.label_en()
            ),
        ));
    }
    text(
        &mut out,
        "name",
        "invalid_name",
        &doc.name,
        1,
        100,
        ("资源名称", "name"),
    );
    text(
        &mut out,
        "summary",
        "invalid_summary",
        &doc.summary,
        1,
        2000,
        ("资源摘要", "summary"),
    );
    text(
        &mut out,
        "theme",
        "invalid_theme",
        &doc.theme,
        0,
        50,
        ("主题", "theme"),
    );
    text(
        &mut out,
        "share_condition",
        "invalid_share_condition",
        &doc.share_condition,
        0,
        1000,
        ("共享条件", "share condition"),
    );
    text(
        &mut out,
        "share_legal_basis",
        "invalid_share_legal_basis",
        &doc.share_legal_basis,
        0,
        1000,
        ("不予共享依据", "legal basis"),
    );
    text(
        &mut out,
        "open_condition",
        "invalid_open_condition",
        &doc.open_condition,
        0,
        1000,
        ("开放条件", "open condition"),
    );
    if doc.provider_org_id.is_empty() {
        out.push(v(
            "provider_org_id",
            "provider_required",
            "须指定提供单位",
            "the providing unit is required",
        ));
    }
    if !(1..=4).contains(&doc.grade) {
        out.push(v(
            "grade",
            "invalid_grade",
            "分级应为1至4级",
            "grade must be 1 to 4",
        ));
    } else if let Some(top) = doc
        .fields
        .iter()
        .map(|f| f.grade)
        .filter(|g| (1..=4).contains(g))
        .max()
        && doc.grade < top
    {
        out.push(v(
            "grade",
            "grade_below_fields",
            format!(
                "资源分级（{}级）不得低于其信息项的最高分级（{top}级）",
                doc.grade
            ),
            format!(
                "the resource's grade ({}) cannot be below its highest field grade ({top})",
                doc.grade
            ),
        ));
    }
    if doc.tags.len() > MAX_TAGS || doc.tags.iter().any(|t| t.chars().count() > 30) {
        out.push(v(
            "tags",
            "invalid_tags",
            format!("标签不超过{MAX_TAGS}个，每个不超过30字"),
            format!("at most {MAX_TAGS} tags of at most 30 characters"),
        ));
    }
    if let Some(d) = &doc.release_date
        && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err()
    {
        out.push(v(
            "release_date",
            "invalid_release_date",
            "发布日期应为 YYYY-MM-DD",
            "release date must be YYYY-MM-DD",
        ));
    }
    out
}

/// The category a code's class digit names.
pub fn category_of_code(code: &str) -> Option<Category> {
    Category::ALL
        .iter()
        .copied()
        .find(|c| code.starts_with(c.digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::*;

    pub(crate) fn sample() -> ResourceDoc {
        ResourceDoc {
            code: "1/01/002/0001".into(),
            name: "企业登记信息".into(),
            summary: "市场主体登记的基本信息".into(),
            provider_org_id: "org-1".into(),
            category: Category::Basic,
            theme: "法人".into(),
            format: ResourceFormat::Database,
            update_cycle: UpdateCycle::Daily,
            share_attr: ShareAttr::Unconditional,
            share_condition: String::new(),
            share_legal_basis: String::new(),
            share_methods: vec![ShareMethod::Api],
            open_attr: OpenAttr::Unconditional,
            open_condition: String::new(),
            grade: 2,
            tags: vec!["企业".into()],
            release_date: None,
            related_resource_ids: vec![],
            system_id: None,
            aggregated: true,
            fields: vec![
                Field {
                    name: "统一社会信用代码".into(),
                    code: "uscc".into(),
                    field_type: FieldType::C,
                    is_key: true,
                    identifier: Some(IdentifierKind::Uscc),
                    sensitive: false,
                    grade: 1,
                    required: true,
                    description: String::new(),
                    rules: Default::default(),
                },
                Field {
                    name: "企业名称".into(),
                    code: "name".into(),
                    field_type: FieldType::C,
                    is_key: false,
                    identifier: None,
                    sensitive: false,
                    grade: 2,
                    required: true,
                    description: String::new(),
                    rules: Default::default(),
                },
            ],
        }
    }

    fn codes(doc: &ResourceDoc) -> Vec<&'static str> {
        check(doc).into_iter().map(|v| v.code).collect()
    }

    #[test]
    fn a_good_entry_keeps_every_rule() {
        assert_eq!(codes(&sample()), Vec::<&str>::new());
    }

    #[test]
    fn share_and_open_rules() {
        let mut d = sample();
        d.share_attr = ShareAttr::Conditional;
        assert_eq!(codes(&d), ["share_condition_required"]);
        d.share_condition = "用于市场监管".into();
        assert!(codes(&d).is_empty());

        let mut d = sample();
        d.share_attr = ShareAttr::NotShared;
        d.normalize();
        assert_eq!(
            codes(&d),
            ["share_legal_basis_required", "not_shared_must_not_open"]
        );
        d.share_legal_basis = "《中华人民共和国统计法》第二十五条".into();
        d.open_attr = OpenAttr::NotOpen;
        assert!(codes(&d).is_empty(), "not shared needs no share method");

        let mut d = sample();
        d.open_attr = OpenAttr::Conditional;
        assert_eq!(codes(&d), ["open_condition_required"]);
        d.share_methods.clear();
        d.open_condition = "签署协议".into();
        assert_eq!(codes(&d), ["share_methods_required"]);
    }

    #[test]
    fn keys_identifiers_and_grades() {
        let mut d = sample();
        d.fields[0].is_key = false;
        assert_eq!(codes(&d), ["key_field_required"]);
        d.aggregated = false;
        assert!(
            codes(&d).is_empty(),
            "a resource not aggregated needs no key"
        );

        let mut d = sample();
        d.fields[0].identifier = None;
        assert_eq!(codes(&d), ["identifier_kind_required"]);
        d.fields[0].name = "法定代表人身份证号".into();
        d.fields[0].code = "legal_rep".into();
        let c = check(&d);
        assert_eq!(c[0].code, "identifier_kind_required");
        assert!(
            c[0].message_en.contains("citizen_id"),
            "{}",
            c[0].message_en
        );

        let mut d = sample();
        d.fields[0].field_type = FieldType::N;
        assert_eq!(codes(&d), ["identifier_must_be_text"]);

        let mut d = sample();
        d.fields[1].grade = 3;
        assert_eq!(codes(&d), ["grade_below_fields"]);
        d.grade = 3;
        assert!(codes(&d).is_empty());
        d.grade = 5;
        assert_eq!(codes(&d), ["invalid_grade"]);
    }

    #[test]
    fn codes_of_resources_and_fields() {
        for good in ["1/01/002/0001", "3/99/999/123456", "2/00/000/0000"] {
            assert!(code_is_well_formed(good), "{good}");
        }
        for bad in [
            "4/01/002/0001",
            "1/1/002/0001",
            "1/01/02/0001",
            "1/01/002/001",
            "1/01/002/0001/1",
            "1-01-002-0001",
            "",
            "1/01/002/１２３４",
        ] {
            assert!(!code_is_well_formed(bad), "{bad}");
        }
        let mut d = sample();
        d.category = Category::Thematic;
        assert_eq!(codes(&d), ["code_category_mismatch"]);

        for good in ["uscc", "a", "reg_date2"] {
            assert!(field_code_is_well_formed(good), "{good}");
        }
        for bad in ["", "Uscc", "1a", "_a", "a-b", "名称", &"a".repeat(64)] {
            assert!(!field_code_is_well_formed(bad), "{bad}");
        }
        let mut d = sample();
        d.fields[1].code = "uscc".into();
        assert_eq!(
            codes(&d),
            ["duplicate_field_code", "identifier_kind_required"],
            "a code that says uscc is taken for one"
        );
        d.fields[1].code = "name".into();
        d.fields[1].name = "统一社会信用代码".into();
        d.fields[1].identifier = Some(IdentifierKind::Uscc);
        assert_eq!(codes(&d), ["duplicate_field_name"]);
    }

    #[test]
    fn normalize_tidies_without_changing_meaning() {
        let mut d = sample();
        d.name = "  企业登记信息 ".into();
        d.tags = vec![" 企业".into(), "".into(), "企业".into(), "法人".into()];
        d.share_methods = vec![ShareMethod::File, ShareMethod::Api, ShareMethod::File];
        d.fields[1].is_key = true;
        d.fields[1].required = false;
        d.normalize();
        assert_eq!(d.name, "企业登记信息");
        assert_eq!(d.tags, ["企业", "法人"]);
        assert_eq!(d.share_methods, [ShareMethod::Api, ShareMethod::File]);
        assert!(d.fields[1].required, "a key is always required");
    }
}
