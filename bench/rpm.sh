#!/usr/bin/env bash
# dnf makecache (fresh cache each run) against an RPM repository of N
# packages on a real keeper, beside nginx serving createrepo_c's output for
# the same packages, in the same run (bench/README.md).
#
#   bash bench/rpm.sh
#
# Environment: BENCH_RUNS (default 5), BENCH_RPM_PACKAGES (default 500),
# BENCH_KEEPER_BIN, BENCH_KEEP=1 (as in bench/run.sh).
set -euo pipefail

RUNS=${BENCH_RUNS:-5}
N=${BENCH_RPM_PACKAGES:-500}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d /tmp/keeper-bench-rpm.XXXXXX)
chmod 755 "$WORK" # nginx workers run as nobody and read $WORK/www
BIN=$WORK/bin
PASS=bench-$RANDOM-$RANDOM-pass

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# build_rpms: one spec whose N subpackages carry one file each (rpmbuild -bb).
build_rpms() {
	local top=$WORK/rpmbuild
	mkdir -p "$WORK/www"
	cat >"$WORK/bench.spec" <<SPEC
Name: bench
Version: 1
Release: 1
Summary: bench
License: MIT
BuildArch: noarch
%description
Bench.
%{lua: for i=1,$N do print("%package -n bench-"..i.."\\nSummary: bench package "..i.."\\nRequires: bench\\n%description -n bench-"..i.."\\nBench package "..i..".\\n%files -n bench-"..i.."\\n/usr/share/bench/"..i.."\\n") end}
%install
mkdir -p %{buildroot}/usr/share/bench
for i in \$(seq 1 $N); do echo \$i > %{buildroot}/usr/share/bench/\$i; done
%files
SPEC
	log "rpmbuild: $N packages"
	rpmbuild -bb --quiet --define "_topdir $top" "$WORK/bench.spec" >"$WORK/rpmbuild.log" 2>&1 || die "rpmbuild failed: $(tail -5 "$WORK/rpmbuild.log")"
	cp "$top"/RPMS/noarch/*.rpm "$WORK/www/"
	createrepo_c --quiet "$WORK/www" || die "createrepo_c failed"
}

upload_rpms() {
	local t f
	t=$(token) || die "login failed"
	create_repo el rpm
	for f in "$WORK"/www/*.rpm; do
		curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $t" --data-binary "@$f" "$KEEPER_URL/rpm/el/$(basename "$f")" ||
			die "upload $(basename "$f") failed"
	done
	log "uploaded $(ls "$WORK"/www/*.rpm | wc -l) packages"
}

# makecache SUBJECT BASEURL: RUNS timed `dnf makecache` with a fresh cache; prints the seconds, one a line.
makecache() {
	local i d
	for i in $(seq 1 "$RUNS"); do
		d=$WORK/dnf-$1-$i
		mkdir -p "$d/repos"
		printf '[main]\ncachedir=%s/cache\nplugins=0\n' "$d" >"$d/dnf.conf"
		printf '[b]\nname=b\nbaseurl=%s\ngpgcheck=0\nrepo_gpgcheck=0\nmetadata_expire=0\n' "$2" >"$d/repos/b.repo"
		local s e
		s=$(date +%s.%N)
		dnf -q --installroot="$d/root" --releasever=1 --setopt=reposdir="$d/repos" --config="$d/dnf.conf" \
			--disablerepo='*' --enablerepo=b makecache >"$d/out" 2>&1 || die "dnf makecache ($1) failed: $(tail -3 "$d/out")"
		e=$(date +%s.%N)
		python3 -c "print(f'{$e - $s:.3f}')"
	done
}

main() {
	command -v dnf >/dev/null && command -v rpmbuild >/dev/null && command -v createrepo_c >/dev/null ||
		die "dnf, rpmbuild and createrepo_c are needed (bash e2e/install-clients.sh rpm)"
	install_tools nginx curl python3
	build_rpms
	build
	start_keeper_or_head
	start_nginx
	upload_rpms
	# The first request renders the documents (then cached per generation): not timed.
	curl -sf -o /dev/null "$KEEPER_URL/rpm/el/repodata/repomd.xml"
	local k n load
	load=$(loadavg)
	k=$(makecache keeper "$KEEPER_URL/rpm/el/" | tee "$WORK/keeper.times" | median)
	n=$(makecache nginx "$NGINX_URL/" | tee "$WORK/nginx.times" | median)
	echo
	echo "dnf makecache, $N packages — $(date -u +%Y-%m-%dT%H:%MZ), $(machine_line), load $load"
	echo "keeper from $KEEPER_FROM; nginx serving createrepo_c $(createrepo_c --version | head -1 | cut -d' ' -f2) output; runs=$RUNS"
	echo "keeper: median ${k}s ($(tr '\n' ' ' <"$WORK/keeper.times"))"
	echo "nginx:  median ${n}s ($(tr '\n' ' ' <"$WORK/nginx.times"))"
	python3 -c "print(f'ratio keeper/nginx: {$k / $n:.2f} (target <= 1.5)')"
}

main
