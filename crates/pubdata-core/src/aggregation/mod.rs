//! Aggregation (汇聚)'s rules: typed values, the checks every incoming row goes through, the
//! quality report of a batch and when the next update is due.

pub mod cell;
pub mod check;
pub mod due;
pub mod quality;

pub use cell::{Cell, Kind};
pub use check::{Accepted, ColumnMap, KEY_SEPARATOR, MapError, Problem, Rejected, RowChecker};
pub use quality::{QualityReport, Tally, Timeliness};
