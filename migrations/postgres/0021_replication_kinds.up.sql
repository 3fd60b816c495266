-- Replication (issue 18), second part. A change or task names a plugin
-- key-value, a package version or a deleted repository by a path starting
-- with a control character (ports.ChangeMark), which no file path holds.
-- A repository's deletion keeps its key and format in the outbox row (the
-- repository row is gone when the dispatcher reads it). Policies gain an
-- opt-in for replicating repository deletion and a cron schedule.

ALTER TABLE replication_outbox ADD COLUMN repo_key TEXT NOT NULL DEFAULT '';
ALTER TABLE replication_outbox ADD COLUMN repo_format TEXT NOT NULL DEFAULT '';
ALTER TABLE replication_policies ADD COLUMN delete_repositories BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE replication_policies ADD COLUMN schedule_cron TEXT NOT NULL DEFAULT '';
