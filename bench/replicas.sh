#!/usr/bin/env bash
# Scale-out figures (issue 22): throughput of 1, 2 and 3 keeper replicas on one
# PostgreSQL and one shared filesystem blob store, for 1 KiB GETs and for
# uploads. All replicas run throughout; the figure for N replicas sends the load
# to the first N, each request to the next one in turn (kbench spread), and the
# runs interleave the counts. See bench/README.md, "Scale-out: replicas".
#
#   bash bench/replicas.sh
#
# Environment: BENCH_RUNS (3), BENCH_DURATION (10s per run), BENCH_CONNS (32),
# BENCH_UPLOAD_BYTES (65536), BENCH_UPLOAD_REPOS (1: every upload goes to one
# repository; K: worker w uploads to repository up<w mod K>), BENCH_REPLICAS ("1 2 3"), BENCH_PIN (1: replica i
# runs under taskset on core i mod nproc, so GOMAXPROCS is 1 per replica; 0:
# unpinned), BENCH_KEEPER_BIN, BENCH_KEEP, BENCH_RESULTS as in bench/run.sh.
# PostgreSQL: KEEPER_TEST_POSTGRES_URL when set, else .ci/postgres.sh starts a
# throw-away one and stops it at the end.
set -euo pipefail

RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNS:-32}
UPLOAD=${BENCH_UPLOAD_BYTES:-65536}
UPLOAD_REPOS=${BENCH_UPLOAD_REPOS:-1}
COUNTS=${BENCH_REPLICAS:-1 2 3}
PIN=${BENCH_PIN:-1}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d /tmp/keeper-bench-replicas.XXXXXX)
RES=$WORK/results.jsonl
BIN=$WORK/bin
PASS=bench-$RANDOM-$RANDOM-pass
REPO=bench
PG_STARTED=
REPLICA_PIDS=()
REPLICA_URLS=()
TOKEN=

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

stop_replicas() {
	local p
	for p in ${REPLICA_PIDS[@]+"${REPLICA_PIDS[@]}"}; do stop_pid "$p"; done
	REPLICA_PIDS=() REPLICA_URLS=()
}
extra_cleanup() {
	stop_replicas
	if [ -n "$PG_STARTED" ]; then "$ROOT/.ci/postgres.sh" stop; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_all() {
	mkdir -p "$BIN"
	(cd "$ROOT" && go build -o "$BIN/kbench" ./bench/cmd/kbench) || die "cannot build bench/cmd/kbench"
	if [ -n "${BENCH_KEEPER_BIN:-}" ]; then
		cp "$BENCH_KEEPER_BIN" "$BIN/keeper"
		KEEPER_FROM=$BENCH_KEEPER_BIN
		return
	fi
	# The built-in plugins embedded are those already built in adapters/wasm/builtin/wasm.
	(cd "$ROOT" && go build -o "$BIN/keeper" ./cmd/keeper) || die "cannot build keeper (built-in plugins missing? go tool task plugins)"
	KEEPER_FROM="working tree at $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo '+uncommitted')"
}

# postmaster_pid: the PostgreSQL server's pid (its backends are its children) when
# the server is local and readable, else nothing: then its CPU is not measured.
postmaster_pid() {
	local psql dir pid
	psql=$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
	[ -n "$psql" ] || psql=psql
	dir=$("$psql" "$PG_URL" -Atc "SELECT setting FROM pg_settings WHERE name = 'data_directory'" 2>/dev/null) || return 0
	pid=$(head -n 1 "$dir/postmaster.pid" 2>/dev/null) || return 0
	[ -r "/proc/$pid/stat" ] && echo "$pid"
	return 0
}

# fresh_db NAME: a new database on the server and its URL on stdout.
fresh_db() {
	local psql
	psql=$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
	[ -n "$psql" ] || psql=psql
	"$psql" "$PG_URL" -qc "CREATE DATABASE $1" >&2 || die "create database $1"
	python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$PG_URL" "$1"
}

# start_replica N I DBURL: replica I of N, pinned when PIN=1.
start_replica() {
	local n=$1 i=$2 db=$3 cpu= pre=() log url= j
	log=$WORK/r$n-$i.log
	if [ "$PIN" = 1 ]; then
		cpu=$((i % $(nproc)))
		pre=(taskset -c "$cpu")
	fi
	: >"$log"
	KEEPER_PLUGINS_CACHE_DIR=$BENCH_PLUGIN_CACHE KEEPER_ADMIN_PASSWORD=$PASS KEEPER_DATABASE_URL=$db \
		KEEPER_SECRETS_KEY=$SECRETS_KEY KEEPER_STORAGE_PATH=$WORK/blobs \
		${pre[@]+"${pre[@]}"} "$BIN/keeper" serve --listen 127.0.0.1:0 --data-dir "$WORK/r$n-$i" 2>>"$log" >/dev/null &
	REPLICA_PIDS+=($!)
	for j in $(seq 1 $((${BENCH_READY_TIMEOUT:-300} * 10))); do
		url=$(grep -o 'msg="keeper ready" url=http://127\.0\.0\.1:[0-9]*' "$log" | head -1 | sed 's/.*url=//') || true
		[ -n "$url" ] && break
		kill -0 "${REPLICA_PIDS[-1]}" 2>/dev/null || die "replica $i of $n exited: $(tail -3 "$log")"
		sleep 0.1
	done
	[ -n "$url" ] || die "replica $i of $n not ready after ${BENCH_READY_TIMEOUT:-300} s"
	REPLICA_URLS+=("$url")
	log "replica $i of $n: pid ${REPLICA_PIDS[-1]} at $url${cpu:+ (cpu $cpu)}"
}

# start_all: the largest count of replicas on one fresh database and blob directory,
# one repository with a 1 KiB artifact that every replica serves.
start_all() {
	local n=0 c i db t
	for c in $COUNTS; do [ "$c" -gt "$n" ] && n=$c; done
	db=$(fresh_db "bench_replicas_$$")
	mkdir -p "$WORK/blobs"
	for i in $(seq 0 $((n - 1))); do start_replica "$n" "$i" "$db"; done
	KEEPER_URL=${REPLICA_URLS[0]}
	TOKEN=$(token) || die "login failed"
	t=$TOKEN
	curl -sf -o /dev/null -X POST "$KEEPER_URL/api/v1/repositories" -H "Authorization: Bearer $t" \
		-d "{\"key\":\"$REPO\",\"format\":\"generic\",\"repo_type\":\"local\",\"is_public\":true}" || die "create repository failed"
	for i in $(seq 0 $((UPLOAD_REPOS - 1))); do
		curl -sf -o /dev/null -X POST "$KEEPER_URL/api/v1/repositories" -H "Authorization: Bearer $t" \
			-d "{\"key\":\"up$i\",\"format\":\"generic\",\"repo_type\":\"local\"}" || die "create repository up$i failed"
	done
	head -c 1024 /dev/urandom >"$WORK/small.bin"
	curl -sf -o /dev/null -T "$WORK/small.bin" -H "Authorization: Bearer $t" \
		"$KEEPER_URL/api/v1/repositories/$REPO/artifacts/small.bin" || die "upload of small.bin failed"
	for i in "${REPLICA_URLS[@]}"; do
		curl -sf -o /dev/null "$i/api/v1/repositories/$REPO/download/small.bin" || die "replica $i does not serve small.bin"
	done
}

# measure N RUN [OUT]: both figures against the first N replicas (the others stay idle).
measure() {
	local n=$1 run=$2 out=${3:-$RES} dur=${4:-$DURATION} urls pids cpus="" i
	for i in $(seq 0 $((n - 1))); do
		urls+="${urls:+,}${REPLICA_URLS[$i]}"
		pids+="${pids:+,}${REPLICA_PIDS[$i]}"
		if [ "$PIN" = 1 ]; then cpus+="${cpus:+,}$((i % $(nproc)))"; fi
	done
	echo "{\"n\":$n,\"cpus\":\"${cpus:-unpinned}\",\"load1\":$(loadavg)}" >>"$WORK/load.jsonl"
	"$BIN/kbench" spread -figure get1k -subject "$n" -out "$out" -pids "$pids" -db-pids "$PG_PID" -urls "$urls" \
		-path "/api/v1/repositories/$REPO/download/small.bin" -mode get -c "$CONNS" -d "$dur"
	"$BIN/kbench" spread -figure upload -subject "$n" -out "$out" -pids "$pids" -db-pids "$PG_PID" -urls "$urls" -token "$TOKEN" \
		-path "/api/v1/repositories/up{k}/artifacts/up-$n-$run" -keys "$UPLOAD_REPOS" -mode put -size "$UPLOAD" -c "$CONNS" -d "$dur"
}

# disk_reference: the filesystem's own rate for what every upload ends with, CONNS threads
# for 5 s each writing UPLOAD bytes to a new temp file, fsync, rename, fsync of the directory.
disk_reference() {
	python3 - "$WORK/blobs/disk-ref" "$UPLOAD" "$CONNS" <<'EOF'
import os, sys, threading, time
d, size, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(d, exist_ok=True)
done, end = [0] * n, time.time() + 5
def writer(i):
    buf, dfd = os.urandom(size), os.open(d, os.O_RDONLY)
    while time.time() < end:
        p = f"{d}/{i}-{done[i]}"
        fd = os.open(p + ".tmp", os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, buf)
        os.fsync(fd)
        os.close(fd)
        os.rename(p + ".tmp", p)
        os.fsync(dfd)
        done[i] += 1
    os.close(dfd)
ts = [threading.Thread(target=writer, args=(i,)) for i in range(n)]
start = time.time()
for t in ts: t.start()
for t in ts: t.join()
print(f"disk reference: {sum(done) / (time.time() - start):.0f} files/s of {size} bytes written, fsynced and renamed ({n} threads, no keeper)")
EOF
	rm -rf "$WORK/blobs/disk-ref"
}

report() {
	python3 - "$RES" "$WORK/load.jsonl" <<'EOF'
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
loads = [json.loads(l) for l in open(sys.argv[2])]
targets = {2: 1.7, 3: 2.4}
print(f"{'figure':<10} {'replicas':>8} {'cpus':<10} {'load1':>10} {'req/s median [min-max]':<26} {'MiB/s':>8} {'p99 ms':>8} {'cpu µs/req':>10} {'cores busy: keeper+kbench+db':>30} {'db µs/req':>9} {'x vs 1':>7} {'target':>7}")
base = {}
for fig in ("get1k", "upload"):
    for n in sorted({int(r["subject"]) for r in recs}):
        rs = [r for r in recs if r["figure"] == fig and int(r["subject"]) == n]
        ok = [r for r in rs if r["valid"]]
        ld = [l["load1"] for l in loads if l["n"] == n]
        cpus = next((l["cpus"] for l in loads if l["n"] == n), "")
        inv = len(rs) - len(ok)
        if not ok:
            print(f"{fig:<10} {n:>8} {cpus:<10} no valid run ({inv} invalid: {rs[0]['err'] if rs else '-'})")
            continue
        rps = [r["rps"] for r in ok]
        med = statistics.median(rps)
        if n == 1:
            base[fig] = med
        ratio = med / base[fig] if fig in base else float("nan")
        tgt = targets.get(n)
        rng = f"{med:.0f} [{min(rps):.0f}-{max(rps):.0f}]" + (f" +{inv} invalid" if inv else "")
        print(f"{fig:<10} {n:>8} {cpus:<10} {min(ld):>4.1f}-{max(ld):<4.1f} {rng:<26} "
              f"{statistics.median(r['mibps'] for r in ok):>8.1f} {statistics.median(r['p99_ms'] for r in ok):>8.1f} "
              f"{statistics.median(r.get('cpu_us_per_req', 0) for r in ok):>10.0f} "
              f"{statistics.median(r['cpu_s'] / r['seconds'] for r in ok):>14.2f} + {statistics.median(r.get('client_cpu_s', 0) / r['seconds'] for r in ok):.2f} + {statistics.median(r.get('db_cpu_s', 0) / r['seconds'] for r in ok):<7.2f} "
              f"{statistics.median(r.get('db_cpu_s', 0) / r['requests'] * 1e6 for r in ok):>9.0f} {ratio:>6.2f}x {('>=%.1fx' % tgt) if tgt else '':>7}")
EOF
}

install_tools taskset curl python3
mkdir -p "${BENCH_PLUGIN_CACHE:=$ROOT/.tools/bench-wasm-cache}"
build_all
if [ -n "${KEEPER_TEST_POSTGRES_URL:-}" ]; then
	PG_URL=$KEEPER_TEST_POSTGRES_URL
else
	[ ! -f "$ROOT/.tools/postgres.env" ] || die "a PostgreSQL of .ci/postgres.sh is running: export its KEEPER_TEST_POSTGRES_URL or stop it"
	eval "$("$ROOT/.ci/postgres.sh" start)"
	PG_STARTED=1
	PG_URL=$KEEPER_TEST_POSTGRES_URL
fi
PG_PID=$(postmaster_pid)
log "PostgreSQL postmaster: ${PG_PID:-not local, its CPU is not measured}"
SECRETS_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
: >"$RES"
: >"$WORK/load.jsonl"
log "$(machine_line); keeper from $KEEPER_FROM; $RUNS runs of $DURATION, $CONNS connections, uploads of $UPLOAD bytes to $UPLOAD_REPOS repositories"
start_all
# Warm-up, not recorded: plugin instances, connection pools and caches of every replica.
measure "$(echo $COUNTS | tr ' ' '\n' | sort -n | tail -1)" 0 "$WORK/warmup.jsonl" 3s
: >"$WORK/load.jsonl"
# Runs interleave the counts, so a change in the machine's other load hits each count alike.
for run in $(seq 1 "$RUNS"); do
	for n in $COUNTS; do measure "$n" "$run"; done
done
DISK_REF=$(disk_reference)
echo
echo "Scale-out: $(machine_line); uploads spread over $UPLOAD_REPOS repositories; load generator and PostgreSQL unpinned; keeper from $KEEPER_FROM"
report
echo "$DISK_REF"
[ -z "${BENCH_RESULTS:-}" ] || cp "$RES" "$BENCH_RESULTS"
