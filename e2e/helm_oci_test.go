package e2e

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestHelmOCI drives helm 3's OCI registry support against an OCI
// repository of keeper, https://helm.sh/docs/topics/registries/: charts made
// by `helm create` + `helm package` are pushed with `helm push
// oci://…/<repo>` after `helm registry login`, then pulled back with `helm
// pull` into empty directories, pinned (`--version`, including a version
// with build metadata, which helm stores as a tag with "_") and newest; the
// pulled bytes must be the pushed ones. An anonymous push is refused, an
// unknown version is not found, and the catalog lists the chart.
func TestHelmOCI(t *testing.T) {
	t.Parallel()
	helmBin := helmClient(t)
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "helmoci", Format: "oci"})
	u, err := url.Parse(k.URL)
	if err != nil {
		t.Fatal(err)
	}
	host := u.Host
	ref := "oci://" + host + "/helmoci"

	work := t.TempDir()
	env := append(harness.BaseEnv(), "HOME="+filepath.Join(work, "home"),
		"HELM_CACHE_HOME="+filepath.Join(work, "cache"), "HELM_CONFIG_HOME="+filepath.Join(work, "config"),
		"HELM_DATA_HOME="+filepath.Join(work, "data"), "HELM_REGISTRY_CONFIG="+filepath.Join(work, "config", "registry.json"),
		"DOCKER_CONFIG="+filepath.Join(work, "docker"), "HELM_NO_PLUGINS=1")
	helm := func(wantFail bool, dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(helmBin, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if (err != nil) != wantFail {
			t.Fatalf("helm %s: err=%v (want failure: %v)\n%s", strings.Join(args, " "), err, wantFail, out)
		}
		return string(out)
	}

	// Three versions of a chart made by the real client.
	src := filepath.Join(work, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	helm(false, src, "create", "keeper-e2e")
	chartYAML := filepath.Join(src, "keeper-e2e", "Chart.yaml")
	pkgs := filepath.Join(work, "pkgs")
	helm(false, src, "package", "keeper-e2e", "-d", pkgs)
	setChart(t, chartYAML, "0.2.0", "2.0.0")
	helm(false, src, "package", "keeper-e2e", "-d", pkgs)
	setChart(t, chartYAML, "0.3.0+build.1", "3.0.0")
	helm(false, src, "package", "keeper-e2e", "-d", pkgs)
	chart := func(v string) string { return filepath.Join(pkgs, "keeper-e2e-"+v+".tgz") }
	v1, v2, v3 := readFile(t, chart("0.1.0")), readFile(t, chart("0.2.0")), readFile(t, chart("0.3.0+build.1"))

	// Without credentials the push is refused.
	out := helm(true, work, "push", chart("0.1.0"), ref, "--plain-http")
	if lo := strings.ToLower(out); !strings.Contains(lo, "unauthorized") && !strings.Contains(lo, "401") && !strings.Contains(lo, "credential not found") {
		t.Fatalf("anonymous push failed for another reason:\n%s", out)
	}

	helm(false, work, "registry", "login", host, "--username", "admin", "--password", harness.AdminPassword, "--insecure", "--plain-http")
	digestRe := regexp.MustCompile(`Digest: (sha256:[0-9a-f]{64})`)
	for _, v := range []string{"0.1.0", "0.2.0"} {
		out := helm(false, work, "push", chart(v), ref, "--plain-http")
		if !strings.Contains(out, "Pushed: "+host+"/helmoci/keeper-e2e:"+v) || !digestRe.MatchString(out) {
			t.Fatalf("helm push %s:\n%s", v, out)
		}
	}

	pull := func(want string, data []byte, args ...string) {
		t.Helper()
		dir := t.TempDir()
		helm(false, work, append([]string{"pull", ref + "/keeper-e2e", "--plain-http", "-d", dir}, args...)...)
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || entries[0].Name() != want {
			t.Fatalf("helm pull %v gave %v, want %s", args, entries, want)
		}
		if got := readFile(t, filepath.Join(dir, want)); harness.SHA256(got) != harness.SHA256(data) {
			t.Fatalf("helm pull %v: sha256 %s, pushed %s", args, harness.SHA256(got), harness.SHA256(data))
		}
	}
	pull("keeper-e2e-0.1.0.tgz", v1, "--version", "0.1.0")
	pull("keeper-e2e-0.2.0.tgz", v2)
	helm(true, work, "pull", ref+"/keeper-e2e", "--plain-http", "--version", "9.9.9", "-d", t.TempDir())

	// Build metadata: helm tags "0.3.0_build.1" and maps it back.
	helm(false, work, "push", chart("0.3.0+build.1"), ref, "--plain-http")
	r := k.Expect(200, http.MethodGet, "/v2/helmoci/keeper-e2e/tags/list", nil)
	if !strings.Contains(string(r.Body), `"0.3.0_build.1"`) {
		t.Fatalf("tags: %s", r.Body)
	}
	pull("keeper-e2e-0.3.0+build.1.tgz", v3, "--version", "0.3.0+build.1")
	pull("keeper-e2e-0.3.0+build.1.tgz", v3)
	out = helm(false, work, "show", "chart", ref+"/keeper-e2e", "--plain-http", "--version", "0.2.0")
	if !strings.Contains(out, "version: 0.2.0") || !strings.Contains(out, "name: keeper-e2e") {
		t.Fatalf("helm show chart:\n%s", out)
	}

	// The catalog names the chart's repository.
	r = k.Expect(200, http.MethodGet, "/v2/_catalog", nil)
	if !strings.Contains(string(r.Body), `"helmoci/keeper-e2e"`) {
		t.Fatalf("catalog: %s", r.Body)
	}
	helm(false, work, "registry", "logout", host)
}
