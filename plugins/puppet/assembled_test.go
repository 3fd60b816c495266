package puppet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// storeReleases commits releases of owner-name as publish stores them
// (storedExtras), or, where old says so, as publish stored them before
// (no tags, no sort_key).
func storeReleases(t *testing.T, h *fakehost.Host, rng *rand.Rand, owner, name string, n int, refuse bool, old func(int) bool) int {
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	num := func() string { return pick("0", "1", "2", "10", "18446744073709551615", fmt.Sprint(rng.Intn(30))) }
	seen, keyed := map[string]bool{}, 0
	for i := 0; len(seen) < n; i++ {
		v := num() + "." + num() + "." + num()
		if rng.Intn(2) == 0 {
			v += "-" + pick("alpha", "rc.1", "rc.10", "b-1.A", "0.x9", "99999999999999999999999")
		}
		if rng.Intn(4) == 0 {
			v += "+" + pick("b1", "b2", "001", "a.b")
		}
		if seen[v] {
			continue
		}
		seen[v] = true
		md := pick(metadataJSON(owner+"-"+name, v, "keeper-base"), `{}`, `{"tags":null}`, `{"tags":["a","b"]}`, `{"tags":[]}`,
			`{"tags":["a"],"x":"<&>\u2028é"}`, `{"summary":"\"q\" \\ <b>","tags":["x y"]}`, `{"x":[1,{"y":null}],"é":"\ud83d\ude00"}`)
		sum := strings.Repeat("ab", 32)
		if refuse && rng.Intn(5) == 0 { // values storedExtras refuses
			md = pick(`{"tags":"x"}`, `{"tags":["<x>"]}`, `{"tags":["\u0041"]}`, `{"tags":[1]}`, `{"tags":["a"],"tags":["b"]}`)
			sum = "a<b"
		}
		m := releaseMeta{Owner: owner, Name: name, Version: v, Size: uint64(rng.Int63n(1 << 40)), SHA256: sum,
			MD5: strings.Repeat("c", 32), Metadata: json.RawMessage(md)}
		if rng.Intn(10) == 0 {
			m.Size = 1<<64 - 1
		}
		if !old(len(seen) - 1) {
			var err error
			if m.Tags, m.SortKey, err = storedExtras(h, &m); err != nil {
				t.Fatal(err)
			}
		}
		if m.SortKey != "" {
			keyed++
		}
		raw, _ := json.Marshal(m)
		if err := h.StageVersion(sdk.VersionPut{Package: m.module(), Version: v, Metadata: raw}); err != nil {
			t.Fatal(err)
		}
		clock := rng.Int63n(4e12) - 1e12
		h.VersionClock = func() int64 { return clock }
		h.Commit()
	}
	return keyed
}

// TestAssembledReleasesMatchRender compares the host-assembled list of a
// module's releases with the guest's render: generated modules (up to
// 1,500 releases, over two host listing pages), pre-releases, build
// metadata, huge numbers, dates before the epoch, metadata with escapes,
// HTML characters and unicode; modules with a release stored before
// sort_key, or one whose record storedExtras refused, render as before.
func TestAssembledReleasesMatchRender(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	assembled := 0
	for round := 0; round < 220; round++ {
		h := fakehost.New(&sdk.RepoContext{Key: "r", Format: "puppet"})
		a := api{h: h, req: &sdk.Request{Repo: h.RepoCtx}}
		n := 1 + rng.Intn(30)
		if round%50 == 0 {
			n = 1500
		}
		stale := -1
		if round%5 == 2 {
			stale = rng.Intn(n)
		}
		owner, name := []string{"keeper", "k3"}[round%2], []string{"demo", "x_9"}[round%3/2]
		if round%11 == 5 {
			owner = "Keeper" // not the owner splitModule reads: never assembled
		}
		keyed := storeReleases(t, h, rng, owner, name, n, round%7 == 3, func(i int) bool { return i == stale })
		want, err := a.renderedReleases(owner, name)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := a.assembledReleases(owner, name)
		if ok != (keyed == n) {
			t.Fatalf("round %d: assembled %v with %d of %d releases keyed", round, ok, keyed, n)
		}
		if !ok {
			continue
		}
		assembled++
		if !bytes.Equal(got.Bytes, want.Bytes) || got.CacheTTLMs != want.CacheTTLMs || got.Status != want.Status {
			t.Fatalf("round %d:\n got %s\nwant %s", round, got.Bytes, want.Bytes)
		}
		var doc map[string]any
		if err := json.Unmarshal(got.Bytes, &doc); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	t.Logf("%d of 220 lists assembled", assembled)
	if assembled < 100 {
		t.Fatalf("only %d lists were assembled", assembled)
	}
}
