#!/usr/bin/env bash
# Remote (proxy) and virtual repositories of keeper (issue 10), each figure
# beside its reference in the same run (bench/README.md, "Remote and virtual:
# proxy figures"). Two keepers on loopback: an upstream one holding an npm and
# a generic local repository, and a proxy one with npm and generic remote
# repositories pointed at it, an npm local repository with the same package,
# and a virtual of that local and the remote; Verdaccio 6.8 with the upstream
# keeper as its uplink.
#
#   bash bench/remote.sh
#
# Environment: BENCH_RUNS (default 3), BENCH_DURATION (wrk duration, default 5s),
# BENCH_CONNS (wrk connections, default 32), BENCH_COLD_MIB (default 50),
# BENCH_KEEPER_BIN, BENCH_KEEP=1, BENCH_RESULTS, BENCH_VERDACCIO_DIR (as in bench/formats.sh).
# BENCH_BEFORE_BIN: a second keeper binary (say, built from main) run as a second proxy with the
# same local and remote repositories, so (a) (packument and tarball) and (b) are measured before and
# after a change in one run. BENCH_WARM_ONLY=1: only the warm packument of (a) (no Verdaccio, no cold
# fetch, no tarball or virtual figures).
set -euo pipefail

RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-5s}
CONNS=${BENCH_CONNS:-32}
COLD_MIB=${BENCH_COLD_MIB:-50}
VERSIONS=20
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d /tmp/keeper-bench-remote.XXXXXX)
RES=$WORK/results.jsonl
BIN=$WORK/bin
PASS=bench-$RANDOM-$RANDOM-pass
PKG=bench-pkg
UP_PID= UP_URL= PX_PID= PX_URL= P0_PID= P0_URL= T_LOC0= T_REM0=
VERDACCIO_PID= VERDACCIO_URL= VD=
LOADS=()

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
extra_cleanup() {
	stop_pid "$VERDACCIO_PID"
	VERDACCIO_PID=
	stop_pid "$UP_PID"
	UP_PID=
	stop_pid "$PX_PID"
	PX_PID=
	stop_pid "$P0_PID"
	P0_PID=
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NPM_ACCEPT='application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*'

# Verdaccio 6.8 (Node 20: node-fetch pinned, see CLIENTS.md), installed once per run.
install_verdaccio() {
	command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed for Verdaccio"
	if [ -n "${BENCH_VERDACCIO_DIR:-}" ]; then
		VD=$BENCH_VERDACCIO_DIR
		[ -f "$VD/node_modules/verdaccio/package.json" ] || die "no node_modules/verdaccio in $VD"
		return
	fi
	VD=$WORK/verdaccio-install
	mkdir -p "$VD"
	cat >"$VD/package.json" <<'JSON'
{"name":"verdaccio-bench","private":true,"version":"0.0.0","dependencies":{"verdaccio":"6.8.0"},"overrides":{"node-fetch@cjs":"2.7.0"}}
JSON
	log "installing verdaccio 6.8.0 into $VD (npm)"
	(cd "$VD" && npm install --no-audit --no-fund --loglevel=error >"$WORK/verdaccio-install.log" 2>&1) ||
		die "npm install verdaccio failed: $(tail -5 "$WORK/verdaccio-install.log")"
}

# start_verdaccio: the upstream keeper's npm repository as its only uplink; the
# packument is kept for 10 minutes (maxage), so the measured GETs are warm hits.
start_verdaccio() {
	local port d=$WORK/verdaccio i
	port=$(free_port)
	mkdir -p "$d/storage"
	cat >"$d/config.yaml" <<YAML
storage: $d/storage
auth:
  htpasswd:
    file: $d/htpasswd
    max_users: 100
uplinks:
  keeper:
    url: $UP_URL/npm/npm/
    maxage: 10m
    cache: true
packages:
  '**':
    access: \$all
    publish: \$authenticated
    proxy: keeper
web:
  enable: false
server:
  keepAliveTimeout: 60
log: { type: stdout, format: json, level: http }
listen: 127.0.0.1:$port
YAML
	node "$VD/node_modules/verdaccio/bin/verdaccio" -c "$d/config.yaml" >"$d/verdaccio.log" 2>&1 &
	VERDACCIO_PID=$!
	VERDACCIO_URL=http://127.0.0.1:$port
	for i in $(seq 1 300); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$VERDACCIO_URL/-/ping" || true)" = 200 ] && break
		kill -0 "$VERDACCIO_PID" 2>/dev/null || die "verdaccio exited: $(tail -5 "$d/verdaccio.log")"
		sleep 0.1
	done
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$VERDACCIO_URL/-/ping" || true)" = 200 ] || die "verdaccio not answering on $VERDACCIO_URL"
	log "verdaccio pid $VERDACCIO_PID at $VERDACCIO_URL, uplink $UP_URL/npm/npm/"
}

# start_one NAME: a keeper with its own data dir under $WORK/NAME; sets NAME's pid and url.
start_one() {
	mkdir -p "$WORK/$1"
	WORK=$WORK/$1 start_keeper || die "keeper ($1) does not start"
	case $1 in
	up) UP_PID=$KEEPER_PID UP_URL=$KEEPER_URL ;;
	px) PX_PID=$KEEPER_PID PX_URL=$KEEPER_URL ;;
	p0) P0_PID=$KEEPER_PID P0_URL=$KEEPER_URL ;;
	esac
	KEEPER_PID= # stopped by extra_cleanup under its own name
}

# repo URL JSON: create a repository on the keeper at URL.
repo() {
	local t
	t=$(KEEPER_URL=$1 token) || die "login to $1 failed"
	curl -sf -o /dev/null -X POST "$1/api/v1/repositories" -H "Authorization: Bearer $t" -d "$2" ||
		die "create repository on $1 failed: $2"
}

prepare() {
	local t r
	repo "$UP_URL" '{"key":"npm","format":"npm","repo_type":"local","is_public":true}'
	repo "$UP_URL" '{"key":"gen","format":"generic","repo_type":"local","is_public":true}'
	repo "$PX_URL" '{"key":"loc","format":"npm","repo_type":"local","is_public":true}'
	repo "$PX_URL" "{\"key\":\"rem\",\"format\":\"npm\",\"repo_type\":\"remote\",\"is_public\":true,\"upstream_url\":\"$UP_URL/npm/npm\",\"config\":{\"cache_ttl\":\"10m\"}}"
	repo "$PX_URL" "{\"key\":\"genrem\",\"format\":\"generic\",\"repo_type\":\"remote\",\"is_public\":true,\"upstream_url\":\"$UP_URL/generic/gen\"}"
	repo "$PX_URL" '{"key":"virt","format":"npm","repo_type":"virtual","is_public":true,"member_repos":[{"repo_key":"loc","priority":1},{"repo_key":"rem","priority":2}]}'
	log "publishing $VERSIONS versions of $PKG to the upstream npm and to the proxy's local npm"
	t=$(KEEPER_URL=$UP_URL token)
	"$BIN/kbench" npmpublish -registry "$UP_URL/npm/npm/" -name "$PKG" -n $VERSIONS -auth "Bearer $t"
	[ -n "${BENCH_WARM_ONLY:-}" ] || log "uploading $RUNS random files of $COLD_MIB MiB to the upstream generic repository"
	for r in $(seq 1 "$RUNS"); do
		[ -n "${BENCH_WARM_ONLY:-}" ] && break
		head -c $((COLD_MIB << 20)) /dev/urandom >"$WORK/cold.bin"
		curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $t" --data-binary @"$WORK/cold.bin" \
			"$UP_URL/generic/gen/cold-$r.bin" || die "upload cold-$r.bin failed"
	done
	rm -f "$WORK/cold.bin"
	t=$(KEEPER_URL=$PX_URL token)
	"$BIN/kbench" npmpublish -registry "$PX_URL/npm/loc/" -name "$PKG" -n $VERSIONS -auth "Bearer $t"
	if [ -n "$P0_URL" ]; then
		repo "$P0_URL" '{"key":"loc","format":"npm","repo_type":"local","is_public":true}'
		repo "$P0_URL" "{\"key\":\"rem\",\"format\":\"npm\",\"repo_type\":\"remote\",\"is_public\":true,\"upstream_url\":\"$UP_URL/npm/npm\",\"config\":{\"cache_ttl\":\"10m\"}}"
		repo "$P0_URL" "{\"key\":\"genrem\",\"format\":\"generic\",\"repo_type\":\"remote\",\"is_public\":true,\"upstream_url\":\"$UP_URL/generic/gen\"}"
		t=$(KEEPER_URL=$P0_URL token)
		"$BIN/kbench" npmpublish -registry "$P0_URL/npm/loc/" -name "$PKG" -n $VERSIONS -auth "Bearer $t"
	fi
}

# tarball_of URL: the dist.tarball of the latest version in the packument at URL.
tarball_of() {
	curl -sf -H "Accept: $NPM_ACCEPT" "$1" |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["versions"][d["dist-tags"]["latest"]]["dist"]["tarball"])'
}

# check: every URL answers 200; the remote's and Verdaccio's tarball bytes are the upstream's.
check() {
	local u
	for u in "$PX_URL/npm/loc/$PKG" "$PX_URL/npm/rem/$PKG" "$PX_URL/npm/virt/$PKG" "$VERDACCIO_URL/$PKG"; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $NPM_ACCEPT" "$u")" = 200 ] || die "GET $u is not 200"
	done
	T_LOC=$(tarball_of "$PX_URL/npm/loc/$PKG")
	T_REM=$(tarball_of "$PX_URL/npm/rem/$PKG")
	T_VD=$(tarball_of "$VERDACCIO_URL/$PKG")
	T_UP=$(tarball_of "$UP_URL/npm/npm/$PKG")
	case $T_REM in "$PX_URL"/*) ;; *) die "remote packument points at $T_REM, not through the proxy" ;; esac
	case $T_VD in "$VERDACCIO_URL"/*) ;; *) die "verdaccio packument points at $T_VD, not at itself" ;; esac
	[ "$(curl -sf "$T_REM" | sha256sum)" = "$(curl -sf "$T_UP" | sha256sum)" ] || die "remote tarball differs from the upstream's"
	[ "$(curl -sf "$T_VD" | sha256sum)" = "$(curl -sf "$T_UP" | sha256sum)" ] || die "verdaccio tarball differs from the upstream's"
	[ "$(curl -sf "$T_LOC" -o /dev/null -w '%{http_code}')" = 200 ] || die "local tarball $T_LOC"
	if [ -n "$P0_URL" ]; then
		T_LOC0=$(tarball_of "$P0_URL/npm/loc/$PKG")
		T_REM0=$(tarball_of "$P0_URL/npm/rem/$PKG")
		[ "$(curl -sf "$T_REM0" | sha256sum)" = "$(curl -sf "$T_UP" | sha256sum)" ] || die "before: remote tarball differs from the upstream's"
	fi
	log "tarballs: local $T_LOC, remote $T_REM, verdaccio $T_VD"
}

# check_warm: the packuments of (a) answer 200 and the remote's points through the proxy.
check_warm() {
	local u
	for u in "$PX_URL/npm/loc/$PKG" "$PX_URL/npm/rem/$PKG" ${P0_URL:+"$P0_URL/npm/loc/$PKG" "$P0_URL/npm/rem/$PKG"}; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $NPM_ACCEPT" "$u")" = 200 ] || die "GET $u is not 200"
	done
	T_REM=$(tarball_of "$PX_URL/npm/rem/$PKG")
	case $T_REM in "$PX_URL"/*) ;; *) die "remote packument points at $T_REM, not through the proxy" ;; esac
}

wrk_one() { # figure subject pids url
	"$BIN/kbench" wrk -figure "$1" -subject "$2" -pids "$3" -out "$RES" -- \
		wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 10s --latency -H "Accept: $NPM_ACCEPT" "$4"
}

# bench_warm: (a) remote vs local and (d) remote vs Verdaccio's uplink, packument and
# tarball; (c) the virtual's merged packument. CPU of the proxying server plus the
# upstream keeper (a warm hit must not reach it; Verdaccio's would show there too).
bench_warm() {
	local r u
	log "warm GETs: wrk -t2 -c$CONNS -d$DURATION, $RUNS runs"
	if [ -n "${BENCH_WARM_ONLY:-}" ]; then
		set -- "$PX_URL/npm/loc/$PKG" "$PX_URL/npm/rem/$PKG"
	else
		set -- "$PX_URL/npm/loc/$PKG" "$PX_URL/npm/rem/$PKG" "$PX_URL/npm/virt/$PKG" "$VERDACCIO_URL/$PKG" "$T_LOC" "$T_REM" "$T_VD"
	fi
	[ -n "$P0_URL" ] && set -- "$@" "$P0_URL/npm/loc/$PKG" "$P0_URL/npm/rem/$PKG"
	[ -n "$P0_URL" ] && [ -z "${BENCH_WARM_ONLY:-}" ] && set -- "$@" "$T_LOC0" "$T_REM0"
	for u in "$@"; do
		wrk -t2 -c"$CONNS" -d2s -H "Accept: $NPM_ACCEPT" "$u" >/dev/null
	done
	for r in $(seq 1 "$RUNS"); do
		LOADS+=("$(loadavg)")
		wrk_one proxy-pkm-c32 local "$PX_PID,$UP_PID" "$PX_URL/npm/loc/$PKG"
		wrk_one proxy-pkm-c32 keeper "$PX_PID,$UP_PID" "$PX_URL/npm/rem/$PKG"
		if [ -n "$P0_URL" ]; then
			wrk_one proxy-pkm-c32-before local "$P0_PID,$UP_PID" "$P0_URL/npm/loc/$PKG"
			wrk_one proxy-pkm-c32-before keeper "$P0_PID,$UP_PID" "$P0_URL/npm/rem/$PKG"
		fi
		[ -n "${BENCH_WARM_ONLY:-}" ] && continue
		wrk_one proxy-pkm-c32 verdaccio "$VERDACCIO_PID,$UP_PID" "$VERDACCIO_URL/$PKG"
		wrk_one virtual-pkm-c32 keeper "$PX_PID,$UP_PID" "$PX_URL/npm/virt/$PKG"
		wrk_one proxy-tgz-c32 local "$PX_PID,$UP_PID" "$T_LOC"
		wrk_one proxy-tgz-c32 keeper "$PX_PID,$UP_PID" "$T_REM"
		if [ -n "$P0_URL" ]; then
			wrk_one proxy-tgz-c32-before local "$P0_PID,$UP_PID" "$T_LOC0"
			wrk_one proxy-tgz-c32-before keeper "$P0_PID,$UP_PID" "$T_REM0"
		fi
		wrk_one proxy-tgz-c32 verdaccio "$VERDACCIO_PID,$UP_PID" "$T_VD"
	done
}

# bench_cold: (b) a file never fetched through the remote, vs the same file
# straight from the upstream keeper (first, so both read it from the page cache).
bench_cold() {
	local r
	log "cold fetch of $COLD_MIB MiB: direct from the upstream, then through the generic remote, $RUNS runs"
	for r in $(seq 1 "$RUNS"); do
		LOADS+=("$(loadavg)")
		"$BIN/kbench" timed -figure cold-50m -subject direct -pids "$UP_PID" -bytes $((COLD_MIB << 20)) -out "$RES" -- \
			curl -sf -o /dev/null "$UP_URL/generic/gen/cold-$r.bin"
		# -settle: the proxy's CPU counts until it committed its copy (a second
		# request for the path waits for the fetch), after the client's last
		# byte, so no store work of one fetch overlaps the next measured one.
		"$BIN/kbench" timed -figure cold-50m -subject keeper -pids "$PX_PID,$UP_PID" -bytes $((COLD_MIB << 20)) -out "$RES" \
			-settle "$PX_URL/generic/genrem/cold-$r.bin" -- curl -sf -o /dev/null "$PX_URL/generic/genrem/cold-$r.bin"
		# The before proxy fetches the same file, also never fetched through it.
		[ -z "$P0_URL" ] || "$BIN/kbench" timed -figure cold-50m-before -subject keeper -pids "$P0_PID,$UP_PID" \
			-bytes $((COLD_MIB << 20)) -out "$RES" -settle "$P0_URL/generic/genrem/cold-$r.bin" -- \
			curl -sf -o /dev/null "$P0_URL/generic/genrem/cold-$r.bin"
	done
}

main() {
	install_tools wrk curl python3
	[ -n "${BENCH_WARM_ONLY:-}" ] || install_verdaccio
	build
	export KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true # the upstream is on loopback
	start_one up
	start_one px
	if [ -n "${BENCH_BEFORE_BIN:-}" ]; then
		mkdir -p "$WORK/bin-before" && cp "$BENCH_BEFORE_BIN" "$WORK/bin-before/keeper"
		BIN=$WORK/bin-before start_one p0
	fi
	if [ -n "${BENCH_WARM_ONLY:-}" ]; then
		prepare
		check_warm
	else
		start_verdaccio
		prepare
		bench_cold
		check
	fi
	bench_warm
	extra_cleanup
	[ -n "${BENCH_RESULTS:-}" ] && cp "$RES" "$BENCH_RESULTS"
	echo
	echo "Keeper remote and virtual repositories — $(date -u +%Y-%m-%dT%H:%MZ), $(machine_line)"
	if [ -n "${BENCH_WARM_ONLY:-}" ]; then
		echo "keeper from $KEEPER_FROM${BENCH_BEFORE_BIN:+, before: $BENCH_BEFORE_BIN}, warm packument only, runs=$RUNS, wrk -c$CONNS ${DURATION}, $PKG with $VERSIONS versions"
	else
		echo "keeper from $KEEPER_FROM${BENCH_BEFORE_BIN:+, before: $BENCH_BEFORE_BIN}, verdaccio $(node -p "require('$VD/node_modules/verdaccio/package.json').version") on node $(node --version), runs=$RUNS, wrk -c$CONNS ${DURATION}, $PKG with $VERSIONS versions"
	fi
	echo "load average (1 min) at the start of each run: ${LOADS[*]}"
	echo
	"$BIN/kbench" report "$RES"
}

main
