-- Credentials and authorization hardening (issue 20): derived tokens carry
-- the credential they die with; failed password checks are counted per
-- (account, source) for every replica.

ALTER TABLE api_tokens ADD COLUMN parent TEXT NOT NULL DEFAULT '';
CREATE INDEX api_tokens_parent_idx ON api_tokens (parent);

CREATE TABLE login_failures (
    username     TEXT NOT NULL,
    source       TEXT NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    updated_at   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (username, source)
);
CREATE INDEX login_failures_updated_idx ON login_failures (updated_at);

-- Fixed-window counters shared by every replica (the login rate limit).
CREATE TABLE rate_windows (
    bucket       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, window_start)
);

-- TOTP two-factor enrolments (pending until confirmed with a first code).
CREATE TABLE user_totp (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT FALSE,
    recovery   TEXT NOT NULL DEFAULT '[]',
    last_step  BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL DEFAULT 0
);
