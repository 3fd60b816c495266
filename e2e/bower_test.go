package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestBower installs with the real bower (npm package bower) from an npm
// repository through the bower alias: bower's registry is the
// repository's {repo-url}/-/bower, whose lookup names the latest
// tarball; a pinned version is installed by its tarball URL (bower's URL
// sources take no version), an unknown name is "not found".
func TestBower(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("bower")
	if err != nil {
		harness.MissingClient(t, "bower is not installed (e2e/install-clients.sh npm)")
	}
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "js", Format: "npm", Public: true})
	pub := newNpmEnv(t, k, "js")
	pub.writeRC(k.APIToken("publisher"))
	for _, v := range []string{"1.0.0", "1.1.0"} {
		dir := t.TempDir()
		must(t, os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"keeper-bower-demo","version":"`+v+`","main":"index.js","license":"MIT"}`), 0o644))
		must(t, os.WriteFile(filepath.Join(dir, "index.js"), []byte("module.exports = '"+v+"';\n"), 0o644))
		pub.must(dir, "npm", "publish")
	}

	proj, home := t.TempDir(), t.TempDir()
	must(t, os.WriteFile(filepath.Join(proj, ".bowerrc"), []byte(`{"registry":"`+k.URL+`/npm/js/-/bower","interactive":false,`+
		`"storage":{"packages":"`+filepath.Join(home, "cache")+`","registry":"`+filepath.Join(home, "registry")+`"}}`), 0o644))
	bower := func(args ...string) (string, bool) {
		cmd := exec.Command(bin, append(args, "--config.interactive=false")...)
		cmd.Dir, cmd.Env = proj, clientEnv(home)
		out, err := cmd.CombinedOutput()
		return string(out), err == nil
	}
	if out, ok := bower("install", "keeper-bower-demo"); !ok {
		t.Fatalf("bower install: %s", out)
	}
	if got := string(readFile(t, filepath.Join(proj, "bower_components", "keeper-bower-demo", "index.js"))); !strings.Contains(got, "1.1.0") {
		t.Fatalf("bower installed %q, want the latest version", got)
	}
	if out, ok := bower("install", "pinned="+k.URL+"/npm/js/keeper-bower-demo/-/keeper-bower-demo-1.0.0.tgz"); !ok {
		t.Fatalf("bower install of a tarball URL: %s", out)
	}
	if got := string(readFile(t, filepath.Join(proj, "bower_components", "pinned", "index.js"))); !strings.Contains(got, "1.0.0") {
		t.Fatalf("bower installed %q from the 1.0.0 tarball", got)
	}
	if out, ok := bower("install", "keeper-no-such-package"); ok || !strings.Contains(out, "Package keeper-no-such-package not found") {
		t.Fatalf("bower install of an unknown package: ok=%v\n%s", ok, out)
	}
}
