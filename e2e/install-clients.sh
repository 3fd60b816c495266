#!/usr/bin/env bash
# Installs the real package clients the end-to-end tests drive, when missing:
# Debian packages with apt-get (as root), npm globals, and Go-built tools
# cached under .tools/bin (git-ignored). Safe to run again: it skips what is
# there. Usage: bash e2e/install-clients.sh [all|npm|pypi|maven|go|cargo|oci|helm|cran|ansible|puppet|openvsx|lfs|rpm|debian|opkg|terraform|hex|rubygems|composer|nuget|webui|replication|incus|buf]
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$REPO/.tools/bin"
mkdir -p "$BIN"
log() { echo "install-clients: $*" >&2; }

apt_install() {
	local missing=()
	for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
	[[ ${#missing[@]} -eq 0 ]] && return
	if [[ $(id -u) -ne 0 ]]; then log "missing Debian packages: ${missing[*]} (run as root)"; return 1; fi
	if [[ ! -f "$REPO/.tools/apt-updated" ]]; then apt-get update -qq >&2; touch "$REPO/.tools/apt-updated"; fi
	log "apt-get install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

npm_global() {
	local name=$1 spec=$2
	command -v "$name" >/dev/null 2>&1 && return
	log "npm install -g $spec"
	npm install -g --silent "$spec" >&2
}

go_tool() {
	local name=$1 spec=$2
	[[ -x "$BIN/$name" ]] && return
	log "go install $spec"
	GOBIN="$BIN" go install "$spec" >&2
}

want=${1:-all}
has() { [[ $want == all || $want == "$1" ]]; }

has npm && { npm_global yarn yarn; npm_global pnpm pnpm; npm_global bower bower@1.8.14; }
has pypi && apt_install twine python3-venv
has maven && apt_install maven libmaven-deploy-plugin-java libmaven-install-plugin-java libmaven-compiler-plugin-java \
	libmaven-jar-plugin-java libmaven-resources-plugin-java libsurefire-java libmaven-dependency-plugin-java libmaven-clean-plugin-java
has oci && {
	apt_install skopeo
	go_tool crane github.com/google/go-containerregistry/cmd/crane@v0.22.1
	go_tool oras oras.land/oras/cmd/oras@v1.3.6
	go_tool regctl github.com/regclient/regclient/cmd/regctl@v0.11.7
	go_tool conformance github.com/opencontainers/distribution-spec/conformance@v0.0.0-20260831232431-97274622c111
	go_tool registry github.com/distribution/distribution/v3/cmd/registry@v3.1.2 # an upstream for the pull-through cache
}
has rpm && apt_install dnf rpm createrepo-c gnupg
has debian && apt_install dpkg-dev apt-utils gnupg
has opkg && apt_install gnupg curl
has rubygems && apt_install ruby bundler
has composer && apt_install composer unzip
has nuget && apt_install nuget
has helm && go_tool helm helm.sh/helm/v3/cmd/helm@v3.22.0
has terraform && { command -v terraform >/dev/null || go_tool terraform github.com/hashicorp/terraform@v1.11.4; }
has hex && apt_install rebar3
has cran && apt_install r-base-core
has ansible && apt_install ansible-core
has puppet && apt_install puppet
has ivy && apt_install ivy default-jre-headless
has openvsx && { npm_global ovsx ovsx@1.1.1; npm_global vsce @vscode/vsce@4.1.0; }
has lfs && apt_install git git-lfs
has vagrant && apt_install vagrant
has incus && apt_install lxd xz-utils
has buf && npm_global buf @bufbuild/buf
has webui && apt_install chromium
# The replication test over tc netem (e2e/replication_netem_test.go) makes network namespaces with ip and tc.
has replication && apt_install iproute2
command -v go >/dev/null && command -v cargo >/dev/null || log "go and cargo come with the machine"
echo "$BIN"
