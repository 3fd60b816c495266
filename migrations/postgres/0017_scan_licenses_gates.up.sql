-- License facts, license policies and quality gates (issue 15): the
-- licenses the packages inside each scanned content declare (JSON list of
-- {package, license, category}), the SPDX ids a policy refuses
-- (comma-separated), and the quality gate a policy attaches to downloads.
ALTER TABLE scan_results ADD COLUMN licenses BYTEA;
ALTER TABLE scan_policies ADD COLUMN deny_licenses TEXT NOT NULL DEFAULT '';
ALTER TABLE scan_policies ADD COLUMN quality_gate TEXT NOT NULL DEFAULT '';

-- Quality gates: named rules (JSON: min_grade, max_critical, max_high,
-- deny_licenses).
CREATE TABLE quality_gates (
    name       TEXT PRIMARY KEY,
    rules      BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
);
