-- Identity and access: groups, refresh-token sessions, audit log, policies (PostgreSQL).

CREATE TABLE user_groups (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT,
    CONSTRAINT user_groups_name_uq UNIQUE (name)
);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_idx ON group_members (user_id);

CREATE TABLE refresh_sessions (
    id         TEXT PRIMARY KEY,
    family     TEXT NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT,
    used_at    BIGINT,
    revoked_at BIGINT,
    created_at BIGINT
);
CREATE INDEX refresh_sessions_family_idx ON refresh_sessions (family);
CREATE INDEX refresh_sessions_user_idx ON refresh_sessions (user_id);

CREATE TABLE audit_events (
    id       BIGSERIAL PRIMARY KEY,
    at       BIGINT NOT NULL,
    actor_id BIGINT NOT NULL DEFAULT 0,
    actor    TEXT NOT NULL DEFAULT '',
    action   TEXT NOT NULL,
    target   TEXT NOT NULL DEFAULT '',
    outcome  TEXT NOT NULL DEFAULT '',
    ip       TEXT NOT NULL DEFAULT '',
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, at);
CREATE INDEX audit_events_action_idx ON audit_events (action, at);

CREATE TABLE casbin_rules (
    id    BIGSERIAL PRIMARY KEY,
    ptype TEXT NOT NULL,
    v0    TEXT NOT NULL DEFAULT '',
    v1    TEXT NOT NULL DEFAULT '',
    v2    TEXT NOT NULL DEFAULT '',
    v3    TEXT NOT NULL DEFAULT '',
    v4    TEXT NOT NULL DEFAULT '',
    v5    TEXT NOT NULL DEFAULT ''
);

-- One row: the policy version every replica polls; bumped on each change.
CREATE TABLE policy_state (
    id      INTEGER PRIMARY KEY,
    version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO policy_state (id, version) VALUES (1, 0);
