package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestQuotaTwine: a repository's quota refuses a twine upload that would
// pass it with 413 in PyPI's upload protocol, and nothing is stored.
func TestQuotaTwine(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	twine, python := pypiTools(t, root)
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "py-small", Format: "pypi"})
	k.Expect(200, "PUT", "/api/v1/repositories/py-small/quota", harness.JSONBody(map[string]any{"max_bytes": 100}), "Content-Type", "application/json")
	token := k.APIToken("twine")
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	_ = os.MkdirAll(home, 0o755)
	p := pyRun{t: t, env: pyEnv(home)}
	p.must(python, filepath.Join(root, "plugins", "pypi", "testdata", "make_dists.py"), filepath.Join(dir, "v1"), "Keeper.Quota", "1.0.0", "m", ">=3.8")
	out, ok := p.run(twine, "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", k.URL+"/pypi/py-small/",
		"-u", "__token__", "-p", token, filepath.Join(dir, "v1", "keeper_quota-1.0.0-py3-none-any.whl"))
	if ok || !strings.Contains(out, "413") {
		t.Fatalf("upload past the quota: ok=%v\n%s", ok, out)
	}
	if files, err := k.List("py-small", "", 10); err != nil || len(files) != 0 {
		t.Fatalf("stored after a refused upload: %v %v", files, err)
	}
	k.Expect(200, "PUT", "/api/v1/repositories/py-small/quota", harness.JSONBody(map[string]any{"max_bytes": 0}), "Content-Type", "application/json")
	p.must(twine, "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", k.URL+"/pypi/py-small/",
		"-u", "__token__", "-p", token, filepath.Join(dir, "v1", "keeper_quota-1.0.0-py3-none-any.whl"))
}
