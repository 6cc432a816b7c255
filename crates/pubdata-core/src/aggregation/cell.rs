//! One value of a record, typed by its field's 编制指南 type, and how a text cell from a file
//! or a JSON push becomes one.
//!
//! Dates and times are kept as normalized text (`YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS`, local
//! time of the platform, UTC+8): the form both databases sort and compare correctly, and the
//! one people read in a CSV. The Parquet writer turns them into DATE and TIMESTAMP columns.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};

use crate::catalog::FieldType;

/// How a field's values are stored: the column type of the record table and of the Parquet file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Text,
    Integer,
    Real,
    Boolean,
    /// `YYYY-MM-DD` text.
    Date,
    /// `YYYY-MM-DDTHH:MM:SS` text, UTC+8.
    DateTime,
}

impl Kind {
    pub fn of(t: FieldType) -> Kind {
        match t {
            FieldType::C | FieldType::M | FieldType::G | FieldType::B => Kind::Text,
            FieldType::N | FieldType::Y | FieldType::F => Kind::Real,
            FieldType::I => Kind::Integer,
            FieldType::D => Kind::Date,
            FieldType::T => Kind::DateTime,
            FieldType::L => Kind::Boolean,
        }
    }

    /// The stored name, also the record table's column type on SQLite.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Integer => "integer",
            Kind::Real => "real",
            Kind::Boolean => "boolean",
            Kind::Date => "date",
            Kind::DateTime => "datetime",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "text" => Kind::Text,
            "integer" => Kind::Integer,
            "real" => Kind::Real,
            "boolean" => Kind::Boolean,
            "date" => Kind::Date,
            "datetime" => Kind::DateTime,
            _ => return None,
        })
    }
}

/// One stored value. `Text` also carries dates and times in their normalized form.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Real(f64),
    Bool(bool),
}

impl Cell {
    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    /// The value as a CSV cell or a JSON string shows it (`""` for null).
    pub fn to_text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Real(f) => real_text(*f),
            Cell::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
        }
    }

    /// The value in JSON, as the records API answers it.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Cell::Null => serde_json::Value::Null,
            Cell::Text(s) => serde_json::Value::String(s.clone()),
            Cell::Int(i) => (*i).into(),
            Cell::Real(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Cell::Bool(b) => (*b).into(),
        }
    }
}

/// Shortest text that reads back as the same number; integral values without `.0`.
pub fn real_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Why a text could not be read as its field's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellError {
    NotInteger,
    NotNumber,
    NotDate,
    NotDateTime,
    NotBoolean,
}

impl CellError {
    pub fn code(self) -> &'static str {
        match self {
            CellError::NotInteger => "not_integer",
            CellError::NotNumber => "not_number",
            CellError::NotDate => "not_date",
            CellError::NotDateTime => "not_datetime",
            CellError::NotBoolean => "not_boolean",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            CellError::NotInteger => "不是整数",
            CellError::NotNumber => "不是数值",
            CellError::NotDate => "不是日期（如 2026-03-01）",
            CellError::NotDateTime => "不是日期时间（如 2026-03-01 08:30:00）",
            CellError::NotBoolean => "不是逻辑值（是/否、true/false、1/0）",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            CellError::NotInteger => "not an integer",
            CellError::NotNumber => "not a number",
            CellError::NotDate => "not a date (e.g. 2026-03-01)",
            CellError::NotDateTime => "not a date and time (e.g. 2026-03-01 08:30:00)",
            CellError::NotBoolean => "not a boolean (是/否, true/false, 1/0)",
        }
    }
}

/// Reads a trimmed, non-empty text as `kind`. Empty text is null and is the caller's concern
/// (required fields).
pub fn parse_cell(kind: Kind, text: &str) -> Result<Cell, CellError> {
    Ok(match kind {
        Kind::Text => Cell::Text(text.to_owned()),
        Kind::Integer => Cell::Int(parse_integer(text).ok_or(CellError::NotInteger)?),
        Kind::Real => Cell::Real(parse_number(text).ok_or(CellError::NotNumber)?),
        Kind::Boolean => Cell::Bool(parse_bool(text).ok_or(CellError::NotBoolean)?),
        Kind::Date => Cell::Text(parse_date(text).ok_or(CellError::NotDate)?.to_string()),
        Kind::DateTime => Cell::Text(
            parse_datetime(text)
                .ok_or(CellError::NotDateTime)?
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string(),
        ),
    })
}

fn parse_integer(text: &str) -> Option<i64> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(i);
    }
    // Spreadsheets write whole numbers as `12.0` or with thousands separators.
    let f = parse_number(text)?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

fn parse_number(text: &str) -> Option<f64> {
    let plain: std::borrow::Cow<'_, str> = if text.contains(',') {
        // Thousands separators only where they are well placed: `1,234,567.8`.
        let int_part = text.split('.').next().unwrap_or("");
        let digits = int_part.trim_start_matches(['-', '+']);
        let groups: Vec<&str> = digits.split(',').collect();
        let well_placed = groups[0].len() <= 3
            && !groups[0].is_empty()
            && groups[1..].iter().all(|g| g.len() == 3);
        if !well_placed {
            return None;
        }
        text.replace(',', "").into()
    } else {
        text.into()
    };
    let f: f64 = plain.parse().ok()?;
    // `inf`, `NaN` and friends parse in Rust but are not data.
    f.is_finite().then_some(f)
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "是" | "真" => Some(true),
        "false" | "f" | "no" | "n" | "0" | "否" | "假" => Some(false),
        _ => None,
    }
}

/// `2026-03-01`, `2026/3/1`, `2026.03.01`, `20260301`, `2026年3月1日`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(text, "%Y%m%d").ok();
    }
    let unified: String = text
        .trim_end_matches('日')
        .chars()
        .map(|c| match c {
            '/' | '.' | '年' | '月' => '-',
            c => c,
        })
        .collect();
    let mut parts = unified.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || y.len() != 4
        || m.is_empty()
        || m.len() > 2
        || d.is_empty()
        || d.len() > 2
    {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// A date and time, local (UTC+8) unless the text carries an offset, which is converted:
/// `2026-03-01 08:30`, `2026-03-01T08:30:00`, `2026/3/1 8:30:00`, RFC 3339.
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        let china = FixedOffset::east_opt(8 * 3600)?;
        return Some(dt.with_timezone(&china).naive_local());
    }
    let (date, time) = text
        .split_once('T')
        .or_else(|| text.split_once(' '))
        .unwrap_or((text, "00:00:00"));
    let date = parse_date(date.trim())?;
    let time = time.trim();
    let mut hms = time.split(':');
    let h: u32 = hms.next()?.parse().ok()?;
    let m: u32 = hms.next().unwrap_or("0").parse().ok()?;
    let s: f64 = hms.next().unwrap_or("0").parse().ok()?;
    if hms.next().is_some() || !(0.0..60.0).contains(&s) {
        return None;
    }
    date.and_hms_opt(h, m, s as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_people_and_spreadsheets() {
        assert_eq!(parse_cell(Kind::Integer, "12"), Ok(Cell::Int(12)));
        assert_eq!(parse_cell(Kind::Integer, "12.0"), Ok(Cell::Int(12)));
        assert_eq!(parse_cell(Kind::Integer, "1,234"), Ok(Cell::Int(1234)));
        assert_eq!(
            parse_cell(Kind::Integer, "12.5"),
            Err(CellError::NotInteger)
        );
        assert_eq!(
            parse_cell(Kind::Real, "-1,234,567.25"),
            Ok(Cell::Real(-1234567.25))
        );
        assert_eq!(parse_cell(Kind::Real, "1,23"), Err(CellError::NotNumber));
        assert_eq!(parse_cell(Kind::Real, "NaN"), Err(CellError::NotNumber));
        assert_eq!(parse_cell(Kind::Real, "inf"), Err(CellError::NotNumber));
        assert_eq!(parse_cell(Kind::Real, "abc"), Err(CellError::NotNumber));
    }

    #[test]
    fn dates_in_the_usual_chinese_forms() {
        for text in [
            "2026-03-01",
            "2026/3/1",
            "2026.03.01",
            "20260301",
            "2026年3月1日",
        ] {
            assert_eq!(
                parse_cell(Kind::Date, text),
                Ok(Cell::Text("2026-03-01".into())),
                "{text}"
            );
        }
        for text in ["2026-02-30", "26-3-1", "2026-3", "20261301", "yesterday"] {
            assert_eq!(
                parse_cell(Kind::Date, text),
                Err(CellError::NotDate),
                "{text}"
            );
        }
    }

    #[test]
    fn times_are_kept_in_utc_plus_8() {
        let t = |s| parse_cell(Kind::DateTime, s);
        assert_eq!(
            t("2026-03-01 08:30"),
            Ok(Cell::Text("2026-03-01T08:30:00".into()))
        );
        assert_eq!(
            t("2026/3/1 8:30:05"),
            Ok(Cell::Text("2026-03-01T08:30:05".into()))
        );
        assert_eq!(
            t("2026-03-01T00:30:00Z"),
            Ok(Cell::Text("2026-03-01T08:30:00".into()))
        );
        assert_eq!(
            t("2026-03-01"),
            Ok(Cell::Text("2026-03-01T00:00:00".into()))
        );
        assert_eq!(t("2026-03-01 25:00"), Err(CellError::NotDateTime));
    }

    #[test]
    fn booleans_in_chinese_and_english() {
        assert_eq!(parse_cell(Kind::Boolean, "是"), Ok(Cell::Bool(true)));
        assert_eq!(parse_cell(Kind::Boolean, "FALSE"), Ok(Cell::Bool(false)));
        assert_eq!(
            parse_cell(Kind::Boolean, "maybe"),
            Err(CellError::NotBoolean)
        );
    }

    #[test]
    fn text_forms_read_back() {
        assert_eq!(Cell::Real(3.0).to_text(), "3");
        assert_eq!(Cell::Real(0.25).to_text(), "0.25");
        assert_eq!(
            parse_cell(Kind::Real, &Cell::Real(1e-7).to_text()),
            Ok(Cell::Real(1e-7))
        );
    }
}
