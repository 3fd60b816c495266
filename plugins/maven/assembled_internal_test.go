package maven

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// pkgHost answers ListPackages with the package's update time set to
// updated when not 0 (a package updated after its newest version).
type pkgHost struct {
	*fakehost.Host
	updated int64
}

func (h pkgHost) ListPackages(prefix, after string, limit uint32) ([]sdk.PackageInfo, error) {
	ps, err := h.Host.ListPackages(prefix, after, limit)
	for i := range ps {
		if h.updated != 0 {
			ps[i].UpdatedMs = h.updated
		}
	}
	return ps, err
}

// storedVersion is one version row: stored as deploy stores it, or
// without metadata when old (deployed before mavenKey).
type storedVersion struct {
	v       string
	created int64
	old     bool
}

func versionHost(group, artifact string, vs []storedVersion) *fakehost.Host {
	h := fakehost.New(&sdk.RepoContext{Key: "m", Format: "maven", Kind: "local"})
	pkg := group + ":" + artifact
	for _, s := range vs {
		vi := sdk.VersionInfo{Package: pkg, Version: s.v, CreatedMs: s.created}
		if !s.old {
			vi.Metadata = versionMeta(s.v)
		}
		h.Versions[pkg+"\x00"+s.v] = vi
	}
	return h
}

// sameArtifactDoc renders the artifact's maven-metadata.xml through
// metadataDoc and as before (loadArtifact, renderArtifact), fails unless
// the bytes are equal, and returns whether the host assembled it.
func sameArtifactDoc(t *testing.T, h sdk.Host, group, artifact string) bool {
	t.Helper()
	dir := strings.Split(strings.ReplaceAll(group, ".", "/")+"/"+artifact, "/")
	a, err := metadataDoc(h, append(dir, "maven-metadata.xml"))
	if err != nil || a.Handle != "" {
		t.Fatalf("%+v %v", a, err)
	}
	got := a.Doc
	art, err := loadArtifact(h, group, artifact)
	if err != nil {
		t.Fatal(err)
	}
	plugins, err := loadPlugins(h, strings.Join(dir, "/"))
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	if art != nil || len(plugins) > 0 {
		want = renderArtifact(art, plugins)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s:%s assembled\n%s\nwant\n%s", group, artifact, got, want)
	}
	doc, ok := assembledArtifact(h, group, artifact, plugins)
	if ok && !bytes.Equal(doc.Doc, want) {
		t.Fatal("assembledArtifact differs from metadataDoc")
	}
	return ok
}

// TestAssembledArtifactMatchesRender: the host's document is
// renderArtifact's, byte for byte: versions in every order form, escapes
// in the ids, plugins, SNAPSHOT-only artifacts (no release), one version,
// package times after the versions', and rows the guest must render
// (stored before mavenKey, versions versionKey refuses).
func TestAssembledArtifactMatchesRender(t *testing.T) {
	many := make([]storedVersion, 0, 300)
	for i := 0; i < 300; i++ {
		v := []string{"1.%d", "1.%d-SNAPSHOT", "2.0.%d-rc1", "0.%d.0.Final", "3-alpha-%d"}[i%5]
		many = append(many, storedVersion{v: strings.Replace(v, "%d", strconv.Itoa(i), 1), created: int64(1e12 + i*1000)})
	}
	cases := []struct {
		name, group, artifact string
		vs                    []storedVersion
		updated               int64
		plugin                bool
		assembled             bool
	}{
		{"one", "org.example", "demo", []storedVersion{{v: "1.0", created: 1700000000123}}, 0, false, true},
		{"order", "org.example", "demo", []storedVersion{{v: "1.0"}, {v: "1"}, {v: "1.0-SNAPSHOT"}, {v: "1.0-alpha"},
			{v: "1.0-a1"}, {v: "1.0.1"}, {v: "1.0-rc"}, {v: "1.0-CR"}, {v: "1.final"}, {v: "10"}, {v: "9"}, {v: "1.0.0.1"},
			{v: "2.0.0-M1", created: 5}, {v: "1_1"}, {v: "0.0.alpha"}}, 0, false, true},
		{"snapshots only", "org.example", "demo", []storedVersion{{v: "1.0-SNAPSHOT", created: 9}, {v: "2-SNAPSHOT", created: 3}}, 0, false, true},
		{"newest snapshot", "org.example", "demo", []storedVersion{{v: "1.0"}, {v: "2.0-SNAPSHOT"}}, 0, false, true},
		{"package updated later", "org.example", "demo", []storedVersion{{v: "1.0", created: 1000}}, 1700000000999, false, true},
		{"escaped ids", "org.ex&a<m>p'le\"", "d&mo日本", []storedVersion{{v: "1.0"}}, 0, false, true},
		{"plugins", "org.example", "demo", []storedVersion{{v: "1.0"}}, 0, true, true},
		{"plugins only", "org.example", "demo", nil, 0, true, false},
		{"many", "org.example", "big", many, 0, false, true},
		{"old row", "org.example", "demo", []storedVersion{{v: "1.0"}, {v: "1.1", old: true}}, 0, false, false},
		{"refused version", "org.example", "demo", []storedVersion{{v: "1.0"}, {v: "31.1-jre"}}, 0, false, false},
		{"escaped version", "org.example", "demo", []storedVersion{{v: "1.0"}, {v: "1&<'\">"}}, 0, false, false},
		{"unicode version", "org.example", "demo", []storedVersion{{v: "1.0"}, {v: "1.0-é"}}, 0, false, false},
		{"empty", "org.example", "demo", nil, 0, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := versionHost(c.group, c.artifact, c.vs)
			if c.plugin {
				dir := strings.ReplaceAll(c.group, ".", "/") + "/" + c.artifact
				v, _ := json.Marshal(pluginInfo{Name: "P & <q>", Prefix: "p'x", ArtifactID: "p-maven-plugin"})
				h.KV[kvPlugins+"\x00"+dir+"/p-maven-plugin"] = v
			}
			if got := sameArtifactDoc(t, pkgHost{h, c.updated}, c.group, c.artifact); got != c.assembled {
				t.Fatalf("assembled %v, want %v", got, c.assembled)
			}
		})
	}
}

// TestAssembledArtifactGenerated: 200 generated artifacts (up to 2,000
// versions, over two host listing pages) render alike both ways; those
// whose versions all have keys are assembled by the host.
func TestAssembledArtifactGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	assembled := 0
	for round := 0; round < 200; round++ {
		seen := map[string]bool{}
		var vs []storedVersion
		regular := true
		for n := []int{1, 2, 10, 60, 2000}[round%5]; n > 0; n-- {
			v := genVersion(rng)
			if seen[v] {
				continue
			}
			seen[v] = true
			if round%3 != 0 { // most artifacts keep to versions with keys
				if _, ok := versionKey(v); !ok {
					continue
				}
			}
			s := storedVersion{v: v, created: rng.Int64N(4e12), old: round%7 == 0 && rng.IntN(50) == 0}
			if _, ok := versionKey(v); !ok || s.old {
				regular = false
			}
			vs = append(vs, s)
		}
		h := versionHost("org.gen", "a"+strconv.Itoa(round), vs)
		var updated int64
		if round%4 == 0 {
			updated = rng.Int64N(4e12)
		}
		got := sameArtifactDoc(t, pkgHost{h, updated}, "org.gen", "a"+strconv.Itoa(round))
		if want := regular && len(vs) > 0; got != want {
			t.Fatalf("round %d: assembled %v, want %v", round, got, want)
		}
		if got {
			assembled++
		}
	}
	if assembled < 100 {
		t.Fatalf("only %d of 200 artifacts assembled", assembled)
	}
}

// TestDeployStoresVersionKey: a deploy stores the version's key (and the
// SNAPSHOT flag) on its version row, so the document that follows is the
// host's.
func TestDeployStoresVersionKey(t *testing.T) {
	h := fakehost.New(&sdk.RepoContext{Key: "m", Format: "maven", Kind: "local"})
	for _, v := range []string{"1.0", "1.1-SNAPSHOT"} {
		p := "org/example/demo/" + v + "/demo-" + v + ".pom"
		pom := []byte("<project><groupId>org.example</groupId><artifactId>demo</artifactId><version>" + v + "</version></project>")
		d := h.AddBlob(pom)
		r := fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "PUT", Path: "/" + p, Repo: h.RepoCtx, User: "u",
			Body: &sdk.Body{Digest: d, Size: uint64(len(pom))}})
		if r.Status != 201 {
			t.Fatalf("PUT %s: %d %s", p, r.Status, r.Bytes)
		}
	}
	k, _ := versionKey("1.1-SNAPSHOT")
	if got, want := string(h.Versions["org.example:demo\x001.1-SNAPSHOT"].Metadata), `{"snapshot":"1","mavenKey":"`+k+`"}`; got != want {
		t.Fatalf("stored %s, want %s", got, want)
	}
	if !sameArtifactDoc(t, h, "org.example", "demo") {
		t.Fatal("not assembled after deploy")
	}
}
