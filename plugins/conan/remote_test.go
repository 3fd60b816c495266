package conan

import (
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	base := "/v2/conans/zlib/1.3/_/_"
	for path, want := range map[string]sdk.CacheClass{
		"/v2/users/authenticate":                   sdk.Local,
		"/v1/users/authenticate":                   sdk.Local,
		"/v2/users/check_credentials":              sdk.Local,
		"/v2/ping":                                 sdk.Local,
		base + "/latest":                           sdk.Mutable,
		base + "/revisions":                        sdk.Mutable,
		base + "/revisions/abc/search":             sdk.Mutable,
		base + "/revisions/abc/files":              sdk.Immutable,
		base + "/revisions/abc/files/conanfile.py": sdk.Immutable,
		base + "/revisions/abc/packages/p1/latest": sdk.Mutable,
		base + "/revisions/abc/packages/p1/revisions/def/files/conan_package.tgz": sdk.Immutable,
		"/v2/conans/../x": sdk.Unknown,
	} {
		if got := (Plugin{}).Classify(path); got != want {
			t.Errorf("Classify(%s) = %v, want %v", path, got, want)
		}
	}
}

func TestRewriteRefusesGarbage(t *testing.T) {
	doc := []byte(`{"revision":"abc","time":"2026-01-02T03:04:05.000+0000"}`)
	if got, err := (Plugin{}).Rewrite(nil, "/v2/conans/zlib/1.3/_/_/latest", doc, "http://up", "http://k"); err != nil || string(got) != string(doc) {
		t.Fatalf("document: %q %v", got, err)
	}
	for _, bad := range []string{"<html>", `["a"]`, `{"a":`} {
		if _, err := (Plugin{}).Rewrite(nil, "/v2/conans/zlib/1.3/_/_/latest", []byte(bad), "http://up", "http://k"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMerge(t *testing.T) {
	p := Plugin{}
	base := "/v2/conans/zlib/1.3/_/_"
	local := `{"reference":"zlib/1.3","revisions":[{"revision":"b","time":"2026-01-02T00:00:00.000+0000"},{"revision":"a","time":"2026-01-01T00:00:00.000+0000"}]}`
	remote := `{"reference":"zlib/1.3","revisions":[{"revision":"c","time":"2026-01-03T00:00:00.000+0000"},{"revision":"a","time":"2025-12-01T00:00:00.000+0000"}]}`
	got, err := p.Merge(nil, base+"/revisions", [][]byte{[]byte(local), []byte(remote)})
	want := `{"reference":"zlib/1.3","revisions":[{"revision":"c","time":"2026-01-03T00:00:00.000+0000"},{"revision":"b","time":"2026-01-02T00:00:00.000+0000"},{"revision":"a","time":"2026-01-01T00:00:00.000+0000"}]}`
	if err != nil || string(got) != want {
		t.Fatalf("revisions:\n%s\nwant\n%s (%v)", got, want, err)
	}
	got, err = p.Merge(nil, base+"/latest", [][]byte{[]byte(`{"revision":"b","time":"2026-01-02T00:00:00.000+0000"}`),
		[]byte(`{"revision":"c","time":"2026-01-03T00:00:00.000+0000"}`), []byte("junk")})
	if err != nil || string(got) != `{"revision":"c","time":"2026-01-03T00:00:00.000+0000"}` {
		t.Fatalf("latest: %s %v", got, err)
	}
	got, err = p.Merge(nil, base+"/revisions/a/search", [][]byte{[]byte(`{"p2":{"content":"first"}}`),
		[]byte(`{"p1":{"content":"x"},"p2":{"content":"second"}}`)})
	if err != nil || string(got) != `{"p1":{"content":"x"},"p2":{"content":"first"}}` {
		t.Fatalf("package search: %s %v", got, err)
	}
	got, err = p.Merge(nil, "/v2/conans/search?q=z%2A", [][]byte{[]byte(`{"results":["zlib/1.3"]}`), []byte(`{"results":["zstd/1.5","zlib/1.3"]}`)})
	if err != nil || string(got) != `{"results":["zlib/1.3","zstd/1.5"]}` {
		t.Fatalf("recipe search: %s %v", got, err)
	}
	if _, err := p.Merge(nil, base+"/revisions", [][]byte{[]byte("junk")}); err == nil {
		t.Fatal("no revisions merged to a document")
	}
}
