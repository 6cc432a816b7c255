//! The working-day calendar (工作日).
//!
//! China's public holidays and the weekend days worked in their place (调休) are announced
//! by the State Council each November for the following year, so the schedule is data: a
//! list of [`CalendarDay`]s, one per exceptional date. Every date not listed is a working
//! day from Monday to Friday and a day off on Saturday and Sunday.
//!
//! Deadlines in working days count from the day after the event: a request received on
//! Tuesday 2026-09-29 with 5 working days is due on Monday 2026-10-12.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The 2026 schedule from 《国务院办公厅关于2026年部分节假日安排的通知》, in the format read
/// by [`parse_calendar_csv`].
pub const CN_2026_CSV: &str = include_str!("../data/cn-2026.csv");

/// What a listed date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A day off: a public holiday, or a day inside a holiday period.
    Holiday,
    /// A Saturday or Sunday that is worked (调休).
    Workday,
}

impl DayKind {
    pub const ALL: [DayKind; 2] = [DayKind::Holiday, DayKind::Workday];

    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DayKind::Holiday => "放假",
            DayKind::Workday => "调休上班",
        }
    }
}

impl fmt::Display for DayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One exceptional date of the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// The holiday it belongs to, e.g. `国庆节` or `国庆节调休`.
    pub name: String,
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Answers "is this a working day?" and counts working days, from the listed exceptions
/// plus the Monday–Friday rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    days: BTreeMap<NaiveDate, CalendarDay>,
}

impl WorkCalendar {
    /// A calendar from its exceptional dates. If a date is given more than once the last
    /// entry wins ([`parse_calendar_csv`] rejects duplicates before it gets here).
    pub fn new(days: impl IntoIterator<Item = CalendarDay>) -> Self {
        WorkCalendar {
            days: days.into_iter().map(|d| (d.date, d)).collect(),
        }
    }

    /// The listed entry for `date`, if any.
    pub fn day(&self, date: NaiveDate) -> Option<&CalendarDay> {
        self.days.get(&date)
    }

    /// All listed dates, in date order.
    pub fn days(&self) -> impl Iterator<Item = &CalendarDay> {
        self.days.values()
    }

    /// A listed holiday is a day off, a listed workday is worked; any other date is a
    /// working day from Monday to Friday and a day off on Saturday and Sunday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(day) => day.kind == DayKind::Workday,
            None => !is_weekend(date),
        }
    }

    /// The date `days` working days after `from`, counting from the day after `from`: the
    /// `days`-th working day d with d > `from`. `days = 0` returns `from` itself (whether or
    /// not it is a working day).
    ///
    /// # Panics
    ///
    /// If the result would be past the last date chrono can represent (year 262142).
    pub fn add_working_days(&self, from: NaiveDate, days: u32) -> NaiveDate {
        let last_listed = self.days.last_key_value().map(|(date, _)| *date);
        let mut date = from;
        let mut remaining = days;
        while remaining > 0 {
            // After the last listed date every seven days hold exactly five working days,
            // so whole weeks can be skipped; keep at least one day to step through.
            if remaining > 5 && last_listed.is_none_or(|last| date >= last) {
                let weeks = (remaining - 1) / 5;
                date = date
                    .checked_add_days(Days::new(u64::from(weeks) * 7))
                    .expect("working-day deadline beyond the representable dates");
                remaining -= weeks * 5;
            }
            date = date
                .succ_opt()
                .expect("working-day deadline beyond the representable dates");
            if self.is_working_day(date) {
                remaining -= 1;
            }
        }
        date
    }

    /// The number of working days d with `from` < d ≤ `to`.
    ///
    /// When `to` ≤ `from` the count is 0 or negative: it is minus the number of working
    /// days d with `to` < d ≤ `from`, so that `between(a, b) + between(b, c) ==
    /// between(a, c)` for any dates. A positive value of
    /// `working_days_between(deadline, today)` is how many working days a deadline is
    /// overdue.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        // Monday–Friday count over (from, to]: whole weeks, then the remaining days.
        let span = (to - from).num_days();
        let mut count = span / 7 * 5;
        let mut date = to;
        for _ in 0..span % 7 {
            if !is_weekend(date) {
                count += 1;
            }
            date = date.pred_opt().expect("after `from`, so representable");
        }
        // Listed dates that differ from the Monday–Friday rule.
        let range = (Bound::Excluded(from), Bound::Included(to));
        for (date, day) in self.days.range(range) {
            match (day.kind, is_weekend(*date)) {
                (DayKind::Holiday, false) => count -= 1,
                (DayKind::Workday, true) => count += 1,
                _ => {}
            }
        }
        count
    }

    /// Whether any listed date falls in `year`: `false` means that year's schedule has not
    /// been loaded (and the calendar falls back to plain weekdays), which deserves a warning.
    pub fn covers_year(&self, year: i32) -> bool {
        match (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) {
            (Some(first), Some(last)) => self.days.range(first..=last).next().is_some(),
            _ => false,
        }
    }
}

impl FromIterator<CalendarDay> for WorkCalendar {
    fn from_iter<I: IntoIterator<Item = CalendarDay>>(iter: I) -> Self {
        WorkCalendar::new(iter)
    }
}

/// The header line of a calendar CSV.
pub const CALENDAR_CSV_HEADER: &str = "date,kind,name";

/// What is wrong with a calendar CSV. Line numbers are 1-based and count every line of the
/// text, blank ones included.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarCsvError {
    #[error("the calendar is empty: expected the header line `date,kind,name`")]
    Empty,
    #[error("line {line}: expected the header `date,kind,name`, found `{found}`")]
    Header { line: usize, found: String },
    #[error("line {line}: expected 3 comma-separated fields (date,kind,name), found {found}")]
    FieldCount { line: usize, found: usize },
    #[error("line {line}: `{value}` is not a date written YYYY-MM-DD")]
    Date { line: usize, value: String },
    #[error("line {line}: `{value}` is not a day kind (holiday or workday)")]
    Kind { line: usize, value: String },
    #[error("line {line}: the name is empty")]
    EmptyName { line: usize },
    #[error("line {line}: {date} is listed twice (first on line {first_line})")]
    DuplicateDate {
        line: usize,
        date: NaiveDate,
        first_line: usize,
    },
}

impl CalendarCsvError {
    /// The line the error is on (0 for an empty text).
    pub fn line(&self) -> usize {
        match self {
            CalendarCsvError::Empty => 0,
            CalendarCsvError::Header { line, .. }
            | CalendarCsvError::FieldCount { line, .. }
            | CalendarCsvError::Date { line, .. }
            | CalendarCsvError::Kind { line, .. }
            | CalendarCsvError::EmptyName { line }
            | CalendarCsvError::DuplicateDate { line, .. } => *line,
        }
    }

    /// The message in Chinese, for the administrator who uploads the schedule.
    pub fn message_zh(&self) -> String {
        match self {
            CalendarCsvError::Empty => "日历文件为空：第一行应为表头 date,kind,name".to_owned(),
            CalendarCsvError::Header { line, found } => {
                format!("第{line}行：表头应为 date,kind,name，实际为“{found}”")
            }
            CalendarCsvError::FieldCount { line, found } => {
                format!("第{line}行：应有3个以逗号分隔的字段（date,kind,name），实际为{found}个")
            }
            CalendarCsvError::Date { line, value } => {
                format!("第{line}行：“{value}”不是YYYY-MM-DD格式的日期")
            }
            CalendarCsvError::Kind { line, value } => {
                format!("第{line}行：“{value}”不是有效类型（应为holiday或workday）")
            }
            CalendarCsvError::EmptyName { line } => format!("第{line}行：名称为空"),
            CalendarCsvError::DuplicateDate {
                line,
                date,
                first_line,
            } => format!("第{line}行：日期{date}重复（首次出现在第{first_line}行）"),
        }
    }
}

/// Parses `YYYY-MM-DD` strictly (two-digit month and day) as a real date.
fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    NaiveDate::from_ymd_opt(
        s[0..4].parse().ok()?,
        s[5..7].parse().ok()?,
        s[8..10].parse().ok()?,
    )
}

/// Reads a calendar in the format of `cn-2026.csv`: the header `date,kind,name`, then one
/// line per date `YYYY-MM-DD,holiday|workday,name`.
///
/// Fields are trimmed; blank lines, a byte-order mark and CRLF line ends are accepted.
/// There is no quoting, so a name cannot contain a comma. A date listed twice is an error.
pub fn parse_calendar_csv(text: &str) -> Result<Vec<CalendarDay>, CalendarCsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty());

    let (header_line, header) = lines.next().ok_or(CalendarCsvError::Empty)?;
    let header_fields: Vec<&str> = header.split(',').map(str::trim).collect();
    if header_fields != ["date", "kind", "name"] {
        return Err(CalendarCsvError::Header {
            line: header_line,
            found: header.to_owned(),
        });
    }

    let mut days = Vec::new();
    let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for (line, text) in lines {
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        let [date, kind, name] = fields[..] else {
            return Err(CalendarCsvError::FieldCount {
                line,
                found: fields.len(),
            });
        };
        let date = parse_iso_date(date).ok_or_else(|| CalendarCsvError::Date {
            line,
            value: date.to_owned(),
        })?;
        let kind = DayKind::parse(kind).ok_or_else(|| CalendarCsvError::Kind {
            line,
            value: kind.to_owned(),
        })?;
        if name.is_empty() {
            return Err(CalendarCsvError::EmptyName { line });
        }
        if let Some(&first_line) = seen.get(&date) {
            return Err(CalendarCsvError::DuplicateDate {
                line,
                date,
                first_line,
            });
        }
        seen.insert(date, line);
        days.push(CalendarDay {
            date,
            kind,
            name: name.to_owned(),
        });
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cn_2026() -> WorkCalendar {
        WorkCalendar::new(parse_calendar_csv(CN_2026_CSV).unwrap())
    }

    /// One table row: `from` + `days` working days is `due`, and counting back agrees.
    #[track_caller]
    fn check(from: &str, days: u32, due: &str) {
        let cal = cn_2026();
        let got = cal.add_working_days(d(from), days);
        assert_eq!(got, d(due), "{from} + {days} working days");
        assert_eq!(
            cal.working_days_between(d(from), got),
            i64::from(days),
            "working days from {from} to {due}"
        );
    }

    #[test]
    fn add_working_days() {
        // README example: 09-30, 10-08, 10-09, Saturday 10-10 worked, 10-12.
        check("2026-09-29", 5, "2026-10-12");
        check("2026-09-29", 0, "2026-09-29");
        check("2026-10-03", 0, "2026-10-03");
        // Friday + 1 is Monday.
        check("2026-03-06", 1, "2026-03-09");
        // Starting on a weekend.
        check("2026-03-07", 1, "2026-03-09");
        // Spring Festival: Saturday 02-14 is worked, then 02-15..02-23 off.
        check("2026-02-13", 1, "2026-02-14");
        check("2026-02-13", 2, "2026-02-24");
        check("2026-02-14", 1, "2026-02-24");
        check("2026-02-26", 2, "2026-02-28");
        // New Year: 01-01..01-03 off, Sunday 01-04 worked.
        check("2025-12-31", 1, "2026-01-04");
        check("2025-12-31", 2, "2026-01-05");
        // Labour Day: 05-01..05-05 off, Saturday 05-09 worked.
        check("2026-04-30", 1, "2026-05-06");
        check("2026-04-30", 4, "2026-05-09");
        // Sunday 09-20 worked; Mid-Autumn 09-25..09-27 off.
        check("2026-09-18", 1, "2026-09-20");
        check("2026-09-24", 1, "2026-09-28");
        // National Day: from inside the holiday.
        check("2026-10-03", 1, "2026-10-08");
        check("2026-09-30", 1, "2026-10-08");
        // Into 2027, which has no data: plain weekdays (2027-01-01 is a Friday).
        check("2026-12-30", 3, "2027-01-04");
        check("2026-12-31", 10, "2027-01-14");
        // Long spans take the whole-week shortcut after the last listed date.
        check("2026-10-10", 60, "2027-01-01");
        check("2027-01-01", 5 * 52, "2027-12-31");
    }

    #[test]
    fn is_working_day() {
        let cal = cn_2026();
        for (date, working) in [
            ("2026-01-01", false),
            ("2026-01-04", true),
            ("2026-02-14", true),
            ("2026-02-16", false),
            ("2026-02-23", false),
            ("2026-02-24", true),
            ("2026-03-07", false),
            ("2026-03-09", true),
            ("2026-10-01", false),
            ("2026-10-10", true),
            ("2026-10-11", false),
            ("2027-01-01", true),
            ("2027-01-02", false),
        ] {
            assert_eq!(cal.is_working_day(d(date)), working, "{date}");
        }
    }

    #[test]
    fn working_days_between_is_signed() {
        let cal = cn_2026();
        assert_eq!(
            cal.working_days_between(d("2026-09-29"), d("2026-09-29")),
            0
        );
        assert_eq!(
            cal.working_days_between(d("2026-10-12"), d("2026-09-29")),
            -5
        );
        assert_eq!(
            cal.working_days_between(d("2026-10-01"), d("2026-10-07")),
            0
        );
        assert_eq!(
            cal.working_days_between(d("2025-12-31"), d("2026-12-31")),
            248
        );
    }

    #[test]
    fn covers_year() {
        let cal = cn_2026();
        assert!(cal.covers_year(2026));
        assert!(!cal.covers_year(2025));
        assert!(!cal.covers_year(2027));
        assert!(!WorkCalendar::default().covers_year(2026));
    }

    #[test]
    fn embedded_csv_is_exactly_the_file() {
        let days = parse_calendar_csv(CN_2026_CSV).unwrap();
        assert_eq!(days.len(), CN_2026_CSV.lines().count() - 1);
        let mut rebuilt = format!("{CALENDAR_CSV_HEADER}\n");
        for day in &days {
            rebuilt += &format!("{},{},{}\n", day.date, day.kind.as_str(), day.name);
        }
        assert_eq!(rebuilt, CN_2026_CSV);
        assert_eq!(
            days[0],
            CalendarDay {
                date: d("2026-01-01"),
                kind: DayKind::Holiday,
                name: "元旦".into()
            }
        );
        assert_eq!(
            days.last().unwrap(),
            &CalendarDay {
                date: d("2026-10-10"),
                kind: DayKind::Workday,
                name: "国庆节调休".into()
            }
        );
    }

    #[test]
    fn csv_tolerates_bom_crlf_blank_lines_and_spaces() {
        let text = "\u{feff}date,kind,name\r\n\r\n 2026-10-01 , holiday , 国庆节 \r\n";
        let days = parse_calendar_csv(text).unwrap();
        assert_eq!(
            days,
            [CalendarDay {
                date: d("2026-10-01"),
                kind: DayKind::Holiday,
                name: "国庆节".into()
            }]
        );
        assert_eq!(parse_calendar_csv("date,kind,name\n").unwrap(), []);
    }

    #[test]
    fn csv_errors() {
        use CalendarCsvError::*;
        let header = "date,kind,name\n";
        for (text, expected) in [
            ("".to_owned(), Empty),
            ("\n\n".to_owned(), Empty),
            (
                "day,kind,name\n".to_owned(),
                Header {
                    line: 1,
                    found: "day,kind,name".into(),
                },
            ),
            (
                "2026-10-01,holiday,国庆节\n".to_owned(),
                Header {
                    line: 1,
                    found: "2026-10-01,holiday,国庆节".into(),
                },
            ),
            (
                format!("{header}2026-10-01,holiday\n"),
                FieldCount { line: 2, found: 2 },
            ),
            (
                format!("{header}2026-10-01,holiday,国庆,节\n"),
                FieldCount { line: 2, found: 4 },
            ),
            (
                format!("{header}\n2026-10-32,holiday,国庆节\n"),
                Date {
                    line: 3,
                    value: "2026-10-32".into(),
                },
            ),
            (
                format!("{header}2026-1-01,holiday,国庆节\n"),
                Date {
                    line: 2,
                    value: "2026-1-01".into(),
                },
            ),
            (
                format!("{header}2026/10/01,holiday,国庆节\n"),
                Date {
                    line: 2,
                    value: "2026/10/01".into(),
                },
            ),
            (
                format!("{header}2026-10-01,Holiday,国庆节\n"),
                Kind {
                    line: 2,
                    value: "Holiday".into(),
                },
            ),
            (
                format!("{header}2026-10-01,holiday, \n"),
                EmptyName { line: 2 },
            ),
            (
                format!("{header}2026-10-01,holiday,国庆节\n2026-10-01,workday,国庆节调休\n"),
                DuplicateDate {
                    line: 3,
                    date: d("2026-10-01"),
                    first_line: 2,
                },
            ),
        ] {
            let err = parse_calendar_csv(&text).unwrap_err();
            assert_eq!(err, expected, "{text:?}");
            assert!(!err.to_string().is_empty());
            assert!(!err.message_zh().is_empty());
        }
        let err = parse_calendar_csv(&format!("{header}2026-10-32,holiday,国庆节\n")).unwrap_err();
        assert_eq!(err.line(), 2);
        assert_eq!(
            err.to_string(),
            "line 2: `2026-10-32` is not a date written YYYY-MM-DD"
        );
        assert_eq!(
            err.message_zh(),
            "第2行：“2026-10-32”不是YYYY-MM-DD格式的日期"
        );
    }

    #[test]
    fn day_kind_round_trips() {
        for kind in DayKind::ALL {
            assert_eq!(DayKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(DayKind::parse("weekend"), None);
    }

    /// A date from mid-2025 to mid-2028, around the listed year.
    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0u64..1100).prop_map(|offset| d("2025-06-01") + Days::new(offset))
    }

    /// Counts one day at a time: the reference for the shortcuts.
    fn brute_between(cal: &WorkCalendar, from: NaiveDate, to: NaiveDate) -> i64 {
        from.iter_days()
            .skip(1)
            .take_while(|date| *date <= to)
            .filter(|date| cal.is_working_day(*date))
            .count() as i64
    }

    proptest! {
        #[test]
        fn deadline_is_a_working_day(from in any_date(), n in 1u32..400) {
            let cal = cn_2026();
            prop_assert!(cal.is_working_day(cal.add_working_days(from, n)));
        }

        #[test]
        fn deadline_strictly_increases(from in any_date(), n in 0u32..400) {
            let cal = cn_2026();
            prop_assert!(cal.add_working_days(from, n) < cal.add_working_days(from, n + 1));
        }

        #[test]
        fn between_inverts_add(from in any_date(), n in 0u32..400) {
            let cal = cn_2026();
            let due = cal.add_working_days(from, n);
            prop_assert_eq!(cal.working_days_between(from, due), i64::from(n));
        }

        #[test]
        fn between_matches_day_by_day_count(a in any_date(), b in any_date()) {
            let cal = cn_2026();
            let expected = if a <= b { brute_between(&cal, a, b) } else { -brute_between(&cal, b, a) };
            prop_assert_eq!(cal.working_days_between(a, b), expected);
        }

        #[test]
        fn between_is_additive(a in any_date(), b in any_date(), c in any_date()) {
            let cal = cn_2026();
            prop_assert_eq!(
                cal.working_days_between(a, b) + cal.working_days_between(b, c),
                cal.working_days_between(a, c)
            );
        }

        #[test]
        fn add_matches_day_by_day_walk(from in any_date(), n in 0u32..400) {
            let cal = cn_2026();
            let mut date = from;
            let mut left = n;
            while left > 0 {
                date = date.succ_opt().unwrap();
                if cal.is_working_day(date) {
                    left -= 1;
                }
            }
            prop_assert_eq!(cal.add_working_days(from, n), date);
        }
    }
}
