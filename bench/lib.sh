# Shared helpers of Keeper's benchmark scripts (bench/run.sh, bench/formats.sh,
# bench/oci.sh). Source it after setting ROOT, WORK, BIN and PASS; the caller
# may define extra_cleanup (run by the EXIT trap before the temp dir goes).
# shellcheck shell=bash

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
	if declare -F extra_cleanup >/dev/null; then extra_cleanup || true; fi
	stop_keeper
	stop_nginx
	if [ -n "$WORKTREE" ]; then git -C "$ROOT" worktree remove --force "$WORKTREE" 2>/dev/null || true; fi
	if [ "${BENCH_KEEP:-}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# install_tools [tool…]: install the missing ones from Debian (default: nginx wrk taskset curl python3).
install_tools() {
	local need=() t want=("$@")
	[ ${#want[@]} -eq 0 ] && want=(nginx wrk taskset curl python3)
	for t in "${want[@]}"; do
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
		if (cd "$ROOT" && go run ./adapters/wasm/builtin/build >"$WORK/build.log" 2>&1 &&
			go build -o "$BIN/keeper" ./cmd/keeper 2>>"$WORK/build.log"); then
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
	(cd "$WORKTREE" && go run ./adapters/wasm/builtin/build >/dev/null 2>&1 && go build -o "$BIN/keeper" ./cmd/keeper) ||
		die "keeper at HEAD does not build either"
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
	# Compiled plugins are kept across runs in a directory git ignores.
	mkdir -p "${BENCH_PLUGIN_CACHE:=$ROOT/.tools/bench-wasm-cache}"
	KEEPER_PLUGINS_CACHE_DIR=$BENCH_PLUGIN_CACHE \
		KEEPER_ADMIN_PASSWORD=$PASS ${pre[@]+"${pre[@]}"} "$BIN/keeper" serve --listen 127.0.0.1:0 \
		--data-dir "$WORK/keeper-data" 2>>"$WORK/keeper.log" >/dev/null &
	KEEPER_PID=$!
	# Cold compilation of the WebAssembly plugins takes minutes on a busy machine.
	for i in $(seq 1 $((${BENCH_READY_TIMEOUT:-300} * 10))); do
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
		log "keeper not ready after ${BENCH_READY_TIMEOUT:-300} s"
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

# start_keeper_or_head: start keeper; if the working-tree build does not start, build the last commit.
start_keeper_or_head() {
	start_keeper && return 0
	case "$KEEPER_FROM" in
	"working tree"*)
		build_head
		rm -rf "$WORK/keeper-data"
		start_keeper || die "keeper from the last commit does not start either"
		;;
	*) die "keeper does not start" ;;
	esac
}

# create_repo KEY FORMAT: a public local repository through the REST API.
create_repo() {
	local t
	t=$(token) || die "login failed"
	curl -sf -o /dev/null -X POST "$KEEPER_URL/api/v1/repositories" -H "Authorization: Bearer $t" \
		-d "{\"key\":\"$1\",\"format\":\"$2\",\"repo_type\":\"local\",\"is_public\":true}" || die "create repository $1 ($2) failed"
}

# loadavg: the 1-minute load average now.
loadavg() { cut -d' ' -f1 /proc/loadavg; }

# machine_line: one line naming the machine for report headers.
machine_line() {
	echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r), $(go version | cut -d' ' -f3)"
}


# median: the median of the numbers on stdin, one a line.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
