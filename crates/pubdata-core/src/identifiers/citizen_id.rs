//! 公民身份号码 (GB 11643-1999): the 18-character citizen identity number.
//!
//! Layout: 6-digit address code (the first two digits are the province), birth date
//! `YYYYMMDD`, 3-digit sequence (odd = male, even = female), check character (ISO 7064
//! MOD 11-2: a digit or `X`).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// ISO 7064 MOD 11-2 weights for positions 1–17 (2^(18-i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character indexed by the weighted sum mod 11.
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Birth dates outside this range are rejected. The range is fixed rather than "not after
/// today" so that the check stays pure.
const EARLIEST_BIRTH: (i32, u32, u32) = (1800, 1, 1);
const LATEST_BIRTH: (i32, u32, u32) = (2099, 12, 31);

/// Whether `code` (two ASCII digits) is a province-level division code allowed in the
/// first two positions: 11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81, 82.
fn is_province(code: &str) -> bool {
    matches!(
        code.parse::<u8>(),
        Ok(11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82)
    )
}

/// The MOD 11-2 check character for 17 ASCII digits; `None` for anything else.
pub(super) fn check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(char::from(CHECK_CHARS[(sum % 11) as usize]))
}

/// Parses `YYYYMMDD` (8 ASCII digits) as a real calendar date within the allowed range.
fn parse_birth_date(yyyymmdd: &str) -> Option<NaiveDate> {
    let year: i32 = yyyymmdd.get(0..4)?.parse().ok()?;
    let month: u32 = yyyymmdd.get(4..6)?.parse().ok()?;
    let day: u32 = yyyymmdd.get(6..8)?.parse().ok()?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let (ey, em, ed) = EARLIEST_BIRTH;
    let (ly, lm, ld) = LATEST_BIRTH;
    let earliest = NaiveDate::from_ymd_opt(ey, em, ed)?;
    let latest = NaiveDate::from_ymd_opt(ly, lm, ld)?;
    (earliest..=latest).contains(&date).then_some(date)
}

/// A valid 公民身份号码. Always 18 ASCII characters with an upper-case `X` if the check
/// character is ten.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CitizenId(String);

/// Debug output keeps the first 6 and last 4 characters (DESIGN.md §4), so a number that
/// reaches a log line or a panic message is not disclosed whole.
impl std::fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CitizenId({}********{})", &self.0[..6], &self.0[14..])
    }
}

impl CitizenId {
    /// Parses and validates a citizen identity number.
    ///
    /// Surrounding whitespace is trimmed and a lower-case `x` check character is accepted
    /// and normalised to `X`. The checks run in order — length, characters, province,
    /// birth date (a real date from 1800-01-01 to 2099-12-31; not compared with today),
    /// check character — and the first failure is returned.
    pub fn parse(s: &str) -> Result<CitizenId, CitizenIdError> {
        let s = s.trim();
        let found = s.chars().count();
        if found != 18 {
            return Err(CitizenIdError::Length { found });
        }

        let mut normalised = String::with_capacity(18);
        for (i, c) in s.chars().enumerate() {
            let ok = c.is_ascii_digit() || (i == 17 && matches!(c, 'X' | 'x'));
            if !ok {
                return Err(CitizenIdError::Character { position: i + 1 });
            }
            normalised.push(c.to_ascii_uppercase());
        }

        // From here on the string is 18 ASCII characters, so byte slicing is safe.
        let province = &normalised[0..2];
        if !is_province(province) {
            return Err(CitizenIdError::Province {
                code: province.to_owned(),
            });
        }

        let date = &normalised[6..14];
        if parse_birth_date(date).is_none() {
            return Err(CitizenIdError::BirthDate {
                date: date.to_owned(),
            });
        }

        let expected = check_char(&normalised[..17]).expect("17 ASCII digits");
        let found = char::from(normalised.as_bytes()[17]);
        if expected != found {
            return Err(CitizenIdError::CheckCharacter { expected, found });
        }

        Ok(CitizenId(normalised))
    }

    /// The normalised number (upper-case `X`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date encoded in positions 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        parse_birth_date(&self.0[6..14]).expect("validated by parse")
    }

    /// Whether the sequence number (positions 15–17) is odd, which GB 11643 assigns to men.
    pub fn is_male(&self) -> bool {
        (self.0.as_bytes()[16] - b'0') % 2 == 1
    }

    /// The province-level division code: the first two digits.
    pub fn province_code(&self) -> &str {
        &self.0[0..2]
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CitizenId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for CitizenId {
    type Err = CitizenIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CitizenId::parse(s)
    }
}

impl Serialize for CitizenId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CitizenId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        CitizenId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why a string is not a valid 公民身份号码. Positions are 1-based and count characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CitizenIdError {
    #[error("a citizen ID number has 18 characters, found {found}")]
    Length { found: usize },
    #[error(
        "invalid character at position {position} of the citizen ID number \
         (positions 1-17 are digits, position 18 a digit or X)"
    )]
    Character { position: usize },
    #[error("unknown province code {code} in the citizen ID number")]
    Province { code: String },
    #[error("invalid birth date {date} in the citizen ID number")]
    BirthDate { date: String },
    #[error("wrong check character in the citizen ID number: expected {expected}, found {found}")]
    CheckCharacter { expected: char, found: char },
}

impl CitizenIdError {
    /// A stable machine-readable code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            CitizenIdError::Length { .. } => "citizen_id_length",
            CitizenIdError::Character { .. } => "citizen_id_character",
            CitizenIdError::Province { .. } => "citizen_id_province",
            CitizenIdError::BirthDate { .. } => "citizen_id_birth_date",
            CitizenIdError::CheckCharacter { .. } => "citizen_id_check",
        }
    }

    /// The message in Chinese, for the user interface.
    pub fn message_zh(&self) -> String {
        match self {
            CitizenIdError::Length { found } => {
                format!("公民身份号码应为18位，实际为{found}位")
            }
            CitizenIdError::Character { position } => {
                format!("公民身份号码第{position}位字符无效（前17位应为数字，第18位应为数字或X）")
            }
            CitizenIdError::Province { code } => {
                format!("公民身份号码的省级行政区划代码{code}无效")
            }
            CitizenIdError::BirthDate { date } => {
                format!("公民身份号码中的出生日期{date}无效")
            }
            CitizenIdError::CheckCharacter { expected, found } => {
                format!("校验码错误：应为{expected}，实际为{found}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn debug_output_masks_the_middle_of_the_number() {
        let id = super::CitizenId::parse("110102199101010078").unwrap();
        assert_eq!(format!("{id:?}"), "CitizenId(110102********0078)");
    }

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
    fn check(input: &str, expected: Result<&str, CitizenIdError>) {
        let got = CitizenId::parse(input);
        match (&got, &expected) {
            (Ok(id), Ok(want)) => assert_eq!(id.as_str(), *want, "input {input:?}"),
            (Err(e), Err(want)) => assert_eq!(e, want, "input {input:?}"),
            _ => panic!("input {input:?}: got {got:?}, expected {expected:?}"),
        }
    }

    fn len(found: usize) -> Result<&'static str, CitizenIdError> {
        Err(CitizenIdError::Length { found })
    }
    fn chr(position: usize) -> Result<&'static str, CitizenIdError> {
        Err(CitizenIdError::Character { position })
    }
    fn prov(code: &str) -> Result<&'static str, CitizenIdError> {
        Err(CitizenIdError::Province { code: code.into() })
    }
    fn date(date: &str) -> Result<&'static str, CitizenIdError> {
        Err(CitizenIdError::BirthDate { date: date.into() })
    }
    fn check_err(expected: char, found: char) -> Result<&'static str, CitizenIdError> {
        Err(CitizenIdError::CheckCharacter { expected, found })
    }

    #[test]
    fn readme_vectors() {
        check("360426199101010071", Ok("360426199101010071"));
        check("44011320141005001X", Ok("44011320141005001X"));
        check("412723199010050012", Ok("412723199010050012"));
        check("110102199101010078", Ok("110102199101010078"));
        check("120110199212010072", Ok("120110199212010072"));
        check("51343620000320711X", Ok("51343620000320711X"));
        check("36042619910102009X", check_err('3', 'X'));
    }

    #[test]
    fn normalisation() {
        check("44011320141005001x", Ok("44011320141005001X"));
        check("51343620000320711x", Ok("51343620000320711X"));
        check("  360426199101010071\t\n", Ok("360426199101010071"));
        check(
            "\u{3000}360426199101010071\u{3000}",
            Ok("360426199101010071"),
        );
    }

    #[test]
    fn length_errors() {
        check("", len(0));
        check("   ", len(0));
        check("36042619910101007", len(17));
        check("3604261991010100711", len(19));
        check("360426 199101010071", len(19));
        check("36042619910101", len(14));
        check("36042619910101007x7", len(19));
        // Characters are counted, not bytes: 18 full-width digits are 18 characters.
        check("３６０４２６１９９１０１０１００７１", chr(1));
    }

    #[test]
    fn character_errors() {
        check("X60426199101010071", chr(1));
        check("3604261991010100A1", chr(17));
        check("36042619910101007Y", chr(18));
        check("3604261991010100X1", chr(17));
        check("36-426199101010071", chr(3));
        check("360426199１01010071", chr(10));
    }

    #[test]
    fn province_errors() {
        check("000000199101010071", prov("00"));
        check("100426199101010071", prov("10"));
        check("160426199101010071", prov("16"));
        check("390426199101010071", prov("39"));
        check("720426199101010071", prov("72"));
        check("830426199101010071", prov("83"));
        check("990426199101010071", prov("99"));
        check(
            &with_check("71000019910101007"),
            Ok(&with_check("71000019910101007")),
        );
        check(
            &with_check("82000019910101007"),
            Ok(&with_check("82000019910101007")),
        );
    }

    #[test]
    fn birth_date_errors() {
        check("360426199102300071", date("19910230"));
        check("360426199113010071", date("19911301"));
        check("360426199100010071", date("19910001"));
        check("360426199101000071", date("19910100"));
        check("360426190002290071", date("19000229"));
        check("360426179912310071", date("17991231"));
        check("360426210001010071", date("21000101"));
        check(
            &with_check("36042620000229007"),
            Ok(&with_check("36042620000229007")),
        );
        check(
            &with_check("36042618000101007"),
            Ok(&with_check("36042618000101007")),
        );
        check(
            &with_check("36042620991231007"),
            Ok(&with_check("36042620991231007")),
        );
    }

    #[test]
    fn check_character_errors() {
        check("360426199101010072", check_err('1', '2'));
        check("36042619910101007X", check_err('1', 'X'));
        check("440113201410050010", check_err('X', '0'));
    }

    #[test]
    fn check_char_helper() {
        assert_eq!(check_char("36042619910101007"), Some('1'));
        assert_eq!(check_char("44011320141005001"), Some('X'));
        assert_eq!(check_char("3604261991010100"), None);
        assert_eq!(check_char("360426199101010071"), None);
        assert_eq!(check_char("3604261991010100A"), None);
        assert_eq!(
            crate::identifiers::citizen_id_check_char("36042619910102009"),
            Some('3')
        );
    }

    #[test]
    fn weights_are_powers_of_two_mod_11() {
        for (i, w) in WEIGHTS.iter().enumerate() {
            assert_eq!(*w, (1u32 << (17 - i)) % 11, "position {}", i + 1);
        }
    }

    #[test]
    fn accessors() {
        let id = CitizenId::parse("360426199101010071").unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1991, 1, 1).unwrap()
        );
        assert!(id.is_male());
        assert_eq!(id.province_code(), "36");
        assert_eq!(id.to_string(), "360426199101010071");

        let id = CitizenId::parse("44011320141005001x").unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(2014, 10, 5).unwrap()
        );
        assert_eq!(id.province_code(), "44");
        assert_eq!(id.to_string(), "44011320141005001X");

        let female = CitizenId::parse(&with_check("11010219910101002")).unwrap();
        assert!(!female.is_male());
        assert_eq!(female.province_code(), "11");
    }

    #[test]
    fn error_codes_and_messages() {
        let cases = [
            (
                len(17),
                "citizen_id_length",
                "公民身份号码应为18位，实际为17位",
            ),
            (
                chr(5),
                "citizen_id_character",
                "公民身份号码第5位字符无效（前17位应为数字，第18位应为数字或X）",
            ),
            (
                prov("99"),
                "citizen_id_province",
                "公民身份号码的省级行政区划代码99无效",
            ),
            (
                date("19910230"),
                "citizen_id_birth_date",
                "公民身份号码中的出生日期19910230无效",
            ),
            (
                check_err('3', 'X'),
                "citizen_id_check",
                "校验码错误：应为3，实际为X",
            ),
        ];
        for (err, code, zh) in cases {
            let err = err.unwrap_err();
            assert_eq!(err.code(), code);
            assert_eq!(err.message_zh(), zh);
            assert!(!err.to_string().is_empty());
        }
        assert_eq!(
            check_err('3', 'X').unwrap_err().to_string(),
            "wrong check character in the citizen ID number: expected 3, found X"
        );
    }

    #[test]
    fn serde_deserializes_through_parse() {
        let d: StrDeserializer<'_, ValueError> = "44011320141005001x".into_deserializer();
        assert_eq!(
            CitizenId::deserialize(d).unwrap().as_str(),
            "44011320141005001X"
        );
        let d: StrDeserializer<'_, ValueError> = "36042619910102009X".into_deserializer();
        let err = CitizenId::deserialize(d).unwrap_err().to_string();
        assert!(err.contains("expected 3"), "{err}");
    }

    #[test]
    fn from_str_matches_parse() {
        let id: CitizenId = "360426199101010071".parse().unwrap();
        assert_eq!(id, CitizenId::parse("360426199101010071").unwrap());
    }

    /// Every allowed province code, from the predicate under test.
    fn allowed_provinces() -> Vec<String> {
        (0..100)
            .map(|n| format!("{n:02}"))
            .filter(|code| is_province(code))
            .collect()
    }

    #[test]
    fn province_list_matches_readme() {
        let expected: Vec<String> = [11..=15, 21..=23, 31..=37, 41..=46, 50..=54, 61..=65]
            .into_iter()
            .flatten()
            .chain([71, 81, 82])
            .map(|n: u32| n.to_string())
            .collect();
        assert_eq!(allowed_provinces(), expected);
        assert_eq!(expected.len(), 34);
    }

    /// 17 digits with an allowed province and a birth date in range, and that date.
    fn valid_prefix() -> impl Strategy<Value = (String, NaiveDate)> {
        let earliest = NaiveDate::from_ymd_opt(1800, 1, 1).unwrap();
        let latest = NaiveDate::from_ymd_opt(2099, 12, 31).unwrap();
        let span = (latest - earliest).num_days();
        (
            prop::sample::select(allowed_provinces()),
            "[0-9]{4}",
            0..=span,
            "[0-9]{3}",
        )
            .prop_map(move |(province, area, offset, seq)| {
                let birth = earliest + chrono::TimeDelta::days(offset);
                let prefix = format!("{province}{area}{}{seq}", birth.format("%Y%m%d"));
                (prefix, birth)
            })
    }

    fn non_space_char() -> impl Strategy<Value = char> {
        any::<char>().prop_map(|c| if c.is_whitespace() { 'a' } else { c })
    }

    proptest! {
        #[test]
        fn computed_check_char_parses((prefix, birth) in valid_prefix()) {
            let full = format!("{prefix}{}", citizen_id_check(&prefix));
            let id = CitizenId::parse(&full).unwrap();
            prop_assert_eq!(id.as_str(), full.as_str());
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.province_code(), &prefix[0..2]);
            prop_assert_eq!(id.is_male(), (prefix.as_bytes()[16] - b'0') % 2 == 1);
            // Lower case is accepted and normalised.
            let lower = CitizenId::parse(&full.to_ascii_lowercase()).unwrap();
            prop_assert_eq!(lower, id);
        }

        #[test]
        fn single_substitution_fails(
            (prefix, _) in valid_prefix(),
            position in 0usize..18,
            step in 0usize..10,
        ) {
            let full = format!("{prefix}{}", citizen_id_check(&prefix));
            let mut chars: Vec<char> = full.chars().collect();
            // Replace with a different character that is valid at that position.
            let alphabet: &[char] = if position == 17 {
                &['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']
            } else {
                &['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']
            };
            let current = alphabet.iter().position(|&c| c == chars[position]).unwrap();
            let offset = 1 + step % (alphabet.len() - 1);
            let replacement = alphabet[(current + offset) % alphabet.len()];
            prop_assert_ne!(replacement, chars[position]);
            chars[position] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(CitizenId::parse(&changed).is_err(), "{} parsed", changed);
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
                CitizenId::parse(&s),
                Err(CitizenIdError::Length { found: chars.len() })
            );
        }
    }

    fn citizen_id_check(prefix: &str) -> char {
        check_char(prefix).unwrap()
    }
}
