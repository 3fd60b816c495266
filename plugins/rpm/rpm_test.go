package rpm

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const (
	helloRPM = "keeper-hello-1.0-1.noarch.rpm"
	toolRPM  = "keeper-tool-0.3-2.x86_64.rpm"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newHost() *fakehost.Host {
	return fakehost.New(&sdk.RepoContext{Key: "el", Kind: "local", Format: "rpm", BaseURL: "http://k/rpm/el"})
}

func getReq(h *fakehost.Host, path string) *sdk.Request {
	return &sdk.Request{Method: "GET", Path: path, Repo: h.RepoCtx}
}

func serve(h *fakehost.Host, method, path string, body []byte) *sdk.Response {
	req := &sdk.Request{Method: method, Path: path, Repo: h.RepoCtx, User: "admin"}
	if body != nil {
		req.Body = h.Body(body)
	}
	return serveSigned(h, true, req)
}

func published(t testing.TB) *fakehost.Host {
	t.Helper()
	h := newHost()
	for _, f := range []string{helloRPM, toolRPM} {
		if r := serve(h, "PUT", "/"+f, fixture(t, f)); r.Status != 201 {
			t.Fatalf("upload %s: %d %s", f, r.Status, r.Bytes)
		}
	}
	return h
}

// fetch returns a document's bytes, following serve-blob responses.
func fetch(t testing.TB, h *fakehost.Host, path string) []byte {
	t.Helper()
	r := serve(h, "GET", path, nil)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Bytes)
	}
	if r.Kind == sdk.BodyServeBlob {
		return h.Blobs[r.Target]
	}
	return r.Bytes
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr) // multistream: every member
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var hrefRE = regexp.MustCompile(`href="(repodata/[0-9a-f]{64}-(\w+)\.xml\.gz)"`)

// documents returns repomd.xml and the uncompressed documents it names,
// checking each one's checksum and size against repomd.
func documents(t testing.TB, h *fakehost.Host) (string, map[string][]byte) {
	t.Helper()
	md := string(fetch(t, h, "/repodata/repomd.xml"))
	docs := map[string][]byte{}
	for _, m := range hrefRE.FindAllStringSubmatch(md, -1) {
		gz := fetch(t, h, "/"+m[1])
		sum := strings.TrimPrefix(strings.Split(m[1], "-")[0], "repodata/")
		if got := sha(gz); got != sum || !strings.Contains(md, "<checksum type=\"sha256\">"+got+"</checksum>") {
			t.Fatalf("%s: sha256 %s, repomd says %s", m[1], got, sum)
		}
		docs[m[2]] = gunzip(t, gz)
	}
	if len(docs) != 3 {
		t.Fatalf("repomd names %d documents:\n%s", len(docs), md)
	}
	return md, docs
}

func TestRepodataGolden(t *testing.T) {
	h := published(t)
	md, docs := documents(t, h)
	plugintest.Golden(t, "golden/repomd.xml", []byte(md))
	for k, d := range docs {
		plugintest.Golden(t, "golden/"+k+".xml", d)
	}
}

// TestRepodataMatchesCreaterepo compares the packages, dependencies and files
// of Keeper's documents with createrepo_c's for the same packages.
func TestRepodataMatchesCreaterepo(t *testing.T) {
	tool, err := execLookPath("createrepo_c")
	if err != nil {
		t.Skip("createrepo_c not installed")
	}
	dir := t.TempDir()
	for _, f := range []string{helloRPM, toolRPM} {
		if err := os.WriteFile(filepath.Join(dir, f), fixture(t, f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := execCommand(tool, "--simple-md-filenames", "--general-compress-type=gz", dir).CombinedOutput(); err != nil {
		t.Fatalf("createrepo_c: %v\n%s", err, out)
	}
	_, docs := documents(t, published(t))
	for _, k := range kinds {
		want := readFile(t, filepath.Join(dir, "repodata", k+".xml.gz"))
		got, ref := canonical(t, docs[k]), canonical(t, gunzip(t, want))
		if got != ref {
			t.Errorf("%s differs from createrepo_c's:\nkeeper:\n%s\ncreaterepo_c:\n%s", k, got, ref)
		}
	}
}

func readFile(t testing.TB, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// canonical reduces a document to the elements and attributes that carry
// package data, leaving out what legitimately differs (file times,
// location, header range of createrepo_c's reading).
func canonical(t testing.TB, doc []byte) string {
	t.Helper()
	var out strings.Builder
	d := xml.NewDecoder(bytes.NewReader(doc))
	skip := map[string]bool{"time": true, "location": true, "header-range": true, "packager": true}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if skip[e.Name.Local] {
				continue
			}
			out.WriteString("<" + e.Name.Local)
			for _, a := range e.Attr {
				if a.Name.Local == "file" || a.Name.Local == "package" && e.Name.Local == "size" {
					continue
				}
				out.WriteString(" " + a.Name.Local + "=" + a.Value)
			}
			out.WriteString(">")
		case xml.CharData:
			if s := strings.TrimSpace(string(e)); s != "" {
				out.WriteString(s)
			}
		case xml.EndElement:
			if !skip[e.Name.Local] {
				out.WriteString("</" + e.Name.Local + ">\n")
			}
		}
	}
	return out.String()
}

func TestUploadRefusals(t *testing.T) {
	hello := fixture(t, helloRPM)
	forgedHeader := bytes.Clone(hello)
	i := bytes.Index(forgedHeader, []byte("Keeper test <package>"))
	forgedHeader[i] = 'X'
	forgedPayload := bytes.Clone(hello)
	forgedPayload[len(forgedPayload)-20] ^= 0xff
	cases := []struct {
		name, path string
		body       []byte
		status     int
		want       string
	}{
		{"truncated", "/" + helloRPM, hello[:len(hello)-100], 400, "truncated"},
		{"truncated in header", "/" + helloRPM, hello[:900], 400, "truncated"},
		{"not an rpm", "/" + helloRPM, []byte(strings.Repeat("x", 200)), 400, "no rpm lead magic"},
		{"forged header", "/" + helloRPM, forgedHeader, 400, "forged"},
		{"forged payload", "/" + helloRPM, forgedPayload, 400, "forged"},
		{"name mismatch", "/keeper-hello-1.1-1.noarch.rpm", hello, 400, "does not match the package header"},
		{"traversal file", "/crafted-1-1.noarch.rpm", craft(map[uint32]tagVal{
			tagBaseNames: sa("passwd"), tagDirNames: sa("/usr/../etc/"), tagDirIndexes: i32(0)}, []byte("p")), 400, "not a clean absolute path"},
		{"relative file", "/crafted-1-1.noarch.rpm", craft(map[uint32]tagVal{
			tagBaseNames: sa("x"), tagDirNames: sa("usr/"), tagDirIndexes: i32(0)}, []byte("p")), 400, "not a clean absolute path"},
		{"traversal name", "/crafted-1-1.noarch.rpm", craft(map[uint32]tagVal{tagName: sv("../../x")}, []byte("p")), 400, "header name"},
		{"header bomb", "/crafted-1-1.noarch.rpm", append(craft(nil, nil)[:leadSize:leadSize],
			append(append([]byte{}, headerMagic...), 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0, 0, 0)...), 400, "at most"},
		{"bad dir index", "/crafted-1-1.noarch.rpm", craft(map[uint32]tagVal{
			tagBaseNames: sa("x"), tagDirNames: sa("/usr/"), tagDirIndexes: i32(7)}, []byte("p")), 400, "directory index"},
		{"short flags", "/crafted-1-1.noarch.rpm", craft(map[uint32]tagVal{
			tagRequireName: sa("a", "b"), tagRequireFlags: i32(0), tagRequireVersion: sa("", "")}, []byte("p")), 400, "dependency"},
		{"wrong type", "/crafted-1-1.noarch.rpm", craft(map[uint32]tagVal{tagEpoch: sv("1")}, []byte("p")), 400, "not an integer"},
		{"empty", "/" + helloRPM, []byte{}, 400, "no body"},
		{"bad target", "/a/b/c.rpm", hello, 400, "upload to"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := published(t)
			before := len(h.Files)
			md := fetch(t, h, "/repodata/repomd.xml")
			r := serve(h, "PUT", c.path, c.body)
			if r.Status != c.status || !strings.Contains(string(r.Bytes), c.want) {
				t.Fatalf("got %d %s, want %d containing %q", r.Status, r.Bytes, c.status, c.want)
			}
			if len(h.Files) != before || !bytes.Equal(fetch(t, h, "/repodata/repomd.xml"), md) {
				t.Fatal("a refused upload changed the repository")
			}
		})
	}
}

func TestConflictAndDelete(t *testing.T) {
	h := published(t)
	if r := serve(h, "PUT", "/Packages/"+helloRPM, fixture(t, helloRPM)); r.Status != 409 || !strings.Contains(string(r.Bytes), "keeper-hello-2:1.0-1.noarch") {
		t.Fatalf("republish: %d %s", r.Status, r.Bytes)
	}
	if r := serve(h, "DELETE", "/Packages/"+toolRPM, nil); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Bytes)
	}
	if r := serve(h, "DELETE", "/Packages/"+toolRPM, nil); r.Status != 404 {
		t.Fatalf("second delete: %d", r.Status)
	}
	_, docs := documents(t, h)
	if p := string(docs["primary"]); !strings.Contains(p, `packages="1"`) || strings.Contains(p, "keeper-tool</name>") {
		t.Fatalf("primary after delete:\n%s", p)
	}
	if r := serve(h, "POST", "/upload", fixture(t, toolRPM)); r.Status != 201 {
		t.Fatalf("POST /upload: %d %s", r.Status, r.Bytes)
	}
}

func TestStaleDocumentIs404(t *testing.T) {
	h := newHost()
	serve(h, "PUT", "/"+helloRPM, fixture(t, helloRPM))
	old := hrefRE.FindStringSubmatch(string(fetch(t, h, "/repodata/repomd.xml")))[1]
	serve(h, "PUT", "/"+toolRPM, fixture(t, toolRPM))
	if r := serve(h, "GET", "/"+old, nil); r.Status != 404 {
		t.Fatalf("stale %s: %d", old, r.Status)
	}
	if r := serve(h, "GET", "/repodata/"+strings.Repeat("0", 64)+"-nope.xml.gz", nil); r.Status != 404 {
		t.Fatalf("unknown kind: %d", r.Status)
	}
}

func TestEmptyRepository(t *testing.T) {
	_, docs := documents(t, newHost())
	if !strings.Contains(string(docs["primary"]), `packages="0"`) {
		t.Fatalf("empty primary: %s", docs["primary"])
	}
}
