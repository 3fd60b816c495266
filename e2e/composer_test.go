package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// composerZip is a package zip as GitHub archives lay it out (one top
// directory) with composer.json and one class whose constant names the version.
func composerZip(t *testing.T, name, version, require string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	add := func(n, data string) {
		f, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(data))
	}
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	ns := strings.Join(parts, "\\")
	add("pkg/composer.json", `{"name": "`+name+`", "version": "`+version+`", "type": "library", "license": "MIT",
  "description": "Keeper e2e package", "require": {`+require+`},
  "autoload": {"psr-4": {"`+strings.ReplaceAll(ns, `\`, `\\`)+`\\": "src/"}}}`)
	add("pkg/src/Mark.php", "<?php\nnamespace "+ns+";\nclass Mark { const VERSION = '"+version+"'; }\n")
	w.Close()
	return b.Bytes()
}

// composerEnv is an isolated Composer environment (HOME, COMPOSER_HOME,
// cache) with the README's variables.
func composerEnv(t *testing.T, dir string, vars ...string) []string {
	var env []string
	for _, kv := range clientEnv(filepath.Join(dir, "home"), vars...) {
		if !strings.HasPrefix(kv, "COMPOSER") {
			env = append(env, kv)
		}
	}
	mkdirs(t, filepath.Join(dir, "home"))
	return append(env, "COMPOSER_HOME="+filepath.Join(dir, "composer-home"), "COMPOSER_CACHE_DIR="+filepath.Join(dir, "composer-cache"),
		"COMPOSER_ALLOW_SUPERUSER=1", "COMPOSER_NO_INTERACTION=1", "COMPOSER_DISABLE_NETWORK=0")
}

// TestComposer uploads zips (the README's curl block), then installs and
// updates with the real composer with Keeper as the only repository (the
// default public one turned off), from an empty cache, and checks the files.
func TestComposer(t *testing.T) {
	t.Parallel()
	for _, c := range []string{"composer", "php", "curl"} {
		if _, err := exec.LookPath(c); err != nil {
			harness.MissingClient(t, "%s is not on PATH (apt-get install composer)", c)
		}
	}
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "php", Format: "composer"})
	token := k.APIToken("composer", "read:artifacts", "write:artifacts")
	host := strings.TrimPrefix(k.URL, "http://")
	dir := t.TempDir()
	zips := map[string][]byte{
		"util-2.0.1.zip": composerZip(t, "keeper/util", "2.0.1", ""),
		"demo-1.0.0.zip": composerZip(t, "keeper/demo", "1.0.0", `"keeper/util": "^2.0"`),
		"demo-1.1.0.zip": composerZip(t, "keeper/demo", "1.1.0", `"keeper/util": "^2.0"`),
	}
	for n, b := range zips {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r, _ := k.Call("PUT", "/composer/php/api/packages", bytes.NewReader(zips["util-2.0.1.zip"]), "Authorization", ""); r == nil || r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous upload: %v, want 401", r)
	}
	publish := func(zipName string) string {
		return runSnippet(t, "composer-publish", dir, composerEnv(t, filepath.Join(dir, "pub"), "K="+host, "REPO=php", "T="+token, "ZIP="+zipName))
	}
	publish("util-2.0.1.zip")
	publish("demo-1.0.0.zip")
	if r := k.Expect(http.StatusConflict, "PUT", "/composer/php/api/packages", bytes.NewReader(zips["demo-1.0.0.zip"]), "Authorization", "Bearer "+token); !strings.Contains(string(r.Body), "already exists") {
		t.Fatalf("republish: %s", r)
	}
	k.Expect(http.StatusNotFound, "GET", "/composer/php/p2/keeper/nothing.json", nil, "Authorization", "Bearer "+token)
	if r := k.Expect(http.StatusBadRequest, "PUT", "/composer/php/api/packages", bytes.NewReader([]byte("not a zip")), "Authorization", "Bearer "+token); !strings.Contains(string(r.Body), "zip") {
		t.Fatalf("malformed upload: %s", r)
	}

	app := filepath.Join(dir, "app")
	mkdirs(t, app)
	env := composerEnv(t, filepath.Join(dir, "consumer"), "K="+host, "REPO=php", "T="+token, "PKG=keeper/demo")
	out := runSnippet(t, "composer-consume", app, env)
	mark := func(pkg string) string {
		b, _ := os.ReadFile(filepath.Join(app, "vendor", "keeper", pkg, "src", "Mark.php"))
		return string(b)
	}
	if !strings.Contains(mark("demo"), "'1.0.0'") || !strings.Contains(mark("util"), "'2.0.1'") {
		t.Fatalf("composer install did not install keeper/demo 1.0.0 and keeper/util 2.0.1:\n%s", out)
	}
	// The cached dist is the uploaded zip, byte for byte.
	cached, _ := filepath.Glob(filepath.Join(dir, "consumer", "composer-cache", "files", "keeper", "demo", "*.zip"))
	if len(cached) != 1 {
		t.Fatalf("composer cached %d dists of keeper/demo", len(cached))
	}
	if got, _ := os.ReadFile(cached[0]); !bytes.Equal(got, zips["demo-1.0.0.zip"]) {
		t.Fatal("the downloaded dist differs from the uploaded zip")
	}

	// A new version, then composer update picks it. The metadata composer
	// reads is the host-assembled one, every version complete (not
	// minified): composer's update must still resolve from it.
	publish("demo-1.1.0.zip")
	var p2 struct {
		Minified string                      `json:"minified"`
		Packages map[string][]map[string]any `json:"packages"`
	}
	r := k.Expect(http.StatusOK, "GET", "/composer/php/p2/keeper/demo.json", nil, "Authorization", "Bearer "+token)
	if err := json.Unmarshal(r.Body, &p2); err != nil || p2.Minified != "" || len(p2.Packages["keeper/demo"]) != 2 {
		t.Fatalf("p2/keeper/demo.json is not the complete document of two versions: %v\n%s", err, r.Body)
	}
	for _, v := range p2.Packages["keeper/demo"] {
		if v["name"] != "keeper/demo" || v["require"] == nil || v["dist"] == nil || v["time"] == nil {
			t.Fatalf("p2/keeper/demo.json: an incomplete version: %v", v)
		}
	}
	cmd := exec.Command("composer", "update", "--no-interaction", "--no-progress")
	cmd.Dir, cmd.Env = app, env
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(mark("demo"), "'1.1.0'") {
		t.Fatalf("composer update: %v\n%s", err, b)
	}
	lock, _ := os.ReadFile(filepath.Join(app, "composer.lock"))
	if !strings.Contains(string(lock), `"version": "1.1.0"`) || !strings.Contains(string(lock), k.URL+"/composer/php/dists/keeper/demo/1.1.0/") {
		t.Fatalf("composer.lock: %s", lock)
	}
}
