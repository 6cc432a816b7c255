//! Authentication: web sign-in and sessions, API tokens. These actions are where an
//! [`Actor`](pubdata_core::Actor) comes from.

pub mod session;
pub mod tokens;
