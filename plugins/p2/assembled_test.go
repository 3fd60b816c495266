package p2

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// storeJar stores a jar at path with metadata meta, uploaded at ms.
func storeJar(h *porttest.MemHost, path string, meta []byte, ms int64) {
	h.AddFile(path, []byte(path))
	f := h.Files[path]
	f.Metadata, f.CreatedAt = meta, time.UnixMilli(ms)
	h.Files[path] = f
}

func uploadMeta(u *unit) []byte {
	b, _ := json.Marshal(FileMeta{Units: unitsXML(u), Artifact: artifactXML(u, 1234, "00ff", "11ee")})
	return b
}

// sameAsRender checks both documents of h: assembled they equal
// document's bytes (in xml and in the text the jar and xz forms use), or
// the assembly declines when want is false.
func sameAsRender(t *testing.T, h *porttest.MemHost, want bool) {
	t.Helper()
	sh := plugintest.NewBridge(h, &sdk.RepoContext{Key: "e'cl&", Format: "p2"})
	for _, kind := range []string{"content", "artifacts"} {
		doc, err := document(sh, kind, "e'cl&")
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range []bool{false, true} {
			a, ok, err := assembledDocument(sh, kind, "e'cl&", text)
			if err != nil {
				t.Fatal(err)
			}
			if ok != want {
				t.Fatalf("%s: assembled %v, want %v", kind, ok, want)
			}
			got := a.Doc
			if text {
				got = a.Text
			}
			if ok && string(got) != string(doc) {
				t.Fatalf("%s (text %v): assembled\n%s\nrendered\n%s", kind, text, got, doc)
			}
		}
	}
}

// TestAssembledDocumentsMatchTheRender: content.xml and artifacts.xml
// built by the host equal the guest's render, byte for byte, for empty
// repositories, one directory only, bundles and features with XML
// specials and non-ASCII text, and generated repositories; rows the render
// skips or decodes differently make the assembly decline.
func TestAssembledDocumentsMatchTheRender(t *testing.T) {
	bundle := func(id, v string) *unit {
		return &unit{kind: "bundle", id: id, version: v, name: "A & <B> 'c' \"d\" é ✓", vendor: "Kéeper\t&",
			requires: []requirement{{"osgi.bundle", "org.x<y>", "[1.0.0,2.0.0)"}}, manifest: "Bundle-SymbolicName: x\r\n &amp;\n"}
	}
	feature := func(id, v string) *unit {
		return &unit{kind: "feature", id: id, version: v, name: "F", requires: []requirement{{"org.eclipse.equinox.p2.iu", "a", "[1,1]"}}}
	}
	h := porttest.NewMemHost()
	sameAsRender(t, h, true) // empty
	storeJar(h, "plugins/org.a_1.0.0.jar", uploadMeta(bundle("org.a", "1.0.0")), 1700000000000)
	sameAsRender(t, h, true) // bundles only
	storeJar(h, "features/org.f_1.0.0.jar", uploadMeta(feature("org.f", "1.0.0")), 1600000000000)
	storeJar(h, "plugins/org.b_2.0.0.qualifier.jar", uploadMeta(bundle("org.b", "2.0.0.qualifier")), 1800000000000)
	sameAsRender(t, h, true)
	delete(h.Files, "plugins/org.a_1.0.0.jar")
	delete(h.Files, "plugins/org.b_2.0.0.qualifier.jar")
	sameAsRender(t, h, true) // features only

	for name, meta := range map[string][]byte{
		"no metadata":        nil,
		"empty units":        []byte(`{"units":"","artifact":""}`),
		"other metadata":     []byte(`{"artifact":"x","units":"y"}`),
		"units not a string": []byte(`{"units":1,"artifact":"x"}`),
		"duplicate member":   []byte(`{"units":"a","artifact":"b","units":"c"}`),
		"escaped key":        []byte(`{"units":"a","\u0061rtifact":"b"}`),
	} {
		h := porttest.NewMemHost()
		storeJar(h, "plugins/org.a_1.0.0.jar", uploadMeta(bundle("org.a", "1.0.0")), 1)
		storeJar(h, "plugins/org.z_1.0.0.jar", meta, 2)
		t.Run(name, func(t *testing.T) { sameAsRender(t, h, false) })
	}
	h = porttest.NewMemHost()
	storeJar(h, "plugins/org.a_1.0.0.jar", uploadMeta(bundle("org.a", "1.0.0")), 1)
	storeJar(h, "plugins/readme.txt", uploadMeta(bundle("org.r", "1.0.0")), 2)
	sameAsRender(t, h, false) // not a jar: the render skips it

	rng := rand.New(rand.NewPCG(7, 9))
	for round := range 50 {
		h := porttest.NewMemHost()
		for i := range rng.IntN(40) {
			id := fmt.Sprintf("org.g%d.%c", i, 'a'+rune(rng.IntN(26)))
			v := fmt.Sprintf("%d.%d.%d", rng.IntN(3), rng.IntN(10), rng.IntN(10))
			if rng.IntN(4) == 0 {
				storeJar(h, "features/"+id+"_"+v+".jar", uploadMeta(feature(id, v)), rng.Int64N(1<<41))
			} else {
				storeJar(h, "plugins/"+id+"_"+v+".jar", uploadMeta(bundle(id, v)), rng.Int64N(1<<41))
			}
		}
		t.Run(fmt.Sprint("generated ", round), func(t *testing.T) { sameAsRender(t, h, true) })
	}
}

var _ ports.HostCall = (*porttest.MemHost)(nil)
