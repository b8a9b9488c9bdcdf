-- Runs of automatic checks per asset (host scans and the like), with history.
CREATE TABLE check_runs (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    asset_id     TEXT NOT NULL REFERENCES assets(id),
    source       TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE INDEX check_runs_asset ON check_runs (tenant_id, asset_id, received_at);

CREATE TABLE check_results (
    run_id    TEXT NOT NULL REFERENCES check_runs(id),
    check_id  TEXT NOT NULL,
    status    TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'error', 'not_applicable')),
    evidence  TEXT NOT NULL,
    PRIMARY KEY (run_id, check_id)
);
