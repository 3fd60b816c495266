package wasmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Build compiles the Go main package pkg (a path relative to moduleDir, the
// directory holding its go.mod) into a .wasm core module under t.TempDir().
func Build(t testing.TB, moduleDir, pkg string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(pkg)+".wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, pkg)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
