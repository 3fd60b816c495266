-- Rescan when a vulnerability database changes (issue 15): each verdict
-- records the fingerprints of the scanners' databases it was made with
-- ("grype=…,trivy=…"); verdicts made with other databases are queued again.
ALTER TABLE scan_results ADD COLUMN db_versions TEXT NOT NULL DEFAULT '';
CREATE INDEX scan_results_db_versions_idx ON scan_results (db_versions);
