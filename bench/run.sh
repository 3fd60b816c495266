#!/usr/bin/env bash
# Keeper's foundation benchmarks against a real keeper process on loopback,
# each figure beside a reference measured in the same run (see bench/README.md
# and docs in /work/shared/design/BENCH.md).
#
#   bash bench/run.sh [download|upload|smallget|all]
#
# Environment: BENCH_RUNS (default 3), BENCH_DURATION (wrk duration, default 10s),
# BENCH_KEEPER_BIN (use this keeper binary instead of building one),
# BENCH_KEEP=1 (keep the temp directory), BENCH_RESULTS (also copy the JSON lines there).
set -euo pipefail

WHAT=${1:-all}
case "$WHAT" in download | upload | smallget | all) ;; *)
	echo "usage: bash bench/run.sh [download|upload|smallget|all]" >&2
	exit 2
	;;
esac
RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-10s}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d /tmp/keeper-bench.XXXXXX)
chmod 755 "$WORK" # nginx workers run as nobody and read $WORK/www
RES=$WORK/results.jsonl
BIN=$WORK/bin
PASS=bench-$RANDOM-$RANDOM-pass
REPO=bench

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# prepare: the same 100 MiB and 1 KiB files for nginx ($WORK/www) and keeper (repository "bench").
prepare() {
	mkdir -p "$WORK/www" "$WORK/hw"
	head -c $((100 << 20)) /dev/urandom >"$WORK/www/big.bin"
	head -c 1024 /dev/urandom >"$WORK/www/small.bin"
	chmod 644 "$WORK/www/"*
	local t
	t=$(token) || die "login failed"
	curl -sf -o /dev/null -X POST "$KEEPER_URL/api/v1/repositories" -H "Authorization: Bearer $t" \
		-d "{\"key\":\"$REPO\",\"format\":\"generic\",\"repo_type\":\"local\",\"is_public\":true}" || die "create repository failed"
	for f in big.bin small.bin; do
		curl -sf -o /dev/null -T "$WORK/www/$f" -H "Authorization: Bearer $t" \
			-H "X-Checksum-Sha256: $(sha256sum "$WORK/www/$f" | cut -d' ' -f1)" \
			"$KEEPER_URL/api/v1/repositories/$REPO/artifacts/$f" || die "upload of $f failed"
	done
}

kurl() { echo "$KEEPER_URL/api/v1/repositories/$REPO/download/$1"; }

bench_download() {
	log "download: 100 MiB, 1 stream x10 and 4 streams x3, $RUNS runs, keeper and nginx interleaved"
	local r s n
	for r in $(seq 1 "$RUNS"); do
		for s in 1 4; do
			n=10
			[ $s = 4 ] && n=3
			"$BIN/kbench" get -figure download-$s -subject keeper -pids "$KEEPER_PID" -out "$RES" -url "$(kurl big.bin)" -c $s -n $n
			"$BIN/kbench" get -figure download-$s -subject nginx -pids "$NGINX_PID" -out "$RES" -url "$NGINX_URL/big.bin" -c $s -n $n
		done
	done
}

bench_upload() {
	log "upload: 3 unique 100 MiB bodies per run, $RUNS runs, keeper and write+sha256+fsync interleaved"
	local r t
	t=$(token) || die "login failed"
	for r in $(seq 1 "$RUNS"); do
		"$BIN/kbench" put -figure upload -subject keeper -pids "$KEEPER_PID" -out "$RES" -token "$t" \
			-url "$KEEPER_URL/api/v1/repositories/$REPO/artifacts/up" -file "$WORK/www/big.bin" -n 3
		"$BIN/kbench" hashwrite -figure upload -subject write+sha256 -out "$RES" -file "$WORK/www/big.bin" -dir "$WORK/hw" -n 3
	done
}

# smallget FIGURE-PREFIX [wrk-cpu-list]
smallget() {
	local fig=$1 wcpus=${2:-} c r
	local pre=()
	[ -n "$wcpus" ] && pre=(taskset -c "$wcpus")
	# Warm both servers (connections, caches) before measuring.
	${pre[@]+"${pre[@]}"} wrk -t2 -c32 -d2s "$(kurl small.bin)" >/dev/null
	${pre[@]+"${pre[@]}"} wrk -t2 -c32 -d2s "$NGINX_URL/small.bin" >/dev/null
	for c in 32 64; do
		for r in $(seq 1 "$RUNS"); do
			"$BIN/kbench" wrk -figure "$fig-c$c" -subject keeper -pids "$KEEPER_PID" -out "$RES" -- \
				${pre[@]+"${pre[@]}"} wrk -t2 -c$c -d"$DURATION" --latency "$(kurl small.bin)"
			"$BIN/kbench" wrk -figure "$fig-c$c" -subject nginx -pids "$NGINX_PID" -out "$RES" -- \
				${pre[@]+"${pre[@]}"} wrk -t2 -c$c -d"$DURATION" --latency "$NGINX_URL/small.bin"
		done
	done
}

bench_smallget() {
	log "small GET: 1 KiB with wrk -t2 -c32/-c64 -d$DURATION, $RUNS runs, unpinned"
	smallget get1k
	if [ "$(nproc)" -lt 2 ]; then
		log "pinned variant skipped: fewer than 2 cores"
		return
	fi
	log "small GET pinned: servers on core 0 (nginx 1 worker, keeper GOMAXPROCS from affinity), wrk on core 1"
	stop_keeper
	stop_nginx
	start_keeper 0 || die "keeper did not start pinned"
	start_nginx 0
	smallget get1k-pin 1
}

main() {
	install_tools
	build
	start_keeper_or_head
	start_nginx
	prepare
	case "$WHAT" in
	download) bench_download ;;
	upload) bench_upload ;;
	smallget) bench_smallget ;;
	all)
		bench_download
		bench_upload
		bench_smallget
		;;
	esac
	stop_keeper
	stop_nginx
	[ -n "${BENCH_RESULTS:-}" ] && cp "$RES" "$BENCH_RESULTS"
	echo
	echo "Keeper foundation benchmarks — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
	echo "keeper from $KEEPER_FROM, $(go version | cut -d' ' -f3), $(nginx -v 2>&1 | cut -d' ' -f3), runs=$RUNS, wrk ${DURATION}"
	echo
	"$BIN/kbench" report "$RES"
}

main
