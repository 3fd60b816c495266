package rubygems_test

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/rubygems"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	for p, want := range map[string]sdk.CacheClass{
		"/gems/a-1.0.gem": sdk.Immutable, "/quick/Marshal.4.8/a-1.0.gemspec.rz": sdk.Immutable,
		"/specs.4.8.gz": sdk.Mutable, "/versions": sdk.Mutable, "/info/a": sdk.Mutable, "/names": sdk.Mutable,
		"/api/v1/dependencies": sdk.Mutable, "/gems/a-1.0.txt": sdk.Mutable,
	} {
		if got := (rubygems.Plugin{}).Classify(p); got != want {
			t.Errorf("Classify(%s) = %v, want %v", p, got, want)
		}
	}
}

// TestMerge merges the documents of two members: a name present in both
// comes from the first member only, and the merged specs load in Ruby.
// Merge gets no host (the real host offers no services to merge calls).
func TestMerge(t *testing.T) {
	a, b := newHost(), newHost()
	for _, f := range []string{"keeper_dep-0.2.0.gem", "keeper_demo-1.0.0.gem"} {
		callCommit(t, a, pushReq(a, fixture(t, f)))
	}
	callCommit(t, b, pushReq(b, fixture(t, "keeper_demo-1.1.0.pre1.gem")))
	callCommit(t, b, pushReq(b, gemOf(t, specYAML("other", "2.0"))))
	doc := func(h *testHost, p string) []byte { return call(t, h, get(p, "")).Bytes }
	merge := func(p string) []byte {
		out, err := rubygems.Plugin{}.Merge(nil, p, [][]byte{doc(a, p), doc(b, p)})
		if err != nil {
			t.Fatalf("merge %s: %v", p, err)
		}
		return out
	}
	versions := string(merge("/versions"))
	infoMD5, _ := a.Hash(sdk.MD5, sdk.Source{Bytes: doc(a, "/info/keeper_demo")})
	if !strings.Contains(versions, "\nkeeper_demo 1.0.0 "+infoMD5+"\n") || !strings.Contains(versions, "\nother 2.0 ") ||
		strings.Contains(versions, "1.1.0.pre1") {
		t.Fatalf("merged /versions:\n%s", versions)
	}
	if names := string(merge("/names")); names != "---\nkeeper_demo\nkeeper_dep\nother\n" {
		t.Fatalf("merged /names:\n%s", names)
	}
	if info := merge("/info/keeper_demo"); string(info) != string(doc(a, "/info/keeper_demo")) {
		t.Fatal("merged info is not the first member's")
	}
	specs := merge("/specs.4.8.gz")
	got := ruby(t, `require "rubygems"; require "zlib"
print Marshal.load(Zlib.gunzip($stdin.binmode.read)).map { |n, v, p| [n, v.to_s, p] }.inspect`, specs)
	if got != `[["keeper_demo", "1.0.0", "ruby"], ["keeper_dep", "0.2.0", "ruby"], ["other", "2.0", "ruby"]]` {
		t.Fatalf("merged specs: %s", got)
	}
	if _, err := (rubygems.Plugin{}).Merge(nil, "/specs.4.8.gz", [][]byte{[]byte("junk"), specs}); err == nil {
		t.Fatal("a member index that is not gzip merged")
	}
}

// TestUnmarshalRefusesHostile: the decoder refuses truncated, deep and
// oversized documents without panicking.
func TestUnmarshalRefusesHostile(t *testing.T) {
	deep := []byte{4, 8}
	for i := 0; i < 100; i++ {
		deep = append(deep, '[', 6)
	}
	for _, b := range [][]byte{nil, {4, 8}, {4, 9, '0'}, {4, 8, '[', 0x7f}, {4, 8, '"', 0x7f, 'a'}, deep, {4, 8, ';', 0}, {4, 8, 'o'}} {
		if _, err := rubygems.Unmarshal(b); err == nil {
			t.Errorf("Unmarshal(%q) succeeded", b)
		}
	}
	v, err := rubygems.Unmarshal(rubygems.Marshal(rubygems.Arr{rubygems.Int(-300), rubygems.Int(70000), rubygems.Str("x"), rubygems.Sym("s"), rubygems.Sym("s")}))
	if err != nil || len(v.([]any)) != 5 || v.([]any)[0] != int32(-300) || v.([]any)[1] != int32(70000) || v.([]any)[4] != "s" {
		t.Fatalf("round trip: %v %v", v, err)
	}
}
