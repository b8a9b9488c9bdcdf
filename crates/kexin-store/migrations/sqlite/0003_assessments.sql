-- Assessments against catalog standards, their per-point results and evidence.
CREATE TABLE assessments (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    standard_id    TEXT NOT NULL,
    variant        TEXT,
    target_name    TEXT NOT NULL,
    target_level   TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'reviewed', 'signed_off')),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    submitted_by   TEXT,
    -- Who submitted, as `kind:id`: the reviewer must be someone else.
    submitted_by_actor TEXT,
    submitted_at   TEXT,
    reviewed_by    TEXT,
    reviewed_at    TEXT,
    review_note    TEXT,
    signed_off_by  TEXT,
    signed_off_at  TEXT,
    supersedes     TEXT REFERENCES assessments(id)
);
CREATE INDEX assessments_target ON assessments (tenant_id, target_name, standard_id);

CREATE TABLE assessment_results (
    assessment_id  TEXT NOT NULL REFERENCES assessments(id),
    point_id       TEXT NOT NULL,
    verdict        TEXT NOT NULL,
    reason         TEXT,
    notes          TEXT,
    source         TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (assessment_id, point_id)
);

-- Files are stored content-addressed under <data>/blobs/<first two hex>/<sha256>.
CREATE TABLE evidence (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    kind        TEXT NOT NULL CHECK (kind IN ('file', 'link')),
    name        TEXT NOT NULL,
    sha256      TEXT,
    size        INTEGER,
    url         TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX evidence_tenant_sha ON evidence (tenant_id, sha256);

CREATE TABLE result_evidence (
    assessment_id  TEXT NOT NULL REFERENCES assessments(id),
    point_id       TEXT NOT NULL,
    evidence_id    TEXT NOT NULL REFERENCES evidence(id),
    PRIMARY KEY (assessment_id, point_id, evidence_id)
);
