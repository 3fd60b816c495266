package debian_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"

	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/plugins/debian"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

const base = "http://k/debian/apt"

// env is a repository in a MemHost served natively.
type env struct {
	t *testing.T
	h *porttest.MemHost
}

func newEnv(t *testing.T, signed bool) *env {
	h := porttest.NewMemHost()
	h.RepoKey = "apt"
	if signed {
		s, err := pgp.NewSigner(pgp.Ed25519, "apt")
		if err != nil {
			t.Fatal(err)
		}
		h.Signing = s
	}
	return &env{t: t, h: h}
}

// do runs one request and commits its writes when it succeeded.
func (e *env) do(method, path, query string, body []byte) (int, []byte) {
	e.t.Helper()
	req := ports.FormatRequest{Method: method, Path: path, RawQuery: query, User: "alice", BaseURL: "http://k",
		Repo: &ports.RepoContext{Key: "apt", Type: "local", Format: "debian", BaseURL: base}}
	if body != nil {
		req.Body = e.h.Body(body)
	}
	resp, err := plugintest.NativeHandle(debian.Plugin{}, e.h, req)
	if err != nil {
		e.h.Discard()
		var st int = 500
		if pe, ok := err.(interface{ Error() string }); ok {
			msg := pe.Error()
			if i := strings.Index(msg, ": "); i > 0 {
				if n, ok := atoi(msg[:i]); ok {
					st = n
				}
				msg = msg[i+2:]
			}
			return st, []byte(msg)
		}
	}
	if cerr := e.h.Commit(); cerr != nil {
		return 409, []byte(cerr.Error())
	}
	return resp.Status, resp.Body
}

func atoi(s string) (int, bool) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}

// file returns a stored file's bytes.
func (e *env) file(path string) []byte {
	e.t.Helper()
	f, ok := e.h.Files[path]
	if !ok {
		e.t.Fatalf("no file %s", path)
	}
	return e.h.Blobs[f.BlobDigest]
}

func TestUploadAndIndexes(t *testing.T) {
	e := newEnv(t, true)
	deb := makeDeb(controlText("hello", "1:1.0-1", "amd64"))
	if st, body := e.do("POST", "/upload", "", deb); st != 201 || !strings.Contains(string(body), `"path":"pool/main/h/hello/hello_1.0-1_amd64.deb"`) {
		t.Fatalf("upload: %d %s", st, body)
	}
	if st, body := e.do("PUT", "/pool/contrib/libf/libfoo/libfoo_2.0_arm64.deb", "distribution=bookworm&component=contrib",
		makeDeb(controlText("libfoo", "2.0", "arm64"))); st != 201 {
		t.Fatalf("put: %d %s", st, body)
	}
	if !bytes.Equal(e.file("pool/main/h/hello/hello_1.0-1_amd64.deb"), deb) {
		t.Fatal("pool file differs")
	}
	pk := string(e.file("dists/stable/main/binary-amd64/Packages"))
	for _, want := range []string{"Package: hello\n", "Version: 1:1.0-1\n", "Filename: pool/main/h/hello/hello_1.0-1_amd64.deb\n",
		"Description: test package\n a test\n", "SHA256: "} {
		if !strings.Contains(pk, want) {
			t.Errorf("Packages lacks %q:\n%s", want, pk)
		}
	}
	zr, err := gzip.NewReader(bytes.NewReader(e.file("dists/stable/main/binary-amd64/Packages.gz")))
	if err != nil {
		t.Fatal(err)
	}
	if gz, _ := io.ReadAll(zr); string(gz) != pk {
		t.Error("Packages.gz differs from Packages")
	}
	rel := string(e.file("dists/stable/Release"))
	for _, want := range []string{"Suite: stable\n", "Architectures: amd64\n", "Components: main\n", "Acquire-By-Hash: yes\n",
		"MD5Sum:\n", "SHA1:\n", "SHA256:\n", "SHA512:\n", "main/binary-amd64/Packages.xz\n"} {
		if !strings.Contains(rel, want) {
			t.Errorf("Release lacks %q:\n%s", want, rel)
		}
	}
	if rel2 := string(e.file("dists/bookworm/Release")); !strings.Contains(rel2, "Components: contrib\n") || !strings.Contains(rel2, "Architectures: arm64\n") {
		t.Errorf("bookworm Release:\n%s", rel2)
	}
	// by-hash copies carry the same bytes.
	sum := e.h.Files["dists/stable/main/binary-amd64/Packages"].BlobDigest
	if string(e.file("dists/stable/main/binary-amd64/by-hash/SHA256/"+sum)) != pk || !strings.Contains(rel, " "+sum+" ") {
		t.Error("by-hash SHA256 copy missing or not listed")
	}
	// Signatures verify with the repository key.
	st, keyArmored := e.do("GET", "/gpg-key.asc", "", nil)
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(keyArmored))
	if st != 200 || err != nil {
		t.Fatalf("gpg-key.asc: %d %v", st, err)
	}
	blk, _ := clearsign.Decode(e.file("dists/stable/InRelease"))
	if blk == nil {
		t.Fatal("InRelease is not clear-signed")
	}
	if _, err := blk.VerifySignature(ring, nil); err != nil {
		t.Errorf("InRelease: %v", err)
	}
	if string(blk.Plaintext)+"\n" != rel && string(blk.Plaintext) != rel {
		t.Error("InRelease does not carry the Release text")
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, strings.NewReader(rel), bytes.NewReader(e.file("dists/stable/Release.gpg")), nil); err != nil {
		t.Errorf("Release.gpg: %v", err)
	}
	// A second package joins the same index.
	if st, _ := e.do("POST", "/upload", "", makeDeb(controlText("hello", "1:1.1-1", "amd64"))); st != 201 {
		t.Fatal("second version")
	}
	if pk2 := string(e.file("dists/stable/main/binary-amd64/Packages")); strings.Count(pk2, "Package: hello\n") != 2 || !strings.HasPrefix(pk2, pk) {
		t.Errorf("second version not appended:\n%s", pk2)
	}
}

func TestUnsignedRepository(t *testing.T) {
	e := newEnv(t, false)
	if st, body := e.do("POST", "/upload", "", makeDeb(controlText("hello", "1.0", "amd64"))); st != 201 {
		t.Fatalf("upload: %d %s", st, body)
	}
	if _, ok := e.h.Files["dists/stable/Release"]; !ok {
		t.Error("no Release")
	}
	if _, ok := e.h.Files["dists/stable/InRelease"]; ok {
		t.Error("InRelease without a key")
	}
	if st, _ := e.do("GET", "/gpg-key.asc", "", nil); st != 404 {
		t.Errorf("gpg-key.asc without a key: %d", st)
	}
}

func TestBadUploads(t *testing.T) {
	good := makeDeb(controlText("hello", "1.0", "amd64"))
	bomb := makeAr(arMember{"debian-binary", []byte("2.0\n")},
		arMember{"control.tar.gz", tarGz("./control", controlText("hello", "1.0", "amd64")+"X-Pad: "+strings.Repeat("a", 400<<10)+"\n")},
		arMember{"data.tar.gz", tarGz("x", "y")})
	cases := []struct {
		name, method, path, query string
		body                      []byte
		status                    int
		want                      string
	}{
		{"truncated", "POST", "/upload", "", good[:len(good)-40], 400, "shorter"},
		{"not ar", "POST", "/upload", "", []byte("PK\x03\x04 zip"), 400, "not a Debian package"},
		{"no control", "POST", "/upload", "", makeAr(arMember{"debian-binary", []byte("2.0\n")}, arMember{"control.tar.gz", tarGz("./md5sums", "")}, arMember{"data.tar.gz", tarGz("x", "y")}), 400, "no control file"},
		{"forged control", "POST", "/upload", "", makeDeb("Package: hello\nPackage: evil\nVersion: 1\nArchitecture: amd64\n"), 400, "repeated"},
		{"bad name", "POST", "/upload", "", makeDeb(controlText("Hello World", "1.0", "amd64")), 400, "invalid Package"},
		{"traversal member", "POST", "/upload", "", makeAr(arMember{"debian-binary", []byte("2.0\n")}, arMember{"control.tar.gz", tarGz("../control", controlText("a1", "1", "all"))}, arMember{"data.tar.gz", tarGz("x", "y")}), 400, ".."},
		{"traversal path", "PUT", "/pool/main/../../etc/hello_1.0_amd64.deb", "", good, 400, "invalid pool path"},
		{"name mismatch", "PUT", "/pool/main/h/hello/hello_2.0_amd64.deb", "", good, 400, "does not match"},
		{"bomb", "POST", "/upload", "", bomb, 400, "too large"},
		{"bad dist", "POST", "/upload", "distribution=../x", good, 400, "invalid distribution"},
		{"empty", "POST", "/upload", "", []byte{}, 400, "empty body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, true)
			st, body := e.do(c.method, c.path, c.query, c.body)
			if st != c.status || !strings.Contains(string(body), c.want) {
				t.Errorf("%d %s, want %d containing %q", st, body, c.status, c.want)
			}
			if len(e.h.Files) != 0 {
				t.Errorf("files stored after a refused upload: %d", len(e.h.Files))
			}
		})
	}
}

func TestConflict(t *testing.T) {
	e := newEnv(t, true)
	deb := makeDeb(controlText("hello", "1.0", "amd64"))
	if st, _ := e.do("POST", "/upload", "", deb); st != 201 {
		t.Fatal("first upload")
	}
	before := string(e.file("dists/stable/main/binary-amd64/Packages"))
	if st, body := e.do("POST", "/upload", "", deb); st != http.StatusConflict || !strings.Contains(string(body), "already exists") {
		t.Errorf("republish: %d %s", st, body)
	}
	if string(e.file("dists/stable/main/binary-amd64/Packages")) != before {
		t.Error("index changed by a refused upload")
	}
	if st, _ := e.do("GET", "/nothing", "", nil); st != 404 {
		t.Errorf("unknown path: %d", st)
	}
}

// TestManyChunks: past one chunk, Packages.gz is the concatenation of the
// chunks' gzip members and still decompresses to Packages; past maxXZ the
// xz file leaves the Release.
func TestManyChunks(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 300 packages")
	}
	e := newEnv(t, false)
	long := strings.Repeat(" padding line to make the stanza long enough\n", 80)
	for i := 0; i < 300; i++ {
		ctl := controlText(fmt.Sprintf("pkg%04d", i), "1.0", "amd64") + "X-Pad: x\n" + long
		if st, body := e.do("POST", "/upload", "", makeDeb(ctl)); st != 201 {
			t.Fatalf("upload %d: %d %s", i, st, body)
		}
	}
	pk := e.file("dists/stable/main/binary-amd64/Packages")
	if strings.Count(string(pk), "Package: ") != 300 {
		t.Fatalf("Packages holds %d stanzas", strings.Count(string(pk), "Package: "))
	}
	zr, err := gzip.NewReader(bytes.NewReader(e.file("dists/stable/main/binary-amd64/Packages.gz")))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, pk) {
		t.Fatalf("Packages.gz (multi-member) differs from Packages: %v", err)
	}
	rel := string(e.file("dists/stable/Release"))
	if len(pk) > 1<<20 && strings.Contains(rel, "Packages.xz") {
		t.Errorf("Release lists Packages.xz for a %d-byte index", len(pk))
	}
	if _, ok := e.h.Files["dists/stable/main/binary-amd64/Packages.xz"]; ok && len(pk) > 1<<20 {
		t.Error("stale Packages.xz kept")
	}
}

func TestClassify(t *testing.T) {
	for path, want := range map[string]sdk.CacheClass{
		"/pool/main/h/hello/hello_1.0_amd64.deb":             sdk.Immutable,
		"/dists/stable/main/binary-amd64/by-hash/SHA256/abc": sdk.Immutable,
		"/dists/stable/InRelease":                            sdk.Mutable,
		"/dists/stable/main/binary-amd64/Packages.xz":        sdk.Mutable,
		"/gpg-key.asc": sdk.Mutable,
		"/other":       sdk.Unknown,
	} {
		if got := (debian.Plugin{}).Classify(path); got != want {
			t.Errorf("Classify(%s) = %v, want %v", path, got, want)
		}
	}
}
