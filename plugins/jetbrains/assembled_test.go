package jetbrains

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

const testBase = "http://k/jetbrains/ide?a=1&b=<2>"

// hosts stores the versions ss as upload stores them: the fast host with
// each file's members, the old one without (files stored before them), and
// keyless like fast but the first file's members as contract 0.6.0 wrote
// them (no sort key). regular is false when a version has no sort key.
func hosts(t *testing.T, ss []stored) (fast, old, keyless *fakehost.Host, regular bool) {
	t.Helper()
	fast = fakehost.New(&sdk.RepoContext{Key: "ide", Kind: "local", Format: "jetbrains", BaseURL: testBase})
	old = fakehost.New(&sdk.RepoContext{Key: "ide", Kind: "local", Format: "jetbrains", BaseURL: testBase})
	keyless = fakehost.New(&sdk.RepoContext{Key: "ide", Kind: "local", Format: "jetbrains", BaseURL: testBase})
	regular = true
	for i := range ss {
		s := &ss[i]
		meta, _ := json.Marshal(s)
		fm, err := fileMetadata(s)
		if _, ok := sortKey(s.ID, s.Version); err != nil || (fm == nil) == ok {
			t.Fatalf("file metadata of %+v: %s, %v", s, fm, err)
		}
		regular = regular && fm != nil
		p := filePath(s.ID, s.Version, s.File)
		for _, h := range []*fakehost.Host{fast, old, keyless} {
			h.Versions[s.ID+"\x00"+s.Version] = sdk.VersionInfo{Package: s.ID, Version: s.Version, Metadata: meta}
			h.Files[p] = sdk.File{Path: p, Package: s.ID, Version: s.Version, Metadata: fm}
		}
		f := old.Files[p]
		f.Metadata = nil
		old.Files[p] = f
		if i == 0 && fm != nil {
			var m map[string]string
			_ = json.Unmarshal(fm, &m)
			f.Metadata, _ = json.Marshal(map[string]string{memberCompat: m[memberCompat], memberEntry: m[memberEntry]})
			keyless.Files[p] = f
		}
	}
	return fast, old, keyless, regular
}

// checkUpdates requires updatePlugins.xml for each build to be the same
// bytes from the files' members as from the version documents, and to be
// assembled (assembledUpdates reads no version document).
func checkUpdates(t *testing.T, ss []stored, builds ...string) {
	t.Helper()
	fast, old, keyless, regular := hosts(t, ss)
	for _, build := range builds {
		want, err := updatePlugins(old, testBase, build)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []*fakehost.Host{fast, keyless} {
			if got, err := updatePlugins(h, testBase, build); err != nil || !bytes.Equal(got.Bytes, want.Bytes) {
				t.Fatalf("build %q: served\n%s\nrendered\n%s", build, got.Bytes, want.Bytes)
			}
		}
		if r, _ := assembledUpdates(keyless, testBase, build); r != nil {
			t.Fatalf("build %q: files without sort keys were assembled", build)
		}
		got, err := assembledUpdates(fast, testBase, build)
		if (len(ss) == 0 || !regular) && got == nil && err == nil {
			continue // no file, or a version without a key: the render answers
		}
		if err != nil || got == nil {
			t.Fatalf("build %q: not assembled (%v)", build, err)
		}
		if !bytes.Equal(got.Bytes, want.Bytes) || fmt.Sprint(got.Headers) != fmt.Sprint(want.Headers) || got.CacheTTLMs != want.CacheTTLMs {
			t.Fatalf("build %q: assembled\n%s\nrendered\n%s", build, got.Bytes, want.Bytes)
		}
		if r, _ := assembledUpdates(old, testBase, build); r != nil {
			t.Fatalf("build %q: files without members were assembled", build)
		}
	}
}

func version(id, v, since, until string) stored {
	s := stored{File: id + "-" + v + ".jar", SHA256: strings.Repeat("a", 64), Size: 3}
	s.ID, s.Name, s.Version, s.Vendor, s.Description = id, "Plugin "+id, v, "Keeper", "<p>Does things & more</p>"
	s.IdeaVersion.Since, s.IdeaVersion.Until = since, until
	return s
}

// TestAssembledUpdatesMatchRender: updatePlugins.xml from the files'
// members is byte-identical to the render for no plugin, one, many with
// version orders that differ from path order, builds in and out of range,
// no build, and XML specials and unicode in every field and the base URL.
func TestAssembledUpdatesMatchRender(t *testing.T) {
	checkUpdates(t, nil, "", "IC-235.1")
	checkUpdates(t, []stored{version("a", "1.0", "231", "")}, "", "IC-235.1", "IC-230.1", "garbage")
	odd := version("com.x_y-z", "2.0-beta_1", "233.1", "241.*")
	odd.Name, odd.Vendor, odd.Description = `"quoted" 'single' <b>&amp;</b>`, "é日本\u2028", "line\nbreak\ttab\r"
	many := []stored{version("a", "1.0", "", ""), version("a", "1.0.1", "", ""), version("a", "1.10", "", "233.*"),
		version("a", "1.9", "231", ""), version("a.b", "1", "", ""), version("a-b", "0.1", "240", ""), odd,
		version("com.x_y-z", "10.0", "999", ""), version("z", "1.0", "", ""), version("z", "1-0", "", ""), version("z", "01.0", "", ""), version("y", "1.0", "", ""), version("y", "1.0-", "", "")}
	checkUpdates(t, many, "", "IC-235.1", "IU-241.15989.150", "232", "IC-1")
	long := []stored{version("a", "123456789012345678", "", ""), version("a", "99999999999999999", "", ""), version("a", "1.rc", "", ""),
		version("a", "1.RC", "", ""), version("a", "1.0.0.0", "", "")}
	checkUpdates(t, long, "", "IC-235.1")
	// A version compareVersions cannot order by bytes: the render answers.
	checkUpdates(t, append(many, version("a", "1.0a", "", "")), "", "IC-235.1")
}

// TestAssembledUpdatesGenerated compares 200 generated repositories, most
// of a few files, every 40th of up to 1,200 (over two host listing pages);
// some hold a version without a sort key.
func TestAssembledUpdatesGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "<", ">", "&", `"`, "'", "é", " ", "日本", "\n"}
	word := func() string {
		var b strings.Builder
		for n := rng.IntN(4); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	builds := []string{"", "231", "232.5", "241.1", "999"}
	for round := 0; round < 200; round++ {
		var ss []stored
		seen := map[string]bool{}
		n := rng.IntN(15)
		if round%40 == 0 {
			n = 1200
		}
		for ; n > 0; n-- {
			id := []string{"a", "a.b", "a-b", "b_c", "z", "a0", "A"}[rng.IntN(7)]
			v := fmt.Sprintf("%d.%d", rng.IntN(3), rng.IntN(11))
			if rng.IntN(4) == 0 {
				v += []string{"-rc1", ".0", "_1", "+b"}[rng.IntN(4)]
			}
			if rng.IntN(2) == 0 {
				v = genVersion(rng)
			}
			if _, ok := sortKey(id, v); !ok && rng.IntN(10) > 0 {
				continue
			}
			if seen[id+"/"+v] {
				continue
			}
			seen[id+"/"+v] = true
			s := version(id, v, builds[rng.IntN(len(builds))], []string{"", "233.*", "241"}[rng.IntN(3)])
			s.Name, s.Vendor, s.Description = word(), word(), word()
			ss = append(ss, s)
		}
		checkUpdates(t, ss, builds...)
	}
}

// TestSortKeyOrder: over 4,000 generated versions of two plugins, the
// sort keys' byte order is newest's order (ids in byte order, then
// compareVersions descending, equal versions in version-string order), and
// the versions refused a key are exactly those compareVersions cannot order
// by bytes.
func TestSortKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	type row struct{ id, v, key string }
	var rows []row
	seen := map[string]bool{}
	for len(rows) < 4000 {
		id, v := []string{"a", "a.b", "a-b", "a_b", "ab"}[rng.IntN(5)], genVersion(rng)
		key, ok := sortKey(id, v)
		if !ok {
			if f := strings.FieldsFunc(v, isSep); !slices.ContainsFunc(f, func(f string) bool {
				return f[0] >= '0' && f[0] <= '9' && (strings.TrimLeft(f, "0123456789") != "" || len(strings.TrimLeft(f, "0")) > 18)
			}) {
				t.Fatalf("%q has no key", v)
			}
			continue
		}
		if !seen[key] {
			seen[key] = true
			rows = append(rows, row{id, v, key})
		}
	}
	want := slices.Clone(rows)
	slices.SortFunc(want, func(x, y row) int { return strings.Compare(x.v, y.v) })
	slices.SortStableFunc(want, func(x, y row) int {
		if c := strings.Compare(x.id, y.id); c != 0 {
			return c
		}
		return compareVersions(y.v, x.v)
	})
	slices.SortFunc(rows, func(x, y row) int { return strings.Compare(x.key, y.key) })
	for i := range rows {
		if rows[i] != want[i] {
			t.Fatalf("row %d: key order %q %q, newest's order %q %q", i, rows[i].id, rows[i].v, want[i].id, want[i].v)
		}
	}
}

// genVersion is a plugin version: fields of numbers (some long, some with
// leading zeros) and words, some mixed, between the separators.
func genVersion(rng *rand.Rand) string {
	fields := []string{"0", "1", "2", "9", "10", "01", "007", "123456789012345678", "1234567890123456789", "a", "b", "rc", "RC",
		"beta", "b1", "x9", "Z", "10a", "1a"}
	var b strings.Builder
	for n := 1 + rng.IntN(4); n > 0; n-- {
		if b.Len() > 0 {
			b.WriteByte(".-_+"[rng.IntN(4)])
			if rng.IntN(20) == 0 {
				b.WriteByte('.')
			}
		}
		f := fields[rng.IntN(len(fields))]
		if rng.IntN(3) > 0 {
			f = fields[rng.IntN(5)]
		}
		b.WriteString(f)
	}
	return b.String()
}
