package semver_test

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// TestOrder checks the precedence example of https://semver.org/#spec-item-11.
func TestOrder(t *testing.T) {
	order := []string{"0.0.1", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0", "10.0.0"}
	for i := 1; i < len(order); i++ {
		a, ok1 := semver.Parse(order[i-1])
		b, ok2 := semver.Parse(order[i])
		if !ok1 || !ok2 || a.Compare(b) >= 0 || b.Compare(a) <= 0 {
			t.Fatalf("%s should sort before %s", order[i-1], order[i])
		}
	}
	shuffled := append([]string(nil), order...)
	sort.Sort(sort.Reverse(sort.StringSlice(shuffled)))
	sort.Slice(shuffled, func(i, j int) bool {
		a, _ := semver.Parse(shuffled[i])
		b, _ := semver.Parse(shuffled[j])
		return a.Compare(b) < 0
	})
	if strings.Join(shuffled, " ") != strings.Join(order, " ") {
		t.Fatalf("sorted: %v", shuffled)
	}
}

func TestBuildMetadata(t *testing.T) {
	a, _ := semver.Parse("1.0.0+b")
	b, _ := semver.Parse("1.0.0+a")
	c, _ := semver.Parse("1.0.0")
	if a.Precedence(b) != 0 || a.Precedence(c) != 0 {
		t.Fatal("build metadata must not change precedence")
	}
	if a.Compare(b) <= 0 || c.Compare(b) >= 0 {
		t.Fatal("Compare must break ties by build metadata")
	}
	if semver.WithoutBuild("1.0.0-rc.1+x.y") != "1.0.0-rc.1" || semver.WithoutBuild("2.0.0") != "2.0.0" {
		t.Fatal("WithoutBuild")
	}
	if a.Build != "b" || c.Compare(c) != 0 {
		t.Fatalf("%+v", a)
	}
}

func TestParse(t *testing.T) {
	for _, good := range []string{"0.0.0", "1.2.3-rc.1+build.5", "1.0.0-0.3.7", "1.0.0-x-y-z.--", "1.0.0+001", "1.0.0-alpha+001"} {
		v, ok := semver.Parse(good)
		if !ok || v.String() != good {
			t.Errorf("%q: %v %q", good, ok, v.String())
		}
	}
	for _, bad := range []string{"", "1", "1.0", "1.0.0.0", "1..0", ".1.0", "1.0.", "1.0.0.", "1.0.0-rc.1.2.3.4.", "01.0.0", "1.01.0", "1.0.0-", "1.0.0-01", "v1.0.0", "1.0.0+",
		"1.0.0-a..b", "1.0.0+a..b", "1.0.0-a_b", " 1.0.0", "1.0.0 ", "-1.0.0", "1.0.99999999999999999999",
		"1.0.0-" + strings.Repeat("a", semver.MaxLen)} {
		if semver.Valid(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// genKeyVersion is a random SemVer text: pre-release and build
// identifiers, numbers up to and past uint64 (which pre-release
// identifiers then compare as text).
func genKeyVersion(rng *rand.Rand) string {
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	num := func() string {
		return pick("0", "1", "2", "9", "10", "11", "99", "100", "18446744073709551615", fmt.Sprint(rng.Intn(30)))
	}
	v := num() + "." + num() + "." + num()
	if rng.Intn(2) == 0 {
		var ids []string
		for i := 0; i < 1+rng.Intn(3); i++ {
			ids = append(ids, pick("alpha", "beta", "rc", "a", "A", "Z", "b-1", "-", "0", "1", "2", "10", "x9", "99999999999999999999999", num()))
		}
		v += "-" + strings.Join(ids, ".")
	}
	if rng.Intn(4) == 0 {
		v += "+" + pick("b1", "b2", "001", "a.b", "exp-sha.5114f85", "B")
	}
	return v
}

// TestAppendKeyOrder checks that the keys' byte order is Compare's over
// generated versions.
func TestAppendKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	var vs []semver.Version
	for len(vs) < 3000 {
		if v, ok := semver.Parse(genKeyVersion(rng)); ok {
			vs = append(vs, v)
		}
	}
	for i := range vs {
		j := rng.Intn(len(vs))
		ki, kj := string(vs[i].AppendKey(nil)), string(vs[j].AppendKey(nil))
		if got, want := strings.Compare(ki, kj), vs[i].Compare(vs[j]); got != want {
			t.Fatalf("%v vs %v: keys %q, %q compare %d, versions %d", vs[i], vs[j], ki, kj, got, want)
		}
		for _, c := range []byte(ki) {
			if c <= '"' || c > '~' || c == '\\' {
				t.Fatalf("key %q: byte %q", ki, c)
			}
		}
	}
}
