package openvsx

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
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// checkAssembled requires the documents assembled from the members publish
// stores to be byte-identical to the render from every version document,
// for the latest, "latest", each version, a version not stored and the
// versions list; fast says whether the templates must serve the extension
// documents, fastList the versions list (false: a version without members,
// the listing or the render answers).
func checkAssembled(t *testing.T, h *fakehost.Host, ns, name string, versions []string, fast, fastList bool) {
	t.Helper()
	a := api{h: h, req: &sdk.Request{Method: "GET", Repo: h.RepoCtx}}
	for _, v := range append([]string{"", "latest", "versions", "9.9.9-absent"}, versions...) {
		path := "/api/" + ns + "/" + name
		if v != "" {
			path += "/" + v
		}
		got := get(h, path, "")
		if v == "9.9.9-absent" {
			r, err := a.assembledExtension(ns, name, v)
			old, oldErr := a.listedExtension(ns, name, v)
			if r != nil || (err != nil) != fastList || got.Status != 404 || old != nil || err != nil && err.Error() != oldErr.Error() {
				t.Fatalf("%s: assembled %v, %v, served %d; listed %v, %v", path, r, err, got.Status, old, oldErr)
			}
			continue
		}
		want := rendered(t, h, ns, name, v)
		var r *sdk.Response
		var err error
		if v == "versions" {
			r, err = a.assembledVersions(ns, name)
		} else {
			r, err = a.assembledExtension(ns, name, v)
		}
		if err != nil || (r != nil) != (fast && v != "versions" || fastList && v == "versions") {
			t.Fatalf("%s: assembled %v, %v; want assembled %v", path, r, err, fast)
		}
		if r != nil && (!bytes.Equal(r.Bytes, want) || r.CacheTTLMs != docTTLMs) {
			t.Fatalf("%s: assembled\n%s\nrendered\n%s", path, r.Bytes, want)
		}
		if got.Status != 200 || !bytes.Equal(got.Bytes, want) {
			t.Fatalf("%s: served %d\n%s\nrendered\n%s", path, got.Status, got.Bytes, want)
		}
	}
}

// putVersion stores version m as publish does (its version document and
// .vsix.sha256 file) with the members of assembled.go, or as stored before
// them.
func putVersion(h *fakehost.Host, m extMeta, created int64, members bool) {
	meta, _ := json.Marshal(m)
	fm := meta
	if members {
		meta, fm = versionMetadata(&m), docMetadata(&m)
	}
	pkg := m.Namespace + "." + m.Name
	h.Versions[pkg+"\x00"+m.Version] = sdk.VersionInfo{Package: pkg, Version: m.Version, Metadata: meta, CreatedMs: created}
	for _, f := range []string{m.Namespace + "." + m.Name + "-" + m.Version + ".vsix", sumFile(m.Namespace, m.Name, m.Version)} {
		p := fileDir(m.Namespace, m.Name, m.Version) + f
		h.Files[p] = sdk.File{Path: p, Package: pkg, Version: m.Version, Metadata: meta, CreatedMs: created + 1}
	}
	h.Files[fileDir(m.Namespace, m.Name, m.Version)+sumFile(m.Namespace, m.Name, m.Version)] = sdk.File{
		Path: fileDir(m.Namespace, m.Name, m.Version) + sumFile(m.Namespace, m.Name, m.Version), Package: pkg, Version: m.Version,
		Metadata: fm, CreatedMs: created + 1}
}

func demoMeta(v string, pre bool) extMeta {
	return extMeta{Namespace: "ns", Name: "ext", Version: v, DisplayName: "<b>Demo</b> & é \u2028",
		Description: `a "quoted" line` + "\n\t\\t", Engines: map[string]string{"vscode": "^1.80.0", "node": ">=18 <21"},
		Categories: []string{"Other", "Themes"}, License: "MIT", Dependencies: []string{"a.b", "c.d", "e"}, Bundled: []string{"x"},
		PreRelease: pre, PublishedBy: "alice", SHA256: strings.Repeat("a", 64), Size: 7,
		Files: map[string]string{"download": "ns.ext-" + v + " (1)%.vsix", "manifest": "package.json", "icon": "é.png"}}
}

// TestAssembledMatchesRender: the documents from the templates are the
// render's bytes for one version, many (byte order unlike SemVer order,
// build metadata, pre-releases by version and by flag above releases),
// only pre-releases, a bare document, an undated row, text holding the
// base URL's marks, a base URL to escape; a version stored without the
// members sends every document to the listing or the render.
func TestAssembledMatchesRender(t *testing.T) {
	one := newHost()
	putVersion(one, demoMeta("1.0.0", false), 1765000000123, true)
	checkAssembled(t, one, "ns", "ext", []string{"1.0.0"}, true, true)

	many := newHost()
	many.RepoCtx.BaseURL = `http://k/openvsx/r?a=<1>&b="é"/`
	vs := []string{"1.0.0", "1.10.0", "1.2.0", "2.0.0-beta.1", "1.9.9", "0.0.1+build", "1.11.0", "1.11.0+a", "10.0.0-rc.1"}
	for i, v := range vs {
		putVersion(many, demoMeta(v, i == 6), 1765000000000+int64(i)*1000, true)
	}
	checkAssembled(t, many, "ns", "ext", vs, true, true)
	checkAssembled(t, many, "NS", "Ext", vs[:1], true, true)

	pre := newHost()
	putVersion(pre, demoMeta("1.0.0-rc.1", false), 1765000000000, true)
	putVersion(pre, demoMeta("0.9.0", true), 0, true)
	checkAssembled(t, pre, "ns", "ext", []string{"1.0.0-rc.1", "0.9.0"}, true, true)

	bare := newHost()
	putVersion(bare, extMeta{Namespace: "ns", Name: "ext", Version: "1.0.0"}, 1765000000000, true)
	checkAssembled(t, bare, "ns", "ext", []string{"1.0.0"}, true, true)

	marks := newHost()
	odd := demoMeta("1.0.0", false)
	odd.Description, odd.DisplayName = "\x01keeper\x01", "\t"
	putVersion(marks, odd, 1765000000000, true)
	if _, _, ok := docPieces(&odd); ok {
		t.Fatal("a document holding a mark was cut")
	}
	checkAssembled(t, marks, "ns", "ext", []string{"1.0.0"}, false, true)

	mixed := newHost()
	putVersion(mixed, demoMeta("1.0.0", false), 1765000000000, true)
	putVersion(mixed, demoMeta("1.1.0", false), 1765000001000, false)
	checkAssembled(t, mixed, "ns", "ext", []string{"1.0.0", "1.1.0"}, false, false)
}

// TestAssembledGenerated compares 200 generated extensions, most of a few
// versions, every 50th of up to 1,200 (over two host listing pages).
func TestAssembledGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	pieces := []string{"a", "Z", "<", ">", "&", `"`, "\\", "é", "\u2028", " ", "/", "%", "日本", "\t", "\x01"}
	word := func() string {
		var b strings.Builder
		for n := rng.IntN(4); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	words := func() []string {
		var out []string
		for n := rng.IntN(3); n > 0; n-- {
			out = append(out, word())
		}
		return out
	}
	for round := 0; round < 200; round++ {
		h := newHost()
		var vs []string
		n := 1 + rng.IntN(12)
		if round%50 == 0 {
			n = 1200
		}
		for ; n > 0; n-- {
			v := genVersion(rng)
			if _, dup := h.Versions["ns.ext\x00"+v]; dup {
				continue
			}
			vs = append(vs, v)
			em := extMeta{Namespace: "ns", Name: "ext", Version: v, DisplayName: word(), Description: word(), Categories: words(),
				Tags: words(), License: word(), Homepage: word(), Repository: word(), Bugs: word(), Dependencies: words(),
				Bundled: words(), PreRelease: rng.IntN(3) == 0, Preview: rng.IntN(2) == 0, PublishedBy: word(), SHA256: word(),
				Size: rng.Uint64()}
			if rng.IntN(2) == 0 {
				em.Engines = map[string]string{word(): word(), "vscode": word()}
			}
			em.Files = map[string]string{}
			for _, k := range words() {
				em.Files[k] = word()
			}
			if rng.IntN(2) == 0 {
				em.Files["download"] = word() + ".vsix"
			}
			putVersion(h, em, rng.Int64N(1<<42), true)
		}
		if len(vs) > 20 {
			vs = vs[:20]
		}
		checkAssembled(t, h, "ns", "ext", vs, true, true)
	}
}

// genVersion is a SemVer version, often a pre-release or with build
// metadata, numbers of one to three digits.
func genVersion(rng *rand.Rand) string {
	num := func() int { return []int{0, 1, 2, 9, 10, 11, 100}[rng.IntN(7)] }
	v := fmt.Sprintf("%d.%d.%d", num(), num(), num())
	if rng.IntN(3) == 0 {
		ids := []string{"rc", "alpha", "beta", "1", "2", "10", "x-y", "RC"}
		v += "-" + ids[rng.IntN(len(ids))]
		for rng.IntN(2) == 0 {
			v += "." + ids[rng.IntN(len(ids))]
		}
	}
	if rng.IntN(5) == 0 {
		v += "+" + []string{"b1", "b2", "001", "z.9"}[rng.IntN(4)]
	}
	return v
}

// TestLatestKeyOrder: over 3,000 generated versions, pre-release or not by
// flag, the latest keys' byte order is latestOf's order (releases above
// pre-releases, each by semver's Compare), so the highest key is latestOf's
// pick.
func TestLatestKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	type row struct {
		key string
		r   release
	}
	var rows []row
	for i := 0; i < 3000; i++ {
		m := extMeta{Namespace: "ns", Name: "ext", Version: genVersion(rng), PreRelease: rng.IntN(4) == 0}
		var got map[string]any
		if err := json.Unmarshal(versionMetadata(&m), &got); err != nil {
			t.Fatal(err)
		}
		key, _ := got[memberLatest].(string)
		sv, ok := semver.Parse(m.Version)
		if !ok || key == "" || got[memberVersion] != m.Version {
			t.Fatalf("%q: members %v", m.Version, got)
		}
		rows = append(rows, row{key, release{version: m.Version, v: sv, parsed: &m}})
	}
	order := func(x, y row) int {
		if px, py := isPre(&x.r), isPre(&y.r); px != py {
			if px {
				return -1
			}
			return 1
		}
		return x.r.v.Compare(y.r.v)
	}
	for i := 0; i < 20000; i++ {
		x, y := rows[rng.IntN(len(rows))], rows[rng.IntN(len(rows))]
		if c := strings.Compare(x.key, y.key); c != order(x, y) {
			t.Fatalf("%q (pre %v) vs %q (pre %v): keys %d, latestOf %d", x.r.version, isPre(&x.r), y.r.version, isPre(&y.r), c, order(x, y))
		}
	}
	byKey := slices.Clone(rows)
	slices.SortFunc(byKey, func(x, y row) int { return strings.Compare(y.key, x.key) })
	rs := make([]release, len(rows))
	for i := range rows {
		rs[i] = rows[i].r
	}
	slices.SortFunc(rs, func(x, y release) int { return y.v.Compare(x.v) })
	if latestOf(rs).version != byKey[0].r.version {
		t.Fatalf("latest %q, highest key %q", latestOf(rs).version, byKey[0].r.version)
	}
}
