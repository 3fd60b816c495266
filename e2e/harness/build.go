package harness

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// BinaryEnv names a prebuilt keeper binary to use instead of building one.
const BinaryEnv = "KEEPER_E2E_BINARY"

var (
	buildOnce sync.Once
	buildDir  string
	buildPath string
	buildErr  error
)

// Build returns the path of a keeper binary built from this checkout, building
// it once per test binary (or the binary named by KEEPER_E2E_BINARY).
func Build(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if p := os.Getenv(BinaryEnv); p != "" {
			buildPath, buildErr = filepath.Abs(p)
			return
		}
		buildPath, buildErr = build()
	})
	if buildErr != nil {
		t.Fatalf("harness: build keeper: %v", buildErr)
	}
	return buildPath
}

func build() (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	buildDir, err = os.MkdirTemp("", "keeper-e2e-bin-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(buildDir, "keeper")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/keeper")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/keeper: %w\n%s", err, stderr.String())
	}
	return out, nil
}

// ModuleRoot returns the directory of the keeper module's go.mod.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module")
	}
	return filepath.Dir(gomod), nil
}

var (
	cacheOnce sync.Once
	cacheDir  string
	keepCache bool
)

// PluginCacheEnv names a compilation-cache directory kept across test runs
// (a developer's loop on a slow machine); it is never removed.
const PluginCacheEnv = "KEEPER_E2E_PLUGIN_CACHE"

// pluginCache returns a compilation-cache directory shared by every keeper
// process this test binary starts ("" if it cannot be made).
func pluginCache() string {
	cacheOnce.Do(func() {
		if d := os.Getenv(PluginCacheEnv); d != "" {
			if err := os.MkdirAll(d, 0o700); err == nil {
				cacheDir, keepCache = d, true
			}
			return
		}
		if d, err := os.MkdirTemp("", "keeper-e2e-wasm-cache-"); err == nil {
			cacheDir = d
		}
	})
	return cacheDir
}

// Cleanup removes the binary Build made and the shared plugin cache; call it
// from TestMain after m.Run.
func Cleanup() {
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	if cacheDir != "" && !keepCache {
		_ = os.RemoveAll(cacheDir)
	}
}

// Main is a TestMain body: it runs the tests, removes the built binary and
// returns the exit code for os.Exit.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	Cleanup()
	return code
}

// MissingClient reports a package client that is missing and could not be
// installed: a skip on a developer's machine, a failure under CI (CI=true),
// where .ci/run installs every client and a skip would hide a broken install.
func MissingClient(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI: "+format, args...)
	}
	t.Skipf(format, args...)
}
