-- Initial Keeper metadata schema (PostgreSQL 15+).
-- Times are BIGINT unix nanoseconds (UTC); NULL means "unset".

CREATE TABLE repositories (
    id              BIGSERIAL PRIMARY KEY,
    key             TEXT COLLATE "C" NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    format          TEXT NOT NULL,
    repo_type       TEXT NOT NULL,
    is_public       BOOLEAN NOT NULL DEFAULT FALSE,
    description     TEXT NOT NULL DEFAULT '',
    upstream_url    TEXT NOT NULL DEFAULT '',
    allow_overwrite BOOLEAN NOT NULL DEFAULT FALSE,
    config          TEXT NOT NULL DEFAULT '{}',
    generation      BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT,
    updated_at      BIGINT,
    CONSTRAINT repositories_key_uq UNIQUE (key)
);
CREATE INDEX repositories_format_idx ON repositories (format, repo_type);

CREATE TABLE repository_members (
    virtual_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    member_id  BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    priority   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (virtual_id, member_id)
);
CREATE INDEX repository_members_member_idx ON repository_members (member_id);

CREATE TABLE packages (
    id            BIGSERIAL PRIMARY KEY,
    repository_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    name          TEXT COLLATE "C" NOT NULL,
    created_at    BIGINT,
    updated_at    BIGINT,
    CONSTRAINT packages_repo_name_uq UNIQUE (repository_id, name)
);

CREATE TABLE versions (
    id         BIGSERIAL PRIMARY KEY,
    package_id BIGINT NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
    version    TEXT COLLATE "C" NOT NULL,
    metadata   BYTEA,
    created_at BIGINT,
    CONSTRAINT versions_pkg_version_uq UNIQUE (package_id, version)
);

CREATE TABLE files (
    id            BIGSERIAL PRIMARY KEY,
    repository_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    path          TEXT COLLATE "C" NOT NULL,
    blob_digest   TEXT NOT NULL,
    size          BIGINT NOT NULL DEFAULT 0,
    content_type  TEXT NOT NULL DEFAULT '',
    sha256        TEXT NOT NULL DEFAULT '',
    sha1          TEXT NOT NULL DEFAULT '',
    md5           TEXT NOT NULL DEFAULT '',
    sha512        TEXT NOT NULL DEFAULT '',
    package       TEXT NOT NULL DEFAULT '',
    version       TEXT NOT NULL DEFAULT '',
    metadata      BYTEA,
    created_at    BIGINT,
    CONSTRAINT files_repo_path_uq UNIQUE (repository_id, path)
);
CREATE INDEX files_blob_digest_idx ON files (blob_digest);
CREATE INDEX files_repo_package_idx ON files (repository_id, package, path);

CREATE TABLE plugin_kv (
    repository_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    namespace     TEXT COLLATE "C" NOT NULL,
    key           TEXT COLLATE "C" NOT NULL,
    value         BYTEA NOT NULL,
    PRIMARY KEY (repository_id, namespace, key)
);

CREATE TABLE users (
    id                   BIGSERIAL PRIMARY KEY,
    username             TEXT COLLATE "C" NOT NULL,
    email                TEXT NOT NULL DEFAULT '',
    display_name         TEXT NOT NULL DEFAULT '',
    password_hash        TEXT NOT NULL DEFAULT '',
    is_admin             BOOLEAN NOT NULL DEFAULT FALSE,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         BIGINT,
    created_at           BIGINT,
    updated_at           BIGINT,
    CONSTRAINT users_username_uq UNIQUE (username)
);

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL,
    scopes       TEXT,
    repos        TEXT,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    created_at   BIGINT,
    CONSTRAINT api_tokens_prefix_uq UNIQUE (prefix)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE settings (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE upload_sessions (
    id              TEXT PRIMARY KEY,
    repository_key  TEXT NOT NULL,
    artifact_path   TEXT NOT NULL DEFAULT '',
    total_size      BIGINT NOT NULL DEFAULT 0,
    checksum_sha256 TEXT NOT NULL DEFAULT '',
    received        BIGINT NOT NULL DEFAULT 0,
    created_by      BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT,
    updated_at      BIGINT
);
CREATE INDEX upload_sessions_updated_idx ON upload_sessions (updated_at);

CREATE TABLE upload_chunks (
    session_id   TEXT NOT NULL REFERENCES upload_sessions (id) ON DELETE CASCADE,
    start_offset BIGINT NOT NULL,
    size         BIGINT NOT NULL,
    digest       TEXT NOT NULL,
    PRIMARY KEY (session_id, start_offset)
);
CREATE INDEX upload_chunks_digest_idx ON upload_chunks (digest);

CREATE TABLE plugins (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    version     TEXT NOT NULL DEFAULT '',
    format      TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    digest      TEXT NOT NULL DEFAULT '',
    enabled     BOOLEAN NOT NULL DEFAULT FALSE,
    built_in    BOOLEAN NOT NULL DEFAULT FALSE,
    limits      TEXT NOT NULL DEFAULT '{}',
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT,
    updated_at  BIGINT
);
