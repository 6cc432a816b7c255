//! Persistence for pubdata: the metadata database, SQLite or PostgreSQL, behind one interface.
//!
//! Invariants: no policy decision is made here (writes take a [`Permit`] that only
//! `pubdata_core::policy` can make); nothing here knows about HTTP or JSON. Every query is
//! written once in SQL that both dialects accept, and run on whichever pool is configured
//! (see [`db`]).
//!
//! [`Permit`]: pubdata_core::policy::Permit

pub mod aggregation;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod db;
pub mod hot;
pub mod opening;
pub mod orgs;
pub mod sessions;
pub mod settings;
pub mod sharing;
pub mod tokens;
pub mod users;

pub use db::{Backend, Db, StoreError, Tx};
