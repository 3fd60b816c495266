package helm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const indexBase = "http://k/helm/charts"

// stored is one chart file of a test repository: its metadata (stored as
// upload stores it, or without the index key when old), creation time, and
// whether a provenance file sits beside it.
type stored struct {
	m       Metadata
	created int64
	old     bool
	prov    bool
}

// chartHost stores charts as storeChart does.
func chartHost(t testing.TB, charts []stored) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "charts", Format: "helm", Kind: "local", BaseURL: indexBase})
	for i, s := range charts {
		p := chartPath(s.m.FileName())
		f := h.AddFile(p, []byte(fmt.Sprintf("chart %d", i)))
		meta, err := encodeMeta(&s.m)
		if s.old {
			meta, err = json.Marshal(storedMeta{IndexYAML: string(appendChartFields(nil, &s.m)), Metadata: s.m})
		}
		if err != nil {
			t.Fatal(err)
		}
		f.Package, f.Version, f.Metadata, f.CreatedMs = s.m.Name, s.m.Version, meta, s.created
		h.Files[p] = f
		if s.prov {
			pf := h.AddFile(p+".prov", []byte("signed"))
			pf.Package, pf.Version, pf.Metadata, pf.CreatedMs = s.m.Name, s.m.Version, []byte(provenanceMeta), s.created+7
			h.Files[p+".prov"] = pf
		}
	}
	return h
}

// sameIndex renders index.yaml both ways and fails unless the assembled
// one is byte-identical to RenderIndex's or was declined; it returns
// whether it was assembled. The handler's answer is RenderIndex's too.
func sameIndex(t *testing.T, h *fakehost.Host) bool {
	t.Helper()
	charts, latest, err := loadCharts(h, "", true)
	if err != nil {
		t.Fatal(err)
	}
	want := RenderIndex(charts, indexBase, latest)
	got, ok := assembledIndex(h, indexBase)
	if ok && !bytes.Equal(got, want) {
		t.Fatalf("assembled\n%s\nrendered\n%s", got, want)
	}
	resp, err := sdk.CallHandle(Plugin{}, h, &sdk.Request{Method: "GET", Path: "/index.yaml", Repo: h.RepoCtx})
	if err != nil || resp.Status != 200 || !bytes.Equal(resp.Bytes, want) {
		t.Fatalf("handler: %v %d\n%s\nwant\n%s", err, resp.Status, resp.Bytes, want)
	}
	return ok
}

func chart(name, version string) Metadata {
	return Metadata{APIVersion: "v2", Name: name, Version: version, Description: "A Helm chart", Type: "application"}
}

func TestAssembledIndexMatchesRender(t *testing.T) {
	specials := chart("special", "1.0.0")
	specials.Description = "yes: \"quoted\" \\ back\nnew line\t<html> & 'single' # not a comment \x01 \u2028"
	specials.AppVersion, specials.KubeVersion, specials.Icon = "1.10", ">=1.20.0-0", "https://example.test/ä.png"
	specials.Keywords, specials.Sources = []string{"on", "null", "- dash", "ünïcode ✓"}, []string{"https://example.test/src"}
	specials.Annotations = map[string]string{"artifacthub.io/license": "MIT", "b": "", "x: y": "no"}
	specials.Maintainers = []Maintainer{{Name: "Ä \"Q\"", Email: "a@example.test"}, {}}
	specials.Dependencies = []Dependency{{Name: "dep", Version: "~1.2", Repository: "@stable", Condition: "dep.enabled",
		Tags: []string{"t"}, Alias: "d", ImportValues: []any{"data", map[string]any{"child": "c", "parent": "p"}, map[string]any{"n": 1.5}}}}
	specials.Deprecated = true
	var all []stored
	versions := []string{"1.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0+build.1", "1.0.0+build.2", "1.0.0-1", "1.0.0-99999999999999999999999",
		"1.0.0-a-b.0", "2.0.0", "10.0.0", "1.10.0", "1.9.0", "0.0.0", "18446744073709551615.0.0", "1.0.0-alpha+z"}
	for i, v := range versions {
		all = append(all, stored{m: chart("a", v), created: 1700000000000 + int64(i*37)})
	}
	for i, n := range []string{"a-b", "ab", "a.b", "ä", "Z", "zz", "a0"} {
		all = append(all, stored{m: chart(n, "0.1.0"), created: 1700000000100 + int64(i)*100, prov: i%2 == 0})
	}
	all = append(all, stored{m: specials, created: 1700000000001}, stored{m: chart("undated", "1.0.0")})
	t.Run("regular", func(t *testing.T) {
		if !sameIndex(t, chartHost(t, all)) {
			t.Fatal("not assembled")
		}
	})
	t.Run("one chart", func(t *testing.T) {
		if !sameIndex(t, chartHost(t, all[:1])) {
			t.Fatal("not assembled")
		}
	})
	t.Run("undated only", func(t *testing.T) {
		if !sameIndex(t, chartHost(t, []stored{{m: chart("u", "1.0.0")}, {m: chart("v", "1.0.0")}})) {
			t.Fatal("not assembled")
		}
	})
	t.Run("stored before the key", func(t *testing.T) {
		old := slices.Clone(all)
		old[3].old = true
		if sameIndex(t, chartHost(t, old)) {
			t.Fatal("assembled with a row without a key")
		}
	})
	t.Run("refused name", func(t *testing.T) {
		if _, ok := indexKey("a b", "1.0.0"); ok {
			t.Fatal("key for a name with a space")
		}
		if sameIndex(t, chartHost(t, append(slices.Clone(all), stored{m: chart("a b", "1.0.0"), created: 5}))) {
			t.Fatal("assembled with a refused name")
		}
	})
	t.Run("empty", func(t *testing.T) {
		if sameIndex(t, chartHost(t, nil)) {
			t.Fatal("assembled an empty index")
		}
	})
}

// TestIndexKeyOrder checks that the keys' byte order is loadCharts' order
// (names, then newest version first) on generated versions.
func TestIndexKeyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	type row struct {
		name string
		v    version
		key  string
	}
	var rows []row
	for range 3000 {
		name, ver := randName(r), randVersion(r)
		key, ok := indexKey(name, ver)
		sv, valid := parseSemver(ver)
		if !ok || !valid {
			t.Fatalf("%q %q: key %v, valid %v", name, ver, ok, valid)
		}
		rows = append(rows, row{name, sv, key})
	}
	byKey := slices.Clone(rows)
	slices.SortStableFunc(byKey, func(a, b row) int { return strings.Compare(a.key, b.key) })
	for i := 1; i < len(byKey); i++ {
		a, b := byKey[i-1], byKey[i]
		if c := strings.Compare(a.name, b.name); c > 0 || c == 0 && a.v.compare(b.v) < 0 {
			t.Fatalf("%s %s before %s %s", a.name, a.v.String(), b.name, b.v.String())
		}
		if a.name == b.name && a.v.compare(b.v) != 0 && a.key == b.key {
			t.Fatalf("same key for %s and %s", a.v.String(), b.v.String())
		}
	}
}

func randName(r *rand.Rand) string {
	parts := []string{"a", "b", "ab", "-", ".", "ä", "0", "z", "Zz", "_"}
	var b strings.Builder
	for range 1 + r.IntN(3) {
		b.WriteString(parts[r.IntN(len(parts))])
	}
	return b.String()
}

func randVersion(r *rand.Rand) string {
	nums := []string{"0", "1", "2", "9", "10", "11", "255", "256", "18446744073709551615"}
	ids := []string{"0", "1", "2", "10", "alpha", "beta", "rc", "a-b", "A", "Z9", "99999999999999999999999", "-"}
	v := nums[r.IntN(4)] + "." + nums[r.IntN(len(nums))] + "." + nums[r.IntN(len(nums))]
	if r.IntN(2) == 0 {
		var pre []string
		for range 1 + r.IntN(3) {
			pre = append(pre, ids[r.IntN(len(ids))])
		}
		v += "-" + strings.Join(pre, ".")
	}
	if r.IntN(4) == 0 {
		v += "+" + []string{"b", "b.1", "build-7", "001", "B"}[r.IntN(5)]
	}
	return v
}

// TestAssembledIndexGenerated compares 200 generated repositories (up to
// 1,200 chart files, so the host lists more than one page of rows).
func TestAssembledIndexGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	assembled := 0
	for round := range 200 {
		var charts []stored
		seen := map[string]bool{}
		n := 1 + r.IntN(40)
		if round%50 == 0 {
			n = 1200
		}
		for range n {
			m := chart(randName(r), randVersion(r))
			if seen[m.FileName()] {
				continue
			}
			seen[m.FileName()] = true
			if r.IntN(3) == 0 {
				m.Description = []string{"", "\"q\" ä\n", "a: b", "✓ #x"}[r.IntN(4)]
				m.Keywords = []string{"k", "y"}[:r.IntN(3)]
			}
			created := 1700000000000 + r.Int64N(5000)*[]int64{1, 10, 100, 1000}[r.IntN(4)]
			if r.IntN(40) == 0 {
				created = 0
			}
			charts = append(charts, stored{m: m, created: created, prov: r.IntN(4) == 0, old: r.IntN(60) == 0})
		}
		if sameIndex(t, chartHost(t, charts)) {
			assembled++
		}
	}
	if assembled < 100 {
		t.Fatalf("only %d of 200 assembled", assembled)
	}
	t.Logf("%d of 200 assembled", assembled)
}
