-- The audit log as an RFC 9162 Merkle tree (DESIGN.md §5). Keep in step with
-- ../sqlite/0002_audit_log.sql.
--
-- audit_nodes holds every perfect subtree of the tree: (level 0, i) is the leaf hash of entry i,
-- (level L, i) the hash over leaves [i·2^L, (i+1)·2^L). Rows are written in the transaction that
-- appends the entry and never change, so a proof reads O(log n) rows.
CREATE TABLE audit_nodes (
    level SMALLINT NOT NULL,
    idx   BIGINT NOT NULL,
    hash  BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Signed tree heads, one per tree size; never two different heads for one size.
CREATE TABLE audit_checkpoints (
    tree_size  BIGINT PRIMARY KEY,
    root_hash  BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    note       TEXT NOT NULL
);

-- The log's signing keys; the private halves are files in the data directory. At most one
-- key is current (retired_at IS NULL).
CREATE TABLE audit_keys (
    key_id     TEXT PRIMARY KEY,
    verifier   TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);

-- The audit view searches by unit and by target (a user is searched by id: audit_entries_actor).
CREATE INDEX audit_entries_org ON audit_entries (actor_org_id, seq);
CREATE INDEX audit_entries_target ON audit_entries (target, seq);
