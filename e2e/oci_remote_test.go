package e2e

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestOCIRemote pulls images with crane through a pull-through (remote)
// repository whose upstream is a private OCI repository of a second keeper
// (Basic credentials), then through a virtual repository of a local and
// that remote, from an empty client cache; digests must be the upstream's,
// and a second pull must not go upstream again. With CNCF distribution
// installed (e2e/install-clients.sh oci), a second remote proxies it with a
// default namespace for single-segment names (upstream_path_rewrite).
func TestOCIRemote(t *testing.T) {
	t.Parallel()
	crane := ociTool(t, "crane")
	home := t.TempDir()

	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "src", Format: "oci"})
	upHost := hostOf(t, up.URL)
	ociRun(t, home, crane, "auth", "login", upHost, "-u", "admin", "-p", harness.AdminPassword, "--insecure")
	layer := layerTar(t, home, "hello", "hello through the proxy\n")
	ociRun(t, home, crane, "append", "--insecure", "-f", layer, "-t", upHost+"/src/team/app:1")
	want := ociRun(t, home, crane, "digest", "--insecure", upHost+"/src/team/app:1")

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "hub", Format: "oci", Type: "remote", Public: true, UpstreamURL: up.URL + "/v2/src",
		Config: map[string]string{"upstream_username": "admin", "upstream_password": harness.AdminPassword}})
	pxHost := hostOf(t, px.URL)

	// Anonymous pulls (the repository is public): crane answers keeper's own token challenge.
	anon := t.TempDir()
	pull := func(ref string) string {
		t.Helper()
		out := filepath.Join(t.TempDir(), "img")
		ociRun(t, anon, crane, "pull", "--insecure", "--format", "oci", ref, out)
		idx, err := os.ReadFile(filepath.Join(out, "index.json"))
		if err != nil {
			t.Fatal(err)
		}
		return string(idx)
	}
	if idx := pull(pxHost + "/hub/team/app:1"); !strings.Contains(idx, want) {
		t.Fatalf("pulled through the proxy: index.json does not name %s:\n%s", want, idx)
	}
	if got := ociRun(t, anon, crane, "digest", "--insecure", pxHost+"/hub/team/app:1"); got != want {
		t.Fatalf("digest through the proxy %s, want %s", got, want)
	}
	fetches := cacheFetches(t, px, "hub")
	if idx := pull(pxHost + "/hub/team/app@" + want); !strings.Contains(idx, want) {
		t.Fatalf("pull by digest: %s", idx)
	}
	pull(pxHost + "/hub/team/app:1")
	if n := cacheFetches(t, px, "hub"); n != fetches+1 {
		// Only the manifest by digest was new: the tag and the blobs are cached.
		t.Fatalf("warm pulls fetched %d times from the upstream, want 1", n-fetches)
	}

	t.Run("publish to the remote is refused", func(t *testing.T) {
		ociRun(t, home, crane, "auth", "login", pxHost, "-u", "admin", "-p", harness.AdminPassword, "--insecure")
		cmd := exec.Command(crane, "append", "--insecure", "-f", layer, "-t", pxHost+"/hub/team/app:2")
		cmd.Env = append(harness.BaseEnv(), "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, ".docker"))
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "METHOD_NOT_ALLOWED") || !strings.Contains(string(out), "accepts no uploads") {
			t.Fatalf("push to a remote: err=%v %s", err, out)
		}
	})

	t.Run("virtual", func(t *testing.T) {
		px.CreateRepo(harness.Repo{Key: "mine", Format: "oci"})
		ociRun(t, home, crane, "auth", "login", pxHost, "-u", "admin", "-p", harness.AdminPassword, "--insecure")
		own := layerTar(t, home, "own", "a local image\n")
		ociRun(t, home, crane, "append", "--insecure", "-f", own, "-t", pxHost+"/mine/own/img:1")
		ownDigest := ociRun(t, home, crane, "digest", "--insecure", pxHost+"/mine/own/img:1")
		px.CreateRepo(harness.Repo{Key: "all", Format: "oci", Type: "virtual",
			Members: []map[string]any{{"repo_key": "mine", "priority": 1}, {"repo_key": "hub", "priority": 2}}})
		for ref, d := range map[string]string{pxHost + "/all/team/app:1": want, pxHost + "/all/own/img:1": ownDigest} {
			if got := ociRun(t, home, crane, "digest", "--insecure", ref); got != d {
				t.Fatalf("%s through the virtual: %s, want %s", ref, got, d)
			}
			out := filepath.Join(t.TempDir(), "img")
			ociRun(t, home, crane, "pull", "--insecure", "--format", "oci", ref, out)
		}
	})

	t.Run("distribution upstream", func(t *testing.T) {
		root, _ := harness.ModuleRoot()
		registry := filepath.Join(root, ".tools", "bin", "registry")
		if _, err := os.Stat(registry); err != nil {
			harness.MissingClient(t, "CNCF distribution (registry) is not installed: bash e2e/install-clients.sh oci")
		}
		dist := startDistribution(t, registry)
		ociRun(t, home, crane, "append", "--insecure", "-f", layer, "-t", dist+"/library/base:3")
		wantBase := ociRun(t, home, crane, "digest", "--insecure", dist+"/library/base:3")
		px.CreateRepo(harness.Repo{Key: "dhub", Format: "oci", Type: "remote", Public: true, UpstreamURL: "http://" + dist + "/v2",
			Config: map[string]string{"upstream_path_rewrite": `^/([^/]+)/(manifests|blobs|tags)/ => /library/$1/$2/`}})
		if got := ociRun(t, anon, crane, "digest", "--insecure", pxHost+"/dhub/base:3"); got != wantBase {
			t.Fatalf("single-segment name through the distribution proxy: %s, want %s", got, wantBase)
		}
		if idx := pull(pxHost + "/dhub/library/base:3"); !strings.Contains(idx, wantBase) {
			t.Fatalf("pull of library/base through the distribution proxy: %s", idx)
		}
		if idx := pull(pxHost + "/dhub/base@" + wantBase); !strings.Contains(idx, wantBase) {
			t.Fatalf("pull by digest through the distribution proxy: %s", idx)
		}
	})
}

// hostOf is host:port of a base URL.
func hostOf(t *testing.T, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// cacheFetches is the remote repository's upstream fetch count.
func cacheFetches(t *testing.T, k *harness.Keeper, repo string) int64 {
	t.Helper()
	var stats struct {
		UpstreamFetches int64 `json:"upstream_fetches"`
	}
	if err := k.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories/"+repo+"/cache/stats", nil).JSON(&stats); err != nil {
		t.Fatal(err)
	}
	return stats.UpstreamFetches
}

// startDistribution runs CNCF distribution on a free loopback port with
// storage in a temp dir and returns host:port once it answers /v2/.
func startDistribution(t *testing.T, bin string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	dir := t.TempDir()
	config := "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: " + filepath.Join(dir, "data") +
		"\nhttp:\n  addr: " + addr + "\n"
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", filepath.Join(dir, "config.yml"))
	cmd.Env = append(harness.BaseEnv(), "OTEL_TRACES_EXPORTER=none")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if r, err := http.Get("http://" + addr + "/v2/"); err == nil {
			_ = r.Body.Close()
			if r.StatusCode == 200 {
				return addr
			}
		}
	}
	t.Fatalf("distribution did not start on %s: %s", addr, logs.String())
	return ""
}
