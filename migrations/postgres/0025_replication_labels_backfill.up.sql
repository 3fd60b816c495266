-- Replication (issue 18), third part. Peers gain labels (a JSON object of
-- key to value) that a sync policy's peer selector matches. A backfill is
-- "send peer the whole current state of a repository": the sender walks the
-- repository's change feed from feed_id and queues a task per live path,
-- key-value and version, moving feed_id as it goes, so a backfill
-- interrupted by a restart resumes where it stood. immediate: its tasks are
-- due now (an on-demand sync), not when the selecting policies say.
ALTER TABLE replication_peers ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';

CREATE TABLE replication_backfills (
    peer_id       BIGINT NOT NULL,
    repository_id BIGINT NOT NULL,
    repository    TEXT NOT NULL,
    feed_id       BIGINT NOT NULL DEFAULT 0,
    immediate     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (peer_id, repository_id)
);
