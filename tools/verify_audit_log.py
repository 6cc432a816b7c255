#!/usr/bin/env python3
"""An independent checker for pubdata's exported audit log.

Written from docs/audit-log.md alone (RFC 9162 Merkle tree, C2SP signed notes and
checkpoints), so that the log can be checked without trusting pubdata's own code.
Python 3.11, the standard library, and the `cryptography` package for Ed25519.

    python3 tools/verify_audit_log.py EXPORT.jsonl [--key KEY_OR_FILE ...] [--checkpoint OLD.note]
    python3 tools/verify_audit_log.py --self-test

What it checks:

* the header line (format, version, origin, tree size, root, keys, the header's checkpoint);
* every verifier key: `name+hexid+base64(0x01 || 32-byte Ed25519 key)` whose id is
  SHA-256(name || "\\n" || 0x01 || key)[:4];
* every checkpoint (each `{"checkpoint": ...}` line, the header's, and --checkpoint): its
  signed-note form, its tlog-checkpoint body, a valid signature by a trusted key, no invalid
  signature by a known key, and its root against the root rebuilt from the entries at its size;
* every entry line: `bytes` is base64 of one JSON object in the canonical v1 form whose
  `index` is the line's place among the entry lines, SHA-256(0x00 || bytes) equals the line's
  `leaf_hash`, and `"bytes": null` (an entry removed from the database) is a problem;
* with --checkpoint, that the old checkpoint's tree is a prefix of this log.

The tree is rebuilt from the lines' `leaf_hash` values (the leaves the platform stored), and
every `bytes` is checked against its `leaf_hash` separately: together the two checks show
that every entry's bytes are in every signed tree, and a problem names its cause once — an
entry whose bytes changed is named by its index, a stored tree that was rewritten shows as
checkpoints that do not reproduce.

Keys: with --key (repeatable; a verifier key, or a file with one key per line) only those
keys are trusted at first; without it the file's own keys are, which proves the file
consistent but not who made it. A key the file names but that is not trusted becomes trusted
when some checkpoint carries valid signatures by it and by a trusted key (a key rotation:
the first checkpoint after one is signed by the old key and the new one), repeated until
nothing changes.

Output: one `PROBLEM at ...` line per problem, naming the entry index (or the checkpoint's
line and tree size), then `NOT OK` and exit status 1; or an `OK` summary and exit status 0.
Exit status 2 means the checker could not run (bad arguments, unreadable file).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field

EMPTY_ROOT = hashlib.sha256(b"").digest()


# ---------------------------------------------------------------------------------------
# RFC 9162 Merkle tree
# ---------------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class CompactRange:
    """The roots of the perfect subtrees covering leaves [0, n), largest (leftmost) first.

    Holds at most log2(n)+1 hashes, so a log of any length is rebuilt in constant memory.
    """

    def __init__(self) -> None:
        self.size = 0
        self.stack: list[bytes] = []

    def append(self, leaf: bytes) -> None:
        h = leaf
        n = self.size
        while n & 1:  # each trailing 1 bit is a perfect subtree this leaf completes
            h = node_hash(self.stack.pop(), h)
            n >>= 1
        self.stack.append(h)
        self.size += 1

    def root(self) -> bytes:
        # MTH(D[0:n]) = H(MTH(D[0:k]), MTH(D[k:n])) with k the largest power of two < n:
        # fold the subtrees from the right.
        if not self.stack:
            return EMPTY_ROOT
        h = self.stack[-1]
        for s in reversed(self.stack[:-1]):
            h = node_hash(s, h)
        return h


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, recursively, for the self-test only."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


# ---------------------------------------------------------------------------------------
# Signed notes (C2SP signed-note, Go's golang.org/x/mod/sumdb/note) and checkpoints
# ---------------------------------------------------------------------------------------


class FormatError(Exception):
    pass


def b64(s: str) -> bytes:
    if not isinstance(s, str):
        raise FormatError("not a base64 string")
    try:
        return base64.b64decode(s.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as e:
        raise FormatError(f"not valid base64 ({e})") from None


def b64s(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def valid_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_id: bytes  # 4 bytes
    public: bytes  # 32 bytes, Ed25519
    text: str

    @property
    def label(self) -> str:
        return f"{self.name}+{self.key_id.hex()}"

    def verify(self, msg: bytes, sig: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        if len(sig) != 64:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(sig, msg)
            return True
        except (InvalidSignature, ValueError):
            return False


def note_key_id(name: str, key_data: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + key_data).digest()[:4]


def parse_verifier_key(text: str) -> VerifierKey:
    text = text.strip()
    parts = text.split("+", 2)  # the base64 key data may itself hold "+"
    if len(parts) != 3:
        raise FormatError(f"{text!r} is not name+keyid+keydata")
    name, hexid, data = parts
    if not valid_key_name(name):
        raise FormatError(f"{text!r}: bad key name")
    if not re.fullmatch(r"[0-9a-f]{8}", hexid):
        raise FormatError(f"{text!r}: the key id is not 8 lowercase hex digits")
    key_data = b64(data)
    if len(key_data) != 33 or key_data[0] != 0x01:
        raise FormatError(f"{text!r}: the key data is not 0x01 followed by a 32-byte Ed25519 key")
    want = note_key_id(name, key_data)
    if want.hex() != hexid:
        raise FormatError(
            f"{text!r}: the key id {hexid} is not SHA-256(name, newline, key)[:4] = {want.hex()}"
        )
    return VerifierKey(name, want, key_data[1:], text)


@dataclass
class NoteSig:
    name: str
    key_id: bytes
    sig: bytes


@dataclass
class Note:
    text: str  # everything up to and including the newline before the last blank line
    sigs: list[NoteSig]


def parse_note(msg: str) -> Note:
    if not isinstance(msg, str):
        raise FormatError("the note is not a string")
    if any(ord(c) < 0x20 and c != "\n" for c in msg):
        raise FormatError("the note has control characters")
    if not msg.endswith("\n"):
        raise FormatError("the note does not end with a newline")
    split = msg.rfind("\n\n")
    if split < 0:
        raise FormatError("the note has no blank line before its signatures")
    text, sig_block = msg[: split + 1], msg[split + 2 :]
    if not sig_block:
        raise FormatError("the note has no signature lines")
    sigs = []
    for line in sig_block[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            raise FormatError(f"signature line {line!r} does not start with an em dash and a space")
        rest = line[2:]
        name, sep, sig64 = rest.partition(" ")
        if not sep or not valid_key_name(name) or " " in sig64:
            raise FormatError(f"malformed signature line {line!r}")
        raw = b64(sig64)
        if len(raw) < 5:
            raise FormatError(f"signature line {line!r} is too short")
        sigs.append(NoteSig(name, raw[:4], raw[4:]))
    return Note(text, sigs)


@dataclass
class Checkpoint:
    origin: str
    size: int
    root: bytes


def parse_checkpoint_body(text: str) -> Checkpoint:
    lines = text.split("\n")
    # text ends with "\n", so the last element is empty
    if len(lines) < 4 or lines[-1] != "":
        raise FormatError("the checkpoint has fewer than three lines")
    origin, size, root = lines[0], lines[1], lines[2]
    if not origin:
        raise FormatError("the checkpoint's origin line is empty")
    if not re.fullmatch(r"0|[1-9][0-9]*", size):
        raise FormatError(f"the checkpoint's size {size!r} is not a decimal number")
    root_hash = b64(root)
    if len(root_hash) != 32:
        raise FormatError("the checkpoint's root hash is not 32 bytes")
    if any(line == "" for line in lines[3:-1]):
        raise FormatError("the checkpoint has an empty extension line")
    return Checkpoint(origin, int(size), root_hash)


# ---------------------------------------------------------------------------------------
# The canonical entry form, versions 1 and 2 (version 2: a "detail" string last)
# ---------------------------------------------------------------------------------------

ENTRY_KEYS = [
    "v",
    "index",
    "at_ms",
    "actor_user_id",
    "actor_username",
    "actor_org_id",
    "channel",
    "action",
    "target",
    "decision",
    "reason",
    "purpose",
    "request_id",
]
ENTRY_KEYS_V2 = ENTRY_KEYS + ["detail"]
CHANNELS = {"web", "api", "cli", "system"}
DECISIONS = {"allow", "deny"}


def _pairs_no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise FormatError("duplicate key")
    return dict(pairs)


def is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def parse_entry_bytes(data: bytes) -> tuple[dict, list[str]]:
    """Returns the entry and what is not canonical about its bytes; raises if not JSON."""
    try:
        obj = json.loads(data.decode("utf-8"), object_pairs_hook=_pairs_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError, FormatError) as e:
        raise FormatError(f"its bytes are not a JSON object ({e})") from None
    if not isinstance(obj, dict):
        raise FormatError("its bytes are not a JSON object")
    issues = []
    keys = list(obj.keys())
    if keys not in (ENTRY_KEYS, ENTRY_KEYS_V2):
        issues.append("its keys are not exactly " + ",".join(ENTRY_KEYS)
                      + " (version 1), or those and detail (version 2), in that order")
    else:
        expected_v = 1 if keys == ENTRY_KEYS else 2
        if obj["v"] != expected_v or not is_int(obj["v"]):
            issues.append(f"unknown version v={obj['v']!r} for these keys")
        if expected_v == 2 and not isinstance(obj["detail"], str):
            issues.append("detail is not a string")
        if not is_int(obj["index"]) or obj["index"] < 0:
            issues.append("index is not a non-negative integer")
        if not is_int(obj["at_ms"]):
            issues.append("at_ms is not an integer")
        if obj["channel"] not in CHANNELS:
            issues.append(f"channel {obj['channel']!r} is not one of web, api, cli, system")
        if obj["decision"] not in DECISIONS:
            issues.append(f"decision {obj['decision']!r} is not allow or deny")
        if not isinstance(obj["action"], str):
            issues.append("action is not a string")
        for k in ("actor_user_id", "actor_username", "actor_org_id", "target", "reason",
                  "purpose", "request_id"):
            if obj[k] is not None and not isinstance(obj[k], str):
                issues.append(f"{k} is neither a string nor null")
        canonical = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if canonical != data and not issues:
            issues.append("its bytes are not the compact canonical JSON of its values")
    return obj, issues


# ---------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------


@dataclass
class CheckedNote:
    where: str  # how problems name it
    line: int | None  # line number in the file, None for the old checkpoint
    note: Note | None
    cp: Checkpoint | None
    placed_after: int | None = None  # entry lines before it in the file
    valid: set = field(default_factory=set)  # key labels with a valid signature
    invalid: list = field(default_factory=list)  # key labels with an invalid signature
    unknown: list = field(default_factory=list)  # name+id of signatures by unknown keys


class Checker:
    def __init__(self, path: str, keys: list[VerifierKey] | None, old_note: tuple[str, str] | None):
        self.path = path
        self.given_keys = keys
        self.old_note = old_note
        self.problems: list[str] = []
        self.notes_said: list[str] = []

    def problem(self, where: str, what: str) -> None:
        self.problems.append(f"PROBLEM at {where}: {what}")
        print(self.problems[-1], flush=True)

    # --- reading ---

    def lines(self):
        with open(self.path, "rb") as f:
            for no, raw in enumerate(f, start=1):
                yield no, raw

    def run(self) -> int:
        header = None
        notes: list[CheckedNote] = []
        sizes_needed: set[int] = {0}

        # Pass 1: the header and every checkpoint (few, small), so that the second pass
        # knows at which sizes to keep the root.
        first = True
        for no, raw in self.lines():
            if first:
                first = False
                header = self.read_header(raw)
                if header is not None and header.get("_note") is not None:
                    notes.append(header["_note"])
                    if header["_note"].cp:
                        sizes_needed.add(header["_note"].cp.size)
                if header is not None and is_int(header.get("tree_size")):
                    sizes_needed.add(header["tree_size"])
                continue
            if b'"checkpoint"' in raw:
                try:
                    obj = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    obj = None
                if isinstance(obj, dict) and list(obj.keys()) == ["checkpoint"]:
                    n = self.read_note(f"line {no} (checkpoint)", no, obj["checkpoint"])
                    if n.cp:
                        n.where = f"line {no} (checkpoint of tree size {n.cp.size})"
                        sizes_needed.add(n.cp.size)
                    notes.append(n)
        if header is None:
            self.problem("line 1 (header)", "the file is empty")
            return self.finish(None, 0, {}, notes, None, [])
        origin = header.get("origin") if isinstance(header.get("origin"), str) else None

        old = None
        if self.old_note is not None:
            name, text = self.old_note
            old = self.read_note(f"the old checkpoint {name}", None, text)
            if old.cp:
                old.where = f"the old checkpoint {name} (tree size {old.cp.size})"
                sizes_needed.add(old.cp.size)

        # Pass 2: every entry, the tree, and the roots at the sizes wanted.
        roots, count = self.read_entries(sizes_needed, {n.line: n for n in notes})
        return self.finish(header, count, roots, notes, old, header.get("_keys", []), origin)

    def read_header(self, raw: bytes):
        where = "line 1 (header)"
        try:
            h = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            self.problem(where, f"not JSON ({e})")
            return {}
        if not isinstance(h, dict):
            self.problem(where, "not a JSON object")
            return {}
        if h.get("format") != "pubdata-audit-log":
            self.problem(where, f"format is {h.get('format')!r}, not 'pubdata-audit-log'")
        if h.get("version") != 1:
            self.problem(where, f"version {h.get('version')!r} is not 1")
        origin = h.get("origin")
        if not isinstance(origin, str) or not origin:
            self.problem(where, "no origin")
        if not is_int(h.get("tree_size")) or h["tree_size"] < 0:
            self.problem(where, "tree_size is not a non-negative integer")
        try:
            root = b64(h.get("root_hash"))
            if len(root) != 32:
                raise FormatError("not 32 bytes")
        except FormatError as e:
            self.problem(where, f"root_hash: {e}")
        keys = []
        if not isinstance(h.get("keys"), list):
            self.problem(where, "keys is not a list")
        else:
            for k in h["keys"]:
                try:
                    key = parse_verifier_key(k if isinstance(k, str) else "")
                except FormatError as e:
                    self.problem(where, f"bad key: {e}")
                    continue
                if isinstance(origin, str) and key.name != origin:
                    self.problem(where, f"key {key.label} is not named after the origin {origin!r}")
                keys.append(key)
        h["_keys"] = keys
        if "checkpoint" in h:
            n = self.read_note("line 1 (the header's checkpoint)", 1, h["checkpoint"])
            if n.cp:
                n.where = f"line 1 (the header's checkpoint, tree size {n.cp.size})"
                if is_int(h.get("tree_size")) and n.cp.size != h["tree_size"]:
                    self.problem(where, f"tree_size {h['tree_size']} but its checkpoint is of size {n.cp.size}")
                if isinstance(h.get("root_hash"), str) and b64s(n.cp.root) != h["root_hash"]:
                    self.problem(where, "root_hash is not the root in its checkpoint")
            h["_note"] = n
        else:
            self.problem(where, "no checkpoint")
        return h

    def read_note(self, where: str, line: int | None, text) -> CheckedNote:
        try:
            note = parse_note(text)
            cp = parse_checkpoint_body(note.text)
        except FormatError as e:
            self.problem(where, f"not a signed checkpoint: {e}")
            return CheckedNote(where, line, None, None)
        return CheckedNote(where, line, note, cp)

    def read_entries(self, sizes_needed: set[int], notes_by_line: dict):
        tree = CompactRange()
        roots: dict[int, bytes | None] = {0: EMPTY_ROOT}
        broken_at = None  # the first place whose leaf is unknown: no root past it
        place = 0
        run = None  # [start place, start line, offset, length]: claimed index - place
        first = True

        def flush():
            nonlocal run
            if run is None:
                return
            p, line, d, length = run
            run = None
            if d == 0:
                return
            q = p + length - 1
            if length == 1:
                i = p + d
                why = (f"entry {i} appears again or was moved here" if d < 0
                       else f"entry {p} is missing or was moved")
                self.problem(f"entry {p} (line {line})", f"this place holds entry {i}: {why}")
            elif d > 0:
                self.problem(
                    f"entry {p} (line {line})",
                    f"entr{'y' if d == 1 else 'ies'} {p}{'' if d == 1 else '..' + str(p + d - 1)} "
                    f"missing: the lines at places {p}..{q} hold entries {p + d}..{q + d}",
                )
            else:
                self.problem(
                    f"entry {p} (line {line})",
                    f"{-d} line{'' if d == -1 else 's'} too many: the lines at places {p}..{q} "
                    f"hold entries {p + d}..{q + d} (entry {p + d} appears again or was moved here)",
                )

        for no, raw in self.lines():
            if first:
                first = False
                continue
            where = f"entry {place} (line {no})"
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                obj = e
            if isinstance(obj, dict) and list(obj.keys()) == ["checkpoint"]:
                if no in notes_by_line:  # read in pass 1; here only its place
                    notes_by_line[no].placed_after = place
                continue
            if not isinstance(obj, dict) or set(obj.keys()) != {"index", "leaf_hash", "bytes"}:
                # not an entry: it takes no place (a damaged entry line shows as that entry missing)
                what = (f"not JSON ({obj})" if isinstance(obj, Exception)
                        else "neither an entry {index, leaf_hash, bytes} nor a {checkpoint}")
                self.problem(f"line {no} (after entry {place - 1})" if place else f"line {no}",
                             f"unreadable line: {what}")
                continue
            leaf = None
            claimed = None
            stored = None
            try:
                stored = b64(obj["leaf_hash"])
                if len(stored) != 32:
                    raise FormatError("not 32 bytes")
            except FormatError as e:
                self.problem(where, f"leaf_hash: {e}")
                stored = None
            line_index = obj["index"] if is_int(obj["index"]) else None
            if line_index is None:
                self.problem(where, "the line's index is not an integer")
            claimed = line_index
            if obj["bytes"] is None:
                self.problem(where, f"entry {line_index if line_index is not None else place} "
                                    "was removed: its bytes are gone but its leaf is in the tree")
                leaf = stored
            else:
                try:
                    data = b64(obj["bytes"])
                except FormatError as e:
                    self.problem(where, f"bytes: {e}")
                    data = None
                if data is not None:
                    computed = leaf_hash(data)
                    if stored is not None and computed != stored:
                        self.problem(where, f"entry {place} was changed: its bytes do not hash "
                                            "to the leaf the tree stored")
                    leaf = stored if stored is not None else computed
                    try:
                        entry, issues = parse_entry_bytes(data)
                        for issue in issues:
                            self.problem(where, f"not in the canonical v1 form: {issue}")
                        if is_int(entry.get("index")):
                            if line_index is not None and entry["index"] != line_index:
                                self.problem(where, f"the line says index {line_index} but its "
                                                    f"bytes say {entry['index']}")
                            claimed = entry["index"]
                    except FormatError as e:
                        self.problem(where, str(e))
            # the place against the index the entry claims, runs of one offset named once
            d = None if claimed is None else claimed - place
            if d is not None:
                if run is not None and run[2] == d:
                    run[3] += 1
                else:
                    flush()
                    run = [place, no, d, 1]
            else:
                flush()
            if leaf is None and broken_at is None:
                broken_at = place
            if broken_at is None:
                tree.append(leaf)
            place += 1
            if place in sizes_needed:
                roots[place] = tree.root() if broken_at is None else None
        flush()
        self.broken_at = broken_at
        return roots, place

    # --- judging ---

    def finish(self, header, count, roots, notes, old, file_keys, origin=None) -> int:
        if header is None:
            return self.verdict(0, notes, old, [])
        if is_int(header.get("tree_size")) and header["tree_size"] != count:
            self.problem("line 1 (header)", f"tree_size is {header['tree_size']} but the file "
                                           f"has {count} entry lines")

        # Keys and trust.
        if self.given_keys is not None:
            trusted = {k.label for k in self.given_keys}
            source = "--key"
        else:
            trusted = {k.label for k in file_keys}
            source = "the file's own keys"
            self.notes_said.append(
                "NOTE: no --key given: trusting the keys the file names itself; this proves the "
                "file consistent, not who made it"
            )
        known: dict[tuple[str, bytes], VerifierKey] = {}
        for k in list(file_keys) + list(self.given_keys or []):
            known[(k.name, k.key_id)] = k
        all_notes = notes + ([old] if old is not None else [])
        for n in all_notes:
            if n.note is None:
                continue
            msg = n.note.text.encode("utf-8")
            for s in n.note.sigs:
                key = known.get((s.name, s.key_id))
                if key is None:
                    n.unknown.append(f"{s.name}+{s.key_id.hex()}")
                elif key.verify(msg, s.sig):
                    n.valid.add(key.label)
                else:
                    n.invalid.append(key.label)
        learned = []
        changed = True
        while changed:  # a key rotation: a checkpoint signed by a trusted key and a new one
            changed = False
            for n in all_notes:
                if n.valid & trusted and not n.valid <= trusted:
                    for label in sorted(n.valid - trusted):
                        learned.append(f"{label} (co-signed {n.where})")
                    trusted |= n.valid
                    changed = True
        for n in all_notes:
            if n.note is None:
                continue
            bad = [f"the signature by key {label} does not verify" for label in n.invalid]
            if not n.valid & trusted:
                by = sorted(n.valid) + [f"{u} (unknown key)" for u in n.unknown]
                self.problem(n.where, "not signed by a trusted key"
                                      + (f" (signed by {', '.join(by)})" if by else "")
                                      + "".join(f"; {b}" for b in bad))
            else:
                for b in bad:
                    self.problem(n.where, b)
            if origin is not None and n.cp.origin != origin:
                self.problem(n.where, f"origin {n.cp.origin!r} is not the log's {origin!r}")

        # Placement: a checkpoint of size N comes after exactly N entry lines. A shift is
        # named where it starts (a missing or extra entry line shifts all that follow).
        offset = 0
        for n in notes:
            if n.placed_after is None or n.cp is None:
                continue
            o = n.placed_after - n.cp.size
            if o != offset and o != 0:
                self.problem(n.where, f"placed after {n.placed_after} entry lines, not {n.cp.size}")
            offset = o

        # Roots: each checkpoint's root against the entries' root at its size.
        def compare(n) -> str | None:
            s = n.cp.size
            if s > count:
                return f"covers {s} entries but the file has only {count}"
            r = roots.get(s)
            if r is None:
                return (f"cannot be checked: the leaf of entry {self.broken_at} is unknown, "
                        "so no root past it can be rebuilt")
            if r != n.cp.root:
                return (f"the entries do not reproduce its root: signed {b64s(n.cp.root)}, "
                        f"the entries give {b64s(r)}")
            return None

        line_notes = sorted((n for n in notes if n.line != 1 and n.cp), key=lambda n: (n.cp.size, n.line))
        last_good = 0
        first_bad = None
        later_bad = []
        for n in line_notes:
            why = compare(n)
            if why is None:
                if first_bad is None:
                    last_good = n.cp.size
                continue
            if first_bad is None:
                first_bad = n
                lo, hi = last_good, n.cp.size - 1
                span = f"; the difference is among entries {lo}..{hi}" if hi >= lo and "reproduce" in why else ""
                self.problem(n.where, why + span)
            else:
                later_bad.append(n)
        if later_bad:
            sizes = sorted({n.cp.size for n in later_bad})
            self.problem(
                later_bad[0].where,
                f"{len(later_bad)} later checkpoint{'s' if len(later_bad) > 1 else ''} "
                f"(tree sizes {sizes[0]}..{sizes[-1]}) do not match the entries either",
            )
        hn = header.get("_note")
        if hn is not None and hn.cp is not None:
            why = compare(hn)
            if why is not None:
                self.problem(hn.where, why)
        if old is not None and old.cp is not None:
            why = compare(old)
            if why is not None:
                if old.cp.size > count:
                    self.problem(old.where, f"this log is not an extension of the old checkpoint: {why}")
                else:
                    self.problem(old.where, "this log is not an extension of the old checkpoint: "
                                            "its tree is not a prefix of this log's (" + why + ")")

        return self.verdict(count, notes, old, sorted(trusted), source, learned, header)

    def verdict(self, count, notes, old, trusted, source="", learned=(), header=None) -> int:
        for line in self.notes_said:
            print(line)
        if self.problems:
            print(f"NOT OK: {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} "
                  f"in {self.path}")
            return 1
        cps = sum(1 for n in notes if n.line != 1)
        print(f"OK: {count} entries re-hashed, {cps} checkpoints and the header's verified; "
              f"root at size {count} is {header.get('root_hash')}")
        print(f"trusted keys ({source}): " + ", ".join(trusted))
        for k in learned:
            print(f"learned from a key rotation: {k}")
        if old is not None:
            print(f"the old checkpoint (tree size {old.cp.size}) is a prefix of this log")
        return 0


# ---------------------------------------------------------------------------------------
# Self-test
# ---------------------------------------------------------------------------------------


def self_test() -> int:
    failures = []

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    # RFC 9162 / RFC 6962 test leaves (transparency-dev/merkle), and the root of all eight.
    leaves = [bytes.fromhex(h) for h in
              ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
               "606162636465666768696a6b6c6d6e6f"]]
    roots = []
    t = CompactRange()
    for leaf in leaves:
        t.append(leaf_hash(leaf))
        roots.append(t.root())
    check(roots[-1].hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
          "the root of the eight test leaves is 5dc9da79…")
    check(CompactRange().root() == EMPTY_ROOT
          and EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          "the empty tree's root is SHA-256(\"\")")
    # the roots and leaves in the vector files, where the repository has them
    vec = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "pubdata-core",
                       "testdata", "rfc9162-vectors")
    if os.path.isdir(vec):
        seen = 0
        for kind in ("consistency", "inclusion"):
            for case in sorted(os.listdir(os.path.join(vec, kind))):
                f = os.path.join(vec, kind, case, "happy-path.json")
                if not os.path.isfile(f):
                    continue
                with open(f) as fh:
                    v = json.load(fh)
                pairs = ([(v["size1"], v["root1"]), (v["size2"], v["root2"])] if kind == "consistency"
                         else [(v["treeSize"], v["root"])])
                for size, root in pairs:
                    if 1 <= size <= 8:
                        seen += 1
                        check(b64s(roots[size - 1]) == root, f"{kind}/{case}: root at size {size}")
                if kind == "inclusion":
                    check(b64s(leaf_hash(leaves[v["leafIdx"]])) == v["leafHash"],
                          f"inclusion/{case}: leaf hash of leaf {v['leafIdx']}")
        check(seen > 0, "the vector files gave roots to compare")
    else:
        print(f"skip the vector files ({vec} not found)")
    # the compact range against the recursive definition, at every size up to 130
    data = [bytes([i % 251]) * (i % 7) for i in range(130)]
    t = CompactRange()
    ok = True
    for n in range(131):
        if t.root() != mth(data[:n]):
            ok = False
            print(f"     size {n} differs")
        if n < 130:
            t.append(leaf_hash(data[n]))
    check(ok and len(t.stack) == bin(130).count("1"),
          "compact range = recursive MTH for sizes 0..130, in log n hashes")

    # Signed notes: Go's golang.org/x/mod/sumdb/note test vectors.
    peter = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    enoch = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
    k = parse_verifier_key(peter)
    check(k.label == "PeterNeumann+c74f20a3", "Go's PeterNeumann verifier key parses, its id checks")
    check(parse_verifier_key(enoch).key_id.hex() == "af0cfe78", "Go's EnochRoot key id checks")
    for bad in [peter.replace("c74f20a3", "c74f20a4"), peter.replace("Peter", "Petra"),
                "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                "PeterNeumann+c74f20a3", peter[:-4]]:
        try:
            parse_verifier_key(bad)
            check(False, f"rejects the key {bad!r}")
        except FormatError:
            check(True, f"rejects the key {bad!r}")
    text = ("If you think cryptography is the answer to your problem,\n"
            "then you don't know what your problem is.\n")
    psig = ("\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSN"
            "XgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
    esig = ("\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01"
            "oOTGwnWLox33WWd1RvMc+QQ=\n")
    n = parse_note(text + "\n" + psig + esig)
    check(n.text == text and len(n.sigs) == 2, "Go's two-signature note splits into text and two signatures")
    check(n.sigs[0].key_id == k.key_id and k.verify(n.text.encode(), n.sigs[0].sig),
          "PeterNeumann's signature verifies")
    check(parse_verifier_key(enoch).verify(n.text.encode(), n.sigs[1].sig), "EnochRoot's signature verifies")
    check(not k.verify((text + "x").encode(), n.sigs[0].sig), "a changed text does not verify")
    for bad in [text, text + "\n", text + "\n" + psig[:-1], "\x01" + text + "\n" + psig,
                text + "\n" + psig + "Unexpected line.\n"]:
        try:
            parse_note(bad)
            check(False, f"rejects the note {bad[-30:]!r}")
        except FormatError:
            check(True, f"rejects the note {bad[-30:]!r}")
    # a key whose base64 holds "+" (as real keys often do), signing a checkpoint
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    for i in range(1000):
        sk = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"self-test %d" % i).digest())
        pub = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        data = b64s(b"\x01" + pub)
        if "+" in data:
            break
    name = "example.com/log"
    kid = note_key_id(name, b"\x01" + pub)
    vkey = f"{name}+{kid.hex()}+{data}"
    body = f"{name}\n8\n{b64s(roots[-1])}\n"
    signed = body + "\n\u2014 " + name + " " + b64s(kid + sk.sign(body.encode())) + "\n"
    k2 = parse_verifier_key(vkey)
    n2 = parse_note(signed)
    check("+" in data and n2.text == body and k2.key_id == n2.sigs[0].key_id
          and k2.verify(n2.text.encode(), n2.sigs[0].sig),
          "a key with '+' in its base64 parses, and a checkpoint it signs verifies")
    cp = parse_checkpoint_body("example.com/log\n8\n" + b64s(roots[-1]) + "\n")
    check(cp.size == 8 and cp.root == roots[-1], "a tlog-checkpoint body parses")
    for bad in ["example.com/log\n08\n" + b64s(roots[-1]) + "\n", "example.com/log\n8\n"]:
        try:
            parse_checkpoint_body(bad)
            check(False, f"rejects the checkpoint body {bad!r}")
        except FormatError:
            check(True, f"rejects the checkpoint body {bad!r}")

    print("self-test: " + ("OK" if not failures else f"{len(failures)} FAILED"))
    return 0 if not failures else 1


# ---------------------------------------------------------------------------------------


def load_keys(values: list[str]) -> list[VerifierKey]:
    keys = []
    for v in values:
        if os.path.isfile(v):
            with open(v, encoding="utf-8") as f:
                texts = [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
            if not texts:
                raise FormatError(f"{v} holds no key")
        else:
            texts = [v]
        for t in texts:
            keys.append(parse_verifier_key(t))
    return keys


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("export", nargs="?", help="the file `pubdata audit export` wrote")
    ap.add_argument("--key", action="append", default=[],
                    help="a trusted verifier key, or a file with one per line (repeatable)")
    ap.add_argument("--checkpoint", help="an older signed checkpoint (note) that this log must extend")
    ap.add_argument("--self-test", action="store_true", help="check this checker against test vectors")
    args = ap.parse_args(argv)
    try:
        import cryptography.hazmat.primitives.asymmetric.ed25519  # noqa: F401
    except ImportError:
        print("the `cryptography` package is needed (pip install cryptography)", file=sys.stderr)
        return 2
    if args.self_test:
        return self_test()
    if not args.export:
        ap.error("give the export file (or --self-test)")
    try:
        keys = load_keys(args.key) if args.key else None
    except (FormatError, OSError) as e:
        print(f"bad --key: {e}", file=sys.stderr)
        return 2
    old = None
    if args.checkpoint:
        try:
            with open(args.checkpoint, "rb") as f:
                old = (args.checkpoint, f.read().decode("utf-8"))
        except (OSError, UnicodeDecodeError) as e:
            print(f"cannot read --checkpoint: {e}", file=sys.stderr)
            return 2
    if not os.path.isfile(args.export):
        print(f"cannot read {args.export}", file=sys.stderr)
        return 2
    try:
        return Checker(args.export, keys, old).run()
    except OSError as e:
        print(f"cannot read {args.export}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
