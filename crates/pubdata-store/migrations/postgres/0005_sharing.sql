-- Sharing (共享): share requests with their steps and due dates, the grants approvals make,
-- emergencies that raise share classes for a while, and objections to records. Keep in step
-- with ../sqlite/0005_sharing.sql.

-- What an access released (grant, case, keys, fields, response hash), bound into the leaf.
ALTER TABLE audit_entries ADD COLUMN detail TEXT;

CREATE TABLE share_requests (
    id                TEXT PRIMARY KEY,
    resource_id       TEXT NOT NULL REFERENCES resources (id),
    provider_org_id   TEXT NOT NULL REFERENCES orgs (id),
    requester_org_id  TEXT NOT NULL REFERENCES orgs (id),
    requester_system_id TEXT,
    requested_by      TEXT NOT NULL,
    -- JSON array of field codes.
    fields            TEXT NOT NULL,
    purpose           TEXT NOT NULL,
    scenario          TEXT NOT NULL,
    duty_basis        TEXT NOT NULL,
    -- YYYY-MM-DD, inclusive.
    period_start      TEXT NOT NULL,
    period_end        TEXT NOT NULL,
    commitment_at     BIGINT NOT NULL,
    rate_per_minute   BIGINT,
    status            TEXT NOT NULL CHECK (status IN
        ('conformity', 'reply', 'approved', 'refused', 'rejected', 'disputed')),
    -- Whether the data was on the platform when filed: it sets the provider's reply time.
    on_platform       BOOLEAN NOT NULL,
    -- The emergency that raised the resource's class when the request was filed, if any.
    emergency_id      TEXT,
    grant_id          TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX share_requests_requester ON share_requests (requester_org_id, id);
CREATE INDEX share_requests_provider ON share_requests (provider_org_id, id);
CREATE INDEX share_requests_resource ON share_requests (resource_id, id);

-- The steps of a request, in order: each waits on one unit, due on the working-day calendar
-- under a deadline rule (its days and legal source copied in, as they were when it opened).
CREATE TABLE share_request_steps (
    request_id        TEXT NOT NULL REFERENCES share_requests (id),
    seq               BIGINT NOT NULL,
    step              TEXT NOT NULL CHECK (step IN ('conformity', 'reply', 'coordination')),
    -- The unit the step waits on; NULL: the data authority (its platform administrators).
    actor_org_id      TEXT REFERENCES orgs (id),
    opened_on         TEXT NOT NULL,
    due_date          TEXT NOT NULL,
    rule_key          TEXT NOT NULL,
    rule_days         BIGINT NOT NULL,
    rule_source       TEXT NOT NULL,
    -- Why the step opened, when someone said so (a dispute's reason).
    opened_reason     TEXT,
    done_at           BIGINT,
    done_by           TEXT,
    decision          TEXT,
    reason            TEXT,
    legal_basis       TEXT,
    PRIMARY KEY (request_id, seq)
);
CREATE INDEX share_request_steps_waiting ON share_request_steps (actor_org_id, due_date)
    WHERE done_at IS NULL;
CREATE INDEX share_request_steps_due ON share_request_steps (due_date) WHERE done_at IS NULL;

CREATE TABLE grants (
    id                TEXT PRIMARY KEY,
    resource_id       TEXT NOT NULL REFERENCES resources (id),
    provider_org_id   TEXT NOT NULL REFERENCES orgs (id),
    grantee_org_id    TEXT NOT NULL REFERENCES orgs (id),
    grantee_system_id TEXT,
    request_id        TEXT REFERENCES share_requests (id),
    -- JSON arrays of field codes; raw_fields ⊆ fields, allowed unmasked with raw_reason.
    fields            TEXT NOT NULL,
    raw_fields        TEXT NOT NULL,
    raw_reason        TEXT,
    purpose           TEXT NOT NULL,
    starts_at         BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    rate_per_minute   BIGINT NOT NULL CHECK (rate_per_minute > 0),
    status            TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    status_reason     TEXT,
    status_by         TEXT,
    status_at         BIGINT,
    -- Made under an emergency's raised class: in force only while the emergency is.
    emergency_id      TEXT,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX grants_resource ON grants (resource_id, grantee_org_id);
CREATE INDEX grants_grantee ON grants (grantee_org_id, id);

CREATE TABLE emergencies (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    legal_basis       TEXT NOT NULL,
    ordered_by        TEXT NOT NULL,
    starts_at         BIGINT NOT NULL,
    ends_at           BIGINT NOT NULL,
    -- Ended early by hand (ended_at < ends_at), with who and why.
    ended_at          BIGINT,
    ended_by          TEXT,
    end_reason        TEXT,
    declared_by       TEXT NOT NULL,
    created_at        BIGINT NOT NULL
);

CREATE TABLE emergency_raises (
    emergency_id      TEXT NOT NULL REFERENCES emergencies (id),
    resource_id       TEXT NOT NULL REFERENCES resources (id),
    -- The class in the catalog when declared, and the class raised to.
    from_attr         TEXT NOT NULL,
    share_attr        TEXT NOT NULL CHECK (share_attr IN ('conditional', 'unconditional')),
    PRIMARY KEY (emergency_id, resource_id)
);
CREATE INDEX emergency_raises_resource ON emergency_raises (resource_id);

-- 异议: a reader says a record is wrong; the provider checks and answers by the due date.
CREATE TABLE objections (
    id                TEXT PRIMARY KEY,
    resource_id       TEXT NOT NULL REFERENCES resources (id),
    provider_org_id   TEXT NOT NULL REFERENCES orgs (id),
    record_key        TEXT NOT NULL,
    reason            TEXT NOT NULL,
    evidence          TEXT NOT NULL,
    filed_by          TEXT NOT NULL,
    filed_by_user_id  TEXT,
    filer_org_id      TEXT,
    status            TEXT NOT NULL CHECK (status IN ('open', 'answered')),
    filed_on          TEXT NOT NULL,
    due_date          TEXT NOT NULL,
    rule_key          TEXT NOT NULL,
    rule_days         BIGINT NOT NULL,
    rule_source       TEXT NOT NULL,
    complex_reason    TEXT,
    outcome           TEXT CHECK (outcome IN ('corrected', 'confirmed')),
    explanation       TEXT,
    -- The batch that corrected the record, when the outcome is `corrected`.
    batch_id          TEXT,
    answered_by       TEXT,
    answered_at       BIGINT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX objections_record ON objections (resource_id, record_key) WHERE status = 'open';
CREATE INDEX objections_provider ON objections (provider_org_id, status, due_date);
CREATE INDEX objections_filer ON objections (filed_by_user_id, id);

INSERT INTO deadline_rules (key, days, legal_source, updated_at) VALUES
    ('share_conformity', 2,
     '高平市政务数据共享工作问答（2024）：数据主管部门收到共享申请后，应当在2个工作日内完成合规性审核',
     0),
    ('share_reply_on_platform', 5,
     '《山东省电子政务和政务数据管理办法》（2019）：有条件共享的政务数据，数据提供部门应当在5个工作日内予以答复',
     0),
    ('share_reply_off_platform', 10,
     '《贵州省政务数据资源管理办法》（2020）：尚未汇聚到共享平台的数据，提供部门应当在10个工作日内答复',
     0),
    ('share_coordination', 10,
     '平台默认时限：拒绝共享的申请经需求方提出异议后，由数据主管部门协调处理（可由主管部门调整）',
     0),
    ('objection_check', 5,
     '《安徽省政务数据资源管理办法》（2020）：数据提供单位应当在5个工作日内对有异议的数据进行核实',
     0),
    ('objection_complex', 10,
     '《安徽省政务数据资源管理办法》（2020）：情况复杂的，核实时限可延长至10个工作日',
     0);
