#!/usr/bin/env bash
# The cost of the security fixes (issue 20, figures): small authorized GET
# req/s and login/s of keeper BEFORE the security work (commit ec44298) and
# AFTER (the working tree), both binaries run one after the other in the same
# run on the same machine, runs interleaved (before, after, before, …).
#
#   bash bench/authcost.sh
#
# Environment: BENCH_RUNS (default 3), BENCH_DURATION (wrk duration, default 10s),
# BENCH_BEFORE (commit, default ec44298), BENCH_BEFORE_BIN / BENCH_AFTER_BIN
# (use these keeper binaries instead of building), BENCH_KEEP=1, BENCH_RESULTS.
set -euo pipefail

RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-10s}
BEFORE=${BENCH_BEFORE:-ec44298}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d /tmp/keeper-authcost.XXXXXX)
RES=$WORK/results.jsonl
BIN=$WORK/bin
PASS=bench-$RANDOM-$RANDOM-pass

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# build_both: kbench, keeper from the working tree (its plugins as built
# there) and keeper at $BEFORE (exported with git archive, plugins built).
build_both() {
	mkdir -p "$BIN"
	(cd "$ROOT" && go build -o "$BIN/kbench" ./bench/cmd/kbench) || die "cannot build kbench"
	if [ -n "${BENCH_AFTER_BIN:-}" ]; then
		cp "$BENCH_AFTER_BIN" "$BIN/keeper-after"
	else
		(cd "$ROOT" && go build -o "$BIN/keeper-after" ./cmd/keeper) || die "cannot build keeper (after)"
	fi
	if [ -n "${BENCH_BEFORE_BIN:-}" ]; then
		cp "$BENCH_BEFORE_BIN" "$BIN/keeper-before"
		return
	fi
	log "building keeper at $BEFORE (plugins included; a few minutes)"
	mkdir -p "$WORK/before-src"
	git -C "$ROOT" archive "$BEFORE" | tar -x -C "$WORK/before-src"
	(cd "$WORK/before-src" && go run ./adapters/wasm/builtin/build >"$WORK/before-build.log" 2>&1 &&
		go build -o "$BIN/keeper-before" ./cmd/keeper 2>>"$WORK/before-build.log") || die "cannot build keeper at $BEFORE"
}

# serve WHICH: start keeper-WHICH on a fresh data directory with a private
# repository holding a 1 KiB file; sets TOKEN (admin session) and APITOKEN.
serve() {
	cp "$BIN/keeper-$1" "$BIN/keeper"
	rm -rf "$WORK/keeper-data"
	# The login limit (10/min) would measure the limiter, not the login.
	export KEEPER_RATE_LIMIT_LOGIN_REQUESTS=0
	start_keeper || die "keeper-$1 does not start"
	TOKEN=$(token) || die "login failed"
	curl -sf -o /dev/null -X POST "$KEEPER_URL/api/v1/repositories" -H "Authorization: Bearer $TOKEN" \
		-d '{"key":"priv","format":"generic","repo_type":"local","is_public":false}' || die "create repository failed"
	# Later versions take generic uploads only through the format's own route.
	curl -sf -o /dev/null -T "$WORK/small.bin" -H "Authorization: Bearer $TOKEN" "$KEEPER_URL/api/v1/repositories/priv/artifacts/small.bin" ||
		curl -sf -o /dev/null -T "$WORK/small.bin" -H "Authorization: Bearer $TOKEN" "$KEEPER_URL/generic/priv/small.bin" ||
		die "upload failed"
	APITOKEN=$(curl -sf -X POST "$KEEPER_URL/api/v1/users/me/tokens" -H "Authorization: Bearer $TOKEN" -d '{"name":"bench"}' |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') || die "token failed"
	# Anonymous callers must not read it: the GETs below are authorized ones.
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$KEEPER_URL/api/v1/repositories/priv/download/small.bin")" != 200 ] ||
		die "the private file is readable anonymously"
}

measure() { # WHICH
	local url=$KEEPER_URL/api/v1/repositories/priv/download/small.bin
	wrk -t2 -c32 -d2s -H "Authorization: Bearer $TOKEN" "$url" >/dev/null # warm
	"$BIN/kbench" wrk -figure get1k-jwt-c32 -subject "$1" -pids "$KEEPER_PID" -out "$RES" -- \
		wrk -t2 -c32 -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" "$url"
	"$BIN/kbench" wrk -figure get1k-apitoken-c32 -subject "$1" -pids "$KEEPER_PID" -out "$RES" -- \
		wrk -t2 -c32 -d"$DURATION" --latency -H "Authorization: Bearer $APITOKEN" "$url"
	cat >"$WORK/login.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"username":"admin","password":"$PASS"}'
wrk.headers["Content-Type"] = "application/json"
LUA
	"$BIN/kbench" wrk -figure login-c4 -subject "$1" -pids "$KEEPER_PID" -out "$RES" -- \
		wrk -t2 -c4 -d"$DURATION" --latency -s "$WORK/login.lua" "$KEEPER_URL/api/v1/auth/login"
}

main() {
	install_tools wrk curl python3
	build_both
	head -c 1024 /dev/urandom >"$WORK/small.bin"
	local r which
	for r in $(seq 1 "$RUNS"); do
		for which in before after; do
			log "run $r/$RUNS: keeper $which"
			serve "$which"
			measure "$which"
			stop_keeper
		done
	done
	[ -n "${BENCH_RESULTS:-}" ] && cp "$RES" "$BENCH_RESULTS"
	echo
	echo "Cost of the security fixes — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, before $BEFORE, after $(git -C "$ROOT" rev-parse --short HEAD)"
	python3 - "$RES" <<'PY'
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
figs = sorted({r["figure"] for r in recs}, key=lambda f: ("login" in f, f))
def med(f, s, k):
    v = [r.get(k, 0) for r in recs if r["figure"] == f and r["subject"] == s and r["valid"]]
    bad = sum(1 for r in recs if r["figure"] == f and r["subject"] == s and not r["valid"])
    return (statistics.median(v) if v else float("nan")), len(v), bad
print("| figure | before req/s | after req/s | after/before | before CPU µs/req | after CPU µs/req | after/before | runs (invalid) |")
print("|---|---|---|---|---|---|---|---|")
for f in figs:
    b, nb, xb = med(f, "before", "rps"); a, na, xa = med(f, "after", "rps")
    bc, _, _ = med(f, "before", "cpu_us_per_req"); ac, _, _ = med(f, "after", "cpu_us_per_req")
    print(f"| {f} | {b:,.0f} | {a:,.0f} | {a/b:.2f}× | {bc:,.0f} | {ac:,.0f} | {ac/bc:.2f}× | {nb}+{na} ({xb}+{xa}) |")
PY
}

main "$@"
