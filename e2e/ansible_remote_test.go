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

// TestAnsibleGalaxyRemote installs with ansible-galaxy through a remote
// repository of one keeper whose upstream is a private repository of a
// second keeper, then through a virtual repository of a local repository
// and that remote.
func TestAnsibleGalaxyRemote(t *testing.T) {
	t.Parallel()
	bin := galaxyClient(t)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	mkdirs(t, home)
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "gup", Format: "ansible"})
	upCfg := filepath.Join(dir, "up.cfg")
	galaxyConfig(t, upCfg, up.URL+"/ansible/gup/", up.APIToken("galaxy"))
	env := galaxyEnv(home, upCfg)
	v1 := galaxyBuild(t, bin, dir, "keeper", "demo", "1.0.0", env)
	if out, ok := galaxyRun(t, env, bin, "collection", "publish", v1); !ok {
		t.Fatalf("publish upstream: %s", out)
	}

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "gproxy", Format: "ansible", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/ansible/gup", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	pxCfg := filepath.Join(dir, "proxy.cfg")
	galaxyConfig(t, pxCfg, px.URL+"/ansible/gproxy/", "")
	dest := filepath.Join(dir, "c1")
	if out, ok := galaxyRun(t, galaxyEnv(filepath.Join(dir, "h1"), pxCfg), bin, "collection", "install", "keeper.demo", "-p", dest); !ok {
		t.Fatalf("install through the remote: %s", out)
	}
	if v := installedVersion(t, dest, "keeper", "demo"); v != "1.0.0" {
		t.Fatalf("installed %s", v)
	}
	doc := px.Expect(http.StatusOK, "GET", "/ansible/gproxy/api/v3/collections/keeper/demo/versions/1.0.0/", nil)
	if strings.Contains(string(doc.Body), up.URL) || !strings.Contains(string(doc.Body), px.URL+"/ansible/gproxy/download/") {
		t.Fatalf("the proxied version document points elsewhere: %s", doc.Body)
	}
	want, _ := os.ReadFile(v1)
	if got := px.Expect(http.StatusOK, "GET", "/ansible/gproxy/download/keeper-demo-1.0.0.tar.gz", nil); !bytes.Equal(got.Body, want) {
		t.Fatal("the artifact through the proxy differs from the published one")
	}

	// A virtual repository of a local member (keeper.demo 1.1.0) and the remote (1.0.0).
	px.CreateRepo(harness.Repo{Key: "glocal", Format: "ansible", Public: true})
	px.CreateRepo(harness.Repo{Key: "gall", Format: "ansible", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "glocal", "priority": 1}, {"repo_key": "gproxy", "priority": 2}}})
	localCfg := filepath.Join(dir, "local.cfg")
	galaxyConfig(t, localCfg, px.URL+"/ansible/glocal/", px.APIToken("galaxy"))
	v11 := galaxyBuild(t, bin, dir, "keeper", "demo", "1.1.0", env)
	if out, ok := galaxyRun(t, galaxyEnv(home, localCfg), bin, "collection", "publish", v11); !ok {
		t.Fatalf("publish local: %s", out)
	}
	allCfg := filepath.Join(dir, "all.cfg")
	galaxyConfig(t, allCfg, px.URL+"/ansible/gall/", "")
	vs := px.Expect(http.StatusOK, "GET", "/ansible/gall/api/v3/collections/keeper/demo/versions/?limit=100", nil)
	if !strings.Contains(string(vs.Body), `"1.1.0"`) || !strings.Contains(string(vs.Body), `"1.0.0"`) {
		t.Fatalf("merged versions: %s", vs.Body)
	}
	for _, c := range []struct{ spec, want string }{{"keeper.demo", "1.1.0"}, {"keeper.demo:==1.0.0", "1.0.0"}} {
		dest := filepath.Join(dir, "virtual-"+c.want)
		if out, ok := galaxyRun(t, galaxyEnv(filepath.Join(dir, "hv-"+c.want), allCfg), bin, "collection", "install", c.spec, "-p", dest); !ok {
			t.Fatalf("install %s through the virtual repository: %s", c.spec, out)
		}
		if v := installedVersion(t, dest, "keeper", "demo"); v != c.want {
			t.Fatalf("installed %s, want %s", v, c.want)
		}
	}
}
