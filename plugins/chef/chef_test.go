package chef_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/chef"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const base = "http://k/chef/cookbooks"

type env struct {
	t *testing.T
	h *fakehost.Host
}

func newEnv(t *testing.T) *env {
	h := fakehost.New(&sdk.RepoContext{Key: "cookbooks", Kind: "local", Format: "chef", BaseURL: base})
	n := int64(1_765_000_000_000)
	h.VersionClock = func() int64 { n += 60_000; return n }
	return &env{t: t, h: h}
}

func (e *env) do(user, method, path, query string, body []byte, hdr ...string) *sdk.Response {
	e.t.Helper()
	req := &sdk.Request{Method: method, Path: path, RawQuery: query, Repo: e.h.RepoCtx, User: user}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Headers = append(req.Headers, sdk.Header{Name: hdr[i], Value: hdr[i+1]})
	}
	if body != nil {
		req.Body = e.h.Body(body)
	}
	return fakehost.Serve(chef.Plugin{}, e.h, req)
}

func (e *env) want(r *sdk.Response, status int, contains string) {
	e.t.Helper()
	if r.Status != status || !strings.Contains(string(r.Bytes), contains) {
		e.t.Fatalf("status %d %s, want %d containing %q", r.Status, r.Bytes, status, contains)
	}
}

// share replays knife supermarket share's POST.
func (e *env) share(user, category, filename string, tarball []byte) *sdk.Response {
	body, ct := multipartBody(category, filename, tarball)
	return e.do(user, "POST", "/api/v1/cookbooks", "", body, "Content-Type", ct)
}

func header(r *sdk.Response, name string) string {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// TestShareThenResolve replays knife supermarket share, then what
// Berkshelf (GET universe, then CommunityREST: the version with
// underscores, its "file") and knife supermarket show/list/download read.
func TestShareThenResolve(t *testing.T) {
	e := newEnv(t)
	e.want(e.share("alice", "Web Servers", "apache2.tgz", cookbookTarball("apache2", "1.0.0", nil)), 201, `"uri":"`+base+`/api/v1/cookbooks/apache2"`)
	e.want(e.share("alice", "Web Servers", "apache2.tgz", cookbookTarball("apache2", "1.10.0", map[string]string{"iptables": ">= 0.0.0"})), 201, "uri")
	e.want(e.share("alice", "Other", "iptables.tgz", cookbookTarball("iptables", "8.0", nil)), 201, "uri")

	r := e.do("", "GET", "/universe", "", nil)
	e.want(r, 200, `"download_url":"`+base+`/api/v1/cookbooks/apache2/versions/1_10_0/download"`)
	plugintest.GoldenJSON(t, "golden/universe.json", r.Bytes)

	r = e.do("", "GET", "/api/v1/cookbooks/apache2", "", nil)
	e.want(r, 200, `"latest_version":"`+base+`/api/v1/cookbooks/apache2/versions/1_10_0"`)
	plugintest.GoldenJSON(t, "golden/cookbook.json", r.Bytes)

	for _, v := range []string{"1_10_0", "1.10.0", "latest"} {
		r = e.do("", "GET", "/api/v1/cookbooks/apache2/versions/"+v, "", nil)
		e.want(r, 200, `"file":"`+base+`/api/v1/cookbooks/apache2/versions/1_10_0/download"`)
	}
	plugintest.GoldenJSON(t, "golden/version.json", r.Bytes)

	r = e.do("", "GET", "/api/v1/cookbooks/apache2/versions/1_0_0/download", "", nil)
	loc := header(r, "Location")
	if r.Status != 302 || loc != base+"/cookbooks/apache2/1.0.0/apache2-1.0.0.tar.gz" {
		t.Fatalf("download: %d %s", r.Status, loc)
	}
	f := e.h.Files[strings.TrimPrefix(loc, base+"/")]
	if string(e.h.Blobs[f.BlobDigest]) != string(cookbookTarball("apache2", "1.0.0", nil)) {
		t.Fatal("the stored tarball is not the uploaded one")
	}

	r = e.do("", "GET", "/api/v1/cookbooks", "start=0&items=1", nil)
	e.want(r, 200, `"total":2`)
	plugintest.GoldenJSON(t, "golden/list.json", r.Bytes)
	r = e.do("", "GET", "/api/v1/cookbooks", "start=1&items=10", nil)
	e.want(r, 200, `"cookbook_name":"iptables"`)
	r = e.do("", "GET", "/api/v1/search", "q=IPTABLES", nil)
	e.want(r, 200, `"total":1`)
}

// TestRefusals: each bad request gets the Supermarket's error shape with a
// 4xx that names the problem, and stores nothing.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	good := cookbookTarball("apache2", "1.0.0", nil)
	e.want(e.share("alice", "Other", "apache2.tgz", good), 201, "uri")
	n := len(e.h.Files)
	bomb := tgz(map[string]string{"bomb/metadata.json": metadataJSON("bomb", "1.0.0", nil), "bomb/zeros": strings.Repeat("\x00", 257<<20)})
	for _, c := range []struct {
		name           string
		user, category string
		tarball        []byte
		status         int
		msg            string
	}{
		{"anonymous", "", "Other", good, 401, "UNAUTHORIZED"},
		{"republish", "alice", "Other", good, 409, "already exists"},
		{"no cookbook field", "alice", "", good, 400, `\"cookbook\" field`},
		{"no tarball", "alice", "Other", nil, 400, `no \"tarball\"`},
		{"truncated", "alice", "Other", good[:len(good)/2], 400, "invalid cookbook tarball"},
		{"no metadata.json", "alice", "Other", tgz(map[string]string{"x/metadata.rb": "name 'x'"}), 400, "no metadata.json"},
		{"bad JSON", "alice", "Other", tgz(map[string]string{"x/metadata.json": "{"}), 400, "not valid JSON"},
		{"bad version", "alice", "Other", tgz(map[string]string{"x/metadata.json": metadataJSON("x", "1.0.0-beta", nil)}), 400, "not a cookbook version"},
		{"name and directory differ", "alice", "Other", tgz(map[string]string{"y/metadata.json": metadataJSON("x", "1.0.0", nil)}), 400, "is not the cookbook's name"},
		{"path traversal", "alice", "Other", tgz(map[string]string{"x/metadata.json": metadataJSON("x", "1.0.0", nil), "x/../../etc/passwd": "root"}), 400, "not a clean relative path"},
		{"two top directories", "alice", "Other", tgz(map[string]string{"x/metadata.json": metadataJSON("x", "1.0.0", nil), "z/a": "a"}), 400, "not under one top directory"},
		{"decompression bomb", "alice", "Other", bomb, 400, "unpacks to more than"},
		{"bad dependency", "alice", "Other", tgz(map[string]string{"x/metadata.json": metadataJSON("x", "1.0.0", map[string]string{"../y": ">= 0"})}), 400, "is not a cookbook name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.share(c.user, c.category, "x.tgz", c.tarball)
			if r.Status != c.status || !strings.Contains(string(r.Bytes), c.msg) || !strings.Contains(string(r.Bytes), `"error_messages":[`) {
				t.Fatalf("%d %s, want %d %q", r.Status, r.Bytes, c.status, c.msg)
			}
			if len(e.h.Files) != n {
				t.Fatal("a refused upload stored a file")
			}
		})
	}
	e.want(e.do("alice", "POST", "/api/v1/cookbooks", "", []byte("x"), "Content-Type", "text/plain"), 400, "multipart")
	e.want(e.do("", "GET", "/api/v1/cookbooks/nope", "", nil), 404, `"error_code":"NOT_FOUND"`)
	e.want(e.do("", "GET", "/api/v1/cookbooks/apache2/versions/9_9_9", "", nil), 404, "NOT_FOUND")
	e.want(e.do("", "GET", "/api/v1/cookbooks/apache2/versions/9_9_9/download", "", nil), 404, "NOT_FOUND")
	e.want(e.do("", "GET", "/api/v1/cookbooks/..", "", nil), 404, "NOT_FOUND")
	e.want(e.do("alice", "DELETE", "/api/v1/cookbooks/apache2", "", nil), 405, "METHOD_NOT_ALLOWED")
	e.want(e.do("", "GET", "/api/v1/search", "", nil), 400, "query")
}

// TestRewriteAndMerge: a remote's documents point under the remote (another
// host's URL under ~ext); a virtual's universe is the union of its members'
// with every URL under the virtual, and a cookbook lists every member's
// versions.
func TestRewriteAndMerge(t *testing.T) {
	p := chef.Plugin{}
	for path, want := range map[string]sdk.CacheClass{
		"/cookbooks/apache2/1.0.0/apache2-1.0.0.tar.gz":     sdk.Immutable,
		"/api/v1/cookbooks/apache2/versions/1_0_0/download": sdk.Immutable,
		"/universe":                                sdk.Mutable,
		"/api/v1/cookbooks/apache2":                sdk.Mutable,
		"/api/v1/cookbooks/apache2/versions/1_0_0": sdk.Mutable,
	} {
		if got := p.Classify(path); got != want {
			t.Errorf("Classify(%s) = %v", path, got)
		}
	}
	up := newEnv(t)
	up.want(up.share("alice", "Other", "a.tgz", cookbookTarball("apache2", "1.0.0", nil)), 201, "uri")
	up.want(up.share("alice", "Other", "a.tgz", cookbookTarball("apache2", "2.0.0", nil)), 201, "uri")
	universe := up.do("", "GET", "/universe", "", nil).Bytes
	got, err := p.Rewrite(nil, "/universe", universe, base, "http://px/chef/proxy")
	if err != nil || strings.Contains(string(got), base) || !strings.Contains(string(got), `"location_path":"http://px/chef/proxy/api/v1"`) {
		t.Fatalf("rewritten universe: %s %v", got, err)
	}
	plugintest.GoldenJSON(t, "golden/remote-universe.json", got)
	remoteUniverse := got
	ver := []byte(strings.Replace(string(up.do("", "GET", "/api/v1/cookbooks/apache2/versions/1_0_0", "", nil).Bytes),
		base+"/api/v1/cookbooks/apache2/versions/1_0_0/download", "https://files.example.invalid/a.tgz", 1))
	got, _ = p.Rewrite(nil, "/api/v1/cookbooks/apache2/versions/1_0_0", ver, base, "http://px/chef/proxy")
	if !strings.Contains(string(got), `"file":"http://px/chef/proxy/~ext/https/files.example.invalid/a.tgz"`) {
		t.Fatalf("other host: %s", got)
	}
	if _, err := p.Rewrite(nil, "/universe", []byte("<html>"), base, "http://px/chef/proxy"); err == nil {
		t.Fatal("a non-document passed")
	}

	local := newEnv(t)
	local.want(local.share("alice", "Other", "a.tgz", cookbookTarball("apache2", "1.5.0", nil)), 201, "uri")
	local.want(local.share("alice", "Other", "n.tgz", cookbookTarball("nginx", "3.0", nil)), 201, "uri")
	h := fakehost.New(&sdk.RepoContext{Key: "all", Kind: "virtual", Format: "chef", BaseURL: "http://k/chef/all"})
	merged, err := p.Merge(h, "/universe", [][]byte{local.do("", "GET", "/universe", "", nil).Bytes, remoteUniverse, universe})
	if err != nil {
		t.Fatal(err)
	}
	var u map[string]map[string]struct {
		DownloadURL string `json:"download_url"`
	}
	if json.Unmarshal(merged, &u) != nil || len(u["apache2"]) != 3 || len(u["nginx"]) != 1 ||
		u["apache2"]["2.0.0"].DownloadURL != "http://k/chef/all/api/v1/cookbooks/apache2/versions/2_0_0/download" {
		t.Fatalf("merged universe: %s", merged)
	}
	plugintest.GoldenJSON(t, "golden/virtual-universe.json", merged)
	cb, err := p.Merge(h, "/api/v1/cookbooks/apache2", [][]byte{local.do("", "GET", "/api/v1/cookbooks/apache2", "", nil).Bytes,
		up.do("", "GET", "/api/v1/cookbooks/apache2", "", nil).Bytes})
	var doc struct {
		Latest   string `json:"latest_version"`
		Versions []string
	}
	if err != nil || json.Unmarshal(cb, &doc) != nil || len(doc.Versions) != 3 || doc.Latest != "http://k/chef/all/api/v1/cookbooks/apache2/versions/2_0_0" {
		t.Fatalf("merged cookbook: %s %v", cb, err)
	}
}
