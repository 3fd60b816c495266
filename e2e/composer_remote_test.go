package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestComposerRemote installs with the real composer through a remote
// Composer repository of one keeper whose upstream is a private repository
// of a second keeper, then through a virtual repository of a local
// repository and that remote, from empty caches.
func TestComposerRemote(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("composer"); err != nil {
		harness.MissingClient(t, "composer is not on PATH (apt-get install composer)")
	}
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "php", Format: "composer"})
	upToken := "Bearer " + up.APIToken("composer", "read:artifacts", "write:artifacts")
	util := composerZip(t, "keeper/util", "2.0.1", "")
	demo := composerZip(t, "keeper/demo", "1.0.0", `"keeper/util": "^2.0"`)
	for _, z := range [][]byte{util, demo} {
		up.Expect(201, "PUT", "/composer/php/api/packages", bytes.NewReader(z), "Authorization", upToken)
	}
	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "phpproxy", Format: "composer", Type: "remote", Public: true,
		UpstreamURL: up.URL + "/composer/php", Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})

	dir := t.TempDir()
	install := func(name, repo string, require map[string]string) string {
		app := filepath.Join(dir, name)
		mkdirs(t, app)
		var req []string
		for p, c := range require {
			req = append(req, `"`+p+`": "`+c+`"`)
		}
		cj := `{"repositories": [{"type": "composer", "url": "` + px.URL + `/composer/` + repo + `"}, {"packagist.org": false}],
  "require": {` + strings.Join(req, ", ") + `}, "config": {"secure-http": false}}`
		if err := os.WriteFile(filepath.Join(app, "composer.json"), []byte(cj), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("composer", "install", "--no-interaction", "--no-progress")
		cmd.Dir, cmd.Env = app, composerEnv(t, filepath.Join(dir, name+"-env"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("composer install through %s: %v\n%s", repo, err, out)
		}
		return app
	}
	mark := func(app, pkg, version string) {
		t.Helper()
		b, _ := os.ReadFile(filepath.Join(app, "vendor", "keeper", pkg, "src", "Mark.php"))
		if !strings.Contains(string(b), "'"+version+"'") {
			t.Fatalf("keeper/%s %s not installed in %s: %q", pkg, version, app, b)
		}
	}
	app := install("remote", "phpproxy", map[string]string{"keeper/demo": "^1.0"})
	mark(app, "demo", "1.0.0")
	mark(app, "util", "2.0.1")
	lock, _ := os.ReadFile(filepath.Join(app, "composer.lock"))
	if strings.Contains(string(lock), up.URL) || !strings.Contains(string(lock), px.URL+"/composer/phpproxy/dists/keeper/demo/1.0.0/") {
		t.Fatalf("dist URLs do not point at the proxy:\n%s", lock)
	}

	t.Run("virtual", func(t *testing.T) {
		px.CreateRepo(harness.Repo{Key: "phplocal", Format: "composer", Public: true})
		px.CreateRepo(harness.Repo{Key: "phpall", Format: "composer", Type: "virtual", Public: true,
			Members: []map[string]any{{"repo_key": "phplocal", "priority": 1}, {"repo_key": "phpproxy", "priority": 2}}})
		px.Expect(201, "PUT", "/composer/phplocal/api/packages", bytes.NewReader(composerZip(t, "keeper/app", "3.0.0", `"keeper/util": "^2.0"`)),
			"Authorization", "Bearer "+px.APIToken("local", "read:artifacts", "write:artifacts"))
		v := install("virtual", "phpall", map[string]string{"keeper/app": "^3.0", "keeper/demo": "^1.0"})
		mark(v, "app", "3.0.0")
		mark(v, "demo", "1.0.0")
		mark(v, "util", "2.0.1")
	})
}
