//! Checking an exported log offline, trusting nothing but the keys: every entry is re-hashed
//! from its canonical bytes, the tree is rebuilt, and every signed checkpoint in the file —
//! and an older one the checker kept — must match the rebuilt tree at its size.
//!
//! What is found is reported by index: an entry whose bytes no longer hash to the leaf the
//! tree stored (changed), an entry out of place (reordered, duplicated), a gap (removed), a
//! checkpoint the entries before it do not reproduce. No database, no server.

use super::export::{EXPORT_FORMAT, EXPORT_VERSION, Header, Line};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use pubdata_core::audit::CanonicalEntry;
use pubdata_core::merkle::{self, Frontier, Hash};
use pubdata_core::note::{self, Checkpoint, VerifierKey};
use std::io::BufRead;

/// What to trust.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The log's verification keys, from a source the checker trusts. Without them the keys
    /// named in the file are used — which proves the file consistent, not who made it.
    pub keys: Option<Vec<VerifierKey>>,
    /// A checkpoint the checker kept from before: the exported log must extend it.
    pub old_checkpoint: Option<String>,
}

/// One thing wrong, at an entry's index where it can be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogProblem {
    pub index: Option<u64>,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub origin: String,
    /// Entries in the file.
    pub entries: u64,
    /// The size and root the export's own checkpoint signs.
    pub tree_size: u64,
    pub root_hash: Hash,
    pub checkpoints_checked: u64,
    pub keys_from_file: bool,
    /// The old checkpoint's size, when one was given and the log extends it.
    pub extends_old_checkpoint: Option<u64>,
    pub problems: Vec<LogProblem>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn hash_from_b64(s: &str) -> Option<Hash> {
    B64.decode(s).ok()?.try_into().ok()
}

struct Checker {
    keys: Vec<VerifierKey>,
    origin: String,
    frontier: Frontier,
    /// The largest checkpoint size so far that the rebuilt tree reproduced.
    last_good: u64,
    /// Checkpoints after the first mismatch fail for the same cause; they are counted, not
    /// each reported.
    later_mismatches: u64,
    checked: u64,
    old: Option<Checkpoint>,
    extends_old: Option<u64>,
    problems: Vec<LogProblem>,
}

impl Checker {
    fn problem(&mut self, index: Option<u64>, message: String) {
        self.problems.push(LogProblem { index, message });
    }

    /// Opens a signed checkpoint; a bad signature or another log's checkpoint is a problem.
    fn open(&mut self, note_text: &str, what: &str) -> Option<Checkpoint> {
        match note::open_checkpoint(note_text, &self.keys) {
            Ok(c) if c.origin == self.origin => Some(c),
            Ok(c) => {
                self.problem(
                    None,
                    format!(
                        "{what} is of another log: origin {:?}, not {:?}",
                        c.origin, self.origin
                    ),
                );
                None
            }
            Err(e) => {
                self.problem(None, format!("{what} does not verify: {e}"));
                None
            }
        }
    }

    fn check_checkpoint(&mut self, note_text: &str) {
        let Some(c) = self.open(note_text, "a checkpoint in the file") else {
            return;
        };
        let size = self.frontier.size();
        if c.size != size {
            self.problem(
                Some(size),
                format!(
                    "the checkpoint of size {} stands after entry {size}: the file's entries were \
                     moved, added or removed around it",
                    c.size
                ),
            );
            return;
        }
        self.checked += 1;
        self.compare_root(&c, "the checkpoint signed at size");
    }

    /// The rebuilt tree at the checkpoint's size must have its root.
    fn compare_root(&mut self, c: &Checkpoint, what: &str) -> bool {
        if self.frontier.root() == c.root {
            self.last_good = self.last_good.max(c.size);
            return true;
        }
        if self.later_mismatches == 0 {
            let from = self.last_good;
            self.problem(
                Some(from),
                format!(
                    "the entries do not reproduce {what} {}: an entry in {from}..{} was changed, \
                     removed or reordered after that checkpoint was signed",
                    c.size, c.size
                ),
            );
        }
        self.later_mismatches += 1;
        false
    }

    fn check_entry(&mut self, index: u64, leaf_hash: Option<&str>, bytes: &str) {
        let position = self.frontier.size();
        let Ok(bytes) = B64.decode(bytes) else {
            self.problem(Some(position), "the entry's bytes are not base64".into());
            self.frontier.push(merkle::leaf_hash(b""), &mut Vec::new());
            return;
        };
        let computed = merkle::leaf_hash(&bytes);
        match CanonicalEntry::parse(&bytes) {
            Ok(e) if e.index > position => self.problem(
                Some(position),
                format!(
                    "entries {position}..{} are missing: the next entry in the file is {}",
                    e.index, e.index
                ),
            ),
            Ok(e) if e.index < position => self.problem(
                Some(position),
                format!(
                    "the entry in place {position} is entry {}: entries were reordered or duplicated",
                    e.index
                ),
            ),
            Ok(_) if index != position => self.problem(
                Some(position),
                format!("the line says index {index} but holds entry {position}"),
            ),
            Ok(_) => {}
            Err(e) => self.problem(Some(position), format!("the entry is unreadable: {e}")),
        }
        let stored = leaf_hash.and_then(hash_from_b64);
        if let Some(stored) = stored
            && stored != computed
        {
            self.problem(
                Some(position),
                format!(
                    "entry {position} was changed after it was logged: its fields no longer hash to \
                     the leaf the tree holds"
                ),
            );
        }
        // The tree is rebuilt from the stored leaf when there is one, so that a changed entry
        // is reported once, here, by its index; if the stored leaves were rewritten as well,
        // the signed checkpoints no longer match and say so.
        self.frontier
            .push(stored.unwrap_or(computed), &mut Vec::new());
        if let Some(old) = self.old.clone()
            && old.size == self.frontier.size()
        {
            self.check_old(&old);
        }
    }

    fn check_old(&mut self, old: &Checkpoint) {
        if self.frontier.root() == old.root {
            self.extends_old = Some(old.size);
        } else {
            self.problem(
                Some(old.size),
                format!(
                    "the log is not an extension of the old checkpoint (size {}): an entry before \
                     {} was changed, removed or reordered since",
                    old.size, old.size
                ),
            );
        }
    }
}

/// Checks an export read from `input`. `Err` when the input is not an export at all.
pub fn verify_export(input: impl BufRead, opts: &VerifyOptions) -> Result<VerifyReport, String> {
    let mut lines = input.lines();
    let first = lines
        .next()
        .ok_or("the file is empty")?
        .map_err(|e| format!("cannot read the file: {e}"))?;
    let header: Header = serde_json::from_str(&first)
        .map_err(|e| format!("not a pubdata audit log export (first line: {e})"))?;
    if header.format != EXPORT_FORMAT || header.version != EXPORT_VERSION {
        return Err(format!(
            "not a pubdata audit log export of a version this build knows ({} v{})",
            header.format, header.version
        ));
    }
    let keys_from_file = opts.keys.is_none();
    let keys = match &opts.keys {
        Some(k) => k.clone(),
        None => header
            .keys
            .iter()
            .map(|k| VerifierKey::parse(k).map_err(|e| format!("a key in the file: {e}")))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let mut c = Checker {
        keys,
        origin: header.origin.clone(),
        frontier: Frontier::empty(),
        last_good: 0,
        later_mismatches: 0,
        checked: 0,
        old: None,
        extends_old: None,
        problems: vec![],
    };
    let head = c.open(&header.checkpoint, "the export's checkpoint");
    if let Some(h) = &head
        && (h.size != header.tree_size || B64.encode(h.root) != header.root_hash)
    {
        c.problem(
            None,
            "the header's size or root differs from its signed checkpoint".into(),
        );
    }
    if let Some(old_note) = &opts.old_checkpoint {
        c.old = c.open(old_note, "the old checkpoint");
        if let Some(old) = c.old.clone() {
            if old.size > header.tree_size {
                c.problem(
                    Some(header.tree_size),
                    format!(
                        "the log is shorter than the old checkpoint (size {} > {}): entries were \
                         removed",
                        old.size, header.tree_size
                    ),
                );
            } else if old.size == 0 {
                c.check_old(&old);
            }
        }
    }
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| format!("cannot read the file: {e}"))?;
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(&line) {
            Ok(Line::Checkpoint { checkpoint }) => c.check_checkpoint(&checkpoint),
            Ok(Line::Entry {
                index,
                leaf_hash,
                bytes,
            }) => c.check_entry(index, leaf_hash.as_deref(), &bytes),
            Err(e) => {
                let at = c.frontier.size();
                c.problem(Some(at), format!("line {} is unreadable: {e}", n + 2));
            }
        }
    }
    let entries = c.frontier.size();
    if entries != header.tree_size {
        c.problem(
            Some(entries.min(header.tree_size)),
            format!(
                "the file holds {entries} entries but its checkpoint signs {}: entries were {}",
                header.tree_size,
                if entries < header.tree_size {
                    "removed"
                } else {
                    "added"
                }
            ),
        );
    } else if let Some(h) = &head {
        c.checked += 1;
        c.compare_root(h, "the export's checkpoint of size");
    }
    if c.later_mismatches > 1 {
        let more = c.later_mismatches - 1;
        c.problem(
            None,
            format!("{more} later checkpoint(s) do not match either (same cause)"),
        );
    }
    Ok(VerifyReport {
        origin: header.origin,
        entries,
        tree_size: header.tree_size,
        root_hash: head.map(|h| h.root).unwrap_or_default(),
        checkpoints_checked: c.checked,
        keys_from_file,
        extends_old_checkpoint: c.extends_old,
        problems: c.problems,
    })
}
