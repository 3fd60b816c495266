package ansible

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// genVersion is a random SemVer text (or, now and then, not one).
func genVersion(rng *rand.Rand) string {
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	num := func() string { return pick("0", "1", "2", "10", "18446744073709551615", fmt.Sprint(rng.Intn(30))) }
	v := num() + "." + num() + "." + num()
	if rng.Intn(2) == 0 {
		v += "-" + pick("alpha", "rc.1", "rc.10", "b-1.A", "0.x9", "99999999999999999999999")
	}
	if rng.Intn(4) == 0 {
		v += "+" + pick("b1", "b2", "001", "a.b", "B")
	}
	if rng.Intn(20) == 0 {
		v = pick("1.0", "01.0.0", "1.0.0-01", "1.0.0-", "x", strings.Repeat("1", 130)+".0.0")
	}
	return v
}

// TestSortKey checks that only versions the list shows get a key
// (semver's TestAppendKeyOrder checks the keys' order).
func TestSortKey(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 3000; i++ {
		v := genVersion(rng)
		_, ok := semver.Parse(v)
		if k := sortKey(v); (k != "") != (ok && len(v) <= 128) {
			t.Fatalf("sortKey(%q) = %q, parses %v", v, k, ok)
		}
	}
}

// store commits versions of keeper.demo as publish stores them (with
// sort_key unless noKey says otherwise).
func store(h *fakehost.Host, vs []string, created []int64, noKey func(int) bool) {
	for i, v := range vs {
		m := versionMeta{Namespace: "keeper", Name: "demo", Version: v, Filename: "f", SHA256: "s", SortKey: sortKey(v)}
		if noKey(i) {
			m.SortKey = ""
		}
		raw, _ := json.Marshal(m)
		if err := h.StageVersion(sdk.VersionPut{Package: "keeper.demo", Version: v, Metadata: raw}); err != nil {
			panic(err)
		}
		clock := created[i]
		h.VersionClock = func() int64 { return clock }
		h.Commit()
	}
}

// TestAssembledVersionsMatchRender compares the host-sorted versions page
// with appendVersions over sortedVersions (the guest's render) for every
// page size and offset: generated collections, an escaped base URL,
// versions with build metadata, pre-releases and huge numbers, dates
// before the epoch, and collections with versions stored before sort_key
// (the guest renders those).
func TestAssembledVersionsMatchRender(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	assembled := 0
	for round := 0; round < 220; round++ {
		base := []string{"http://k/ansible/r", "http://k/ansible/r%20x<&>\"é\u2028"}[round%2]
		h := fakehost.New(&sdk.RepoContext{Key: "r", Format: "ansible", BaseURL: base})
		a := api{h: h, req: &sdk.Request{Repo: h.RepoCtx}}
		n := rng.Intn(40)
		if round%50 == 0 {
			n = 1500 // over two host listing pages
		}
		seen := map[string]bool{}
		var vs []string
		var created []int64
		for len(vs) < n {
			v := genVersion(rng)
			if !validVersion(v) || seen[v] {
				continue
			}
			seen[v] = true
			vs = append(vs, v)
			created = append(created, rng.Int63n(4e12)-1e12)
		}
		old := round%7 == 3 && n > 0
		stale := rng.Intn(max(n, 1))
		store(h, vs, created, func(i int) bool { return old && i == stale })
		sorted, err := a.sortedVersions("keeper", "demo")
		if err != nil {
			t.Fatal(err)
		}
		for _, lo := range [][2]int{{100, 0}, {1, 0}, {3, 2}, {7, 5}, {maxVersions, 0}, {10, n}, {2, n + 1}, {1000, 1}} {
			got, ok := a.assembledVersions("keeper", "demo", lo[0], lo[1])
			if want := n > 0 && !old; ok != want {
				t.Fatalf("round %d: assembled %v, want %v", round, ok, want)
			}
			if !ok {
				continue
			}
			assembled++
			if want := a.appendVersions("keeper", "demo", sorted, lo[0], lo[1]); !bytes.Equal(got.Bytes, want) || got.CacheTTLMs != docTTLMs {
				t.Fatalf("round %d %v:\n got %s\nwant %s", round, lo, got.Bytes, want)
			}
		}
	}
	if assembled < 1000 {
		t.Fatalf("only %d pages were assembled", assembled)
	}
}

// TestVersionsRouteAssembled checks that the versions route answers from
// the host's sorted listing, in descending order, after a publish-like
// store.
func TestVersionsRouteAssembled(t *testing.T) {
	h := fakehost.New(&sdk.RepoContext{Key: "r", Format: "ansible", BaseURL: "http://k/a"})
	vs := []string{"1.0.0", "1.0.0-rc.1", "2.0.0", "1.10.0", "1.9.0+b"}
	store(h, vs, []int64{1, 2, 3, 4, 5}, func(int) bool { return false })
	a := api{h: h, req: &sdk.Request{Repo: h.RepoCtx, RawQuery: "limit=2&offset=1"}}
	r, err := a.versions("keeper", "demo")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Data []struct{ Version string }
		Meta struct{ Count int }
	}
	if err := json.Unmarshal(r.Bytes, &doc); err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, d := range doc.Data {
		got = append(got, d.Version)
	}
	if !slices.Equal(got, []string{"1.10.0", "1.9.0+b"}) || doc.Meta.Count != 5 {
		t.Fatalf("page %s", r.Bytes)
	}
}
