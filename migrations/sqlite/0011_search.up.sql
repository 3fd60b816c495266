-- Search (issue 16). search_outbox is the durable indexing queue: the
-- metadata store adds a row in the same transaction as every change to a
-- package (package empty: the repository was deleted), and the indexer job
-- removes rows once the index has them, so a crash after a commit loses
-- nothing. The other tables are the built-in index: one document per
-- package (search_documents, with the whole document as JSON), its words in
-- an FTS5 table whose rowid is the document's id, and its files' SHA-256
-- for lookups by checksum. Times are Unix nanoseconds.

CREATE TABLE search_outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id BIGINT NOT NULL,
    package       TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE search_documents (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id        TEXT NOT NULL UNIQUE,
    repository_id BIGINT NOT NULL,
    repository    TEXT NOT NULL,
    format        TEXT NOT NULL,
    package       TEXT NOT NULL,
    document      TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Facets and browsing (no words) read these indexes only.
CREATE INDEX search_documents_repo ON search_documents (repository_id, format, repository);

CREATE INDEX search_documents_package ON search_documents (package, repository);

CREATE VIRTUAL TABLE search_fts USING fts5 (
    package, keywords, description, versions, body,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TABLE search_checksums (
    doc_id  TEXT NOT NULL,
    sha256  TEXT NOT NULL,
    path    TEXT NOT NULL,
    version TEXT NOT NULL
);

CREATE INDEX search_checksums_sha256 ON search_checksums (sha256);

CREATE INDEX search_checksums_doc ON search_checksums (doc_id);

-- Index what an existing installation already holds.
INSERT INTO search_outbox (repository_id, package, created_at)
    SELECT repository_id, name, 0 FROM packages ORDER BY id;
