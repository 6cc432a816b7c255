//! Masking (脱敏): a value shown partly, by the rule its field declares or one guessed from
//! what the field holds. DESIGN.md §4: ID numbers keep the first 6 and last 4 characters,
//! mobile numbers the first 3 and last 4, names the family name, addresses down to the
//! district. Masks never reveal the masked part's content; a masked part of an ID or phone
//! keeps its length (people read the shape), a masked name or address does not.

use crate::catalog::{Field, IdentifierKind};

/// How a value is masked. Stored names are the `as_str` forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mask {
    /// 身份证号: first 6 and last 4.
    CitizenId,
    /// 手机号: first 3 and last 4.
    Mobile,
    /// 姓名: the family name (two characters for the compound ones).
    Name,
    /// 地址: down to the district or county.
    Address,
    /// 银行卡号: first 6 and last 4.
    BankCard,
    /// 车牌号: the province and issuing office, then the last 2.
    Plate,
    /// Nothing shown.
    Full,
}

impl Mask {
    pub const ALL: [Mask; 7] = [
        Mask::CitizenId,
        Mask::Mobile,
        Mask::Name,
        Mask::Address,
        Mask::BankCard,
        Mask::Plate,
        Mask::Full,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mask::CitizenId => "citizen_id",
            Mask::Mobile => "mobile",
            Mask::Name => "name",
            Mask::Address => "address",
            Mask::BankCard => "bank_card",
            Mask::Plate => "plate",
            Mask::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<Mask> {
        Mask::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Mask::CitizenId => "身份证号（保留前6位和后4位）",
            Mask::Mobile => "手机号（保留前3位和后4位）",
            Mask::Name => "姓名（保留姓氏）",
            Mask::Address => "地址（保留到区县）",
            Mask::BankCard => "银行卡号（保留前6位和后4位）",
            Mask::Plate => "车牌号（保留省份、发牌机关和后2位）",
            Mask::Full => "全部遮蔽",
        }
    }

    /// The rule for a field: by its identifier kind, else by what its name or code says it
    /// holds, else everything masked (the safe default for a field of grade 3 or 4).
    pub fn for_field(f: &Field) -> Mask {
        Mask::personal_data_named(f).unwrap_or(Mask::Full)
    }

    /// The kind of personal data a field holds by its identifier kind or by what its name or
    /// code says (身份证, 手机, 姓名, 地址, 银行卡, 车牌 …); None when it says none.
    pub fn personal_data_named(f: &Field) -> Option<Mask> {
        if f.identifier == Some(IdentifierKind::CitizenId) {
            return Some(Mask::CitizenId);
        }
        let (name, code) = (f.name.as_str(), f.code.to_ascii_lowercase());
        // English words count whole, between underscores: `tel` is not in `hotel`.
        let has_word = |w: &str| {
            code == w
                || code.starts_with(&format!("{w}_"))
                || code.ends_with(&format!("_{w}"))
                || code.contains(&format!("_{w}_"))
        };
        let says = |zh: &[&str], en: &[&str]| {
            zh.iter().any(|w| name.contains(w)) || en.iter().any(|w| has_word(w))
        };
        if says(&["身份证", "证件号"], &["id_no", "idcard", "citizen"]) {
            Some(Mask::CitizenId)
        } else if says(&["手机", "电话", "联系方式"], &["mobile", "phone", "tel"]) {
            Some(Mask::Mobile)
        } else if says(
            &["银行卡", "卡号", "账号"],
            &["bank", "card_no", "account_no"],
        ) {
            Some(Mask::BankCard)
        } else if says(&["车牌", "号牌"], &["plate"]) {
            Some(Mask::Plate)
        } else if says(&["地址", "住址", "住所"], &["address", "addr"]) {
            Some(Mask::Address)
        } else if says(
            &["姓名", "户名", "联系人", "法定代表人", "负责人"],
            &[
                "person_name",
                "full_name",
                "real_name",
                "holder_name",
                "contact_name",
            ],
        ) || code == "name"
        {
            // A bare `name` is a person's; `line_name`, `stop_name` name things.
            Some(Mask::Name)
        } else {
            None
        }
    }

    /// The value as shown under this rule.
    pub fn apply(self, value: &str) -> String {
        let v = value.trim();
        if v.is_empty() {
            return String::new();
        }
        match self {
            Mask::CitizenId | Mask::BankCard => keep_ends(v, 6, 4),
            Mask::Mobile => {
                // A country code is kept apart: +86 138****5678.
                match v.strip_prefix("+86") {
                    Some(rest) => format!(
                        "+86{}",
                        keep_ends(rest.trim_start_matches([' ', '-']), 3, 4)
                    ),
                    None => keep_ends(v, 3, 4),
                }
            }
            Mask::Name => name(v),
            Mask::Address => address(v),
            Mask::Plate => keep_ends(v, 2, 2),
            Mask::Full => "***".to_owned(),
        }
    }
}

/// Keeps `head` and `tail` characters with one `*` for each masked one; a value too short to
/// hide anything that way is masked whole.
fn keep_ends(v: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = v.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// The compound family names common enough to matter (复姓).
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "令狐", "端木", "独孤", "南宫", "西门", "轩辕", "呼延", "百里", "东郭", "闻人", "澹台",
    "公冶", "太史",
];

fn name(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    if !chars
        .iter()
        .all(|c| ('\u{4e00}'..='\u{9fff}').contains(c) || *c == '·')
    {
        // A name in Latin letters: the first letter of each part.
        return v
            .split_whitespace()
            .map(|w| format!("{}.", w.chars().next().unwrap_or('*')))
            .collect::<Vec<_>>()
            .join(" ");
    }
    let keep = if COMPOUND_SURNAMES.iter().any(|s| v.starts_with(s)) && chars.len() > 2 {
        2
    } else {
        1
    };
    if chars.len() <= keep {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..keep].iter().collect();
    out.push_str("**");
    out
}

/// Down to the first district-level unit (区, 县, 旗, 县级市 after a prefecture), else to the
/// prefecture (市, 州, 盟), else nothing.
fn address(v: &str) -> String {
    let cut = |markers: &[char]| -> Option<usize> {
        v.char_indices()
            // Past the first two characters: 市 in 北京市 or 区 in 新区 names still end a unit.
            .filter(|(i, c)| *i >= 6 && markers.contains(c))
            .map(|(i, c)| i + c.len_utf8())
            .next()
    };
    let end = cut(&['区', '县', '旗']).or_else(|| cut(&['市', '州', '盟']));
    match end {
        Some(e) if e < v.len() => format!("{}***", &v[..e]),
        Some(_) => v.to_owned(),
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_things_are_not_names_of_people() {
        let f = |name: &str, code: &str| Field {
            name: name.into(),
            code: code.into(),
            field_type: crate::catalog::FieldType::C,
            is_key: false,
            identifier: None,
            sensitive: false,
            grade: 1,
            required: false,
            description: String::new(),
            rules: Default::default(),
        };
        assert_eq!(Mask::personal_data_named(&f("线路名称", "line_name")), None);
        assert_eq!(Mask::personal_data_named(&f("站点名称", "stop_name")), None);
        assert_eq!(Mask::personal_data_named(&f("酒店", "hotel")), None);
        assert_eq!(
            Mask::personal_data_named(&f("Name", "name")),
            Some(Mask::Name)
        );
        assert_eq!(
            Mask::personal_data_named(&f("持卡人", "holder_name")),
            Some(Mask::Name)
        );
        assert_eq!(
            Mask::personal_data_named(&f("联系电话", "tel")),
            Some(Mask::Mobile)
        );
        assert_eq!(
            Mask::personal_data_named(&f("姓名", "xm")),
            Some(Mask::Name)
        );
    }

    #[test]
    fn identity_and_phone_numbers_keep_their_ends_and_length() {
        assert_eq!(
            Mask::CitizenId.apply("110102199101010078"),
            "110102********0078"
        );
        assert_eq!(Mask::Mobile.apply("13812345678"), "138****5678");
        assert_eq!(Mask::Mobile.apply("+86 13812345678"), "+86138****5678");
        assert_eq!(
            Mask::BankCard.apply("6222021234567890123"),
            "622202*********0123"
        );
        assert_eq!(
            Mask::Mobile.apply("1234567"),
            "*******",
            "too short to show ends"
        );
        assert_eq!(Mask::CitizenId.apply(""), "");
    }

    #[test]
    fn names_keep_the_family_name() {
        assert_eq!(Mask::Name.apply("张三丰"), "张**");
        assert_eq!(Mask::Name.apply("李四"), "李**");
        assert_eq!(Mask::Name.apply("欧阳修文"), "欧阳**");
        assert_eq!(
            Mask::Name.apply("欧阳"),
            "欧**",
            "a two-character name is one family name and one given"
        );
        assert_eq!(Mask::Name.apply("王"), "*");
        assert_eq!(Mask::Name.apply("Zhang San"), "Z. S.");
    }

    #[test]
    fn addresses_stop_at_the_district() {
        assert_eq!(
            Mask::Address.apply("山东省济南市历下区泉城路1号"),
            "山东省济南市历下区***"
        );
        assert_eq!(
            Mask::Address.apply("澜江市澜江区滨江路88号3单元"),
            "澜江市澜江区***"
        );
        assert_eq!(
            Mask::Address.apply("贵州省遵义市仁怀县茅台镇"),
            "贵州省遵义市仁怀县***"
        );
        assert_eq!(Mask::Address.apply("北京市朝阳区"), "北京市朝阳区");
        assert_eq!(Mask::Address.apply("苏州市工业园星湖街"), "苏州市***");
        assert_eq!(Mask::Address.apply("滨江路88号"), "***");
    }

    #[test]
    fn plates_and_everything_else() {
        assert_eq!(Mask::Plate.apply("鲁A12345"), "鲁A***45");
        assert_eq!(Mask::Full.apply("任何内容"), "***");
    }

    #[test]
    fn the_masked_part_never_shows() {
        let id = "350102198001010017";
        let masked = Mask::CitizenId.apply(id);
        assert!(
            !masked.contains("19800101"),
            "the birth date is hidden: {masked}"
        );
        for m in Mask::ALL {
            assert_eq!(Mask::parse(m.as_str()), Some(m));
            assert!(!m.apply("13812345678").contains("1234567"), "{m:?}");
        }
    }

    #[test]
    fn a_field_is_masked_by_what_it_holds() {
        let f = |name: &str, code: &str, identifier: Option<IdentifierKind>| Field {
            name: name.into(),
            code: code.into(),
            field_type: crate::catalog::FieldType::C,
            is_key: false,
            identifier,
            sensitive: true,
            grade: 3,
            required: false,
            description: String::new(),
            rules: Default::default(),
        };
        assert_eq!(
            Mask::for_field(&f("户主", "holder", Some(IdentifierKind::CitizenId))),
            Mask::CitizenId
        );
        assert_eq!(
            Mask::for_field(&f("联系电话", "contact", None)),
            Mask::Mobile
        );
        assert_eq!(
            Mask::for_field(&f("户名", "account_name", None)),
            Mask::Name
        );
        assert_eq!(
            Mask::for_field(&f("用水地址", "address", None)),
            Mask::Address
        );
        assert_eq!(
            Mask::for_field(&f("号牌号码", "plate_no", None)),
            Mask::Plate
        );
        assert_eq!(Mask::for_field(&f("病历摘要", "summary", None)), Mask::Full);
    }
}
