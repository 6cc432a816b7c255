//! The catalog's tables: resources (current content, versions, review events, the search
//! index), information systems, duty changes with their review tasks, deadline rules.

pub mod duty;
pub mod resources;
pub mod search;
pub mod systems;
