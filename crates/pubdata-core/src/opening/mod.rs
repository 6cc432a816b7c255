//! Opening (开放) to society: the rules that hold before anything opens. `review.rs` is the
//! security review a proposal must pass (personal data, grades, k-anonymity).

pub mod review;
