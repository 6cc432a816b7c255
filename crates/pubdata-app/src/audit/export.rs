//! The log exported to a file, for checking offline with `pubdata verify-log`.
//!
//! The file is JSON Lines (docs/audit-log.md has the whole format):
//!
//! ```text
//! {"format":"pubdata-audit-log","version":1,"origin":…,"tree_size":N,"root_hash":b64,
//!  "keys":[verifier keys…],"checkpoint":"<signed note of size N>"}
//! {"checkpoint":"<signed note>"}              every stored checkpoint, placed where the
//! {"index":0,"leaf_hash":b64,"bytes":b64}     log reaches its size
//! …
//! ```
//!
//! `bytes` are the entry's canonical bytes; `leaf_hash` is the hash the tree stored for it
//! when it was appended, so that a changed entry is found by its index.

use super::signer;
use crate::action::Audited;
use crate::{ActionError, App};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::merkle::Hash;
use pubdata_store::audit as store;
use serde::{Deserialize, Serialize};
use std::io::Write;

pub const EXPORT_FORMAT: &str = "pubdata-audit-log";
pub const EXPORT_VERSION: u32 = 1;
/// Entries read from the database per query while exporting.
const PAGE: u64 = 5000;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Header {
    pub format: String,
    pub version: u32,
    pub origin: String,
    pub tree_size: u64,
    pub root_hash: String,
    pub keys: Vec<String>,
    pub checkpoint: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Line {
    Checkpoint {
        checkpoint: String,
    },
    /// `bytes` is null when the database lost the entry but the tree still has its leaf.
    Entry {
        index: u64,
        leaf_hash: Option<String>,
        bytes: Option<String>,
    },
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub tree_size: u64,
    pub root_hash: Hash,
    pub checkpoints: u64,
}

fn write_line(out: &mut dyn Write, value: &impl Serialize) -> Result<(), ActionError> {
    let mut line = serde_json::to_vec(value).expect("export lines serialize");
    line.push(b'\n');
    out.write_all(&line)
        .map_err(|e| ActionError::Unexpected(format!("cannot write the export: {e}")))
}

/// Writes the whole log to `out`, with a checkpoint signed now that covers this export's own
/// entry, and every checkpoint signed before.
pub async fn export_audit_log(
    app: &App,
    actor: &Actor,
    out: &mut dyn Write,
) -> Result<ExportSummary, ActionError> {
    let a = Audited::new(app, actor, Action::ExportAuditLog);
    a.finish(
        async {
            // Auditors and the authority may take the log away to check it.
            pubdata_core::policy::view_audit_log(actor, a.action)?;
            let mut tx = a.begin().await?;
            let index = a.record(&mut tx).await?;
            a.set_target(Target::new("audit", format!("0..{}", index + 1)));
            let signer = super::checkpoints::current_signer(app, &mut tx).await?;
            let dir = &app.config().data_dir;
            let head = signer::sign_head(&mut tx, dir, &signer.origin, &[&signer.key]).await?;
            signer::commit_signed(tx, &head, dir).await?;

            let mut tx = app.db().begin_read().await?;
            let keys = store::keys(&mut tx).await?;
            write_line(
                out,
                &Header {
                    format: EXPORT_FORMAT.into(),
                    version: EXPORT_VERSION,
                    origin: signer.origin.clone(),
                    tree_size: head.tree_size,
                    root_hash: B64.encode(head.root_hash),
                    keys: keys.into_iter().map(|k| k.verifier).collect(),
                    checkpoint: head.note.clone(),
                },
            )?;
            let mut checkpoints = 0;
            let mut after_checkpoint = None;
            let mut at = 0;
            loop {
                // Checkpoints up to the size reached so far go before the next entries.
                let cps = store::checkpoints(&mut tx, after_checkpoint, at, 10_000).await?;
                for c in &cps {
                    write_line(
                        out,
                        &Line::Checkpoint {
                            checkpoint: c.note.clone(),
                        },
                    )?;
                    after_checkpoint = Some(c.tree_size);
                    checkpoints += 1;
                }
                if cps.len() == 10_000 {
                    continue;
                }
                if at >= head.tree_size {
                    break;
                }
                // Stop each page at the next checkpoint so that it is written in its place.
                let next_cp = store::checkpoints(&mut tx, Some(at), head.tree_size, 1)
                    .await?
                    .first()
                    .map(|c| c.tree_size)
                    .unwrap_or(head.tree_size);
                let end = (at + PAGE).min(next_cp);
                // Every index that has an entry or a leaf gets a line, so that what is missing
                // on one side shows in the file.
                let mut entries: std::collections::BTreeMap<u64, Option<Vec<u8>>> =
                    store::range(&mut tx, at, end)
                        .await?
                        .into_iter()
                        .map(|e| (e.index, Some(e.to_bytes())))
                        .collect();
                let leaves: std::collections::HashMap<u64, Hash> =
                    store::leaves(&mut tx, at, end).await?.into_iter().collect();
                for i in leaves.keys() {
                    entries.entry(*i).or_insert(None);
                }
                for (index, bytes) in entries {
                    write_line(
                        out,
                        &Line::Entry {
                            index,
                            leaf_hash: leaves.get(&index).map(|h| B64.encode(h)),
                            bytes: bytes.map(|b| B64.encode(b)),
                        },
                    )?;
                }
                at = end;
            }
            tx.rollback().await?;
            out.flush()
                .map_err(|e| ActionError::Unexpected(format!("cannot write the export: {e}")))?;
            Ok(ExportSummary {
                tree_size: head.tree_size,
                root_hash: head.root_hash,
                checkpoints,
            })
        }
        .await,
    )
    .await
}
