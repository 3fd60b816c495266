-- Imports (issue 17): each job and the outcome of each of its items, so
-- the report survives a restart and every replica can show it.
CREATE TABLE import_jobs (
    id          TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    started_by  TEXT NOT NULL,
    state       TEXT NOT NULL,
    error       TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    imported    BIGINT NOT NULL,
    skipped     BIGINT NOT NULL,
    failed      BIGINT NOT NULL,
    bytes       BIGINT NOT NULL
);
CREATE INDEX import_jobs_started_idx ON import_jobs (started_at);

CREATE TABLE import_items (
    job_id     TEXT NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    repository TEXT NOT NULL,
    path       TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    reason     TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
