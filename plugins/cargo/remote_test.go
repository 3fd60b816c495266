package cargo_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/cargo"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func remoteFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "remote", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestClassify(t *testing.T) {
	for path, want := range map[string]sdk.CacheClass{
		"/api/v1/crates/demo-lib/0.1.0/download":        sdk.Immutable,
		"/~ext/https/static.example/crates/x/x-1.crate": sdk.Immutable,
		"/config.json":               sdk.Mutable,
		"/de/mo/demo-lib":            sdk.Mutable,
		"/1/a":                       sdk.Mutable,
		"/3/a/abc":                   sdk.Mutable,
		"/api/v1/crates/demo-lib":    sdk.Mutable,
		"/api/v1/crates/x/owners":    sdk.Mutable,
		"/api/v1/crates/x/1/unknown": sdk.Mutable,
	} {
		if got := (cargo.Plugin{}).Classify(path); got != want {
			t.Errorf("Classify(%s) = %v, want %v", path, got, want)
		}
	}
}

// TestRewriteConfig: config.json's dl and api point under this repository;
// a dl on another host goes under ~ext (markers kept); auth-required, which
// describes the upstream, is dropped; index files pass as they are.
func TestRewriteConfig(t *testing.T) {
	const up, local = "https://up.example/cargo/crates", "http://keeper.test/cargo/proxy"
	for name, cfg := range map[string]string{
		"config-same-host.golden":  `{"dl":"https://up.example/cargo/crates/api/v1/crates","api":"https://up.example/cargo/crates","auth-required":true}`,
		"config-other-host.golden": `{"dl":"https://Static.Example:8443/crates/{prefix}/{crate}/{version}/{crate}-{version}.crate","api":"https://up.example"}`,
	} {
		out, err := (cargo.Plugin{}).Rewrite(nil, "/config.json", []byte(cfg), up, local)
		if err != nil {
			t.Fatal(err)
		}
		plugintest.Golden(t, "remote/"+name, append(out, '\n'))
		if strings.Contains(string(out), "up.example") || strings.Contains(string(out), "auth-required") {
			t.Errorf("%s keeps the upstream: %s", name, out)
		}
	}
	idx := remoteFixture(t, "upstream.idx")
	if out, err := (cargo.Plugin{}).Rewrite(nil, "/de/mo/demo-lib", idx, up, local); err != nil || !bytes.Equal(out, idx) {
		t.Fatalf("an index file changed: %v", err)
	}
}

// TestRewriteRefuses: what cargo must not be given is an error (the host
// answers 502).
func TestRewriteRefuses(t *testing.T) {
	for name, cfg := range map[string]string{
		"malformed":  `{"dl":`,
		"not object": `["dl"]`,
		"no dl":      `{"api":"https://up.example"}`,
		"file URL":   `{"dl":"file:///etc/passwd"}`,
		"relative":   `{"dl":"/api/v1/crates"}`,
		"userinfo":   `{"dl":"https://user:pw@up.example/x"}`,
		"dot dot":    `{"dl":"https://up.example/cargo/crates/../../admin"}`,
		"oversized":  `{"dl":"https://up.example/` + strings.Repeat("a", 70<<10) + `"}`,
	} {
		if out, err := (cargo.Plugin{}).Rewrite(nil, "/config.json", []byte(cfg), "https://up.example/cargo/crates", "http://k/cargo/p"); err == nil {
			t.Errorf("%s: rewritten to %s", name, out)
		}
	}
}

// TestMergeIndex: every member's versions once, the first member's line
// winning a version both have (build metadata ignored), in SemVer order.
func TestMergeIndex(t *testing.T) {
	out, err := (cargo.Plugin{}).Merge(nil, "/de/mo/demo-lib", [][]byte{remoteFixture(t, "local.idx"), remoteFixture(t, "upstream.idx")})
	if err != nil {
		t.Fatal(err)
	}
	plugintest.Golden(t, "remote/merged.idx.golden", out)
	if strings.Contains(string(out), `"zz"`) || strings.Count(string(out), "\n") != 4 {
		t.Fatalf("merged index:\n%s", out)
	}
	cfg, err := (cargo.Plugin{}).Merge(nil, "/config.json", [][]byte{[]byte(`{"dl":"http://k/cargo/v/api/v1/crates","api":"http://k/cargo/v"}`),
		[]byte(`{"dl":"http://k/cargo/v/~ext/https/s.example/c","api":"http://k/cargo/v","auth-required":true}`)})
	if err != nil || string(cfg) != `{"dl":"http://k/cargo/v/api/v1/crates","api":"http://k/cargo/v","auth-required":true}` {
		t.Fatalf("merged config.json: %v %s", err, cfg)
	}
}

func TestMergeRefuses(t *testing.T) {
	good := remoteFixture(t, "local.idx")
	for name, doc := range map[string]string{
		"not JSON":       "<html>",
		"truncated":      `{"name":"demo-lib","vers":"1.0.0","deps":[`,
		"trailing":       `{"name":"demo-lib","vers":"1.0.0"} x`,
		"other crate":    `{"name":"evil","vers":"1.0.0"}`,
		"bad version":    `{"name":"demo-lib","vers":"1.0"}`,
		"vers not text":  `{"name":"demo-lib","vers":1}`,
		"deep":           `{"name":"demo-lib","vers":"1.0.0","x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
		"oversized":      strings.Repeat(" ", 33<<20),
		"control in str": "{\"name\":\"demo-lib\x01\",\"vers\":\"1.0.0\"}",
	} {
		if out, err := (cargo.Plugin{}).Merge(nil, "/de/mo/demo-lib", [][]byte{good, []byte(doc)}); err == nil {
			t.Errorf("%s: merged to %.100s", name, out)
		}
	}
	if _, err := (cargo.Plugin{}).Merge(nil, "/config.json", [][]byte{good, []byte(`{"dl":"x"`)}); err == nil {
		t.Error("a broken config.json merged")
	}
}

// FuzzMergeIndex: no member index makes the merge panic, and a merged
// index merges again into itself.
func FuzzMergeIndex(f *testing.F) {
	f.Add(remoteFixture(f, "local.idx"), remoteFixture(f, "upstream.idx"))
	f.Add([]byte(`{"name":"demo-lib","vers":"1.0.0","a":[{"b":"\"}"},1e5,-0.5,true,null]}`), []byte("\n\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		out, err := (cargo.Plugin{}).Merge(nil, "/de/mo/demo-lib", [][]byte{a, b})
		if err != nil {
			return
		}
		again, err := (cargo.Plugin{}).Merge(nil, "/de/mo/demo-lib", [][]byte{out, out})
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("the merged index does not merge into itself: %v\n%s\n%s", err, out, again)
		}
	})
}

// FuzzRewriteConfig: no config.json makes the rewrite panic or name the upstream.
func FuzzRewriteConfig(f *testing.F) {
	f.Add([]byte(`{"dl":"https://up.example/c/api/v1/crates","api":"https://up.example/c"}`))
	f.Add([]byte(`{"dl":"https://other.example/{crate}"}`))
	f.Fuzz(func(t *testing.T, cfg []byte) {
		out, err := (cargo.Plugin{}).Rewrite(nil, "/config.json", cfg, "https://up.example/c", "http://k/cargo/p")
		rest, ok := strings.CutPrefix(string(out), `{"dl":"http://k/cargo/p`)
		if err == nil && (!ok || (rest[0] != '/' && rest[0] != '"')) {
			t.Fatalf("rewritten config.json leaves this repository: %s", out)
		}
	})
}

// indexLines is an index file of n versions of demo-lib starting at from.
func indexLines(from, n int) []byte {
	var b bytes.Buffer
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&b, `{"name":"demo-lib","vers":"%d.%d.%d","deps":[{"name":"serde","req":"^1.0","features":["derive"],"optional":false,"default_features":true,"target":null,"kind":"normal"}],"cksum":"%064x","features":{"default":["std"],"std":[]},"yanked":false}`+"\n", i/100, i/10%10, i%10, i)
	}
	return b.Bytes()
}
