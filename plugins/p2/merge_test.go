package p2

import (
	"bytes"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	for path, want := range map[string]sdk.CacheClass{
		"/plugins/a_1.0.0.jar": sdk.Immutable, "/features/f_1.0.0.jar": sdk.Immutable, "/content.xml": sdk.Mutable,
		"/artifacts.jar": sdk.Mutable, "/content.xml.xz": sdk.Mutable, "/p2.index": sdk.Mutable,
		"/compositeContent.xml": sdk.Mutable, "/other": sdk.Unknown,
	} {
		if got := (Plugin{}).Classify(path); got != want {
			t.Errorf("Classify(%s) = %d, want %d", path, got, want)
		}
	}
}

// TestMerge joins two members' documents (one as xml, one as jar), the
// first member winning an id-version clash, and lists the members'
// answers as a composite's children.
func TestMerge(t *testing.T) {
	a := published(t)
	b := newEnv(t)
	if st, body := b.req("PUT", "/plugins/org.keeper.c_3.0.0.jar", bundleJar("org.keeper.c", "3.0.0")); st != 201 {
		t.Fatalf("%d %s", st, body)
	}
	if st, body := b.req("PUT", "/plugins/org.keeper.b_2.0.0.jar", bundleJar("org.keeper.b", "2.0.0")); st != 201 {
		t.Fatalf("%d %s", st, body)
	}
	host := plugintest.NewBridge(porttest.NewMemHost(), &sdk.RepoContext{Key: "virt", Format: "p2"})
	for _, kind := range []string{"content", "artifacts"} {
		for _, form := range []string{"xml", "jar"} {
			path := "/" + kind + "." + form
			joined, err := Plugin{}.Merge(host, path, [][]byte{a.get(path), b.get(path)})
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if form == "jar" {
				if joined, err = unjar(joined, kind+".xml"); err != nil {
					t.Fatal(err)
				}
			}
			if kind == "content" {
				var c contentDoc
				decode(t, joined, &c)
				if c.Units.Size != 5 || len(c.Units.Units) != 5 {
					t.Fatalf("%s: %d units:\n%s", path, len(c.Units.Units), joined)
				}
			} else {
				var ar artifactsDoc
				decode(t, joined, &ar)
				if ar.Artifacts.Size != 4 || len(ar.Artifacts.Artifacts) != 4 {
					t.Fatalf("%s: %d artifacts", path, len(ar.Artifacts.Artifacts))
				}
				for _, at := range ar.Artifacts.Artifacts {
					if at.ID == "org.keeper.b" {
						for _, p := range at.Props {
							if p.Name == "download.size" && p.Value != "" && !bytes.Contains(a.get("/artifacts.xml"), []byte("'"+p.Value+"'")) {
								t.Fatal("the second member's org.keeper.b won the clash")
							}
						}
					}
				}
			}
		}
	}
	st, key := a.req("GET", "/compositeContent.xml", nil, ports.Header{Name: "Accept", Value: "application/json"})
	if st != 200 || string(key) != "ecl" {
		t.Fatalf("member answer: %d %s", st, key)
	}
	comp, err := Plugin{}.Merge(host, "/compositeArtifacts.xml", [][]byte{key, []byte("other"), []byte("<not a key/>")})
	if err != nil {
		t.Fatal(err)
	}
	var cd struct {
		Children []struct {
			Location string `xml:"location,attr"`
		} `xml:"children>child"`
	}
	decode(t, comp, &cd)
	if len(cd.Children) != 2 || cd.Children[0].Location != "../ecl" || !strings.Contains(string(comp), "CompositeArtifactRepository") {
		t.Fatalf("composite:\n%s", comp)
	}
	if idx, _ := (Plugin{}).Merge(host, "/p2.index", [][]byte{[]byte(p2Index)}); string(idx) != mergedIndex {
		t.Fatalf("p2.index: %s", idx)
	}
	if _, err := (Plugin{}).Merge(host, "/content.xml", [][]byte{[]byte("<html>")}); err == nil {
		t.Fatal("merged a member's non-p2 answer")
	}
}
