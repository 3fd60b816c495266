package composer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// renderFull is the p2 document of list (newest first) with every version
// complete, its time in ISO 8601 with milliseconds, through encoding/json:
// what p2Template must build.
func renderFull(base, name string, list []stored) []byte {
	objs := make([]map[string]json.RawMessage, 0, len(list))
	for _, s := range list {
		obj := versionObject(base, s)
		obj["time"] = marshal(time.UnixMilli(s.created).UTC().Format("2006-01-02T15:04:05.000Z"))
		objs = append(objs, obj)
	}
	return marshal(map[string]any{"packages": map[string]any{name: objs}})
}

// p2Row is one version as upload stores it (old: as stored before the p2
// members).
type p2Row struct {
	version string
	fields  map[string]string
	created int64
	old     bool
}

func p2Host(t testing.TB, base, name string, rows []p2Row) *fakehost.Host {
	t.Helper()
	h := fakehost.New(&sdk.RepoContext{Key: "php", Kind: "local", Format: "composer", BaseURL: base})
	for i, r := range rows {
		norm, dev, ok := normalizeVersion(r.version)
		if !ok {
			t.Fatalf("version %q", r.version)
		}
		rec := record{Name: name, Version: r.version, Norm: norm, Dev: dev, Fields: map[string]json.RawMessage{},
			Path: distPath(name, r.version), SHA1: fmt.Sprintf("%040x", i)}
		for k, v := range r.fields {
			rec.Fields[k] = json.RawMessage(v)
		}
		if !r.old {
			storeP2(&rec)
		}
		meta, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		h.Versions[name+"\x00"+r.version] = sdk.VersionInfo{Package: name, Version: r.version, Metadata: meta, CreatedMs: r.created}
	}
	return h
}

// sameP2 serves both documents of name and compares them with renderFull
// (every version stored with its p2 members) or renderP2 (else); it
// returns how many were assembled.
func sameP2(t *testing.T, h sdk.Host, base, name string) int {
	t.Helper()
	tagged, devs, err := records(h, name)
	if err != nil {
		t.Fatal(err)
	}
	full := true
	for _, s := range append(slices.Clone(tagged), devs...) {
		full = full && s.P2Key != ""
	}
	n := 0
	for _, dev := range []bool{false, true} {
		list := tagged
		if dev {
			list = devs
		}
		r, err := serveP2(h, &sdk.RepoContext{BaseURL: base}, name, dev)
		if err != nil {
			t.Fatal(err)
		}
		if len(tagged)+len(devs) == 0 {
			if r.Status != 404 {
				t.Fatalf("%s: no versions, status %d", name, r.Status)
			}
			continue
		}
		want := renderP2(base, name, list)
		if full {
			want = renderFull(base, name, list)
		}
		if r.Status != 200 || !bytes.Equal(r.Bytes, want) {
			t.Fatalf("%s dev=%v (full %v): status %d\n%s\nwant\n%s", name, dev, full, r.Status, r.Bytes, want)
		}
		a, _, ok := assembledP2(h, base, name, dev)
		if ok != full {
			t.Fatalf("%s dev=%v: assembled %v, every version keyed %v", name, dev, ok, full)
		}
		if ok {
			n++
			if !bytes.Equal(a.Doc, want) {
				t.Fatalf("assembled doc differs")
			}
		}
	}
	return n
}

func TestAssembledP2MatchesRender(t *testing.T) {
	const base = "http://h/composer/php"
	lic := `["MIT"]`
	cases := []struct {
		name string
		base string
		rows []p2Row
	}{
		{"none", base, nil},
		{"one", base, []p2Row{{version: "1.0.0", fields: map[string]string{"license": lic}, created: 1767312000123}}},
		{"order", base, []p2Row{
			{version: "1.0.0", created: 1000}, {version: "v1.10.0", created: 5000}, {version: "1.2.0-beta2", created: 3000},
			{version: "1.2.0-RC1", created: 3000}, {version: "1.2.0", created: 4000}, {version: "1.2.0-alpha", created: 2000},
			{version: "1.2.0-patch1", created: 4500}, {version: "1.2", created: 4600}, {version: "1.2.0.0", created: 4700},
			{version: "2.0.0-dev", created: 7000}, {version: "dev-main", created: 8000}, {version: "dev-feature", created: 9000},
			{version: "1.x-dev", created: 9500}, {version: "0.0.1", created: 0}, {version: "3.0.0-b1", created: -1500}}},
		{"dev only", base, []p2Row{{version: "dev-main", created: 1}}},
		{"escapes", "http://h/composer/ph\"p<&>é\u2028", []p2Row{
			{version: "1.0.0", created: 1767312000000, fields: map[string]string{
				"description": `"tab\tquote\" <b>&amp; é \u00e9 \u2028 \ud83d\ude00 ☃"`,
				"authors":     `[{"name":"Zoë","email":"z@example.invalid"}]`, "type": `"library"`,
				"extra": `{"name":"inner","time":"x","dist":{"url":"y"}}`, "require": `{"php":">=8.1"}`}},
			{version: "1.0.1", created: 1767312000001, fields: map[string]string{"description": `"<script>"`, "bin": `["a","b"]`}}}},
		{"marker in a field", base, []p2Row{
			{version: "1.0.0", created: 5, fields: map[string]string{"description": `"\u0001"`}},
			{version: "1.0.1", created: 6}}},
		{"old row", base, []p2Row{{version: "1.0.0", created: 5}, {version: "1.0.1", created: 6, old: true}}},
		{"old dev row", base, []p2Row{{version: "1.0.0", created: 5}, {version: "dev-main", created: 6, old: true}}},
		{"old only", base, []p2Row{{version: "1.0.0", created: 5, old: true}}},
		{"long number", base, []p2Row{{version: "1.0.0-beta12345678901", created: 5}, {version: "1.0.0", created: 6}}},
	}
	assembled := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "keeper/demo"
			h := p2Host(t, c.base, name, c.rows)
			assembled += sameP2(t, h, c.base, name)
		})
	}
	// A package whose name is a prefix of another's, side by side.
	h := p2Host(t, base, "keeper/demo", []p2Row{{version: "1.0.0", created: 1}})
	h2 := p2Host(t, base, "keeper/demo-two", []p2Row{{version: "2.0.0", created: 2}})
	for k, v := range h2.Versions {
		h.Versions[k] = v
	}
	assembled += sameP2(t, h, base, "keeper/demo")
	assembled += sameP2(t, h, base, "keeper/demo-two")
	if assembled < 12 {
		t.Fatalf("only %d documents assembled", assembled)
	}
}

func TestAssembledP2Generated(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	assembled := 0
	for round := 0; round < 200; round++ {
		n := rng.IntN(60)
		if round%50 == 0 {
			n = 1200 + rng.IntN(300) // over the host's 1,000-row listing page
		}
		seen := map[string]bool{}
		var rows []p2Row
		for len(rows) < n {
			v := genVersion(rng)
			if seen[v] {
				continue
			}
			seen[v] = true
			rows = append(rows, p2Row{version: v, created: rng.Int64N(4e12) - 1e11, fields: genFields(rng),
				old: round%7 == 3 && rng.IntN(n) == 0})
		}
		assembled += sameP2(t, p2Host(t, "http://h/composer/php", "gen/pkg", rows), "http://h/composer/php", "gen/pkg")
	}
	if assembled < 300 {
		t.Fatalf("only %d documents assembled", assembled)
	}
}

// genVersion is a version Composer accepts, in its many spellings.
func genVersion(rng *rand.Rand) string {
	num := func() string { return fmt.Sprint(rng.IntN(4)) }
	switch rng.IntN(10) {
	case 0:
		return "dev-" + []string{"main", "feature", "x", "main2", "Foo.bar"}[rng.IntN(5)]
	case 1:
		return num() + ".x-dev"
	case 2:
		return num() + "." + num() + ".x-dev"
	}
	v := num()
	for i := rng.IntN(4); i > 0; i-- {
		v += "." + num()
	}
	if rng.IntN(2) == 0 {
		v = "v" + v
	}
	if rng.IntN(3) == 0 {
		v += []string{"-beta", "-b", "-RC", "-rc", "-alpha", "-a", "-patch", "-pl", "-p", "-stable", "beta", ".beta"}[rng.IntN(12)]
		if rng.IntN(2) == 0 {
			v += fmt.Sprint(rng.IntN(12))
		}
	}
	return v
}

// genFields are copied composer.json fields: any subset, HTML characters,
// escapes and unicode.
func genFields(rng *rand.Rand) map[string]string {
	f := map[string]string{}
	texts := []string{`"plain"`, `"<a href=\"x\">&amp;</a>"`, `"é\u00e9\u2028"`, `"☃"`}
	for _, k := range copied {
		if rng.IntN(4) == 0 {
			f[k] = texts[rng.IntN(len(texts))]
		}
	}
	if rng.IntN(2) == 0 {
		f["require"] = fmt.Sprintf(`{"php":">=8.%d","psr/log":"^3.0"}`, rng.IntN(3))
	}
	return f
}

// TestP2KeyOrder: the keys' byte order is compareNorm's order over
// thousands of generated versions (and equal keys only for equal norms).
func TestP2KeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var norms []string
	for len(norms) < 4000 {
		norm, _, ok := normalizeVersion(genVersion(rng))
		if ok {
			norms = append(norms, norm)
		}
	}
	norms = append(norms, "dev-main", "1.0.0.0-beta1.2", "1.0.0.0-RC", "9999999.9999999.9999999.9999999-dev", "0.0.0.0")
	keys := make([]string, len(norms))
	for i, n := range norms {
		k, ok := p2Key(n)
		if !ok {
			t.Fatalf("no key for %q", n)
		}
		keys[i] = k
	}
	for i := 0; i < 200_000; i++ {
		a, b := rng.IntN(len(norms)), rng.IntN(len(norms))
		if got, want := strings.Compare(keys[a], keys[b]), compareNorm(norms[a], norms[b]); got != want {
			t.Fatalf("%q vs %q: keys compare %d, compareNorm %d", norms[a], norms[b], got, want)
		}
	}
	idx := make([]int, len(norms))
	for i := range idx {
		idx[i] = i
	}
	byKey, byNorm := slices.Clone(idx), slices.Clone(idx)
	slices.SortStableFunc(byKey, func(a, b int) int { return strings.Compare(keys[b], keys[a]) })
	slices.SortStableFunc(byNorm, func(a, b int) int { return compareNorm(norms[b], norms[a]) })
	if !slices.Equal(byKey, byNorm) {
		t.Fatal("the keys' order is not compareNorm's")
	}
	if _, ok := p2Key("1.0.0.0-beta12345678901"); ok {
		t.Fatal("a number of 11 digits got a key")
	}
}
