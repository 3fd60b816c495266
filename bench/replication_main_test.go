package bench

import (
	"os"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestMain removes the keeper binary and plugin cache BenchmarkReplication's
// harness made.
func TestMain(m *testing.M) {
	code := m.Run()
	harness.Cleanup()
	os.Exit(code)
}
