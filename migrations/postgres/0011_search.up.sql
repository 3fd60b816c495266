-- Search (issue 16). search_outbox is the durable indexing queue: the
-- metadata store adds a row in the same transaction as every change to a
-- package (package empty: the repository was deleted), and the indexer job
-- removes rows once the index has them, so a crash after a commit loses
-- nothing. The other tables are the built-in index: one document per
-- package with a weighted tsvector (name A, keywords B, description C,
-- versions and other metadata D) and the whole document as JSON, and its
-- files' SHA-256 for lookups by checksum. Times are Unix nanoseconds.

CREATE TABLE search_outbox (
    id            BIGSERIAL PRIMARY KEY,
    repository_id BIGINT NOT NULL,
    package       TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE search_documents (
    id            BIGSERIAL PRIMARY KEY,
    doc_id        TEXT NOT NULL UNIQUE,
    repository_id BIGINT NOT NULL,
    repository    TEXT NOT NULL,
    format        TEXT NOT NULL,
    package       TEXT NOT NULL,
    words         TSVECTOR NOT NULL,
    document      TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Facets and browsing (no words) read these indexes only.
CREATE INDEX search_documents_repo ON search_documents (repository_id, format, repository);

CREATE INDEX search_documents_package ON search_documents (package, repository);

CREATE INDEX search_documents_words ON search_documents USING GIN (words);

CREATE TABLE search_checksums (
    doc_id  TEXT NOT NULL,
    sha256  TEXT NOT NULL,
    path    TEXT NOT NULL,
    version TEXT NOT NULL
);

CREATE INDEX search_checksums_sha256 ON search_checksums (sha256);

CREATE INDEX search_checksums_doc ON search_checksums (doc_id);

-- Trigram similarity on package names tolerates typos. pg_trgm is a trusted
-- extension (a database owner may create it), but a role without that right
-- or a server without contrib gets plain full-text search: the adapter checks
-- for the index at start.
DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE INDEX search_documents_package_trgm ON search_documents USING GIN (lower(package) gin_trgm_ops); EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'pg_trgm is unavailable: search runs without typo tolerance'; END $$;

-- Index what an existing installation already holds.
INSERT INTO search_outbox (repository_id, package, created_at)
    SELECT repository_id, name, 0 FROM packages ORDER BY id;
