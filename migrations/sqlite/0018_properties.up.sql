-- Properties (issue 17): Artifactory-style key/value labels on artifacts
-- and repositories. A key may hold several values (one row each). An
-- artifact's properties follow its file row: deleting the path deletes
-- them, overwriting it in place keeps them.

CREATE TABLE artifact_properties (
    file_id BIGINT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (file_id, key, value)
);
CREATE INDEX artifact_properties_kv_idx ON artifact_properties (key, value);

CREATE TABLE repository_properties (
    repository_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (repository_id, key, value)
);
CREATE INDEX repository_properties_kv_idx ON repository_properties (key, value);
