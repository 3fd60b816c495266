#!/usr/bin/env bash
# Freshness check of the generated canonical-ABI glue: regenerates it from
# wit/keeper-format.wit into a temporary directory (tools/witgen) and fails
# when it differs from the committed files.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go -C "$REPO/tools/witgen" run . -root "$REPO" -out "$tmp"
stale=0
for f in adapters/wasm/glue_gen.go sdk/go/glue_gen_wasm.go; do
	if ! diff -u "$REPO/$f" "$tmp/$f"; then
		stale=1
	fi
done
if [[ $stale == 1 ]]; then
	echo "the generated glue is stale (wit/keeper-format.wit or tools/witgen changed): run \`go tool task gen\` and commit the result" >&2
	exit 1
fi
echo "generated glue is fresh"
