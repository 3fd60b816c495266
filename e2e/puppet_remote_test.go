package e2e

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestPuppetRemote installs with puppet module install through a remote
// repository of one keeper whose upstream is a private repository of a
// second keeper, then through a virtual repository of a local repository
// and that remote (the module from the local member, its dependency from
// the remote).
func TestPuppetRemote(t *testing.T) {
	t.Parallel()
	bin := puppetClient(t)
	dir := t.TempDir()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "pup", Format: "puppet"})
	upBearer := "Bearer " + up.APIToken("puppet")
	demo1, demo11 := puppetModule(t, "keeper-demo", "1.0.0"), puppetModule(t, "keeper-demo", "1.1.0")
	for file, data := range map[string][]byte{"keeper-demo-1.0.0.tar.gz": demo1, "keeper-demo-1.1.0.tar.gz": demo11} {
		if r := puppetPublish(t, up, "pup", upBearer, file, data); r.Status != http.StatusCreated {
			t.Fatalf("publish upstream %s: %s", file, r)
		}
	}

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "pproxy", Format: "puppet", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/puppet/pup", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	target := filepath.Join(dir, "m1")
	if out, ok := puppetInstall(t, bin, filepath.Join(dir, "p1"), px.URL+"/puppet/pproxy", "", target, "keeper-demo"); !ok {
		t.Fatalf("install through the remote: %s", out)
	}
	puppetInstalled(t, target, "demo", demo11)
	if got := px.Expect(http.StatusOK, "GET", "/puppet/pproxy/v3/files/keeper-demo-1.0.0.tar.gz", nil); !bytes.Equal(got.Body, demo1) {
		t.Fatal("the tarball through the proxy differs from the published one")
	}
	rel := px.Expect(http.StatusOK, "GET", "/puppet/pproxy/v3/releases/keeper-demo-1.0.0", nil)
	if strings.Contains(string(rel.Body), up.URL) || !strings.Contains(string(rel.Body), `"file_uri":"/v3/files/keeper-demo-1.0.0.tar.gz"`) {
		t.Fatalf("the proxied release points elsewhere: %s", rel.Body)
	}
	px.Expect(http.StatusNotFound, "GET", "/puppet/pproxy/v3/modules/keeper-nope", nil)

	// A virtual repository of a local member (keeper-app 0.3.0, which
	// depends on keeper/demo) and the remote (keeper-demo).
	px.CreateRepo(harness.Repo{Key: "plocal", Format: "puppet", Public: true})
	px.CreateRepo(harness.Repo{Key: "pall", Format: "puppet", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "plocal", "priority": 1}, {"repo_key": "pproxy", "priority": 2}}})
	app := puppetModule(t, "keeper-app", "0.3.0", "keeper/demo")
	demo12 := puppetModule(t, "keeper-demo", "1.2.0")
	for file, data := range map[string][]byte{"keeper-app-0.3.0.tar.gz": app, "keeper-demo-1.2.0.tar.gz": demo12} {
		if r := puppetPublish(t, px, "plocal", "Bearer "+px.APIToken("local"), file, data); r.Status != http.StatusCreated {
			t.Fatalf("publish local %s: %s", file, r)
		}
	}
	merged := px.Expect(http.StatusOK, "GET", "/puppet/pall/v3/modules/keeper-demo/releases", nil)
	if s := string(merged.Body); !strings.Contains(s, `"version":"1.2.0"`) || !strings.Contains(s, `"version":"1.1.0"`) ||
		!strings.Contains(s, `"version":"1.0.0"`) {
		t.Fatalf("merged releases: %s", s)
	}
	target = filepath.Join(dir, "m2")
	if out, ok := puppetInstall(t, bin, filepath.Join(dir, "p2"), px.URL+"/puppet/pall", "", target, "keeper-app"); !ok {
		t.Fatalf("install through the virtual repository: %s", out)
	}
	puppetInstalled(t, target, "app", app)
	puppetInstalled(t, target, "demo", demo12)
	target = filepath.Join(dir, "m3")
	if out, ok := puppetInstall(t, bin, filepath.Join(dir, "p3"), px.URL+"/puppet/pall", "", target, "keeper-demo", "--version", "1.0.0"); !ok {
		t.Fatalf("install keeper-demo 1.0.0 through the virtual repository: %s", out)
	}
	puppetInstalled(t, target, "demo", demo1)
}
