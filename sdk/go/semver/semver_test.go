package semver_test

import (
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
	for _, bad := range []string{"", "1", "1.0", "1.0.0.0", "01.0.0", "1.01.0", "1.0.0-", "1.0.0-01", "v1.0.0", "1.0.0+",
		"1.0.0-a..b", "1.0.0+a..b", "1.0.0-a_b", " 1.0.0", "1.0.0 ", "-1.0.0", "1.0.99999999999999999999",
		"1.0.0-" + strings.Repeat("a", semver.MaxLen)} {
		if semver.Valid(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}
