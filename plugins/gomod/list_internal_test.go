package gomod

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// TestSortSemverMatchesSemverSort: sortSemver (packed integer keys for
// releases) orders random valid versions exactly as semver.Sort:
// releases only, shorthand (v1, v1.2) beside their full forms, large
// numbers, and mixes with pre-releases and builds (semver.Sort itself).
func TestSortSemverMatchesSemverSort(t *testing.T) {
	nums := []string{"0", "1", "2", "9", "10", "11", "65535", "65536", "4294967296", "999999999999999999"}
	tails := []string{"-rc.1", "-alpha", "+build", "-0.20240101000000-abcdefabcdef"}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 600; round++ {
		vs := make([]string, 1+rng.IntN(80))
		for i := range vs {
			v := "v" + nums[rng.IntN(len(nums)-round%2*7)]
			for n := rng.IntN(3); n > 0; n-- {
				v += "." + nums[rng.IntN(len(nums)-round%2*7)]
			}
			if round%3 == 0 && rng.IntN(10) == 0 && strings.Count(v, ".") == 2 {
				v += tails[rng.IntN(len(tails))]
			}
			if !semver.IsValid(v) {
				t.Fatalf("generated %s", v)
			}
			vs[i] = v
		}
		got, want := slices.Clone(vs), slices.Clone(vs)
		sortSemver(got)
		semver.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d:\n%q\nwant\n%q", round, got, want)
		}
	}
}

// oldList is list's previous render, verbatim but for its name: the
// oracle of TestListMatchesPrevious.
func oldList(h sdk.Host, t target) []byte {
	vs, err := versions(h, t)
	if err != nil || len(vs) == 0 {
		return nil
	}
	names := make([]string, 0, len(vs))
	for _, v := range vs {
		if !module.IsPseudoVersion(v.version) {
			names = append(names, v.version)
		}
	}
	semver.Sort(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// TestListMatchesPrevious: @v/list through the host's text listing is
// byte-identical to the previous row-by-row render for modules with no,
// one and many versions, pseudo-versions, pre-releases, case-escaped
// versions, nested and foreign files beside the .info files, a neighbour
// module sharing the prefix's start, and a path with a line break (read
// row by row).
func TestListMatchesPrevious(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	vers := []string{"v1.0.0", "v1.2.3", "v1.10.0", "v2.0.0-rc.1", "v0.0.0-20240101000000-abcdefabcdef", "v1.0.0-!r!c1",
		"v1.2", "bad", "v1.0.0+incompatible", "v3.0.0-0.20240101000000-abcdefabcdef", "v1.3.0-!beta"}
	for round := 0; round < 200; round++ {
		h := fakehost.New(&sdk.RepoContext{Key: "go", Kind: "local", Format: "gomod"})
		add := func(p string) { h.Files[p] = sdk.File{Path: p, SHA256: strings.Repeat("a", 64), Size: 10} }
		n := []int{0, 1, 3, 300}[round%4]
		for i := 0; i < n; i++ {
			v := fmt.Sprintf("v1.%d.%d", rng.IntN(30), rng.IntN(30))
			if rng.IntN(4) == 0 {
				v = vers[rng.IntN(len(vers))]
			}
			add("example.com/!lib/@v/" + v + ".info")
			if rng.IntN(2) == 0 {
				add("example.com/!lib/@v/" + v + ".mod")
			}
		}
		add("example.com/!lib/@v/sub/v9.0.0.info")
		add("example.com/!lib2/@v/v8.0.0.info")
		if round%10 == 9 {
			add("example.com/!lib/@v/v7.0.0\nexample.com/!lib/@v/v6.6.6.info")
			add("example.com/!lib/@v/v7.0.1.info")
		}
		tg, err := parseTarget("example.com/!lib/@v/list")
		if err != nil {
			t.Fatal(err)
		}
		want := oldList(h, tg)
		r, err := list(h, tg)
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			if r.Status != 404 {
				t.Fatalf("round %d: status %d, want 404", round, r.Status)
			}
			continue
		}
		if r.Status != 200 || !bytes.Equal(r.Bytes, want) {
			t.Fatalf("round %d: %d\n%s\nwant\n%s", round, r.Status, r.Bytes, want)
		}
	}
}
