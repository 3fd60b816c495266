#!/usr/bin/env bash
# OCI push, pull and manifest GETs with crane against a real keeper on loopback
# and CNCF distribution v3.1.2 in the same run (bench/README.md).
#
#   bash bench/oci.sh
#
# Environment: BENCH_RUNS (default 3), BENCH_DURATION (wrk duration, default 10s),
# BENCH_CONNS (wrk connections, default 32), BENCH_BIG_MIB (single layer, default 200),
# BENCH_LAYERS (small layers, default 50) and BENCH_LAYER_KIB (their size, default 1024),
# BENCH_KEEPER_BIN, BENCH_KEEP=1, BENCH_RESULTS (as in bench/run.sh).
set -euo pipefail

RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNS:-32}
BIG_MIB=${BENCH_BIG_MIB:-200}
LAYERS=${BENCH_LAYERS:-50}
LAYER_KIB=${BENCH_LAYER_KIB:-1024}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d /tmp/keeper-bench-oci.XXXXXX)
RES=$WORK/results.jsonl
BIN=$WORK/bin
PASS=bench-$RANDOM-$RANDOM-pass
TOOLS=$ROOT/.tools/bin
DIST_PID= DIST_URL= KHOST= DHOST=
LOADS=()
export DOCKER_CONFIG=$WORK/docker
MANIFEST_ACCEPT='application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json'

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
extra_cleanup() {
	stop_pid "$DIST_PID"
	DIST_PID=
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install_peers() {
	[ -x "$TOOLS/crane" ] || bash "$ROOT/e2e/install-clients.sh" oci >&2 || die "cannot install crane"
	if [ ! -x "$TOOLS/registry" ]; then
		log "installing CNCF distribution v3.1.2 into $TOOLS"
		GOBIN=$TOOLS go install github.com/distribution/distribution/v3/cmd/registry@v3.1.2 || die "cannot install distribution"
	fi
}

start_distribution() {
	local port d=$WORK/distribution i
	port=$(free_port)
	mkdir -p "$d/data"
	# Request log on (info), as keeper logs every request.
	cat >"$d/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $d/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
	"$TOOLS/registry" serve "$d/config.yml" >"$d/registry.log" 2>&1 &
	DIST_PID=$!
	DIST_URL=http://127.0.0.1:$port
	DHOST=127.0.0.1:$port
	for i in $(seq 1 300); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$DIST_URL/v2/" || true)" = 200 ] && break
		kill -0 "$DIST_PID" 2>/dev/null || die "distribution exited: $(tail -5 "$d/registry.log")"
		sleep 0.1
	done
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$DIST_URL/v2/" || true)" = 200 ] || die "distribution not answering on $DIST_URL"
	log "distribution $("$TOOLS/registry" --version 2>/dev/null | awk '{print $3}') pid $DIST_PID at $DIST_URL"
}

# layer OUT BYTES NAME: a gzipped tar holding one file of random bytes (crane
# pushes an already compressed layer as it is, so no client-side gzip is timed).
layer() {
	local tmp=$WORK/layer-src
	mkdir -p "$tmp"
	head -c "$2" /dev/urandom >"$tmp/$3"
	tar -C "$tmp" -cf - "$3" | gzip -1 >"$1"
	rm -f "$tmp/$3"
}

crane_() { "$TOOLS/crane" "$@"; }

# timed FIGURE SUBJECT PID BYTES cmd…
timed() {
	local fig=$1 subj=$2 pid=$3 bytes=$4
	shift 4
	"$BIN/kbench" timed -figure "$fig" -subject "$subj" -pids "$pid" -out "$RES" -bytes "$bytes" -- "$@"
}

# push_pull FIGURE-SUFFIX IMAGE RUN BYTES layer files…: push then pull on both registries.
push_pull() {
	local suf=$1 img=$2 r=$3 bytes=$4 s ref pid host
	shift 4
	local fl=() f
	for f in "$@"; do fl+=(-f "$f"); done
	local order=(keeper distribution)
	[ $((r % 2)) = 0 ] && order=(distribution keeper) # alternate who goes first
	for s in "${order[@]}"; do
		if [ "$s" = keeper ]; then
			ref=$KHOST/oci/$img:r$r pid=$KEEPER_PID
		else
			ref=$DHOST/$img:r$r pid=$DIST_PID
		fi
		timed "oci-push-$suf" "$s" "$pid" "$bytes" "$TOOLS/crane" append --insecure "${fl[@]}" -t "$ref"
	done
	for s in "${order[@]}"; do
		if [ "$s" = keeper ]; then
			ref=$KHOST/oci/$img:r$r pid=$KEEPER_PID
		else
			ref=$DHOST/$img:r$r pid=$DIST_PID
		fi
		rm -rf "$WORK/pull"
		timed "oci-pull-$suf" "$s" "$pid" "$bytes" "$TOOLS/crane" pull --insecure --format oci "$ref" "$WORK/pull"
	done
	rm -rf "$WORK/pull"
}

bench_pushpull() {
	local r i files sz
	log "push/pull with crane: 1 layer of $BIG_MIB MiB and $LAYERS layers of $LAYER_KIB KiB, $RUNS runs (fresh random layers each run)"
	for r in $(seq 1 "$RUNS"); do
		LOADS+=("$(loadavg)")
		rm -rf "$WORK/layers"
		mkdir -p "$WORK/layers"
		layer "$WORK/layers/big.tar.gz" $((BIG_MIB << 20)) "big-$r.bin"
		sz=$(stat -c %s "$WORK/layers/big.tar.gz")
		push_pull "1x${BIG_MIB}m" big "$r" "$sz" "$WORK/layers/big.tar.gz"
		rm -f "$WORK/layers/big.tar.gz"
		files=()
		for i in $(seq 1 "$LAYERS"); do
			layer "$WORK/layers/l$i.tar.gz" $((LAYER_KIB << 10)) "layer-$r-$i.bin"
			files+=("$WORK/layers/l$i.tar.gz")
		done
		sz=$(cat "${files[@]}" | wc -c)
		push_pull "${LAYERS}x$((LAYER_KIB / 1024))m" many "$r" "$sz" "${files[@]}"
	done
}

bench_manifest() {
	local r t ku du
	ku=$KEEPER_URL/v2/oci/big/manifests/r1
	du=$DIST_URL/v2/big/manifests/r1
	for u in "$ku" "$du"; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $MANIFEST_ACCEPT" "$u")" = 200 ] || die "anonymous GET $u is not 200"
	done
	log "manifest GET: wrk -t2 -c$CONNS -d$DURATION, $RUNS runs; keeper anonymous (public repository) and with a Bearer token, distribution"
	wrk -t2 -c"$CONNS" -d2s -H "Accept: $MANIFEST_ACCEPT" "$ku" >/dev/null
	wrk -t2 -c"$CONNS" -d2s -H "Accept: $MANIFEST_ACCEPT" "$du" >/dev/null
	for r in $(seq 1 "$RUNS"); do
		LOADS+=("$(loadavg)")
		"$BIN/kbench" wrk -figure "oci-manifest-c$CONNS" -subject keeper -pids "$KEEPER_PID" -out "$RES" -- \
			wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 10s --latency -H "Accept: $MANIFEST_ACCEPT" "$ku"
		"$BIN/kbench" wrk -figure "oci-manifest-c$CONNS" -subject distribution -pids "$DIST_PID" -out "$RES" -- \
			wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 10s --latency -H "Accept: $MANIFEST_ACCEPT" "$du"
		t=$(curl -sf -u "admin:$PASS" "$KEEPER_URL/v2/token?service=keeper&scope=repository:oci/big:pull" |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') || die "keeper /v2/token failed"
		"$BIN/kbench" wrk -figure "oci-manifest-bearer-c$CONNS" -subject keeper -pids "$KEEPER_PID" -out "$RES" -- \
			wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 10s --latency -H "Accept: $MANIFEST_ACCEPT" -H "Authorization: Bearer $t" "$ku"
	done
}

main() {
	install_tools wrk curl python3
	install_peers
	build
	start_keeper_or_head
	start_distribution
	KHOST=${KEEPER_URL#http://}
	create_repo oci oci
	mkdir -p "$DOCKER_CONFIG"
	crane_ auth login "$KHOST" -u admin -p "$PASS" --insecure >/dev/null 2>&1 || die "crane auth login to keeper failed"
	bench_pushpull
	bench_manifest
	extra_cleanup
	stop_keeper
	[ -n "${BENCH_RESULTS:-}" ] && cp "$RES" "$BENCH_RESULTS"
	echo
	echo "Keeper OCI benchmarks — $(date -u +%Y-%m-%dT%H:%MZ), $(machine_line)"
	echo "keeper from $KEEPER_FROM, distribution $("$TOOLS/registry" --version 2>/dev/null | awk '{print $3}'), crane $("$TOOLS/crane" version 2>/dev/null), runs=$RUNS, wrk -c$CONNS ${DURATION}"
	echo "load average (1 min) at the start of each run: ${LOADS[*]}"
	echo
	"$BIN/kbench" report "$RES"
}

main
