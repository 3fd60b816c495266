#!/usr/bin/env bash
# Installs the pinned vulnerability scanners (Trivy, Grype) into .tools/bin,
# skipping each one whose pinned version is already there. Building them is
# slow (Trivy ≈ 8 min and 3.3 GB of memory on 2 cores, Grype ≈ 3 min), so CI
# starts this in the background early. The scan e2e tests skip when the
# binaries are missing; docs/scanning.md describes running them offline.
#
#   bash .ci/scanners.sh            # both
#   bash .ci/scanners.sh grype      # one (grype, trivy or vulndb)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$REPO/.tools/bin"
mkdir -p "$BIN"
TRIVY_VERSION=0.74.0
GRYPE_VERSION=0.121.2

installed() { # installed BIN VERSION
	[[ -x "$BIN/$1" ]] && "$BIN/$1" --version 2>/dev/null | grep -q "$2"
}

want=${1:-all}
if [[ $want == all || $want == vulndb ]]; then
	# The generator of the tests' offline databases (tools/vulndb, its own module).
	go -C "$REPO/tools/vulndb" build -o "$BIN/keeper-vulndb" .
	echo "keeper-vulndb built"
fi
if [[ $want == all || $want == grype ]]; then
	if installed grype "$GRYPE_VERSION"; then
		echo "grype $GRYPE_VERSION present"
	else
		GOBIN="$BIN" GOFLAGS=-p=1 go install -ldflags "-X main.version=$GRYPE_VERSION" \
			"github.com/anchore/grype/cmd/grype@v$GRYPE_VERSION"
		echo "grype $GRYPE_VERSION installed"
	fi
fi
if [[ $want == all || $want == trivy ]]; then
	if installed trivy "$TRIVY_VERSION"; then
		echo "trivy $TRIVY_VERSION present"
	else
		GOBIN="$BIN" GOEXPERIMENT=jsonv2 GOFLAGS=-p=1 go install \
			-ldflags "-X github.com/aquasecurity/trivy/pkg/version/app.ver=$TRIVY_VERSION" \
			"github.com/aquasecurity/trivy/cmd/trivy@v$TRIVY_VERSION"
		echo "trivy $TRIVY_VERSION installed"
	fi
fi
