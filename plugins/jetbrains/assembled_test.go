package jetbrains

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

const testBase = "http://k/jetbrains/ide?a=1&b=<2>"

// hosts stores the versions ss as upload stores them: the fast host with
// each file's members, the old one without (files stored before them).
func hosts(t *testing.T, ss []stored) (fast, old *fakehost.Host) {
	t.Helper()
	fast = fakehost.New(&sdk.RepoContext{Key: "ide", Kind: "local", Format: "jetbrains", BaseURL: testBase})
	old = fakehost.New(&sdk.RepoContext{Key: "ide", Kind: "local", Format: "jetbrains", BaseURL: testBase})
	for i := range ss {
		s := &ss[i]
		meta, _ := json.Marshal(s)
		fm, err := fileMetadata(s)
		if err != nil || fm == nil {
			t.Fatalf("file metadata of %+v: %s, %v", s, fm, err)
		}
		p := filePath(s.ID, s.Version, s.File)
		for _, h := range []*fakehost.Host{fast, old} {
			h.Versions[s.ID+"\x00"+s.Version] = sdk.VersionInfo{Package: s.ID, Version: s.Version, Metadata: meta}
			h.Files[p] = sdk.File{Path: p, Package: s.ID, Version: s.Version, Metadata: fm}
		}
		f := old.Files[p]
		f.Metadata = nil
		old.Files[p] = f
	}
	return fast, old
}

// checkUpdates requires updatePlugins.xml for each build to be the same
// bytes from the files' members as from the version documents, and to be
// assembled (assembledUpdates reads no version document).
func checkUpdates(t *testing.T, ss []stored, builds ...string) {
	t.Helper()
	fast, old := hosts(t, ss)
	for _, build := range builds {
		want, err := updatePlugins(old, testBase, build)
		if err != nil {
			t.Fatal(err)
		}
		got, err := assembledUpdates(fast, testBase, build)
		if len(ss) == 0 && got == nil && err == nil {
			continue // no file: the render answers
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
}

// TestAssembledUpdatesGenerated compares 100 generated repositories.
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
	for round := 0; round < 100; round++ {
		var ss []stored
		seen := map[string]bool{}
		for n := rng.IntN(15); n > 0; n-- {
			id := []string{"a", "a.b", "a-b", "b_c", "z"}[rng.IntN(5)]
			v := fmt.Sprintf("%d.%d", rng.IntN(3), rng.IntN(11))
			if rng.IntN(4) == 0 {
				v += []string{"-rc1", ".0", "_1", "+b"}[rng.IntN(4)]
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

// TestCompareKeys: compareKeys orders as compareVersions does.
func TestCompareKeys(t *testing.T) {
	vs := []string{"1", "1.0", "1.0.0", "1-0", "01.0", "1.0-", "1.a", "1.b", "1.10", "1.9", "a", "", "2.0-beta_1",
		"99999999999999999999", "99999999999999999998", "1.0+x", "x1", "1..2"}
	sign := func(n int) int { return min(max(n, -1), 1) }
	for _, a := range vs {
		for _, b := range vs {
			var arena []versionField
			ka, kb := versionKey(&arena, a), versionKey(&arena, b)
			if sign(compareKeys(ka, kb)) != sign(compareVersions(a, b)) {
				t.Errorf("%q vs %q: keys %d, versions %d", a, b, compareKeys(ka, kb), compareVersions(a, b))
			}
		}
	}
}
