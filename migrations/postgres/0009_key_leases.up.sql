-- Short leases on a key that make one piece of work single across replicas
-- (a remote repository's upstream fetch of one path): a replica inserts or
-- takes over an expired row, renews it while the work lasts and deletes it
-- when done; the others poll until it is gone. A holder that dies stops
-- renewing, so its lease expires. lease_key is the hex SHA-256 of the key;
-- lease_until is Unix nanoseconds.

CREATE TABLE key_leases (
    lease_key   TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    lease_until BIGINT NOT NULL
);
