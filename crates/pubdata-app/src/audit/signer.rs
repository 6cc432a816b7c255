//! The log's identity and signing: its origin, its Ed25519 key (a file in the data
//! directory, created at first start), and the signing of tree heads.
//!
//! The one rule here is C2SP's: never sign a checkpoint inconsistent with one signed before.
//! [`sign_head`] checks a consistency proof from the latest checkpoint to the new head,
//! computed from the stored tree, before it signs, and a size is signed at most once.

use crate::{ActionError, Config, now_ms};
use pubdata_core::merkle;
use pubdata_core::note::{self, Checkpoint, SignerKey, VerifierKey};
use pubdata_store::audit::{self as store, CheckpointRow, KeyRow};
use pubdata_store::{Db, Tx, settings};
use std::path::{Path, PathBuf};

/// The settings row that fixes the log's origin at first start.
const ORIGIN_SETTING: &str = "audit_origin";

/// What signs the log's checkpoints.
#[derive(Debug)]
pub struct LogSigner {
    pub origin: String,
    pub key: SignerKey,
}

/// Where the private keys live: `<data dir>/audit-keys/<key id>.key`, one line each in the
/// signed-note private key format (`PRIVATE+KEY+name+id+…`), readable by the owner only.
pub fn key_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("audit-keys")
}

fn key_path(data_dir: &Path, id: u32) -> PathBuf {
    key_dir(data_dir).join(format!("{id:08x}.key"))
}

fn unexpected(what: impl std::fmt::Display) -> ActionError {
    ActionError::Unexpected(what.to_string())
}

/// An origin (and key name) as C2SP asks: non-empty, no spaces, no `+`, printable.
pub fn check_origin(origin: &str) -> Result<(), String> {
    if origin.is_empty() || origin.len() > 200 {
        return Err("the audit log's origin must have 1 to 200 characters".into());
    }
    if origin
        .chars()
        .any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        return Err(format!(
            "the audit log's origin {origin:?} must not contain spaces, '+' or control characters"
        ));
    }
    Ok(())
}

/// Loads the log's origin and current key, making both at first start.
pub(crate) async fn load_or_create(db: &Db, config: &Config) -> Result<LogSigner, ActionError> {
    let mut tx = db.begin().await?;
    store::lock(&mut tx).await?;
    let origin = match settings::get(&mut tx, ORIGIN_SETTING).await? {
        Some(recorded) => {
            if let Some(wanted) = &config.audit.origin
                && wanted != &recorded
            {
                return Err(unexpected(format!(
                    "the audit log was started with origin {recorded:?}; it cannot become \
                     {wanted:?} (its checkpoints name it). Drop --audit-origin or set it to {recorded:?}"
                )));
            }
            recorded
        }
        None => {
            let origin = match &config.audit.origin {
                Some(o) => o.clone(),
                None => {
                    let mut tag = [0u8; 4];
                    rand::fill(&mut tag[..]);
                    format!("pubdata.local/audit-{}", hex::encode(tag))
                }
            };
            check_origin(&origin).map_err(unexpected)?;
            settings::set(&mut tx, ORIGIN_SETTING, &origin).await?;
            origin
        }
    };
    let current = store::keys(&mut tx)
        .await?
        .into_iter()
        .find(|k| k.retired_at.is_none());
    let key = match current {
        Some(row) => read_key(&config.data_dir, &row)?,
        None => {
            let key = new_key(&config.data_dir, &origin)?;
            store::add_current_key(&mut tx, &key_row(&key, now_ms())).await?;
            tracing::info!(key = %key.verifier().encode(), "created the audit log's signing key");
            key
        }
    };
    tx.commit().await?;
    Ok(LogSigner { origin, key })
}

pub(crate) fn read_key(data_dir: &Path, row: &KeyRow) -> Result<SignerKey, ActionError> {
    let verifier = VerifierKey::parse(&row.verifier)
        .map_err(|e| unexpected(format!("stored audit key {}: {e}", row.key_id)))?;
    let path = key_path(data_dir, verifier.id());
    let text = std::fs::read_to_string(&path).map_err(|e| {
        unexpected(format!(
            "cannot read the audit log's signing key {} ({e}). Restore it from a backup of the \
             data directory; without it no new checkpoint can be signed under key {}",
            path.display(),
            row.verifier
        ))
    })?;
    let key = SignerKey::parse(&text)
        .map_err(|e| unexpected(format!("{}: not a signing key ({e})", path.display())))?;
    if key.verifier() != verifier {
        return Err(unexpected(format!(
            "{} holds another key than the current one recorded in the database ({})",
            path.display(),
            row.verifier
        )));
    }
    Ok(key)
}

/// Makes a fresh key named `origin` and writes it where [`read_key`] finds it.
pub(crate) fn new_key(data_dir: &Path, origin: &str) -> Result<SignerKey, ActionError> {
    let mut seed = [0u8; 32];
    rand::fill(&mut seed[..]);
    let key = SignerKey::from_seed(origin, seed).map_err(unexpected)?;
    let dir = key_dir(data_dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| unexpected(format!("cannot create {}: {e}", dir.display())))?;
    let path = key_path(data_dir, key.id());
    write_private(&path, &format!("{}\n", key.encode()))
        .map_err(|e| unexpected(format!("cannot write {}: {e}", path.display())))?;
    Ok(key)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

pub(crate) fn key_row(key: &SignerKey, at: i64) -> KeyRow {
    let v = key.verifier();
    KeyRow {
        key_id: format!("{}+{:08x}", v.name(), v.id()),
        verifier: v.encode(),
        created_at: at,
        retired_at: None,
    }
}

/// Where the data directory keeps the last checkpoint it signed: the log's memory of what it
/// promised, outside the database, so that a database restored from an older copy (or
/// rewritten) is not signed over — that would fork the log for everyone holding a newer head.
pub fn high_water_path(data_dir: &Path) -> PathBuf {
    key_dir(data_dir).join("latest-checkpoint.note")
}

/// The checkpoint in the high-water file, if there is one.
fn read_high_water(data_dir: &Path) -> Result<Option<Checkpoint>, ActionError> {
    let path = high_water_path(data_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unexpected(format!("cannot read {}: {e}", path.display()))),
    };
    let body = note::split(&text)
        .and_then(|(t, _)| Checkpoint::parse_body(&t))
        .map_err(|e| unexpected(format!("{} is not a checkpoint: {e}", path.display())))?;
    Ok(Some(body))
}

/// Commits a transaction in which `row` was signed, then records it as the data directory's
/// high-water mark (only ever upwards). The commit stands even if the file cannot be written.
pub(crate) async fn commit_signed(
    tx: Tx,
    row: &CheckpointRow,
    data_dir: &Path,
) -> Result<(), ActionError> {
    tx.commit().await?;
    let higher = match read_high_water(data_dir) {
        Ok(Some(c)) => row.tree_size > c.size,
        Ok(None) => true,
        Err(_) => true,
    };
    if higher {
        let path = high_water_path(data_dir);
        let tmp = path.with_extension("tmp");
        let written = std::fs::create_dir_all(key_dir(data_dir))
            .and_then(|()| std::fs::write(&tmp, &row.note))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = written {
            tracing::error!(error = %e, path = %path.display(), "could not record the latest checkpoint");
        }
    }
    Ok(())
}

/// Checks that the tree of `size` leaves with `root` extends an earlier signed head.
async fn ensure_extends(
    tx: &mut Tx,
    (first, first_root): (u64, &merkle::Hash),
    (second, root): (u64, &merkle::Hash),
    what: &str,
) -> Result<(), ActionError> {
    if first > second {
        return Err(unexpected(format!(
            "refusing to sign: the log holds {second} entries but {what} was signed over \
             {first} — entries were removed or the database was restored from an older copy"
        )));
    }
    let proof = store::with_nodes(tx, merkle::consistency_needs(first, second)?, |get| {
        merkle::consistency_proof(first, second, get)
    })
    .await??;
    let holds = if first == 0 {
        // Everything extends the empty tree.
        Ok(())
    } else {
        merkle::verify_consistency(first, second, first_root, root, &proof)
    };
    holds.map_err(|e| {
        unexpected(format!(
            "refusing to sign tree size {second}: it is not an extension of {what} of size \
             {first} ({e}) — the stored log was changed or restored from an older copy"
        ))
    })
}

/// Signs the head of the log as `tx` sees it, unless the latest checkpoint already has that
/// size (then that one is returned). Refuses, as a fault, to sign — or to go on from — a head
/// that does not extend both the latest checkpoint in the database and the last one this data
/// directory signed. Takes the append lock, so no entry lands in between. Commit with
/// [`commit_signed`].
pub(crate) async fn sign_head(
    tx: &mut Tx,
    data_dir: &Path,
    origin: &str,
    signers: &[&SignerKey],
) -> Result<CheckpointRow, ActionError> {
    store::lock(tx).await?;
    let size = store::size(tx).await?;
    let root = store::root(tx, size).await?;
    let latest = store::latest_checkpoint(tx).await?;
    if let Some(l) = &latest {
        ensure_extends(tx, (l.tree_size, &l.root_hash), (size, &root), "checkpoint").await?;
    }
    if let Some(h) = read_high_water(data_dir)? {
        let what = format!(
            "the checkpoint this data directory last signed ({}; if the newer database is lost \
             for good, remove that file to accept a fork: whoever holds a checkpoint above the \
             restored one will see the log as rewritten)",
            high_water_path(data_dir).display()
        );
        ensure_extends(tx, (h.size, &h.root), (size, &root), &what).await?;
    }
    if let Some(l) = latest
        && l.tree_size == size
    {
        return Ok(l);
    }
    let body = Checkpoint {
        origin: origin.to_owned(),
        size,
        root,
        extensions: vec![],
    }
    .body();
    let note = note::sign(&body, signers).map_err(unexpected)?;
    let row = CheckpointRow {
        tree_size: size,
        root_hash: root,
        created_at: now_ms(),
        note,
    };
    store::insert_checkpoint(tx, &row).await?;
    Ok(row)
}

impl From<merkle::ProofError> for ActionError {
    fn from(e: merkle::ProofError) -> Self {
        ActionError::Unexpected(format!("audit tree: {e}"))
    }
}
