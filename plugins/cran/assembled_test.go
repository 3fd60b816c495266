package cran

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
)

var (
	srcTree = Tree{Dir: "src/contrib", Ext: ".tar.gz", Kind: "source"}
	winTree = Tree{Dir: "bin/windows/contrib/4.2", Ext: ".zip", Kind: "win.binary"}
)

// pkgFile is one stored file of a test tree: at path (t.Dir/NAME_VERSION+ext
// when ""), with record fields (Package and Version first when nil), its
// metadata as upload stores it, or as stored before 0.7.0 when old.
type pkgFile struct {
	name, version, path string
	fields              [][2]string
	old                 bool
}

func treeHost(t Tree, files []pkgFile) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "r", Format: "cran", Kind: "local", BaseURL: "http://h/cran/r"})
	for _, f := range files {
		p := f.path
		if p == "" {
			p = t.Dir + "/" + f.name + "_" + f.version + t.Ext
		}
		m := fileMeta{Fields: f.fields}
		if m.Fields == nil {
			m.Fields = [][2]string{{"Package", f.name}, {"Version", f.version}, {"Imports", "stats,\n  utils"},
				{"MD5sum", "e101e5726fbaf4e7e91e9575ced45b9a"}}
		}
		raw := fileMetadata(m, f.name, f.version, t.fields())
		if f.old {
			raw, _ = json.Marshal(m)
		}
		sf := h.AddFile(p, []byte(p))
		sf.Package, sf.Version, sf.Metadata = f.name, f.version, raw
		h.Files[p] = sf
	}
	return h
}

// sameIndex renders tree t's three index files through assembledIndex and
// through the guest's render (latest), fails unless every assembled one is
// byte-identical, and returns how many were assembled.
func sameIndex(tb testing.TB, h *fakehost.Host, t Tree) int {
	tb.Helper()
	recs, err := latest(h, t)
	if err != nil {
		tb.Fatal(err)
	}
	built := 0
	for _, file := range []string{"PACKAGES", "PACKAGES.gz", "PACKAGES.rds"} {
		r, ok := assembledIndex(h, t, file)
		if !ok {
			continue
		}
		built++
		want := renderPACKAGES(recs)
		switch file {
		case "PACKAGES.gz":
			want = gzipFast(want)
		case "PACKAGES.rds":
			want = EncodeRDS(recordsMatrix(recs, t.fields()))
		}
		if r.Status != 200 || r.Kind != sdk.BodyBytes || !bytes.Equal(r.Bytes, want) || r.CacheTTLMs != indexTTLMs {
			if file != "PACKAGES" {
				got, _ := DecodeRDS(r.Bytes)
				exp, _ := DecodeRDS(want)
				tb.Fatalf("%s: %d bytes, want %d\n%+v\nwant\n%+v", file, len(r.Bytes), len(want), got, exp)
			}
			tb.Fatalf("%s (%d):\n%q\nwant\n%q", file, r.Status, r.Bytes, want)
		}
	}
	return built
}

// TestAssembledIndexMatchesRender: the assembled PACKAGES, PACKAGES.gz and
// PACKAGES.rds are the guest's bytes: one package, many, several versions
// of one (order by CompareVersions, ties kept in path order), names that
// are prefixes of others, continuation lines, escapes, HTML characters,
// unicode (the rds UTF-8 flag), empty values, missing and repeated fields,
// a binary tree's Built column; and files without the stored members make
// the guest render.
func TestAssembledIndexMatchesRender(t *testing.T) {
	long := strings.Repeat("ab,\n ", 20000)
	fields := func(name, version string, more ...string) [][2]string {
		f := [][2]string{{"Package", name}, {"Version", version}}
		for i := 0; i+1 < len(more); i += 2 {
			f = append(f, [2]string{more[i], more[i+1]})
		}
		return f
	}
	cases := []struct {
		name  string
		tree  Tree
		files []pkgFile
		built int
	}{
		{"one", srcTree, []pkgFile{{name: "demo", version: "1.0"}}, 3},
		{"versions", srcTree, []pkgFile{{name: "demo", version: "1.0"}, {name: "demo", version: "1.10"},
			{name: "demo", version: "1.9.9"}, {name: "demo", version: "1.10-0"}, {name: "demo", version: "0.99"}}, 3},
		{"ties in path order", srcTree, []pkgFile{{name: "tie", version: "1.0", fields: fields("tie", "1.0", "Note", "dot")},
			{name: "tie", version: "1-0", fields: fields("tie", "1-0", "Note", "dash")},
			{name: "tie", version: "01.00", fields: fields("tie", "01.00", "Note", "zeros")}}, 3},
		{"prefix names", srcTree, []pkgFile{{name: "ab", version: "2.0"}, {name: "ab.c", version: "1.0"}, {name: "ab1", version: "0.1"},
			{name: "aB", version: "1.0"}, {name: "ab", version: "10.0"}, {name: "a.b", version: "3.3"}, {name: "Ab", version: "1.0"}}, 3},
		{"values", srcTree, []pkgFile{
			{name: "esc", version: "1.0", fields: fields("esc", "1.0", "Depends", "R (>= 3.5.0), <b> & \"q\" \\ /",
				"Imports", "a,\n    b,\n\tc\n", "Suggests", "", "License", "ü日本 \u2028 é", "Enhances", "\n\nlead")},
			{name: "missing", version: "2.0", fields: [][2]string{{"Version", "2.0"}}},
			{name: "repeated", version: "1.0", fields: fields("repeated", "1.0", "Imports", "first", "Imports", "second", "X-Other", "y")},
			{name: "long", version: "1.0", fields: fields("long", "1.0", "Suggests", long)}}, 3},
		{"binary tree", winTree, []pkgFile{{name: "demo", version: "1.0", fields: fields("demo", "1.0", "Built", "R 4.2.2; ; 2026-12-06; windows")},
			{name: "zz", version: "0.1-2"}}, 3},
		{"many", srcTree, manyFiles(700), 3},
		{"stored before", srcTree, []pkgFile{{name: "demo", version: "1.0"}, {name: "old", version: "1.0", old: true}}, 0},
		{"only old", srcTree, []pkgFile{{name: "old", version: "1.0", old: true}}, 0},
		{"other file", srcTree, []pkgFile{{name: "demo", version: "1.0"}, {path: "src/contrib/README", old: true,
			fields: [][2]string{{"Package", "x"}}}}, 0},
		{"subdirectory", srcTree, []pkgFile{{name: "demo", version: "1.0"},
			{name: "demo", version: "9.0", path: "src/contrib/Archive/demo/demo_9.0.tar.gz", old: true}}, 0},
		{"invalid UTF-8", srcTree, []pkgFile{{name: "bad", version: "1.0", fields: fields("bad", "1.0", "Title", "\xff")}}, 0},
		{"empty", srcTree, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := sameIndex(t, treeHost(c.tree, c.files), c.tree); got != c.built {
				t.Fatalf("%d of 3 index files assembled, want %d", got, c.built)
			}
		})
	}
}

func manyFiles(n int) []pkgFile {
	var out []pkgFile
	for i := 0; i < n; i++ {
		out = append(out, pkgFile{name: fmt.Sprintf("pkg%03d", i/3), version: fmt.Sprintf("%d.%d-%d", i%3, i%7, i%5)})
	}
	return out
}

// TestAssembledIndexGenerated: 200 generated trees (names that share
// prefixes, versions with leading zeros and both separators, fields from
// fieldsjson_test's texts), up to 1,500 files over two host listing pages,
// some with a file stored before 0.7.0: assembled or declined, never other
// bytes.
func TestAssembledIndexGenerated(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	names := []string{"a1", "ab", "ab.c", "ab1", "aB", "Ab", "b.b", "zz", "z9.z", "pkg"}
	texts := slices.DeleteFunc(slices.Clone(metaTexts), func(s string) bool { return s == "\xff" })
	built := 0
	for i := 0; i < 200; i++ {
		tree := srcTree
		if i%5 == 0 {
			tree = winTree
		}
		n := r.Intn(12)
		if i%40 == 0 {
			n = 1500
		}
		seen := map[string]bool{}
		var files []pkgFile
		for j := 0; j < n; j++ {
			name := names[r.Intn(len(names))]
			if n > 100 {
				name = fmt.Sprintf("%s%d", name, r.Intn(300))
			}
			version := genVersion(r)
			if seen[name+"_"+version] {
				continue
			}
			seen[name+"_"+version] = true
			f := [][2]string{{"Package", name}, {"Version", version}}
			for _, col := range tree.fields()[2:] {
				if r.Intn(3) == 0 {
					f = append(f, [2]string{col, texts[r.Intn(len(texts))]})
				}
			}
			files = append(files, pkgFile{name: name, version: version, fields: f, old: r.Intn(100) == 0})
		}
		if sameIndex(t, treeHost(tree, files), tree) == 3 {
			built++
		}
	}
	if built < 150 {
		t.Fatalf("only %d of 200 trees assembled", built)
	}
}

// genVersion is a valid R package version: 2–5 numbers, some with leading
// zeros or many digits, separated by '.' or '-', at most 64 bytes.
func genVersion(r *rand.Rand) string {
	for {
		if v := genVersion1(r); validVersion(v) {
			return v
		}
	}
}

func genVersion1(r *rand.Rand) string {
	var b strings.Builder
	for k := r.Intn(4) + 2; k > 0; k-- {
		switch r.Intn(6) {
		case 0:
			b.WriteString("0")
		case 1:
			fmt.Fprintf(&b, "0%d", r.Intn(20))
		case 2:
			fmt.Fprintf(&b, "%d%d", r.Int63(), r.Intn(10))
		default:
			fmt.Fprintf(&b, "%d", r.Intn(12))
		}
		if k > 1 {
			b.WriteByte(".-"[r.Intn(2)])
		}
	}
	return b.String()
}

// TestIndexKeyOrder: over 3,000 generated versions of two names, indexKey's
// byte order is the name's order, then CompareVersions descending (equal
// keys exactly for equal versions).
func TestIndexKeyOrder(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	type v struct{ name, version, key string }
	var vs []v
	for i := 0; i < 3000; i++ {
		name := []string{"ab", "ab.c", "ab1", "aB"}[r.Intn(4)]
		ver := genVersion(r)
		if !validVersion(ver) {
			t.Fatalf("generated %q", ver)
		}
		vs = append(vs, v{name, ver, indexKey(name, ver)})
	}
	for i := 0; i < 200_000; i++ {
		a, b := vs[r.Intn(len(vs))], vs[r.Intn(len(vs))]
		want := strings.Compare(a.name, b.name)
		if want == 0 {
			want = -CompareVersions(a.version, b.version)
		}
		if got := strings.Compare(a.key, b.key); got != want {
			t.Fatalf("%s %s (%q) vs %s %s (%q): %d, want %d", a.name, a.version, a.key, b.name, b.version, b.key, got, want)
		}
	}
	for _, k := range vs {
		for i := 0; i < len(k.key); i++ {
			if c := k.key[i]; c < ' ' || c > '~' {
				t.Fatalf("key %q of %s has byte %#x", k.key, k.version, c)
			}
		}
	}
}
