-- Aggregation: batches with their rejected rows, the registry of record tables (one typed
-- table per resource, made at run time), published data versions, and pull sources.
-- Keep in step with ../postgres/0004_aggregation.sql.

CREATE TABLE batches (
    id              TEXT PRIMARY KEY,
    resource_id     TEXT NOT NULL REFERENCES resources (id),
    -- The providing unit when the batch came: timeliness counts against it.
    org_id          TEXT NOT NULL REFERENCES orgs (id),
    source          TEXT NOT NULL CHECK (source IN ('upload', 'push', 'pull')),
    status          TEXT NOT NULL CHECK (status IN ('running', 'accepted', 'failed')),
    file_name       TEXT,
    file_format     TEXT,
    encoding        TEXT,
    -- The input's column names (JSON array): the rejected-rows file repeats them.
    header          TEXT NOT NULL,
    rows_total      BIGINT NOT NULL DEFAULT 0,
    accepted        BIGINT NOT NULL DEFAULT 0,
    rejected        BIGINT NOT NULL DEFAULT 0,
    inserted        BIGINT NOT NULL DEFAULT 0,
    updated         BIGINT NOT NULL DEFAULT 0,
    unchanged       BIGINT NOT NULL DEFAULT 0,
    -- The QualityReport (JSON) and its score, once checked.
    quality         TEXT,
    score           DOUBLE PRECISION,
    error_code      TEXT,
    error_message   TEXT,
    pull_source_id  TEXT,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT
);
CREATE INDEX batches_resource ON batches (resource_id, created_at);
CREATE INDEX batches_status ON batches (status, created_at);

-- Rejected rows are never dropped: kept as they came (JSON array of cells) with the reasons.
CREATE TABLE batch_rejects (
    batch_id        TEXT NOT NULL REFERENCES batches (id),
    line            BIGINT NOT NULL,
    raw             TEXT NOT NULL,
    reason          TEXT NOT NULL,
    codes           TEXT NOT NULL,
    PRIMARY KEY (batch_id, line)
);

-- The typed table of each resource's records (`rec_<hex>`) and its history (`rech_<hex>`).
CREATE TABLE record_tables (
    resource_id     TEXT PRIMARY KEY REFERENCES resources (id),
    table_name      TEXT NOT NULL UNIQUE,
    -- `code:kind,code:kind`: every column ever made, in order (retired fields stay).
    columns         TEXT NOT NULL,
    key_codes       TEXT NOT NULL,
    -- Publish a data version by itself after each accepted batch.
    auto_publish    BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
);

CREATE TABLE data_versions (
    resource_id     TEXT NOT NULL REFERENCES resources (id),
    number          BIGINT NOT NULL,
    published_at    BIGINT NOT NULL,
    published_by    TEXT NOT NULL,
    rows_count      BIGINT NOT NULL,
    catalog_version BIGINT NOT NULL,
    -- [{"format", "key", "sha256", "size"}]
    files           TEXT NOT NULL,
    PRIMARY KEY (resource_id, number)
);

CREATE TABLE pull_sources (
    id              TEXT PRIMARY KEY,
    resource_id     TEXT NOT NULL REFERENCES resources (id),
    -- The PullSpec (JSON), with the connection's password: never shown.
    spec            TEXT NOT NULL,
    -- The incremental cursor after the last accepted pull (JSON), none before the first.
    cursor          TEXT,
    enabled         BIGINT NOT NULL DEFAULT 1,
    last_pull_at    BIGINT,
    last_batch_id   TEXT,
    last_error      TEXT,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX pull_sources_resource ON pull_sources (resource_id);
