package rubygems_test

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/rubygems"
)

// TestMarshalLoadsInRuby decodes the encoder's output with the real
// Marshal.load and compares Ruby's inspect of it.
func TestMarshalLoadsInRuby(t *testing.T) {
	R := rubygems.Arr{}
	cases := []struct {
		v    rubygems.Value
		want string
	}{
		{rubygems.Nil{}, "nil"},
		{rubygems.Bool(true), "true"},
		{rubygems.Arr{rubygems.Int(0), rubygems.Int(1), rubygems.Int(122), rubygems.Int(123), rubygems.Int(255), rubygems.Int(256),
			rubygems.Int(65536), rubygems.Int(-1), rubygems.Int(-123), rubygems.Int(-124), rubygems.Int(-256), rubygems.Int(-257),
			rubygems.Int(1 << 30), rubygems.Int(-1 << 30)},
			"[0, 1, 122, 123, 255, 256, 65536, -1, -123, -124, -256, -257, 1073741824, -1073741824]"},
		{rubygems.Arr{rubygems.Str("héllo"), rubygems.Bin("\x00\xff"), rubygems.Sym("a"), rubygems.Sym("a"), rubygems.Sym("b")},
			`["héllo", "\x00\xFF", :a, :a, :b]`},
		{rubygems.Hash{{K: rubygems.Sym("name"), V: rubygems.Str(strings.Repeat("x", 300))}}, `{:name=>"` + strings.Repeat("x", 300) + `"}`},
		{R, "[]"},
	}
	for _, c := range cases {
		got := ruby(t, `print Marshal.load($stdin.binmode.read).inspect`, rubygems.Marshal(c.v))
		if got != c.want {
			t.Errorf("Marshal.load gave %s, want %s", got, c.want)
		}
	}
}

// TestQuickSpecLoads loads a quick spec the plugin made from a real gem's
// metadata as a Gem::Specification, the way gem install reads it.
// (Gem::Specification._load sets @license from the licenses field, so
// licenses read back empty, as for a quick spec rubygems itself dumped.)
func TestQuickSpecLoads(t *testing.T) {
	h := newHost()
	if r := callCommit(t, h, pushReq(h, fixture(t, "keeper_demo-1.0.0.gem"))); r.Status != 200 {
		t.Fatalf("push: %d %s", r.Status, r.Bytes)
	}
	f, _ := h.GetFile("quick/Marshal.4.8/keeper_demo-1.0.0.gemspec.rz")
	if f == nil {
		t.Fatal("no quick spec stored")
	}
	rz, _ := h.ReadBlob(f.BlobDigest, 0, 1<<20)
	got := ruby(t, `require "rubygems"; require "zlib"
s = Marshal.load(Zlib::Inflate.inflate($stdin.binmode.read))
print [s.class, s.name, s.version.to_s, s.platform.to_s, s.summary, s.authors, s.licenses, s.date.strftime("%F"),
  s.required_ruby_version.to_s, s.dependencies.map { |d| [d.name, d.type, d.requirement.to_s] }, s.homepage].inspect`, rz)
	want := `[Gem::Specification, "keeper_demo", "1.0.0", "ruby", "Keeper test gem keeper_demo", ["Keeper Tests"], [], "2026-01-02", ">= 2.5", [["keeper_dep", :runtime, "~> 0.2, >= 0.2.0"], ["rake", :development, ">= 10"]], "https://example.invalid/keeper_demo"]`
	if got != want {
		t.Fatalf("quick spec:\n got %s\nwant %s", got, want)
	}
}
