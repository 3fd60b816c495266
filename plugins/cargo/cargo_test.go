package cargo_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/cargo"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestDescribe(t *testing.T) {
	info, err := sdk.DescribePlugin(cargo.Plugin{})
	if err != nil || info.Key != "cargo" || len(info.Mounts) != 1 || info.Mounts[0].Prefix != "/cargo/" {
		t.Fatalf("%+v %v", info, err)
	}
}

// publishFixtures publishes the bodies real cargo sent (testdata/publish).
func publishFixtures(t *testing.T, h *testHost) {
	t.Helper()
	for _, f := range []string{"demo-lib-0.1.0.bin", "demo-lib-0.2.0.bin", "demo_util-1.0.0-beta.1.bin"} {
		r := callCommit(t, h, publishReq(h, fixture(t, f), "alice"))
		if r.Status != 200 || !bytes.Contains(r.Bytes, []byte(`"warnings"`)) {
			t.Fatalf("publish %s: %d %s", f, r.Status, r.Bytes)
		}
	}
}

func TestPublishFixturesGolden(t *testing.T) {
	h := newTestHost(repoCtx(false))
	publishFixtures(t, h)

	for _, p := range []string{"de/mo/demo-lib", "de/mo/demo_util"} {
		r := call(t, h, get("/"+p))
		if r.Status != 200 || r.CacheTTLMs == 0 {
			t.Fatalf("GET %s: %d %s", p, r.Status, r.Bytes)
		}
		plugintest.Golden(t, "golden/index/"+p, r.Bytes)
	}
	plugintest.Golden(t, "golden/config-private.json", call(t, h, get("/config.json")).Bytes)
	pub := newTestHost(repoCtx(true))
	plugintest.Golden(t, "golden/config-public.json", call(t, pub, get("/config.json")).Bytes)
	plugintest.Golden(t, "golden/search-demo.json", call(t, h, &sdk.Request{Method: "GET", Path: "/api/v1/crates", RawQuery: "q=demo&per_page=10"}).Bytes)
	plugintest.Golden(t, "golden/owners-demo-lib.json", call(t, h, get("/api/v1/crates/demo-lib/owners")).Bytes)
}

// TestIndexCksumMatchesServedCrate checks every index line against the
// stored .crate at the download path: cksum is the sha256 of served bytes.
func TestIndexCksumMatchesServedCrate(t *testing.T) {
	h := newTestHost(repoCtx(true))
	publishFixtures(t, h)
	for _, name := range []string{"demo-lib", "demo_util"} {
		body := call(t, h, get("/"+strings.ToLower(name[:2])+"/"+name[2:4]+"/"+name)).Bytes
		lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
		for _, l := range lines {
			var e cargo.IndexEntry
			if err := json.Unmarshal([]byte(l), &e); err != nil {
				t.Fatal(err)
			}
			f := h.Files["api/v1/crates/"+e.Name+"/"+e.Vers+"/download"]
			data := h.Blobs[f.BlobDigest]
			sum := sha256.Sum256(data)
			if len(data) == 0 || hex.EncodeToString(sum[:]) != e.Cksum {
				t.Fatalf("%s@%s: cksum %s, served %d bytes sha256 %x", e.Name, e.Vers, e.Cksum, len(data), sum)
			}
			// The .crate is exactly the bytes after the metadata in the body.
			if !bytes.HasSuffix(fixture(t, e.Name+"-"+e.Vers+".bin"), data) {
				t.Fatalf("%s@%s: stored crate is not the uploaded one", e.Name, e.Vers)
			}
		}
	}
}

func TestIndexFormat(t *testing.T) {
	h := newTestHost(repoCtx(true))
	publishFixtures(t, h)
	var e map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(call(t, h, get("/de/mo/demo_util")).Bytes), &e); err != nil {
		t.Fatal(err)
	}
	if e["v"] != float64(2) {
		t.Errorf("v = %v, want 2 (features use dep: and ?/)", e["v"])
	}
	f2, _ := e["features2"].(map[string]any)
	if _, ok := f2["fancy"]; !ok {
		t.Errorf("features2 lacks fancy: %v", e["features2"])
	}
	deps := e["deps"].([]any)
	d0 := deps[0].(map[string]any)
	if d0["name"] != "dl" || d0["package"] != "demo-lib" || d0["req"] != "^0.2" || d0["optional"] != true ||
		d0["default_features"] != false || d0["kind"] != "normal" {
		t.Errorf("renamed dep: %v", d0)
	}
	if _, ok := d0["version_req"]; ok {
		t.Errorf("dep in publish format: %v", d0)
	}
	d1 := deps[1].(map[string]any)
	if d1["kind"] != "dev" || d1["target"] != "cfg(unix)" || d1["name"] != "demo-lib" {
		t.Errorf("dev dep: %v", d1)
	}
	if _, ok := d1["package"]; ok {
		t.Errorf("package set on a dep that is not renamed: %v", d1)
	}
	lib := string(call(t, h, get("/de/mo/demo-lib")).Bytes)
	if !strings.Contains(lib, `"rust_version":"1.70"`) || strings.Count(lib, "\n") != 2 {
		t.Errorf("demo-lib index: %s", lib)
	}
}

func TestIndexPaths(t *testing.T) {
	h := newTestHost(repoCtx(true))
	for _, n := range []string{"a", "ab", "abc", "abcd", "Mixed_Case-x"} {
		r := callCommit(t, h, publishReq(h, publishBody(meta(n, "1.0.0", nil), crate(t, n, "1.0.0")), "u"))
		if r.Status != 200 {
			t.Fatalf("publish %s: %d %s", n, r.Status, r.Bytes)
		}
	}
	cases := []struct {
		path string
		want int
	}{
		{"/1/a", 200}, {"/2/ab", 200}, {"/3/a/abc", 200}, {"/ab/cd/abcd", 200}, {"/mi/xe/mixed_case-x", 200},
		{"/Mi/xe/Mixed_Case-x", 404},                                                        // index paths are lower-case
		{"/1/b", 404},                                                                       // unknown crate
		{"/2/a", 404}, {"/3/b/abc", 404}, {"/ab/ce/abcd", 404}, {"/abcd", 404}, {"/a", 404}, // wrong shard
		{"/ab/cd/ab..cd", 404}, {"/", 404}, {"/config.json/x", 404},
		{"/api/v1/crates/abc/1.0.0/nope", 404}, {"/api/v2/crates", 404},
	}
	for _, c := range cases {
		if r := call(t, h, get(c.path)); r.Status != c.want {
			t.Errorf("GET %s: %d %s, want %d", c.path, r.Status, r.Bytes, c.want)
		}
	}
}

func TestPublishStagesAtDownloadPath(t *testing.T) {
	h := newTestHost(repoCtx(true))
	c := crate(t, "Foo_bar", "0.1.0+meta.1")
	r := call(t, h, publishReq(h, publishBody(meta("Foo_bar", "0.1.0+meta.1", nil), c), "bob"))
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Bytes)
	}
	sum := sha256.Sum256(c)
	if len(h.StagedFiles) != 1 || h.StagedFiles[0].Path != "api/v1/crates/Foo_bar/0.1.0+meta.1/download" ||
		h.StagedFiles[0].BlobDigest != hex.EncodeToString(sum[:]) || h.StagedFiles[0].Package != "foo_bar" {
		t.Fatalf("staged %+v", h.StagedFiles)
	}
	h.Commit()
	// The fast path serves the exact path; another case is served by the plugin.
	if r := call(t, h, get("/api/v1/crates/foo_bar/0.1.0+meta.1/download")); r.Kind != sdk.BodyServePath ||
		r.Target != "api/v1/crates/Foo_bar/0.1.0+meta.1/download" {
		t.Fatalf("download in other case: %+v", r)
	}
	for _, p := range []string{"/api/v1/crates/Foo_bar/0.2.0/download", "/api/v1/crates/nope/0.1.0/download", "/api/v1/crates/Foo_bar/0.1.0+meta.1/download/x"} {
		if r := call(t, h, get(p)); r.Status != 404 {
			t.Errorf("GET %s: %d", p, r.Status)
		}
	}
}

func TestPublishErrors(t *testing.T) {
	good := func(t *testing.T) []byte { return crate(t, "good", "1.0.0") }
	cases := []struct {
		name   string
		cfg    []sdk.KeyValue
		body   func(t *testing.T) []byte
		status int
		detail string
	}{
		{"empty", nil, func(*testing.T) []byte { return nil }, 400, "u32 JSON length"},
		{"short", nil, func(*testing.T) []byte { return []byte{1, 0, 0, 0, 'x'} }, 400, "u32 JSON length"},
		{"json runs past end", nil, func(*testing.T) []byte { return []byte{200, 0, 0, 0, '{', '}', 0, 0, 0} }, 400, "truncated"},
		{"json too large", nil, func(*testing.T) []byte { return []byte{0, 0, 0x20, 0, 0, 0, 0, 0} }, 400, "exceeds the limit"},
		{"length mismatch", nil, func(t *testing.T) []byte { return append(publishBody(meta("good", "1.0.0", nil), good(t)), 0) }, 400, "lengths say"},
		{"empty crate", nil, func(*testing.T) []byte { return publishBody(meta("good", "1.0.0", nil), nil) }, 400, "empty"},
		{"bad json", nil, func(t *testing.T) []byte { return publishBody([]byte("{nope"), good(t)) }, 400, "not valid JSON"},
		{"bad name", nil, func(t *testing.T) []byte { return publishBody(meta("1bad", "1.0.0", nil), good(t)) }, 400, "start with an ASCII letter"},
		{"bad name chars", nil, func(t *testing.T) []byte { return publishBody(meta("a/b", "1.0.0", nil), good(t)) }, 400, "only ASCII"},
		{"bad version", nil, func(t *testing.T) []byte { return publishBody(meta("good", "1.0", nil), good(t)) }, 400, "semantic version"},
		{"leading zero", nil, func(t *testing.T) []byte { return publishBody(meta("good", "1.01.0", nil), good(t)) }, 400, "semantic version"},
		{"bad dep kind", nil, func(t *testing.T) []byte {
			return publishBody(meta("good", "1.0.0", map[string]any{"deps": []any{map[string]any{"name": "x", "version_req": "^1", "kind": "weird"}}}), good(t))
		}, 400, "unknown kind"},
		{"dep without req", nil, func(t *testing.T) []byte {
			return publishBody(meta("good", "1.0.0", map[string]any{"deps": []any{map[string]any{"name": "x", "kind": "normal"}}}), good(t))
		}, 400, "version_req"},
		{"bad feature", nil, func(t *testing.T) []byte {
			return publishBody(meta("good", "1.0.0", map[string]any{"features": map[string]any{"a b": []string{}}}), good(t))
		}, 400, "invalid feature name"},
		{"crate over limit", []sdk.KeyValue{{Key: "max_crate_bytes", Value: "100"}}, func(t *testing.T) []byte {
			return publishBody(meta("good", "1.0.0", nil), good(t))
		}, 413, "more than the limit"},
		{"not gzip", nil, func(*testing.T) []byte { return publishBody(meta("good", "1.0.0", nil), []byte("plain text")) }, 400, "not a readable gzip"},
		{"entry outside prefix", nil, func(t *testing.T) []byte {
			return publishBody(meta("good", "1.0.0", nil), targz(t, entry{name: "good-1.0.0/Cargo.toml", data: []byte("x")}, entry{name: "etc/passwd", data: []byte("x")}))
		}, 400, "is not under good-1.0.0/"},
		{"dot-dot entry", nil, func(t *testing.T) []byte {
			return publishBody(meta("good", "1.0.0", nil), targz(t, entry{name: "good-1.0.0/Cargo.toml", data: []byte("x")}, entry{name: "good-1.0.0/../x", data: []byte("x")}))
		}, 400, "'..'"},
		{"other version prefix", nil, func(t *testing.T) []byte { return publishBody(meta("good", "1.0.0", nil), crate(t, "good", "2.0.0")) }, 400, "not under"},
		{"no manifest", nil, func(t *testing.T) []byte {
			return publishBody(meta("good", "1.0.0", nil), targz(t, entry{name: "good-1.0.0/src/lib.rs", data: []byte("x")}))
		}, 400, "has no good-1.0.0/Cargo.toml"},
		{"unpacked bomb", []sdk.KeyValue{{Key: "max_unpacked_bytes", Value: "1000000"}}, func(t *testing.T) []byte {
			return publishBody(meta("good", "1.0.0", nil), targz(t, entry{name: "good-1.0.0/Cargo.toml", data: []byte("x")}, entry{name: "good-1.0.0/zeros", size: 4 << 20}))
		}, 400, "unpacks to more than 1000000 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newTestHost(repoCtx(true, c.cfg...))
			req := publishReq(h, c.body(t), "u")
			if len(c.body(t)) == 0 {
				req.Body = nil
			}
			r := callCommit(t, h, req)
			if r.Status != c.status || !strings.Contains(string(r.Bytes), c.detail) {
				t.Fatalf("got %d %s, want %d containing %q", r.Status, r.Bytes, c.status, c.detail)
			}
			if r.Status >= 400 && !json.Valid(r.Bytes) {
				t.Fatalf("error body is not JSON: %s", r.Bytes)
			}
			var e struct {
				Errors []struct{ Detail string } `json:"errors"`
			}
			if json.Unmarshal(r.Bytes, &e) != nil || len(e.Errors) != 1 || e.Errors[0].Detail == "" {
				t.Fatalf("not cargo's error shape: %s", r.Bytes)
			}
			if len(h.Files) != 0 {
				t.Fatalf("files stored after a refused publish: %v", h.Files)
			}
		})
	}
}

func TestGzipBombRefused(t *testing.T) {
	h := newTestHost(repoCtx(true))
	h.ScanLimit = 2 << 20 // the real host refuses past 1 GiB
	body := publishBody(meta("good", "1.0.0", nil), targz(t, entry{name: "good-1.0.0/Cargo.toml", data: []byte("x")}, entry{name: "good-1.0.0/zeros", size: 8 << 20}))
	if r := callCommit(t, h, publishReq(h, body, "u")); r.Status != 400 || !strings.Contains(string(r.Bytes), "scan limit") {
		t.Fatalf("%d %s", r.Status, r.Bytes)
	}
}

func TestRepublishAndNameConflicts(t *testing.T) {
	h := newTestHost(repoCtx(true))
	ok := func(name, vers string) {
		t.Helper()
		if r := callCommit(t, h, publishReq(h, publishBody(meta(name, vers, nil), crate(t, name, vers)), "u")); r.Status != 200 {
			t.Fatalf("publish %s %s: %d %s", name, vers, r.Status, r.Bytes)
		}
	}
	refused := func(name, vers string, status int, detail string) {
		t.Helper()
		r := callCommit(t, h, publishReq(h, publishBody(meta(name, vers, nil), crate(t, name, vers)), "u"))
		if r.Status != status || !strings.Contains(string(r.Bytes), detail) {
			t.Fatalf("publish %s %s: %d %s, want %d %q", name, vers, r.Status, r.Bytes, status, detail)
		}
	}
	ok("my-crate", "1.0.0")
	refused("my-crate", "1.0.0", 409, "already uploaded")
	refused("my-crate", "1.0.0+build.5", 409, "already uploaded")
	refused("My-Crate", "1.1.0", 400, "was published as `my-crate`")
	refused("my_crate", "1.1.0", 400, "conflicts with the existing crate `my-crate`")
	ok("my-crate", "1.0.1")
	if n := strings.Count(string(call(t, h, get("/my/-c/my-crate")).Bytes), "\n"); n != 2 {
		t.Fatalf("index has %d lines", n)
	}
}

func TestYankUnyank(t *testing.T) {
	h := newTestHost(repoCtx(true))
	publishFixtures(t, h)
	search := func() string {
		var s struct {
			Crates []struct{ Name, MaxVersion string } `json:"crates"`
		}
		r := call(t, h, &sdk.Request{Method: "GET", Path: "/api/v1/crates", RawQuery: "q=demo-lib"})
		json.Unmarshal(r.Bytes, &s)
		for _, c := range s.Crates {
			if c.Name == "demo-lib" {
				var m map[string]any
				json.Unmarshal(r.Bytes, &m)
				return m["crates"].([]any)[0].(map[string]any)["max_version"].(string)
			}
		}
		return ""
	}
	if v := search(); v != "0.2.0" {
		t.Fatalf("max_version %q", v)
	}
	r := callCommit(t, h, &sdk.Request{Method: "DELETE", Path: "/api/v1/crates/demo-lib/0.2.0/yank"})
	if r.Status != 200 || string(r.Bytes) != `{"ok":true}` {
		t.Fatalf("yank: %d %s", r.Status, r.Bytes)
	}
	idx := string(call(t, h, get("/de/mo/demo-lib")).Bytes)
	lines := strings.Split(strings.TrimSpace(idx), "\n")
	if !strings.Contains(lines[1], `"vers":"0.2.0"`) || !strings.Contains(lines[1], `"yanked":true`) || !strings.Contains(lines[0], `"yanked":false`) {
		t.Fatalf("index after yank:\n%s", idx)
	}
	if v := search(); v != "0.1.0" {
		t.Fatalf("max_version after yank %q", v)
	}
	// Yanking twice is fine; unknown versions and crates are 404.
	if r := callCommit(t, h, &sdk.Request{Method: "DELETE", Path: "/api/v1/crates/demo-lib/0.2.0/yank"}); r.Status != 200 {
		t.Fatalf("second yank %d", r.Status)
	}
	for _, p := range []string{"/api/v1/crates/demo-lib/9.9.9/yank", "/api/v1/crates/nope/0.2.0/yank"} {
		if r := callCommit(t, h, &sdk.Request{Method: "DELETE", Path: p}); r.Status != 404 {
			t.Fatalf("yank %s: %d", p, r.Status)
		}
	}
	if r := callCommit(t, h, &sdk.Request{Method: "PUT", Path: "/api/v1/crates/demo-lib/0.2.0/unyank"}); r.Status != 200 {
		t.Fatalf("unyank %d %s", r.Status, r.Bytes)
	}
	if idx := string(call(t, h, get("/de/mo/demo-lib")).Bytes); strings.Contains(idx, `"yanked":true`) {
		t.Fatalf("index after unyank:\n%s", idx)
	}
	if v := search(); v != "0.2.0" {
		t.Fatalf("max_version after unyank %q", v)
	}
	// Wrong methods.
	if r := call(t, h, &sdk.Request{Method: "PUT", Path: "/api/v1/crates/demo-lib/0.2.0/yank"}); r.Status != 405 {
		t.Fatalf("PUT yank %d", r.Status)
	}
}

func TestSearch(t *testing.T) {
	h := newTestHost(repoCtx(true))
	publishFixtures(t, h)
	for i := 0; i < 15; i++ {
		n := "zz-pkg" + string(rune('a'+i))
		callCommit(t, h, publishReq(h, publishBody(meta(n, "0.1.0", nil), crate(t, n, "0.1.0")), "u"))
	}
	type result struct {
		Crates []struct {
			Name        string `json:"name"`
			MaxVersion  string `json:"max_version"`
			Description string `json:"description"`
		} `json:"crates"`
		Meta struct{ Total int } `json:"meta"`
	}
	q := func(raw string) result {
		var r result
		resp := call(t, h, &sdk.Request{Method: "GET", Path: "/api/v1/crates", RawQuery: raw})
		if resp.Status != 200 || json.Unmarshal(resp.Bytes, &r) != nil {
			t.Fatalf("search %s: %d %s", raw, resp.Status, resp.Bytes)
		}
		return r
	}
	if r := q("q=zz-pkg&per_page=10"); r.Meta.Total != 15 || len(r.Crates) != 10 {
		t.Fatalf("page 1: %+v", r)
	}
	if r := q("q=zz-pkg&per_page=10&page=2"); len(r.Crates) != 5 || r.Crates[0].Name != "zz-pkgk" {
		t.Fatalf("page 2: %+v", r)
	}
	if r := q("q=DEMO_UTIL"); r.Meta.Total != 1 || r.Crates[0].Name != "demo_util" || r.Crates[0].MaxVersion != "1.0.0-beta.1" {
		t.Fatalf("exact: %+v", r)
	}
	if r := q("q=renamed"); r.Meta.Total != 1 || r.Crates[0].Name != "demo_util" {
		t.Fatalf("description: %+v", r)
	}
	if r := q("q=nothing-matches"); r.Meta.Total != 0 || r.Crates == nil {
		t.Fatalf("no match: %+v", r)
	}
	if r := q("per_page=1000"); r.Meta.Total != 17 || len(r.Crates) != 17 {
		t.Fatalf("all: %+v", r)
	}
}

func TestOwners(t *testing.T) {
	h := newTestHost(repoCtx(true))
	publishFixtures(t, h)
	r := call(t, h, get("/api/v1/crates/demo-lib/owners"))
	if r.Status != 200 || string(r.Bytes) != `{"users":[{"id":1,"login":"alice","name":"alice"}]}` {
		t.Fatalf("%d %s", r.Status, r.Bytes)
	}
	if r := call(t, h, get("/api/v1/crates/unknown/owners")); r.Status != 404 {
		t.Fatalf("unknown: %d", r.Status)
	}
	if r := call(t, h, &sdk.Request{Method: "PUT", Path: "/api/v1/crates/demo-lib/owners"}); r.Status != 405 {
		t.Fatalf("PUT owners: %d", r.Status)
	}
}

func TestConfigJSON(t *testing.T) {
	for _, public := range []bool{true, false} {
		h := newTestHost(repoCtx(public))
		r := call(t, h, get("/config.json"))
		var c map[string]any
		if r.Status != 200 || json.Unmarshal(r.Bytes, &c) != nil {
			t.Fatalf("%d %s", r.Status, r.Bytes)
		}
		if c["dl"] != "http://h/cargo/crates/api/v1/crates" || c["api"] != "http://h/cargo/crates" {
			t.Fatalf("urls: %v", c)
		}
		if _, has := c["auth-required"]; has == public || (!public && c["auth-required"] != true) {
			t.Fatalf("public=%v: %v", public, c)
		}
		if r.CacheTTLMs != 0 {
			t.Fatalf("config.json names the base URL: must not be cached by path")
		}
		if r := call(t, h, &sdk.Request{Method: "PUT", Path: "/config.json"}); r.Status != 405 {
			t.Fatalf("PUT config.json %d", r.Status)
		}
	}
}

func TestSemverOrder(t *testing.T) {
	order := []string{"0.0.1", "0.1.0-alpha", "0.1.0-alpha.1", "0.1.0-alpha.beta", "0.1.0-beta", "0.1.0-beta.2", "0.1.0-beta.11", "0.1.0-rc.1", "0.1.0", "0.2.0", "0.10.0", "1.0.0", "10.0.0"}
	h := newTestHost(repoCtx(true))
	for i := len(order) - 1; i >= 0; i-- { // publish in reverse order
		callCommit(t, h, publishReq(h, publishBody(meta("ord", order[i], nil), crate(t, "ord", order[i])), "u"))
	}
	idx := strings.Split(strings.TrimSpace(string(call(t, h, get("/3/o/ord")).Bytes)), "\n")
	if len(idx) != len(order) {
		t.Fatalf("%d lines", len(idx))
	}
	for i, l := range idx {
		if !strings.Contains(l, `"vers":"`+order[i]+`"`) {
			t.Fatalf("line %d = %s, want %s", i, l, order[i])
		}
	}
}

func TestNoRepository(t *testing.T) {
	h := newTestHost(nil)
	r, err := sdk.CallHandle(cargo.Plugin{}, h, get("/config.json"))
	if err != nil || r.Status != 404 {
		t.Fatalf("%+v %v", r, err)
	}
}

// TestLargeCrateCopiedInChunks publishes a crate larger than one read chunk
// and checks the stored blob is byte-identical.
func TestLargeCrateCopiedInChunks(t *testing.T) {
	noise := make([]byte, 3<<20+12345)
	rand.NewChaCha8([32]byte{7}).Read(noise) // incompressible, deterministic
	c := targz(t, entry{name: "big-1.0.0/Cargo.toml", data: []byte("[package]\n")}, entry{name: "big-1.0.0/data.bin", data: noise})
	if len(c) < 2<<20 {
		t.Fatalf("crate only %d bytes", len(c))
	}
	h := newTestHost(repoCtx(true))
	if r := callCommit(t, h, publishReq(h, publishBody(meta("big", "1.0.0", nil), c), "u")); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Bytes)
	}
	f := h.Files["api/v1/crates/big/1.0.0/download"]
	if !bytes.Equal(h.Blobs[f.BlobDigest], c) {
		t.Fatalf("stored crate differs (%d vs %d bytes)", len(h.Blobs[f.BlobDigest]), len(c))
	}
}

// TestIndexHeaders: the plugin sets no ETag or Last-Modified of its own (the
// host derives a strong ETag from the body, so a changed index always has a
// new ETag) and asks clients to revalidate.
func TestIndexHeaders(t *testing.T) {
	h := newTestHost(repoCtx(true))
	publishFixtures(t, h)
	r := call(t, h, get("/de/mo/demo-lib"))
	for _, hd := range r.Headers {
		switch strings.ToLower(hd.Name) {
		case "etag", "last-modified", "expires":
			t.Fatalf("index sets %s", hd.Name)
		case "cache-control":
			if hd.Value != "no-cache" {
				t.Fatalf("Cache-Control %q", hd.Value)
			}
		}
	}
}
