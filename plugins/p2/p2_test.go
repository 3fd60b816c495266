package p2

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// jar builds a zip of the entries in order, with a fixed time.
func jar(entries ...[2]string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: e[0], Method: zip.Deflate, Modified: time.Unix(1796515200, 0).UTC()})
		_, _ = w.Write([]byte(e[1]))
	}
	_ = zw.Close()
	return b.Bytes()
}

func bundleJar(id, version string, extra ...[2]string) []byte {
	mf := fmt.Sprintf("Manifest-Version: 1.0\r\nBundle-ManifestVersion: 2\r\nBundle-SymbolicName: %s;singleton:=true\r\n"+
		"Bundle-Version: %s\r\nBundle-Name: Keeper %s\r\nBundle-Vendor: Keeper\r\nRequire-Bundle: org.eclipse.core.runtime;bund\r\n"+
		" le-version=\"[3.0.0,4.0.0)\",org.eclipse.ui\r\nImport-Package: org.osgi.framework;version=\"1.3.0\"\r\n\r\n", id, version, id)
	return jar(append([][2]string{{"META-INF/MANIFEST.MF", mf}, {"org/keeper/A.class", "cafebabe"}}, extra...)...)
}

func featureJar(id, version string, plugins ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feature id=\"%s\" label=\"Keeper &amp; friends\" version=\"%s\" provider-name=\"Keeper\">\n", id, version)
	for _, p := range plugins {
		id, v, _ := strings.Cut(p, "@")
		fmt.Fprintf(&b, "  <plugin id=\"%s\" version=\"%s\" unpack=\"false\"/>\n", id, v)
	}
	b.WriteString("</feature>\n")
	return jar([2]string{"feature.xml", b.String()})
}

type env struct {
	t *testing.T
	h *porttest.MemHost
}

func newEnv(t *testing.T) *env {
	h := porttest.NewMemHost()
	h.RepoKey = "ecl"
	return &env{t: t, h: h}
}

func (e *env) req(method, path string, body []byte, headers ...ports.Header) (int, []byte) {
	e.t.Helper()
	req := ports.FormatRequest{Method: method, Path: path, User: "alice", BaseURL: "http://k", Headers: headers,
		Repo: &ports.RepoContext{Key: "ecl", Type: "local", Format: "p2", BaseURL: "http://k/p2/ecl"}}
	if method == "PUT" && body != nil {
		req.Body = e.h.Body(body)
	}
	resp, err := plugintest.NativeHandle(Plugin{}, e.h, req)
	if err != nil {
		e.h.Discard()
		pe := sdk.AsError(err)
		return pe.Status, []byte(pe.Message)
	}
	if cerr := e.h.Commit(); cerr != nil {
		return 409, []byte(cerr.Error())
	}
	if resp.ServeBlob != "" {
		return resp.Status, e.h.Blobs[resp.ServeBlob]
	}
	return resp.Status, resp.Body
}

func (e *env) get(path string) []byte {
	e.t.Helper()
	st, b := e.req("GET", path, nil)
	if st != 200 {
		e.t.Fatalf("GET %s: %d %s", path, st, b)
	}
	return b
}

var (
	bundleA = bundleJar("org.keeper.a", "1.2.3.v20261207")
	bundleB = bundleJar("org.keeper.b", "2.0")
	feature = featureJar("org.keeper.feature", "1.0.0.qualifier", "org.keeper.a@1.2.3.v20261207", "org.keeper.b@2.0.0")
)

func published(t *testing.T) *env {
	e := newEnv(t)
	for path, b := range map[string][]byte{"/plugins/org.keeper.a_1.2.3.v20261207.jar": bundleA,
		"/plugins/org.keeper.b_2.0.0.jar": bundleB, "/features/org.keeper.feature_1.0.0.qualifier.jar": feature} {
		if st, body := e.req("PUT", path, b); st != 201 {
			t.Fatalf("upload %s: %d %s", path, st, body)
		}
	}
	return e
}

// p2 documents as a p2 client reads them (SimpleMetadataRepositoryIO,
// SimpleArtifactRepositoryIO: the element and attribute names of
// https://wiki.eclipse.org/Equinox/p2/Repository_Formats).
type contentDoc struct {
	XMLName xml.Name `xml:"repository"`
	Units   struct {
		Size  int `xml:"size,attr"`
		Units []struct {
			ID       string `xml:"id,attr"`
			Version  string `xml:"version,attr"`
			Provides []struct {
				Namespace string `xml:"namespace,attr"`
				Name      string `xml:"name,attr"`
				Version   string `xml:"version,attr"`
			} `xml:"provides>provided"`
			Requires []struct {
				Namespace string `xml:"namespace,attr"`
				Name      string `xml:"name,attr"`
				Range     string `xml:"range,attr"`
			} `xml:"requires>required"`
			Artifacts []struct {
				Classifier string `xml:"classifier,attr"`
				ID         string `xml:"id,attr"`
				Version    string `xml:"version,attr"`
			} `xml:"artifacts>artifact"`
		} `xml:"unit"`
	} `xml:"units"`
}

type artifactsDoc struct {
	XMLName xml.Name `xml:"repository"`
	Rules   []struct {
		Filter string `xml:"filter,attr"`
		Output string `xml:"output,attr"`
	} `xml:"mappings>rule"`
	Artifacts struct {
		Size      int `xml:"size,attr"`
		Artifacts []struct {
			Classifier string `xml:"classifier,attr"`
			ID         string `xml:"id,attr"`
			Version    string `xml:"version,attr"`
			Props      []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
		} `xml:"artifact"`
	} `xml:"artifacts"`
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	if err := d.Decode(v); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, b)
	}
}

// TestDocuments uploads two bundles and a feature and reads the documents
// as p2 does: every unit's artifact resolves, through the mapping rules,
// to the uploaded bytes with the listed size and SHA-256; the feature
// group requires exactly its plugins; the .jar and .xz forms hold the
// same xml.
func TestDocuments(t *testing.T) {
	e := published(t)
	content, artifacts := e.get("/content.xml"), e.get("/artifacts.xml")
	var c contentDoc
	decode(t, content, &c)
	if c.Units.Size != len(c.Units.Units) || len(c.Units.Units) != 4 {
		t.Fatalf("units: size %d, %d units", c.Units.Size, len(c.Units.Units))
	}
	byID := map[string]int{}
	for i, u := range c.Units.Units {
		byID[u.ID] = i
	}
	group := c.Units.Units[byID["org.keeper.feature.feature.group"]]
	reqs := map[string]string{}
	for _, r := range group.Requires {
		reqs[r.Name] = r.Range
	}
	if reqs["org.keeper.a"] != "[1.2.3.v20261207,1.2.3.v20261207]" || reqs["org.keeper.b"] != "[2.0.0,2.0.0]" ||
		reqs["org.keeper.feature.feature.jar"] == "" {
		t.Fatalf("feature group requires %v", reqs)
	}
	a := c.Units.Units[byID["org.keeper.a"]]
	if a.Version != "1.2.3.v20261207" || len(a.Requires) != 3 || a.Requires[0].Range != "[3.0.0,4.0.0)" {
		t.Fatalf("bundle unit %+v", a)
	}
	var ar artifactsDoc
	decode(t, artifacts, &ar)
	if ar.Artifacts.Size != 3 || len(ar.Artifacts.Artifacts) != 3 {
		t.Fatalf("artifacts: %d", len(ar.Artifacts.Artifacts))
	}
	rules := map[string]string{}
	for _, r := range ar.Rules {
		rules[r.Filter] = r.Output
	}
	for _, at := range ar.Artifacts.Artifacts {
		out := rules["(& (classifier="+at.Classifier+"))"]
		path := strings.NewReplacer("${repoUrl}", "", "${id}", at.ID, "${version}", at.Version).Replace(out)
		f, ok := e.h.Files[strings.TrimPrefix(path, "/")]
		if !ok {
			t.Fatalf("artifact %s %s maps to %s, which is not stored", at.ID, at.Version, path)
		}
		blob := e.h.Blobs[f.BlobDigest]
		sum := sha256.Sum256(blob)
		props := map[string]string{}
		for _, p := range at.Props {
			props[p.Name] = p.Value
		}
		if props["download.checksum.sha-256"] != hex.EncodeToString(sum[:]) || props["download.size"] != fmt.Sprint(len(blob)) {
			t.Fatalf("artifact %s: %v", at.ID, props)
		}
	}
	if x, err := unjar(e.get("/content.jar"), "content.xml"); err != nil || !bytes.Equal(x, content) {
		t.Fatalf("content.jar: %v", err)
	}
	if x, err := unjar(e.get("/artifacts.jar"), "artifacts.xml"); err != nil || !bytes.Equal(x, artifacts) {
		t.Fatalf("artifacts.jar: %v", err)
	}
	if xz := e.get("/content.xml.xz"); !bytes.HasPrefix(xz, []byte("\xfd7zXZ\x00")) {
		t.Fatalf("content.xml.xz is not xz: %.8q", xz)
	}
	if idx := string(e.get("/p2.index")); !strings.Contains(idx, "metadata.repository.factory.order=content.xml.xz,content.xml,!") {
		t.Fatalf("p2.index: %s", idx)
	}
	plugintest.Golden(t, "golden/content.xml", content)
	plugintest.Golden(t, "golden/artifacts.xml", artifacts)
}

func TestUploadRefusals(t *testing.T) {
	trav := bundleJar("org.keeper.a", "1.2.3.v20261207", [2]string{"../../evil", "x"})
	bomb := bundleJar("org.keeper.a", "1.2.3.v20261207", [2]string{"zeros", strings.Repeat("\x00", 64<<20)})
	cases := []struct {
		name, path string
		body       []byte
		want       string
	}{
		{"truncated", "/plugins/org.keeper.a_1.2.3.v20261207.jar", bundleA[:len(bundleA)-30], "not a jar"},
		{"not a bundle", "/plugins/x_1.0.0.jar", jar([2]string{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n"}), "Bundle-SymbolicName"},
		{"no manifest", "/plugins/x_1.0.0.jar", jar([2]string{"a.txt", "a"}), "no META-INF/MANIFEST.MF"},
		{"name mismatch", "/plugins/org.keeper.a_9.0.0.jar", bundleA, "does not match"},
		{"bad version", "/plugins/x_1.jar", bundleJar("x", "1.x.y"), "invalid version"},
		{"traversal", "/plugins/org.keeper.a_1.2.3.v20261207.jar", trav, "path traversal"},
		{"bomb", "/plugins/org.keeper.a_1.2.3.v20261207.jar", bomb, "too large"},
		{"feature xml", "/features/f_1.0.0.jar", jar([2]string{"feature.xml", "<feature id='f' version='1.0.0'>"}), "feature.xml"},
		{"feature as plugin", "/plugins/org.keeper.feature_1.0.0.qualifier.jar", feature, "no META-INF/MANIFEST.MF"},
		{"not a jar name", "/plugins/x.zip", bundleA, "upload to"},
		{"empty", "/plugins/x_1.0.0.jar", []byte{}, "empty body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := published(t)
			before, n := e.get("/content.xml"), len(e.h.Files)
			st, body := e.req("PUT", c.path, c.body)
			if st != 400 || !strings.Contains(string(body), c.want) {
				t.Fatalf("got %d %s, want 400 containing %q", st, body, c.want)
			}
			if after := e.get("/content.xml"); !bytes.Equal(after, before) || len(e.h.Files) != n {
				t.Fatal("a refused upload changed the repository")
			}
		})
	}
}

func TestAuthConflictNotFoundDelete(t *testing.T) {
	e := published(t)
	req := ports.FormatRequest{Method: "PUT", Path: "/plugins/org.keeper.b_2.0.0.jar", Body: e.h.Body(bundleB),
		Repo: &ports.RepoContext{Key: "ecl", Format: "p2"}}
	if _, err := plugintest.NativeHandle(Plugin{}, e.h, req); sdk.AsError(err).Status != 401 {
		t.Fatalf("anonymous upload: %v", err)
	}
	e.h.Discard()
	if st, body := e.req("PUT", "/plugins/org.keeper.b_2.0.0.jar", bundleB); st != 409 {
		t.Fatalf("republish: %d %s", st, body)
	}
	for _, p := range []string{"/plugins/none_1.0.0.jar", "/compositeContent.xml", "/other.xml", "/plugins/a/b.jar"} {
		if st, _ := e.req("GET", p, nil); st != 404 {
			t.Fatalf("GET %s: %d", p, st)
		}
	}
	if st, body := e.req("DELETE", "/plugins/org.keeper.b_2.0.0.jar", nil); st != 204 {
		t.Fatalf("delete: %d %s", st, body)
	}
	if st, _ := e.req("DELETE", "/plugins/org.keeper.b_2.0.0.jar", nil); st != 404 {
		t.Fatalf("delete again: %d", st)
	}
	if c := string(e.get("/content.xml")); strings.Contains(c, "<unit id='org.keeper.b'") {
		t.Fatal("content.xml still lists the deleted bundle")
	}
	if st, _ := e.req("POST", "/content.xml", nil); st != 405 {
		t.Fatalf("POST: %d", st)
	}
}
