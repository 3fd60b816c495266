-- Lifecycle (issue 17): per-repository storage quotas and cleanup
-- policies. Durations are nanoseconds, times Unix nanoseconds; 0 is unset.

CREATE TABLE repository_quotas (
    repository_id BIGINT PRIMARY KEY REFERENCES repositories (id) ON DELETE CASCADE,
    max_bytes     BIGINT NOT NULL DEFAULT 0,
    warn_bytes    BIGINT NOT NULL DEFAULT 0,
    updated_at    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE lifecycle_policies (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT NOT NULL UNIQUE,
    repository_id      BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    keep_last          INTEGER NOT NULL DEFAULT 0,
    older_than         BIGINT NOT NULL DEFAULT 0,
    not_downloaded_for BIGINT NOT NULL DEFAULT 0,
    include            TEXT NOT NULL DEFAULT '',
    exclude            TEXT NOT NULL DEFAULT '',
    enabled            BOOLEAN NOT NULL DEFAULT 1,
    last_run_at        BIGINT NOT NULL DEFAULT 0,
    last_deleted       BIGINT NOT NULL DEFAULT 0,
    last_error         TEXT NOT NULL DEFAULT '',
    created_by         TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL DEFAULT 0,
    updated_at         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX lifecycle_policies_repo_idx ON lifecycle_policies (repository_id);
