-- What each plugin's module described when it was last loaded (JSON), so a
-- replica routes to it at start without compiling; and each replica's
-- applied state of each plugin, shown by the plugin API.
ALTER TABLE plugins ADD COLUMN info TEXT NOT NULL DEFAULT '';

CREATE TABLE plugin_replicas (
    replica    TEXT NOT NULL,
    plugin_id  TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT '',
    digest     TEXT NOT NULL DEFAULT '',
    enabled    BOOLEAN NOT NULL DEFAULT FALSE,
    last_error TEXT NOT NULL DEFAULT '',
    seen_at    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (replica, plugin_id)
);
