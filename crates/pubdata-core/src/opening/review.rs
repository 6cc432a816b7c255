//! The security review (安全审查) that runs on data proposed for opening, before the authority
//! may approve it (Jinan arts. 26–30; issue 8):
//!
//! - every field kept as it is must not hold personal data — by what its name says, or by what
//!   its sample values look like (ID numbers that pass GB 11643, mobile numbers, bank cards
//!   that pass Luhn, plates, addresses);
//! - fields of grade 3 or 4 must be removed or masked;
//! - over the fields the steward marks as quasi-identifiers, the smallest group of records
//!   sharing their values must hold at least `min_k` records (k-anonymity), and the share of
//!   records in smaller groups is reported.
//!
//! Pure: the caller passes the fields, what the proposal does with each, and the rows as they
//! will be opened (already masked where the proposal masks).

use crate::catalog::Field;
use crate::masking::Mask;
use serde::Serialize;
use std::collections::HashMap;

/// What the proposal does with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "mask")]
pub enum Treatment {
    Keep,
    Mask(#[serde(serialize_with = "mask_name")] Mask),
    Remove,
}

fn mask_name<S: serde::Serializer>(m: &Mask, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.as_str())
}

/// The k-anonymity threshold when the authority sets none.
pub const DEFAULT_MIN_K: usize = 5;

/// Share of a sample's non-empty values that must look like personal data for the field to
/// be taken as holding it.
const VALUE_SHARE: f64 = 0.5;

/// Why a review fails, each naming the field or the group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "code")]
pub enum ReviewProblem {
    /// A field kept as it is holds personal data (by its name or its values).
    PersonalDataUnmasked {
        field: String,
        kind: &'static str,
        by: &'static str,
    },
    /// A field of grade 3 or 4 is kept as it is.
    SensitiveFieldKept { field: String, grade: u8 },
    /// The quasi-identifiers single out groups smaller than `min_k`.
    GroupTooSmall {
        fields: Vec<String>,
        k: usize,
        min_k: usize,
        records_below: usize,
        share_below: f64,
    },
    /// A quasi-identifier that the proposal removes or that the resource does not have.
    UnknownQuasiIdentifier { field: String },
}

impl ReviewProblem {
    pub fn code(&self) -> &'static str {
        match self {
            ReviewProblem::PersonalDataUnmasked { .. } => "personal_data_unmasked",
            ReviewProblem::SensitiveFieldKept { .. } => "sensitive_field_kept",
            ReviewProblem::GroupTooSmall { .. } => "group_too_small",
            ReviewProblem::UnknownQuasiIdentifier { .. } => "unknown_quasi_identifier",
        }
    }
}

/// One field as the review saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldCheck {
    pub field: String,
    pub grade: u8,
    pub treatment: Treatment,
    /// Personal data its name says it holds.
    pub named: Option<&'static str>,
    /// Personal data its sample values look like, with the share that do.
    pub looks_like: Option<(&'static str, f64)>,
}

/// The stored result of a review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecurityReview {
    pub passed: bool,
    pub sample_rows: usize,
    pub fields: Vec<FieldCheck>,
    pub quasi_identifiers: Vec<String>,
    pub min_k: usize,
    /// The smallest group over the quasi-identifiers (None without quasi-identifiers or rows).
    pub k: Option<usize>,
    pub problems: Vec<ReviewProblem>,
}

/// What a value looks like, if it looks like personal data.
pub fn looks_like(value: &str) -> Option<Mask> {
    let v = value.trim();
    let digits = v.chars().all(|c| c.is_ascii_digit());
    if v.chars().count() == 18 && crate::identifiers::CitizenId::parse(v).is_ok() {
        return Some(Mask::CitizenId);
    }
    let mobile = v
        .strip_prefix("+86")
        .unwrap_or(v)
        .trim_start_matches([' ', '-']);
    if mobile.len() == 11
        && mobile.chars().all(|c| c.is_ascii_digit())
        && mobile.starts_with('1')
        && matches!(mobile.as_bytes()[1], b'3'..=b'9')
    {
        return Some(Mask::Mobile);
    }
    if digits && (16..=19).contains(&v.len()) && luhn(v) {
        return Some(Mask::BankCard);
    }
    if plate(v) {
        return Some(Mask::Plate);
    }
    if address(v) {
        return Some(Mask::Address);
    }
    None
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// 京A12345, 粤B·D12345 (new-energy plates have six characters after the office letter).
fn plate(v: &str) -> bool {
    const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
    let chars: Vec<char> = v.chars().filter(|c| *c != '·' && *c != ' ').collect();
    chars.len() >= 7
        && chars.len() <= 8
        && PROVINCES.contains(chars[0])
        && chars[1].is_ascii_uppercase()
        && chars[2..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// A street address: an administrative unit, then a street, and a number.
fn address(v: &str) -> bool {
    let has = |set: &[char]| v.chars().any(|c| set.contains(&c));
    has(&['省', '市', '区', '县'])
        && has(&['路', '街', '巷', '道', '村'])
        && has(&['号', '栋', '室'])
}

/// Reviews a proposal: `fields` of the resource, `treatment` of each (by code; a field not
/// named is kept), `quasi` the quasi-identifier codes, `rows` the records as they will be
/// opened (values by field, in the order of `fields`; None is empty).
pub fn review(
    fields: &[Field],
    treatment: &HashMap<String, Treatment>,
    quasi: &[String],
    rows: &[Vec<Option<String>>],
    min_k: usize,
) -> SecurityReview {
    let mut problems = Vec::new();
    let mut checks = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let t = treatment.get(&f.code).copied().unwrap_or(Treatment::Keep);
        let named = Mask::personal_data_named(f);
        let mut counts: HashMap<Mask, usize> = HashMap::new();
        let mut filled = 0usize;
        for r in rows {
            if let Some(v) = r
                .get(i)
                .and_then(|v| v.as_deref())
                .filter(|v| !v.trim().is_empty())
            {
                filled += 1;
                if let Some(kind) = looks_like(v) {
                    *counts.entry(kind).or_default() += 1;
                }
            }
        }
        let looks = counts
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(k, n)| (k, n as f64 / filled.max(1) as f64))
            .filter(|(_, share)| *share >= VALUE_SHARE);
        if t == Treatment::Keep {
            if let Some(kind) = named {
                problems.push(ReviewProblem::PersonalDataUnmasked {
                    field: f.code.clone(),
                    kind: kind.as_str(),
                    by: "name",
                });
            } else if let Some((kind, _)) = looks {
                problems.push(ReviewProblem::PersonalDataUnmasked {
                    field: f.code.clone(),
                    kind: kind.as_str(),
                    by: "values",
                });
            }
            if f.grade >= 3 {
                problems.push(ReviewProblem::SensitiveFieldKept {
                    field: f.code.clone(),
                    grade: f.grade,
                });
            }
        }
        checks.push(FieldCheck {
            field: f.code.clone(),
            grade: f.grade,
            treatment: t,
            named: named.map(Mask::as_str),
            looks_like: looks.map(|(k, s)| (k.as_str(), s)),
        });
    }
    let mut positions = Vec::new();
    for q in quasi {
        match fields.iter().position(|f| &f.code == q) {
            Some(p) if treatment.get(q) != Some(&Treatment::Remove) => positions.push(p),
            _ => problems.push(ReviewProblem::UnknownQuasiIdentifier { field: q.clone() }),
        }
    }
    let mut k = None;
    if !positions.is_empty() && !rows.is_empty() {
        let mut groups: HashMap<Vec<Option<&str>>, usize> = HashMap::new();
        for r in rows {
            let key = positions
                .iter()
                .map(|p| r.get(*p).and_then(|v| v.as_deref()))
                .collect();
            *groups.entry(key).or_default() += 1;
        }
        let smallest = groups.values().copied().min().unwrap_or(0);
        k = Some(smallest);
        let below: usize = groups.values().filter(|n| **n < min_k).sum();
        if smallest < min_k {
            problems.push(ReviewProblem::GroupTooSmall {
                fields: quasi.to_vec(),
                k: smallest,
                min_k,
                records_below: below,
                share_below: below as f64 / rows.len() as f64,
            });
        }
    }
    SecurityReview {
        passed: problems.is_empty(),
        sample_rows: rows.len(),
        fields: checks,
        quasi_identifiers: quasi.to_vec(),
        min_k,
        k,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{FieldType, ValueRules};

    fn field(code: &str, name: &str, grade: u8) -> Field {
        Field {
            name: name.into(),
            code: code.into(),
            field_type: FieldType::C,
            is_key: false,
            identifier: None,
            sensitive: grade >= 3,
            grade,
            required: false,
            description: String::new(),
            rules: ValueRules::default(),
        }
    }

    fn row(values: &[&str]) -> Vec<Option<String>> {
        values
            .iter()
            .map(|v| Some(v.to_string()).filter(|v| !v.is_empty()))
            .collect()
    }

    #[test]
    fn values_are_recognised_by_their_shape_and_check_digits() {
        assert_eq!(looks_like("11010519491231002X"), Some(Mask::CitizenId));
        assert_eq!(
            looks_like("110105194912310021"),
            None,
            "wrong check character"
        );
        assert_eq!(looks_like("13812345678"), Some(Mask::Mobile));
        assert_eq!(looks_like("+86 13812345678"), Some(Mask::Mobile));
        assert_eq!(looks_like("12812345678"), None);
        assert_eq!(looks_like("6222020200112345674"), None, "fails Luhn");
        assert_eq!(looks_like("4111111111111111"), Some(Mask::BankCard));
        assert_eq!(looks_like("赣A12345"), Some(Mask::Plate));
        assert_eq!(looks_like("粤B·D12345"), Some(Mask::Plate));
        assert_eq!(looks_like("澜江市滨江区望江路18号"), Some(Mask::Address));
        assert_eq!(looks_like("滨江区"), None);
        assert_eq!(looks_like("1路公交车"), None);
    }

    #[test]
    fn an_id_column_kept_as_it_is_fails_with_the_field_named_and_passes_once_masked() {
        let fields = vec![field("holder", "持有人证件", 2), field("line", "线路", 1)];
        let rows: Vec<_> = (0..10)
            .map(|i| row(&["11010519491231002X", if i % 2 == 0 { "1路" } else { "2路" }]))
            .collect();
        let kept = review(&fields, &HashMap::new(), &[], &rows, 5);
        assert!(!kept.passed);
        assert_eq!(
            kept.problems,
            vec![ReviewProblem::PersonalDataUnmasked {
                field: "holder".into(),
                kind: "citizen_id",
                by: "values"
            }]
        );
        // A field whose name says it holds ID numbers fails even with no sample to show it.
        let named = vec![field("id_no", "身份证号", 2)];
        let r = review(&named, &HashMap::new(), &[], &[], 5);
        assert_eq!(
            r.problems,
            vec![ReviewProblem::PersonalDataUnmasked {
                field: "id_no".into(),
                kind: "citizen_id",
                by: "name"
            }]
        );
        let masked: HashMap<String, Treatment> =
            [("holder".to_owned(), Treatment::Mask(Mask::CitizenId))].into();
        let masked_rows: Vec<_> = (0..10)
            .map(|_| row(&["110105********002X", "1路"]))
            .collect();
        assert!(review(&fields, &masked, &[], &masked_rows, 5).passed);
    }

    #[test]
    fn values_betray_personal_data_that_the_name_hides_and_grades_3_and_4_must_go() {
        let fields = vec![field("c1", "备注", 1), field("c2", "内部评级", 3)];
        let rows = vec![
            row(&["13812345678", "A"]),
            row(&["13912345678", "B"]),
            row(&["", "C"]),
        ];
        let r = review(&fields, &HashMap::new(), &[], &rows, 5);
        assert_eq!(
            r.problems
                .iter()
                .map(ReviewProblem::code)
                .collect::<Vec<_>>(),
            ["personal_data_unmasked", "sensitive_field_kept"]
        );
        assert_eq!(r.fields[0].looks_like, Some(("mobile", 1.0)));
        let removed: HashMap<String, Treatment> = [
            ("c1".to_owned(), Treatment::Remove),
            ("c2".to_owned(), Treatment::Remove),
        ]
        .into();
        assert!(review(&fields, &removed, &[], &rows, 5).passed);
    }

    #[test]
    fn quasi_identifiers_must_leave_groups_of_at_least_k() {
        let fields = vec![field("district", "区县", 1), field("age", "年龄段", 1)];
        let mut rows: Vec<_> = (0..12).map(|_| row(&["滨江区", "30-39"])).collect();
        rows.extend((0..3).map(|_| row(&["新城区", "60-69"])));
        let quasi = vec!["district".to_owned(), "age".to_owned()];
        let r = review(&fields, &HashMap::new(), &quasi, &rows, 5);
        assert_eq!(r.k, Some(3));
        assert_eq!(
            r.problems,
            vec![ReviewProblem::GroupTooSmall {
                fields: quasi.clone(),
                k: 3,
                min_k: 5,
                records_below: 3,
                share_below: 0.2
            }]
        );
        assert!(review(&fields, &HashMap::new(), &quasi, &rows, 3).passed);
        let r = review(&fields, &HashMap::new(), &["income".to_owned()], &rows, 5);
        assert_eq!(r.problems[0].code(), "unknown_quasi_identifier");
    }
}
