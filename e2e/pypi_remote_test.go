package e2e

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestPyPIRemote installs a wheel with the real pip through a remote PyPI
// repository of one keeper whose upstream is a private PyPI repository of a
// second keeper (reached with an upstream token), from an empty cache, and
// checks the wheel is the published one byte for byte.
func TestPyPIRemote(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	twine, python := pypiTools(t, root)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	_ = os.MkdirAll(home, 0o755)
	p := pyRun{t: t, env: pyEnv(home)}
	mk := filepath.Join(root, "plugins", "pypi", "testdata", "make_dists.py")
	p.must(python, mk, filepath.Join(dir, "v1"), "Keeper.Demo", "1.0.0", "marker-100", ">=3.8")
	wheel := filepath.Join(dir, "v1", "keeper_demo-1.0.0-py3-none-any.whl")

	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "py", Format: "pypi"})
	p.must(twine, "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", up.URL+"/pypi/py/",
		"-u", "__token__", "-p", up.APIToken("twine"), wheel)
	readToken := up.APIToken("proxy", "read:artifacts")

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "pyproxy", Format: "pypi", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/pypi/py", Config: map[string]string{"upstream_token": readToken}})

	pipDownload := func(name, repo, version string) []byte {
		out := filepath.Join(dir, name)
		p.must("pip", "download", "--no-deps", "--no-cache-dir", "--disable-pip-version-check", "-d", out,
			"--index-url", px.URL+"/pypi/"+repo+"/simple/", "keeper-demo=="+version)
		got, err := os.ReadFile(filepath.Join(out, "keeper_demo-"+version+"-py3-none-any.whl"))
		if err != nil {
			t.Fatalf("pip did not download the wheel: %v", err)
		}
		return got
	}
	download := func(name string) []byte { return pipDownload(name, "pyproxy", "1.0.0") }
	want, _ := os.ReadFile(wheel)
	if got := download("first"); !bytes.Equal(got, want) {
		t.Fatalf("the wheel through the proxy differs from the published one (%d vs %d bytes)", len(got), len(want))
	}

	// The page pip read points at the proxy and is served as HTML.
	page := px.Expect(http.StatusOK, http.MethodGet, "/pypi/pyproxy/simple/keeper-demo/", nil)
	if !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || strings.Contains(string(page.Body), up.URL) ||
		!strings.Contains(string(page.Body), px.URL+"/pypi/pyproxy/packages/") {
		t.Fatalf("proxied simple page: %s\n%s", page.Header, page.Body)
	}

	var stats struct {
		UpstreamFetches int64 `json:"upstream_fetches"`
	}
	if err := px.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories/pyproxy/cache/stats", nil).JSON(&stats); err != nil {
		t.Fatal(err)
	}
	before := stats.UpstreamFetches
	if got := download("second"); !bytes.Equal(got, want) {
		t.Fatal("the cached wheel differs from the published one")
	}
	if err := px.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories/pyproxy/cache/stats", nil).JSON(&stats); err != nil {
		t.Fatal(err)
	}
	if stats.UpstreamFetches != before {
		t.Fatalf("a warm download fetched %d more times from the upstream", stats.UpstreamFetches-before)
	}

	// A virtual repository over a local member (holding 1.1.0) and the
	// remote one (1.0.0): pip sees both versions on one merged page.
	t.Run("virtual", func(t *testing.T) {
		p.must(python, mk, filepath.Join(dir, "v11"), "Keeper.Demo", "1.1.0", "marker-110", ">=3.8")
		wheel11 := filepath.Join(dir, "v11", "keeper_demo-1.1.0-py3-none-any.whl")
		px.CreateRepo(harness.Repo{Key: "pylocal", Format: "pypi", Public: true})
		px.CreateRepo(harness.Repo{Key: "pyall", Format: "pypi", Type: "virtual", Public: true,
			Members: []map[string]any{{"repo_key": "pylocal", "priority": 1}, {"repo_key": "pyproxy", "priority": 2}}})
		p.must(twine, "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", px.URL+"/pypi/pylocal/",
			"-u", "__token__", "-p", px.APIToken("twine"), wheel11)
		want11, _ := os.ReadFile(wheel11)
		if got := pipDownload("virtual-local", "pyall", "1.1.0"); !bytes.Equal(got, want11) {
			t.Fatal("the local member's wheel differs through the virtual repository")
		}
		if got := pipDownload("virtual-remote", "pyall", "1.0.0"); !bytes.Equal(got, want) {
			t.Fatal("the remote member's wheel differs through the virtual repository")
		}
	})
}
