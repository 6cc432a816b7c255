//! The audit log's doors (DESIGN.md §5): signed checkpoints, proofs, reading and searching
//! entries, export and offline verification, and the signing key.
//!
//! Appending is not here: every action appends its own entry through
//! [`crate::action::Audited`] in its own transaction — except the hot read paths (the sharing
//! API), whose entries [`batcher`] commits in groups, each caller waiting for its own. This module publishes what was
//! appended so that anyone can check it: the hashing and proofs are `pubdata_core::merkle`,
//! the signed notes `pubdata_core::note`, the stored tree `pubdata_store::audit`.

pub mod batcher;
pub mod checkpoints;
pub mod entries;
pub mod export;
pub mod proofs;
pub mod signer;
pub mod verify;

pub use checkpoints::{
    PublicKeys, create_checkpoint, latest_checkpoint, public_keys, rotate_audit_key, sign_if_grown,
    spawn_checkpointer,
};
pub use entries::{get_audit_entry, list_audit_entries, search_audit_entries};
pub use export::export_audit_log;
pub use proofs::{consistency_proof, inclusion_proof};
pub use pubdata_store::audit::{CheckpointRow, KeyRow};
pub use verify::{VerifyOptions, VerifyReport, verify_export};
