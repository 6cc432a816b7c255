//! The responsibility list (责任清单): the published catalog as a list (per unit or city-wide),
//! its export as CSV or XLSX, and the import of a catalog from the same template.
//!
//! The template has ONE row per 信息项 (field); the resource's columns repeat on every row of
//! the resource. On import a row whose 资源代码 is blank or the same as the previous row's
//! continues that resource, and a blank resource cell on such a row means "same as above".
//! The columns are defined once, in [`COLUMNS`], for the export, the import and the empty
//! template alike.
//!
//! An import reads the whole file, checks every row and resource (cells, units, the catalog
//! rules of `pubdata_core::catalog::rules`, codes already in the catalog or repeated in the
//! file) and reports each problem at its line and column. [`ImportMode::Check`] changes
//! nothing; [`ImportMode::ImportAll`] imports only a file without any problem (otherwise the
//! report comes back with `refused: Some("import_has_errors")`, nothing imported, and the
//! audit entry is a `deny` with that code); [`ImportMode::ImportGood`] imports the resources
//! that have no problem. Imported resources are drafts, all in one transaction.

use super::resources::{insert_draft, parse_doc};
use super::template::{self, ReadInfo, Table, TemplateError};
use crate::action::Audited;
use crate::error::FieldError;
use crate::{ActionError, App};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::rules::{Violation, category_of_code, check};
use pubdata_core::catalog::{
    Category, Field, FieldType, IdentifierKind, OpenAttr, ResourceDoc, ResourceFormat, ShareAttr,
    ShareMethod, UpdateCycle,
};
use pubdata_core::policy;
use pubdata_store::Tx;
use pubdata_store::catalog::resources as store;
use pubdata_store::orgs::OrgRow;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------
// The columns
// ---------------------------------------------------------------------------------------

/// A column of the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Col {
    Code,
    Name,
    Summary,
    Provider,
    Category,
    Theme,
    Format,
    UpdateCycle,
    ShareAttr,
    ShareCondition,
    ShareLegalBasis,
    ShareMethods,
    OpenAttr,
    OpenCondition,
    Grade,
    Tags,
    ReleaseDate,
    Aggregated,
    FieldName,
    FieldCode,
    FieldType,
    FieldIsKey,
    FieldIdentifier,
    FieldSensitive,
    FieldGrade,
    FieldRequired,
    FieldDescription,
}

impl Col {
    /// Whether the column describes the field of its row (else the resource).
    pub fn is_field(self) -> bool {
        COLUMNS[self as usize].path.starts_with("fields.")
    }

    /// The header text of the template.
    pub fn header(self) -> &'static str {
        COLUMNS[self as usize].header
    }
}

/// One column: its header (zh, exactly as the template writes it), the `ResourceDoc` path it
/// fills (also accepted as a header on import), and whether a file must have it.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub col: Col,
    pub header: &'static str,
    pub path: &'static str,
    pub required: bool,
}

const fn c(col: Col, header: &'static str, path: &'static str, required: bool) -> Column {
    Column {
        col,
        header,
        path,
        required,
    }
}

/// The template's columns in order; `COLUMNS[col as usize].col == col`. 提供单位 is required
/// when the import does not name the unit; 资源分类 may be left out (the code's class digit
/// says it).
pub const COLUMNS: [Column; 27] = [
    c(Col::Code, "资源代码", "code", true),
    c(Col::Name, "资源名称", "name", true),
    c(Col::Summary, "资源摘要", "summary", true),
    c(Col::Provider, "提供单位", "provider_org_id", false),
    c(Col::Category, "资源分类", "category", false),
    c(Col::Theme, "主题", "theme", false),
    c(Col::Format, "资源格式", "format", true),
    c(Col::UpdateCycle, "更新周期", "update_cycle", true),
    c(Col::ShareAttr, "共享属性", "share_attr", true),
    c(Col::ShareCondition, "共享条件", "share_condition", false),
    c(
        Col::ShareLegalBasis,
        "不予共享依据",
        "share_legal_basis",
        false,
    ),
    c(Col::ShareMethods, "共享方式", "share_methods", false),
    c(Col::OpenAttr, "开放属性", "open_attr", true),
    c(Col::OpenCondition, "开放条件", "open_condition", false),
    c(Col::Grade, "资源分级", "grade", false),
    c(Col::Tags, "标签", "tags", false),
    c(Col::ReleaseDate, "发布日期", "release_date", false),
    c(Col::Aggregated, "是否汇聚", "aggregated", false),
    c(Col::FieldName, "信息项名称", "fields.name", true),
    c(Col::FieldCode, "信息项代码", "fields.code", true),
    c(Col::FieldType, "数据类型", "fields.type", true),
    c(Col::FieldIsKey, "是否主键", "fields.is_key", false),
    c(Col::FieldIdentifier, "标识类型", "fields.identifier", false),
    c(Col::FieldSensitive, "是否敏感", "fields.sensitive", false),
    c(Col::FieldGrade, "信息项分级", "fields.grade", false),
    c(Col::FieldRequired, "是否必填", "fields.required", false),
    c(
        Col::FieldDescription,
        "信息项说明",
        "fields.description",
        false,
    ),
];

/// The header row of the template.
pub fn headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.header).collect()
}

/// Separator of the list cells (共享方式, 标签) as written; on import `,` `，` `;` `；` and
/// `、` all separate.
const LIST_SEP: &str = "、";

fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// The template rows of one resource: one per field (a resource without fields: one row with
/// the field cells blank).
pub fn doc_rows(doc: &ResourceDoc, provider_name: &str) -> Vec<Vec<String>> {
    let resource = |col: Col| -> String {
        match col {
            Col::Code => doc.code.clone(),
            Col::Name => doc.name.clone(),
            Col::Summary => doc.summary.clone(),
            Col::Provider => provider_name.to_owned(),
            Col::Category => doc.category.label_zh().to_owned(),
            Col::Theme => doc.theme.clone(),
            Col::Format => doc.format.label_zh().to_owned(),
            Col::UpdateCycle => doc.update_cycle.label_zh().to_owned(),
            Col::ShareAttr => doc.share_attr.label_zh().to_owned(),
            Col::ShareCondition => doc.share_condition.clone(),
            Col::ShareLegalBasis => doc.share_legal_basis.clone(),
            Col::ShareMethods => doc
                .share_methods
                .iter()
                .map(|m| m.label_zh())
                .collect::<Vec<_>>()
                .join(LIST_SEP),
            Col::OpenAttr => doc.open_attr.label_zh().to_owned(),
            Col::OpenCondition => doc.open_condition.clone(),
            Col::Grade => doc.grade.to_string(),
            Col::Tags => doc.tags.join(LIST_SEP),
            Col::ReleaseDate => doc.release_date.clone().unwrap_or_default(),
            Col::Aggregated => yes_no(doc.aggregated).to_owned(),
            _ => String::new(),
        }
    };
    let field = |f: &Field, col: Col| -> String {
        match col {
            Col::FieldName => f.name.clone(),
            Col::FieldCode => f.code.clone(),
            Col::FieldType => f.field_type.as_str().to_owned(),
            Col::FieldIsKey => yes_no(f.is_key).to_owned(),
            Col::FieldIdentifier => f
                .identifier
                .map(|i| i.label_zh().to_owned())
                .unwrap_or_default(),
            Col::FieldSensitive => yes_no(f.sensitive).to_owned(),
            Col::FieldGrade => f.grade.to_string(),
            Col::FieldRequired => yes_no(f.required).to_owned(),
            Col::FieldDescription => f.description.clone(),
            _ => String::new(),
        }
    };
    let row = |f: Option<&Field>| -> Vec<String> {
        COLUMNS
            .iter()
            .map(|c| match (c.col.is_field(), f) {
                (false, _) => resource(c.col),
                (true, Some(f)) => field(f, c.col),
                (true, None) => String::new(),
            })
            .collect()
    };
    if doc.fields.is_empty() {
        vec![row(None)]
    } else {
        doc.fields.iter().map(|f| row(Some(f))).collect()
    }
}

// ---------------------------------------------------------------------------------------
// Reading a file: header, groups, cells
// ---------------------------------------------------------------------------------------

/// Where each column is in a file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    index: [Option<usize>; COLUMNS.len()],
    /// Header cells that name no column (reported, otherwise ignored).
    pub unknown: Vec<String>,
    /// Required columns the file lacks (template headers).
    pub missing: Vec<&'static str>,
    /// Columns named more than once (template headers).
    pub duplicate: Vec<&'static str>,
}

impl HeaderMap {
    pub fn position(&self, col: Col) -> Option<usize> {
        self.index[col as usize]
    }

    /// The cell of `col` in `row`, "" when the file lacks the column or the row is short.
    pub fn cell<'r>(&self, row: &'r [String], col: Col) -> &'r str {
        self.position(col)
            .and_then(|i| row.get(i))
            .map_or("", |s| s.as_str())
    }
}

/// A header cell as people write it: spaces (also full-width) dropped, a required mark
/// (`*`, `＊`, `（必填）`, `(必填)`) dropped.
fn header_key(h: &str) -> String {
    let mut s: String = h
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{feff}')
        .collect();
    for mark in ["（必填）", "(必填)", "*", "＊"] {
        if let Some(rest) = s.strip_suffix(mark) {
            s = rest.to_owned();
        }
        if let Some(rest) = s.strip_prefix(mark) {
            s = rest.to_owned();
        }
    }
    s
}

/// Maps a file's header to the columns by their Chinese header or their path (`code`,
/// `fields.name`, …, ASCII case ignored). 提供单位 is required when `provider_required`.
pub fn map_header(header: &[String], provider_required: bool) -> HeaderMap {
    let mut map = HeaderMap {
        index: [None; COLUMNS.len()],
        unknown: Vec::new(),
        missing: Vec::new(),
        duplicate: Vec::new(),
    };
    for (i, h) in header.iter().enumerate() {
        let key = header_key(h);
        if key.is_empty() {
            continue;
        }
        let found = COLUMNS
            .iter()
            .find(|c| c.header == key || c.path.eq_ignore_ascii_case(&key));
        match found {
            Some(c) if map.index[c.col as usize].is_some() => {
                if !map.duplicate.contains(&c.header) {
                    map.duplicate.push(c.header);
                }
            }
            Some(c) => map.index[c.col as usize] = Some(i),
            None => map.unknown.push(h.trim().to_owned()),
        }
    }
    for c in &COLUMNS {
        let required = c.required || (c.col == Col::Provider && provider_required);
        if required && map.index[c.col as usize].is_none() {
            map.missing.push(c.header);
        }
    }
    map
}

/// One problem found in an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    /// The line (CSV) or row (XLSX) of the file, counting the header as 1; 0 for the file.
    pub row: usize,
    /// The column's template header, or "" for the row or resource as a whole.
    pub column: String,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

fn err(
    row: usize,
    col: Option<Col>,
    code: &str,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> ImportError {
    ImportError {
        row,
        column: col.map(|c| c.header().to_owned()).unwrap_or_default(),
        code: code.to_owned(),
        message_zh: zh.into(),
        message_en: en.into(),
    }
}

/// The rows of one resource in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The 资源代码 of its first row.
    pub code: String,
    /// Indexes into `Table::rows`, in file order.
    pub rows: Vec<usize>,
}

/// Splits the rows into resources: a row with a 资源代码 different from the previous row's
/// starts a resource, a blank or equal one continues it. Problems: a blank code before any
/// resource (the row belongs to none), a code that comes back after another resource (both
/// groups are kept, the error is on the later one's first row; `problems` gets
/// `(group index or None, error)`).
pub fn group_rows(
    table: &Table,
    map: &HeaderMap,
    problems: &mut Vec<(Option<usize>, ImportError)>,
) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut first_of: HashMap<String, usize> = HashMap::new();
    for (i, row) in table.rows.iter().enumerate() {
        let line = table.line_numbers.get(i).copied().unwrap_or(0);
        let code = map.cell(row, Col::Code);
        match groups.last_mut() {
            Some(g) if code.is_empty() || code == g.code => g.rows.push(i),
            None if code.is_empty() => problems.push((
                None,
                err(
                    line,
                    Some(Col::Code),
                    "resource_code_required",
                    "资源代码不能为空（第一行须写明资源代码，后续行留空表示同上）",
                    "the resource code is required (blank only on the rows that continue a resource)",
                ),
            )),
            _ => {
                let at = groups.len();
                if let Some(&earlier) = first_of.get(code) {
                    let earlier_line = table
                        .line_numbers
                        .get(groups[earlier].rows[0])
                        .copied()
                        .unwrap_or(0);
                    let e = err(
                        line,
                        Some(Col::Code),
                        "duplicate_resource_code",
                        format!("资源代码“{code}”在第{earlier_line}行已出现；同一资源的各行须连续排列"),
                        format!("resource code {code:?} already appears on line {earlier_line}; the rows of a resource must be together"),
                    );
                    problems.push((Some(earlier), e.clone()));
                    problems.push((Some(at), e));
                } else {
                    first_of.insert(code.to_owned(), at);
                }
                groups.push(Group {
                    code: code.to_owned(),
                    rows: vec![i],
                });
            }
        }
    }
    problems.dedup();
    groups
}

/// A cell that did not parse: (code, zh, en).
pub type CellError = (&'static str, String, String);

fn bad_value(what_zh: &str, what_en: &str, text: &str, allowed: String) -> CellError {
    (
        "invalid_value",
        format!("{what_zh}“{text}”无效，应为：{allowed}"),
        format!("{what_en} {text:?} is not valid; use one of: {allowed}"),
    )
}

fn required(what_zh: &str, what_en: &str) -> CellError {
    (
        "value_required",
        format!("{what_zh}不能为空"),
        format!("{what_en} is required"),
    )
}

/// Parses a vocabulary cell: the Chinese label or the stored name.
macro_rules! vocab_cell {
    ($ty:ty, $text:expr, $zh:expr, $en:expr) => {{
        let text: &str = $text;
        <$ty>::parse(text).ok_or_else(|| {
            let labels = <$ty>::ALL
                .iter()
                .map(|v| v.label_zh())
                .collect::<Vec<_>>()
                .join("、");
            bad_value($zh, $en, text, labels)
        })
    }};
}

/// 是/否 (also Y/N, yes/no, true/false, 1/0, √/×); blank is `default`.
pub fn parse_bool(text: &str, default: bool, (zh, en): (&str, &str)) -> Result<bool, CellError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(default);
    }
    match t.to_ascii_lowercase().as_str() {
        "是" | "y" | "yes" | "true" | "1" | "√" | "✓" => Ok(true),
        "否" | "n" | "no" | "false" | "0" | "×" | "✗" => Ok(false),
        _ => Err(bad_value(zh, en, t, "是、否".to_owned())),
    }
}

/// A grade 1 to 4: `2`, `2级`, `二级`, `第二级`. Blank is `None`. Numbers out of range parse
/// (the rules name the range); anything else is an error.
pub fn parse_grade(text: &str, (zh, en): (&str, &str)) -> Result<Option<u8>, CellError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let core = t.strip_prefix('第').unwrap_or(t);
    let core = core.strip_suffix('级').unwrap_or(core).trim();
    let n = match core {
        "一" => Some(1),
        "二" => Some(2),
        "三" => Some(3),
        "四" => Some(4),
        _ => core.parse::<u8>().ok(),
    };
    n.map(Some)
        .ok_or_else(|| bad_value(zh, en, t, "1、2、3、4".to_owned()))
}

/// The parts of a list cell (共享方式, 标签), split at `、` `,` `，` `;` `；` and line ends.
pub fn split_list(text: &str) -> Vec<&str> {
    text.split(['、', ',', '，', ';', '；', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// 标识类型: blank, `空` or `无` for none; else the label or stored name.
pub fn parse_identifier(text: &str) -> Result<Option<IdentifierKind>, CellError> {
    let t = text.trim();
    if t.is_empty() || t == "空" || t == "无" || t == "-" || t == "—" {
        return Ok(None);
    }
    vocab_cell!(IdentifierKind, t, "标识类型", "identifier kind").map(Some)
}

/// 数据类型: the letter (either case) or its Chinese label.
pub fn parse_field_type(text: &str) -> Result<FieldType, CellError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(required("数据类型", "field type"));
    }
    let upper = if t.len() == 1 {
        t.to_ascii_uppercase()
    } else {
        t.to_owned()
    };
    FieldType::parse(&upper).ok_or_else(|| {
        let allowed = FieldType::ALL
            .iter()
            .map(|v| format!("{}（{}）", v.as_str(), v.label_zh()))
            .collect::<Vec<_>>()
            .join("、");
        bad_value("数据类型", "field type", t, allowed)
    })
}

/// A date as people type it: `2025-01-05`, `2025/1/5`, `2025.1.5`, `2025年1月5日`; as
/// `YYYY-MM-DD` when it reads as one, else as typed (the rules report it).
pub fn normalize_date(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let unified: String = t
        .trim_end_matches('日')
        .chars()
        .map(|c| match c {
            '/' | '.' | '年' | '月' => '-',
            c => c,
        })
        .collect();
    let parts: Vec<&str> = unified.split('-').collect();
    if let [y, m, d] = parts[..]
        && let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>())
        && let Some(date) = chrono::NaiveDate::from_ymd_opt(y, m, d)
    {
        return Some(date.format("%Y-%m-%d").to_string());
    }
    Some(t.to_owned())
}

/// Whether two cells of a resource column say the same: the same text, or the same value
/// written differently (a label and a stored name, `是` and `Y`, `接口、文件` and `file,api`).
pub fn same_value(col: Col, a: &str, b: &str) -> bool {
    fn both<T: PartialEq>(a: Option<T>, b: Option<T>) -> bool {
        a.is_some() && a == b
    }
    fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
        v.sort();
        v.dedup();
        v
    }
    a == b
        || match col {
            Col::Category => both(Category::parse(a), Category::parse(b)),
            Col::Format => both(ResourceFormat::parse(a), ResourceFormat::parse(b)),
            Col::UpdateCycle => both(UpdateCycle::parse(a), UpdateCycle::parse(b)),
            Col::ShareAttr => both(ShareAttr::parse(a), ShareAttr::parse(b)),
            Col::OpenAttr => both(OpenAttr::parse(a), OpenAttr::parse(b)),
            Col::Aggregated => {
                let w = ("", "");
                both(parse_bool(a, true, w).ok(), parse_bool(b, true, w).ok())
            }
            Col::Grade => {
                let w = ("", "");
                both(parse_grade(a, w).ok(), parse_grade(b, w).ok())
            }
            Col::ReleaseDate => normalize_date(a) == normalize_date(b),
            Col::ShareMethods => {
                let methods = |t: &str| -> Option<Vec<ShareMethod>> {
                    split_list(t).into_iter().map(ShareMethod::parse).collect()
                };
                both(methods(a).map(sorted), methods(b).map(sorted))
            }
            Col::Tags => sorted(split_list(a)) == sorted(split_list(b)),
            _ => false,
        }
}

/// A resource as read from its rows, before the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedResource {
    /// `None` when a cell did not parse (its errors are in the problems).
    pub doc: Option<ResourceDoc>,
    /// The line of the first row.
    pub first_line: usize,
    /// The line of each field in `doc.fields`.
    pub field_lines: Vec<usize>,
}

/// Who provides a resource, from its 提供单位 cell: the unit's id, or why not.
pub type ProviderLookup<'a> = dyn Fn(&str) -> Result<String, CellError> + 'a;

/// Builds the resource of one group. A resource cell is the first non-blank one of its rows;
/// another non-blank cell that differs is an error. A row whose field cells are all blank
/// adds no field.
pub fn parse_group(
    table: &Table,
    map: &HeaderMap,
    group: &Group,
    provider: &ProviderLookup<'_>,
    problems: &mut Vec<ImportError>,
) -> ParsedResource {
    let line_of = |i: usize| table.line_numbers.get(i).copied().unwrap_or(0);
    let first_line = line_of(group.rows[0]);
    let mut found: Vec<ImportError> = Vec::new();
    fn bad(found: &mut Vec<ImportError>, col: Col, line: usize, (code, zh, en): CellError) {
        found.push(err(line, Some(col), code, zh, en));
    }

    // The resource's cells: first non-blank, with the line it came from. A later cell that
    // means something else is reported once per column (a wrong first cell would otherwise
    // make every repeated one an error).
    let mut value: HashMap<Col, (&str, usize)> = HashMap::new();
    for c in COLUMNS.iter().filter(|c| !c.col.is_field()) {
        for &i in &group.rows {
            let text = map.cell(&table.rows[i], c.col);
            if text.is_empty() {
                continue;
            }
            match value.get(&c.col) {
                None => {
                    value.insert(c.col, (text, line_of(i)));
                }
                Some((first, at)) if !same_value(c.col, first, text) => {
                    found.push(err(
                        line_of(i),
                        Some(c.col),
                        "inconsistent_resource_cell",
                        format!("{}“{text}”与本资源第{at}行的“{first}”不一致（同一资源的后续行可留空）", c.header),
                        format!("{} {text:?} differs from {first:?} on line {at} of the same resource (leave it blank on the rows that continue a resource)", c.header),
                    ));
                    break;
                }
                Some(_) => {}
            }
        }
    }
    let get = |col: Col| value.get(&col).map_or(("", first_line), |(t, l)| (*t, *l));

    macro_rules! need {
        ($ty:ty, $col:expr, $zh:expr, $en:expr) => {{
            let (text, line) = get($col);
            if text.is_empty() {
                bad(&mut found, $col, line, required($zh, $en));
                None
            } else {
                vocab_cell!($ty, text, $zh, $en)
                    .map_err(|e| bad(&mut found, $col, line, e))
                    .ok()
            }
        }};
    }

    let (code, _) = get(Col::Code);
    let category = match get(Col::Category) {
        // A malformed code is the rules' to report; the category then does not matter.
        ("", _) => Some(category_of_code(code).unwrap_or(Category::Basic)),
        (text, line) => vocab_cell!(Category, text, "资源分类", "category")
            .map_err(|e| bad(&mut found, Col::Category, line, e))
            .ok(),
    };
    let format = need!(ResourceFormat, Col::Format, "资源格式", "format");
    let update_cycle = need!(UpdateCycle, Col::UpdateCycle, "更新周期", "update cycle");
    let share_attr = need!(ShareAttr, Col::ShareAttr, "共享属性", "share attribute");
    let open_attr = need!(OpenAttr, Col::OpenAttr, "开放属性", "open attribute");
    let mut share_methods = Vec::new();
    {
        let (text, line) = get(Col::ShareMethods);
        for part in split_list(text) {
            match vocab_cell!(ShareMethod, part, "共享方式", "share method") {
                Ok(m) => share_methods.push(m),
                Err(e) => bad(&mut found, Col::ShareMethods, line, e),
            }
        }
    }
    let grade = {
        let (text, line) = get(Col::Grade);
        parse_grade(text, ("资源分级", "grade"))
            .map_err(|e| bad(&mut found, Col::Grade, line, e))
            .unwrap_or(None)
    };
    let aggregated = {
        let (text, line) = get(Col::Aggregated);
        parse_bool(text, true, ("是否汇聚", "aggregated"))
            .map_err(|e| bad(&mut found, Col::Aggregated, line, e))
            .unwrap_or(true)
    };
    let provider_org_id = {
        let (text, line) = get(Col::Provider);
        provider(text)
            .map_err(|e| bad(&mut found, Col::Provider, line, e))
            .ok()
    };

    // The fields, one per row that has any field cell.
    let mut fields = Vec::new();
    let mut field_lines = Vec::new();
    for &i in &group.rows {
        let row = &table.rows[i];
        let line = line_of(i);
        let cell = |col: Col| map.cell(row, col);
        if COLUMNS
            .iter()
            .filter(|c| c.col.is_field())
            .all(|c| cell(c.col).is_empty())
        {
            continue;
        }
        let before = found.len();
        let mut fail = |col: Col, e: CellError| bad(&mut found, col, line, e);
        let field_type = parse_field_type(cell(Col::FieldType))
            .map_err(|e| fail(Col::FieldType, e))
            .ok();
        let is_key = parse_bool(cell(Col::FieldIsKey), false, ("是否主键", "key"))
            .map_err(|e| fail(Col::FieldIsKey, e))
            .unwrap_or(false);
        let identifier = parse_identifier(cell(Col::FieldIdentifier))
            .map_err(|e| fail(Col::FieldIdentifier, e))
            .unwrap_or(None);
        let sensitive = parse_bool(cell(Col::FieldSensitive), false, ("是否敏感", "sensitive"))
            .map_err(|e| fail(Col::FieldSensitive, e))
            .unwrap_or(false);
        let field_grade = parse_grade(cell(Col::FieldGrade), ("信息项分级", "field grade"))
            .map_err(|e| fail(Col::FieldGrade, e))
            .unwrap_or(None)
            .unwrap_or(1);
        let is_required = parse_bool(cell(Col::FieldRequired), false, ("是否必填", "required"))
            .map_err(|e| fail(Col::FieldRequired, e))
            .unwrap_or(false);
        if let (true, Some(field_type)) = (found.len() == before, field_type) {
            fields.push(Field {
                name: cell(Col::FieldName).to_owned(),
                code: cell(Col::FieldCode).to_owned(),
                field_type,
                is_key,
                identifier,
                sensitive,
                grade: field_grade,
                required: is_required,
                description: cell(Col::FieldDescription).to_owned(),
                rules: Default::default(),
            });
            field_lines.push(line);
        }
    }

    let doc = match (
        category,
        format,
        update_cycle,
        share_attr,
        open_attr,
        provider_org_id,
    ) {
        (
            Some(category),
            Some(format),
            Some(update_cycle),
            Some(share_attr),
            Some(open_attr),
            Some(provider_org_id),
        ) if found.is_empty() => {
            // A blank resource grade is the highest of its fields'.
            let grade = grade.unwrap_or_else(|| fields.iter().map(|f| f.grade).max().unwrap_or(1));
            let text = |col: Col| get(col).0.to_owned();
            Some(ResourceDoc {
                code: code.to_owned(),
                name: text(Col::Name),
                summary: text(Col::Summary),
                provider_org_id,
                category,
                theme: text(Col::Theme),
                format,
                update_cycle,
                share_attr,
                share_condition: text(Col::ShareCondition),
                share_legal_basis: text(Col::ShareLegalBasis),
                share_methods,
                open_attr,
                open_condition: text(Col::OpenCondition),
                grade,
                tags: split_list(get(Col::Tags).0)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                release_date: normalize_date(get(Col::ReleaseDate).0),
                related_resource_ids: Vec::new(),
                system_id: None,
                aggregated,
                fields,
            })
        }
        _ => None,
    };
    problems.extend(found);
    ParsedResource {
        doc,
        first_line,
        field_lines,
    }
}

/// The column a rule's input path is about.
fn col_of_path(path: &str) -> Option<Col> {
    COLUMNS.iter().find(|c| c.path == path).map(|c| c.col)
}

/// Places a rule's violation at the row and column it is about: a field's at the field's
/// row, the resource's at the resource's first row.
pub fn place(v: Violation, parsed: &ParsedResource) -> ImportError {
    let (row, col) = match v.field.strip_prefix("fields[") {
        Some(rest) => {
            let (index, part) = rest.split_once("].").unwrap_or((rest, ""));
            let row = index
                .trim_end_matches(']')
                .parse::<usize>()
                .ok()
                .and_then(|i| parsed.field_lines.get(i).copied())
                .unwrap_or(parsed.first_line);
            (row, col_of_path(&format!("fields.{part}")))
        }
        None => (parsed.first_line, col_of_path(&v.field)),
    };
    err(row, col, v.code, v.message_zh, v.message_en)
}

/// A file read into resources, with every problem the file alone shows (not yet the codes
/// already in the catalog).
#[derive(Debug, Clone)]
pub struct ParsedFile {
    pub groups: Vec<Group>,
    /// One per group, normalized and checked against the rules.
    pub resources: Vec<ParsedResource>,
    /// Each problem with the group it makes unimportable (None: a row outside any resource).
    pub problems: Vec<(Option<usize>, ImportError)>,
}

/// Groups, parses and checks every resource of a table.
pub fn parse_table(table: &Table, map: &HeaderMap, provider: &ProviderLookup<'_>) -> ParsedFile {
    let mut problems = Vec::new();
    let groups = group_rows(table, map, &mut problems);
    let mut resources = Vec::with_capacity(groups.len());
    for (gi, group) in groups.iter().enumerate() {
        let mut found = Vec::new();
        let mut parsed = parse_group(table, map, group, provider, &mut found);
        if let Some(doc) = parsed.doc.as_mut() {
            doc.normalize();
            for v in check(doc) {
                found.push(place(v, &parsed));
            }
        }
        problems.extend(found.into_iter().map(|e| (Some(gi), e)));
        resources.push(parsed);
    }
    ParsedFile {
        groups,
        resources,
        problems,
    }
}

// ---------------------------------------------------------------------------------------
// The actions
// ---------------------------------------------------------------------------------------

/// One resource of the responsibility list, as the list page shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ListEntry {
    pub id: String,
    pub code: String,
    pub name: String,
    pub provider_org_id: String,
    pub provider_name: String,
    pub fields: Vec<String>,
    pub update_cycle: UpdateCycle,
    pub share_attr: ShareAttr,
    pub share_condition: String,
    pub share_methods: Vec<ShareMethod>,
    pub open_attr: OpenAttr,
    pub open_condition: String,
    pub published_at: Option<String>,
}

/// Every unit, disabled ones too (a city has tens to hundreds).
async fn all_orgs(tx: &mut Tx) -> Result<Vec<OrgRow>, ActionError> {
    let mut out: Vec<OrgRow> = Vec::new();
    loop {
        let after = out.last().map(|o| o.id.clone());
        let page = pubdata_store::orgs::list(tx, after.as_deref(), 1000, true).await?;
        let done = page.len() < 1000;
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

fn list_target(org_id: Option<&str>) -> Target {
    match org_id {
        Some(o) => Target::new("org", o),
        None => Target::new("catalog", "responsibility-list"),
    }
}

/// The published resources of one unit or all, with the units' names; `org_not_found` for an
/// unknown unit. Records the read in its own transaction.
async fn published_list(
    a: &Audited<'_>,
    org_id: Option<&str>,
) -> Result<
    (
        Vec<(store::ResourceRow, ResourceDoc)>,
        HashMap<String, String>,
    ),
    ActionError,
> {
    let org_id = org_id.map(str::trim).filter(|o| !o.is_empty());
    policy::search_catalog(a.actor, a.action)?;
    let mut tx = a.app.db().begin_read().await?;
    let orgs = all_orgs(&mut tx).await?;
    if let Some(o) = org_id
        && !orgs.iter().any(|r| r.id == o)
    {
        return Err(ActionError::NotFound("org_not_found"));
    }
    let rows = store::published(&mut tx, org_id).await?;
    tx.rollback().await?;
    let names = orgs.into_iter().map(|o| (o.id, o.name)).collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let doc = parse_doc(&r.id, &r.doc)?;
        out.push((r, doc));
    }
    let tx = a.begin().await?;
    a.commit(tx).await?;
    Ok((out, names))
}

/// The responsibility list (published resources only), of one unit or city-wide; any member
/// of staff.
pub async fn responsibility_list(
    app: &App,
    actor: &Actor,
    org_id: Option<&str>,
) -> Result<Vec<ListEntry>, ActionError> {
    let a = Audited::new(app, actor, Action::ViewResponsibilityList)
        .with_target(list_target(org_id.filter(|o| !o.trim().is_empty())));
    a.finish(
        async {
            let (rows, names) = published_list(&a, org_id).await?;
            Ok(rows
                .into_iter()
                .map(|(r, doc)| ListEntry {
                    id: r.id,
                    provider_name: names
                        .get(&doc.provider_org_id)
                        .cloned()
                        .unwrap_or_else(|| doc.provider_org_id.clone()),
                    code: doc.code,
                    name: doc.name,
                    provider_org_id: doc.provider_org_id,
                    fields: doc.fields.into_iter().map(|f| f.name).collect(),
                    update_cycle: doc.update_cycle,
                    share_attr: doc.share_attr,
                    share_condition: doc.share_condition,
                    share_methods: doc.share_methods,
                    open_attr: doc.open_attr,
                    open_condition: doc.open_condition,
                    published_at: r.published_at.map(crate::rfc3339),
                })
                .collect())
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "xlsx" => Some(ExportFormat::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

/// A file to download: its bytes, its name (Chinese, for `filename*`) and an ASCII name (for
/// the plain `filename` of Content-Disposition).
#[derive(Debug, Clone)]
pub struct Export {
    pub bytes: Vec<u8>,
    pub filename: String,
    pub ascii_filename: String,
    pub content_type: &'static str,
}

fn write_sheet(format: ExportFormat, rows: &[Vec<String>]) -> Result<Vec<u8>, ActionError> {
    let header = headers();
    match format {
        ExportFormat::Csv => Ok(template::write_csv(&header, rows)),
        ExportFormat::Xlsx => template::write_xlsx("责任清单", &header, rows)
            .map_err(|e| ActionError::Unexpected(e.to_string())),
    }
}

/// The empty template (the header row only), to fill in and import.
pub fn empty_template(format: ExportFormat) -> Result<Export, ActionError> {
    let ext = format.extension();
    Ok(Export {
        bytes: write_sheet(format, &[])?,
        filename: format!("责任清单模板.{ext}"),
        ascii_filename: format!("responsibility-list-template.{ext}"),
        content_type: format.content_type(),
    })
}

/// The responsibility list in the template's form (one row per field), of one unit or
/// city-wide: `责任清单-<unit or 全市>-<date>.csv`.
pub async fn export_responsibility_list(
    app: &App,
    actor: &Actor,
    org_id: Option<&str>,
    format: ExportFormat,
) -> Result<Export, ActionError> {
    let a = Audited::new(app, actor, Action::ExportResponsibilityList)
        .with_target(list_target(org_id.filter(|o| !o.trim().is_empty())));
    a.finish(
        async {
            let (rows, names) = published_list(&a, org_id).await?;
            let mut sheet = Vec::new();
            for (_, doc) in &rows {
                let provider = names
                    .get(&doc.provider_org_id)
                    .map_or(doc.provider_org_id.as_str(), String::as_str);
                sheet.extend(doc_rows(doc, provider));
            }
            let scope = org_id
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .and_then(|o| names.get(o))
                .map_or("全市", String::as_str);
            let date = crate::today().format("%Y-%m-%d").to_string();
            let ext = format.extension();
            Ok(Export {
                bytes: write_sheet(format, &sheet)?,
                filename: format!("责任清单-{scope}-{date}.{ext}"),
                ascii_filename: format!("responsibility-list-{date}.{ext}"),
                content_type: format.content_type(),
            })
        }
        .await,
    )
    .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Check and report; change nothing.
    Check,
    /// Import every resource, only if the file has no problem at all.
    ImportAll,
    /// Import the resources without problems; leave the others.
    ImportGood,
}

impl ImportMode {
    pub fn parse(s: &str) -> Option<ImportMode> {
        match s.trim() {
            "check" => Some(ImportMode::Check),
            "import_all" => Some(ImportMode::ImportAll),
            "import_good" => Some(ImportMode::ImportGood),
            _ => None,
        }
    }
}

/// At most this many problems are listed in a report (all are counted).
pub const MAX_REPORTED_ERRORS: usize = 2000;

/// What an import found and did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    pub mode: ImportMode,
    /// "csv" or "xlsx".
    pub format: &'static str,
    /// The CSV's detected encoding ("UTF-8", "UTF-8 (BOM)", "GB18030/GBK"); `None` for XLSX.
    pub encoding: Option<&'static str>,
    /// Data rows read (blank rows skipped).
    pub rows: usize,
    /// Resources found (groups of rows).
    pub resources: usize,
    /// Resources without any problem: what `import_good` imports.
    pub good_resources: usize,
    /// Header cells that name no column of the template (ignored).
    pub unknown_columns: Vec<String>,
    /// All problems found (`errors` may list fewer: at most [`MAX_REPORTED_ERRORS`]).
    pub error_count: usize,
    /// Problems by line, then column.
    pub errors: Vec<ImportError>,
    pub imported: usize,
    /// The drafts made, in file order.
    pub resource_ids: Vec<String>,
    /// `Some("import_has_errors")` when `import_all` was refused because the file has problems:
    /// nothing was imported (the audit entry is a `deny` with that code). The API answers 422
    /// with this report.
    pub refused: Option<&'static str>,
}

impl ImportReport {
    pub fn is_refused(&self) -> bool {
        self.refused.is_some()
    }
}

fn template_error(e: TemplateError) -> ActionError {
    let code = e.code();
    ActionError::invalid(
        code,
        FieldError::new("file", code, e.message_zh(), e.to_string()),
    )
}

/// Reads an upload and checks it; `mode` says what to import. `org_id`: the unit importing
/// (every resource must be its own; a blank 提供单位 means it), or `None` for an import where
/// each row's 提供单位 decides (the authority city-wide; a steward then only its own unit).
pub async fn import_catalog(
    app: &App,
    actor: &Actor,
    org_id: Option<&str>,
    bytes: &[u8],
    filename: Option<&str>,
    mode: ImportMode,
) -> Result<ImportReport, ActionError> {
    let org_id = org_id.map(str::trim).filter(|o| !o.is_empty());
    // A check changes nothing and is logged as what it is; an import as an import.
    let action = match mode {
        ImportMode::Check => Action::CheckCatalogImport,
        _ => Action::ImportCatalog,
    };
    let a = Audited::new(app, actor, action).with_target(match org_id {
        Some(o) => Target::new("org", o),
        None => Target::new("catalog", "import"),
    });
    let result = import(&a, org_id, bytes, filename, mode).await;
    match result {
        Ok(report) if report.is_refused() => {
            // Recorded as the refusal it is; the caller still gets the report to show.
            let refusal = ActionError::Invalid {
                code: "import_has_errors",
                errors: Vec::new(),
            };
            let _ = a.finish::<()>(Err(refusal)).await;
            Ok(report)
        }
        other => a.finish(other).await,
    }
}

async fn import(
    a: &Audited<'_>,
    org_id: Option<&str>,
    bytes: &[u8],
    filename: Option<&str>,
    mode: ImportMode,
) -> Result<ImportReport, ActionError> {
    let actor = a.actor;
    // May the actor import at all (its own unit, or the named one)?
    policy::edit_catalog(actor, a.action, org_id.or(actor.org_id()).unwrap_or(""))?;

    let (table, info): (Table, ReadInfo) =
        template::read_table(bytes, filename).map_err(template_error)?;
    let map = map_header(&table.header, org_id.is_none());
    if !map.duplicate.is_empty() {
        return Err(ActionError::Invalid {
            code: "duplicate_columns",
            errors: map
                .duplicate
                .iter()
                .map(|h| {
                    FieldError::new(
                        h,
                        "duplicate_columns",
                        format!("表头中“{h}”列出现多次"),
                        format!("the column {h:?} appears more than once in the header"),
                    )
                })
                .collect(),
        });
    }
    if !map.missing.is_empty() {
        return Err(ActionError::Invalid {
            code: "missing_columns",
            errors: map
                .missing
                .iter()
                .map(|h| {
                    FieldError::new(
                        h,
                        "missing_columns",
                        format!("缺少必需的列“{h}”"),
                        format!("the required column {h:?} is missing"),
                    )
                })
                .collect(),
        });
    }
    if table.rows.is_empty() {
        return Err(ActionError::invalid(
            "no_data_rows",
            FieldError::new(
                "file",
                "no_data_rows",
                "文件只有表头，没有数据行",
                "the file has a header but no data rows",
            ),
        ));
    }

    // The units, read first: the file is parsed outside the write transaction, which an
    // import holds (on SQLite, the database's one writer) only for the catalog's checks and
    // the inserts. (A unit disabled in between fails the import in `insert_draft`.)
    let orgs = {
        let mut read = a.app.db().begin_read().await?;
        let orgs = all_orgs(&mut read).await?;
        read.rollback().await?;
        orgs
    };
    if let Some(o) = org_id
        && !orgs.iter().any(|r| r.id == o)
    {
        return Err(ActionError::NotFound("org_not_found"));
    }
    let by_name: HashMap<&str, &OrgRow> = orgs.iter().map(|o| (o.name.as_str(), o)).collect();
    let by_id: HashMap<&str, &OrgRow> = orgs.iter().map(|o| (o.id.as_str(), o)).collect();
    let provider = |text: &str| -> Result<String, CellError> {
        let shown = if text.is_empty() {
            org_id.unwrap_or("")
        } else {
            text
        };
        let org = if text.is_empty() {
            match org_id {
                Some(o) => by_id.get(o).copied(),
                None => {
                    return Err(required("提供单位", "providing unit"));
                }
            }
        } else {
            by_name
                .get(text)
                .or_else(|| by_id.get(text))
                .copied()
                .filter(|o| !o.disabled)
        };
        let Some(org) = org.filter(|o| !o.disabled) else {
            return Err((
                "unknown_provider",
                format!("提供单位“{shown}”不存在或已停用（应填写单位名称）"),
                format!(
                    "providing unit {shown:?} does not exist or is disabled (write the unit's name)"
                ),
            ));
        };
        if let Some(o) = org_id
            && org.id != o
        {
            let ours = by_id.get(o).map_or(o, |r| r.name.as_str());
            return Err((
                "other_org",
                format!("本次导入仅限“{ours}”的资源，该行属于“{}”", org.name),
                format!(
                    "this import is for {ours:?} only; the row is {:?}'s",
                    org.name
                ),
            ));
        }
        if policy::edit_catalog(actor, a.action, &org.id).is_err() {
            return Err((
                "other_org",
                format!("您只能导入本单位的目录，该行属于“{}”", org.name),
                format!(
                    "you may import only your own unit's catalog; the row is {:?}'s",
                    org.name
                ),
            ));
        }
        Ok(org.id.clone())
    };
    let mut parsed = parse_table(&table, &map, &provider);

    // One transaction: a read for a check; for an import the write, begun before the checks
    // against the catalog so that they still hold when the drafts go in.
    let mut tx = match mode {
        ImportMode::Check => a.app.db().begin_read().await?,
        _ => a.begin().await?,
    };

    // Codes already in the catalog.
    for (gi, r) in parsed.resources.iter().enumerate() {
        let Some(doc) = &r.doc else { continue };
        if parsed.problems.iter().any(|(g, _)| *g == Some(gi)) {
            continue;
        }
        if store::get_by_code(&mut tx, &doc.code).await?.is_some() {
            parsed.problems.push((
                Some(gi),
                err(
                    r.first_line,
                    Some(Col::Code),
                    "resource_code_taken",
                    format!("资源代码“{}”已在目录中", doc.code),
                    format!("resource code {:?} is already in the catalog", doc.code),
                ),
            ));
        }
    }

    let mut bad = vec![false; parsed.groups.len()];
    for (g, _) in &parsed.problems {
        if let Some(g) = g {
            bad[*g] = true;
        }
    }
    let good: Vec<usize> = (0..parsed.groups.len())
        .filter(|&g| !bad[g] && parsed.resources[g].doc.is_some())
        .collect();
    let mut errors: Vec<ImportError> = parsed.problems.into_iter().map(|(_, e)| e).collect();
    let column_order = |e: &ImportError| {
        COLUMNS
            .iter()
            .position(|c| c.header == e.column)
            .unwrap_or(0)
    };
    errors.sort_by_key(|e| (e.row, column_order(e)));
    errors.dedup();
    let error_count = errors.len();
    errors.truncate(MAX_REPORTED_ERRORS);
    let mut report = ImportReport {
        mode,
        format: info.format,
        encoding: info.encoding.map(|e| e.as_str()),
        rows: table.rows.len(),
        resources: parsed.groups.len(),
        good_resources: good.len(),
        unknown_columns: map.unknown.clone(),
        error_count,
        errors,
        imported: 0,
        resource_ids: Vec::new(),
        refused: None,
    };

    let to_import = match mode {
        ImportMode::Check => Vec::new(),
        ImportMode::ImportAll if error_count > 0 => {
            tx.rollback().await?;
            report.refused = Some("import_has_errors");
            return Ok(report);
        }
        ImportMode::ImportAll | ImportMode::ImportGood => good,
    };
    if mode == ImportMode::Check {
        tx.rollback().await?;
        let tx = a.begin().await?;
        a.commit(tx).await?;
        return Ok(report);
    }
    for g in to_import {
        let doc = parsed.resources[g]
            .doc
            .take()
            .expect("a good resource has its doc");
        let permit = policy::edit_catalog(actor, a.action, &doc.provider_org_id)?;
        let row = insert_draft(&mut tx, &permit, actor, doc, "imported").await?;
        report.resource_ids.push(row.id);
    }
    report.imported = report.resource_ids.len();
    a.commit(tx).await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    fn sample(code: &str, provider: &str) -> ResourceDoc {
        let mut doc = ResourceDoc {
            code: code.into(),
            name: "企业登记信息".into(),
            summary: "市场主体登记的基本信息，含名称、统一社会信用代码、住所".into(),
            provider_org_id: provider.into(),
            category: Category::Basic,
            theme: "法人".into(),
            format: ResourceFormat::Database,
            update_cycle: UpdateCycle::Daily,
            share_attr: ShareAttr::Conditional,
            share_condition: "用于市场监管与政务服务，含\"引号\"，和逗号".into(),
            share_legal_basis: String::new(),
            share_methods: vec![ShareMethod::Api, ShareMethod::Table],
            open_attr: OpenAttr::Conditional,
            open_condition: "签署安全保密协议".into(),
            grade: 3,
            tags: vec!["企业".into(), "登记".into()],
            release_date: Some("2025-03-01".into()),
            related_resource_ids: Vec::new(),
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
                    description: "18位".into(),
                    rules: Default::default(),
                },
                Field {
                    name: "企业名称".into(),
                    code: "name".into(),
                    field_type: FieldType::C,
                    is_key: false,
                    identifier: None,
                    sensitive: false,
                    grade: 1,
                    required: true,
                    description: String::new(),
                    rules: Default::default(),
                },
                Field {
                    name: "法定代表人身份号码".into(),
                    code: "legal_rep_id".into(),
                    field_type: FieldType::C,
                    is_key: false,
                    identifier: Some(IdentifierKind::CitizenId),
                    sensitive: true,
                    grade: 3,
                    required: false,
                    description: "两行\n说明".into(),
                    rules: Default::default(),
                },
                Field {
                    name: "注册资本".into(),
                    code: "capital".into(),
                    field_type: FieldType::Y,
                    is_key: false,
                    identifier: None,
                    sensitive: false,
                    grade: 2,
                    required: false,
                    description: String::new(),
                    rules: Default::default(),
                },
            ],
        };
        doc.normalize();
        assert_eq!(check(&doc), vec![], "the sample keeps the rules");
        doc
    }

    /// Units by name: 市场局 → org-market, 公安局 → org-police.
    fn units(text: &str) -> Result<String, CellError> {
        match text {
            "市场局" | "" => Ok("org-market".into()),
            "公安局" => Ok("org-police".into()),
            other => Err(("unknown_provider", format!("{other}?"), format!("{other}?"))),
        }
    }

    fn table(rows: &[Vec<String>]) -> Table {
        Table {
            header: headers().into_iter().map(str::to_owned).collect(),
            rows: rows.to_vec(),
            line_numbers: (2..rows.len() + 2).collect(),
        }
    }

    fn parse(t: &Table) -> ParsedFile {
        let map = map_header(&t.header, true);
        assert!(map.missing.is_empty() && map.unknown.is_empty());
        parse_table(t, &map, &units)
    }

    #[test]
    fn the_column_table_is_in_order() {
        for (i, c) in COLUMNS.iter().enumerate() {
            assert_eq!(c.col as usize, i, "{}", c.header);
        }
        assert_eq!(Col::FieldName.header(), "信息项名称");
        assert!(Col::FieldDescription.is_field() && !Col::Aggregated.is_field());
    }

    #[test]
    fn header_mapping() {
        let header = strings(&[
            "资源代码*",
            " 资源名称 ",
            "summary",
            "（必填）资源格式",
            "更新周期",
            "共享属性",
            "开放属性",
            "信息项名称",
            "FIELDS.CODE",
            "数据类型",
            "备注",
            "",
            "资源名称",
        ]);
        let map = map_header(&header, false);
        assert_eq!(map.position(Col::Code), Some(0));
        assert_eq!(map.position(Col::Name), Some(1));
        assert_eq!(map.position(Col::Summary), Some(2));
        assert_eq!(map.position(Col::Format), Some(3));
        assert_eq!(map.position(Col::FieldCode), Some(8));
        assert_eq!(map.position(Col::Provider), None);
        assert_eq!(map.unknown, strings(&["备注"]));
        assert_eq!(map.duplicate, vec!["资源名称"]);
        assert!(map.missing.is_empty(), "{:?}", map.missing);

        let map = map_header(&header[..7], true);
        assert_eq!(
            map.missing,
            vec!["提供单位", "信息项名称", "信息项代码", "数据类型"]
        );
        let row = strings(&["1/01/001/0001"]);
        assert_eq!(map.cell(&row, Col::Code), "1/01/001/0001");
        assert_eq!(map.cell(&row, Col::Name), "", "a short row");
    }

    #[test]
    fn grouping_follows_the_code_column() {
        let map = map_header(&table(&[]).header, true);
        let row = |code: &str| {
            let mut r = vec![String::new(); COLUMNS.len()];
            r[0] = code.to_owned();
            r
        };
        let t = table(&[
            row(""),
            row("1/01/001/0001"),
            row(""),
            row("1/01/001/0001"),
            row("1/01/001/0002"),
            row("1/01/001/0001"),
        ]);
        let mut problems = Vec::new();
        let groups = group_rows(&t, &map, &mut problems);
        assert_eq!(
            groups,
            vec![
                Group {
                    code: "1/01/001/0001".into(),
                    rows: vec![1, 2, 3]
                },
                Group {
                    code: "1/01/001/0002".into(),
                    rows: vec![4]
                },
                Group {
                    code: "1/01/001/0001".into(),
                    rows: vec![5]
                },
            ]
        );
        let codes: Vec<(Option<usize>, usize, &str)> = problems
            .iter()
            .map(|(g, e)| (*g, e.row, e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            vec![
                (None, 2, "resource_code_required"),
                (Some(0), 7, "duplicate_resource_code"),
                (Some(2), 7, "duplicate_resource_code"),
            ]
        );
        assert!(problems[1].1.message_zh.contains("第3行"));
    }

    #[test]
    fn cells() {
        let w = ("是否主键", "key");
        assert_eq!(parse_bool("是", false, w), Ok(true));
        assert_eq!(parse_bool(" N ", true, w), Ok(false));
        assert_eq!(parse_bool("", true, w), Ok(true));
        assert_eq!(parse_bool("可能", false, w).unwrap_err().0, "invalid_value");
        let g = ("分级", "grade");
        assert_eq!(parse_grade("3", g), Ok(Some(3)));
        assert_eq!(parse_grade("2级", g), Ok(Some(2)));
        assert_eq!(parse_grade("第四级", g), Ok(Some(4)));
        assert_eq!(parse_grade("", g), Ok(None));
        assert_eq!(
            parse_grade("9", g),
            Ok(Some(9)),
            "the rules report the range"
        );
        assert!(parse_grade("高", g).is_err());
        assert_eq!(parse_field_type("c"), Ok(FieldType::C));
        assert_eq!(parse_field_type("日期型"), Ok(FieldType::D));
        assert_eq!(parse_field_type("").unwrap_err().0, "value_required");
        assert!(
            parse_field_type("文本")
                .unwrap_err()
                .1
                .contains("C（字符型）")
        );
        assert_eq!(parse_identifier("空"), Ok(None));
        assert_eq!(parse_identifier("uscc"), Ok(Some(IdentifierKind::Uscc)));
        assert_eq!(
            parse_identifier("公民身份号码"),
            Ok(Some(IdentifierKind::CitizenId))
        );
        assert!(parse_identifier("护照").is_err());
        assert_eq!(
            split_list("接口、 文件,库表；"),
            vec!["接口", "文件", "库表"]
        );
        assert_eq!(normalize_date("2025/3/1").as_deref(), Some("2025-03-01"));
        assert_eq!(
            normalize_date("2025年3月1日").as_deref(),
            Some("2025-03-01")
        );
        assert_eq!(normalize_date("明天").as_deref(), Some("明天"));
        assert_eq!(normalize_date(" "), None);
    }

    #[test]
    fn the_same_value_may_be_written_differently() {
        assert!(same_value(Col::ShareAttr, "有条件共享", "conditional"));
        assert!(!same_value(Col::ShareAttr, "有条件共享", "unconditional"));
        assert!(!same_value(Col::ShareAttr, "部分共享", "部分共享 "));
        assert!(same_value(Col::Aggregated, "是", "Y"));
        assert!(same_value(Col::ShareMethods, "接口、文件", "file,api"));
        assert!(same_value(Col::Grade, "2", "二级"));
        assert!(same_value(Col::ReleaseDate, "2025-03-01", "2025/3/1"));
        assert!(!same_value(Col::Name, "甲", "乙"));
    }

    #[test]
    fn export_then_import_gives_the_same_docs() {
        let a = sample("1/01/001/0001", "org-market");
        let mut b = sample("1/01/001/0002", "org-police");
        b.name = "人口基础信息".into();
        b.share_attr = ShareAttr::NotShared;
        b.share_condition.clear();
        b.share_legal_basis = "《个人信息保护法》".into();
        b.open_attr = OpenAttr::NotOpen;
        b.open_condition.clear();
        b.aggregated = false;
        b.tags.clear();
        b.release_date = None;
        b.normalize();
        assert_eq!(check(&b), vec![]);
        let mut rows = doc_rows(&a, "市场局");
        rows.extend(doc_rows(&b, "公安局"));
        assert_eq!(rows.len(), 8);

        // Export as each format, change the codes, import.
        let csv = template::write_csv(&headers(), &rows);
        let xlsx = template::write_xlsx("责任清单", &headers(), &rows).unwrap();
        for bytes in [csv, xlsx] {
            let (mut t, _) = template::read_table(&bytes, None).unwrap();
            for row in &mut t.rows {
                row[0] = row[0].replace("/0001", "/0101").replace("/0002", "/0102");
            }
            let parsed = parse(&t);
            assert_eq!(parsed.problems, vec![]);
            let docs: Vec<ResourceDoc> = parsed
                .resources
                .into_iter()
                .map(|r| r.doc.unwrap())
                .collect();
            let mut want = vec![a.clone(), b.clone()];
            want[0].code = "1/01/001/0101".into();
            want[1].code = "1/01/001/0102".into();
            assert_eq!(docs, want);
        }
    }

    #[test]
    fn continuation_rows_may_leave_resource_cells_blank() {
        let doc = sample("1/01/001/0001", "org-market");
        let mut rows = doc_rows(&doc, "市场局");
        for row in rows.iter_mut().skip(1) {
            for c in COLUMNS.iter().filter(|c| !c.col.is_field()) {
                row[c.col as usize].clear();
            }
        }
        // Labels or stored names, either.
        rows[0][Col::UpdateCycle as usize] = "daily".into();
        let parsed = parse(&table(&rows));
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.resources[0].doc.as_ref(), Some(&doc));
        assert_eq!(parsed.resources[0].field_lines, vec![2, 3, 4, 5]);
    }

    #[test]
    fn problems_are_placed_at_their_row_and_column() {
        let doc = sample("1/01/001/0001", "org-market");
        let mut rows = doc_rows(&doc, "市场局");
        // A cell that does not parse, a conflicting resource cell.
        rows[1][Col::FieldIsKey as usize] = "也许".into();
        rows[2][Col::ShareAttr as usize] = "无条件共享".into();
        let parsed = parse(&table(&rows));
        let found: Vec<(usize, &str, &str)> = parsed
            .problems
            .iter()
            .map(|(_, e)| (e.row, e.column.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                (4, "共享属性", "inconsistent_resource_cell"),
                (3, "是否主键", "invalid_value"),
            ]
        );
        assert!(parsed.resources[0].doc.is_none());

        // Rule violations: a field's at its row, the resource's at its first row.
        let mut rows = doc_rows(&doc, "市场局");
        rows[2][Col::FieldCode as usize] = "Bad Code".into();
        for row in &mut rows {
            row[Col::ShareCondition as usize].clear();
        }
        let parsed = parse(&table(&rows));
        let found: Vec<(usize, &str, &str)> = parsed
            .problems
            .iter()
            .map(|(_, e)| (e.row, e.column.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                (2, "共享条件", "share_condition_required"),
                (4, "信息项代码", "invalid_field_code"),
            ]
        );

        // An unknown unit; a resource without key fields (at its first row, no column).
        let mut rows = doc_rows(&doc, "澜江市不存在局");
        for row in &mut rows {
            row[Col::FieldIsKey as usize] = "否".into();
        }
        let parsed = parse(&table(&rows));
        let found: Vec<(usize, &str, &str)> = parsed
            .problems
            .iter()
            .map(|(_, e)| (e.row, e.column.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(found, vec![(2, "提供单位", "unknown_provider")]);
        let parsed = parse(&table(&doc_rows(&doc, "市场局")[1..]));
        let found: Vec<(usize, &str, &str)> = parsed
            .problems
            .iter()
            .map(|(_, e)| (e.row, e.column.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(found, vec![(2, "", "key_field_required")]);
    }

    #[test]
    fn a_resource_row_without_field_cells_adds_no_field() {
        let doc = sample("1/01/001/0001", "org-market");
        let mut rows = doc_rows(&doc, "市场局");
        let mut bare = rows[0].clone();
        for c in COLUMNS.iter().filter(|c| c.col.is_field()) {
            bare[c.col as usize].clear();
        }
        rows.insert(0, bare);
        let parsed = parse(&table(&rows));
        assert_eq!(parsed.problems, vec![]);
        assert_eq!(parsed.resources[0].doc.as_ref(), Some(&doc));
        assert_eq!(parsed.resources[0].field_lines, vec![3, 4, 5, 6]);
    }
}

/// The actions on a fresh SQLite database.
#[cfg(test)]
mod action_tests {
    use super::*;
    use crate::catalog::resources::{approve_resource, submit_resource};
    use crate::{Config, now_ms};
    use pubdata_core::actor::UserRef;
    use pubdata_core::catalog::FieldType;
    use pubdata_core::{Channel, Role};

    struct Fixture {
        app: App,
        dir: std::path::PathBuf,
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    async fn fixture() -> Fixture {
        let dir = std::env::temp_dir().join(format!(
            "pubdata-list-test-{}",
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let app = App::open(Config::sqlite_in(&dir)).await.unwrap();
        let op = Actor::operator("t");
        let permit = policy::manage_orgs(&op, Action::CreateOrg).unwrap();
        let mut tx = app.db().begin().await.unwrap();
        for (id, name, disabled) in [
            ("org-market", "市场局", false),
            ("org-police", "公安局", false),
            ("org-gone", "旧局", true),
        ] {
            let row = OrgRow {
                id: id.into(),
                name: name.into(),
                kind: "government".into(),
                sector: "other".into(),
                uscc: format!("uscc-{id}"),
                parent_id: None,
                accountable_head: "某某".into(),
                disabled,
                created_at: now_ms(),
                updated_at: now_ms(),
            };
            pubdata_store::orgs::insert(&mut tx, &permit, &row)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        Fixture { app, dir }
    }

    fn staff(role: Role, org: &str) -> Actor {
        Actor::user(
            UserRef {
                user_id: format!("u-{org}"),
                username: format!("{}-{org}", role.as_str()),
                org_id: Some(org.into()),
                roles: vec![role],
            },
            Channel::Web,
            None,
            "t",
        )
    }

    fn doc(code: &str) -> ResourceDoc {
        let mut d = ResourceDoc {
            code: code.into(),
            name: format!("资源{code}"),
            summary: "摘要".into(),
            provider_org_id: String::new(),
            category: Category::Basic,
            theme: String::new(),
            format: ResourceFormat::Database,
            update_cycle: UpdateCycle::Monthly,
            share_attr: ShareAttr::Unconditional,
            share_condition: String::new(),
            share_legal_basis: String::new(),
            share_methods: vec![ShareMethod::Api],
            open_attr: OpenAttr::NotOpen,
            open_condition: String::new(),
            grade: 2,
            tags: vec!["标签".into()],
            release_date: None,
            related_resource_ids: Vec::new(),
            system_id: None,
            aggregated: true,
            fields: (0..5)
                .map(|i| Field {
                    name: format!("信息项{i}"),
                    code: format!("f{i}"),
                    field_type: FieldType::C,
                    is_key: i == 0,
                    identifier: None,
                    sensitive: i == 4,
                    grade: if i == 4 { 2 } else { 1 },
                    required: i == 0,
                    description: String::new(),
                    rules: Default::default(),
                })
                .collect(),
        };
        d.normalize();
        d
    }

    fn csv_of(docs: &[(ResourceDoc, &str)]) -> Vec<u8> {
        let rows: Vec<Vec<String>> = docs.iter().flat_map(|(d, p)| doc_rows(d, p)).collect();
        template::write_csv(&headers(), &rows)
    }

    async fn count_resources(app: &App) -> usize {
        let mut tx = app.db().begin_read().await.unwrap();
        let n = store::count_by_status(&mut tx, None)
            .await
            .unwrap()
            .iter()
            .map(|(_, n)| *n as usize)
            .sum();
        tx.rollback().await.unwrap();
        n
    }

    #[tokio::test]
    async fn a_thousand_resources_import_in_one_transaction() {
        let f = fixture().await;
        let admin = Actor::operator("t");
        let docs: Vec<(ResourceDoc, &str)> = (1..=1000)
            .map(|i| (doc(&format!("1/01/001/{i:04}")), "市场局"))
            .collect();
        let bytes = csv_of(&docs);
        let started = std::time::Instant::now();
        let report = import_catalog(
            &f.app,
            &admin,
            None,
            &bytes,
            Some("清单.csv"),
            ImportMode::ImportAll,
        )
        .await
        .unwrap();
        let took = started.elapsed();
        eprintln!("imported 1000 resources (5000 rows) in {took:?}");
        assert_eq!(report.errors, vec![]);
        assert_eq!((report.rows, report.resources), (5000, 1000));
        assert_eq!(report.imported, 1000);
        assert_eq!(report.encoding, Some("UTF-8 (BOM)"));
        assert_eq!(count_resources(&f.app).await, 1000);
        assert!(took < std::time::Duration::from_secs(60), "{took:?}");

        // Checking the same file again: every code is taken, nothing changes.
        let report = import_catalog(&f.app, &admin, None, &bytes, None, ImportMode::Check)
            .await
            .unwrap();
        assert_eq!(report.error_count, 1000);
        assert!(
            report
                .errors
                .iter()
                .all(|e| e.code == "resource_code_taken")
        );
        assert_eq!((report.good_resources, report.imported), (0, 0));
        assert_eq!(count_resources(&f.app).await, 1000);
    }

    #[tokio::test]
    async fn modes_units_and_the_list() {
        let f = fixture().await;
        let app = &f.app;
        let police = staff(Role::Steward, "org-police");
        let good = doc("1/01/001/0001");
        let mut bad = doc("1/01/001/0002");
        bad.share_attr = ShareAttr::Conditional; // without its condition
        let market = doc("1/01/001/0003");
        let gbk = |bytes: Vec<u8>| {
            let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
            encoding_rs::GBK.encode(&text).0.into_owned()
        };
        let bytes = gbk(csv_of(&[
            (good.clone(), "公安局"),
            (bad.clone(), "公安局"),
            (market.clone(), "市场局"),
        ]));

        // A steward may import only its own unit: the other unit's rows are row errors.
        let report = import_catalog(app, &police, None, &bytes, None, ImportMode::Check)
            .await
            .unwrap();
        assert_eq!(report.encoding, Some("GB18030/GBK"));
        assert_eq!((report.resources, report.good_resources), (3, 1));
        let found: Vec<(usize, &str, &str)> = report
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                (7, "共享条件", "share_condition_required"),
                (12, "提供单位", "other_org"),
            ]
        );

        // import_all refuses a file with problems, import_good takes the good resource.
        let report = import_catalog(app, &police, None, &bytes, None, ImportMode::ImportAll)
            .await
            .unwrap();
        assert_eq!(report.refused, Some("import_has_errors"));
        assert_eq!(report.imported, 0);
        assert_eq!(count_resources(app).await, 0);
        let report = import_catalog(app, &police, None, &bytes, None, ImportMode::ImportGood)
            .await
            .unwrap();
        assert_eq!(report.imported, 1);
        assert_eq!(count_resources(app).await, 1);

        // Naming another unit is refused as a whole; so is a member's import.
        let e = import_catalog(
            app,
            &police,
            Some("org-market"),
            &bytes,
            None,
            ImportMode::Check,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), "other_org");
        let member = staff(Role::Member, "org-police");
        let e = import_catalog(app, &member, None, &bytes, None, ImportMode::Check)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "role_required");

        // A unit's import: a blank 提供单位 is that unit; the file's template errors are 422s.
        let mut rows = doc_rows(&market, "");
        rows.extend(doc_rows(&doc("1/01/001/0004"), "旧局"));
        let bytes = template::write_xlsx("x", &headers(), &rows).unwrap();
        let admin = staff(Role::PlatformAdmin, "org-market");
        let report = import_catalog(
            app,
            &admin,
            Some("org-market"),
            &bytes,
            None,
            ImportMode::ImportGood,
        )
        .await
        .unwrap();
        assert_eq!((report.format, report.encoding), ("xlsx", None));
        let found: Vec<(usize, &str)> = report
            .errors
            .iter()
            .map(|e| (e.row, e.code.as_str()))
            .collect();
        assert_eq!(found, vec![(7, "unknown_provider")]);
        assert_eq!(report.imported, 1);
        let e = import_catalog(app, &admin, None, b"a,b\n1,2\n", None, ImportMode::Check)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "missing_columns");
        let e = import_catalog(app, &admin, None, b"", None, ImportMode::Check)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "empty_file");

        // Published resources make the list; the export imports back to the same docs.
        for id in [&report.resource_ids[0]] {
            submit_resource(app, &admin, id).await.unwrap();
            approve_resource(app, &admin, id).await.unwrap();
        }
        let list = responsibility_list(app, &police, None).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].provider_name, "市场局");
        assert_eq!(list[0].fields.len(), 5);
        let list = responsibility_list(app, &police, Some("org-police"))
            .await
            .unwrap();
        assert!(list.is_empty(), "drafts are not on the list");
        let export =
            export_responsibility_list(app, &police, Some("org-market"), ExportFormat::Csv)
                .await
                .unwrap();
        assert!(export.filename.starts_with("责任清单-市场局-"));
        assert!(export.ascii_filename.starts_with("responsibility-list-"));
        let (mut t, _) = template::read_table(&export.bytes, None).unwrap();
        for row in &mut t.rows {
            row[0] = "1/01/001/0099".into();
        }
        let map = map_header(&t.header, true);
        let by_name = |n: &str| -> Result<String, CellError> {
            assert_eq!(n, "市场局");
            Ok("org-market".into())
        };
        let parsed = parse_table(&t, &map, &by_name);
        let mut want = market.clone();
        want.code = "1/01/001/0099".into();
        want.provider_org_id = "org-market".into();
        assert_eq!(parsed.resources[0].doc.as_ref(), Some(&want));
        let e = responsibility_list(app, &police, Some("nope"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "org_not_found");
    }
}
