package e2e

import (
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

type searchAnswer struct {
	Total int `json:"total"`
	Hits  []struct {
		Repository  string            `json:"repository"`
		Format      string            `json:"format"`
		Package     string            `json:"package"`
		Version     string            `json:"version"`
		Description string            `json:"description"`
		Highlights  map[string]string `json:"highlights"`
	} `json:"hits"`
	Facets struct {
		Repository map[string]int `json:"repository"`
	} `json:"facets"`
}

func searchAs(t *testing.T, k *harness.Keeper, token, q string) searchAnswer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, k.URL+"/api/v1/search?q="+url.QueryEscape(q), nil)
	req.Header.Set("Authorization", "")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	r, err := k.Do(req)
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("search %q: %v %v", q, r, err)
	}
	var a searchAnswer
	if err := r.JSON(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestSearchFindsPublishedPackages: packages published with the real npm
// client become searchable through the indexing job (the lag is logged),
// by name and description, by checksum; a private repository's package is
// invisible to a user without rights there and to anonymous callers.
func TestSearchFindsPublishedPackages(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("npm"); err != nil {
		harness.MissingClient(t, "npm missing: %v", err)
	}
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	k := harness.Start(t, harness.Options{})
	k.CreateRepo(harness.Repo{Key: "js", Format: "npm", Public: true})
	k.CreateRepo(harness.Repo{Key: "js-private", Format: "npm"})
	work := t.TempDir()
	pub, priv := filepath.Join(work, "pub"), filepath.Join(work, "priv")
	copyTree(t, filepath.Join(root, "plugins", "npm", "testdata", "src", "hello"), pub)
	copyTree(t, filepath.Join(root, "plugins", "npm", "testdata", "src", "hello"), priv)
	secret := `{"name":"secret-keeper-tool","version":"3.1.4","description":"Internal keeper tooling","main":"index.js","license":"UNLICENSED"}`
	if err := os.WriteFile(filepath.Join(priv, "package.json"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	token := k.APIToken("search-e2e")
	pubEnv, privEnv := newNpmEnv(t, k, "js"), newNpmEnv(t, k, "js-private")
	pubEnv.writeRC(token)
	privEnv.writeRC(token)

	pubEnv.must(pub, "npm", "publish")
	published := time.Now()
	var found searchAnswer
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if found = searchAs(t, k, k.Token, "hello keeper"); found.Total > 0 {
			break
		}
	}
	t.Logf("upload-to-searchable lag after npm publish returned: %v", time.Since(published).Round(time.Millisecond))
	if found.Total != 1 || found.Hits[0].Package != "hello-keeper" || found.Hits[0].Repository != "js" ||
		found.Hits[0].Version != "1.0.0" || found.Hits[0].Format != "npm" {
		t.Fatalf("hello keeper: %+v", found)
	}
	if a := searchAs(t, k, "", "fixture"); a.Total != 1 || a.Hits[0].Highlights["description"] != "Keeper npm <mark>fixture</mark>" {
		t.Fatalf("anonymous, by description: %+v", a)
	}

	privEnv.must(priv, "npm", "publish")
	waitFor := func(q string) searchAnswer {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			a := searchAs(t, k, k.Token, q)
			if a.Total > 0 || time.Now().After(deadline) {
				return a
			}
		}
	}
	if a := waitFor("secret tooling"); a.Total != 1 || a.Hits[0].Repository != "js-private" {
		t.Fatalf("admin finds the private package: %+v", a)
	}
	k.Expect(http.StatusCreated, http.MethodPost, "/api/v1/users",
		harness.JSONBody(map[string]any{"username": "eve", "password": "eve-password-1"}), "Content-Type", "application/json")
	eve := k.Login("eve", "eve-password-1")
	for _, who := range []struct{ name, token string }{{"eve", eve}, {"anonymous", ""}} {
		if a := searchAs(t, k, who.token, "secret"); a.Total != 0 || len(a.Hits) != 0 {
			t.Fatalf("%s sees the private package: %+v", who.name, a)
		}
		if a := searchAs(t, k, who.token, "keeper"); a.Total != 1 || a.Hits[0].Repository != "js" || a.Facets.Repository["js-private"] != 0 {
			t.Fatalf("%s: keeper: %+v", who.name, a)
		}
	}

	// By checksum: the tarball's SHA-256 as stored.
	var list struct {
		Items []struct {
			Path   string `json:"path"`
			SHA256 string `json:"checksum_sha256"`
		} `json:"items"`
	}
	if err := k.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories/js/artifacts", nil).JSON(&list); err != nil {
		t.Fatal(err)
	}
	sum := ""
	for _, it := range list.Items {
		if strings.HasSuffix(it.Path, ".tgz") {
			sum = it.SHA256
		}
	}
	var sums struct {
		Items []struct{ Repository, Package, Path string } `json:"items"`
	}
	if err := k.Expect(http.StatusOK, http.MethodGet, "/api/v1/search/checksum/"+sum, nil).JSON(&sums); err != nil ||
		len(sums.Items) != 1 || sums.Items[0].Package != "hello-keeper" {
		t.Fatalf("checksum %q: %+v %v (artifacts %+v)", sum, sums, err, list)
	}
}
