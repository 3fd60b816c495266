-- Background jobs run once per interval across every replica: a job's row
-- holds the lease (holder, lease_until) a replica claims with one UPDATE,
-- renews while the run lasts, and releases when done. A holder that dies
-- stops renewing, so its lease expires and another replica takes the job.
-- Times are Unix nanoseconds.

CREATE TABLE job_leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    started_at  BIGINT NOT NULL DEFAULT 0,
    finished_at BIGINT NOT NULL DEFAULT 0,
    runs        BIGINT NOT NULL DEFAULT 0,
    failures    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT ''
);
