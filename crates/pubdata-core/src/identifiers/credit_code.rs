//! 统一社会信用代码 (GB 32100-2015): the 18-character unified social credit code.
//!
//! Layout: registration authority (position 1), organisation category (position 2; the two
//! together read as e.g. `91` 企业), 6-digit administrative division code (3–8), 9-character
//! organisation code per GB 11714 (9–17), check character (18, MOD 31).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The 31 characters of the code, in value order 0–30 (no I, O, Z, S, V).
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights for positions 1–17: 3^(i-1) mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 11714 weights for the first eight characters of the organisation code.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// The value 0–30 of a code character (upper case only).
fn value(c: char) -> Option<u32> {
    CHARSET
        .iter()
        .position(|&b| char::from(b) == c)
        .map(|v| v as u32)
}

fn check_from_values(values: impl IntoIterator<Item = u32>) -> char {
    let sum: u32 = values.into_iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    char::from(CHARSET[((31 - sum % 31) % 31) as usize])
}

/// The MOD 31 check character for 17 code characters; `None` for anything else.
pub(super) fn check_char(first17: &str) -> Option<char> {
    let values: Vec<u32> = first17.chars().map(value).collect::<Option<_>>()?;
    (values.len() == 17).then(|| check_from_values(values))
}

/// The GB 11714 check character expected for the first eight characters of an
/// organisation code (digits are 0–9, letters A–Z are 10–35).
fn org_check_char(first8: &str) -> Option<char> {
    let values: Vec<u32> = first8
        .chars()
        .map(|c| match c {
            '0'..='9' | 'A'..='Z' => c.to_digit(36),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if values.len() != 8 {
        return None;
    }
    let sum: u32 = values.iter().zip(ORG_WEIGHTS).map(|(v, w)| v * w).sum();
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        c => char::from_digit(c, 10).expect("1..=9"),
    })
}

/// A valid 统一社会信用代码: 18 upper-case characters from the code set with a correct
/// check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses and validates a unified social credit code.
    ///
    /// Surrounding whitespace is trimmed and ASCII letters are upper-cased before checking,
    /// so lower-case input is accepted and normalised. The checks are length (18
    /// characters), characters (from `0123456789ABCDEFGHJKLMNPQRTUWXY`) and the MOD 31
    /// check character; the first failure is returned. The embedded organisation code's
    /// own check is not a parse error: see [`CreditCode::org_code_warning`].
    pub fn parse(s: &str) -> Result<CreditCode, CreditCodeError> {
        let s = s.trim();
        let found = s.chars().count();
        if found != 18 {
            return Err(CreditCodeError::Length { found });
        }

        let mut normalised = String::with_capacity(18);
        let mut values = Vec::with_capacity(18);
        for (i, c) in s.chars().enumerate() {
            let upper = c.to_ascii_uppercase();
            let v = value(upper).ok_or(CreditCodeError::Character {
                position: i + 1,
                found: c,
            })?;
            normalised.push(upper);
            values.push(v);
        }

        let expected = check_from_values(values[..17].iter().copied());
        let found = char::from(normalised.as_bytes()[17]);
        if expected != found {
            return Err(CreditCodeError::CheckCharacter { expected, found });
        }

        Ok(CreditCode(normalised))
    }

    /// The normalised code (upper case).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The registration authority code: position 1 (e.g. `1` 机构编制, `5` 民政, `9` 工商,
    /// `Y` 其他).
    pub fn registration_authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// Positions 1–2: registration authority and organisation category together, e.g.
    /// `11` 机关, `12` 事业单位, `51` 社会团体, `91` 企业, `92` 个体工商户.
    pub fn category(&self) -> &str {
        &self.0[0..2]
    }

    /// Positions 3–8: the administrative division code of the registering authority.
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }

    /// Positions 9–17: the organisation code (GB 11714), including its own check character.
    pub fn org_code(&self) -> &str {
        &self.0[8..17]
    }

    /// The embedded organisation code's GB 11714 check. Many real codes were issued without
    /// it holding, so a failure is only a warning (in Chinese, for the user interface):
    /// `None` when it holds.
    pub fn org_code_warning(&self) -> Option<String> {
        let org = self.org_code();
        let found = char::from(org.as_bytes()[8]);
        match org_check_char(&org[..8]) {
            Some(expected) if expected == found => None,
            Some(expected) => Some(format!(
                "组织机构代码{org}的校验码应为{expected}，实际为{found}（仅提示，不影响统一社会信用代码的有效性）"
            )),
            // Unreachable for a parsed code (its characters are digits and letters), kept
            // total rather than panicking.
            None => Some(format!("组织机构代码{org}无法校验")),
        }
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

impl Serialize for CreditCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CreditCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        CreditCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why a string is not a valid 统一社会信用代码. Positions are 1-based and count characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("a unified social credit code has 18 characters, found {found}")]
    Length { found: usize },
    #[error(
        "invalid character {found:?} at position {position} of the unified social credit code \
         (allowed: digits and upper-case letters except I, O, Z, S, V)"
    )]
    Character { position: usize, found: char },
    #[error(
        "wrong check character in the unified social credit code: expected {expected}, found {found}"
    )]
    CheckCharacter { expected: char, found: char },
}

impl CreditCodeError {
    /// A stable machine-readable code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            CreditCodeError::Length { .. } => "uscc_length",
            CreditCodeError::Character { .. } => "uscc_character",
            CreditCodeError::CheckCharacter { .. } => "uscc_check",
        }
    }

    /// The message in Chinese, for the user interface.
    pub fn message_zh(&self) -> String {
        match self {
            CreditCodeError::Length { found } => {
                format!("统一社会信用代码应为18位，实际为{found}位")
            }
            CreditCodeError::Character { position, found } => format!(
                "统一社会信用代码第{position}位字符“{found}”无效（只能使用数字和除I、O、Z、S、V以外的大写字母）"
            ),
            CreditCodeError::CheckCharacter { expected, found } => {
                format!("校验码错误：应为{expected}，实际为{found}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as ValueError, StrDeserializer};

    /// `first17` followed by its computed check character.
    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_char(first17).unwrap())
    }

    /// One table row: parse `input` and compare with the normalised value or the error.
    #[track_caller]
    fn check(input: &str, expected: Result<&str, CreditCodeError>) {
        let got = CreditCode::parse(input);
        match (&got, &expected) {
            (Ok(code), Ok(want)) => assert_eq!(code.as_str(), *want, "input {input:?}"),
            (Err(e), Err(want)) => assert_eq!(e, want, "input {input:?}"),
            _ => panic!("input {input:?}: got {got:?}, expected {expected:?}"),
        }
    }

    fn len(found: usize) -> Result<&'static str, CreditCodeError> {
        Err(CreditCodeError::Length { found })
    }
    fn chr(position: usize, found: char) -> Result<&'static str, CreditCodeError> {
        Err(CreditCodeError::Character { position, found })
    }
    fn check_err(expected: char, found: char) -> Result<&'static str, CreditCodeError> {
        Err(CreditCodeError::CheckCharacter { expected, found })
    }

    #[test]
    fn readme_vectors() {
        check("91110000600037341L", Ok("91110000600037341L"));
        check("121200004013590816", Ok("121200004013590816"));
        check("91310115MA1K3BTP2B", Ok("91310115MA1K3BTP2B"));
        check("9144030071526726XG", Ok("9144030071526726XG"));
        check("91620105L015101280", Ok("91620105L015101280"));
        check("92340621MA2UK3PJXE", Ok("92340621MA2UK3PJXE"));
        check("91110000600037341N", check_err('L', 'N'));
        // The README calls this a format error, but every character is in the code set and
        // 'A' is a registration authority code in GB 32100 (中央军委改革和编制办公室). What
        // actually fails is the check character: changing position 1 from 9 to A changes
        // the weighted sum by 1, so the check character should be K.
        check("A1110000600037341L", check_err('K', 'L'));
    }

    #[test]
    fn normalisation() {
        check("91310115ma1k3btp2b", Ok("91310115MA1K3BTP2B"));
        check("9144030071526726xg", Ok("9144030071526726XG"));
        check(" 91110000600037341L\r\n", Ok("91110000600037341L"));
        check(
            "\u{3000}92340621MA2UK3PJXE\u{3000}",
            Ok("92340621MA2UK3PJXE"),
        );
    }

    #[test]
    fn length_errors() {
        check("", len(0));
        check("91110000600037341", len(17));
        check("91110000600037341LL", len(19));
        check("9111 0000600037341L", len(19));
        check("91110000-600037341L", len(19));
    }

    #[test]
    fn character_errors() {
        check("O1110000600037341L", chr(1, 'O'));
        check("9111000060003734IL", chr(17, 'I'));
        check("9111000060003734iL", chr(17, 'i'));
        check("91110000600037341Z", chr(18, 'Z'));
        check("91S10000600037341L", chr(3, 'S'));
        check("911100006000V7341L", chr(13, 'V'));
        check("91110000-00037341L", chr(9, '-'));
        check("９1110000600037341L", chr(1, '９'));
        check("91110000600037341ß", chr(18, 'ß'));
    }

    #[test]
    fn check_character_errors() {
        check("91110000600037341M", check_err('L', 'M'));
        check("91110000600037342L", check_err('P', 'L'));
        check("19110000600037341L", check_err('4', 'L'));
    }

    #[test]
    fn check_char_helper() {
        assert_eq!(check_char("91110000600037341"), Some('L'));
        assert_eq!(check_char("A1110000600037341"), Some('K'));
        assert_eq!(check_char("9111000060003734"), None);
        assert_eq!(check_char("91110000600037341L"), None);
        assert_eq!(check_char("9111000060003734I"), None);
        assert_eq!(check_char("91310115ma1k3btp2"), None);
        assert_eq!(
            crate::identifiers::credit_code_check_char(&"121200004013590816"[..17]),
            Some('6')
        );
    }

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1;
        for (i, weight) in WEIGHTS.iter().enumerate() {
            assert_eq!(*weight, w, "position {}", i + 1);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn accessors() {
        let code = CreditCode::parse("91310115ma1k3btp2b").unwrap();
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(code.category(), "91");
        assert_eq!(code.division_code(), "310115");
        assert_eq!(code.org_code(), "MA1K3BTP2");
        assert_eq!(code.to_string(), "91310115MA1K3BTP2B");

        let code = CreditCode::parse("121200004013590816").unwrap();
        assert_eq!(code.registration_authority(), '1');
        assert_eq!(code.category(), "12");
        assert_eq!(code.division_code(), "120000");
        assert_eq!(code.org_code(), "401359081");
    }

    #[test]
    fn org_code_warning() {
        for valid in [
            "91110000600037341L",
            "121200004013590816",
            "91310115MA1K3BTP2B",
            "9144030071526726XG",
            "91620105L015101280",
            "92340621MA2UK3PJXE",
        ] {
            let code = CreditCode::parse(valid).unwrap();
            assert_eq!(code.org_code_warning(), None, "{valid}");
        }
        // A code whose own check holds but whose organisation code does not: it parses,
        // and only the warning reports it.
        let odd = CreditCode::parse(&with_check("91110000600037342")).unwrap();
        let warning = odd.org_code_warning().unwrap();
        assert!(warning.contains("600037342"), "{warning}");
        assert!(warning.contains("应为1"), "{warning}");
        // The GB 11714 mapping: 11 → '0', 10 → 'X'.
        assert_eq!(org_check_char("00000000"), Some('0'));
        assert_eq!(org_check_char("71526726"), Some('X'));
    }

    #[test]
    fn error_codes_and_messages() {
        let cases = [
            (
                len(17),
                "uscc_length",
                "统一社会信用代码应为18位，实际为17位",
            ),
            (
                chr(17, 'I'),
                "uscc_character",
                "统一社会信用代码第17位字符“I”无效（只能使用数字和除I、O、Z、S、V以外的大写字母）",
            ),
            (
                check_err('L', 'N'),
                "uscc_check",
                "校验码错误：应为L，实际为N",
            ),
        ];
        for (err, code, zh) in cases {
            let err = err.unwrap_err();
            assert_eq!(err.code(), code);
            assert_eq!(err.message_zh(), zh);
        }
        assert_eq!(
            check_err('L', 'N').unwrap_err().to_string(),
            "wrong check character in the unified social credit code: expected L, found N"
        );
    }

    #[test]
    fn serde_deserializes_through_parse() {
        let d: StrDeserializer<'_, ValueError> = "91310115ma1k3btp2b".into_deserializer();
        assert_eq!(
            CreditCode::deserialize(d).unwrap().as_str(),
            "91310115MA1K3BTP2B"
        );
        let d: StrDeserializer<'_, ValueError> = "91110000600037341N".into_deserializer();
        let err = CreditCode::deserialize(d).unwrap_err().to_string();
        assert!(err.contains("expected L"), "{err}");
    }

    /// Exhaustive form of the transposition property: for every adjacent pair of positions
    /// and every pair of different values, swapping them changes the check. This holds
    /// because the code is linear and 31 is prime: swapping values a ≠ b at positions i and
    /// i+1 (both ≤ 17) changes the sum by (a − b)(wᵢ − wᵢ₊₁), and no two adjacent weights are
    /// equal mod 31; swapping positions 17 and 18 keeps the code valid only if
    /// 27·(v₁₇ − v₁₈) ≡ 0, i.e. only if the two characters are equal.
    #[test]
    fn every_adjacent_transposition_is_detected() {
        let charset: Vec<char> = CHARSET.iter().map(|&b| char::from(b)).collect();
        for i in 0..16 {
            for &a in &charset {
                for &b in &charset {
                    if a == b {
                        continue;
                    }
                    let mut first17 = ['0'; 17];
                    first17[i] = a;
                    first17[i + 1] = b;
                    let mut chars: Vec<char> = with_check(&first17.iter().collect::<String>())
                        .chars()
                        .collect();
                    chars.swap(i, i + 1);
                    let swapped: String = chars.into_iter().collect();
                    assert!(CreditCode::parse(&swapped).is_err(), "{swapped}");
                }
            }
        }
        for &a in &charset {
            let mut first17 = ['0'; 17];
            first17[16] = a;
            let mut chars: Vec<char> = with_check(&first17.iter().collect::<String>())
                .chars()
                .collect();
            if chars[16] == chars[17] {
                continue;
            }
            chars.swap(16, 17);
            let swapped: String = chars.into_iter().collect();
            assert!(CreditCode::parse(&swapped).is_err(), "{swapped}");
        }
    }

    fn code_char() -> impl Strategy<Value = char> {
        prop::sample::select(CHARSET.iter().map(|&b| char::from(b)).collect::<Vec<_>>())
    }

    /// A valid code built from 17 random code characters and the computed check.
    fn valid_code() -> impl Strategy<Value = String> {
        prop::collection::vec(code_char(), 17).prop_map(|chars| {
            let first17: String = chars.into_iter().collect();
            with_check(&first17)
        })
    }

    fn non_space_char() -> impl Strategy<Value = char> {
        any::<char>().prop_map(|c| if c.is_whitespace() { 'a' } else { c })
    }

    proptest! {
        #[test]
        fn computed_check_char_parses(code in valid_code()) {
            let parsed = CreditCode::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
            let lower = CreditCode::parse(&code.to_ascii_lowercase()).unwrap();
            prop_assert_eq!(lower, parsed);
        }

        #[test]
        fn single_substitution_fails(
            code in valid_code(),
            position in 0usize..18,
            step in 0u32..30,
        ) {
            let mut chars: Vec<char> = code.chars().collect();
            let current = value(chars[position]).unwrap();
            let replacement = char::from(CHARSET[((current + 1 + step) % 31) as usize]);
            prop_assert_ne!(replacement, chars[position]);
            chars[position] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(CreditCode::parse(&changed).is_err(), "{} parsed", changed);
        }

        #[test]
        fn adjacent_swap_fails(code in valid_code(), position in 0usize..17) {
            let mut chars: Vec<char> = code.chars().collect();
            prop_assume!(chars[position] != chars[position + 1]);
            chars.swap(position, position + 1);
            let swapped: String = chars.into_iter().collect();
            prop_assert!(CreditCode::parse(&swapped).is_err(), "{} parsed", swapped);
        }

        #[test]
        fn wrong_length_fails_with_length(
            chars in prop_oneof![
                prop::collection::vec(non_space_char(), 0..18),
                prop::collection::vec(non_space_char(), 19..40),
            ]
        ) {
            let s: String = chars.iter().collect();
            prop_assert_eq!(
                CreditCode::parse(&s),
                Err(CreditCodeError::Length { found: chars.len() })
            );
        }
    }
}
