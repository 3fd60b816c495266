package openvsx

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

// rendered is the documents as the render from every version document
// writes them (the path a listing with an irregular document takes).
func rendered(t *testing.T, h *fakehost.Host, ns, name, version string) []byte {
	t.Helper()
	a := api{h: h, req: &sdk.Request{Method: "GET", Repo: h.RepoCtx}}
	rs, err := a.lookup(ns, name)
	if err != nil {
		t.Fatal(err)
	}
	if version == "versions" {
		vs := map[string]string{}
		for _, r := range rs {
			vs[r.version] = a.base() + "/api/" + strings.ToLower(ns) + "/" + strings.ToLower(name) + "/" + r.version
		}
		b, _ := json.Marshal(map[string]any{"offset": 0, "totalSize": len(rs), "versions": vs})
		return b
	}
	r := latestOf(rs)
	for i := range rs {
		if rs[i].version == version {
			r = &rs[i]
		}
	}
	b, err := json.Marshal(a.extensionDoc(r, rs))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkListed requires the documents served from the listing to be
// byte-identical to the render, for the latest, every version and the
// versions list; fast says whether the listing must serve them.
func checkListed(t *testing.T, h *fakehost.Host, ns, name string, versions []string, fast bool) {
	t.Helper()
	a := api{h: h, req: &sdk.Request{Method: "GET", Repo: h.RepoCtx}}
	for _, v := range append([]string{"", "latest", "versions"}, versions...) {
		want := rendered(t, h, ns, name, v)
		var r *sdk.Response
		var err error
		if v == "versions" {
			r, err = a.listedVersions(ns, name)
		} else {
			r, err = a.listedExtension(ns, name, v)
		}
		if err != nil || (r != nil) != fast {
			t.Fatalf("%s: listed %v, %v; want served %v", v, r, err, fast)
		}
		path := "/api/" + ns + "/" + name
		if v != "" {
			path += "/" + v
		}
		got := get(h, path, "")
		if got.Status != 200 || !bytes.Equal(got.Bytes, want) {
			t.Fatalf("%s: served %d\n%s\nrendered\n%s", path, got.Status, got.Bytes, want)
		}
	}
}

// TestListedMatchesRender: the extension documents (latest, each version,
// "latest") and the versions list served from the listing are
// byte-identical to the render from every version document: one version,
// many, pre-releases (by version and by flag) above releases, only
// pre-releases, HTML and JSON specials, unicode and file names to escape;
// irregular documents are served by the render.
func TestListedMatchesRender(t *testing.T) {
	put := func(h *fakehost.Host, pkg, v string, meta []byte) {
		h.Versions[pkg+"\x00"+v] = sdk.VersionInfo{Package: pkg, Version: v, Metadata: meta, CreatedMs: 1765000000000 + int64(len(h.Versions))*1000}
	}
	m := func(v string, pre bool) []byte {
		b, _ := json.Marshal(extMeta{Namespace: "ns", Name: "ext", Version: v, DisplayName: "<b>Demo</b> & é \u2028",
			Description: `a "quoted" line` + "\n", Engines: map[string]string{"vscode": "^1.80.0", "node": ">=18 <21"},
			Categories: []string{"Other", "Themes"}, License: "MIT", Dependencies: []string{"a.b", "c.d"}, Bundled: []string{"x"},
			PreRelease: pre, PublishedBy: "alice", SHA256: strings.Repeat("a", 64), Size: 7,
			Files: map[string]string{"download": "ns.ext-" + v + " (1)%.vsix", "manifest": "package.json", "icon": "é.png"}})
		return b
	}
	one := newHost()
	put(one, "ns.ext", "1.0.0", m("1.0.0", false))
	checkListed(t, one, "ns", "ext", []string{"1.0.0"}, true)

	many := newHost()
	vs := []string{"1.0.0", "1.10.0", "1.2.0", "2.0.0-beta.1", "1.9.9", "0.0.1+build", "1.11.0"}
	for i, v := range vs {
		put(many, "ns.ext", v, m(v, i == len(vs)-1))
	}
	checkListed(t, many, "ns", "ext", vs, true)
	checkListed(t, many, "NS", "Ext", vs[:1], true)

	pre := newHost()
	put(pre, "ns.ext", "1.0.0-rc.1", m("1.0.0-rc.1", false))
	put(pre, "ns.ext", "0.9.0", m("0.9.0", true))
	checkListed(t, pre, "ns", "ext", []string{"1.0.0-rc.1", "0.9.0"}, true)

	bare := newHost()
	put(bare, "ns.ext", "1.0.0", []byte(`{"namespace":"ns","name":"ext","version":"1.0.0","sha256":"","size":0,"files":{}}`))
	checkListed(t, bare, "ns", "ext", []string{"1.0.0"}, true)

	for _, odd := range []string{`{"version":"1.1.0","preRelease":"yes"}`, `{"version":"1.1.0","PreRelease":true}`,
		`{"version":"1.1.0","pre\u0052elease":true}`, `{"version":"1.1.0"} x`} {
		h := newHost()
		put(h, "ns.ext", "1.0.0", m("1.0.0", false))
		put(h, "ns.ext", "1.1.0", []byte(odd))
		checkListed(t, h, "ns", "ext", []string{"1.0.0", "1.1.0"}, false)
	}
}

// TestListedGenerated compares 200 generated extensions both ways.
func TestListedGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 7))
	pieces := []string{"a", "Z", "<", ">", "&", `"`, "\\", "é", "\u2028", " ", "/", "%", "日本", "\t"}
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
		for n := 1 + rng.IntN(12); n > 0; n-- {
			v := fmt.Sprintf("%d.%d.%d", rng.IntN(3), rng.IntN(12), rng.IntN(3))
			if rng.IntN(4) == 0 {
				v += []string{"-rc.1", "-alpha", "+b1", "-1+x"}[rng.IntN(4)]
			}
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
			b, _ := json.Marshal(em)
			h.Versions["ns.ext\x00"+v] = sdk.VersionInfo{Package: "ns.ext", Version: v, Metadata: b, CreatedMs: rng.Int64N(1 << 42)}
		}
		checkListed(t, h, "ns", "ext", vs, true)
	}
}
