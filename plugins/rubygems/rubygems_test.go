package rubygems_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/rubygems"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func pushAll(t *testing.T, h *testHost) {
	t.Helper()
	for _, f := range fixtures {
		if r := callCommit(t, h, pushReq(h, fixture(t, f))); r.Status != 200 {
			t.Fatalf("push %s: %d %s", f, r.Status, r.Bytes)
		}
	}
}

func header(r *sdk.Response, name string) string {
	for _, x := range r.Headers {
		if strings.EqualFold(x.Name, name) {
			return x.Value
		}
	}
	return ""
}

// TestIndexes pushes the real gems of testdata and checks every index
// document against its golden file; the Marshal ones are also loaded by
// the real Ruby.
func TestIndexes(t *testing.T) {
	h := newHost()
	pushAll(t, h)
	for _, p := range []string{"/versions", "/names", "/info/keeper_demo", "/info/keeper_dep"} {
		r := call(t, h, get(p, ""))
		if r.Status != 200 {
			t.Fatalf("%s: %d", p, r.Status)
		}
		plugintest.Golden(t, "golden/"+strings.ReplaceAll(strings.TrimPrefix(p, "/"), "/", "_")+".txt", r.Bytes)
		// bundler requires the ETag to be the quoted MD5 of the body.
		sum, _ := h.Hash(sdk.MD5, sdk.Source{Bytes: r.Bytes})
		if header(r, "ETag") != `"`+sum+`"` {
			t.Errorf("%s: ETag %q, want the body's MD5 %q", p, header(r, "ETag"), sum)
		}
	}
	// /versions carries the MD5 of each info document.
	versions := string(call(t, h, get("/versions", "")).Bytes)
	info, _ := h.Hash(sdk.MD5, sdk.Source{Bytes: call(t, h, get("/info/keeper_demo", "")).Bytes})
	if !strings.Contains(versions, "keeper_demo 1.0.0,1.1.0.pre1 "+info+"\n") {
		t.Errorf("/versions lacks the info MD5 %s:\n%s", info, versions)
	}
	for _, kind := range []string{"", "latest_", "prerelease_"} {
		r := call(t, h, get("/"+kind+"specs.4.8.gz", ""))
		if r.Status != 200 {
			t.Fatalf("%sspecs: %d", kind, r.Status)
		}
		raw, err := h.Gunzip(sdk.Source{Bytes: r.Bytes}, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		plugintest.Golden(t, "golden/"+kind+"specs.4.8.bin", raw)
		got := ruby(t, `require "rubygems"; require "zlib"
print Marshal.load(Zlib.gunzip($stdin.binmode.read)).map { |n, v, p| [n, v.class, v.to_s, p] }.inspect`, r.Bytes)
		want := map[string]string{
			"":            `[["keeper_demo", Gem::Version, "1.0.0", "ruby"], ["keeper_dep", Gem::Version, "0.2.0", "ruby"]]`,
			"latest_":     `[["keeper_demo", Gem::Version, "1.0.0", "ruby"], ["keeper_dep", Gem::Version, "0.2.0", "ruby"]]`,
			"prerelease_": `[["keeper_demo", Gem::Version, "1.1.0.pre1", "ruby"]]`,
		}[kind]
		if got != want {
			t.Errorf("%sspecs.4.8.gz loads as %s, want %s", kind, got, want)
		}
	}
	dep := call(t, h, get("/api/v1/dependencies.json", "gems=keeper_demo,keeper_dep,nothing"))
	plugintest.GoldenJSON(t, "golden/dependencies.json", dep.Bytes)
	bin := call(t, h, get("/api/v1/dependencies", "gems=keeper_demo"))
	plugintest.Golden(t, "golden/dependencies.bin", bin.Bytes)
	if got := ruby(t, `print Marshal.load($stdin.binmode.read).map { |h| [h[:name], h[:number], h[:platform], h[:dependencies]] }.inspect`, bin.Bytes); got !=
		`[["keeper_demo", "1.0.0", "ruby", [["keeper_dep", "~> 0.2, >= 0.2.0"]]], ["keeper_demo", "1.1.0.pre1", "ruby", [["keeper_dep", "~> 0.2, >= 0.2.0"]]]]` {
		t.Errorf("dependency API loads as %s", got)
	}
	// The stored .gem is the pushed one.
	f, _ := h.GetFile("gems/keeper_demo-1.0.0.gem")
	if f == nil || f.Package != "keeper_demo" || f.Version != "1.0.0" {
		t.Fatalf("stored gem: %+v", f)
	}
	if b, _ := h.ReadBlob(f.BlobDigest, 0, 1<<20); !bytes.Equal(b, fixture(t, "keeper_demo-1.0.0.gem")) {
		t.Fatal("the stored .gem differs from the pushed one")
	}
}

func TestYank(t *testing.T) {
	h := newHost()
	pushAll(t, h)
	yank := func(form string) *sdk.Response {
		return callCommit(t, h, &sdk.Request{Method: "DELETE", Path: "/api/v1/gems/yank", User: "alice", Body: h.Body([]byte(form))})
	}
	if r := yank("gem_name=keeper_demo&version=1.0.0"); r.Status != 200 {
		t.Fatalf("yank: %d %s", r.Status, r.Bytes)
	}
	if r := yank("gem_name=keeper_demo&version=1.0.0"); r.Status != 422 {
		t.Fatalf("second yank: %d %s", r.Status, r.Bytes)
	}
	if r := yank("gem_name=keeper_demo&version=9.9.9"); r.Status != 404 {
		t.Fatalf("yank of an unknown version: %d %s", r.Status, r.Bytes)
	}
	if r := yank("version=1"); r.Status != 400 {
		t.Fatalf("yank without a name: %d", r.Status)
	}
	if v := string(call(t, h, get("/versions", "")).Bytes); !strings.Contains(v, "keeper_demo 1.1.0.pre1 ") {
		t.Errorf("yanked version still listed:\n%s", v)
	}
	if r := call(t, h, get("/specs.4.8.gz", "")); bytes.Contains(mustGunzip(t, h, r.Bytes), []byte("1.0.0")) {
		t.Error("yanked version still in specs.4.8.gz")
	}
	// A yanked version cannot be pushed again.
	if r := callCommit(t, h, pushReq(h, fixture(t, "keeper_demo-1.0.0.gem"))); r.Status != 409 {
		t.Fatalf("push of a yanked version: %d %s", r.Status, r.Bytes)
	}
}

func mustGunzip(t *testing.T, h *testHost, b []byte) []byte {
	out, err := h.Gunzip(sdk.Source{Bytes: b}, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRefusals: republish, unknown names, and malformed or hostile gems
// are refused with a message naming the problem, and nothing is stored.
func TestRefusals(t *testing.T) {
	h := newHost()
	pushAll(t, h)
	files := len(h.Files)
	good := gemOf(t, specYAML("fine", "1.0.0"), entry{name: "lib/fine.rb", data: []byte("x")})
	forged := func() []byte { // metadata.gz swapped after the checksums were written
		g := gemOf(t, specYAML("fine", "1.0.0"), entry{name: "lib/fine.rb", data: []byte("x")})
		other := gz([]byte(specYAML("fine", "6.6.6")))
		meta := gz([]byte(specYAML("fine", "1.0.0")))
		_ = meta
		es := readTarEntries(t, g)
		return tarOf(t, entry{name: "metadata.gz", data: other}, entry{name: "data.tar.gz", data: es["data.tar.gz"]},
			entry{name: "checksums.yaml.gz", data: es["checksums.yaml.gz"]})
	}()
	bomb := gemOf(t, specYAML("bomb", "1.0.0"), entry{name: "big", data: make([]byte, 4<<20)})
	cases := []struct {
		name string
		body []byte
		want int
		msg  string
	}{
		{"republish", fixture(t, "keeper_demo-1.0.0.gem"), 409, "Repushing"},
		{"truncated", good[:len(good)/2], 400, "truncated"},
		{"not a tar", []byte(strings.Repeat("not a gem ", 100)), 400, "not a valid gem"},
		{"forged metadata", forged, 400, "metadata was altered"},
		{"traversal", gemOf(t, specYAML("trav", "1.0.0"), entry{name: "../../etc/passwd", data: []byte("x")}), 400, "'..' segment"},
		{"absolute", gemOf(t, specYAML("abs", "1.0.0"), entry{name: "/etc/passwd", data: []byte("x")}), 400, "absolute"},
		{"bomb", bomb, 400, "data.tar.gz"},
		{"bad name", gemOf(t, specYAML("../x", "1.0.0")), 400, "gem name"},
		{"bad version", gemOf(t, specYAML("x", "1.0; rm")), 400, "version"},
		{"extra entry", tarOf(t, entry{name: "metadata.gz", data: gz([]byte(specYAML("x", "1")))}, entry{name: "../evil", data: []byte("x")}), 400, "unexpected entry"},
		{"no data", tarOf(t, entry{name: "metadata.gz", data: gz([]byte(specYAML("x", "1")))}), 400, "lacks"},
		{"metadata not gzip", tarOf(t, entry{name: "metadata.gz", data: []byte("plain")}, entry{name: "data.tar.gz", data: gz(tarOf(t))}), 400, "metadata.gz"},
		{"metadata bomb", tarOf(t, entry{name: "metadata.gz", data: gz(make([]byte, 8<<20))}, entry{name: "data.tar.gz", data: gz(tarOf(t))}), 400, "metadata.gz"},
		{"not yaml", tarOf(t, entry{name: "metadata.gz", data: gz([]byte("{[:"))}, entry{name: "data.tar.gz", data: gz(tarOf(t))}), 400, "YAML"},
		{"empty", nil, 400, "no .gem"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.ScanLimit = 1 << 20 // the bomb's 4 MiB exceeds it
			req := &sdk.Request{Method: "POST", Path: "/api/v1/gems", User: "alice"}
			if c.body != nil {
				req.Body = h.Body(c.body)
			}
			r := callCommit(t, h, req)
			if r.Status != c.want || !strings.Contains(string(r.Bytes), c.msg) {
				t.Fatalf("status %d %q, want %d containing %q", r.Status, r.Bytes, c.want, c.msg)
			}
			if len(h.Files) != files {
				t.Fatalf("a refused push stored files: %d, want %d", len(h.Files), files)
			}
		})
	}
	for _, p := range []string{"/info/nothing", "/info/", "/info/../x", "/gems/nothing-1.0.gem", "/quick/Marshal.4.8/x-1.gemspec.rz", "/elsewhere"} {
		if r := call(t, h, get(p, "")); r.Status != 404 {
			t.Errorf("GET %s: %d, want 404", p, r.Status)
		}
	}
	if r := call(t, h, &sdk.Request{Method: "PUT", Path: "/api/v1/gems"}); r.Status != 405 {
		t.Errorf("PUT push: %d", r.Status)
	}
	if r := call(t, h, get("/api/v1/dependencies", "gems="+strings.Repeat("a,", 300))); r.Status != 422 {
		t.Errorf("dependency API with 300 gems: %d", r.Status)
	}
}

func readTarEntries(t *testing.T, b []byte) map[string][]byte {
	out := map[string][]byte{}
	for _, name := range []string{"metadata.gz", "data.tar.gz", "checksums.yaml.gz"} {
		d, err := readTarEntry(b, name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = d
	}
	return out
}

func TestDescribe(t *testing.T) {
	info := rubygems.Plugin{}.Describe()
	if info.Key != "rubygems" || len(info.Mounts) != 1 || info.Mounts[0].Prefix != "/gems/" || len(info.Setup) == 0 {
		t.Fatalf("describe: %+v", info)
	}
	for _, s := range info.Setup {
		if !strings.Contains(s.Text, "{repo-url}") && !strings.Contains(s.Text, "{token}") {
			t.Errorf("setup snippet without the repository URL or token: %q", s.Text)
		}
	}
}
