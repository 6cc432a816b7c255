//! The checks an outsider runs on files: an exported log (`verify-log`), and proofs fetched
//! from the public API (`audit check-consistency`, `audit check-inclusion`). No database, no
//! server: only the files and a key the checker trusts.

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use pubdata_app::audit::{VerifyOptions, verify_export};
use pubdata_core::audit::CanonicalEntry;
use pubdata_core::merkle::{self, Hash};
use pubdata_core::note::{self, Checkpoint, VerifierKey};
use serde_json::Value;
use std::path::Path;

pub fn b64(h: &Hash) -> String {
    B64.encode(h)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_json(path: &Path) -> Result<Value> {
    serde_json::from_str(&read(path)?).with_context(|| format!("{} is not JSON", path.display()))
}

/// Keys given on the command line, each a verifier key or a file of them (one a line).
fn keys(args: &[String]) -> Result<Vec<VerifierKey>> {
    let mut keys = vec![];
    for arg in args {
        let text = if Path::new(arg).is_file() {
            read(Path::new(arg))?
        } else {
            arg.clone()
        };
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            keys.push(VerifierKey::parse(line).with_context(|| format!("not a key: {line:?}"))?);
        }
    }
    Ok(keys)
}

fn open(path: &Path, keys: &[VerifierKey]) -> Result<Checkpoint> {
    note::open_checkpoint(&read(path)?, keys)
        .map_err(|e| anyhow!("{}: the checkpoint does not verify: {e}", path.display()))
}

fn hash(v: &Value, what: &str) -> Result<Hash> {
    v.as_str()
        .and_then(|s| B64.decode(s).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("{what} is not a base64 SHA-256 hash"))
}

fn hashes(v: &Value, what: &str) -> Result<Vec<Hash>> {
    v.as_array()
        .ok_or_else(|| anyhow!("{what} is not a list"))?
        .iter()
        .map(|h| hash(h, what))
        .collect()
}

fn number(v: &Value, what: &str) -> Result<u64> {
    v.as_u64().ok_or_else(|| anyhow!("{what} is not a number"))
}

pub fn verify_log(file: &Path, checkpoint: Option<&Path>, key: &[String]) -> Result<()> {
    let opts = VerifyOptions {
        keys: if key.is_empty() {
            None
        } else {
            Some(keys(key)?)
        },
        old_checkpoint: checkpoint.map(read).transpose()?,
    };
    let f = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let report = verify_export(std::io::BufReader::new(f), &opts).map_err(|e| anyhow!(e))?;
    println!("log:         {}", report.origin);
    println!("entries:     {}", report.entries);
    println!(
        "checkpoint:  size {}, root {}",
        report.tree_size,
        b64(&report.root_hash)
    );
    println!("checkpoints: {} checked", report.checkpoints_checked);
    if report.keys_from_file {
        println!(
            "keys:        taken from the file itself — pass --key with the published key to \
             know who signed"
        );
    }
    if let Some(size) = report.extends_old_checkpoint {
        println!("old checkpoint: size {size} is a prefix of this log");
    }
    if report.is_ok() {
        println!("OK: every entry hashes into the signed tree");
        return Ok(());
    }
    for p in &report.problems {
        match p.index {
            Some(i) => println!("PROBLEM at entry {i}: {}", p.message),
            None => println!("PROBLEM: {}", p.message),
        }
    }
    bail!(
        "the log does not verify: {} problem(s)",
        report.problems.len()
    )
}

pub fn consistency(old: &Path, new: &Path, proof: &Path, key: &[String]) -> Result<()> {
    let keys = keys(key)?;
    let (a, b) = (open(old, &keys)?, open(new, &keys)?);
    if a.origin != b.origin {
        bail!(
            "the checkpoints are of two logs: {:?} and {:?}",
            a.origin,
            b.origin
        );
    }
    let p = read_json(proof)?;
    let (first, second) = (
        number(&p["first"], "first")?,
        number(&p["second"], "second")?,
    );
    if (first, second) != (a.size, b.size) {
        bail!(
            "the proof is for sizes {first} → {second}, the checkpoints are {} → {}",
            a.size,
            b.size
        );
    }
    let path = hashes(&p["consistency_path"], "consistency_path")?;
    merkle::verify_consistency(a.size, b.size, &a.root, &b.root, &path)
        .map_err(|e| anyhow!("the proof does not hold: {e}"))?;
    println!(
        "OK: the tree of {} entries (root {}) is a prefix of the tree of {} entries (root {}), both signed by {}",
        a.size,
        b64(&a.root),
        b.size,
        b64(&b.root),
        a.origin
    );
    Ok(())
}

/// The canonical bytes of the entry a file holds: an item of /audit/entries (the list or one
/// item), or the answer of /audit/entries/{index}.
fn entry_bytes(v: &Value, index: u64) -> Result<Vec<u8>> {
    let item = match v.get("items").and_then(Value::as_array) {
        Some(items) => items
            .iter()
            .find(|i| i["index"].as_u64() == Some(index))
            .ok_or_else(|| anyhow!("the entries file has no entry {index}"))?,
        None => v,
    };
    let bytes = item["bytes"]
        .as_str()
        .ok_or_else(|| anyhow!("the entry has no \"bytes\""))?;
    B64.decode(bytes)
        .map_err(|_| anyhow!("the entry's bytes are not base64"))
}

pub fn inclusion(checkpoint: &Path, proof: &Path, entry: &Path, key: &[String]) -> Result<()> {
    let keys = keys(key)?;
    let cp = open(checkpoint, &keys)?;
    let p = read_json(proof)?;
    let index = number(&p["leaf_index"], "leaf_index")?;
    let size = number(&p["tree_size"], "tree_size")?;
    if size != cp.size {
        bail!(
            "the proof is for a tree of {size} entries, the checkpoint signs {}",
            cp.size
        );
    }
    let bytes = entry_bytes(&read_json(entry)?, index)?;
    let e = CanonicalEntry::parse(&bytes).map_err(|e| anyhow!("the entry: {e}"))?;
    if e.index != index {
        bail!(
            "the entry is entry {}, the proof is for entry {index}",
            e.index
        );
    }
    // The leaf is hashed here from the entry itself; the proof's own leaf_hash is not trusted.
    let leaf = merkle::leaf_hash(&bytes);
    let path = hashes(&p["audit_path"], "audit_path")?;
    merkle::verify_inclusion(index, size, &leaf, &path, &cp.root)
        .map_err(|e| anyhow!("the proof does not hold: {e}"))?;
    let at = chrono::DateTime::from_timestamp_millis(e.at_ms)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default();
    println!(
        "OK: entry {index} ({} {} by {} at {at}, {}) is in the tree of {size} entries signed by {}",
        e.action,
        e.target.as_deref().unwrap_or("-"),
        e.actor_username.as_deref().unwrap_or("-"),
        e.decision,
        cp.origin
    );
    Ok(())
}
