#!/usr/bin/env bash
# Guest speed (issue 9.1): every plugin render benchmark, wasm vs native, in
# one run. Prints the median over -count runs of each side's CPU per request
# and their ratio (thread CPU; process CPU for OCI, whose native path is
# below the thread clock's resolution).
#
#   bash bench/guest.sh                # -count 3 (BENCH_COUNT), worktree at $PWD
#   BENCH_RAW=/tmp/raw.txt bash bench/guest.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${BENCH_COUNT:-3}
raw=${BENCH_RAW:-$(mktemp)}
: >"$raw"
run() { # plugin, -bench regexp, -benchtime
	(cd "$root/plugins/$1" && go test -run '^$' -bench "$2" -benchtime "$3" -count "$count" . 2>&1) |
		grep '^Benchmark' | sed "s|^|$1 |" >>"$raw"
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (start)"
run npm 'Packument(200|2000)$' 20x
run pypi 'SimplePage' 100x
run maven 'ArtifactMetadata' 200x
run gomod 'List' 100x
run cargo '^BenchmarkIndex200$' 200x
run helm 'IndexYAML' 50x
run oci 'ManifestGet' 2000x
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (end)"
awk '
function median(list,   n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	name = $2; sub(/-[0-9]+$/, "", name)
	side = (name ~ /native/) ? "native" : "wasm"
	key = name; sub(/\/?(native|wasm)\/?/, "/", key); sub(/\/$/, "", key)
	unit = ($1 == "oci") ? "proc-ms/op" : "thread-ms/op"
	for (i = 3; i < NF; i++) if ($(i + 1) == unit) v[key, side] = v[key, side] " " $i
	if (!(key in seen)) { seen[key] = 1; order[++n] = key }
}
END {
	printf "%-40s %12s %12s %8s\n", "benchmark", "native ms", "wasm ms", "ratio"
	for (k = 1; k <= n; k++) {
		key = order[k]; a = median(v[key, "native"]); b = median(v[key, "wasm"])
		printf "%-40s %12.4g %12.4g %7.1fx\n", key, a, b, (a > 0 ? b / a : 0)
	}
}' "$raw"
