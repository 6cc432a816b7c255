//! The quality report (数据质量校核) of a batch, on the five dimensions the Chinese guides and
//! the quality tools use (GB/T 36344 and its kin):
//!
//! - completeness (完整性): filled cells over all cells the resource declares, rows × fields;
//! - validity (规范性/有效性): rows whose every value has its type, identifier check and rules;
//! - uniqueness (唯一性): rows whose key does not repeat an earlier row of the batch;
//! - consistency (一致性): rows not in a group that gives one key different values;
//! - timeliness (及时性): the batch against the due date of the resource's update cycle —
//!   100 on time, falling linearly to 0 at one whole cycle late.
//!
//! The score weighs them 20/30/20/15/15: validity most, because invalid rows do not enter.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::check::Rejected;
use crate::catalog::Field;

/// How many failing rows a report keeps as its sample.
pub const SAMPLE_ROWS: usize = 20;

/// Counts gathered while the rows are checked.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    field_codes: Vec<String>,
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub invalid_rows: u64,
    pub duplicates: u64,
    pub conflicting: u64,
    empty: Vec<u64>,
    invalid: Vec<u64>,
    problems: BTreeMap<String, u64>,
    sample: Vec<SampleRow>,
}

impl Tally {
    pub fn new(fields: &[Field]) -> Tally {
        Tally {
            field_codes: fields.iter().map(|f| f.code.clone()).collect(),
            empty: vec![0; fields.len()],
            invalid: vec![0; fields.len()],
            ..Tally::default()
        }
    }

    pub(super) fn field_empty(&mut self, i: usize) {
        self.empty[i] += 1;
    }

    pub(super) fn field_invalid(&mut self, i: usize) {
        self.invalid[i] += 1;
    }

    pub(super) fn row(&mut self, ok: bool, invalid: bool, duplicate: bool, conflicting: bool) {
        self.rows += 1;
        if ok {
            self.accepted += 1;
        } else {
            self.rejected += 1;
        }
        self.invalid_rows += u64::from(invalid);
        self.duplicates += u64::from(duplicate);
        self.conflicting += u64::from(conflicting);
    }

    pub(super) fn reject(&mut self, r: &Rejected) {
        for p in &r.problems {
            *self.problems.entry(p.code.to_owned()).or_default() += 1;
        }
        if self.sample.len() < SAMPLE_ROWS {
            self.sample.push(SampleRow {
                line: r.line,
                reasons: r.problems.iter().map(|p| p.message_zh.clone()).collect(),
                reasons_en: r.problems.iter().map(|p| p.message_en.clone()).collect(),
            });
        }
    }

    /// The report, once every row is checked and the batch's timeliness is known.
    pub fn report(&self, timeliness: Timeliness) -> QualityReport {
        let cells = self.rows * self.field_codes.len() as u64;
        let empty: u64 = self.empty.iter().sum();
        let completeness = Dimension::of(cells - empty, cells);
        let validity = Dimension::of(self.rows - self.invalid_rows, self.rows);
        let uniqueness = Dimension::of(self.rows - self.duplicates, self.rows);
        let consistency = Dimension::of(self.rows - self.conflicting, self.rows);
        let score = round1(
            0.20 * completeness.percent
                + 0.30 * validity.percent
                + 0.20 * uniqueness.percent
                + 0.15 * consistency.percent
                + 0.15 * timeliness.percent,
        );
        QualityReport {
            rows: self.rows,
            accepted: self.accepted,
            rejected: self.rejected,
            score,
            completeness,
            validity,
            uniqueness,
            consistency,
            timeliness,
            fields: self
                .field_codes
                .iter()
                .enumerate()
                .map(|(i, code)| FieldQuality {
                    code: code.clone(),
                    filled: self.rows - self.empty[i],
                    invalid: self.invalid[i],
                })
                .collect(),
            problems: self.problems.clone(),
            sample: self.sample.clone(),
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// One dimension: how many passed of how many, and the percentage (100 when there is nothing
/// to count).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Dimension {
    pub passed: u64,
    pub total: u64,
    pub percent: f64,
}

impl Dimension {
    pub fn of(passed: u64, total: u64) -> Dimension {
        let percent = if total == 0 {
            100.0
        } else {
            round1(100.0 * passed as f64 / total as f64)
        };
        Dimension {
            passed,
            total,
            percent,
        }
    }
}

/// The batch against its due date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeliness {
    /// The date the update was due, none for an irregular cycle or a first batch.
    pub due_date: Option<String>,
    pub received_on: String,
    pub days_late: i64,
    pub percent: f64,
}

impl Timeliness {
    /// `cycle_days`: the length of the update cycle (none when irregular).
    pub fn of(
        due: Option<chrono::NaiveDate>,
        received: chrono::NaiveDate,
        cycle_days: Option<i64>,
    ) -> Timeliness {
        let days_late = due.map_or(0, |d| (received - d).num_days().max(0));
        let percent = match cycle_days {
            Some(c) if days_late > 0 => {
                round1((100.0 * (1.0 - days_late as f64 / c as f64)).max(0.0))
            }
            _ => 100.0,
        };
        Timeliness {
            due_date: due.map(|d| d.to_string()),
            received_on: received.to_string(),
            days_late,
            percent,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldQuality {
    pub code: String,
    pub filled: u64,
    pub invalid: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleRow {
    pub line: u64,
    pub reasons: Vec<String>,
    pub reasons_en: Vec<String>,
}

/// A batch's quality report, as stored with it and answered in `quality` by the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub score: f64,
    pub completeness: Dimension,
    pub validity: Dimension,
    pub uniqueness: Dimension,
    pub consistency: Dimension,
    pub timeliness: Timeliness,
    pub fields: Vec<FieldQuality>,
    /// How many times each problem code was found.
    pub problems: BTreeMap<String, u64>,
    /// The first failing rows with their reasons.
    pub sample: Vec<SampleRow>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn timeliness_falls_over_one_cycle() {
        let on_time = Timeliness::of(Some(day("2026-03-10")), day("2026-03-10"), Some(30));
        assert_eq!((on_time.days_late, on_time.percent), (0, 100.0));
        let late = Timeliness::of(Some(day("2026-03-10")), day("2026-03-25"), Some(30));
        assert_eq!((late.days_late, late.percent), (15, 50.0));
        let very = Timeliness::of(Some(day("2026-03-10")), day("2026-06-25"), Some(30));
        assert_eq!(very.percent, 0.0);
        let first = Timeliness::of(None, day("2026-03-10"), Some(30));
        assert_eq!(first.percent, 100.0);
    }

    #[test]
    fn an_empty_batch_scores_by_its_timeliness_alone() {
        let report = Tally::new(&[]).report(Timeliness::of(None, day("2026-03-10"), None));
        assert_eq!(report.score, 100.0);
        assert_eq!(
            report.validity,
            Dimension {
                passed: 0,
                total: 0,
                percent: 100.0
            }
        );
    }
}
