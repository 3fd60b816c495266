package e2e

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestVsce packages an extension with the real vsce (npm @vscode/vsce) and
// publishes it to a private Open VSX repository through the Marketplace
// API vsce speaks (VSCE_MARKETPLACE_URL, the token as its PAT): a first
// version (createExtension), a second from the project directory
// (package, then updateExtension), a refused republish and a refused
// wrong token; the stored VSIX is the packaged one byte for byte.
func TestVsce(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("vsce")
	if err != nil {
		harness.MissingClient(t, "vsce is not installed (e2e/install-clients.sh openvsx)")
	}
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "vsx", Format: "openvsx"})
	token := k.APIToken("vsce")
	dir := t.TempDir()
	home, ext := filepath.Join(dir, "home"), filepath.Join(dir, "ext")
	mkdirs(t, home, ext)
	env := clientEnv(home, "VSCE_MARKETPLACE_URL="+k.URL+"/openvsx/vsx/vscode")
	writeExt := func(version string) {
		pj := `{"name":"demo","publisher":"keeper","version":"` + version + `","displayName":"Keeper Demo",` +
			`"description":"A Keeper test extension","engines":{"vscode":"^1.80.0"},"categories":["Other"],"license":"MIT",` +
			`"main":"./extension.js","activationEvents":["onStartupFinished"],"repository":{"type":"git","url":"https://example.invalid/demo.git"}}`
		for name, body := range map[string]string{"package.json": pj, "README.md": "# Keeper demo " + version + "\n",
			"LICENSE": "MIT License\n", "extension.js": "exports.activate = () => {};\n"} {
			must(t, os.WriteFile(filepath.Join(ext, name), []byte(body), 0o644))
		}
	}
	vsce := func(args ...string) (string, bool) {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = ext, env
		out, err := cmd.CombinedOutput()
		return string(out), err == nil
	}

	writeExt("1.0.0")
	if out, ok := vsce("package", "--no-dependencies", "--out", filepath.Join(dir, "demo-1.0.0.vsix")); !ok {
		t.Fatalf("vsce package: %s", out)
	}
	v1 := readFile(t, filepath.Join(dir, "demo-1.0.0.vsix"))
	publish := []string{"publish", "--no-dependencies", "--pat", token}
	if out, ok := vsce(append(publish, "--packagePath", filepath.Join(dir, "demo-1.0.0.vsix"))...); ok || !strings.Contains(out, "Unknown publisher: keeper") {
		t.Fatalf("vsce publish before the publisher exists: ok=%v\n%s", ok, out)
	}
	k.Expect(http.StatusCreated, http.MethodPost, "/openvsx/vsx/api/-/namespace/create", strings.NewReader(`{"name":"keeper"}`),
		"Content-Type", "application/json")
	if out, ok := vsce("publish", "--no-dependencies", "--pat", "kpr_not-a-token", "--packagePath", filepath.Join(dir, "demo-1.0.0.vsix")); ok || !strings.Contains(out, "invalid credentials") {
		t.Fatalf("vsce publish with a wrong token: ok=%v\n%s", ok, out)
	}
	if out, ok := vsce(append(publish, "--packagePath", filepath.Join(dir, "demo-1.0.0.vsix"))...); !ok || !strings.Contains(out, "Published keeper.demo v1.0.0") {
		t.Fatalf("vsce publish --packagePath: ok=%v\n%s", ok, out)
	}
	writeExt("1.1.0")
	if out, ok := vsce(publish...); !ok || !strings.Contains(out, "Published keeper.demo v1.1.0") {
		t.Fatalf("vsce publish from the project: ok=%v\n%s", ok, out)
	}
	if out, ok := vsce(publish...); ok || !strings.Contains(out, "keeper.demo v1.1.0 already exists") {
		t.Fatalf("vsce republish: ok=%v\n%s", ok, out)
	}
	got := k.Expect(http.StatusOK, http.MethodGet, "/openvsx/vsx/api/keeper/demo/1.0.0/file/keeper.demo-1.0.0.vsix", nil)
	if !bytes.Equal(got.Body, v1) {
		t.Fatal("the stored VSIX is not the one vsce packaged")
	}
	latest := k.Expect(http.StatusOK, http.MethodGet, "/openvsx/vsx/api/keeper/demo", nil)
	if !strings.Contains(string(latest.Body), `"version":"1.1.0"`) {
		t.Fatalf("latest version: %s", latest.Body)
	}
}
