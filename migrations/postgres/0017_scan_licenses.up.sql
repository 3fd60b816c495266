-- License facts and license policies (issue 15): the licenses the packages
-- inside each scanned content declare (JSON list of {package, license,
-- category}), and the SPDX ids a policy refuses (comma-separated).
ALTER TABLE scan_results ADD COLUMN licenses BYTEA;
ALTER TABLE scan_policies ADD COLUMN deny_licenses TEXT NOT NULL DEFAULT '';
