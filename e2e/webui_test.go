package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
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
	wasm := filepath.Join(t.TempDir(), "vagrant.wasm")
	if err := os.WriteFile(wasm, buildExamplePlugin(t), 0o600); err != nil {
		t.Fatal(err)
	}
	// Webhooks may reach the script's receiver at "localhost" (other loopback
	// targets stay refused, as the upstream and SSO tests expect).
	// No scanner (whatever is on PATH): artifacts show "not scanned".
	k := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOWED_HOSTS=localhost", "KEEPER_WEBHOOKS_POLL=200ms",
		"KEEPER_SCAN_TRIVY_PATH=keeper-ui-e2e-no-trivy", "KEEPER_SCAN_GRYPE_PATH=keeper-ui-e2e-no-grype"}})

	shots := os.Getenv("KEEPER_UI_ARTIFACTS")
	if shots == "" {
		shots = t.TempDir()
	}
	cmd := exec.Command("node", "e2e/ui.mjs")
	cmd.Dir = web
	cmd.Env = append(os.Environ(), "KEEPER_URL="+k.URL, "KEEPER_ADMIN_USER=admin", "KEEPER_ADMIN_PASSWORD="+harness.AdminPassword,
		"KEEPER_PLUGIN_WASM="+wasm, "KEEPER_UI_ARTIFACTS="+shots, "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("browser test: %v", err)
	}
}
