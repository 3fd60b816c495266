#!/usr/bin/env bash
# Plugin runtime figures: start-up, memory with 45 plugins, first request to a
# released plugin (bench/cmd/kruntime; see bench/README.md).
#
#   bash bench/runtime.sh            # BENCH_RUNS=3 start-up runs per case
#   bash bench/runtime.sh -serve "" -serve KEEPER_PLUGINS_MAX_LOADED=8   # serving phase per environment
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
go run ./adapters/wasm/builtin/build >/dev/null
mkdir -p bin
go build -o bin/keeper ./cmd/keeper
go run ./bench/cmd/kruntime -keeper bin/keeper -runs "${BENCH_RUNS:-3}" "$@"
