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
    /// Keys the checker trusts: given, or learned from a checkpoint that a trusted key and
    /// the learned one both signed (a key rotation).
    keys: Vec<VerifierKey>,
    /// Keys the file names: candidates for learning.
    file_keys: Vec<VerifierKey>,
    /// Signed by no trusted key yet: verified again once all keys are learned.
    pending: Vec<(String, String)>,
    /// Notes with more than one signature: where rotations are vouched for.
    multi_signed: Vec<String>,
    origin: String,
    frontier: Frontier,
    /// The largest checkpoint size so far that the rebuilt tree reproduced.
    last_good: u64,
    /// Checkpoints after the first mismatch fail for the same cause; they are counted, not
    /// each reported.
    later_mismatches: u64,
    checked: u64,
    /// Which indexes the file held (a bit each), and one past the largest.
    seen: Vec<u64>,
    next_index: u64,
    old: Option<Checkpoint>,
    extends_old: Option<u64>,
    problems: Vec<LogProblem>,
}

impl Checker {
    fn problem(&mut self, index: Option<u64>, message: String) {
        self.problems.push(LogProblem { index, message });
    }

    /// Reads a signed checkpoint. Its signature is checked now if a trusted key made it, or at
    /// the end, once rotations have taught the keys that came before (`pending`). A bad
    /// signature or another log's checkpoint is a problem.
    fn open(&mut self, note_text: &str, what: &str) -> Option<Checkpoint> {
        let parsed = match note::open_checkpoint(note_text, &self.keys) {
            Err(note::NoteError::UnknownKey) => {
                self.pending.push((what.to_owned(), note_text.to_owned()));
                note::split(note_text).and_then(|(text, _)| Checkpoint::parse_body(&text))
            }
            other => other,
        };
        if note::split(note_text).is_ok_and(|(_, sigs)| sigs.len() > 1) {
            self.multi_signed.push(note_text.to_owned());
        }
        match parsed {
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
            if !self.problems.is_empty() {
                // Entries already reported missing or moved shift every checkpoint after them.
                return;
            }
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
                    "the entries do not reproduce {what} {}: an entry from {from} to {} was \
                     changed, removed or reordered after that checkpoint was signed",
                    c.size,
                    c.size.saturating_sub(1)
                ),
            );
        }
        self.later_mismatches += 1;
        false
    }

    fn check_entry(&mut self, index: u64, leaf_hash: Option<&str>, bytes: Option<&str>) {
        let position = self.frontier.size();
        let stored = leaf_hash.and_then(hash_from_b64);
        let Some(bytes) = bytes else {
            // The export found the leaf but no entry: the row was deleted.
            self.problem(
                Some(position),
                format!(
                    "entry {position} was removed from the database (the tree still holds its leaf)"
                ),
            );
            self.see(index, position);
            self.push(stored.unwrap_or_default());
            return;
        };
        let Ok(bytes) = B64.decode(bytes) else {
            self.problem(Some(position), "the entry's bytes are not base64".into());
            self.push(merkle::leaf_hash(b""));
            return;
        };
        let computed = merkle::leaf_hash(&bytes);
        match CanonicalEntry::parse(&bytes) {
            Ok(e) => {
                if index != e.index {
                    self.problem(
                        Some(position),
                        format!("the line says index {index} but holds entry {}", e.index),
                    );
                }
                self.see(e.index, position);
            }
            Err(e) => {
                self.problem(Some(position), format!("the entry is unreadable: {e}"));
                self.see(index, position);
            }
        }
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
        self.push(stored.unwrap_or(computed));
    }

    /// Notes that entry `index` stands in place `position`: a repeat or a step back is a
    /// problem now; what never appears is reported at the end as missing.
    fn see(&mut self, index: u64, position: u64) {
        let (word, bit) = ((index / 64) as usize, index % 64);
        if self.seen.len() <= word {
            self.seen.resize(word + 1, 0);
        }
        if self.seen[word] & (1 << bit) != 0 {
            self.problem(
                Some(position),
                format!("entry {index} appears twice (again in place {position})"),
            );
        } else if self.next_index > index {
            self.problem(
                Some(index),
                format!(
                    "entry {index} stands after entry {}: entries were reordered",
                    self.next_index - 1
                ),
            );
        }
        self.seen[word] |= 1 << bit;
        self.next_index = self.next_index.max(index + 1);
    }

    /// Indexes below `end` that no line held, as ranges.
    fn missing(&self, end: u64) -> Vec<(u64, u64)> {
        let mut ranges: Vec<(u64, u64)> = vec![];
        for i in 0..end {
            let seen = self
                .seen
                .get((i / 64) as usize)
                .is_some_and(|w| w & (1 << (i % 64)) != 0);
            if seen {
                continue;
            }
            match ranges.last_mut() {
                Some((_, e)) if *e == i => *e = i + 1,
                _ => ranges.push((i, i + 1)),
            }
        }
        ranges
    }

    fn push(&mut self, leaf: Hash) {
        self.frontier.push(leaf, &mut Vec::new());
        if let Some(old) = self.old.clone()
            && old.size == self.frontier.size()
        {
            self.check_old(&old);
        }
    }

    /// Learns the keys of the file that a trusted key vouched for, then checks the pending
    /// signatures with them.
    fn finish_signatures(&mut self) {
        loop {
            let learned: Vec<VerifierKey> = self
                .file_keys
                .iter()
                .filter(|k| !self.keys.contains(k))
                .filter(|k| {
                    self.multi_signed.iter().any(|n| {
                        note::open(n, &self.keys).is_ok()
                            && note::open(n, std::slice::from_ref(*k)).is_ok()
                    })
                })
                .cloned()
                .collect();
            if learned.is_empty() {
                break;
            }
            self.keys.extend(learned);
        }
        for (what, n) in std::mem::take(&mut self.pending) {
            if let Err(e) = note::open(&n, &self.keys) {
                let size = note::split(&n)
                    .ok()
                    .and_then(|(t, _)| Checkpoint::parse_body(&t).ok())
                    .map(|c| c.size);
                self.problem(
                    None,
                    format!(
                        "{what} (size {}) does not verify: {e} — no trusted key signed it, nor a \
                         key that a trusted key vouched for at a rotation",
                        size.map(|s| s.to_string()).unwrap_or_else(|| "?".into())
                    ),
                );
            }
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
    let file_keys = header
        .keys
        .iter()
        .map(|k| VerifierKey::parse(k).map_err(|e| format!("a key in the file: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut c = Checker {
        keys: opts.keys.clone().unwrap_or_else(|| file_keys.clone()),
        file_keys,
        pending: vec![],
        multi_signed: vec![],
        origin: header.origin.clone(),
        frontier: Frontier::empty(),
        last_good: 0,
        later_mismatches: 0,
        checked: 0,
        seen: vec![],
        next_index: 0,
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
            }) => c.check_entry(index, leaf_hash.as_deref(), bytes.as_deref()),
            Err(e) => {
                let at = c.frontier.size();
                c.problem(Some(at), format!("line {} is unreadable: {e}", n + 2));
            }
        }
    }
    let entries = c.frontier.size();
    for (from, to) in c.missing(header.tree_size.max(c.next_index)) {
        c.problem(
            Some(from),
            if to == from + 1 {
                format!("entry {from} is missing from the file")
            } else {
                format!("entries {from} to {} are missing from the file", to - 1)
            },
        );
    }
    if entries != header.tree_size {
        c.problem(
            Some(entries.min(header.tree_size)),
            format!(
                "the file holds {entries} entries but its checkpoint signs {}: entries were {}",
                head.as_ref().map_or(header.tree_size, |h| h.size),
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
    c.finish_signatures();
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
