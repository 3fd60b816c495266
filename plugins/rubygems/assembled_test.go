package rubygems

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// gemHost is a fake host holding recs as push and yank store them.
func gemHost(recs []record) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "gems", Kind: "local", Format: "rubygems", BaseURL: "http://h/gems/gems"})
	for i := range recs {
		storeGem(h, recs[i].Name, recs[i], encodeRecord(&recs[i]))
	}
	return h
}

func storeGem(h *fakehost.Host, pkg string, r record, meta []byte) {
	key := r.Version
	if r.Platform != "ruby" {
		key += "-" + r.Platform
	}
	h.Versions[pkg+"\x00"+key] = sdk.VersionInfo{Package: pkg, Version: key, Metadata: meta, CreatedMs: 1767225600000}
}

// sameIndexes renders /info of each gem and /versions both ways and fails
// unless the assembled ones are byte-identical (body and headers); it
// reports whether all were assembled.
func sameIndexes(t *testing.T, h *fakehost.Host, gems ...string) bool {
	t.Helper()
	built := true
	check := func(what string, got, want *sdk.Response) {
		t.Helper()
		if got == nil {
			built = false
			return
		}
		if got.Status != want.Status || !bytes.Equal(got.Bytes, want.Bytes) || fmt.Sprint(got.Headers) != fmt.Sprint(want.Headers) ||
			got.CacheTTLMs != want.CacheTTLMs {
			t.Fatalf("%s: assembled %d %v\n%s\nrendered %d %v\n%s", what, got.Status, got.Headers, got.Bytes, want.Status, want.Headers, want.Bytes)
		}
	}
	for _, g := range gems {
		got, err := assembledInfo(h, g)
		if err != nil {
			t.Fatal(err)
		}
		want, err := func() (*sdk.Response, error) { // serveInfo's render
			rs, err := gemRecords(h, g)
			if err != nil || len(rs) == 0 {
				return plain(404, "gem "+g+" not found\n"), err
			}
			return textDoc(h, infoDoc(rs))
		}()
		if err != nil {
			t.Fatal(err)
		}
		check("/info/"+g, got, want)
		sorted, err := sortedInfo(h, g)
		if err != nil {
			t.Fatal(err)
		}
		if want.Status == 404 && sorted != nil {
			t.Fatalf("/info/%s: sorted %d %s, rendered 404", g, sorted.Status, sorted.Bytes)
		} else if want.Status != 404 {
			check("sorted /info/"+g, sorted, want)
		}
	}
	got, err := assembledVersions(h)
	if err != nil {
		t.Fatal(err)
	}
	want, err := renderVersions(h)
	if err != nil {
		t.Fatal(err)
	}
	check("/versions", got, want)
	// specs.4.8.gz (three kinds) and /names from the listings' tuples.
	tuples, err := liveTuples(h)
	if err != nil {
		t.Fatal(err)
	}
	records, err := allRecords(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"", "latest_", "prerelease_"} {
		if g, w := marshalSpecs(specRows(tuples, kind)), marshalSpecs(specRows(records, kind)); !bytes.Equal(g, w) {
			t.Fatalf("%sspecs: from the listings %q, from the records %q", kind, g, w)
		}
	}
	if len(tuples) != len(records) {
		t.Fatalf("names: %d gems from the listings, %d from the records", len(tuples), len(records))
	}
	for i := range tuples {
		if tuples[i][0].Name != records[i][0].Name {
			t.Fatalf("names: gem %d is %q, not %q", i, tuples[i][0].Name, records[i][0].Name)
		}
	}
	return built
}

func gem(name, version, platform string, mod func(*record)) record {
	r := record{Name: name, Version: version, Platform: platform, SHA256: fmt.Sprintf("%064x", len(version)),
		Deps: []Dep{{Name: "rack", Type: "runtime", Reqs: []Req{{Op: "~>", Version: "2.0"}, {Op: ">=", Version: "2.0.1"}}}}}
	if mod != nil {
		mod(&r)
	}
	return r
}

// TestAssembledIndexesMatchRender: /info, /versions, specs.4.8 (all,
// latest, prerelease) and /names read through the host are byte-identical to the guest's render for platforms,
// prereleases, yanked versions, requirements, odd text, another gem's
// record, more gems than one call lists, and an empty repository; a gem
// with a version stored before the pieces (or whose text the listing
// could not split) is read the old way.
func TestAssembledIndexesMatchRender(t *testing.T) {
	yanked := func(r *record) { r.Yanked = true }
	reqs := func(r *record) {
		r.RequiredRuby = []Req{{Op: ">=", Version: "2.7"}, {Op: "<", Version: "4"}}
		r.RequiredRubygems = []Req{{Op: ">", Version: "1.3.1"}}
		r.Deps = append(r.Deps, Dep{Name: "json", Type: "runtime", Reqs: []Req{{Op: ">=", Version: "0"}}}, Dep{Name: "é\xff<&>|,:", Type: "runtime"})
	}
	recs := []record{
		gem("demo", "1.0.0", "ruby", nil), gem("demo", "1.10.0", "ruby", reqs), gem("demo", "1.9.0", "ruby", nil),
		gem("demo", "1.0.0", "java", nil), gem("demo", "1.0.0", "x86_64-linux", reqs), gem("demo", "2.0.0.pre", "ruby", nil),
		gem("demo", "2.0.0.a", "ruby", nil), gem("demo", "2.0.0", "ruby", yanked), gem("demo", "1.0", "ruby", func(r *record) { r.Deps = nil }),
		gem("other", "0.1.0", "ruby", nil), gem("gone", "1.0.0", "ruby", yanked),
	}
	h := gemHost(recs)
	if !sameIndexes(t, h, "demo", "other", "gone", "missing") {
		t.Error("not assembled")
	}
	other := gem("stranger", "3.0.0", "ruby", nil) // another gem's record under demo: skipped both ways
	storeGem(h, "demo", other, encodeRecord(&other))
	sameIndexes(t, h, "demo", "other", "gone", "missing")
	if r, _ := sortedInfo(h, "demo"); r != nil { // it has no "sort:demo": irregular
		t.Errorf("sorted /info with another gem's record: %s", r.Bytes)
	}
	var many []record
	for i := range 150 {
		many = append(many, gem(fmt.Sprintf("gem-%03d", i), fmt.Sprintf("1.%d.0", i%7), "ruby", func(r *record) { r.Yanked = i%11 == 3 }))
	}
	if !sameIndexes(t, gemHost(many), "gem-000", "gem-149") {
		t.Error("150 gems: not assembled")
	}
	if !sameIndexes(t, gemHost(nil), "demo") {
		t.Error("an empty repository: not assembled")
	}

	// Read the old way.
	h = gemHost(recs[:3])
	old := gem("demo", "3.0.0", "ruby", nil)
	raw, _ := json.Marshal(old)
	storeGem(h, "demo", old, raw)
	if sameIndexes(t, h, "demo") {
		t.Error("a version without pieces was assembled")
	}
	h = gemHost([]record{gem("demo", "1.0.0", "ruby", func(r *record) { r.Deps[0].Name = "a\tb" })})
	if sameIndexes(t, h, "demo") {
		t.Error("a line with a tab was assembled")
	}
}

// TestYankKeepsPieces: a yank rewrites the pieces (the version leaves the
// assembled indexes).
func TestYankKeepsPieces(t *testing.T) {
	h := gemHost([]record{gem("demo", "1.0.0", "ruby", nil), gem("demo", "1.1.0", "java", nil)})
	req := &sdk.Request{Method: "DELETE", Path: "/api/v1/gems/yank", RawQuery: "gem_name=demo&version=1.1.0&platform=java", Repo: h.Repo()}
	if r, err := yank(h, req); err != nil || r.Status != 200 {
		t.Fatalf("yank: %v %v", r, err)
	}
	h.Commit()
	if !bytes.HasPrefix(h.Versions["demo\x001.1.0-java"].Metadata, []byte(yankedPrefix)) {
		t.Fatalf("yank stored %s", h.Versions["demo\x001.1.0-java"].Metadata)
	}
	if !sameIndexes(t, h, "demo") {
		t.Fatal("not assembled after a yank")
	}
	if r, _ := assembledInfo(h, "demo"); r == nil || bytes.Contains(r.Bytes, []byte("1.1.0")) {
		t.Fatalf("the yanked version is listed: %v", r)
	}
}

// TestAssembledIndexesGenerated: 200 rounds of generated gems (versions,
// platforms, requirements and names with odd text, yanks) read through
// the host are byte-identical to the render.
func TestAssembledIndexesGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 13))
	alphabet := []string{"a", "Z", "0", ".", "-", "_", "<", "&", "|", ",", ":", " ", "é", "\xff", "\u2028", "\"", "\\"}
	text := func() string {
		var b strings.Builder
		for range 1 + rng.IntN(6) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	plats := []string{"ruby", "ruby", "java", "x86_64-linux", "arm64-darwin"}
	pre := []string{"", "", ".pre", ".rc1", ".a", ".beta.2"}
	for round := range 200 {
		var recs []record
		seen := map[string]bool{}
		var gems []string
		for g := range 1 + rng.IntN(4) {
			name := fmt.Sprintf("gen-%d", g)
			gems = append(gems, name)
			for range 1 + rng.IntN(15) {
				v := fmt.Sprintf("%d.%d%s", rng.IntN(3), rng.IntN(11), pre[rng.IntN(len(pre))])
				if rng.IntN(4) == 0 { // equal by Gem::Version: 01.0.0 = 1
					v = strings.Repeat("0", rng.IntN(2)) + v + strings.Repeat(".0", rng.IntN(3))
				}
				p := plats[rng.IntN(len(plats))]
				if seen[name+v+p] {
					continue
				}
				seen[name+v+p] = true
				recs = append(recs, gem(name, v, p, func(r *record) {
					r.Yanked = rng.IntN(5) == 0
					r.Deps = nil
					for range rng.IntN(3) {
						r.Deps = append(r.Deps, Dep{Name: text(), Type: "runtime", Reqs: []Req{{Op: "~>", Version: text()}}})
					}
					if rng.IntN(2) == 0 {
						r.RequiredRuby = []Req{{Op: ">=", Version: text()}}
					}
				}))
			}
		}
		h := gemHost(recs)
		if !sameIndexes(t, h, gems...) {
			t.Fatalf("round %d: not assembled", round)
		}
		names, rows, _, ok, err := sortedAll(h, gems, false)
		if !ok || err != nil {
			t.Fatalf("round %d: the sorted listing was not read: %v", round, err)
		}
		// The specs' listing (version keys only) gives the same rows.
		kNames, kRows, docs, ok, err := sortedAll(h, gems, true)
		if !ok || err != nil || docs != nil || fmt.Sprint(kNames, kRows) != fmt.Sprint(names, rows) {
			t.Fatalf("round %d: keys-only listing %v %v (ok %v, %v), want %v %v", round, kNames, kRows, ok, err, names, rows)
		}
	}
}
