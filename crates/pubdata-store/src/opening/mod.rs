//! Opening's tables: proposals with their security review, the open list (`datasets`) with
//! its files, use counts and developer keys; applications for conditional data, agreements
//! and use reports; public interaction and the showcase.

pub mod applications;
pub mod datasets;
pub mod feedback;
pub mod proposals;
pub mod showcase;
