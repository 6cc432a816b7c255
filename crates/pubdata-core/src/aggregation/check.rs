//! The checks every incoming row goes through, whatever door it came by: columns matched to
//! the resource's fields, then per row the field types, required fields, the key (present,
//! unique within the batch), identifier check characters (GB 11643, GB 32100) and the value
//! rules the catalog declares. A row passes whole or is rejected with every reason found.

use std::collections::HashMap;
use std::collections::HashSet;

use regex::Regex;

use super::cell::{Cell, Kind, parse_cell};
use super::quality::Tally;
use crate::catalog::{Field, IdentifierKind};
use crate::identifiers::{CitizenId, CreditCode};

/// The separator of a composite key's values, in paths and in the store (API.md).
pub const KEY_SEPARATOR: char = '|';

/// One reason a row is rejected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The field's code, or none for a problem of the whole row.
    pub field: Option<String>,
    pub code: &'static str,
    pub message_zh: String,
    pub message_en: String,
}

/// How the columns of a file (or the keys of pushed rows) map onto the resource's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    pub header: Vec<String>,
    /// For each field of the resource, in field order, the input column holding it.
    pub columns: Vec<Option<usize>>,
}

/// Why the columns cannot be used at all: the batch fails before any row is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("the header is empty")]
    EmptyHeader,
    #[error("column {0:?} appears twice in the header")]
    DuplicateColumn(String),
    #[error("no column for the key field(s) {0:?}")]
    MissingKey(Vec<String>),
    #[error("no column for the required field(s) {0:?}")]
    MissingRequired(Vec<String>),
    #[error("the mapping names field {0:?}, which the resource does not have")]
    UnknownField(String),
    #[error("the mapping names column {0:?}, which the file does not have")]
    UnknownColumn(String),
}

impl MapError {
    pub fn code(&self) -> &'static str {
        match self {
            MapError::EmptyHeader => "empty_header",
            MapError::DuplicateColumn(_) => "duplicate_column",
            MapError::MissingKey(_) => "missing_key_column",
            MapError::MissingRequired(_) => "missing_required_column",
            MapError::UnknownField(_) => "unknown_field",
            MapError::UnknownColumn(_) => "unknown_column",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            MapError::EmptyHeader => "文件没有表头行".to_owned(),
            MapError::DuplicateColumn(c) => format!("表头中“{c}”列出现了两次"),
            MapError::MissingKey(f) => format!("缺少主键信息项的列：{}", f.join("、")),
            MapError::MissingRequired(f) => format!("缺少必填信息项的列：{}", f.join("、")),
            MapError::UnknownField(f) => format!("对应关系中的信息项“{f}”不属于该资源"),
            MapError::UnknownColumn(c) => format!("对应关系中的列“{c}”不在文件中"),
        }
    }
}

fn normalize_header(h: &str) -> String {
    h.trim().trim_start_matches('\u{feff}').to_lowercase()
}

impl ColumnMap {
    /// Matches each field to the column named by its code or its name (case and surrounding
    /// space ignored); columns matching no field are ignored.
    pub fn infer(fields: &[Field], header: &[String]) -> Result<ColumnMap, MapError> {
        let index = header_index(header)?;
        let columns = fields
            .iter()
            .map(|f| {
                index
                    .get(&normalize_header(&f.code))
                    .or_else(|| index.get(&normalize_header(&f.name)))
                    .copied()
            })
            .collect();
        Ok(ColumnMap {
            header: header.to_vec(),
            columns,
        })
    }

    /// Starts from [`ColumnMap::infer`] and applies the steward's choices: field code →
    /// column name, an empty column name leaving the field unmapped.
    pub fn with_choices(
        fields: &[Field],
        header: &[String],
        choices: &[(String, String)],
    ) -> Result<ColumnMap, MapError> {
        let mut map = ColumnMap::infer(fields, header)?;
        for (code, column) in choices {
            let at = fields
                .iter()
                .position(|f| &f.code == code)
                .ok_or_else(|| MapError::UnknownField(code.clone()))?;
            map.columns[at] = if column.is_empty() {
                None
            } else {
                Some(
                    header
                        .iter()
                        .position(|h| h.trim() == column.trim())
                        .ok_or_else(|| MapError::UnknownColumn(column.clone()))?,
                )
            };
        }
        Ok(map)
    }

    /// Refuses a mapping that leaves a key or required field without a column: every row
    /// would fail the same way.
    pub fn require_complete(&self, fields: &[Field]) -> Result<(), MapError> {
        let missing = |want: fn(&Field) -> bool| -> Vec<String> {
            fields
                .iter()
                .zip(&self.columns)
                .filter(|(f, c)| want(f) && c.is_none())
                .map(|(f, _)| format!("{}（{}）", f.name, f.code))
                .collect()
        };
        let keys = missing(|f| f.is_key);
        if !keys.is_empty() {
            return Err(MapError::MissingKey(keys));
        }
        let required = missing(|f| f.required);
        if !required.is_empty() {
            return Err(MapError::MissingRequired(required));
        }
        Ok(())
    }

    /// Input columns that no field takes.
    pub fn ignored_columns(&self) -> Vec<String> {
        let used: HashSet<usize> = self.columns.iter().flatten().copied().collect();
        (0..self.header.len())
            .filter(|i| !used.contains(i))
            .map(|i| self.header[i].clone())
            .collect()
    }
}

fn header_index(header: &[String]) -> Result<HashMap<String, usize>, MapError> {
    if header.iter().all(|h| h.trim().is_empty()) {
        return Err(MapError::EmptyHeader);
    }
    let mut index = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let n = normalize_header(h);
        if n.is_empty() {
            continue;
        }
        if index.insert(n, i).is_some() {
            return Err(MapError::DuplicateColumn(h.trim().to_owned()));
        }
    }
    Ok(index)
}

/// A row that passed: its key and its values in field order.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub key: String,
    pub cells: Vec<Cell>,
}

/// A row that did not, kept as it came with every reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The line in the file (1 is the header) or the position in the pushed list (from 1).
    pub line: u64,
    pub raw: Vec<String>,
    pub problems: Vec<Problem>,
}

impl Rejected {
    /// The reasons as one cell of the rejected-rows file.
    pub fn reason_text(&self) -> String {
        self.problems
            .iter()
            .map(|p| match &p.field {
                Some(f) => format!("{f}: {}", p.message_zh),
                None => p.message_zh.clone(),
            })
            .collect::<Vec<_>>()
            .join("；")
    }
}

struct Compiled {
    kind: Kind,
    pattern: Option<Regex>,
    codes: Option<HashSet<String>>,
    min: Option<Bound>,
    max: Option<Bound>,
}

#[derive(Debug, Clone, PartialEq)]
enum Bound {
    Number(f64),
    Text(String),
}

/// Why a field's declared rules cannot be used (the catalog refuses such a field).
pub fn rule_problem(f: &Field) -> Option<String> {
    compile(f).err()
}

fn compile(f: &Field) -> Result<Compiled, String> {
    let kind = Kind::of(f.field_type);
    let pattern = match &f.rules.pattern {
        Some(p) => Some(
            Regex::new(&format!("^(?:{p})$"))
                .map_err(|e| format!("pattern {p:?} is not a regular expression: {e}"))?,
        ),
        None => None,
    };
    let bound = |v: &Option<serde_json::Value>| -> Result<Option<Bound>, String> {
        Ok(match v {
            None => None,
            Some(serde_json::Value::Number(n)) if matches!(kind, Kind::Integer | Kind::Real) => {
                Some(Bound::Number(n.as_f64().ok_or("bound out of range")?))
            }
            Some(serde_json::Value::String(s)) if matches!(kind, Kind::Date | Kind::DateTime) => {
                match parse_cell(kind, s.trim()) {
                    Ok(Cell::Text(t)) => Some(Bound::Text(t)),
                    _ => return Err(format!("bound {s:?} is not a {}", kind.as_str())),
                }
            }
            Some(other) => {
                return Err(format!(
                    "bound {other} does not fit a {} field",
                    kind.as_str()
                ));
            }
        })
    };
    let (min, max) = (bound(&f.rules.min)?, bound(&f.rules.max)?);
    if let (Some(a), Some(b)) = (&min, &max) {
        let crossed = match (a, b) {
            (Bound::Number(a), Bound::Number(b)) => a > b,
            (Bound::Text(a), Bound::Text(b)) => a > b,
            _ => false,
        };
        if crossed {
            return Err("min is above max".to_owned());
        }
    }
    Ok(Compiled {
        kind,
        pattern,
        codes: (!f.rules.codes.is_empty()).then(|| f.rules.codes.iter().cloned().collect()),
        min,
        max,
    })
}

/// Checks the rows of one batch, in order, and keeps the quality tally.
pub struct RowChecker {
    fields: Vec<Field>,
    compiled: Vec<Compiled>,
    map: ColumnMap,
    keys: Vec<usize>,
    /// Each key seen: the line it was first seen on and a hash of that row's values.
    seen: HashMap<String, (u64, u64)>,
    pub tally: Tally,
}

impl RowChecker {
    /// Fails when a field's declared rules cannot be compiled (the field's code and why).
    pub fn new(fields: &[Field], map: ColumnMap) -> Result<RowChecker, (String, String)> {
        let compiled = fields
            .iter()
            .map(|f| compile(f).map_err(|e| (f.code.clone(), e)))
            .collect::<Result<Vec<_>, _>>()?;
        let keys = (0..fields.len()).filter(|&i| fields[i].is_key).collect();
        Ok(RowChecker {
            tally: Tally::new(fields),
            fields: fields.to_vec(),
            compiled,
            map,
            keys,
            seen: HashMap::new(),
        })
    }

    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    pub fn map(&self) -> &ColumnMap {
        &self.map
    }

    /// Rejects a row the reader could not make sense of (bytes not in the file's encoding),
    /// counting it like any other rejected row.
    pub fn reject_unreadable(&mut self, line: u64, raw: Vec<String>, encoding: &str) -> Rejected {
        let rejected = Rejected {
            line,
            raw,
            problems: vec![row_problem(
                "invalid_encoding",
                format!("该行含有不符合{encoding}编码的字节"),
                format!("the row holds bytes that are not valid {encoding}"),
            )],
        };
        self.tally.row(false, true, false, false);
        self.tally.reject(&rejected);
        rejected
    }

    /// Checks one row (`raw` as read, one text per input column).
    pub fn check(&mut self, line: u64, raw: Vec<String>) -> Result<Accepted, Rejected> {
        let mut problems = Vec::new();
        let mut invalid = false;
        let width = self.map.header.len();
        if raw.len() > width && raw[width..].iter().any(|c| !c.trim().is_empty()) {
            invalid = true;
            problems.push(row_problem(
                "ragged_row",
                format!("该行有{}列，表头只有{width}列", raw.len()),
                format!("the row has {} cells, the header {width}", raw.len()),
            ));
        } else if raw.len() < width {
            invalid = true;
            problems.push(row_problem(
                "ragged_row",
                format!("该行只有{}列，表头有{width}列", raw.len()),
                format!("the row has {} cells, the header {width}", raw.len()),
            ));
        }

        let mut cells = Vec::with_capacity(self.fields.len());
        for (i, f) in self.fields.iter().enumerate() {
            let c = &self.compiled[i];
            let text = self.map.columns[i]
                .and_then(|col| raw.get(col))
                .map(|s| s.trim())
                .unwrap_or("");
            if text.is_empty() {
                self.tally.field_empty(i);
                if f.required || f.is_key {
                    problems.push(field_problem(
                        f,
                        "required",
                        "必填，不能为空".to_owned(),
                        "is required".to_owned(),
                    ));
                }
                cells.push(Cell::Null);
                continue;
            }
            match check_value(f, c, text) {
                Ok(cell) => cells.push(cell),
                Err(p) => {
                    invalid = true;
                    self.tally.field_invalid(i);
                    problems.push(p);
                    cells.push(Cell::Null);
                }
            }
        }

        let key = if self.keys.iter().all(|&k| !cells[k].is_null()) {
            let mut key = String::new();
            for (n, &k) in self.keys.iter().enumerate() {
                if n > 0 {
                    key.push(KEY_SEPARATOR);
                }
                key.push_str(&cells[k].to_text());
            }
            Some(key)
        } else {
            None
        };

        let (mut duplicate, mut conflicting) = (false, false);
        if let Some(key) = &key {
            let hash = row_hash(&cells);
            match self.seen.get(key) {
                Some(&(first, first_hash)) => {
                    duplicate = true;
                    conflicting = first_hash != hash;
                    let (zh, en) = if conflicting {
                        (
                            format!("主键“{key}”与第{first}行重复，且取值不同"),
                            format!("key {key:?} repeats line {first} with other values"),
                        )
                    } else {
                        (
                            format!("主键“{key}”与第{first}行重复"),
                            format!("key {key:?} repeats line {first}"),
                        )
                    };
                    problems.push(row_problem("duplicate_key", zh, en));
                }
                None if problems.is_empty() => {
                    self.seen.insert(key.clone(), (line, hash));
                }
                None => {}
            }
        }

        self.tally
            .row(problems.is_empty(), invalid, duplicate, conflicting);
        if problems.is_empty() {
            Ok(Accepted {
                key: key.unwrap_or_default(),
                cells,
            })
        } else {
            let rejected = Rejected {
                line,
                raw,
                problems,
            };
            self.tally.reject(&rejected);
            Err(rejected)
        }
    }
}

fn row_hash(cells: &[Cell]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for c in cells {
        match c {
            Cell::Null => 0u8.hash(&mut h),
            Cell::Text(s) => (1u8, s).hash(&mut h),
            Cell::Int(i) => (2u8, i).hash(&mut h),
            Cell::Real(f) => (3u8, f.to_bits()).hash(&mut h),
            Cell::Bool(b) => (4u8, b).hash(&mut h),
        }
    }
    h.finish()
}

fn row_problem(code: &'static str, zh: String, en: String) -> Problem {
    Problem {
        field: None,
        code,
        message_zh: zh,
        message_en: en,
    }
}

fn field_problem(f: &Field, code: &'static str, zh: String, en: String) -> Problem {
    Problem {
        field: Some(f.code.clone()),
        code,
        message_zh: format!("{}{}", f.name, zh),
        message_en: format!("{} {en}", f.code),
    }
}

fn check_value(f: &Field, c: &Compiled, text: &str) -> Result<Cell, Problem> {
    let cell = parse_cell(c.kind, text).map_err(|e| {
        field_problem(
            f,
            e.code(),
            format!("“{text}”{}", e.message_zh()),
            format!("{text:?}: {}", e.message_en()),
        )
    })?;
    match f.identifier {
        Some(IdentifierKind::CitizenId) => {
            if let Err(e) = CitizenId::parse(text) {
                return Err(field_problem(
                    f,
                    "invalid_citizen_id",
                    format!("：{}", e.message_zh()),
                    e.to_string(),
                ));
            }
        }
        Some(IdentifierKind::Uscc) => {
            if let Err(e) = CreditCode::parse(text) {
                return Err(field_problem(
                    f,
                    "invalid_uscc",
                    format!("：{}", e.message_zh()),
                    e.to_string(),
                ));
            }
        }
        None => {}
    }
    if let Some(max) = f.rules.max_length {
        let n = text.chars().count();
        if n > max as usize {
            return Err(field_problem(
                f,
                "too_long",
                format!("长{n}个字符，超过上限{max}"),
                format!("has {n} characters, more than {max}"),
            ));
        }
    }
    if let Some(codes) = &c.codes
        && !codes.contains(text)
    {
        return Err(field_problem(
            f,
            "not_in_code_list",
            format!("“{text}”不在代码集中"),
            format!("{text:?} is not in the code list"),
        ));
    }
    if let Some(re) = &c.pattern
        && !re.is_match(text)
    {
        return Err(field_problem(
            f,
            "pattern_mismatch",
            format!("“{text}”不符合格式要求"),
            format!("{text:?} does not match the pattern"),
        ));
    }
    let below = |b: &Bound| match (b, &cell) {
        (Bound::Number(b), Cell::Int(v)) => (*v as f64) < *b,
        (Bound::Number(b), Cell::Real(v)) => v < b,
        (Bound::Text(b), Cell::Text(v)) => v < b,
        _ => false,
    };
    let above = |b: &Bound| match (b, &cell) {
        (Bound::Number(b), Cell::Int(v)) => (*v as f64) > *b,
        (Bound::Number(b), Cell::Real(v)) => v > b,
        (Bound::Text(b), Cell::Text(v)) => v > b,
        _ => false,
    };
    if c.min.as_ref().is_some_and(below) || c.max.as_ref().is_some_and(above) {
        let range = format!(
            "{}–{}",
            f.rules
                .min
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_default(),
            f.rules
                .max
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_default()
        );
        return Err(field_problem(
            f,
            "out_of_range",
            format!("“{text}”超出范围 {range}"),
            format!("{text:?} is outside {range}"),
        ));
    }
    Ok(cell)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{FieldType, ValueRules};

    fn field(code: &str, name: &str, t: FieldType) -> Field {
        Field {
            name: name.into(),
            code: code.into(),
            field_type: t,
            is_key: false,
            identifier: None,
            sensitive: false,
            grade: 1,
            required: false,
            description: String::new(),
            rules: ValueRules::default(),
        }
    }

    fn fields() -> Vec<Field> {
        let mut uscc = field("uscc", "统一社会信用代码", FieldType::C);
        uscc.is_key = true;
        uscc.identifier = Some(IdentifierKind::Uscc);
        let mut name = field("name", "企业名称", FieldType::C);
        name.required = true;
        let mut staff = field("staff", "从业人数", FieldType::I);
        staff.rules.min = Some(0.into());
        staff.rules.max = Some(100000.into());
        let mut kind = field("kind", "企业类型", FieldType::C);
        kind.rules.codes = vec!["1100".into(), "1200".into()];
        let mut zip = field("zip", "邮编", FieldType::C);
        zip.rules.pattern = Some("[0-9]{6}".into());
        vec![
            uscc,
            name,
            staff,
            kind,
            zip,
            field("founded", "成立日期", FieldType::D),
        ]
    }

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    fn checker() -> RowChecker {
        let f = fields();
        let header = strings(&[
            "统一社会信用代码",
            "NAME",
            "从业人数",
            "kind",
            "邮编",
            "成立日期",
            "备注",
        ]);
        let map = ColumnMap::infer(&f, &header).unwrap();
        map.require_complete(&f).unwrap();
        RowChecker::new(&f, map).unwrap()
    }

    fn good() -> String {
        let first17 = "91350100M000100Y4";
        format!(
            "{first17}{}",
            crate::identifiers::credit_code_check_char(first17).unwrap()
        )
    }

    fn broken() -> String {
        let g = good();
        let last = if g.ends_with('0') { '1' } else { '0' };
        format!("{}{last}", &g[..17])
    }

    #[test]
    fn columns_match_by_code_or_name_and_extras_are_ignored() {
        let c = checker();
        assert_eq!(
            c.map().columns,
            vec![Some(0), Some(1), Some(2), Some(3), Some(4), Some(5)]
        );
        assert_eq!(c.map().ignored_columns(), vec!["备注".to_owned()]);
    }

    #[test]
    fn a_missing_key_column_fails_the_whole_batch() {
        let f = fields();
        let map = ColumnMap::infer(&f, &strings(&["企业名称"])).unwrap();
        assert!(matches!(
            map.require_complete(&f),
            Err(MapError::MissingKey(_))
        ));
        let chosen = ColumnMap::with_choices(
            &f,
            &strings(&["代码", "企业名称"]),
            &[("uscc".into(), "代码".into())],
        )
        .unwrap();
        assert_eq!(chosen.require_complete(&f), Ok(()));
        assert_eq!(
            ColumnMap::infer(&f, &strings(&["a", "A"])),
            Err(MapError::DuplicateColumn("A".into()))
        );
    }

    #[test]
    fn a_good_row_becomes_typed_cells() {
        let mut c = checker();
        let row = c
            .check(
                2,
                strings(&[
                    &good(),
                    "澜江公交",
                    "1,200",
                    "1100",
                    "350100",
                    "2001/2/3",
                    "x",
                ]),
            )
            .unwrap();
        assert_eq!(row.key, good());
        assert_eq!(row.cells[2], Cell::Int(1200));
        assert_eq!(row.cells[5], Cell::Text("2001-02-03".into()));
    }

    #[test]
    fn every_reason_is_given() {
        let mut c = checker();
        let bad = c
            .check(
                3,
                strings(&[&broken(), "", "-1", "9999", "35010", "2001-02-30", ""]),
            )
            .unwrap_err();
        let codes: Vec<_> = bad.problems.iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            [
                "invalid_uscc",
                "required",
                "out_of_range",
                "not_in_code_list",
                "pattern_mismatch",
                "not_date"
            ]
        );
        assert!(
            bad.reason_text().contains("企业名称必填"),
            "{}",
            bad.reason_text()
        );
    }

    #[test]
    fn keys_are_unique_within_a_batch() {
        let mut c = checker();
        let row = strings(&[&good(), "甲", "1", "", "", "", ""]);
        assert!(c.check(2, row.clone()).is_ok());
        let same = c.check(3, row).unwrap_err();
        assert_eq!(same.problems[0].code, "duplicate_key");
        let other = c
            .check(4, strings(&[&good(), "乙", "1", "", "", "", ""]))
            .unwrap_err();
        assert!(other.problems[0].message_en.contains("other values"));
        assert_eq!(c.tally.duplicates, 2);
        assert_eq!(c.tally.conflicting, 1);
    }

    #[test]
    fn ragged_rows_are_rejected_but_trailing_blanks_are_not() {
        let mut c = checker();
        assert!(
            c.check(2, strings(&[&good(), "甲", "", "", "", "", "", "  "]))
                .is_ok()
        );
        let short = c.check(3, strings(&[&good(), "甲"])).unwrap_err();
        assert_eq!(short.problems[0].code, "ragged_row");
        let long = c
            .check(4, strings(&[&good(), "甲", "", "", "", "", "", "extra"]))
            .unwrap_err();
        assert_eq!(long.problems[0].code, "ragged_row");
    }

    #[test]
    fn broken_rules_are_found_before_any_row() {
        let mut f = field("zip", "邮编", FieldType::C);
        f.rules.pattern = Some("[0-9".into());
        assert!(rule_problem(&f).is_some());
        let mut n = field("n", "数", FieldType::I);
        n.rules.min = Some(5.into());
        n.rules.max = Some(1.into());
        assert_eq!(rule_problem(&n).as_deref(), Some("min is above max"));
        n.rules.max = Some("x".into());
        assert!(rule_problem(&n).is_some());
    }
}
