-- The catalog: resources with their versions and review events, the catalog search index,
-- information systems, duty changes with the review tasks they open, and deadline rules.
-- Keep in step with ../sqlite/0003_catalog.sql.

CREATE TABLE resources (
    id              TEXT PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    provider_org_id TEXT NOT NULL REFERENCES orgs (id),
    category        TEXT NOT NULL,
    theme           TEXT NOT NULL,
    format          TEXT NOT NULL,
    update_cycle    TEXT NOT NULL,
    share_attr      TEXT NOT NULL,
    open_attr       TEXT NOT NULL,
    grade           BIGINT NOT NULL,
    system_id       TEXT,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'published', 'withdrawn')),
    version         BIGINT NOT NULL,
    -- The current content (a ResourceDoc, JSON) and the terms search finds it by.
    doc             TEXT NOT NULL,
    search_terms    TEXT NOT NULL,
    -- Stored, so that ranking reads it instead of rebuilding it for every match.
    search_vector   tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_terms)) STORED,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    published_at    BIGINT
);
CREATE INDEX resources_provider ON resources (provider_org_id, status);
CREATE INDEX resources_status_updated ON resources (status, updated_at);
CREATE INDEX resources_system ON resources (system_id);

CREATE INDEX resources_search ON resources USING GIN (search_vector);

-- One row a version: drafts rewrite their version, every change once published adds one.
CREATE TABLE resource_versions (
    resource_id  TEXT NOT NULL REFERENCES resources (id),
    version      BIGINT NOT NULL,
    status       TEXT NOT NULL,
    doc          TEXT NOT NULL,
    changed_by   TEXT,
    changed_at   BIGINT NOT NULL,
    PRIMARY KEY (resource_id, version)
);

-- The review's steps, with the reasons a person gave.
CREATE TABLE resource_events (
    id             TEXT PRIMARY KEY,
    resource_id    TEXT NOT NULL REFERENCES resources (id),
    version        BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    reason         TEXT,
    actor_user_id  TEXT,
    actor_username TEXT,
    at             BIGINT NOT NULL
);
CREATE INDEX resource_events_resource ON resource_events (resource_id, at);

CREATE TABLE info_systems (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    owner_org_id TEXT NOT NULL REFERENCES orgs (id),
    purpose      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('planned', 'under_review', 'approved', 'in_service', 'retired')),
    review_note  TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX info_systems_owner ON info_systems (owner_org_id);
CREATE UNIQUE INDEX info_systems_owner_name ON info_systems (owner_org_id, name);

-- The resources a system declares it produces.
CREATE TABLE info_system_resources (
    system_id   TEXT NOT NULL REFERENCES info_systems (id),
    resource_id TEXT NOT NULL REFERENCES resources (id),
    PRIMARY KEY (system_id, resource_id)
);

CREATE TABLE duty_changes (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    changed_on   TEXT NOT NULL,
    description  TEXT NOT NULL,
    legal_source TEXT NOT NULL,
    recorded_by  TEXT,
    created_at   BIGINT NOT NULL
);

CREATE TABLE review_tasks (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs (id),
    duty_change_id TEXT NOT NULL REFERENCES duty_changes (id),
    due_date       TEXT NOT NULL,
    rule_days      BIGINT NOT NULL,
    rule_source    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    resolution     TEXT,
    note           TEXT,
    resource_id    TEXT,
    closed_by      TEXT,
    closed_at      BIGINT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX review_tasks_org ON review_tasks (org_id, status);
CREATE INDEX review_tasks_open_due ON review_tasks (status, due_date);

-- Statutory deadlines in working days, each with the legal source shown beside it.
CREATE TABLE deadline_rules (
    key          TEXT PRIMARY KEY,
    days         BIGINT NOT NULL CHECK (days > 0),
    legal_source TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);
INSERT INTO deadline_rules (key, days, legal_source, updated_at) VALUES
    ('catalog_update', 15,
     '《济南市公共数据管理办法》（2020）：因法律法规修改或行政管理职能发生变化等涉及目录调整的，公共数据提供单位应当在15个工作日内更新目录',
     0);
