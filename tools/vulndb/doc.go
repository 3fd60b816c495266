// Command vulndb writes tiny offline vulnerability databases for Trivy
// (schema 2, BoltDB) and Grype (schema v6) from a JSON list of advisories,
// so the scan tests run the real scanners without any network. It is its own
// module so the server never depends on Grype.
//
//	vulndb -advisories advisories.json -trivy DIR -grype DIR
//
// DIR for Trivy is used as TRIVY_CACHE_DIR; the Grype directory receives a
// vulnerability.db to load with `grype db import DIR/vulnerability.db`.
// The recipe is described in docs/scanning.md.
package main
