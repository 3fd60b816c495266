package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestWebUI drives the admin UI in Debian's Chromium against a real keeper
// (web/e2e/ui.mjs, playwright-core): sign in, repositories of each type, an
// API token used with curl and npm publish, the artifact in the tree, a
// plugin installed and hot-reloaded, a policy edit changing the checker's
// answer, a webhook pinged into a receiver and its delivery log, the
// dashboard's download chart, scan verdicts ("not scanned" without a
// scanner), an artifact's history across a delete, a forced password
// change, and the dashboard's cold first load.
// It fails on any console error or failed request. The UI must be built
// into the binary (go tool task web) and web/node_modules installed.
func TestWebUI(t *testing.T) {
	wasm := filepath.Join(t.TempDir(), "vagrant.wasm")
	if err := os.WriteFile(wasm, buildExamplePlugin(t), 0o600); err != nil {
		t.Fatal(err)
	}
	// Webhooks may reach the script's receiver at "localhost" (other loopback
	// targets stay refused, as the upstream and SSO tests expect).
	// No scanner (whatever is on PATH): artifacts show "not scanned".
	runUIScript(t, "ui.mjs", harness.Options{Env: []string{"KEEPER_EGRESS_ALLOWED_HOSTS=localhost", "KEEPER_WEBHOOKS_POLL=200ms",
		"KEEPER_SCAN_TRIVY_PATH=keeper-ui-e2e-no-trivy", "KEEPER_SCAN_GRYPE_PATH=keeper-ui-e2e-no-grype"}}, "KEEPER_PLUGIN_WASM="+wasm)
}

// runUIScript starts a keeper with opts and runs web/e2e/<script> against it
// in Chromium (the script imports web/e2e/lib.mjs); env is added to the
// script's environment. The UI must be built into the binary (go tool task
// web) and web/node_modules installed.
func runUIScript(t *testing.T, script string, opts harness.Options, env ...string) {
	t.Helper()
	runUIScriptSetup(t, script, opts, nil, env...)
}

// runUIScriptSetup is runUIScript with setup run on each fresh keeper
// before the script; what it returns is added to the script's environment.
// KEEPER_UI_ONE_ATTEMPT=1 turns off the second attempt (to check that a
// walk is steady).
func runUIScriptSetup(t *testing.T, script string, opts harness.Options, setup func(k *harness.Keeper) []string, env ...string) {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	web := filepath.Join(root, "web")
	if _, err := os.Stat(filepath.Join(web, "dist", "index.html")); err != nil {
		t.Fatal("the web UI is not built: run `go tool task web` first")
	}
	if _, err := os.Stat(filepath.Join(web, "node_modules", "playwright-core")); err != nil {
		t.Fatal("web/node_modules is missing: run `go tool task web-deps` first")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no Chromium at %s: bash e2e/install-clients.sh webui", chromium)
	}
	shots := os.Getenv("KEEPER_UI_ARTIFACTS")
	if shots == "" {
		shots = t.TempDir()
	} else {
		shots = filepath.Join(shots, strings.TrimSuffix(script, ".mjs"))
	}
	// A browser walk is timing-sensitive on a loaded machine (a click during
	// a re-render): a failed walk runs once more against a fresh keeper, and
	// the test fails when both fail. The first failure stays in the log.
	for attempt := 1; ; attempt++ {
		k := harness.Start(t, opts)
		cmd := exec.Command("node", filepath.Join("e2e", script))
		cmd.Dir = web
		cmd.Env = append(os.Environ(), "KEEPER_URL="+k.URL, "KEEPER_ADMIN_USER=admin", "KEEPER_ADMIN_PASSWORD="+harness.AdminPassword,
			"KEEPER_UI_ARTIFACTS="+filepath.Join(shots, fmt.Sprint(attempt)), "CHROMIUM="+chromium)
		cmd.Env = append(cmd.Env, env...)
		if setup != nil {
			cmd.Env = append(cmd.Env, setup(k)...)
		}
		out, err := cmd.CombinedOutput()
		t.Logf("attempt %d:\n%s", attempt, out)
		switch {
		case err == nil:
			return
		case attempt == 2 || os.Getenv("KEEPER_UI_ONE_ATTEMPT") == "1":
			t.Fatalf("browser test %s failed (attempt %d): %v", script, attempt, err)
		}
		t.Logf("browser test %s, attempt 1: %v; once more against a fresh keeper", script, err)
		_ = k.Stop()
	}
}
