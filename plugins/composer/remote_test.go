package composer_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/composer"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	for p, want := range map[string]sdk.CacheClass{
		"/dists/a/b/1.0.0/a-b-1.0.0.zip": sdk.Immutable, "/~ext/https/codeload.example/a/b/zip/abc.zip": sdk.Immutable,
		"/packages.json": sdk.Mutable, "/p2/a/b.json": sdk.Mutable, "/p2/a/b~dev.json": sdk.Mutable, "/search.json": sdk.Mutable,
	} {
		if got := (composer.Plugin{}).Classify(p); got != want {
			t.Errorf("Classify(%s) = %v, want %v", p, got, want)
		}
	}
}

// TestRewrite moves the upstream's URLs under the local base; dist URLs on
// another host go through ~ext/; nothing else changes.
func TestRewrite(t *testing.T) {
	h := newHost()
	uploadAll(t, h)
	up := "http://h/composer/php"
	local := "http://proxy/composer/remote"
	for _, p := range []string{"/packages.json", "/p2/keeper/demo.json"} {
		body := call(t, h, get(p, "")).Bytes
		out, err := composer.Plugin{}.Rewrite(nil, p, body, up, local)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), up+"/") || !strings.Contains(string(out), local+"/") {
			t.Fatalf("%s rewritten:\n%s", p, out)
		}
		if strings.Count(string(out), local+"/") != strings.Count(string(body), up+"/") {
			t.Fatalf("%s: not every upstream URL moved", p)
		}
	}
	foreign := `{"packages":{"a/b":[{"name":"a/b","version":"1.0.0","dist":{"type":"zip","url":"https://codeload.example/a/b/zip/abc","shasum":""},"homepage":"https://example.org/"}]}}`
	out, err := composer.Plugin{}.Rewrite(nil, "/p2/a/b.json", []byte(foreign), up, local)
	if err != nil || !strings.Contains(string(out), `"url":"`+local+`/~ext/https/codeload.example/a/b/zip/abc"`) || !strings.Contains(string(out), `"homepage":"https://example.org/"`) {
		t.Fatalf("foreign dist: %s %v", out, err)
	}
	if _, err := (composer.Plugin{}).Rewrite(nil, "/p2/a/b.json", []byte("{"), up, local); err == nil {
		t.Fatal("a broken upstream document was rewritten")
	}
}

func TestMerge(t *testing.T) {
	a, b := newHost(), newHost()
	uploadAll(t, a)
	callCommit(t, b, uploadReq(b, pkgZip(t, "keeper/demo", "9.0.0", ""), ""))
	callCommit(t, b, uploadReq(b, pkgZip(t, "other/pkg", "1.0.0", ""), ""))
	doc := func(h *testHost, p string) []byte { return call(t, h, get(p, "")).Bytes }
	merge := func(p string) []byte {
		out, err := composer.Plugin{}.Merge(nil, p, [][]byte{doc(a, p), doc(b, p)})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	var root struct {
		Available   []string `json:"available-packages"`
		MetadataURL string   `json:"metadata-url"`
	}
	json.Unmarshal(merge("/packages.json"), &root)
	if strings.Join(root.Available, ",") != "keeper/demo,keeper/util,other/pkg" || root.MetadataURL == "" {
		t.Fatalf("merged packages.json: %+v", root)
	}
	if p2 := merge("/p2/keeper/demo.json"); string(p2) != string(doc(a, "/p2/keeper/demo.json")) {
		t.Fatal("merged p2 is not the first member's")
	}
	var s struct {
		Results []struct{ Name string } `json:"results"`
		Total   int                     `json:"total"`
	}
	json.Unmarshal(merge("/search.json"), &s)
	if s.Total != 3 || len(s.Results) != 3 {
		t.Fatalf("merged search: %+v", s)
	}
	if _, err := (composer.Plugin{}).Merge(nil, "/packages.json", [][]byte{[]byte("x"), []byte("{}")}); err == nil {
		t.Fatal("a broken member packages.json merged")
	}
}
