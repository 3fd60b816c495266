#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster on a free loopback port for the tests.
#
#   eval "$(.ci/postgres.sh start)"   # installs PostgreSQL from Debian if missing, prints export lines
#   go test ./adapters/bunstore/...
#   .ci/postgres.sh stop              # stops it and removes its data
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$REPO/.tools/postgres.env"
log() { echo "postgres.sh: $*" >&2; }

pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[[ -n "$d" && -x "$d/initdb" ]] && echo "$d"
}

install() {
	if pg_bin >/dev/null; then return; fi
	if [[ $(id -u) -ne 0 ]]; then
		log "PostgreSQL is not installed; run: sudo apt-get install -y postgresql"
		return 1
	fi
	log "installing PostgreSQL from Debian"
	[[ -f "$REPO/.tools/apt-updated" ]] || { apt-get update -qq >&2 && mkdir -p "$REPO/.tools" && touch "$REPO/.tools/apt-updated"; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
	# Debian starts a default cluster on install; we use our own.
	(service postgresql stop || true) >/dev/null 2>&1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# as_owner runs a command as the cluster owner: postgres when we are root
# (initdb refuses root), else ourselves.
as_owner() {
	if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
	install
	local bin dir port
	bin=$(pg_bin)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/keeper-pg.XXXXXX")
	[[ $(id -u) -eq 0 ]] && chown postgres "$dir"
	as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
	for attempt in 1 2 3 4 5; do
		port=$(free_port)
		if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null 2>&1; then
			break
		fi
		log "start on port $port failed (attempt $attempt)"; tail -5 "$dir/server.log" >&2 || true
		port=""
	done
	[[ -n "$port" ]] || { log "could not start PostgreSQL"; return 1; }
	"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE keeper_test" >&2
	mkdir -p "$(dirname "$STATE")"
	printf 'PG_DIR=%q\nPG_BIN=%q\n' "$dir" "$bin" >"$STATE"
	echo "export KEEPER_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:$port/keeper_test?sslmode=disable'"
}

stop() {
	[[ -f "$STATE" ]] || return 0
	# shellcheck disable=SC1090
	source "$STATE"
	as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$PG_DIR" "$STATE"
}

case "${1:-}" in
	start) start ;;
	stop) stop ;;
	install) install ;;
	*) echo "usage: $0 start|stop|install" >&2; exit 2 ;;
esac
