package e2e

import (
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestWebUIOps drives the operations pages (web/e2e/ops.mjs) in Chromium
// against a real keeper: a backup started from the UI into a directory
// target, followed until its row completes, and its restore command.
// It fails on any console error or failed request. The UI must be built
// into the binary (go tool task web) and web/node_modules installed.
func TestWebUIOps(t *testing.T) {
	target := filepath.Join(t.TempDir(), "backups")
	runUIScript(t, "ops.mjs", harness.Options{Env: []string{"KEEPER_BACKUP_TARGET=" + target}}, "KEEPER_OPS_BACKUP=1")
}
