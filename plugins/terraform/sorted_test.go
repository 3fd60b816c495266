package terraform

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// TestAssembledModuleVersionsMatchRender compares the host-sorted module
// version list with appendModuleVersions over versionsOf (the guest's
// render): generated modules up to 3,000 versions (over several host
// listing pages), pre-releases, build metadata, huge numbers, versions
// that are not SemVer; a module with a version stored before sort_key
// ({}), or more than maxVersions versions, renders as before.
func TestAssembledModuleVersionsMatchRender(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	num := func() string { return pick("0", "1", "2", "10", "18446744073709551615", fmt.Sprint(rng.Intn(30))) }
	assembled := 0
	for round := 0; round < 220; round++ {
		h := fakehost.New(&sdk.RepoContext{Key: "tf", Format: "terraform"})
		n := 1 + rng.Intn(40)
		if round%50 == 0 {
			n = 3000
		}
		stale := -1
		if round%6 == 1 {
			stale = rng.Intn(n)
		}
		seen := map[string]bool{}
		for i := 0; len(seen) < n; i++ {
			v := num() + "." + num() + "." + num()
			if rng.Intn(2) == 0 {
				v += "-" + pick("alpha", "rc.1", "rc.10", "b-1.A", "0.x9", "99999999999999999999999")
			}
			if rng.Intn(4) == 0 {
				v += "+" + pick("b1", "b2", "001", "a.b")
			}
			if round%9 == 4 && rng.Intn(10) == 0 { // not SemVer: publish refuses it, so no key
				v = pick("1.0", "v1.0.0", "01.0.0", "x")
			}
			if seen[v] {
				continue
			}
			meta := moduleMeta(v)
			if len(seen) == stale {
				meta = []byte(`{}`)
			}
			seen[v] = true
			if err := h.StageVersion(sdk.VersionPut{Package: modulePackage("net", "aws"), Version: v, Metadata: meta}); err != nil {
				t.Fatal(err)
			}
		}
		h.Commit()
		vs, err := versionsOf(h, modulePackage("net", "aws"))
		if err != nil {
			t.Fatal(err)
		}
		keyed := true
		for _, v := range h.Versions {
			keyed = keyed && string(v.Metadata) != `{}`
		}
		r, ok := assembledModuleVersions(h, "net", "aws")
		if ok != keyed {
			t.Fatalf("round %d: assembled %v, every version keyed %v", round, ok, keyed)
		}
		if !ok {
			continue
		}
		assembled++
		if want := appendModuleVersions(nil, vs); !bytes.Equal(r.Bytes, want) || r.CacheTTLMs != jsonResponse(200, nil).CacheTTLMs {
			t.Fatalf("round %d:\n got %s\nwant %s", round, r.Bytes, want)
		}
	}
	t.Logf("%d of 220 lists assembled", assembled)
	if assembled < 120 {
		t.Fatalf("only %d lists were assembled", assembled)
	}
}
