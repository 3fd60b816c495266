package e2e

import (
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestWebUIOps drives the operations pages (web/e2e/ops.mjs) in Chromium
// against a real keeper: a backup started from the UI into a directory
// target, followed until its row completes, and its restore command; a
// second keeper added as a peer (online, its key never shown again), and
// the replication status.
// It fails on any console error or failed request. The UI must be built
// into the binary (go tool task web) and web/node_modules installed.
func TestWebUIOps(t *testing.T) {
	peer := harness.Start(t, harness.Options{Env: append([]string{"KEEPER_REPLICATION_NAME=ops-peer"}, replEnv...)})
	key := peer.APIToken("ops-ui-peer", "admin")
	target := filepath.Join(t.TempDir(), "backups")
	env := append([]string{"KEEPER_BACKUP_TARGET=" + target, "KEEPER_REPLICATION_NAME=ops-hub"}, replEnv...)
	runUIScript(t, "ops.mjs", harness.Options{Env: env}, "KEEPER_OPS_BACKUP=1", "KEEPER_OPS_PEER_URL="+peer.URL, "KEEPER_OPS_PEER_KEY="+key)
}

// TestWebUIProperties drives artifact properties (web/e2e/properties.mjs):
// added, edited, deleted and searched by, each step confirmed by the API.
func TestWebUIProperties(t *testing.T) {
	runUIScript(t, "properties.mjs", harness.Options{})
}

// TestWebUIPromotion drives promotion (web/e2e/promotion.mjs): refused by a
// property condition, dry-run, then copied with the artifact's properties.
func TestWebUIPromotion(t *testing.T) {
	runUIScript(t, "promotion.mjs", harness.Options{})
}

// TestWebUILifecycle drives cleanup policies and quotas
// (web/e2e/lifecycle.mjs): a policy created, previewed, edited, deleted; a
// quota set and shown against the usage.
func TestWebUILifecycle(t *testing.T) {
	runUIScript(t, "lifecycle.mjs", harness.Options{})
}
