#!/usr/bin/env bash
# Metadata documents of the npm and PyPI plugins for a package with 200
# versions, served by a real keeper on loopback, beside Verdaccio 6.8 (npm)
# and nginx serving keeper's own bytes, all in the same run (bench/README.md).
#
#   bash bench/formats.sh
#
# Environment: BENCH_RUNS (default 3), BENCH_DURATION (wrk duration, default 10s),
# BENCH_CONNS (wrk connections, default 32), BENCH_UNCACHED_N (write+GET pairs, default 60),
# BENCH_KEEPER_BIN, BENCH_KEEP=1, BENCH_RESULTS (as in bench/run.sh),
# BENCH_BASE_BIN (a second keeper binary, e.g. main's: prepared alike and measured
# uncached right after keeper in every run, reported as "base"),
# BENCH_VERDACCIO_DIR (an existing directory with node_modules/verdaccio 6.8 to reuse;
# by default it is installed with npm into the temp directory).
set -euo pipefail

RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNS:-32}
UNCACHED_N=${BENCH_UNCACHED_N:-60}
VERSIONS=200
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d /tmp/keeper-bench-formats.XXXXXX)
chmod 755 "$WORK" # nginx workers run as nobody and read $WORK/www
RES=$WORK/results.jsonl
BIN=$WORK/bin
PASS=bench-$RANDOM-$RANDOM-pass
PKG=bench-pkg
OTHER=other-pkg
VERDACCIO_PID= VERDACCIO_URL= VD= BASE_PID= BASE_URL=
LOADS=()

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
extra_cleanup() {
	stop_pid "$VERDACCIO_PID"
	VERDACCIO_PID=
	stop_pid "$BASE_PID"
	BASE_PID=
}

# start_base: the BENCH_BASE_BIN keeper beside keeper, with its own data and log.
start_base() {
	local pid=$KEEPER_PID url=$KEEPER_URL d=$WORK/base
	mkdir -p "$d/bin"
	cp "$BENCH_BASE_BIN" "$d/bin/keeper"
	local ok=0
	WORK=$d BIN=$d/bin start_keeper || ok=$?
	BASE_PID=$KEEPER_PID BASE_URL=$KEEPER_URL
	KEEPER_PID=$pid KEEPER_URL=$url # the EXIT trap stops keeper by it
	[ "$ok" = 0 ] || die "base keeper does not start"
	log "base keeper from $BENCH_BASE_BIN"
}

# as_base CMD…: run CMD against the base keeper.
as_base() {
	local pid=$KEEPER_PID url=$KEEPER_URL rc=0
	KEEPER_PID=$BASE_PID KEEPER_URL=$BASE_URL
	"$@" || rc=$?
	KEEPER_PID=$pid KEEPER_URL=$url
	return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NPM_ACCEPT_FULL='application/json'
NPM_ACCEPT_ABBR='application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*'
PYPI_ACCEPT_HTML='text/html'
PYPI_ACCEPT_JSON='application/vnd.pypi.simple.v1+json'

# Verdaccio 6.8 in a temp directory (Node 20: node-fetch pinned, see CLIENTS.md).
install_verdaccio() {
	command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed for Verdaccio"
	if [ -n "${BENCH_VERDACCIO_DIR:-}" ]; then
		VD=$BENCH_VERDACCIO_DIR
		[ -f "$VD/node_modules/verdaccio/package.json" ] || die "no node_modules/verdaccio in $VD"
		return
	fi
	VD=$WORK/verdaccio-install
	mkdir -p "$VD"
	cat >"$VD/package.json" <<'EOF'
{"name":"verdaccio-bench","private":true,"version":"0.0.0","dependencies":{"verdaccio":"6.8.0"},"overrides":{"node-fetch@cjs":"2.7.0"}}
EOF
	log "installing verdaccio 6.8.0 into $VD (npm)"
	(cd "$VD" && npm install --no-audit --no-fund --loglevel=error >"$WORK/verdaccio-install.log" 2>&1) ||
		die "npm install verdaccio failed: $(tail -5 "$WORK/verdaccio-install.log")"
}

start_verdaccio() {
	local port d=$WORK/verdaccio i
	port=$(free_port)
	mkdir -p "$d/storage"
	# Request log on (level http), as keeper and nginx log every request.
	cat >"$d/config.yaml" <<EOF
storage: $d/storage
auth:
  htpasswd:
    file: $d/htpasswd
    max_users: 100
uplinks: {}
packages:
  '**':
    access: \$all
    publish: \$authenticated
    unpublish: \$authenticated
web:
  enable: false
max_body_size: 100mb
server:
  keepAliveTimeout: 60
log: { type: stdout, format: json, level: http }
listen: 127.0.0.1:$port
EOF
	node "$VD/node_modules/verdaccio/bin/verdaccio" -c "$d/config.yaml" >"$d/verdaccio.log" 2>&1 &
	VERDACCIO_PID=$!
	VERDACCIO_URL=http://127.0.0.1:$port
	for i in $(seq 1 300); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$VERDACCIO_URL/-/ping" || true)" = 200 ] && break
		kill -0 "$VERDACCIO_PID" 2>/dev/null || die "verdaccio exited: $(tail -5 "$d/verdaccio.log")"
		sleep 0.1
	done
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$VERDACCIO_URL/-/ping" || true)" = 200 ] || die "verdaccio not answering on $VERDACCIO_URL"
	log "verdaccio $(node -p "require('$VD/node_modules/verdaccio/package.json').version") pid $VERDACCIO_PID at $VERDACCIO_URL"
}

# prepare: 200 versions of $PKG published to keeper (npm and PyPI) and Verdaccio, over HTTP.
prepare_keeper() {
	local t
	create_repo npm npm
	create_repo py pypi
	t=$(token) || die "login failed"
	"$BIN/kbench" npmpublish -registry "$KEEPER_URL/npm/npm/" -name "$PKG" -n $VERSIONS -auth "Bearer $t"
	"$BIN/kbench" npmpublish -registry "$KEEPER_URL/npm/npm/" -name "$OTHER" -n 2 -auth "Bearer $t"
	"$BIN/kbench" pypiupload -url "$KEEPER_URL/pypi/py/" -name "$PKG" -n $VERSIONS -auth "Bearer $t"
	"$BIN/kbench" pypiupload -url "$KEEPER_URL/pypi/py/" -name "$OTHER" -n 1 -auth "Bearer $t"
}

prepare() {
	local vt
	log "publishing $VERSIONS versions to keeper npm, keeper PyPI${BASE_PID:+, the base keeper} and verdaccio"
	prepare_keeper
	[ -z "$BASE_PID" ] || as_base prepare_keeper
	vt=$(curl -sf -X PUT "$VERDACCIO_URL/-/user/org.couchdb.user:bench" -H 'Content-Type: application/json' \
		-d "{\"name\":\"bench\",\"password\":\"$PASS\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') ||
		die "verdaccio: cannot create a user"
	"$BIN/kbench" npmpublish -registry "$VERDACCIO_URL/" -name "$PKG" -n $VERSIONS -auth "Bearer $vt"
}

# doc NAME -> "url accept" of keeper's document NAME.
kdoc() {
	case $1 in
	npm-full) echo "$KEEPER_URL/npm/npm/$PKG|$NPM_ACCEPT_FULL" ;;
	npm-abbr) echo "$KEEPER_URL/npm/npm/$PKG|$NPM_ACCEPT_ABBR" ;;
	pypi-html | pypi-html-same) echo "$KEEPER_URL/pypi/py/simple/$PKG/|$PYPI_ACCEPT_HTML" ;;
	pypi-json | pypi-json-same) echo "$KEEPER_URL/pypi/py/simple/$PKG/|$PYPI_ACCEPT_JSON" ;;
	esac
}
vdoc() {
	case $1 in
	npm-full) echo "$VERDACCIO_URL/$PKG|$NPM_ACCEPT_FULL" ;;
	npm-abbr) echo "$VERDACCIO_URL/$PKG|$NPM_ACCEPT_ABBR" ;;
	esac
}

# fetch_check URL ACCEPT OUT: one GET that must be 200; body to OUT. Prints "bytes content-type".
fetch_check() {
	local code
	code=$(curl -s -o "$3" -H "Accept: $2" -w '%{http_code} %{size_download} %{content_type}' "$1") || die "GET $1 failed"
	case $code in 200\ *) echo "${code#200 }" ;; *) die "GET $1 (Accept: $2): $code" ;; esac
}

# check_docs: every document answers 200 on every server, versions are all
# there, and nginx gets keeper's bytes to serve as the static reference.
check_docs() {
	local d u a info n
	mkdir -p "$WORK/www" "$WORK/docs"
	: >"$WORK/sizes.txt"
	for d in npm-full npm-abbr pypi-html pypi-json; do
		IFS='|' read -r u a <<<"$(kdoc "$d")"
		info=$(fetch_check "$u" "$a" "$WORK/www/$d")
		chmod 644 "$WORK/www/$d"
		echo "keeper    $d: $info" >>"$WORK/sizes.txt"
		case $d in
		npm-*) n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["versions"]))' "$WORK/www/$d") ;;
		pypi-json) n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["files"]))' "$WORK/www/$d") ;;
		pypi-html) n=$(grep -o '<a ' "$WORK/www/$d" | wc -l) ;;
		esac
		[ "$n" = $VERSIONS ] || die "keeper $d lists $n versions/files, want $VERSIONS"
		if [ "$d" = npm-full ] || [ "$d" = npm-abbr ]; then
			IFS='|' read -r u a <<<"$(vdoc "$d")"
			info=$(fetch_check "$u" "$a" "$WORK/docs/verdaccio-$d")
			echo "verdaccio $d: $info" >>"$WORK/sizes.txt"
			n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["versions"]))' "$WORK/docs/verdaccio-$d")
			[ "$n" = $VERSIONS ] || die "verdaccio $d lists $n versions, want $VERSIONS"
		fi
		fetch_check "$NGINX_URL/$d" "*/*" /dev/null >/dev/null
	done
	sed 's/^/  /' "$WORK/sizes.txt" >&2
}

wrk_one() { # figure subject pid url accept
	"$BIN/kbench" wrk -figure "$1" -subject "$2" -pids "$3" -out "$RES" -- \
		wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 10s --latency -H "Accept: $5" "$4"
}

bench_cached() {
	local d u a r
	log "cached GETs: wrk -t2 -c$CONNS -d$DURATION, $RUNS runs; keeper, verdaccio (npm), nginx (keeper's bytes)"
	for d in npm-full npm-abbr pypi-html pypi-json; do # warm every server and the plugin cache
		IFS='|' read -r u a <<<"$(kdoc "$d")"
		wrk -t2 -c"$CONNS" -d2s -H "Accept: $a" "$u" >/dev/null
	done
	for r in $(seq 1 "$RUNS"); do
		LOADS+=("$(loadavg)")
		for d in npm-full npm-abbr pypi-html pypi-json; do
			IFS='|' read -r u a <<<"$(kdoc "$d")"
			wrk_one "$d-c$CONNS" keeper "$KEEPER_PID" "$u" "$a"
			if [ "$d" = npm-full ] || [ "$d" = npm-abbr ]; then
				IFS='|' read -r u a <<<"$(vdoc "$d")"
				[ "$r" = 1 ] && wrk -t2 -c"$CONNS" -d2s -H "Accept: $a" "$u" >/dev/null
				wrk_one "$d-c$CONNS" verdaccio "$VERDACCIO_PID" "$u" "$a"
			fi
			wrk_one "$d-c$CONNS" nginx "$NGINX_PID" "$NGINX_URL/$d" "$a"
		done
	done
}

# bench_uncached: keeper has no switch for its plugin-response cache, so every
# GET is made to miss it by a committed write to another package of the same
# repository just before it (kbench uncached). The *-same figures write to the
# measured PyPI project itself: an upload of a new wheel and its DELETE in turn,
# so every GET follows a publish (or removal) of a file of that project and its
# file listing is read again (issue 9 target 1, "right after a publish").
bench_uncached() {
	local d r t tb
	log "uncached GETs: $UNCACHED_N x (write to $OTHER, or upload/DELETE in $PKG for *-same, GET), one connection, $RUNS runs${BASE_PID:+, keeper and base in turn}"
	for r in $(seq 1 "$RUNS"); do
		LOADS+=("$(loadavg)")
		t=$(token) || die "login failed"
		[ -z "$BASE_PID" ] || tb=$(as_base token) || die "base login failed"
		for d in npm-full npm-abbr pypi-html pypi-json pypi-html-same pypi-json-same; do
			if [ -n "$BASE_PID" ] && [ $((r % 2)) = 0 ]; then # the base first in every other run
				as_base uncached_one "$d" base "$tb"
				uncached_one "$d" keeper "$t"
			else
				uncached_one "$d" keeper "$t"
				[ -z "$BASE_PID" ] || as_base uncached_one "$d" base "$tb"
			fi
		done
	done
}

# uncached_one DOC SUBJECT TOKEN: the write+GET loop of DOC on $KEEPER_URL.
uncached_one() {
	local u a w wb
	IFS='|' read -r u a <<<"$(kdoc "$1")"
	case $1 in
	npm-*)
		w=$KEEPER_URL/npm/npm/-/package/$OTHER/dist-tags/bench
		wb='"1.0.0"|"1.0.1"'
		;;
	pypi-*)
		w=$KEEPER_URL/pypi/py/yank
		wb="{\"project\":\"$OTHER\",\"version\":\"1.0.0\",\"yanked\":true}|{\"project\":\"$OTHER\",\"version\":\"1.0.0\",\"yanked\":false}"
		;;
	esac
	if [ "${1%-same}" != "$1" ]; then # a new wheel of $PKG, then its DELETE (bench-pkg: normalized name)
		"$BIN/kbench" uncached -figure "$1-uncached" -subject "$2" -pids "$KEEPER_PID" -out "$RES" \
			-get "$u" -accept "$a" -write-method POST -write-url "$KEEPER_URL/pypi/py/" -write-wheel "$PKG@9.9.9" \
			-then-url "$KEEPER_URL/pypi/py/packages/$PKG/${PKG//-/_}-9.9.9-py3-none-any.whl" \
			-auth "Bearer $3" -n $((UNCACHED_N + UNCACHED_N % 2))
		return
	fi
	"$BIN/kbench" uncached -figure "$1-uncached" -subject "$2" -pids "$KEEPER_PID" -out "$RES" \
		-get "$u" -accept "$a" -write-method POST -write-url "$w" -write-bodies "$wb" \
		-auth "Bearer $3" -n "$UNCACHED_N"
}

main() {
	install_tools nginx wrk curl python3
	install_verdaccio
	build
	start_keeper_or_head
	[ -z "${BENCH_BASE_BIN:-}" ] || start_base
	start_nginx
	start_verdaccio
	prepare
	check_docs
	bench_cached
	bench_uncached
	extra_cleanup
	stop_keeper
	stop_nginx
	[ -n "${BENCH_RESULTS:-}" ] && cp "$RES" "$BENCH_RESULTS"
	echo
	echo "Keeper format metadata benchmarks — $(date -u +%Y-%m-%dT%H:%MZ), $(machine_line)"
	echo "keeper from $KEEPER_FROM, verdaccio $(node -p "require('$VD/node_modules/verdaccio/package.json').version") on node $(node --version), $(nginx -v 2>&1 | cut -d' ' -f3), runs=$RUNS, wrk -c$CONNS ${DURATION}, uncached n=$UNCACHED_N"
	[ -z "${BENCH_BASE_BIN:-}" ] || echo "base keeper (uncached rows against \"base\") from $BENCH_BASE_BIN"
	echo "load average (1 min) at the start of each run: ${LOADS[*]}"
	echo "document sizes (bytes, Content-Type):"
	sed 's/^/  /' "$WORK/sizes.txt"
	echo
	"$BIN/kbench" report "$RES"
}

main
