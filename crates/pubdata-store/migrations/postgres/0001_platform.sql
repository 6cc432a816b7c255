-- Platform foundation (PostgreSQL). Keep in step with ../sqlite/0001_platform.sql:
-- one schema, two dialects. Times are Unix milliseconds (UTC); dates are 'YYYY-MM-DD'.

CREATE TABLE orgs (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('government', 'public_service')),
    sector           TEXT NOT NULL,
    uscc             TEXT NOT NULL UNIQUE,
    parent_id        TEXT REFERENCES orgs (id),
    accountable_head TEXT NOT NULL,
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX orgs_name ON orgs (name);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    org_id              TEXT REFERENCES orgs (id),
    roles               TEXT NOT NULL,
    contact             TEXT,
    password_hash       TEXT NOT NULL,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    failed_attempts     BIGINT NOT NULL DEFAULT 0,
    locked_until        BIGINT,
    password_changed_at BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE calendar_days (
    day        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE audit_entries (
    seq            BIGINT PRIMARY KEY,
    at_ms          BIGINT NOT NULL,
    actor_user_id  TEXT,
    actor_username TEXT,
    actor_org_id   TEXT,
    channel        TEXT NOT NULL,
    action         TEXT NOT NULL,
    target         TEXT,
    decision       TEXT NOT NULL CHECK (decision IN ('allow', 'deny')),
    reason         TEXT,
    purpose        TEXT,
    request_id     TEXT NOT NULL
);
CREATE INDEX audit_entries_actor ON audit_entries (actor_user_id, seq);
CREATE INDEX audit_entries_action ON audit_entries (action, seq);
