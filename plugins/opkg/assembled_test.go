package opkg

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

// stored is one file of a test repository: its path and stanza, with the
// metadata upload stores (depth of its directory), as stored before 0.7.0
// (old), or raw metadata when meta is set.
type stored struct {
	path, stanza, meta string
	old                bool
}

func feedHost(files []stored) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "ow", Format: "opkg", Kind: "local", BaseURL: "http://k/opkg/ow"})
	for _, s := range files {
		raw := []byte(s.meta)
		if s.meta == "" {
			dir := ""
			if i := strings.LastIndexByte(s.path, '/'); i >= 0 {
				dir = s.path[:i]
			}
			m := FileMeta{Depth: feedDepth(dir), Stanza: s.stanza}
			if s.old {
				m.Depth = ""
			}
			raw, _ = json.Marshal(m)
		}
		f := h.AddFile(s.path, []byte(s.path))
		f.Metadata = raw
		h.Files[s.path] = f
	}
	return h
}

// samePackages builds feed dir's Packages in the host and through the
// guest's render, fails unless they are byte-identical, and returns
// whether it was assembled.
func samePackages(tb testing.TB, h *fakehost.Host, dir string) bool {
	tb.Helper()
	want, err := packages(h, dir)
	if err != nil {
		tb.Fatal(err)
	}
	a, ok := assembledPackages(h, dir)
	if ok && !bytes.Equal(a.Doc, want) {
		tb.Fatalf("feed %q assembled:\n%q\nrendered:\n%q", dir, a.Doc, want)
	}
	return ok
}

func para(name string) string {
	return "Package: " + name + "\nVersion: 1.0-1\nArchitecture: all\nFilename: " + name + "_1.0-1_all.ipk\n"
}

// TestAssembledPackagesMatchesRender: the assembled Packages is the guest's:
// one package, several, the root feed and nested feeds (files of deeper
// feeds left out, at every depth), escapes, unicode, continuation lines,
// other files; a file stored before depth (in the feed or a deeper one),
// or metadata that is not the upload's, makes the guest render.
func TestAssembledPackagesMatchesRender(t *testing.T) {
	nested := []stored{{path: "a_1_all.ipk", stanza: para("root")}, {path: "x/b_1_all.ipk", stanza: para("x")},
		{path: "x/y/c_1_all.ipk", stanza: para("xy")}, {path: "x/y/z/d_1_all.ipk", stanza: para("xyz")},
		{path: "x/y/z/w/e_1_all.ipk", stanza: para("xyzw")}, {path: "x/y2/f_1_all.ipk", stanza: para("xy2")},
		{path: "x.y/g_1_all.ipk", stanza: para("x.y")}, {path: "x/h_1_all.ipk", stanza: para("x2")}}
	cases := []struct {
		name  string
		files []stored
		dirs  map[string]bool // feed -> assembled
	}{
		{"one", []stored{{path: "f/a_1_all.ipk", stanza: para("a")}}, map[string]bool{"f": true, "": false, "g": false}},
		{"nested", nested, map[string]bool{"": true, "x": true, "x/y": true, "x/y/z": true, "x/y/z/w": true, "x/y2": true, "x.y": true}},
		{"values", []stored{{path: "f/a_1_all.ipk", stanza: "Package: a\nDescription: <b> & \"q\" \\ /\n ü日本 \u2028\n .\n"},
			{path: "f/b_1_all.ipk", stanza: "Package: b\n\tx\r\n"}, {path: "f/c_1_all.ipk", stanza: strings.Repeat("Description: x\n", 3000)}},
			map[string]bool{"f": true}},
		{"no stanza", []stored{{path: "f/a_1_all.ipk", stanza: para("a")}, {path: "f/b_1_all.ipk", meta: `{"depth":"1","stanza":""}`},
			{path: "f/c_1_all.ipk", meta: `{}`}, {path: "f/d_1_all.ipk", stanza: para("d")}}, map[string]bool{"f": true}},
		{"stored before", []stored{{path: "f/a_1_all.ipk", stanza: para("a")}, {path: "f/b_1_all.ipk", stanza: para("b"), old: true}},
			map[string]bool{"f": false}},
		{"stored before, deeper", []stored{{path: "f/a_1_all.ipk", stanza: para("a")}, {path: "f/g/b_1_all.ipk", stanza: para("b"), old: true}},
			map[string]bool{"f": false, "f/g": false, "": false}},
		{"other metadata", []stored{{path: "f/a_1_all.ipk", stanza: para("a")}, {path: "f/notes.txt", meta: `x`}},
			map[string]bool{"f": false}},
		{"only old", []stored{{path: "f/a_1_all.ipk", stanza: para("a"), old: true}}, map[string]bool{"f": false}},
		{"empty", nil, map[string]bool{"": false, "f": false}},
		{"many", manyStored("big", 2500), map[string]bool{"big": true, "": false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := feedHost(c.files)
			for dir, want := range c.dirs {
				if got := samePackages(t, h, dir); got != want {
					t.Fatalf("feed %q assembled: %v, want %v", dir, got, want)
				}
			}
		})
	}
}

func manyStored(dir string, n int) []stored {
	var out []stored
	for i := 0; i < n; i++ {
		out = append(out, stored{path: fmt.Sprintf("%s/p%05d_1_all.ipk", dir, i), stanza: para(fmt.Sprintf("p%05d", i))})
	}
	return out
}

// TestAssembledPackagesGenerated: 200 generated repositories of feeds up
// to four deep (up to 1,500 files over two host listing pages, stanzas of
// random texts, now and then a file stored before 0.7.0), each feed
// assembled or declined, never other bytes.
func TestAssembledPackagesGenerated(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	dirs := []string{"", "a", "a/b", "a/b/c", "a/b/c/d", "a.b", "ab", "a/bc", "z"}
	texts := []string{"Package: p\n", "Version: 1.0-1\n", " continuation\n .\n", "Description: <&>\"\\/\n", "X: \t\r\x01\x1f\n",
		"Y: ü日本\n", "Z: \u2028\n"}
	built := 0
	for i := 0; i < 200; i++ {
		n := r.Intn(15)
		if i%50 == 0 {
			n = 1500
		}
		var files []stored
		for j := 0; j < n; j++ {
			dir := dirs[r.Intn(len(dirs))]
			p := fmt.Sprintf("p%d_%d_all.ipk", r.Intn(2000), j)
			if dir != "" {
				p = dir + "/" + p
			}
			var s strings.Builder
			for k := r.Intn(4) + 1; k > 0; k-- {
				s.WriteString(texts[r.Intn(len(texts))])
			}
			files = append(files, stored{path: p, stanza: s.String(), old: r.Intn(200) == 0})
		}
		h := feedHost(files)
		for _, dir := range dirs {
			if samePackages(t, h, dir) {
				built++
			}
		}
	}
	if built < 700 { // feeds without a file of their own are declined too
		t.Fatalf("only %d of %d feeds assembled", built, 200*len(dirs))
	}
}

// TestFeedDepth: the depth upload stores is the number of directories.
func TestFeedDepth(t *testing.T) {
	for dir, want := range map[string]string{"": "0", "a": "1", "a/b": "2", "packages/x86_64/base": "3", "a/b/c/d": "4"} {
		if got := feedDepth(dir); got != want {
			t.Fatalf("feedDepth(%q) = %s, want %s", dir, got, want)
		}
	}
}
