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
KEEPER_PID= NGINX_PID= KEEPER_URL= NGINX_URL= WORKTREE= KEEPER_FROM=

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

stop_pid() { # pid: TERM, wait up to 10 s, then KILL
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
stop_keeper() {
	stop_pid "$KEEPER_PID"
	KEEPER_PID=
}
stop_nginx() {
	stop_pid "$NGINX_PID"
	NGINX_PID=
}
cleanup() {
	stop_keeper
	stop_nginx
	if [ -n "$WORKTREE" ]; then git -C "$ROOT" worktree remove --force "$WORKTREE" 2>/dev/null || true; fi
	if [ "${BENCH_KEEP:-}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

install_tools() {
	local need=() t
	for t in nginx wrk taskset curl python3; do
		command -v "$t" >/dev/null 2>&1 || need+=("$t")
	done
	[ ${#need[@]} -eq 0 ] && return 0
	local pkgs=() sudo=
	for t in "${need[@]}"; do
		case $t in taskset) pkgs+=(util-linux) ;; *) pkgs+=("$t") ;; esac
	done
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	log "installing from Debian: ${pkgs[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${pkgs[@]}" >/dev/null
}

build() {
	mkdir -p "$BIN"
	(cd "$ROOT" && go build -o "$BIN/kbench" ./bench/cmd/kbench) || die "cannot build bench/cmd/kbench"
	if [ -n "${BENCH_KEEPER_BIN:-}" ]; then
		cp "$BENCH_KEEPER_BIN" "$BIN/keeper"
		KEEPER_FROM=$BENCH_KEEPER_BIN
		return
	fi
	local try
	for try in 1 2; do
		if (cd "$ROOT" && go build -o "$BIN/keeper" ./cmd/keeper 2>"$WORK/build.log"); then
			KEEPER_FROM="working tree at $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo '+uncommitted')"
			log "built keeper from the working tree"
			return
		fi
		[ $try = 1 ] && log "keeper does not build (work in progress?); retrying in 60 s" && sleep 60
	done
	build_head
}

# build_head builds keeper from the last commit in a temporary worktree.
build_head() {
	log "building keeper from the last commit instead"
	WORKTREE=$WORK/wt
	git -C "$ROOT" worktree add --detach "$WORKTREE" HEAD >/dev/null 2>&1 || die "git worktree add failed"
	(cd "$WORKTREE" && go build -o "$BIN/keeper" ./cmd/keeper) || die "keeper at HEAD does not build either"
	KEEPER_FROM="commit $(git -C "$WORKTREE" rev-parse --short HEAD)"
	git -C "$ROOT" worktree remove --force "$WORKTREE"
	WORKTREE=
}

# start_keeper [cpu-list]: serve on a port keeper picks itself; wait for "keeper ready".
# Returns 1 (keeper's log tail on stderr) when it exits or does not get ready.
start_keeper() {
	local cpus=${1:-} i
	local pre=()
	[ -n "$cpus" ] && pre=(taskset -c "$cpus")
	: >"$WORK/keeper.log"
	KEEPER_ADMIN_PASSWORD=$PASS ${pre[@]+"${pre[@]}"} "$BIN/keeper" serve --listen 127.0.0.1:0 \
		--data-dir "$WORK/keeper-data" 2>>"$WORK/keeper.log" >/dev/null &
	KEEPER_PID=$!
	for i in $(seq 1 300); do
		KEEPER_URL=$(grep -o 'msg="keeper ready" url=http://127\.0\.0\.1:[0-9]*' "$WORK/keeper.log" | head -1 | sed 's/.*url=//') || true
		[ -n "$KEEPER_URL" ] && break
		if ! kill -0 "$KEEPER_PID" 2>/dev/null; then
			log "keeper exited: $(tail -2 "$WORK/keeper.log")"
			KEEPER_PID=
			return 1
		fi
		sleep 0.1
	done
	if [ -z "$KEEPER_URL" ]; then
		log "keeper not ready after 30 s"
		stop_keeper
		return 1
	fi
	log "keeper pid $KEEPER_PID at $KEEPER_URL ${cpus:+(cpus $cpus)}"
}

# start_nginx [cpu-list]: sendfile on, serving $WORK/www on a free loopback port.
start_nginx() {
	local cpus=${1:-} workers=auto port i
	local pre=()
	if [ -n "$cpus" ]; then
		pre=(taskset -c "$cpus")
		workers=1
	fi
	port=$(free_port)
	local d=$WORK/nginx
	mkdir -p "$d/tmp"
	cat >"$d/nginx.conf" <<EOF
worker_processes $workers;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 4096; }
http {
    access_log $d/access.log;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    default_type application/octet-stream;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $WORK/www;
        location / { }
    }
}
EOF
	${pre[@]+"${pre[@]}"} nginx -c "$d/nginx.conf" -p "$d" -e "$d/error.log" &
	NGINX_PID=$!
	NGINX_URL=http://127.0.0.1:$port
	for i in $(seq 1 100); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$NGINX_URL/" || true)" != 000 ] && break
		kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited: $(tail -5 "$d/error.log")"
		sleep 0.1
	done
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$NGINX_URL/" || true)" != 000 ] || die "nginx not answering on $NGINX_URL"
	log "nginx pid $NGINX_PID at $NGINX_URL ${cpus:+(cpus $cpus, 1 worker)}"
}

token() {
	curl -sf -X POST "$KEEPER_URL/api/v1/auth/login" -d "{\"username\":\"admin\",\"password\":\"$PASS\"}" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

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
	if ! start_keeper; then
		case "$KEEPER_FROM" in
		"working tree"*)
			build_head
			rm -rf "$WORK/keeper-data"
			start_keeper || die "keeper from the last commit does not start either"
			;;
		*) die "keeper does not start" ;;
		esac
	fi
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
