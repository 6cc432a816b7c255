//! Aggregation's tables: batches and their rejected rows, the record store, published data
//! versions and pull sources.

pub mod batches;
pub mod pulls;
pub mod records;
pub mod staging;
pub mod versions;
