//! Sharing's tables: share requests and their steps, grants, emergencies with the classes
//! they raise, and objections to records.

pub mod emergencies;
pub mod grants;
pub mod objections;
pub mod requests;
