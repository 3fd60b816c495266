-- Managed signing keys (core/signing): the private key is sealed by the
-- server's secret box (sealed_private, bound to the key id); public_key is
-- the armored OpenPGP public key. status: active, retired (replaced by a
-- rotation, still published), revoked. Times are Unix nanoseconds.
CREATE TABLE signing_keys (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    algorithm      TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    status         TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    sealed_private TEXT NOT NULL,
    replaced_by    TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- Which key signs a repository (by repository key: a repository deleted
-- and created again under the same key keeps its signing configuration).
CREATE TABLE repository_signing (
    repo_key TEXT PRIMARY KEY,
    key_id   TEXT NOT NULL REFERENCES signing_keys (id) ON DELETE CASCADE
);
CREATE INDEX repository_signing_key ON repository_signing (key_id);
