-- Replication (issue 18), second part. A change or task names a plugin
-- key-value, a package version or a deleted repository by a path starting
-- with a control character (ports.ChangeMark), which no file path holds.
-- A repository's deletion keeps its key and format in the outbox row (the
-- repository row is gone when the dispatcher reads it). Policies gain an
-- opt-in for replicating repository deletion and a cron schedule.

ALTER TABLE replication_outbox ADD COLUMN repo_key TEXT NOT NULL DEFAULT '';
ALTER TABLE replication_outbox ADD COLUMN repo_format TEXT NOT NULL DEFAULT '';
ALTER TABLE replication_policies ADD COLUMN delete_repositories BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE replication_policies ADD COLUMN schedule_cron TEXT NOT NULL DEFAULT '';

-- The change feed a pulling peer reads (pull and mirror policies): the
-- latest change of every path, key-value and version of a repository, in
-- write order. A write replaces the earlier row of its path, so the feed
-- stays as large as what a repository ever held; it starts from what is
-- stored now. replication_cursors is how far this instance pulled each
-- repository of each peer (and which of the peer's repositories it was).
CREATE TABLE replication_feed (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id BIGINT NOT NULL,
    path          TEXT NOT NULL,
    deleted       BOOLEAN NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);
CREATE INDEX replication_feed_path ON replication_feed (repository_id, path);
CREATE INDEX replication_feed_since ON replication_feed (repository_id, id);

INSERT INTO replication_feed (repository_id, path, deleted, created_at)
    SELECT repository_id, path, 0, 0 FROM files;
INSERT INTO replication_feed (repository_id, path, deleted, created_at)
    SELECT repository_id, char(1) || 'k' || namespace || char(1) || key, 0, 0 FROM plugin_kv
    WHERE instr(namespace, char(1)) = 0;
INSERT INTO replication_feed (repository_id, path, deleted, created_at)
    SELECT p.repository_id, char(1) || 'v' || p.name || char(1) || v.version, 0, 0
    FROM versions v JOIN packages p ON p.id = v.package_id WHERE instr(p.name, char(1)) = 0;

CREATE TABLE replication_cursors (
    peer_id           BIGINT NOT NULL,
    repository        TEXT NOT NULL,
    hub_repository_id BIGINT NOT NULL DEFAULT 0,
    feed_id           BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (peer_id, repository)
);
