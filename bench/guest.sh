#!/usr/bin/env bash
# Guest speed (issues 9.1, 12, 13): the render benchmark of every plugin,
# wasm vs native, in one run. Prints the median over -count runs of each
# side's CPU per request and their ratio (thread CPU; process CPU for OCI and
# generic, whose native path is below the thread clock's resolution).
#
#   bash bench/guest.sh                          # every plugin, -count 3, worktree at $PWD
#   BENCH_PLUGINS="oci maven" bash bench/guest.sh
#   BENCH_COUNT=1 BENCH_N=20 bash bench/guest.sh # quicker: one run, 20 iterations where not set below
#   BENCH_BEFORE=/tmp/main bash bench/guest.sh   # also run a second worktree (e.g. main), plugin by
#                                                # plugin alternately, and print before/after columns
#   BENCH_RAW=/tmp/raw.txt bash bench/guest.sh
#
# Every wasm sub-benchmark builds and compiles its plugin, so a plugin costs
# 20-60 s on a loaded machine whatever -benchtime is: the iteration counts
# are fixed (-benchtime Nx) to run each sub-benchmark once per -count.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${BENCH_COUNT:-3}
n=${BENCH_N:-100}
raw=${BENCH_RAW:-$(mktemp)}
before=${BENCH_BEFORE:-}
: >"$raw"

# plugin -> "-bench regexp|iterations" for the plugins whose benchmark
# function holds more than the render (uploads, remote documents) or whose
# render is slow; every other plugin runs all its benchmarks with BENCH_N.
declare -A spec=(
	[npm]='Packument(200|2000)$|20'
	[pypi]='SimplePage|100'
	[maven]='ArtifactMetadata|200'
	[gomod]='List|100'
	[cargo]='^BenchmarkIndex200$|200'
	[helm]='IndexYAML|50'
	[oci]='ManifestGet|2000'
	[generic]='Handle|2000'
	[alpine]='UploadThenIndex/index/1000/|20'
	[conda]='UploadThenIndex/index/1000/|20'
	[debian]='IndexRebuild/1000/|10'
	[opkg]='UploadThenIndex/index/1000/|20'
	[p2]='UploadThenIndex/index/1000/|20'
	[rpm]='UploadThenIndex/index/1000/|10'
	[mlmodel]='CardThenListing/listing/1000/|20'
)

plugins=${BENCH_PLUGINS:-$(cd "$root/plugins" && grep -l '^func Benchmark' ./*/*_test.go | cut -d/ -f2 | sort -u | tr '\n' ' ')}

run() { # tree, label, plugin
	local re=. iters=$n
	if [[ -n ${spec[$3]:-} ]]; then re=${spec[$3]%|*} iters=${spec[$3]##*|}; fi
	(cd "$1/plugins/$3" && go test -run '^$' -bench "$re" -benchtime "${iters}x" -count "$count" . 2>&1) |
		grep '^Benchmark' | sed "s|^|$2 $3 |" >>"$raw" || echo "$3: no benchmark output in $1" >&2
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (start)"
for p in $plugins; do
	[[ -n $before && -d $before/plugins/$p ]] && run "$before" before "$p"
	run "$root" after "$p"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (end)"
awk -v two="${before:+1}" '
function median(list,   n, a, i, j, t) {
	n = split(list, a, " ")
	if (n == 0) return 0
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function ratio(a, b) { return a > 0 ? sprintf("%.1fx", b / a) : "-" }
{
	tree = $1; name = $3; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
	side = (name ~ /native/) ? "native" : "wasm"
	key = $2 " " name; sub(/\/?(native|wasm)\/?/, "/", key); sub(/\/$/, "", key)
	unit = ($2 == "oci" || $2 == "generic") ? "proc-ms/op" : "thread-ms/op"
	for (i = 4; i < NF; i++) if ($(i + 1) == unit) v[tree, key, side] = v[tree, key, side] " " $i
	if (!(key in seen)) { seen[key] = 1; order[++n] = key }
}
END {
	if (two) printf "%-44s %10s %10s %7s %10s %10s %7s\n", "benchmark (ms per request)", "native", "wasm", "before", "native", "wasm", "after"
	else printf "%-44s %10s %10s %7s\n", "benchmark (ms per request)", "native", "wasm", "ratio"
	for (k = 1; k <= n; k++) {
		key = order[k]
		a = median(v["after", key, "native"]); b = median(v["after", key, "wasm"])
		if (two) {
			c = median(v["before", key, "native"]); d = median(v["before", key, "wasm"])
			printf "%-44s %10.4g %10.4g %7s %10.4g %10.4g %7s\n", key, c, d, ratio(c, d), a, b, ratio(a, b)
		} else printf "%-44s %10.4g %10.4g %7s\n", key, a, b, ratio(a, b)
	}
}' "$raw"
