-- Curation of remote repositories (issue 15): rule sets per repository
-- (0: global; JSON: block, allow, deny_licenses, min_age_seconds,
-- max_severity, malicious), the known-malicious list, and the fetches the
-- rules refused.
CREATE TABLE curation_rules (
    repository_id BIGINT PRIMARY KEY,
    rules         BYTEA NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE curation_malicious (
    id       BIGSERIAL PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    versions TEXT NOT NULL,
    reason   TEXT NOT NULL,
    source   TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);

CREATE TABLE curation_blocks (
    id            BIGSERIAL PRIMARY KEY,
    repository_id BIGINT NOT NULL,
    repository    TEXT NOT NULL,
    path          TEXT NOT NULL,
    package       TEXT NOT NULL,
    version       TEXT NOT NULL,
    rule          TEXT NOT NULL,
    reason        TEXT NOT NULL,
    at            BIGINT NOT NULL
);
CREATE INDEX curation_blocks_repo_idx ON curation_blocks (repository_id, id);
