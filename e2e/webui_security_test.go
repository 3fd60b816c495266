package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestWebUISecurity drives the security pages in Chromium (web/e2e/security.mjs)
// against a keeper running the real Trivy and Grype with the generated
// offline databases (as TestScanning does): a vulnerable jar's finding is
// listed, filtered, acknowledged and revoked; a policy refused by the API
// shows the field's error, then a quarantine policy holds an upload that is
// released from the queue; a quality gate fails the artifact with its
// reason, passes after its rule is edited, and is attached to a repository.
func TestWebUISecurity(t *testing.T) {
	env, _, _ := scanSetup(t)
	jar := filepath.Join(t.TempDir(), "vuln-demo-1.0.0.jar")
	if err := os.WriteFile(jar, jarBytes(t, "1.0.0"), 0o600); err != nil {
		t.Fatal(err)
	}
	runUIScript(t, "security.mjs", harness.Options{Env: env}, "KEEPER_SEC_JAR="+jar)
}
