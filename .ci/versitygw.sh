#!/usr/bin/env bash
# Starts a throw-away versitygw S3 server on loopback for the s3blob tests.
#
#   eval "$(.ci/versitygw.sh start)"   # builds versitygw once, prints export lines
#   go test -race ./adapters/s3blob/...
#   .ci/versitygw.sh stop              # stops it and removes its data
#
# versitygw: https://github.com/versity/versitygw (posix backend: each top-level
# directory of the data directory is a bucket).
set -euo pipefail

VERSION=v1.8.0
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$REPO/.tools/bin"
STATE="$REPO/.tools/versitygw.env"

log() { echo "versitygw.sh: $*" >&2; }

# free_port prints a loopback TCP port nothing listens on.
free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
		return
	fi
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	log "no free port found"
	return 1
}

build() {
	if [[ -x "$BIN/versitygw" ]]; then
		return
	fi
	log "building versitygw $VERSION into $BIN (takes a few minutes)"
	mkdir -p "$BIN"
	(cd "$REPO" && GOBIN="$BIN" go install "github.com/versity/versitygw/cmd/versitygw@$VERSION") >&2
}

start() {
	build
	local dir access secret bucket port pid endpoint
	dir=$(mktemp -d "${TMPDIR:-/tmp}/keeper-versitygw.XXXXXX")
	mkdir -p "$dir/data"
	access="keeper$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	secret="$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"
	bucket=keeper-test
	# A port found free may be taken before versitygw binds it: retry a few times.
	for attempt in 1 2 3 4 5; do
		port=$(free_port)
		ROOT_ACCESS_KEY="$access" ROOT_SECRET_KEY="$secret" \
			nohup "$BIN/versitygw" --quiet --port "127.0.0.1:$port" posix "$dir/data" \
			>"$dir/versitygw.log" 2>&1 </dev/null &
		pid=$!
		endpoint="http://127.0.0.1:$port"
		if wait_ready "$pid" "$port"; then
			break
		fi
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
		log "attempt $attempt: versitygw did not start on port $port:"
		tail -n 5 "$dir/versitygw.log" >&2 || true
	done
	if [[ -z "$pid" ]]; then
		rm -rf "$dir"
		return 1
	fi
	if ! (cd "$REPO" && KEEPER_TEST_S3_ENDPOINT="$endpoint" KEEPER_TEST_S3_BUCKET="$bucket" \
		KEEPER_TEST_S3_ACCESS_KEY="$access" KEEPER_TEST_S3_SECRET_KEY="$secret" \
		go run ./adapters/s3blob/internal/mkbucket >&2); then
		kill "$pid" 2>/dev/null || true
		rm -rf "$dir"
		return 1
	fi
	mkdir -p "$(dirname "$STATE")"
	{
		echo "export KEEPER_TEST_S3_ENDPOINT=$endpoint"
		echo "export KEEPER_TEST_S3_ACCESS_KEY=$access"
		echo "export KEEPER_TEST_S3_SECRET_KEY=$secret"
		echo "export KEEPER_TEST_S3_BUCKET=$bucket"
		echo "export KEEPER_TEST_S3_PID=$pid"
		echo "export KEEPER_TEST_S3_DIR=$dir"
	} | tee "$STATE"
	log "versitygw $VERSION pid $pid serving $dir/data at $endpoint (log: $dir/versitygw.log)"
}

# wait_ready waits until the server at port answers HTTP (any status) or its
# process exits.
wait_ready() {
	local pid=$1 port=$2
	for _ in $(seq 1 100); do
		if ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

stop() {
	local pid=${KEEPER_TEST_S3_PID:-} dir=${KEEPER_TEST_S3_DIR:-}
	if [[ -z "$pid" && -f "$STATE" ]]; then
		# shellcheck disable=SC1090
		source "$STATE"
		pid=${KEEPER_TEST_S3_PID:-}
		dir=${KEEPER_TEST_S3_DIR:-}
	fi
	if [[ -z "$pid" ]]; then
		log "nothing to stop (no KEEPER_TEST_S3_PID and no $STATE)"
		return 0
	fi
	if kill "$pid" 2>/dev/null; then
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	if [[ "$dir" == */keeper-versitygw.* ]]; then
		rm -rf "$dir"
	fi
	rm -f "$STATE"
	log "stopped pid $pid"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
build) build ;;
*)
	echo "usage: $0 start|stop|build" >&2
	exit 2
	;;
esac
