//! Aggregation (汇聚): data from the units into the platform — uploads, pushes and pulls,
//! each one [`Batch`](batches::Batch), checked row by row, kept with its full history in the
//! record store, and published as Parquet and CSV versions.
//!
//! - `source` reads uploaded CSV (any usual encoding) and XLSX files, streaming;
//! - `batches` is the engine every door feeds, and the upload and push actions;
//! - `pull_source` reads a unit's database incrementally, `pulls` registers and runs pulls;
//! - `records` reads the record store (now, as of a time, history);
//! - `export` writes a version's Parquet and CSV, `files` keeps them (local folder or S3),
//!   `versions` publishes and lists them;
//! - `timeliness` says which resources are overdue for an update.

pub mod batches;
pub mod export;
pub mod files;
pub mod pull_source;
pub mod pulls;
pub mod records;
pub mod source;
pub mod timeliness;
pub mod versions;
