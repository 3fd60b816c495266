#!/usr/bin/env bash
# apt-get update (fresh lists each run) against a signed APT repository of N
# packages on a real keeper, beside nginx serving the same packages as
# dpkg-scanpackages + apt-ftparchive output clear-signed with gpg, both
# verified with signed-by (like for like), in the same run (bench/README.md).
#
#   bash bench/apt.sh
#
# Environment: BENCH_RUNS (default 5), BENCH_APT_PACKAGES (default 200),
# BENCH_KEEPER_BIN, BENCH_KEEP=1 (as in bench/run.sh).
set -euo pipefail

RUNS=${BENCH_RUNS:-5}
N=${BENCH_APT_PACKAGES:-200}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d /tmp/keeper-bench-apt.XXXXXX)
chmod 755 "$WORK" # nginx workers run as nobody and read $WORK/www
BIN=$WORK/bin
PASS=bench-$RANDOM-$RANDOM-pass

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# build_debs: N packages of one file each (dpkg-deb --build), in the pool of
# a static archive indexed and signed as a Debian mirror is.
build_debs() {
	local i d pool=$WORK/www/pool/main/b
	mkdir -p "$pool" "$WORK/src"
	log "dpkg-deb: $N packages"
	for i in $(seq 1 "$N"); do
		d=$WORK/src/bench-$i
		mkdir -p "$d/DEBIAN" "$d/usr/share/bench"
		echo "$i" >"$d/usr/share/bench/$i"
		printf 'Package: bench-%s\nVersion: 1.0\nArchitecture: amd64\nMaintainer: Bench <bench@keeper.invalid>\nDescription: bench package %s\n Bench.\n' "$i" "$i" >"$d/DEBIAN/control"
		dpkg-deb --root-owner-group --build "$d" "$pool/bench-${i}_1.0_amd64.deb" >/dev/null
	done
	local dist=$WORK/www/dists/stable bin=$WORK/www/dists/stable/main/binary-amd64
	mkdir -p "$bin"
	(cd "$WORK/www" && dpkg-scanpackages --multiversion pool >"$bin/Packages" 2>/dev/null)
	gzip -9kn "$bin/Packages"
	xz -kT1 "$bin/Packages"
	apt-ftparchive -o APT::FTPArchive::Release::Suite=stable -o APT::FTPArchive::Release::Codename=stable \
		-o APT::FTPArchive::Release::Architectures=amd64 -o APT::FTPArchive::Release::Components=main \
		release "$dist" >"$WORK/Release"
	mv "$WORK/Release" "$dist/Release"
	export GNUPGHOME=$WORK/gnupg
	mkdir -m 700 -p "$GNUPGHOME"
	gpg -q --batch --pinentry-mode loopback --passphrase '' --quick-gen-key "Bench <bench@keeper.invalid>" rsa3072 sign never
	gpg -q --batch --clearsign -o "$dist/InRelease" "$dist/Release"
	gpg -q --batch -abs -o "$dist/Release.gpg" "$dist/Release"
	gpg -q --batch --armor --export >"$WORK/nginx.asc"
}

upload_debs() {
	local t f key
	t=$(token) || die "login failed"
	create_repo apt debian
	key=$(curl -sf -X POST "$KEEPER_URL/api/v1/signing/keys" -H "Authorization: Bearer $t" \
		-d '{"name":"bench","algorithm":"rsa3072"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') ||
		die "create signing key failed"
	curl -sf -o /dev/null -X PUT "$KEEPER_URL/api/v1/signing/repositories/apt/config" -H "Authorization: Bearer $t" \
		-d "{\"key_id\":\"$key\"}" || die "set the repository's key failed"
	for f in "$WORK"/www/pool/main/b/*.deb; do
		curl -sf -o /dev/null -X POST -H "Authorization: Bearer $t" --data-binary "@$f" "$KEEPER_URL/debian/apt/upload" ||
			die "upload $(basename "$f") failed"
	done
	curl -sf -o "$WORK/keeper.asc" "$KEEPER_URL/debian/apt/gpg-key.asc" || die "no repository key"
	log "uploaded $(ls "$WORK"/www/pool/main/b/*.deb | wc -l) packages"
}

# update SUBJECT SOURCE-LINE: RUNS timed `apt-get update` with empty lists; prints the seconds, one a line.
update() {
	local i d s e
	for i in $(seq 1 "$RUNS"); do
		d=$WORK/apt-$1-$i
		mkdir -p "$d/lists/partial" "$d/cache" "$d/archives/partial" "$d/parts"
		echo "$2" >"$d/sources.list"
		: >"$d/status"
		: >"$d/apt.conf"
		s=$(date +%s.%N)
		APT_CONFIG=$d/apt.conf apt-get -q -o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
			-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" -o Dir::Cache::Archives="$d/archives" \
			-o Dir::State::status="$d/status" -o Dir::Etc::Trusted=/nonexistent -o Dir::Etc::TrustedParts=/nonexistent \
			-o Dir::Etc::Parts="$d/parts" -o APT::Sandbox::User=root -o Acquire::Languages=none \
			-o APT::Architecture=amd64 -o APT::Architectures=amd64 update >"$d/out" 2>&1 || die "apt-get update ($1) failed: $(tail -3 "$d/out")"
		grep -qE '^(W|E):' "$d/out" && die "apt-get update ($1) warned: $(grep -E '^(W|E):' "$d/out" | head -3)"
		e=$(date +%s.%N)
		python3 -c "print(f'{$e - $s:.3f}')"
	done
}

main() {
	command -v dpkg-deb >/dev/null && command -v apt-ftparchive >/dev/null && command -v gpg >/dev/null ||
		die "dpkg-deb, apt-ftparchive (apt-utils) and gpg are needed"
	install_tools nginx curl python3 xz
	build_debs
	build
	start_keeper_or_head
	start_nginx
	upload_debs
	# The first request may render documents (then cached per generation): not timed.
	curl -sf -o /dev/null "$KEEPER_URL/debian/apt/dists/stable/InRelease"
	local k n load
	load=$(loadavg)
	k=$(update keeper "deb [signed-by=$WORK/keeper.asc] $KEEPER_URL/debian/apt stable main" | tee "$WORK/keeper.times" | median)
	n=$(update nginx "deb [signed-by=$WORK/nginx.asc] $NGINX_URL stable main" | tee "$WORK/nginx.times" | median)
	echo
	echo "apt-get update, $N packages, signed-by both — $(date -u +%Y-%m-%dT%H:%MZ), $(machine_line), load $load"
	echo "keeper from $KEEPER_FROM; nginx serving dpkg-scanpackages + apt-ftparchive output signed by gpg; runs=$RUNS"
	echo "keeper: median ${k}s ($(tr '\n' ' ' <"$WORK/keeper.times"))"
	echo "nginx:  median ${n}s ($(tr '\n' ' ' <"$WORK/nginx.times"))"
	python3 -c "print(f'ratio keeper/nginx: {$k / $n:.2f} (target <= 1.5)')"
}

main
