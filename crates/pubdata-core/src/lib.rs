//! The rules of pubdata, pure: the vocabulary of DESIGN.md §1 as types, identifier checks,
//! the working-day calendar, password rules and policy decisions.
//!
//! Invariant: no I/O. Nothing here knows about a database, HTTP or the clock; callers pass
//! the current time in where a rule needs it.

pub mod actor;
pub mod aggregation;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod identifiers;
pub mod masking;
pub mod merkle;
pub mod note;
pub mod opening;
pub mod org;
pub mod password;
pub mod policy;
pub mod role;
pub mod sharing;

pub use actor::{Actor, Channel};
pub use role::Role;
