-- Download statistics (issue 17). One row per day (UTC, 'YYYY-MM-DD'),
-- repository key, stored path and user (empty: anonymous); every replica
-- adds its batched counts to the row with an upsert, so the counts sum up
-- across replicas and flushes.
CREATE TABLE download_stats (
    day        TEXT NOT NULL,
    repository TEXT NOT NULL,
    path       TEXT NOT NULL,
    username   TEXT NOT NULL DEFAULT '',
    downloads  BIGINT NOT NULL,
    bytes      BIGINT NOT NULL,
    PRIMARY KEY (repository, path, username, day)
);

-- Queries over a range of days for every repository (the dashboard chart).
CREATE INDEX download_stats_day ON download_stats (day, repository);
