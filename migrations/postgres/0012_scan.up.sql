-- Security scanning (issue 15). scan_results holds one row per content
-- digest: the durable queue (status pending/running with a lease, so a
-- worker that dies leaves a row the next claim takes over) and then the
-- verdict shared by every file with that content, in any repository. The
-- metadata store inserts the row in the same transaction as the file
-- write. repository_id and path name one file holding the content, for
-- its layout. Times are Unix nanoseconds.

CREATE TABLE scan_results (
    digest        TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    repository_id BIGINT NOT NULL,
    path          TEXT NOT NULL,
    layout        BYTEA,
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_holder  TEXT NOT NULL DEFAULT '',
    lease_until   BIGINT NOT NULL DEFAULT 0,
    scanners      TEXT NOT NULL DEFAULT '',
    findings      BYTEA,
    error         TEXT NOT NULL DEFAULT '',
    runs          BIGINT NOT NULL DEFAULT 0,
    queued_at     BIGINT NOT NULL,
    scanned_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX scan_results_status_idx ON scan_results (status, lease_until);

-- Policies: repository_id 0 is the global policy.
CREATE TABLE scan_policies (
    repository_id   BIGINT PRIMARY KEY,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    block_severity  TEXT NOT NULL DEFAULT '',
    block_unscanned BOOLEAN NOT NULL DEFAULT FALSE,
    quarantine      BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at      BIGINT NOT NULL DEFAULT 0
);

-- Acknowledged findings: repository_id 0 applies everywhere.
CREATE TABLE scan_acks (
    id            BIGSERIAL PRIMARY KEY,
    repository_id BIGINT NOT NULL,
    vuln_id       TEXT NOT NULL,
    reason        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX scan_acks_expires_idx ON scan_acks (expires_at);

-- Files an admin released from quarantine (for the content they had).
CREATE TABLE scan_releases (
    repository_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    path          TEXT NOT NULL,
    digest        TEXT NOT NULL,
    released_by   TEXT NOT NULL,
    released_at   BIGINT NOT NULL,
    PRIMARY KEY (repository_id, path)
);
