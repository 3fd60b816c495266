#!/usr/bin/env bash
# The whole test suite: starts PostgreSQL and an S3 server (installing them
# when missing), builds the plugins, runs the lint (.ci/lint.sh), runs every
# Go test on SQLite and PostgreSQL (the root module and the nested ones:
# sdk/go, plugins/*, tools/*), checks every built plugin against the WIT contract and that the
# glue generated from it is fresh, builds and unit-tests the web UI (web/),
# and runs the end-to-end tests with real package clients and the UI in
# Chromium; then stops what it started.
#
#   go tool task test                     # everything (what CI runs)
#   KEEPER_SKIP_E2E=1 go tool task test   # without the real-client e2e tests
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
mkdir -p .tools
LOG="$REPO/.tools/test-logs"
rm -rf "$LOG" && mkdir -p "$LOG"
failed=()
passed=0

# Every temporary file of the run (go test's, the keeper processes' scan
# workspaces and caches, the services' data) lives under one directory that
# is removed at the end, so a process killed mid-test leaks nothing. Readable
# by all: the PostgreSQL cluster runs as the postgres user.
TMPDIR=$(mktemp -d /tmp/keeper-ci.XXXXXX)
chmod 755 "$TMPDIR"
export TMPDIR

cleanup() {
	.ci/slapd.sh stop || true
	.ci/versitygw.sh stop || true
	.ci/postgres.sh stop || true
	rm -rf "$TMPDIR"
	echo "disk at the end: $(df -h --output=avail "$REPO" | tail -1 | tr -d ' ') free"
}
trap cleanup EXIT

step() { echo; echo "== $* ($(date +%T))"; }

# run NAME CMD...: runs a test command, keeps its output in .tools/test-logs,
# prints the summary lines and remembers a failure.
run() {
	local name=$1; shift
	if "$@" >"$LOG/$name.log" 2>&1; then
		grep -E '^(ok|FAIL|panic)' "$LOG/$name.log" || true
		echo "$name: ok"
		passed=$((passed + 1))
	else
		grep -E '^(FAIL|--- FAIL|panic:|\s+.*_test.go:[0-9]+:)' "$LOG/$name.log" | head -60 || tail -40 "$LOG/$name.log"
		echo "$name: FAILED (full log: .tools/test-logs/$name.log)"
		failed+=("$name")
	fi
}

# spawn NAME CMD...: like run, in the background; collect reaps it. Its
# summary lines print when it is collected.
spawned=()
spawn() {
	local name=$1; shift
	( failed=(); run "$name" "$@" >"$LOG/$name.summary"; [[ ${#failed[@]} -eq 0 ]] ) &
	spawned+=("$name:$!")
}
collect() {
	local entry
	for entry in "${spawned[@]}"; do
		if wait "${entry#*:}"; then passed=$((passed + 1)); else failed+=("${entry%%:*}"); fi
		cat "$LOG/${entry%%:*}.summary"
	done
	spawned=()
}

step "services"
echo "disk at the start: $(df -h --output=avail "$REPO" | tail -1 | tr -d ' ') free (a full run needs about 10 GiB)"
eval "$(.ci/postgres.sh start)"
eval "$(.ci/versitygw.sh start)"
eval "$(.ci/slapd.sh start)"
echo "PostgreSQL: ${KEEPER_TEST_POSTGRES_URL%%\?*}"
echo "S3: $KEEPER_TEST_S3_ENDPOINT"
echo "LDAP: $KEEPER_TEST_LDAP_URL"

step "clients for the end-to-end tests"
if [[ -z "${KEEPER_SKIP_E2E:-}" ]]; then
	# Trivy and Grype take minutes to build (skipped when the pinned
	# versions are in .tools/bin): build them while the other suites run.
	bash .ci/scanners.sh >"$LOG/scanners.log" 2>&1 &
	scanners_pid=$!
	bash e2e/install-clients.sh all >"$LOG/install-clients.log" 2>&1 || { tail -20 "$LOG/install-clients.log"; failed+=(install-clients); }
	export PATH="$REPO/.tools/bin:$PATH"
fi

# Tests share one wazero compilation cache: each plugin module is compiled once.
export KEEPER_TEST_WASM_CACHE="$REPO/.tools/wasm-test-cache"
mkdir -p "$KEEPER_TEST_WASM_CACHE"

step "web UI: lockfile without registry addresses, npm ci, build, vitest"
run web-lockfile bash -c '! grep -n "\"resolved\"" web/package-lock.json'
run web-build bash -c 'cd web && npm ci --no-audit --no-fund && npm run build'
run web-test bash -c 'cd web && npx vitest run'
# Screenshots of every page from the browser e2e (TestWebUI), kept as CI artifacts.
export KEEPER_UI_ARTIFACTS="$REPO/.tools/ui-artifacts"

step "lint (gofmt, go vet, staticcheck, deadcode, go mod tidy -diff)"
run lint bash .ci/lint.sh

step "contract check of every built plugin"
run witcheck bash -c 'cd tools/witcheck && go run . -wit ../../wit/keeper-format.wit ../../adapters/wasm/builtin/wasm/*.wasm'

step "generated canonical-ABI glue is fresh (tools/witgen)"
run witgen bash .ci/witgen.sh

if [[ -z "${KEEPER_SKIP_E2E:-}" ]]; then
	# The fuzz harness runs for a fixed time against its own keeper: it runs
	# beside the nested modules' short tests.
	step "HTTP fuzz harness (in the background): 3 minutes of mutated requests against a real keeper"
	spawn fuzz-http env KEEPER_FUZZ_DURATION=3m go test -count=1 -timeout 20m -run TestHTTPFuzz -v ./e2e/fuzz/
fi

step "nested modules (sdk, plugins, tools)"
for mod in sdk/go plugins/*/ tools/*/; do
	mod=${mod%/}
	[[ -f $mod/go.mod ]] || continue
	run "test-$(echo "$mod" | tr / -)" go -C "$mod" test -count=1 ./...
done

collect

step "root module (SQLite always; PostgreSQL and S3 through the variables above)"
pkgs=$(go list ./... | grep -v /e2e)
run test-root go test -race -count=1 -timeout 30m $pkgs

if [[ -z "${KEEPER_SKIP_E2E:-}" ]]; then
	step "end-to-end: real keeper processes and real package clients"
	wait "$scanners_pid" || { tail -20 "$LOG/scanners.log"; failed+=(scanners); }
	# One run: the browser suites (not parallel) first, then the rest four at
	# a time. Run beside each other they loaded the 2 cores enough to starve
	# the scanners (nice 19) and the webhook retries of their deadlines.
	run test-e2e go test -count=1 -parallel 4 -timeout 50m ./e2e/...
fi

echo
echo "suites: $passed passed, ${#failed[@]} failed"
if [[ ${#failed[@]} -gt 0 ]]; then
	echo "FAILED: ${failed[*]}"
	exit 1
fi
echo "all test suites passed"
