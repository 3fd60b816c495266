package wasmtest

import (
	"os"
	"path/filepath"
	"testing"
)

// CacheEnv names a directory that tests share as their wazero compilation
// cache, so a module is compiled once per test run instead of once per test
// (compiling a Go-built plugin under -race takes many seconds).
const CacheEnv = "KEEPER_TEST_WASM_CACHE"

// CacheDir returns the shared compilation cache when CacheEnv is set, else a
// fresh directory for this test.
func CacheDir(t testing.TB) string {
	if d := os.Getenv(CacheEnv); d != "" {
		return d
	}
	return filepath.Join(t.TempDir(), "wasm-cache")
}
