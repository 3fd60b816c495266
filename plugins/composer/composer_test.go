package composer_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/composer"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func uploadAll(t *testing.T, h *testHost) {
	t.Helper()
	for _, u := range []struct {
		zip []byte
		q   string
	}{
		{pkgZip(t, "keeper/demo", "1.0.0", ""), ""},
		{pkgZip(t, "keeper/demo", "", `, "require": {"php": ">=7.4", "keeper/util": "^2.0"}`), "version=1.1.0"},
		{pkgZip(t, "keeper/demo", "v2.0.0-beta1", `, "require": {"php": ">=8.1"}`), ""},
		{pkgZip(t, "keeper/demo", "dev-main", ""), ""},
		{pkgZip(t, "keeper/util", "2.0.1", `, "type": "composer-plugin"`), ""},
	} {
		if r := callCommit(t, h, uploadReq(h, u.zip, u.q)); r.Status != 201 {
			t.Fatalf("upload: %d %s", r.Status, r.Bytes)
		}
	}
}

// TestDocuments uploads packages and checks every document against its
// golden file, and that the minified metadata expands to full versions.
func TestDocuments(t *testing.T) {
	h := newHost()
	uploadAll(t, h)
	for _, c := range []struct{ path, query, golden string }{
		{"/packages.json", "", "packages.json"},
		{"/p2/keeper/demo.json", "", "p2-keeper-demo.json"},
		{"/p2/keeper/demo~dev.json", "", "p2-keeper-demo~dev.json"},
		{"/p2/keeper/util.json", "", "p2-keeper-util.json"},
		{"/search.json", "q=demo", "search-demo.json"},
		{"/search.json", "q=&type=composer-plugin", "search-type.json"},
		{"/search.json", "q=keeper&per_page=1", "search-page.json"},
	} {
		r := call(t, h, get(c.path, c.query))
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", c.path, r.Status, r.Bytes)
		}
		plugintest.GoldenJSON(t, "golden/"+c.golden, r.Bytes)
	}
	// Versions uploaded now are served complete, not minified (assembled.go):
	// every version has its dist with the zip's sha1, nothing inherited.
	var doc struct {
		Packages map[string][]map[string]any `json:"packages"`
		Minified string                      `json:"minified"`
	}
	json.Unmarshal(call(t, h, get("/p2/keeper/demo.json", "")).Bytes, &doc)
	versions := doc.Packages["keeper/demo"]
	if doc.Minified != "" || len(versions) != 3 {
		t.Fatalf("p2: %+v", doc)
	}
	want := []string{"2.0.0.0-beta1", "1.1.0.0", "1.0.0.0"}
	for i, v := range versions {
		if v["version_normalized"] != want[i] || v["name"] != "keeper/demo" || v["license"] == nil {
			t.Fatalf("expanded version %d: %v", i, v)
		}
		dist := v["dist"].(map[string]any)
		f, _ := h.GetFile(strings.TrimPrefix(dist["url"].(string), "http://h/composer/php/"))
		if f == nil {
			t.Fatalf("dist %v does not name a stored zip", dist)
		}
		if sum, _ := h.Hash(sdk.SHA1, sdk.Source{Blob: f.BlobDigest}); dist["shasum"] != sum {
			t.Fatalf("dist %v does not name a stored zip with its sha1", dist)
		}
	}
	if _, ok := versions[0]["require"].(map[string]any)["keeper/util"]; ok {
		t.Fatal("2.0.0-beta1 inherited 1.1.0's require: minification is wrong")
	}
	if versions[2]["require"] != nil {
		t.Fatal("1.0.0 has a require it never declared (no __unset)")
	}
}

func TestRefusals(t *testing.T) {
	h := newHost()
	uploadAll(t, h)
	files := len(h.Files)
	noise := make([]byte, 1<<20)
	rand.Read(noise)
	big := hex.EncodeToString(noise) // 2 MiB that does not compress
	cases := []struct {
		name  string
		zip   []byte
		query string
		want  int
		msg   string
	}{
		{"republish", pkgZip(t, "keeper/demo", "1.0.0", ""), "", 409, "already exists"},
		{"not a zip", []byte("not a zip at all"), "", 400, "not a readable zip"},
		{"truncated", pkgZip(t, "keeper/x", "1.0.0", "")[:100], "", 400, "not a readable zip"},
		{"no composer.json", zipOf(t, entry{"src/a.php", "x"}), "version=1.0.0", 400, "no composer.json"},
		{"traversal", zipOf(t, entry{"composer.json", `{"name":"a/b","version":"1.0.0"}`}, entry{"../../evil.php", "x"}), "", 400, "'..'"},
		{"absolute", zipOf(t, entry{"composer.json", `{"name":"a/b","version":"1.0.0"}`}, entry{"/etc/x", "x"}), "", 400, "absolute"},
		{"bad json", zipOf(t, entry{"composer.json", `{"name":`}), "", 400, "not a JSON object"},
		{"bad name", pkgZip(t, "Keeper/Demo", "1.0.0", ""), "", 400, "not a valid package name"},
		{"no version", pkgZip(t, "keeper/x", "", ""), "", 400, "no version"},
		{"version mismatch", pkgZip(t, "keeper/x", "1.0.0", ""), "version=2.0.0", 400, "does not match"},
		{"bad version", pkgZip(t, "keeper/x", "1.0/../../x", ""), "", 400, "not a valid Composer version"},
		{"composer.json too large", zipOf(t, entry{"composer.json", `{"name":"a/b","x":"` + big + `"}`}), "", 400, "composer.json cannot be read"},
		{"bomb", zipOf(t, entry{"composer.json", `{"name":"a/b","version":"1.0.0"}`}, entry{"big", strings.Repeat("\x00", 8<<20)}), "", 400, "zip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := callCommit(t, h, uploadReq(h, c.zip, c.query))
			if r.Status != c.want || !strings.Contains(string(r.Bytes), c.msg) {
				t.Fatalf("status %d %s, want %d containing %q", r.Status, r.Bytes, c.want, c.msg)
			}
			if len(h.Files) != files {
				t.Fatal("a refused upload stored a file")
			}
		})
	}
	for _, p := range []string{"/p2/keeper/nothing.json", "/p2/nothing.json", "/p2/Keeper/Demo.json", "/dists/keeper/demo/9.9.9/keeper-demo-9.9.9.zip", "/other"} {
		if r := call(t, h, get(p, "")); r.Status != 404 {
			t.Errorf("GET %s: %d, want 404", p, r.Status)
		}
	}
	if r := call(t, h, &sdk.Request{Method: "DELETE", Path: "/packages.json"}); r.Status != 405 {
		t.Errorf("DELETE packages.json: %d", r.Status)
	}
}

func TestNormalizeVersion(t *testing.T) {
	for in, want := range map[string]string{"1.0.0": "1.0.0.0", "v1.2": "1.2.0.0", "2.0.0-beta1": "2.0.0.0-beta1",
		"1.0.0-RC2": "1.0.0.0-RC2", "1.0.0.5": "1.0.0.5", "dev-main": "dev-main", "1.x-dev": "1.9999999.9999999.9999999-dev",
		"3.1.0-alpha.2": "3.1.0.0-alpha2", "1.0.0-pl1": "1.0.0.0-patch1"} {
		if got := composer.NormalizeVersion(in); got != want {
			t.Errorf("normalize(%s) = %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"", "latest", "1.0/x", "dev-", "1.0.0-foo"} {
		if got := composer.NormalizeVersion(bad); got != "" {
			t.Errorf("normalize(%q) = %q, want a refusal", bad, got)
		}
	}
}

func TestDescribe(t *testing.T) {
	info := composer.Plugin{}.Describe()
	if info.Key != "composer" || info.Mounts[0].Prefix != "/composer/" || len(info.Setup) == 0 {
		t.Fatalf("describe: %+v", info)
	}
}
