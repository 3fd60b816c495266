package e2e

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// p2Jar zips entries as a bundle or feature jar.
func p2Jar(entries ...[2]string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: e[0], Method: zip.Deflate, Modified: time.Unix(1796515200, 0).UTC()})
		_, _ = w.Write([]byte(e[1]))
	}
	_ = zw.Close()
	return b.Bytes()
}

func p2Bundle(id, version string) []byte {
	return p2Jar([2]string{"META-INF/MANIFEST.MF", fmt.Sprintf("Manifest-Version: 1.0\r\nBundle-ManifestVersion: 2\r\n"+
		"Bundle-SymbolicName: %s;singleton:=true\r\nBundle-Version: %s\r\nRequire-Bundle: org.eclipse.core.runtime\r\n\r\n", id, version)},
		[2]string{"org/keeper/A.class", id})
}

// p2Repo is what a p2 client reads of a simple repository
// (https://wiki.eclipse.org/Equinox/p2/Repository_Formats).
type p2Repo struct {
	Units []struct {
		ID      string `xml:"id,attr"`
		Version string `xml:"version,attr"`
	} `xml:"units>unit"`
	Rules []struct {
		Filter string `xml:"filter,attr"`
		Output string `xml:"output,attr"`
	} `xml:"mappings>rule"`
	Artifacts []struct {
		Classifier string `xml:"classifier,attr"`
		ID         string `xml:"id,attr"`
		Version    string `xml:"version,attr"`
		Props      []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
	} `xml:"artifacts>artifact"`
}

// p2Load replays how p2 loads the repository at base
// (org.eclipse.equinox.internal.p2.repository.helpers.AbstractRepositoryManager:
// p2.index names the factories to try, in order, "!" ends the list;
// XZedSimpleMetadataRepositoryFactory reads content.xml.xz,
// SimpleMetadataRepositoryFactory content.jar then content.xml; the
// artifact side likewise), then downloads every artifact where the
// mapping rules put it and checks its SHA-256 and size
// (SimpleArtifactRepository.getLocation, download.checksum.sha-256). It
// returns the unit ids and the downloaded jars by path.
func p2Load(t *testing.T, k *harness.Keeper, base string) (map[string]bool, map[string][]byte) {
	t.Helper()
	idx := string(k.Expect(http.StatusOK, http.MethodGet, base+"/p2.index", nil).Body)
	read := func(kind string) p2Repo {
		order := ""
		for _, l := range strings.Split(idx, "\n") {
			if v, ok := strings.CutPrefix(l, kind+".repository.factory.order="); ok {
				order = v
			}
		}
		doc := "content"
		if kind == "artifact" {
			doc = "artifacts"
		}
		for _, f := range strings.Split(order, ",") {
			var body []byte
			switch f {
			case doc + ".xml.xz":
				zr, err := xz.NewReader(bytes.NewReader(k.Expect(http.StatusOK, http.MethodGet, base+"/"+f, nil).Body))
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				body, _ = io.ReadAll(zr)
			case doc + ".xml":
				jar := k.Expect(http.StatusOK, http.MethodGet, base+"/"+doc+".jar", nil).Body
				zr, err := zip.NewReader(bytes.NewReader(jar), int64(len(jar)))
				if err != nil || len(zr.File) != 1 || zr.File[0].Name != doc+".xml" {
					t.Fatalf("%s.jar: %v", doc, err)
				}
				rc, _ := zr.File[0].Open()
				fromJar, _ := io.ReadAll(rc)
				body = k.Expect(http.StatusOK, http.MethodGet, base+"/"+f, nil).Body
				if !bytes.Equal(fromJar, body) {
					t.Fatalf("%s.jar and %s.xml differ", doc, doc)
				}
			default:
				continue
			}
			var r p2Repo
			d := xml.NewDecoder(bytes.NewReader(body))
			d.Strict = true
			if err := d.Decode(&r); err != nil {
				t.Fatalf("%s: %v\n%s", f, err, body)
			}
			return r
		}
		t.Fatalf("p2.index names no %s factory: %s", kind, idx)
		return p2Repo{}
	}
	content, artifacts := read("metadata"), read("artifact")
	units := map[string]bool{}
	for _, u := range content.Units {
		units[u.ID+"@"+u.Version] = true
	}
	jars := map[string][]byte{}
	for _, a := range artifacts.Artifacts {
		out := ""
		for _, r := range artifacts.Rules {
			if r.Filter == "(& (classifier="+a.Classifier+"))" {
				out = r.Output
			}
		}
		p := strings.NewReplacer("${repoUrl}", base, "${id}", a.ID, "${version}", a.Version).Replace(out)
		b := k.Expect(http.StatusOK, http.MethodGet, p, nil).Body
		sum := sha256.Sum256(b)
		props := map[string]string{}
		for _, pr := range a.Props {
			props[pr.Name] = pr.Value
		}
		if props["download.checksum.sha-256"] != hex.EncodeToString(sum[:]) || props["download.size"] != fmt.Sprint(len(b)) {
			t.Fatalf("artifact %s %s at %s: checksum or size differs from %v", a.ID, a.Version, p, props)
		}
		jars[strings.TrimPrefix(p, base)] = b
	}
	return units, jars
}

// TestP2Repository publishes bundles and a feature, checks the refusals,
// and loads the repository as a p2 client does (no Eclipse here: p2Load
// replays its reads, parsing the documents with an XML parser).
func TestP2Repository(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "ecl", Format: "p2"})
		auth := "Bearer " + k.APIToken("p2", "read:artifacts", "write:artifacts")
		a := p2Bundle("org.keeper.a", "1.0.0.v1")
		feature := p2Jar([2]string{"feature.xml", "<feature id='org.keeper.f' version='1.0.0' label='F'><plugin id='org.keeper.a' version='1.0.0.v1'/></feature>"})
		if r, _ := k.Call(http.MethodPut, "/p2/ecl/plugins/org.keeper.a_1.0.0.v1.jar", bytes.NewReader(a), "Authorization", ""); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous upload: %s", r)
		}
		k.Expect(http.StatusCreated, http.MethodPut, "/p2/ecl/plugins/org.keeper.a_1.0.0.v1.jar", bytes.NewReader(a), "Authorization", auth)
		k.Expect(http.StatusCreated, http.MethodPut, "/p2/ecl/features/org.keeper.f_1.0.0.jar", bytes.NewReader(feature), "Authorization", auth)
		k.Expect(http.StatusConflict, http.MethodPut, "/p2/ecl/plugins/org.keeper.a_1.0.0.v1.jar", bytes.NewReader(a), "Authorization", auth)
		trav := p2Jar([2]string{"META-INF/MANIFEST.MF", "Bundle-SymbolicName: x\nBundle-Version: 1.0.0\n"}, [2]string{"../../evil", "x"})
		if r := k.Expect(http.StatusBadRequest, http.MethodPut, "/p2/ecl/plugins/x_1.0.0.jar", bytes.NewReader(trav), "Authorization", auth); !strings.Contains(string(r.Body), "path traversal") {
			t.Fatalf("traversal: %s", r)
		}
		if r := k.Expect(http.StatusBadRequest, http.MethodPut, "/p2/ecl/plugins/org.keeper.a_2.0.0.jar", bytes.NewReader(a), "Authorization", auth); !strings.Contains(string(r.Body), "does not match") {
			t.Fatalf("name mismatch: %s", r)
		}
		k.Expect(http.StatusNotFound, http.MethodGet, "/p2/ecl/plugins/none_1.0.0.jar", nil, "Authorization", auth)
		units, jars := p2Load(t, k, "/p2/ecl")
		for _, u := range []string{"org.keeper.a@1.0.0.v1", "org.keeper.f.feature.group@1.0.0", "org.keeper.f.feature.jar@1.0.0"} {
			if !units[u] {
				t.Fatalf("content lacks %s: %v", u, units)
			}
		}
		if !bytes.Equal(jars["/plugins/org.keeper.a_1.0.0.v1.jar"], a) || !bytes.Equal(jars["/features/org.keeper.f_1.0.0.jar"], feature) || len(jars) != 2 {
			t.Fatalf("downloaded jars: %d", len(jars))
		}
	})
}

// TestP2RemoteAndVirtual loads a repository through a remote repository
// whose upstream is a second keeper, then a virtual repository of a local
// repository and that remote (merged content and artifacts: both bundles
// load and download through it), and the virtual's composite documents.
func TestP2RemoteAndVirtual(t *testing.T) {
	t.Parallel()
	up := harness.Start(t, harness.Options{})
	up.CreateRepo(harness.Repo{Key: "ecl", Format: "p2"})
	a := p2Bundle("org.keeper.a", "1.0.0")
	up.Expect(http.StatusCreated, http.MethodPut, "/p2/ecl/plugins/org.keeper.a_1.0.0.jar", bytes.NewReader(a))

	px := harness.Start(t, harness.Options{Env: []string{"KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS=true"}})
	px.CreateRepo(harness.Repo{Key: "eclproxy", Format: "p2", Type: "remote", UpstreamURL: up.URL + "/p2/ecl",
		Config: map[string]string{"upstream_token": up.APIToken("proxy", "read:artifacts")}})
	if units, jars := p2Load(t, px, "/p2/eclproxy"); !units["org.keeper.a@1.0.0"] || !bytes.Equal(jars["/plugins/org.keeper.a_1.0.0.jar"], a) {
		t.Fatalf("through the remote: %v", units)
	}
	b := p2Bundle("org.keeper.b", "2.0.0")
	px.CreateRepo(harness.Repo{Key: "ecllocal", Format: "p2"})
	px.Expect(http.StatusCreated, http.MethodPut, "/p2/ecllocal/plugins/org.keeper.b_2.0.0.jar", bytes.NewReader(b))
	px.CreateRepo(harness.Repo{Key: "eclall", Format: "p2", Type: "virtual",
		Members: []map[string]any{{"repo_key": "ecllocal", "priority": 1}, {"repo_key": "eclproxy", "priority": 2}}})
	units, jars := p2Load(t, px, "/p2/eclall")
	if !units["org.keeper.a@1.0.0"] || !units["org.keeper.b@2.0.0"] || !bytes.Equal(jars["/plugins/org.keeper.a_1.0.0.jar"], a) ||
		!bytes.Equal(jars["/plugins/org.keeper.b_2.0.0.jar"], b) {
		t.Fatalf("through the virtual: %v, %d jars", units, len(jars))
	}
	comp := px.Expect(http.StatusOK, http.MethodGet, "/p2/eclall/compositeContent.xml", nil).Body
	var cd struct {
		Children []struct {
			Location string `xml:"location,attr"`
		} `xml:"children>child"`
	}
	if err := xml.Unmarshal(comp, &cd); err != nil || len(cd.Children) != 1 || cd.Children[0].Location != "../ecllocal" {
		t.Fatalf("compositeContent.xml (%v):\n%s", err, comp)
	}
	if u, _ := p2Load(t, px, "/p2/ecllocal"); !u["org.keeper.b@2.0.0"] {
		t.Fatal("the composite's child does not load")
	}
}
