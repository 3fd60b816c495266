package puppet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/url"
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
	assembled, pages := 0, 0
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
		if owner == "keeper" || owner == "k3" {
			pages += comparePages(t, h, owner+"-"+name, rng)
		}
	}
	t.Logf("%d pages assembled", pages)
	if pages < 250 {
		t.Fatalf("only %d pages were assembled", pages)
	}
	t.Logf("%d of 220 lists assembled", assembled)
	if assembled < 100 {
		t.Fatalf("only %d lists were assembled", assembled)
	}
}

// comparePages answers /v3/releases?module= queries (page sizes, offsets,
// every sort_by, exclude_fields) from h's rows and from the same rows
// stored without tags and sort_key (as before them, so rendered by the
// guest), and counts the pages the host assembled.
func comparePages(t *testing.T, h *fakehost.Host, module string, rng *rand.Rand) int {
	t.Helper()
	old := fakehost.New(h.RepoCtx)
	for k, v := range h.Versions {
		var m releaseMeta
		if err := json.Unmarshal(v.Metadata, &m); err != nil {
			t.Fatal(err)
		}
		m.Tags, m.SortKey = nil, ""
		v.Metadata, _ = json.Marshal(m)
		old.Versions[k] = v
	}
	n := 0
	for i := 0; i < 6; i++ {
		v := url.Values{"module": {module}}
		v.Set("limit", fmt.Sprint(1+rng.Intn(100)))
		v.Set("offset", fmt.Sprint(rng.Intn(40)))
		if s := []string{"", "version", "release_date", "downloads", "module", "bogus"}[rng.Intn(6)]; s != "" {
			v.Set("sort_by", s)
		}
		if rng.Intn(2) == 0 {
			fields := []string{"readme", "changelog", "license", "reference", "metadata", "tags", "module", "uri", "created_at", "version", "x"}
			rng.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
			v.Set("exclude_fields", strings.Join(fields[:rng.Intn(len(fields))], pick(rng, ",", ", ")))
		}
		if rng.Intn(20) == 0 {
			v.Set("exclude_fields", "changelog,created_at,deleted_at,deleted_for,downloads,file_md5,file_sha256,file_size,file_uri,"+
				"license,metadata,module,pdk,plans,readme,reference,slug,supported,tags,tasks,updated_at,uri,validation_score,version")
		}
		req := &sdk.Request{Repo: h.RepoCtx, RawQuery: v.Encode()}
		got, gerr := api{h: h, req: req}.releases()
		want, werr := api{h: old, req: req}.releases()
		if fmt.Sprint(gerr) != fmt.Sprint(werr) || (gerr == nil) && (!bytes.Equal(got.Bytes, want.Bytes) || got.CacheTTLMs != want.CacheTTLMs) {
			t.Fatalf("%s:\n got %v %s\nwant %v %s", req.RawQuery, gerr, body(got), werr, body(want))
		}
		if q, err := (api{h: h, req: req}).query(); err == nil {
			owner, name, _ := splitModule(module)
			if _, ok := (api{h: h, req: req}).assembledModulePage(q, owner, name, releasesKeep); ok {
				n++
			}
		}
	}
	return n
}

func pick(rng *rand.Rand, xs ...string) string { return xs[rng.Intn(len(xs))] }

func body(r *sdk.Response) []byte {
	if r == nil {
		return nil
	}
	return r.Bytes
}
