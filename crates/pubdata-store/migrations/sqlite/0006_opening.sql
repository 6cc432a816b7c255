-- Opening (开放): proposals with their security review, the open list and its files, use
-- counts, developer keys, applications for conditional data with their steps, agreements and
-- use reports, public interaction, the showcase. Keep in step with ../postgres/0006_opening.sql.

-- A steward's proposal to open a resource, or a view of it, and the security review that ran
-- on the data as it would open.
CREATE TABLE open_proposals (
    id                TEXT PRIMARY KEY,
    resource_id       TEXT NOT NULL REFERENCES resources (id),
    provider_org_id   TEXT NOT NULL REFERENCES orgs (id),
    open_attr         TEXT NOT NULL CHECK (open_attr IN ('unconditional', 'conditional')),
    -- JSON: the field codes opened, in order; {code: mask rule}; quasi-identifier codes;
    -- {code: value} rows kept (all when empty).
    fields            TEXT NOT NULL,
    masks             TEXT NOT NULL,
    quasi_identifiers TEXT NOT NULL,
    row_filter        TEXT NOT NULL,
    -- For conditional data: who may apply and on what terms.
    conditions        TEXT NOT NULL,
    licence           TEXT NOT NULL,
    min_k             BIGINT NOT NULL,
    -- The published data version the review read, and the review (JSON) with its verdict.
    data_version      BIGINT NOT NULL,
    review            TEXT NOT NULL,
    review_passed     BOOLEAN NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('proposed', 'returned', 'approved', 'superseded')),
    proposed_by       TEXT NOT NULL,
    decided_by        TEXT,
    decided_at        BIGINT,
    decision_reason   TEXT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX open_proposals_resource ON open_proposals (resource_id, id);
CREATE INDEX open_proposals_status ON open_proposals (status, id);

-- The open list (开放清单): what is open, as the approved proposal set it.
CREATE TABLE open_datasets (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    resource_id       TEXT NOT NULL UNIQUE REFERENCES resources (id),
    provider_org_id   TEXT NOT NULL REFERENCES orgs (id),
    proposal_id       TEXT NOT NULL REFERENCES open_proposals (id),
    open_attr         TEXT NOT NULL CHECK (open_attr IN ('unconditional', 'conditional')),
    fields            TEXT NOT NULL,
    masks             TEXT NOT NULL,
    row_filter        TEXT NOT NULL,
    conditions        TEXT NOT NULL,
    licence           TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    closed_reason     TEXT,
    opened_at         BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

-- The files of each published version as opened (the view's fields, rows and masks).
CREATE TABLE open_files (
    dataset_id        TEXT NOT NULL REFERENCES open_datasets (id),
    version           BIGINT NOT NULL,
    format            TEXT NOT NULL CHECK (format IN ('csv', 'parquet', 'json')),
    file_key          TEXT NOT NULL,
    sha256            TEXT NOT NULL,
    size              BIGINT NOT NULL,
    rows_count        BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    PRIMARY KEY (dataset_id, version, format)
);

-- Use counts per dataset and month (YYYY-MM, Beijing time).
CREATE TABLE open_stats (
    dataset_id        TEXT NOT NULL REFERENCES open_datasets (id),
    month             TEXT NOT NULL,
    views             BIGINT NOT NULL DEFAULT 0,
    downloads         BIGINT NOT NULL DEFAULT 0,
    api_calls         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (dataset_id, month)
);

-- Developer keys: API tokens the developer centre issued, with their quota; an agreement's
-- key reads only that agreement's dataset.
CREATE TABLE open_keys (
    token_id          TEXT PRIMARY KEY REFERENCES api_tokens (id),
    user_id           TEXT NOT NULL REFERENCES users (id),
    agreement_id      TEXT,
    rate_per_minute   BIGINT NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX open_keys_user ON open_keys (user_id);

-- Applications for conditional data (有条件开放申请).
CREATE TABLE open_applications (
    id                TEXT PRIMARY KEY,
    dataset_id        TEXT NOT NULL REFERENCES open_datasets (id),
    provider_org_id   TEXT NOT NULL REFERENCES orgs (id),
    user_id           TEXT NOT NULL REFERENCES users (id),
    username          TEXT NOT NULL,
    purpose           TEXT NOT NULL,
    scenario          TEXT NOT NULL,
    -- 'person' or 'organisation', the name, the USCC of an organisation, the contact.
    applicant_kind    TEXT NOT NULL CHECK (applicant_kind IN ('person', 'organisation')),
    applicant_name    TEXT NOT NULL,
    applicant_uscc    TEXT,
    applicant_contact TEXT NOT NULL,
    -- JSON array of field codes asked for (all the dataset's when none named).
    fields            TEXT NOT NULL,
    period_start      TEXT NOT NULL,
    period_end        TEXT NOT NULL,
    -- The version of the security commitment's text accepted, and when.
    commitment_version TEXT NOT NULL,
    commitment_at     BIGINT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('materials', 'review', 'approved', 'refused', 'rejected')),
    agreement_id      TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX open_applications_user ON open_applications (user_id, id);
CREATE INDEX open_applications_provider ON open_applications (provider_org_id, id);

-- The steps of an application, each due under a deadline rule (copied in); the provider's
-- step may be extended once, with a reason the applicant sees.
CREATE TABLE open_application_steps (
    application_id    TEXT NOT NULL REFERENCES open_applications (id),
    seq               BIGINT NOT NULL,
    step              TEXT NOT NULL CHECK (step IN ('materials', 'review')),
    -- NULL: the data authority.
    actor_org_id      TEXT REFERENCES orgs (id),
    opened_on         TEXT NOT NULL,
    due_date          TEXT NOT NULL,
    rule_key          TEXT NOT NULL,
    rule_days         BIGINT NOT NULL,
    rule_source       TEXT NOT NULL,
    extended_days     BIGINT,
    extension_reason  TEXT,
    extended_at       BIGINT,
    done_at           BIGINT,
    done_by           TEXT,
    decision          TEXT,
    reason            TEXT,
    -- A refusal's legal basis (the applicant is told what it rests on).
    legal_basis       TEXT,
    PRIMARY KEY (application_id, seq)
);

-- Agreements (开放利用协议) an approval makes.
CREATE TABLE agreements (
    id                TEXT PRIMARY KEY,
    application_id    TEXT NOT NULL UNIQUE REFERENCES open_applications (id),
    dataset_id        TEXT NOT NULL REFERENCES open_datasets (id),
    provider_org_id   TEXT NOT NULL REFERENCES orgs (id),
    user_id           TEXT NOT NULL REFERENCES users (id),
    fields            TEXT NOT NULL,
    purpose           TEXT NOT NULL,
    scenario          TEXT NOT NULL,
    obligations       TEXT NOT NULL,
    starts_on         TEXT NOT NULL,
    ends_on           TEXT NOT NULL,
    rate_per_minute   BIGINT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('active', 'terminated')),
    created_at        BIGINT NOT NULL
);
CREATE INDEX agreements_user ON agreements (user_id);
CREATE INDEX agreements_provider ON agreements (provider_org_id);

-- What an agreement's holder reports of its use, one per month.
CREATE TABLE use_reports (
    id                TEXT PRIMARY KEY,
    agreement_id      TEXT NOT NULL REFERENCES agreements (id),
    period            TEXT NOT NULL,
    use_summary       TEXT NOT NULL,
    results           TEXT NOT NULL,
    submitted_by      TEXT NOT NULL,
    submitted_at      BIGINT NOT NULL,
    UNIQUE (agreement_id, period)
);

-- Public interaction (互动交流): data requests, error reports, suggestions, complaints.
CREATE TABLE feedback (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('data_request', 'error_report', 'suggestion', 'complaint')),
    dataset_id        TEXT REFERENCES open_datasets (id),
    -- Who answers: the dataset's provider; NULL, the data authority.
    provider_org_id   TEXT REFERENCES orgs (id),
    record_key        TEXT,
    body              TEXT NOT NULL,
    -- Never shown publicly.
    contact           TEXT,
    user_id           TEXT,
    submitted_by      TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('open', 'answered')),
    filed_on          TEXT NOT NULL,
    due_date          TEXT NOT NULL,
    rule_key          TEXT NOT NULL,
    rule_days         BIGINT NOT NULL,
    rule_source       TEXT NOT NULL,
    -- An error report on a record becomes an objection on it.
    objection_id      TEXT,
    answer            TEXT,
    answered_by       TEXT,
    answered_at       BIGINT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX feedback_provider ON feedback (provider_org_id, id);
CREATE INDEX feedback_dataset ON feedback (dataset_id, id);

-- The application showcase: what people built on open data, shown once reviewed.
CREATE TABLE showcase (
    id                TEXT PRIMARY KEY,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    url               TEXT NOT NULL,
    -- JSON array of dataset names used.
    datasets          TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    submitted_by      TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('submitted', 'shown', 'rejected')),
    reviewed_by       TEXT,
    reviewed_at       BIGINT,
    review_reason     TEXT,
    created_at        BIGINT NOT NULL
);

INSERT INTO deadline_rules (key, days, legal_source, updated_at) VALUES
    ('open_materials', 5,
     '有条件开放申请：数据主管部门在5个工作日内完成申请材料审核（依本地公共数据开放管理办法设定，可由主管部门调整）',
     0),
    ('open_reply', 15,
     '有条件开放申请：数据提供单位自收到申请之日起15个工作日内答复（依本地公共数据开放管理办法设定，可由主管部门调整）',
     0),
    ('open_reply_extension', 15,
     '有条件开放申请：情况复杂的，经说明理由可延长一次，延长期限不超过15个工作日',
     0),
    ('feedback_answer', 10,
     '平台默认时限：公众需求、纠错、建议和投诉举报的答复期限（可由主管部门调整）',
     0),
    ('open_use_report', 10,
     '平台默认时限：开放利用协议的使用情况和成果，于每月结束后10个工作日内报送（可由主管部门调整）',
     0);
