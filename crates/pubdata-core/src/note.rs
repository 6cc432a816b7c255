//! Signed notes (C2SP `signed-note`) with Ed25519 keys, and transparency-log checkpoints
//! (C2SP `tlog-checkpoint`): the format in which the audit log publishes its signed tree heads.
//!
//! Key strings use the encodings of Go's `golang.org/x/mod/sumdb/note` package, so keys made
//! here work with Go tooling and the other way round:
//!
//! - verifier (public) key: `<name>+<8 hex digits of key ID>+<base64(0x01 || public key)>`
//! - signer (private) key: `PRIVATE+KEY+<name>+<8 hex digits of key ID>+<base64(0x01 || seed)>`
//!
//! A signed note is a text ending in a newline, a blank line, then one or more signature lines
//! `— <key name> <base64(4-byte big-endian key ID || signature)>`. The key ID of an Ed25519
//! key is the first four bytes of `SHA-256(name || 0x0A || 0x01 || public key)`.
//!
//! Verification ([`open`]) follows the C2SP rules: signatures from unknown keys (where the name
//! and the key ID do not both match a known key) are ignored; a signature by a known key that
//! does not verify rejects the whole note; a note with no verified signature is rejected.
//!
//! Pure: no I/O, no clock, no randomness. Callers pass a 32-byte seed to make a signing key.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest as _, Sha256};

/// The largest note, in bytes, that [`split`] and [`open`] accept (1 MiB).
pub const MAX_NOTE_SIZE: usize = 1 << 20;

/// The most signature lines that [`split`] and [`open`] accept in one note (the C2SP spec
/// requires at least 16; Go's implementation also stops at 100).
pub const MAX_SIGNATURES: usize = 100;

/// The C2SP signature type byte for Ed25519.
const ALG_ED25519: u8 = 0x01;

/// The separator between a signature line's em dash and the key name.
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a key, a note or a checkpoint was refused. The messages never contain secret key
/// material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The note's syntax is wrong (the reason says where).
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    /// A key name is empty, or contains a space, a `+` or a control character.
    #[error("invalid key name: it must be non-empty, without spaces, '+' or control characters")]
    BadKeyName,
    /// A key string is malformed (the reason says how).
    #[error("malformed key: {0}")]
    BadKey(&'static str),
    /// A key string's key ID does not match its name and public key.
    #[error("the key ID in the key string does not match the key")]
    KeyIdMismatch,
    /// No signature in the note is by a known key.
    #[error("the note has no signature by a known key")]
    UnknownKey,
    /// Two different known keys share a name and key ID, and the note has a signature by that
    /// name and ID, so it cannot be told which key to use.
    #[error("ambiguous key {name}+{id:08x}: two different known keys share this name and ID")]
    AmbiguousKey { name: String, id: u32 },
    /// A signature by a known key does not verify.
    #[error("invalid signature by key {name}")]
    BadSignature { name: String },
    /// The note text is not a valid checkpoint body (the reason says why).
    #[error("malformed checkpoint: {0}")]
    BadCheckpoint(&'static str),
}

impl NoteError {
    /// A stable machine-readable code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            NoteError::Malformed(_) => "note_malformed",
            NoteError::BadKeyName => "bad_key_name",
            NoteError::BadKey(_) => "bad_key",
            NoteError::KeyIdMismatch => "key_id_mismatch",
            NoteError::UnknownKey => "unknown_key",
            NoteError::AmbiguousKey { .. } => "ambiguous_key",
            NoteError::BadSignature { .. } => "bad_signature",
            NoteError::BadCheckpoint(_) => "checkpoint_malformed",
        }
    }
}

/// Whether `name` may be a key name: non-empty, no Unicode white space, no `+` (C2SP), and
/// (stricter than Go) no control characters, since a note cannot contain them.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// The C2SP key ID of an Ed25519 public key under `name`.
fn key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', ALG_ED25519])
        .chain_update(public_key)
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Splits `<name>+<8 hex digits>+<base64>` (Go's layout: the base64 part may itself contain
/// `+`) and decodes the base64 part as `0x01 || 32 bytes`.
fn parse_key_parts(encoded: &str) -> Result<(&str, u32, [u8; 32]), NoteError> {
    let (name, rest) = encoded
        .split_once('+')
        .ok_or(NoteError::BadKey("missing '+' after the name"))?;
    if !is_valid_key_name(name) {
        return Err(NoteError::BadKeyName);
    }
    let (hex, b64) = rest
        .split_once('+')
        .ok_or(NoteError::BadKey("missing '+' after the key ID"))?;
    // `u32::from_str_radix` would accept a sign; require exactly eight hex digits.
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoteError::BadKey("the key ID is not 8 hex digits"));
    }
    let id = u32::from_str_radix(hex, 16)
        .map_err(|_| NoteError::BadKey("the key ID is not 8 hex digits"))?;
    let mut raw = BASE64
        .decode(b64)
        .map_err(|_| NoteError::BadKey("the key is not valid base64"))?;
    let result = match raw.split_first() {
        None => Err(NoteError::BadKey("the key is empty")),
        Some((&ALG_ED25519, key)) => match <[u8; 32]>::try_from(key) {
            Ok(key) => Ok((name, id, key)),
            Err(_) => Err(NoteError::BadKey("an Ed25519 key must be 32 bytes")),
        },
        Some(_) => Err(NoteError::BadKey(
            "unknown signature algorithm (only Ed25519, 0x01, is supported)",
        )),
    };
    // Best effort: the bytes may be a private seed.
    wipe(&mut raw);
    result
}

/// Overwrites a buffer that held secret bytes (best effort; `SigningKey` itself zeroizes).
fn wipe(bytes: &mut [u8]) {
    bytes.fill(0);
    std::hint::black_box(bytes);
}

/// A private Ed25519 note-signing key with its name and key ID. `Debug` shows only the name
/// and the ID; the secret is zeroized on drop.
pub struct SignerKey {
    name: String,
    id: u32,
    key: SigningKey,
}

impl SignerKey {
    /// Makes a signing key named `name` from a 32-byte Ed25519 seed (the caller supplies the
    /// randomness).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<SignerKey, NoteError> {
        let mut seed = seed;
        if !is_valid_key_name(name) {
            wipe(&mut seed);
            return Err(NoteError::BadKeyName);
        }
        let key = SigningKey::from_bytes(&seed);
        wipe(&mut seed);
        let id = key_id(name, key.verifying_key().as_bytes());
        Ok(SignerKey {
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`, ignoring surrounding white
    /// space. The key ID must match the key derived from the seed.
    pub fn parse(encoded: &str) -> Result<SignerKey, NoteError> {
        let rest = encoded
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::BadKey(
                "a signer key must start with PRIVATE+KEY+",
            ))?;
        let (name, id, mut seed) = parse_key_parts(rest)?;
        let key = SigningKey::from_bytes(&seed);
        wipe(&mut seed);
        if key_id(name, key.verifying_key().as_bytes()) != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(SignerKey {
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// The encoded private key, `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`. Secret.
    pub fn encode(&self) -> String {
        let mut raw = [0u8; 33];
        raw[0] = ALG_ED25519;
        raw[1..].copy_from_slice(self.key.as_bytes());
        let out = format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            BASE64.encode(raw)
        );
        wipe(&mut raw);
        out
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The matching public key.
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            id: self.id,
            public_key: self.key.verifying_key().to_bytes(),
        }
    }

    /// The signature line for `text` (without checking `text`).
    fn signature_line(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut raw = Vec::with_capacity(68);
        raw.extend_from_slice(&self.id.to_be_bytes());
        raw.extend_from_slice(&sig.to_bytes());
        format!("{SIG_PREFIX}{} {}\n", self.name, BASE64.encode(raw))
    }
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerKey")
            .field("name", &self.name)
            .field("id", &format_args!("{:08x}", self.id))
            .finish_non_exhaustive()
    }
}

/// A public Ed25519 note-verification key with its name and key ID.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VerifierKey {
    name: String,
    id: u32,
    public_key: [u8; 32],
}

impl VerifierKey {
    /// Makes a verifier key named `name` from a 32-byte Ed25519 public key (Go's
    /// `NewEd25519VerifierKey`).
    pub fn new(name: &str, public_key: [u8; 32]) -> Result<VerifierKey, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::BadKeyName);
        }
        VerifyingKey::from_bytes(&public_key)
            .map_err(|_| NoteError::BadKey("not a valid Ed25519 public key"))?;
        Ok(VerifierKey {
            name: name.to_owned(),
            id: key_id(name, &public_key),
            public_key,
        })
    }

    /// Parses `<name>+<hex id>+<base64(0x01 || public key)>`, ignoring surrounding white space.
    /// The key ID must match the name and key.
    pub fn parse(encoded: &str) -> Result<VerifierKey, NoteError> {
        let (name, id, public_key) = parse_key_parts(encoded.trim())?;
        if key_id(name, &public_key) != id {
            return Err(NoteError::KeyIdMismatch);
        }
        VerifyingKey::from_bytes(&public_key)
            .map_err(|_| NoteError::BadKey("not a valid Ed25519 public key"))?;
        Ok(VerifierKey {
            name: name.to_owned(),
            id,
            public_key,
        })
    }

    /// The encoded key, `<name>+<hex id>+<base64(0x01 || public key)>`.
    pub fn encode(&self) -> String {
        let mut raw = [0u8; 33];
        raw[0] = ALG_ED25519;
        raw[1..].copy_from_slice(&self.public_key);
        format!("{}+{:08x}+{}", self.name, self.id, BASE64.encode(raw))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The raw Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.public_key
    }

    /// Whether `sig` (without the key ID) is this key's Ed25519 signature of `msg`.
    fn verifies(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        let Ok(key) = VerifyingKey::from_bytes(&self.public_key) else {
            return false;
        };
        key.verify(msg, &Signature::from_bytes(&sig)).is_ok()
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

impl FromStr for VerifierKey {
    type Err = NoteError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VerifierKey::parse(s)
    }
}

/// Checks a note text: ends in a newline, no control characters other than newline.
fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("the text must end with a newline"));
    }
    if has_control_chars(text) {
        return Err(NoteError::Malformed("control character other than newline"));
    }
    Ok(())
}

/// Whether `s` has an ASCII control character other than newline. (Multi-byte UTF-8
/// sequences never contain bytes below 0x80, so a byte scan is exact.)
fn has_control_chars(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 && b != b'\n')
}

/// Signs `text` (must be a valid note text ending in '\n') with each signer, in order, and
/// returns the signed note.
pub fn sign(text: &str, signers: &[&SignerKey]) -> Result<String, NoteError> {
    check_text(text)?;
    if signers.is_empty() {
        return Err(NoteError::Malformed("a note needs at least one signature"));
    }
    if signers.len() > MAX_SIGNATURES {
        return Err(NoteError::Malformed("more than 100 signatures"));
    }
    let mut note = String::with_capacity(text.len() + 1 + signers.len() * 128);
    note.push_str(text);
    note.push('\n');
    for signer in signers {
        note.push_str(&signer.signature_line(text));
    }
    if note.len() > MAX_NOTE_SIZE {
        return Err(NoteError::Malformed("the note is larger than 1 MiB"));
    }
    Ok(note)
}

/// A parsed note whose signatures by known keys were verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The note text, with its final newline.
    pub text: String,
    /// The known keys whose signatures verified, in order of first appearance, each once.
    pub signed_by: Vec<VerifierKey>,
}

/// Verifies `note` against the `known` keys. Signatures by unknown keys are ignored; every
/// signature by a known key must verify; at least one must.
pub fn open(note: &str, known: &[VerifierKey]) -> Result<Verified, NoteError> {
    let (text, sigs) = split(note)?;
    let mut signed_by: Vec<VerifierKey> = Vec::new();
    for (name, id, sig) in &sigs {
        let mut matching = known.iter().filter(|k| k.name == *name && k.id == *id);
        let Some(key) = matching.next() else {
            continue; // unknown key: ignored
        };
        if matching.any(|other| other.public_key != key.public_key) {
            return Err(NoteError::AmbiguousKey {
                name: name.clone(),
                id: *id,
            });
        }
        if !key.verifies(text.as_bytes(), sig) {
            return Err(NoteError::BadSignature { name: name.clone() });
        }
        if !signed_by.contains(key) {
            signed_by.push(key.clone());
        }
    }
    if signed_by.is_empty() {
        return Err(NoteError::UnknownKey);
    }
    Ok(Verified { text, signed_by })
}

/// [`open`] for raw bytes (say, an HTTP body): checks UTF-8 first.
pub fn open_bytes(note: &[u8], known: &[VerifierKey]) -> Result<Verified, NoteError> {
    let note = std::str::from_utf8(note)
        .map_err(|_| NoteError::Malformed("the note is not valid UTF-8"))?;
    open(note, known)
}

/// One signature line of a note: key name, key ID, signature bytes (without the key ID).
pub type SignatureLine = (String, u32, Vec<u8>);

/// Splits a note into text and signature lines without verifying (for display and error
/// reports). Checks the whole syntax, the size cap and the signature-count cap.
pub fn split(note: &str) -> Result<(String, Vec<SignatureLine>), NoteError> {
    if note.len() > MAX_NOTE_SIZE {
        return Err(NoteError::Malformed("the note is larger than 1 MiB"));
    }
    if has_control_chars(note) {
        return Err(NoteError::Malformed("control character other than newline"));
    }
    let at = note.rfind("\n\n").ok_or(NoteError::Malformed(
        "no blank line between the text and the signatures",
    ))?;
    let (text, block) = (&note[..=at], &note[at + 2..]);
    if block.is_empty() {
        return Err(NoteError::Malformed("no signature lines"));
    }
    let Some(block) = block.strip_suffix('\n') else {
        return Err(NoteError::Malformed(
            "the last signature line does not end with a newline",
        ));
    };
    let mut sigs = Vec::new();
    for line in block.split('\n') {
        if sigs.len() == MAX_SIGNATURES {
            return Err(NoteError::Malformed("more than 100 signatures"));
        }
        let rest = line.strip_prefix(SIG_PREFIX).ok_or(NoteError::Malformed(
            "a signature line must start with an em dash and a space",
        ))?;
        let (name, b64) = rest.split_once(' ').ok_or(NoteError::Malformed(
            "a signature line needs a key name, a space and a signature",
        ))?;
        if !is_valid_key_name(name) {
            return Err(NoteError::Malformed("invalid key name in a signature line"));
        }
        if b64.is_empty() {
            return Err(NoteError::Malformed("empty signature"));
        }
        let raw = BASE64
            .decode(b64)
            .map_err(|_| NoteError::Malformed("a signature is not valid base64"))?;
        if raw.len() < 5 {
            return Err(NoteError::Malformed("a signature is too short"));
        }
        let id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        sigs.push((name.to_owned(), id, raw[4..].to_vec()));
    }
    Ok((text.to_owned(), sigs))
}

/// A transparency-log checkpoint (C2SP `tlog-checkpoint`): the body of a signed tree head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `example.com/log42`. Non-empty.
    pub origin: String,
    /// The number of leaves.
    pub size: u64,
    /// The RFC 6962 Merkle tree root hash at `size`.
    pub root: [u8; 32],
    /// Opaque non-empty extension lines. We produce none; the parser returns any it finds.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: origin, size, base64 root and extension lines, each ending in a newline.
    pub fn body(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        );
        for ext in &self.extensions {
            out.push_str(ext);
            out.push('\n');
        }
        out
    }

    /// Parses a checkpoint note text: at least three non-empty lines (origin, decimal size
    /// without leading zeros, base64 32-byte root hash), then optional non-empty extensions.
    pub fn parse_body(text: &str) -> Result<Checkpoint, NoteError> {
        let Some(body) = text.strip_suffix('\n') else {
            return Err(NoteError::BadCheckpoint("the text must end with a newline"));
        };
        if has_control_chars(text) {
            return Err(NoteError::BadCheckpoint(
                "control character other than newline",
            ));
        }
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(NoteError::BadCheckpoint("fewer than three lines"));
        };
        if origin.is_empty() {
            return Err(NoteError::BadCheckpoint("empty origin"));
        }
        let size = parse_tree_size(size)?;
        let root = BASE64
            .decode(root)
            .map_err(|_| NoteError::BadCheckpoint("the root hash is not valid base64"))?;
        let root = <[u8; 32]>::try_from(root.as_slice())
            .map_err(|_| NoteError::BadCheckpoint("the root hash is not 32 bytes"))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(NoteError::BadCheckpoint("empty extension line"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint body, after checking that it parses back to `self` (so an origin
    /// or extension with a newline or control character cannot slip through).
    pub fn sign(&self, signers: &[&SignerKey]) -> Result<String, NoteError> {
        let body = self.body();
        if Checkpoint::parse_body(&body)? != *self {
            return Err(NoteError::BadCheckpoint("a line contains a newline"));
        }
        sign(&body, signers)
    }
}

/// A tree size: ASCII decimal, no leading zeros unless it is `0`, fits in a u64.
fn parse_tree_size(s: &str) -> Result<u64, NoteError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NoteError::BadCheckpoint(
            "the tree size is not a decimal number",
        ));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(NoteError::BadCheckpoint("the tree size has a leading zero"));
    }
    s.parse()
        .map_err(|_| NoteError::BadCheckpoint("the tree size is too large"))
}

/// [`open`] then [`Checkpoint::parse_body`].
pub fn open_checkpoint(note: &str, known: &[VerifierKey]) -> Result<Checkpoint, NoteError> {
    let verified = open(note, known)?;
    Checkpoint::parse_body(&verified.text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Test vectors from Go's golang.org/x/mod/sumdb/note package, file sumdb/note/note_test.go
    // (https://github.com/golang/mod/blob/master/sumdb/note/note_test.go, BSD-style licence,
    // Copyright 2019 The Go Authors).
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    // Examples from the C2SP specs (https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint).
    // Their public keys are not published, so they can be split and parsed, not verified.
    const C2SP_NOTE: &str = "Ognuno sta solo sul cuor della terra\n\
                             trafitto da un raggio di sole:\n\
                             \n\
                             ed \u{e8} subito sera.\n\
                             \n\
                             \u{2014} quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";
    const C2SP_CHECKPOINT: &str = "example.com/behind-the-sofa\n\
                                   20852163\n\
                                   CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\
                                   \n\
                                   \u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

    fn peter() -> VerifierKey {
        VerifierKey::parse(PETER_VKEY).unwrap()
    }
    fn enoch() -> VerifierKey {
        VerifierKey::parse(ENOCH_VKEY).unwrap()
    }
    fn signer(name: &str, byte: u8) -> SignerKey {
        SignerKey::from_seed(name, [byte; 32]).unwrap()
    }
    #[track_caller]
    fn assert_malformed<T: fmt::Debug>(result: Result<T, NoteError>) {
        match result {
            Err(e @ NoteError::Malformed(_)) => {
                assert_eq!(e.code(), "note_malformed");
                assert!(e.to_string().starts_with("malformed note: "));
            }
            other => panic!("want a malformed-note error, got {other:?}"),
        }
    }
    #[track_caller]
    fn assert_bad_checkpoint(text: &str, reason: &str) {
        match Checkpoint::parse_body(text) {
            Err(NoteError::BadCheckpoint(r)) => assert_eq!(r, reason, "text {text:?}"),
            other => panic!("text {text:?}: want BadCheckpoint({reason:?}), got {other:?}"),
        }
    }

    // ---- Go vectors: keys ----

    #[test]
    fn go_verifier_key_parses_and_round_trips() {
        let v = peter();
        assert_eq!(v.name(), "PeterNeumann");
        assert_eq!(v.id(), 0xc74f20a3);
        assert_eq!(v.encode(), PETER_VKEY);
        assert_eq!(v.to_string(), PETER_VKEY);
        assert_eq!(PETER_VKEY.parse::<VerifierKey>().unwrap(), v);
        assert_eq!(VerifierKey::new("PeterNeumann", v.public_key()).unwrap(), v);
        let e = enoch();
        assert_eq!((e.name(), e.id()), ("EnochRoot", 0xaf0cfe78));
        assert_eq!(e.encode(), ENOCH_VKEY);
        // Surrounding white space is ignored.
        assert_eq!(VerifierKey::parse(&format!("  {PETER_VKEY}\n")).unwrap(), v);
    }

    #[test]
    fn go_verifier_key_manglings_rejected() {
        // As TestNewVerifier: every proper substring and every one-byte increment fails.
        let b = PETER_VKEY.as_bytes();
        for i in 0..=b.len() {
            for j in i + 1..=b.len() {
                if i != 0 || j != b.len() {
                    let k = std::str::from_utf8(&b[i..j]).unwrap();
                    assert!(VerifierKey::parse(k).is_err(), "{k:?} accepted");
                }
            }
        }
        let mut b = b.to_vec();
        for i in 0..b.len() {
            b[i] += 1;
            let k = std::str::from_utf8(&b).unwrap();
            assert!(VerifierKey::parse(k).is_err(), "{k:?} accepted");
            b[i] -= 1;
        }
        // Wrong length key, with adjusted key hash; unknown algorithm, with adjusted key hash.
        assert!(matches!(
            VerifierKey::parse(
                "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
            ),
            Err(NoteError::BadKey(_))
        ));
        assert!(matches!(
            VerifierKey::parse(
                "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
            ),
            Err(NoteError::BadKey(_))
        ));
    }

    #[test]
    fn go_signer_key_parses_and_matches_verifier() {
        let s = SignerKey::parse(PETER_SKEY).unwrap();
        assert_eq!(s.name(), "PeterNeumann");
        assert_eq!(s.id(), 0xc74f20a3);
        assert_eq!(s.encode(), PETER_SKEY);
        assert_eq!(s.verifier(), peter());
        // from_seed with the same seed gives the same key.
        let raw = BASE64
            .decode(PETER_SKEY.splitn(5, '+').nth(4).unwrap())
            .unwrap();
        let seed: [u8; 32] = raw[1..].try_into().unwrap();
        let s2 = SignerKey::from_seed("PeterNeumann", seed).unwrap();
        assert_eq!(s2.encode(), PETER_SKEY);
        assert_eq!(
            SignerKey::parse(&format!("\n {PETER_SKEY} \n"))
                .unwrap()
                .id(),
            s.id()
        );
    }

    #[test]
    fn go_signer_key_manglings_rejected() {
        // As TestNewSigner.
        let b = PETER_SKEY.as_bytes();
        for i in 0..=b.len() {
            for j in i + 1..=b.len() {
                if i == 0 && j == b.len() {
                    continue;
                }
                let k = std::str::from_utf8(&b[i..j]).unwrap();
                assert!(SignerKey::parse(k).is_err(), "{k:?} accepted");
            }
        }
        let mut b = b.to_vec();
        for i in 0..b.len() {
            b[i] += 1;
            let k = std::str::from_utf8(&b).unwrap();
            assert!(SignerKey::parse(k).is_err(), "{k:?} accepted");
            b[i] -= 1;
        }
    }

    #[test]
    fn signer_debug_hides_secret() {
        let s = SignerKey::parse(PETER_SKEY).unwrap();
        let dbg = format!("{s:?}");
        assert!(
            dbg.contains("PeterNeumann") && dbg.contains("c74f20a3"),
            "{dbg}"
        );
        let secret_b64 = PETER_SKEY.splitn(5, '+').nth(4).unwrap();
        assert!(
            !dbg.contains(secret_b64) && !dbg.contains("AYEKFA"),
            "{dbg}"
        );
        assert!(!dbg.to_lowercase().contains("secret"), "{dbg}");
    }

    // ---- Go vectors: sign and open ----

    #[test]
    fn go_sign_vector() {
        // As TestSign: Ed25519 is deterministic, so the signature line is fixed.
        let s = SignerKey::parse(PETER_SKEY).unwrap();
        let note = sign(TEXT, &[&s]).unwrap();
        assert_eq!(note, format!("{TEXT}\n{PETER_SIG}"));
        assert_malformed(sign("abc", &[&s]));
    }

    #[test]
    fn go_open_vectors() {
        // As TestOpen.
        let note = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
        // One signature verified, one from an unknown key ignored.
        let v = open(&note, &[peter()]).unwrap();
        assert_eq!(v.text, TEXT);
        assert_eq!(v.signed_by, vec![peter()]);
        // Both verified.
        let v = open(&note, &[peter(), enoch()]).unwrap();
        assert_eq!(v.signed_by, vec![peter(), enoch()]);
        // Neither known.
        let e = open(&note, &[]).unwrap_err();
        assert_eq!(e, NoteError::UnknownKey);
        assert_eq!(e.code(), "unknown_key");
        // The same key listed twice is not ambiguous (Go's VerifierList calls it ambiguous).
        assert!(
            open(
                &format!("{TEXT}\n{ENOCH_SIG}"),
                &[enoch(), peter(), enoch()]
            )
            .is_ok()
        );
        // Too many signatures.
        let many = format!("{TEXT}\n{}", PETER_SIG.repeat(101));
        assert_malformed(open(&many, &[peter()]));
        assert_malformed(open(&many, &[]));
        // Invalid signature by a known key.
        let bad = format!("{TEXT}\n{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
        let e = open(&bad, &[peter()]).unwrap_err();
        assert_eq!(
            e,
            NoteError::BadSignature {
                name: "PeterNeumann".into()
            }
        );
        assert_eq!(e.code(), "bad_signature");
        // Duplicated verified and unverified signatures.
        let dup = format!(
            "{TEXT}\n{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}{}ABCD{}",
            &ENOCH_SIG[..60],
            &ENOCH_SIG[60..]
        );
        assert_eq!(open(&dup, &[peter()]).unwrap().signed_by, vec![peter()]);
    }

    #[test]
    fn go_malformed_messages() {
        // TestOpen's "invalid encoded message syntax" list.
        let bad = [
            TEXT.to_owned(),
            format!("{TEXT}\n"),
            format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
            format!("\x01{TEXT}\n{PETER_SIG}"),
            format!(
                "{TEXT}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
            ),
            format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
        ];
        for msg in &bad {
            assert_malformed(open(msg, &[peter()]));
            assert_malformed(split(msg));
        }
        // "\xff" + text: not UTF-8.
        let mut bytes = vec![0xff];
        bytes.extend_from_slice(format!("{TEXT}\n{PETER_SIG}").as_bytes());
        assert_malformed(open_bytes(&bytes, &[peter()]));
        assert_eq!(
            open_bytes(format!("{TEXT}\n{PETER_SIG}").as_bytes(), &[peter()])
                .unwrap()
                .text,
            TEXT
        );
    }

    #[test]
    fn go_mismatched_name_or_id_is_unknown() {
        // Go's "Verifiers returns a Verifier for the wrong name or hash" cases: here the
        // signature is simply not by a known key.
        let misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego");
        assert_eq!(
            open(&format!("{TEXT}\n{misnamed}"), &[peter()]),
            Err(NoteError::UnknownKey)
        );
        let wrong_id = PETER_SIG.replace("x08g", "xxxx");
        assert_eq!(
            open(&format!("{TEXT}\n{wrong_id}"), &[peter()]),
            Err(NoteError::UnknownKey)
        );
    }

    // ---- Own tests ----

    #[test]
    fn from_seed_rejects_bad_names() {
        for name in [
            "",
            "a b",
            "a+b",
            "a\tb",
            "a\u{3000}b",
            "a\u{a0}b",
            "a\nb",
            "a\x01b",
        ] {
            assert_eq!(
                SignerKey::from_seed(name, [7; 32]).unwrap_err(),
                NoteError::BadKeyName,
                "{name:?}"
            );
        }
        assert_eq!(NoteError::BadKeyName.code(), "bad_key_name");
        assert!(VerifierKey::new("a b", [0; 32]).is_err());
        let s = signer("example.com/audit", 7);
        assert_eq!(s.name(), "example.com/audit");
        assert_eq!(
            VerifierKey::new("example.com/audit", s.verifier().public_key()).unwrap(),
            s.verifier()
        );
    }

    #[test]
    fn generated_keys_round_trip() {
        let s = signer("pubdata.example/audit-log", 42);
        let back = SignerKey::parse(&s.encode()).unwrap();
        assert_eq!((back.name(), back.id()), (s.name(), s.id()));
        assert_eq!(back.verifier(), s.verifier());
        let v = VerifierKey::parse(&s.verifier().encode()).unwrap();
        assert_eq!(v, s.verifier());
        // The ID is written as eight lower-case hex digits.
        let hex = v.encode().split('+').nth(1).unwrap().to_owned();
        assert_eq!(hex, format!("{:08x}", v.id()));
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        );
    }

    #[test]
    fn key_id_mismatch_in_key_strings() {
        let v = VerifierKey::parse(PETER_VKEY.replace("c74f20a3", "c74f20a4").as_str());
        assert_eq!(v, Err(NoteError::KeyIdMismatch));
        assert_eq!(NoteError::KeyIdMismatch.code(), "key_id_mismatch");
        // Another name under the same key and ID.
        assert_eq!(
            VerifierKey::parse(&PETER_VKEY.replace("Peter", "Pete")),
            Err(NoteError::KeyIdMismatch)
        );
        assert_eq!(
            SignerKey::parse(&PETER_SKEY.replace("c74f20a3", "00000000")).unwrap_err(),
            NoteError::KeyIdMismatch
        );
        // A signed key ID ("+" sign accepted by from_str_radix) is not hex digits.
        assert!(matches!(
            VerifierKey::parse(&PETER_VKEY.replace("c74f20a3", "+c74f20a")),
            Err(NoteError::BadKey(_))
        ));
        // A verifier string is not a signer string.
        assert!(matches!(
            SignerKey::parse(PETER_VKEY),
            Err(NoteError::BadKey(_))
        ));
    }

    #[test]
    fn sign_then_open_round_trip() {
        let s = signer("pubdata.example/log", 1);
        let text = "hello\n\nworld, with an empty line\n";
        let note = sign(text, &[&s]).unwrap();
        let v = open(&note, &[s.verifier()]).unwrap();
        assert_eq!(v.text, text);
        assert_eq!(v.signed_by, vec![s.verifier()]);
        let (t, sigs) = split(&note).unwrap();
        assert_eq!(t, text);
        assert_eq!(sigs.len(), 1);
        assert_eq!(
            (sigs[0].0.as_str(), sigs[0].1, sigs[0].2.len()),
            (s.name(), s.id(), 64)
        );
    }

    #[test]
    fn two_signers_one_unknown_is_ignored() {
        let a = signer("a.example/log", 1);
        let b = signer("b.example/witness", 2);
        let note = sign("tree head\n", &[&a, &b]).unwrap();
        assert_eq!(
            open(&note, &[a.verifier()]).unwrap().signed_by,
            vec![a.verifier()]
        );
        assert_eq!(
            open(&note, &[b.verifier()]).unwrap().signed_by,
            vec![b.verifier()]
        );
        assert_eq!(
            open(&note, &[b.verifier(), a.verifier()])
                .unwrap()
                .signed_by,
            vec![a.verifier(), b.verifier()]
        );
        assert_eq!(split(&note).unwrap().1.len(), 2);
    }

    #[test]
    fn unknown_only_rejects() {
        let a = signer("a.example/log", 1);
        let other = signer("a.example/log", 2); // same name, other key, other ID
        let note = sign("x\n", &[&a]).unwrap();
        assert_eq!(open(&note, &[other.verifier()]), Err(NoteError::UnknownKey));
        assert_eq!(open(&note, &[]), Err(NoteError::UnknownKey));
    }

    #[test]
    fn known_key_bad_signature_rejects_even_with_a_good_one() {
        let a = signer("a.example/log", 1);
        let b = signer("b.example/witness", 2);
        let good = sign("payload\n", &[&a]).unwrap();
        // b's line signed over other text, appended to a's good note.
        let other = sign("other\n", &[&b]).unwrap();
        let b_line = other.split_once("\n\n").unwrap().1;
        let note = format!("{good}{b_line}");
        assert_eq!(
            open(&note, &[a.verifier()]).unwrap().signed_by,
            vec![a.verifier()]
        );
        assert_eq!(
            open(&note, &[a.verifier(), b.verifier()]),
            Err(NoteError::BadSignature {
                name: "b.example/witness".into()
            })
        );
        // A flipped bit in the signature.
        let (text, sigs) = split(&good).unwrap();
        let mut raw = a.id().to_be_bytes().to_vec();
        let mut sig = sigs[0].2.clone();
        sig[10] ^= 1;
        raw.extend_from_slice(&sig);
        let flipped = format!("{text}\n\u{2014} a.example/log {}\n", BASE64.encode(raw));
        assert_eq!(
            open(&flipped, &[a.verifier()]),
            Err(NoteError::BadSignature {
                name: "a.example/log".into()
            })
        );
    }

    #[test]
    fn tampered_text_rejects() {
        let a = signer("a.example/log", 1);
        let note = sign("size 10\n", &[&a]).unwrap();
        let tampered = note.replacen("10", "11", 1);
        assert_eq!(
            open(&tampered, &[a.verifier()]),
            Err(NoteError::BadSignature {
                name: "a.example/log".into()
            })
        );
    }

    #[test]
    fn ambiguous_known_keys() {
        // Two different keys forced to share a name and ID (not reachable through parse,
        // which checks the ID; a caller could still build such a list by hand).
        let a = signer("a.example/log", 1);
        let mut clash = signer("a.example/log", 2).verifier();
        clash.id = a.id();
        let note = sign("x\n", &[&a]).unwrap();
        let e = open(&note, &[a.verifier(), clash]).unwrap_err();
        assert_eq!(e.code(), "ambiguous_key");
    }

    #[test]
    fn malformed_notes_rejected() {
        let a = signer("a.example/log", 1);
        let note = sign("line one\nline two\n", &[&a]).unwrap();
        let sig_line = note.split_once("\n\n").unwrap().1;
        let cases = [
            // control characters
            "line\x07one\nline two\n\n".to_owned() + sig_line,
            note.replace('\n', "\r\n"),
            format!("a\tb\n\n{sig_line}"),
            // missing blank line
            format!("line one\nline two\n{sig_line}"),
            // missing final newline
            note.trim_end_matches('\n').to_owned(),
            // no signatures
            "line one\n\n".to_owned(),
            // bad base64
            "x\n\n\u{2014} a.example/log !!!!\n".to_owned(),
            "x\n\n\u{2014} a.example/log AAAAAAAAAAAAAA\n".to_owned(), // missing padding
            "x\n\n\u{2014} a.example/log AAAA AAAA\n".to_owned(),
            // too-short signatures (3 and 4 bytes: a key ID needs 4, a signature at least 1)
            "x\n\n\u{2014} a.example/log AAAA\n".to_owned(),
            "x\n\n\u{2014} a.example/log AAAAAA==\n".to_owned(),
            // empty signature, no signature
            "x\n\n\u{2014} a.example/log \n".to_owned(),
            "x\n\n\u{2014} a.example/log\n".to_owned(),
            // hyphen instead of em dash, missing space
            "x\n\n- a.example/log AAAAAAA=\n".to_owned(),
            "x\n\n\u{2014}a.example/log AAAAAAA=\n".to_owned(),
            // bad name
            "x\n\n\u{2014} a+b AAAAAAA=\n".to_owned(),
        ];
        for case in &cases {
            assert_malformed(open(case, &[a.verifier()]));
            assert_malformed(split(case));
        }
        // Five bytes is enough for an unknown key's signature to be well formed.
        assert_eq!(
            split("x\n\n\u{2014} z AAAAAAA=\n").unwrap().1,
            vec![("z".to_owned(), 0, vec![0])]
        );
        // A known Ed25519 key's signature must be 64 bytes.
        let short = format!(
            "x\n\n\u{2014} a.example/log {}\n",
            BASE64.encode([&a.id().to_be_bytes()[..], &[0; 10]].concat())
        );
        assert_eq!(
            open(&short, &[a.verifier()]),
            Err(NoteError::BadSignature {
                name: "a.example/log".into()
            })
        );
    }

    #[test]
    fn size_and_count_caps() {
        let a = signer("a.example/log", 1);
        // 16 and 100 signatures are accepted.
        for n in [16, 100] {
            let signers = vec![&a; n];
            let note = sign("x\n", &signers).unwrap();
            assert_eq!(open(&note, &[a.verifier()]).unwrap().signed_by.len(), 1);
            assert_eq!(split(&note).unwrap().1.len(), n);
        }
        assert_malformed(sign("x\n", &vec![&a; 101]));
        assert_malformed(sign("x\n", &[]));
        // Notes over 1 MiB.
        let big = "y".repeat(MAX_NOTE_SIZE) + "\n";
        assert_malformed(sign(&big, &[&a]));
        let note = format!("{big}\n\u{2014} a.example/log AAAAAAA=\n");
        assert_malformed(split(&note));
        // Just under the cap is fine.
        let text = "y".repeat(MAX_NOTE_SIZE - 200) + "\n";
        assert!(open(&sign(&text, &[&a]).unwrap(), &[a.verifier()]).is_ok());
    }

    #[test]
    fn sign_rejects_bad_text() {
        let a = signer("a.example/log", 1);
        assert_malformed(sign("", &[&a]));
        assert_malformed(sign("no newline", &[&a]));
        assert_malformed(sign("tab\there\n", &[&a]));
        assert_malformed(sign("cr\r\n", &[&a]));
    }

    #[test]
    fn c2sp_signed_note_example_splits() {
        let (text, sigs) = split(C2SP_NOTE).unwrap();
        assert_eq!(
            text,
            "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u{e8} subito sera.\n"
        );
        assert_eq!(sigs.len(), 1);
        assert_eq!(sigs[0].0, "quasimodo.example/salvatore");
        assert_eq!(sigs[0].1, 0x367ba04b); // "Nnug Sw.." = 36 7b a0 4b
        assert_eq!(sigs[0].2.len(), 64);
        assert_eq!(open(C2SP_NOTE, &[peter()]), Err(NoteError::UnknownKey));
    }

    // ---- Checkpoints ----

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "pubdata.example/audit".into(),
            size: 12345,
            root: [0xab; 32],
            extensions: vec![],
        }
    }

    #[test]
    fn checkpoint_body_round_trip() {
        let c = checkpoint();
        let body = c.body();
        assert_eq!(
            body,
            format!(
                "pubdata.example/audit\n12345\n{}\n",
                BASE64.encode([0xab; 32])
            )
        );
        assert_eq!(Checkpoint::parse_body(&body).unwrap(), c);
        let zero = Checkpoint {
            size: 0,
            ..checkpoint()
        };
        assert_eq!(Checkpoint::parse_body(&zero.body()).unwrap(), zero);
        let max = Checkpoint {
            size: u64::MAX,
            ..checkpoint()
        };
        assert_eq!(Checkpoint::parse_body(&max.body()).unwrap(), max);
        let ext = Checkpoint {
            extensions: vec!["ext one".into(), "— two".into()],
            ..checkpoint()
        };
        assert_eq!(Checkpoint::parse_body(&ext.body()).unwrap(), ext);
    }

    #[test]
    fn checkpoint_sign_and_open() {
        let log = signer("pubdata.example/audit", 3);
        let witness = signer("witness.example", 4);
        let c = checkpoint();
        let note = c.sign(&[&log, &witness]).unwrap();
        assert_eq!(note, sign(&c.body(), &[&log, &witness]).unwrap());
        assert_eq!(open_checkpoint(&note, &[log.verifier()]).unwrap(), c);
        assert_eq!(open_checkpoint(&note, &[]), Err(NoteError::UnknownKey));
        // A signed note whose text is not a checkpoint.
        let not_cp = sign("hello\n", &[&log]).unwrap();
        let e = open_checkpoint(&not_cp, &[log.verifier()]).unwrap_err();
        assert_eq!(e, NoteError::BadCheckpoint("fewer than three lines"));
        assert_eq!(e.code(), "checkpoint_malformed");
        // Fields that would not survive a round trip are refused.
        let bad = Checkpoint {
            origin: "a\nb".into(),
            ..checkpoint()
        };
        assert!(matches!(
            bad.sign(&[&log]),
            Err(NoteError::BadCheckpoint(_))
        ));
        let bad = Checkpoint {
            origin: String::new(),
            ..checkpoint()
        };
        assert!(matches!(
            bad.sign(&[&log]),
            Err(NoteError::BadCheckpoint(_))
        ));
        let bad = Checkpoint {
            extensions: vec![String::new()],
            ..checkpoint()
        };
        assert!(matches!(
            bad.sign(&[&log]),
            Err(NoteError::BadCheckpoint(_))
        ));
    }

    #[test]
    fn checkpoint_parse_errors() {
        let root = BASE64.encode([1u8; 32]);
        assert_bad_checkpoint(
            &format!("o\n012\n{root}\n"),
            "the tree size has a leading zero",
        );
        assert_bad_checkpoint(
            &format!("o\n00\n{root}\n"),
            "the tree size has a leading zero",
        );
        for size in ["", "-1", "+1", "1e3", "0x10", " 1", "1 ", "١٢"] {
            assert_bad_checkpoint(
                &format!("o\n{size}\n{root}\n"),
                "the tree size is not a decimal number",
            );
        }
        assert_bad_checkpoint(
            &format!("o\n18446744073709551616\n{root}\n"),
            "the tree size is too large",
        );
        assert_bad_checkpoint(
            &format!("o\n1\n{}\n", BASE64.encode([1u8; 31])),
            "the root hash is not 32 bytes",
        );
        assert_bad_checkpoint(
            &format!("o\n1\n{}\n", BASE64.encode([1u8; 33])),
            "the root hash is not 32 bytes",
        );
        assert_bad_checkpoint("o\n1\n\n", "the root hash is not 32 bytes");
        assert_bad_checkpoint("o\n1\nnot base64!\n", "the root hash is not valid base64");
        assert_bad_checkpoint(&format!("\n1\n{root}\n"), "empty origin");
        assert_bad_checkpoint("o\n1\n", "fewer than three lines");
        assert_bad_checkpoint("o\n", "fewer than three lines");
        assert_bad_checkpoint("", "the text must end with a newline");
        assert_bad_checkpoint(&format!("o\n1\n{root}"), "the text must end with a newline");
        assert_bad_checkpoint(&format!("o\n1\n{root}\n\next\n"), "empty extension line");
        assert_bad_checkpoint(&format!("o\n1\n{root}\n\n"), "empty extension line");
        assert_bad_checkpoint(
            &format!("o\r\n1\n{root}\n"),
            "control character other than newline",
        );
    }

    #[test]
    fn c2sp_checkpoint_example_parses() {
        let (text, sigs) = split(C2SP_CHECKPOINT).unwrap();
        let c = Checkpoint::parse_body(&text).unwrap();
        assert_eq!(c.origin, "example.com/behind-the-sofa");
        assert_eq!(c.size, 20852163);
        assert_eq!(
            BASE64.encode(c.root),
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
        );
        assert!(c.extensions.is_empty());
        assert_eq!(c.body(), text);
        assert_eq!(sigs.len(), 1);
        assert_eq!(sigs[0].0, "example.com/behind-the-sofa");
        assert_eq!(sigs[0].1, 0x033de0ae); // "Az3g rg.." = 03 3d e0 ae
        assert_eq!(
            open_checkpoint(C2SP_CHECKPOINT, &[peter()]),
            Err(NoteError::UnknownKey)
        );
    }

    #[test]
    fn error_codes_are_stable() {
        let all = [
            (NoteError::Malformed("x"), "note_malformed"),
            (NoteError::BadKeyName, "bad_key_name"),
            (NoteError::BadKey("x"), "bad_key"),
            (NoteError::KeyIdMismatch, "key_id_mismatch"),
            (NoteError::UnknownKey, "unknown_key"),
            (
                NoteError::AmbiguousKey {
                    name: "n".into(),
                    id: 1,
                },
                "ambiguous_key",
            ),
            (
                NoteError::BadSignature { name: "n".into() },
                "bad_signature",
            ),
            (NoteError::BadCheckpoint("x"), "checkpoint_malformed"),
        ];
        for (e, code) in all {
            assert_eq!(e.code(), code);
            assert!(!e.to_string().is_empty());
        }
    }

    proptest! {
        #[test]
        fn prop_checkpoint_round_trip(
            origin in "[a-z0-9./-]{1,40}",
            size in any::<u64>(),
            root in any::<[u8; 32]>(),
            extensions in proptest::collection::vec("[ -~]{1,20}", 0..3),
        ) {
            let c = Checkpoint { origin, size, root, extensions };
            prop_assert_eq!(Checkpoint::parse_body(&c.body()).unwrap(), c);
        }

        #[test]
        fn prop_split_and_open_never_panic(s in "(?s).{0,200}") {
            let _ = split(&s);
            let _ = open(&s, &[peter()]);
            let _ = Checkpoint::parse_body(&s);
        }

        #[test]
        fn prop_sign_open_round_trip(text in "[ -~\n]{0,100}\n", seed in any::<[u8; 32]>()) {
            let s = SignerKey::from_seed("p.example/x", seed).unwrap();
            let note = sign(&text, &[&s]).unwrap();
            let v = open(&note, &[s.verifier()]).unwrap();
            prop_assert_eq!(v.text, text);
        }
    }
}
