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

// TestHelmRemoteAndVirtual pulls charts with the real helm through a remote
// Helm repository whose upstream is a private Helm repository of a second
// keeper (reached with upstream credentials), then through a virtual
// repository over a local member and that remote: the merged index.yaml
// lists both members' versions with URLs under the virtual repository, and
// each chart pulled is the uploaded one byte for byte.
func TestHelmRemoteAndVirtual(t *testing.T) {
	t.Parallel()
	helmBin := helmClient(t)
	work := t.TempDir()
	env := append(harness.BaseEnv(), "HOME="+filepath.Join(work, "home"),
		"HELM_CACHE_HOME="+filepath.Join(work, "cache"), "HELM_CONFIG_HOME="+filepath.Join(work, "config"),
		"HELM_DATA_HOME="+filepath.Join(work, "data"), "HELM_NO_PLUGINS=1")
	helm := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(helmBin, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	src, pkgs := filepath.Join(work, "src"), filepath.Join(work, "pkgs")
	_ = os.MkdirAll(src, 0o755)
	helm(src, "create", "keeper-e2e")
	helm(src, "package", "keeper-e2e", "-d", pkgs) // 0.1.0
	setChart(t, filepath.Join(src, "keeper-e2e", "Chart.yaml"), "0.2.0", "2.0.0")
	helm(src, "package", "keeper-e2e", "-d", pkgs)
	v1 := readFile(t, filepath.Join(pkgs, "keeper-e2e-0.1.0.tgz"))
	v2 := readFile(t, filepath.Join(pkgs, "keeper-e2e-0.2.0.tgz"))

	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "charts", Format: "helm"})
	up.Expect(http.StatusCreated, http.MethodPut, "/helm/charts/charts/keeper-e2e-0.1.0.tgz", bytes.NewReader(v1), "Content-Type", "application/gzip")
	up.Expect(http.StatusUnauthorized, http.MethodGet, "/helm/charts/index.yaml", nil, "Authorization", "")

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "hproxy", Format: "helm", Type: "remote", Public: true, UpstreamURL: up.URL + "/helm/charts",
		Config: map[string]string{"upstream_username": "admin", "upstream_password": up.APIToken("proxy", "read:artifacts")}})
	pull := func(repo, version string) []byte {
		t.Helper()
		dir := filepath.Join(work, "pull-"+repo+"-"+version)
		_ = os.MkdirAll(dir, 0o755)
		helm(work, "pull", repo+"/keeper-e2e", "--version", version, "-d", dir)
		return readFile(t, filepath.Join(dir, "keeper-e2e-"+version+".tgz"))
	}

	helm(work, "repo", "add", "proxy", px.URL+"/helm/hproxy")
	idx := string(px.Expect(http.StatusOK, http.MethodGet, "/helm/hproxy/index.yaml", nil, "Authorization", "").Body)
	if strings.Contains(idx, up.URL) || !strings.Contains(idx, px.URL+"/helm/hproxy/charts/keeper-e2e-0.1.0.tgz") {
		t.Fatalf("index.yaml through the remote:\n%s", idx)
	}
	if got := pull("proxy", "0.1.0"); !bytes.Equal(got, v1) {
		t.Fatal("the chart pulled through the remote differs from the uploaded one")
	}

	// A virtual repository over a local member (0.2.0) and the remote (0.1.0).
	px.CreateRepo(harness.Repo{Key: "hlocal", Format: "helm", Public: true})
	px.Expect(http.StatusCreated, http.MethodPut, "/helm/hlocal/charts/keeper-e2e-0.2.0.tgz", bytes.NewReader(v2), "Content-Type", "application/gzip")
	px.CreateRepo(harness.Repo{Key: "hall", Format: "helm", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "hlocal", "priority": 1}, {"repo_key": "hproxy", "priority": 2}}})
	helm(work, "repo", "add", "all", px.URL+"/helm/hall")
	idx = string(px.Expect(http.StatusOK, http.MethodGet, "/helm/hall/index.yaml", nil, "Authorization", "").Body)
	for _, want := range []string{px.URL + "/helm/hall/charts/keeper-e2e-0.1.0.tgz", px.URL + "/helm/hall/charts/keeper-e2e-0.2.0.tgz"} {
		if !strings.Contains(idx, want) {
			t.Fatalf("merged index.yaml lacks %s:\n%s", want, idx)
		}
	}
	if out := helm(work, "search", "repo", "all/keeper-e2e", "--versions"); !strings.Contains(out, "0.2.0") || !strings.Contains(out, "0.1.0") {
		t.Fatalf("helm search through the virtual repository:\n%s", out)
	}
	if got := pull("all", "0.2.0"); !bytes.Equal(got, v2) {
		t.Fatal("the local member's chart differs through the virtual repository")
	}
	if got := pull("all", "0.1.0"); !bytes.Equal(got, v1) {
		t.Fatal("the remote member's chart differs through the virtual repository")
	}
}
