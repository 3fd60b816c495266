-- Replication across sites (issue 18). replication_outbox is the durable
-- change log: the metadata store adds a row per put or deleted path in the
-- same transaction as the write, and the replication dispatcher turns rows
-- into tasks (one per peer a sync policy sends the path to). A task is
-- "make the peer's copy of (repository, path) what ours is now": coalesced
-- per path, leased so that two replicas never send it at once, retried
-- with capped backoff. Times are Unix nanoseconds.

CREATE TABLE replication_peers (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT NOT NULL UNIQUE,
    endpoint_url   TEXT NOT NULL,
    sealed_api_key TEXT NOT NULL,
    instance_id    TEXT NOT NULL DEFAULT '',
    remote_name    TEXT NOT NULL DEFAULT '',
    last_seen_at   BIGINT NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    max_bytes_per_second BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);

CREATE TABLE replication_policies (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT NOT NULL UNIQUE,
    repo_selector  TEXT NOT NULL,
    peer_selector  TEXT NOT NULL,
    mode           TEXT NOT NULL,
    priority       TEXT NOT NULL,
    schedule_every BIGINT NOT NULL DEFAULT 0,
    sync_window    TEXT NOT NULL DEFAULT '',
    enabled        BOOLEAN NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE replication_outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id BIGINT NOT NULL,
    path          TEXT NOT NULL,
    deleted       BOOLEAN NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE replication_tasks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    peer_id       BIGINT NOT NULL,
    repository    TEXT NOT NULL,
    path          TEXT NOT NULL,
    gen           BIGINT NOT NULL DEFAULT 1,
    held          BOOLEAN NOT NULL DEFAULT 0,
    due_at        BIGINT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_holder  TEXT NOT NULL DEFAULT '',
    lease_until   BIGINT NOT NULL DEFAULT 0,
    upload_id     TEXT NOT NULL DEFAULT '',
    upload_sha256 TEXT NOT NULL DEFAULT '',
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    UNIQUE (peer_id, repository, path)
);

CREATE INDEX replication_tasks_due ON replication_tasks (held, due_at);

CREATE TABLE replication_instances (
    instance_id  TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
