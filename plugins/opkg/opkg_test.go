package opkg

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

const feed = "/packages/x86_64/base/"

var testSigner *pgp.Signer

func signer(t testing.TB) *pgp.Signer {
	t.Helper()
	if testSigner == nil {
		s, err := pgp.NewSigner(pgp.Ed25519, "keeper-test-opkg")
		if err != nil {
			t.Fatal(err)
		}
		testSigner = s
	}
	return testSigner
}

// env is a repository in a MemHost served natively, committing a call's
// writes only when it succeeded, as the host does.
type env struct {
	t *testing.T
	h *porttest.MemHost
}

func newEnv(t *testing.T, signed bool) *env {
	h := porttest.NewMemHost()
	h.RepoKey = "ow"
	if signed {
		h.Signing = signer(t)
	}
	return &env{t: t, h: h}
}

func (e *env) req(method, path string, body []byte, headers ...ports.Header) (int, []byte) {
	e.t.Helper()
	req := ports.FormatRequest{Method: method, Path: path, User: "alice", BaseURL: "http://k", Headers: headers,
		Repo: &ports.RepoContext{Key: "ow", Type: "local", Format: "opkg", BaseURL: "http://k/opkg/ow"}}
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
	if resp.ServeBlob != "" { // Packages.gz, gzipped by the host
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

func published(t *testing.T, signed bool) (*env, map[string][]byte) {
	e := newEnv(t, signed)
	out := map[string][]byte{}
	for name, s := range map[string]ipkSpec{"keeper-hello_1.0-1_x86_64.ipk": hello, "keeper-tool_0.3-r2_all.ipk": tool} {
		b := s.build()
		if st, body := e.req("PUT", feed+name, b); st != 201 {
			t.Fatalf("upload %s: %d %s", name, st, body)
		}
		out[name] = b
	}
	return e, out
}

// paragraphs parses Packages as opkg does (libopkg/pkg_hash.c
// pkg_hash_add_from_file: one paragraph per package), by Package name.
func paragraphs(t *testing.T, text string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, p := range strings.Split(strings.Trim(text, "\n"), "\n\n") {
		c, err := parseControl([]byte(p))
		if err != nil {
			t.Fatalf("paragraph %q: %v", p, err)
		}
		m := map[string]string{}
		for _, f := range c {
			m[f.Name] = f.Value
		}
		out[m["Package"]] = m
	}
	return out
}

// TestFeedIndexes uploads both outer forms and checks Packages as opkg
// reads it: every paragraph's Filename resolves beside the index to the
// uploaded bytes, whose Size, MD5Sum and SHA256sum match; Packages.gz
// inflates to Packages.
func TestFeedIndexes(t *testing.T) {
	e, files := published(t, false)
	text := e.get(feed + "Packages")
	ps := paragraphs(t, string(text))
	if len(ps) != 2 {
		t.Fatalf("Packages has %d paragraphs:\n%s", len(ps), text)
	}
	for _, p := range ps {
		want := files[p["Filename"]]
		f, ok := e.h.Files[strings.TrimPrefix(feed, "/")+p["Filename"]]
		if !ok || want == nil || !bytes.Equal(e.h.Blobs[f.BlobDigest], want) {
			t.Fatalf("Filename %q does not name the uploaded file", p["Filename"])
		}
		s, m := sha256.Sum256(want), md5.Sum(want)
		if p["SHA256sum"] != hex.EncodeToString(s[:]) || p["MD5Sum"] != hex.EncodeToString(m[:]) || p["Size"] != fmt.Sprint(len(want)) {
			t.Fatalf("checksums of %s: %v", p["Package"], p)
		}
	}
	if ps["keeper-tool"]["Version"] != "2:0.3-r2" || ps["keeper-hello"]["Depends"] != "libc" {
		t.Fatalf("fields: %v", ps)
	}
	zr, err := gzip.NewReader(bytes.NewReader(e.get(feed + "Packages.gz")))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, text) {
		t.Fatal("Packages.gz differs from Packages")
	}
	if st, _ := e.req("GET", feed+"Packages.sig", nil); st != 404 {
		t.Fatalf("Packages.sig of an unsigned repository: %d", st)
	}
	if st, _ := e.req("GET", "/packages/x86_64/Packages", nil); st != 200 {
		t.Fatalf("an empty feed: %d", st)
	}
	plugintest.Golden(t, "golden/Packages", text)
}

// TestSignature verifies Packages.sig as opkg's gpgme check does
// (libopkg/opkg_gpg.c: a detached signature of Packages by a key of the
// keyring) with the key served at /key.asc, and that it fails on a
// changed index.
func TestSignature(t *testing.T) {
	e, _ := published(t, true)
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(e.get("/key.asc")))
	if err != nil {
		t.Fatal(err)
	}
	text, sig := e.get(feed+"Packages"), e.get(feed+"Packages.sig")
	if !bytes.HasPrefix(sig, []byte("-----BEGIN PGP SIGNATURE-----")) {
		t.Fatalf("Packages.sig is not armored: %.40q", sig)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(text), bytes.NewReader(sig), nil); err != nil {
		t.Fatalf("Packages.sig: %v", err)
	}
	changed := bytes.Replace(text, []byte("keeper-hello"), []byte("keeper-hellO"), 1)
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(changed), bytes.NewReader(sig), nil); err == nil {
		t.Fatal("the signature verifies a changed index")
	}
}

func TestUploadRefusals(t *testing.T) {
	good := hello.build()
	mismatch := hello
	mismatch.control = controlText("keeper-other", "1.0-1", "x86_64")
	trav := hello
	trav.ctlExtra = map[string]string{"../../postinst": "x"}
	bomb := hello
	bomb.ctlExtra = map[string]string{"./postinst": strings.Repeat("\x00", 64<<20)}
	bigControl := hello
	bigControl.control = controlText("keeper-hello", "1.0-1", "x86_64") + " " + strings.Repeat("x", 300<<10) + "\n"
	noData := hello
	noData.noData = true
	badVersion := hello
	badVersion.control = controlText("keeper-hello", "1.0 1", "x86_64")
	noArch := hello
	noArch.control = "Package: keeper-hello\nVersion: 1.0-1\n"
	forged := hello
	forged.control = controlText("keeper-hello", "1.0-1", "x86_64") + "SHA256sum: 00\n"
	cases := []struct {
		name, file string
		body       []byte
		want       string
	}{
		{"truncated", "keeper-hello_1.0-1_x86_64.ipk", good[:len(good)-40], "truncated"},
		{"not an ipk", "keeper-hello_1.0-1_x86_64.ipk", []byte("PK\x03\x04 zip"), "neither an ar archive"},
		{"name mismatch", "keeper-hello_1.0-1_x86_64.ipk", mismatch.build(), "does not match the package's control file"},
		{"traversal", "keeper-hello_1.0-1_x86_64.ipk", trav.build(), "path traversal"},
		{"bomb", "keeper-hello_1.0-1_x86_64.ipk", bomb.build(), "too large"},
		{"control too large", "keeper-hello_1.0-1_x86_64.ipk", bigControl.build(), "too large"},
		{"no data", "keeper-hello_1.0-1_x86_64.ipk", noData.build(), "no data.tar"},
		{"bad version", "keeper-hello_1.0 1_x86_64.ipk", badVersion.build(), "invalid Version"},
		{"no arch", "keeper-hello_1.0-1_x86_64.ipk", noArch.build(), "no Architecture"},
		{"not .ipk", "keeper-hello.deb", good, "upload to"},
		{"empty", "keeper-hello_1.0-1_x86_64.ipk", []byte{}, "empty body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, _ := published(t, false)
			before, n := e.get(feed+"Packages"), len(e.h.Files)
			st, body := e.req("PUT", feed+c.file, c.body)
			if st != 400 || !strings.Contains(string(body), c.want) {
				t.Fatalf("got %d %s, want 400 containing %q", st, body, c.want)
			}
			if after := e.get(feed + "Packages"); !bytes.Equal(after, before) || len(e.h.Files) != n {
				t.Fatal("a refused upload changed the feed")
			}
		})
	}
	t.Run("forged checksum field is dropped", func(t *testing.T) {
		e := newEnv(t, false)
		if st, body := e.req("PUT", feed+"keeper-hello_1.0-1_x86_64.ipk", forged.build()); st != 201 {
			t.Fatalf("%d %s", st, body)
		}
		if p := paragraphs(t, string(e.get(feed+"Packages")))["keeper-hello"]; p["SHA256sum"] == "00" {
			t.Fatal("the control file's SHA256sum reached the index")
		}
	})
}

func TestAuthConflictNotFoundDelete(t *testing.T) {
	e, files := published(t, false)
	req := ports.FormatRequest{Method: "PUT", Path: feed + "keeper-hello_1.0-1_x86_64.ipk", Body: e.h.Body(hello.build()),
		Repo: &ports.RepoContext{Key: "ow", Format: "opkg"}}
	if _, err := plugintest.NativeHandle(Plugin{}, e.h, req); sdk.AsError(err).Status != 401 {
		t.Fatalf("anonymous upload: %v", err)
	}
	e.h.Discard()
	if st, body := e.req("PUT", feed+"keeper-hello_1.0-1_x86_64.ipk", files["keeper-hello_1.0-1_x86_64.ipk"]); st != 409 {
		t.Fatalf("republish: %d %s", st, body)
	}
	for _, p := range []string{feed + "nothing_1_all.ipk", feed + "Release", "/a/b/c/d/e/Packages", "/../Packages"} {
		if st, _ := e.req("GET", p, nil); st != 404 {
			t.Fatalf("GET %s: %d", p, st)
		}
	}
	if st, _ := e.req("DELETE", feed+"nothing_1_all.ipk", nil); st != 404 {
		t.Fatalf("delete unknown: %d", st)
	}
	if st, body := e.req("DELETE", feed+"keeper-tool_0.3-r2_all.ipk", nil); st != 204 {
		t.Fatalf("delete: %d %s", st, body)
	}
	if text := e.get(feed + "Packages"); strings.Contains(string(text), "keeper-tool") {
		t.Fatalf("Packages after delete:\n%s", text)
	}
	if st, _ := e.req("PATCH", feed+"x", nil); st != 405 {
		t.Fatalf("PATCH: %d", st)
	}
}
