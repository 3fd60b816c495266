package cargo

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// crateHost holds crate "demo" with the given versions and stored lines.
func crateHost(vs [][2]string) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "crates", Format: "cargo", Kind: "local", BaseURL: "http://k/cargo/crates"})
	for _, v := range vs {
		h.Versions["demo\x00"+v[0]] = sdk.VersionInfo{Package: "demo", Version: v[0], Metadata: []byte(v[1])}
	}
	return h
}

// sameIndex renders demo's index both ways; it fails unless the assembled
// file is byte-identical to renderIndex's (or a 404 where listLines finds
// nothing) and returns whether it was assembled.
func sameIndex(t *testing.T, h *fakehost.Host) bool {
	t.Helper()
	lines, err := listLines(h, "demo")
	if err != nil {
		t.Fatal(err)
	}
	a, found, ok := assembledIndex(h, "demo")
	switch {
	case !ok:
		return false
	case !found:
		if len(lines) != 0 {
			t.Fatalf("assembled says not found, listLines has %d lines", len(lines))
		}
	case !bytes.Equal(a.Doc, renderIndex(lines)):
		t.Fatalf("assembled\n%s\nrendered\n%s", a.Doc, renderIndex(lines))
	}
	return true
}

func line(v string) string { return `{"name":"demo","vers":"` + v + `","deps":[],"cksum":"00","features":{},"yanked":false}` }

// TestAssembledIndexMatchesRender: the host-assembled index file is
// byte-identical to renderIndex's, in SemVer order, and declines exactly
// the versions the first template cannot tell apart.
func TestAssembledIndexMatchesRender(t *testing.T) {
	cases := []struct {
		name string
		vs   [][2]string
		ok   bool
	}{
		{"none", nil, true},
		{"one", [][2]string{{"1.0.0", line("1.0.0")}}, true},
		{"semver order", [][2]string{{"1.10.0", line("1.10.0")}, {"1.9.0", line("1.9.0")}, {"1.0.0-alpha.1", line("1.0.0-alpha.1")},
			{"1.0.0-alpha.beta", line("1.0.0-alpha.beta")}, {"1.0.0-rc.1", line("1.0.0-rc.1")}, {"1.0.0", line("1.0.0")},
			{"0.0.1", line("0.0.1")}, {"10.0.0", line("10.0.0")}, {"2.0.0-1", line("2.0.0-1")}}, true},
		{"build metadata ties", [][2]string{{"1.0.0+b", line("1.0.0+b")}, {"1.0.0+a", line("1.0.0+a")}, {"0.9.0", line("0.9.0")}}, true},
		{"not semver", [][2]string{{"1.0", line("1.0")}, {"v2.0.0", line("v2.0.0")}, {"2.0.0", line("2.0.0")}}, true},
		{"only not semver", [][2]string{{"1.0", line("1.0")}}, true},
		{"escapes and unicode", [][2]string{{"1.0.0", `{"name":"demo","vers":"1.0.0","deps":[],"cksum":"<&>\u2028é","features":{"a\"b":["\\"]}}`}}, true},
		{"empty line", [][2]string{{"1.0.0", line("1.0.0")}, {"1.1.0", ""}}, false},
		{"line not JSON", [][2]string{{"1.0.0", "x"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := sameIndex(t, crateHost(c.vs)); got != c.ok {
				t.Fatalf("assembled %v, want %v", got, c.ok)
			}
		})
	}
}

// TestAssembledIndexGenerated: 200 rounds of random versions (numbers
// around the digit boundaries, pre-releases, build metadata, invalid ones)
// give renderIndex's bytes.
func TestAssembledIndexGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 13))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	for round := range 200 {
		seen := map[string]bool{}
		var vs [][2]string
		for range rng.IntN(40) {
			v := fmt.Sprintf("%s.%s.%s%s%s", pick("0", "1", "9", "10", "01"), pick("0", "2", "10", "99"), pick("0", "1", "11"),
				pick("", "", "-alpha", "-alpha.1", "-rc.10", "-rc.9", "-0", "-x.y"), pick("", "", "+b1", "+z"))
			if !seen[v] {
				seen[v] = true
				vs = append(vs, [2]string{v, line(v)})
			}
		}
		if !sameIndex(t, crateHost(vs)) {
			t.Fatalf("round %d declined", round)
		}
	}
}
