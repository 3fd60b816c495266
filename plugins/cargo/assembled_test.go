package cargo

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// row is one stored version of a test crate: its index entry and whether
// it is stored as a bare line (as before the wrapper).
type row struct {
	e    IndexEntry
	bare bool
}

// crateHost stores rows as publish (or, bare, the plugin before the
// wrapper) stores them; all bare when allBare.
func crateHost(t testing.TB, rows []row, allBare bool) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "crates", Format: "cargo", Kind: "local", BaseURL: "http://h/cargo/crates", IsPublic: true})
	for _, r := range rows {
		line, err := marshalLine(&r.e)
		if err != nil {
			t.Fatal(err)
		}
		meta := line
		if !r.bare && !allBare {
			meta = wrapLine(r.e.Vers, line)
		}
		lower := strings.ToLower(r.e.Name)
		h.Versions[lower+"\x00"+r.e.Vers] = sdk.VersionInfo{Package: lower, Version: r.e.Vers, Metadata: meta}
	}
	return h
}

// serve answers GET of the crate's index file through the handler.
func serve(t *testing.T, h *fakehost.Host, lower string) *sdk.Response {
	t.Helper()
	r, err := sdk.CallHandle(Plugin{}, h, &sdk.Request{Method: "GET", Path: "/" + indexPath(lower), Repo: h.RepoCtx})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sameIndex renders the index file of rows both ways and fails unless the
// assembled one is byte-identical to renderIndex's over the same rows all
// stored bare (the plugin before the wrapper), or was declined; the
// handler answers those bytes either way. It returns whether the index
// was assembled.
func sameIndex(t *testing.T, rows []row) bool {
	t.Helper()
	lower := strings.ToLower(rows[0].e.Name)
	old := crateHost(t, rows, true)
	lines, err := listLines(old, lower)
	if err != nil {
		t.Fatal(err)
	}
	want := renderIndex(lines)
	h := crateHost(t, rows, false)
	a, ok := assembledIndex(h, lower)
	if ok && !bytes.Equal(a.Doc, want) {
		t.Fatalf("assembled\n%s\nrendered\n%s", a.Doc, want)
	}
	for _, host := range []*fakehost.Host{old, h} {
		r := serve(t, host, lower)
		if len(lines) == 0 {
			if r.Status != 404 {
				t.Fatalf("no version: %d %s", r.Status, r.Bytes)
			}
			continue
		}
		if r.Status != 200 || !bytes.Equal(r.Bytes, want) || r.CacheTTLMs != indexTTLMs || len(r.Headers) != 2 ||
			r.Headers[0].Value != "text/plain; charset=utf-8" || r.Headers[1].Value != "no-cache" {
			t.Fatalf("handler: %d %v %d\n%s\nwant\n%s", r.Status, r.Headers, r.CacheTTLMs, r.Bytes, want)
		}
	}
	return ok
}

func entry(name, vers string) IndexEntry {
	return IndexEntry{Name: name, Vers: vers, Deps: []IndexDep{}, Cksum: fmt.Sprintf("%064x", len(vers)), Features: map[string][]string{}}
}

func rowsOf(name string, versions ...string) []row {
	var out []row
	for _, v := range versions {
		out = append(out, row{e: entry(name, v)})
	}
	return out
}

func TestAssembledIndexMatchesRender(t *testing.T) {
	target := "cfg(all(unix, target_os = \"linux\"))"
	links := "z\\\"<&>"
	special := entry("Special_Crate", "1.2.3-rc.1+build.5")
	special.Deps = []IndexDep{
		{Name: "dep", Req: "^1.0, <2 \"q\" \\ <b>&amp;", Features: []string{"é", "😀", "\u2028", "\x01"}, Optional: true, Target: &target, Kind: "normal"},
		{Name: "ren", Req: "=0.1.0", Features: []string{}, DefaultFeatures: true, Kind: "dev", Registry: "sparse+https://other.test/index/", Package: "real"},
	}
	special.Features = map[string][]string{"default": {"std"}, "std": {}, "ünï": {"a/b"}, "<html>": {"&"}}
	special.Features2 = map[string][]string{"x": {"dep:dep", "ren?/f"}}
	special.V, special.Links, special.RustVersion = 2, &links, "1.70"
	special.Yanked = true
	plainSpecial := special
	plainSpecial.Vers = "0.0.1"
	mixSpecial := special
	mixSpecial.Name = "mix"
	cases := []struct {
		name      string
		rows      []row
		assembled bool
	}{
		{"one row", rowsOf("one", "1.0.0"), true},
		{"semver order", rowsOf("order", "1.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
			"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "0.9.0", "10.0.0", "2.0.0", "1.10.0", "1.9.0", "1.0.0-0",
			"1.0.0-A", "1.0.0-a-b", "18446744073709551615.0.0", "1.0.1+b", "1.0.2+a.1", "1.0.2-x+z"), true},
		{"specials", []row{{e: special}, {e: plainSpecial}, {e: entry("Special_Crate", "1.2.3")}}, true},
		{"old rows only", []row{{e: entry("old", "1.0.0"), bare: true}, {e: entry("old", "0.1.0"), bare: true}}, false},
		{"mixed", []row{{e: entry("mix", "1.0.0")}, {e: mixSpecial, bare: true}, {e: entry("mix", "0.1.0")}}, false},
		{"one old row among many", append(rowsOf("many", "3.0.0", "2.0.0", "1.0.0"), row{e: entry("many", "0.5.0"), bare: true}), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := sameIndex(t, c.rows); got != c.assembled {
				t.Fatalf("assembled %v, want %v", got, c.assembled)
			}
		})
	}
	// No version at all, and a version another writer stored without
	// metadata (the guest skips it; the template finds it irregular).
	h := crateHost(t, nil, false)
	if r := serve(t, h, "none"); r.Status != 404 {
		t.Fatalf("empty crate: %d %s", r.Status, r.Bytes)
	}
	h = crateHost(t, rowsOf("skip", "1.0.0"), false)
	h.Versions["skip\x00not-semver"] = sdk.VersionInfo{Package: "skip", Version: "not-semver"}
	if _, ok := assembledIndex(h, "skip"); ok {
		t.Fatal("a row without metadata was assembled")
	}
	if r := serve(t, h, "skip"); r.Status != 200 || strings.Count(string(r.Bytes), "\n") != 1 {
		t.Fatalf("skip: %d %s", r.Status, r.Bytes)
	}
}

// TestAssembledIndexAfterYank yanks and unyanks through the handler: a
// wrapped crate stays assembled, a crate with bare rows has them all
// rewritten wrapped by its first yank, and the index is the one the plugin
// wrote before the wrapper.
func TestAssembledIndexAfterYank(t *testing.T) {
	for _, bare := range []bool{false, true} {
		rows := rowsOf("yk", "0.1.0", "0.2.0", "0.3.0-pre")
		rows[0].bare, rows[2].bare = bare, bare
		h := crateHost(t, rows, false)
		for _, step := range []struct {
			method, path string
			yanked       bool
		}{{"DELETE", "/api/v1/crates/yk/0.2.0/yank", true}, {"DELETE", "/api/v1/crates/yk/0.1.0/yank", true}, {"PUT", "/api/v1/crates/yk/0.2.0/unyank", false}} {
			r, err := sdk.CallHandle(Plugin{}, h, &sdk.Request{Method: step.method, Path: step.path, Repo: h.RepoCtx})
			if err != nil || r.Status != 200 {
				t.Fatalf("%s %s: %v %d %s", step.method, step.path, err, r.Status, r.Bytes)
			}
			h.Commit()
			vers := strings.Split(step.path, "/")[5]
			for i := range rows {
				if rows[i].e.Vers == vers {
					rows[i].e.Yanked = step.yanked
				}
			}
			want := crateHost(t, rows, true)
			lines, _ := listLines(want, "yk")
			if got := serve(t, h, "yk"); !bytes.Equal(got.Bytes, renderIndex(lines)) {
				t.Fatalf("after %s:\n%s\nwant\n%s", step.path, got.Bytes, renderIndex(lines))
			}
			if _, ok := assembledIndex(h, "yk"); !ok {
				t.Fatalf("after %s (bare %v): not assembled", step.path, bare)
			}
			for _, v := range h.Versions {
				if !bytes.HasPrefix(v.Metadata, []byte(wrapKeyPrefix)) {
					t.Fatalf("after %s: %s stored bare: %s", step.path, v.Version, v.Metadata)
				}
			}
		}
	}
}

// genVersion is a random SemVer version, weighted towards collisions.
func genVersion(r *rand.Rand) string {
	num := func() string {
		return []string{"0", "1", "2", "9", "10", "11", "99", "100", "4294967296", "18446744073709551615"}[r.IntN(10)]
	}
	ident := func() string {
		switch r.IntN(4) {
		case 0:
			return num()
		case 1:
			return []string{"alpha", "beta", "rc", "A", "Z", "a-b", "-", "0a", "x1"}[r.IntN(9)]
		}
		return strconv.Itoa(r.IntN(3))
	}
	v := num() + "." + num() + "." + num()
	if r.IntN(3) == 0 {
		ids := []string{ident()}
		for r.IntN(2) == 0 {
			ids = append(ids, ident())
		}
		v += "-" + strings.Join(ids, ".")
	}
	if r.IntN(5) == 0 {
		v += "+" + []string{"b", "b.1", "a", "001", "x-y", "Z"}[r.IntN(6)]
	}
	return v
}

// genText is a random string with escapes, HTML, unicode and controls.
func genText(r *rand.Rand) string {
	parts := []string{"a", "Z", "\"", "\\", "<", ">", "&", "é", "😀", "\u2028", "\x00", "\t", "/", " ", "dep:", "?/"}
	var b strings.Builder
	for n := r.IntN(6); n > 0; n-- {
		b.WriteString(parts[r.IntN(len(parts))])
	}
	return b.String()
}

func TestAssembledIndexGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 9))
	assembled := 0
	for c := 0; c < 200; c++ {
		name := fmt.Sprintf("Gen-%d", c)
		seen := map[string]bool{}
		var rows []row
		for n := r.IntN([]int{2, 20, 300}[c%3]) + 1; n > 0; n-- {
			v := genVersion(r)
			if seen[semver.WithoutBuild(v)] {
				continue
			}
			seen[semver.WithoutBuild(v)] = true
			e := entry(name, v)
			for d := r.IntN(3); d > 0; d-- {
				e.Deps = append(e.Deps, IndexDep{Name: "d" + strconv.Itoa(d), Req: genText(r), Features: []string{genText(r)}, Kind: "normal"})
			}
			for f := r.IntN(3); f > 0; f-- {
				e.Features[genText(r)] = []string{genText(r)}
			}
			e.Yanked = r.IntN(4) == 0
			rows = append(rows, row{e: e, bare: c%4 == 3 && r.IntN(3) == 0})
		}
		if sameIndex(t, rows) {
			assembled++
		}
	}
	if assembled < 140 {
		t.Fatalf("only %d of 200 generated crates were assembled", assembled)
	}
}

// TestSortKeyOrder checks that the stored sortKey, as the host compares it
// (the raw member, quotes included), orders versions as listLines does.
func TestSortKeyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 2026))
	seen := map[string]bool{}
	var versions []string
	for len(versions) < 3000 {
		if v := genVersion(r); !seen[v] {
			seen[v] = true
			versions = append(versions, v)
		}
	}
	docs := make([][]byte, len(versions))
	for i, v := range versions {
		line := []byte(`{"name":"k","vers":"` + v + `"}`)
		docs[i] = wrapLine(v, line)
		if got := lineOf(docs[i]); !bytes.Equal(got, line) {
			t.Fatalf("lineOf(wrapLine(%s)) = %s", v, got)
		}
	}
	m, err := hostjson.JSONMembers(docs, []string{"sortKey"}, hostjson.Raw)
	if err != nil || len(m.Irregular) > 0 {
		t.Fatalf("%v %v", err, m.Irregular)
	}
	key := func(i int) []byte { return m.Data[m.Spans[2*i] : m.Spans[2*i]+m.Spans[2*i+1]] }
	parsed := make([]semver.Version, len(versions))
	for i, v := range versions {
		parsed[i], _ = parseVersion(v)
	}
	for n := 0; n < 100_000; n++ {
		i, j := r.IntN(len(versions)), r.IntN(len(versions))
		if got, want := bytes.Compare(key(i), key(j)), parsed[i].Compare(parsed[j]); got != want {
			t.Fatalf("%s vs %s: keys %s %s compare %d, versions %d", versions[i], versions[j], key(i), key(j), got, want)
		}
	}
	byKey, byVersion := make([]int, len(versions)), make([]int, len(versions))
	for i := range versions {
		byKey[i], byVersion[i] = i, i
	}
	slices.SortFunc(byKey, func(a, b int) int { return bytes.Compare(key(a), key(b)) })
	slices.SortFunc(byVersion, func(a, b int) int { return parsed[a].Compare(parsed[b]) })
	if !slices.Equal(byKey, byVersion) {
		t.Fatal("the key order is not the version order")
	}
}

// TestRewrapBounds: a bare line with white space around it stays bare (the
// host's raw member would drop the space) and is served as before; a crate
// with more than maxRewrap bare lines is not rewrapped by a yank.
func TestRewrapBounds(t *testing.T) {
	h := crateHost(t, rowsOf("ws", "1.0.0", "2.0.0"), true)
	spaced := h.Versions["ws\x001.0.0"]
	spaced.Metadata = append(append([]byte(" "), spaced.Metadata...), ' ')
	h.Versions["ws\x001.0.0"] = spaced
	want := append(append([]byte(nil), spaced.Metadata...), '\n')
	if r, err := sdk.CallHandle(Plugin{}, h, &sdk.Request{Method: "DELETE", Path: "/api/v1/crates/ws/2.0.0/yank", Repo: h.RepoCtx}); err != nil || r.Status != 200 {
		t.Fatalf("yank: %v %d", err, r.Status)
	}
	h.Commit()
	if got := h.Versions["ws\x001.0.0"].Metadata; !bytes.Equal(got, spaced.Metadata) {
		t.Fatalf("spaced line rewritten: %q", got)
	}
	if got := serve(t, h, "ws").Bytes; !bytes.HasPrefix(got, want) || !bytes.HasPrefix(h.Versions["ws\x002.0.0"].Metadata, []byte(wrapKeyPrefix)) {
		t.Fatalf("index %q", got)
	}

	var many []row
	for i := 0; i <= maxRewrap+1; i++ { // maxRewrap+1 bare besides the yanked one
		many = append(many, row{e: entry("many", fmt.Sprintf("1.%d.0", i)), bare: true})
	}
	h = crateHost(t, many, false)
	if r, err := sdk.CallHandle(Plugin{}, h, &sdk.Request{Method: "DELETE", Path: "/api/v1/crates/many/1.0.0/yank", Repo: h.RepoCtx}); err != nil || r.Status != 200 {
		t.Fatalf("yank: %v %d", err, r.Status)
	}
	if n := len(h.StagedVersions); n != 1 {
		t.Fatalf("%d versions staged, want only the yanked one", n)
	}
}
