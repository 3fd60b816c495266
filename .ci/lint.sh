#!/usr/bin/env bash
# Lint that cannot drift: gofmt, go vet, staticcheck (its U1000 finds unused
# code), deadcode (functions no main and no test reaches) and `go mod tidy
# -diff`, over the root module and every nested one (sdk/go, plugins/*,
# tools/*). The tools are versioned in go.mod (`go get -tool`), so every
# machine runs the same checks.
#
#   go tool task lint     # or: bash .ci/lint.sh
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
failed=()

check() { # check NAME CMD...: runs CMD, prints its output, remembers a failure
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then
		echo "lint $name: ok"
	else
		echo "$out"
		echo "lint $name: FAILED"
		failed+=("$name")
	fi
}
# empty CMD...: fails when CMD prints anything (deadcode exits 0 with findings)
empty() { local out; out=$("$@" 2>&1) || { echo "$out"; return 1; }; [[ -z $out ]] || { echo "$out"; return 1; }; }

staticcheck=$(go tool -n staticcheck) || exit 1
deadcode=$(go tool -n deadcode) || exit 1

check gofmt empty gofmt -l $(git ls-files '*.go')

modules=(.)
for mod in sdk/go plugins/*/ tools/*/; do
	mod=${mod%/}
	[[ -f $mod/go.mod ]] && modules+=("$mod")
done
for mod in "${modules[@]}"; do
	check "vet:$mod" go -C "$mod" vet ./...
	check "tidy:$mod" go -C "$mod" mod tidy -diff
	if [[ $mod == sdk/go ]]; then
		# The SDK is mostly guest code: check it as the plugins build it too.
		check "staticcheck:$mod" bash -c "cd $mod && printf 'host:\nwasm: GOOS=wasip1 GOARCH=wasm\n' | $staticcheck -matrix ./..."
	else
		check "staticcheck:$mod" bash -c "cd $mod && $staticcheck ./..."
	fi
done
# deadcode needs a main package: the server's module.
check deadcode empty "$deadcode" -test ./...

if [[ ${#failed[@]} -gt 0 ]]; then
	echo "lint FAILED: ${failed[*]}"
	exit 1
fi
echo "lint: all checks passed"
