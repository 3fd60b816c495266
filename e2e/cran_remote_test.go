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

// TestCRANRemote installs with the real R through a remote CRAN repository
// of one keeper whose upstream is a private repository of a second keeper,
// then through a virtual repository of a local repository and that remote,
// whose merged PACKAGES.rds R reads.
func TestCRANRemote(t *testing.T) {
	t.Parallel()
	rs, r := rscript(t)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	mkdirs(t, home)
	env := rEnv(home)
	v1 := rPackage(t, r, dir, "keeperdemo", "1.0.0", env)
	other := rPackage(t, r, dir, "keeperother", "2.0", env)

	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "rup", Format: "cran"})
	if got := putFile(t, up, "/cran/rup/src/contrib/keeperdemo_1.0.0.tar.gz", v1, "admin", up.APIToken("r")); got.Status != http.StatusCreated {
		t.Fatalf("upload: %s", got)
	}
	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "rproxy", Format: "cran", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/cran/rup", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})

	if out := rInstall(t, rs, env, px.URL+"/cran/rproxy", filepath.Join(dir, "lib1"), "keeperdemo"); !strings.Contains(out, "keeperdemo 1.0.0") {
		t.Fatalf("installed through the remote: %s", out)
	}
	want, _ := os.ReadFile(v1)
	if got := px.Expect(http.StatusOK, "GET", "/cran/rproxy/src/contrib/keeperdemo_1.0.0.tar.gz", nil); !bytes.Equal(got.Body, want) {
		t.Fatal("the package through the proxy differs from the published one")
	}

	px.CreateRepo(harness.Repo{Key: "rlocal", Format: "cran", Public: true})
	px.CreateRepo(harness.Repo{Key: "rall", Format: "cran", Type: "virtual", Public: true,
		Members: []map[string]any{{"repo_key": "rlocal", "priority": 1}, {"repo_key": "rproxy", "priority": 2}}})
	if got := putFile(t, px, "/cran/rlocal/src/contrib/keeperother_2.0.tar.gz", other, "admin", px.APIToken("r")); got.Status != http.StatusCreated {
		t.Fatalf("upload: %s", got)
	}
	out := rInstall(t, rs, env, px.URL+"/cran/rall", filepath.Join(dir, "lib2"), "keeperdemo", "keeperother")
	if !strings.Contains(out, "keeperdemo 1.0.0") || !strings.Contains(out, "keeperother 2.0") {
		t.Fatalf("installed through the virtual repository: %s", out)
	}
	// The Archive path of a local member's version, answered by its plugin.
	wantOther, _ := os.ReadFile(other)
	if got := px.Expect(http.StatusOK, "GET", "/cran/rall/src/contrib/Archive/keeperother/keeperother_2.0.tar.gz", nil); !bytes.Equal(got.Body, wantOther) {
		t.Fatal("the archived version through the virtual repository differs")
	}
	rds := filepath.Join(dir, "merged.rds")
	_ = os.WriteFile(rds, px.Expect(http.StatusOK, "GET", "/cran/rall/src/contrib/PACKAGES.rds", nil).Body, 0o644)
	cmd := exec.Command(rs, "-e", `cat(readRDS(commandArgs(TRUE)[1])[, "Package"])`, rds)
	cmd.Env = env
	if got, err := cmd.CombinedOutput(); err != nil || string(got) != "keeperdemo keeperother" {
		t.Fatalf("merged PACKAGES.rds: %v %s", err, got)
	}
}
