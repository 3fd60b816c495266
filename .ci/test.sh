#!/usr/bin/env bash
# The whole test suite: starts PostgreSQL and an S3 server (installing them
# when missing), builds the plugins, runs every Go test on SQLite and
# PostgreSQL, checks the plugins against the WIT contract, runs the
# end-to-end client tests, and stops what it started.
#
#   go tool task test            # everything
#   KEEPER_SKIP_E2E=1 go tool task test   # without the real-client e2e tests
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

cleanup() {
	.ci/versitygw.sh stop || true
	.ci/postgres.sh stop || true
}
trap cleanup EXIT

echo "== services"
eval "$(.ci/postgres.sh start)"
eval "$(.ci/versitygw.sh start)"
echo "PostgreSQL: ${KEEPER_TEST_POSTGRES_URL%%\?*}"
echo "S3: $KEEPER_TEST_S3_ENDPOINT"

echo "== go vet"
go vet ./...

echo "== go test (SQLite always; PostgreSQL and S3 through the variables above)"
go test -race -count=1 -timeout 30m ./... 2>&1 | tee "$REPO/.tools/go-test.log" | grep -v '^ok\|no test files' || true
if grep -q '^FAIL\|^--- FAIL\|^panic:' "$REPO/.tools/go-test.log"; then
	echo "go test failed" >&2
	exit 1
fi
grep -c '^ok' "$REPO/.tools/go-test.log" | xargs echo "packages passed:"
