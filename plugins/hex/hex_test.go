package hex

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"io"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

var rsaSigner = func() *pgp.Signer {
	s, err := pgp.NewSigner(pgp.RSA3072, "hexrepo")
	if err != nil {
		panic(err)
	}
	return s
}()

type env struct {
	t    *testing.T
	h    *porttest.MemHost
	repo *ports.RepoContext
}

func newEnv(t *testing.T) *env {
	h := porttest.NewMemHost()
	h.Signing = rsaSigner
	return &env{t: t, h: h, repo: &ports.RepoContext{Key: "hexrepo", Type: "local", Format: "hex", BaseURL: "http://k/hex/hexrepo"}}
}

// call runs a request natively and commits on success, as the host does.
func (e *env) call(method, path string, body []byte) ports.FormatResponse {
	e.t.Helper()
	req := ports.FormatRequest{Method: method, Path: path, Repo: e.repo, User: "u"}
	if body != nil {
		req.Body = &ports.Body{Digest: e.h.AddBlob(body), Size: int64(len(body))}
	}
	r, err := plugintest.NativeHandle(Plugin{}, e.h, req)
	if err != nil {
		pe := sdk.AsError(err)
		e.h.Discard()
		return ports.FormatResponse{Status: pe.Status, Body: []byte(pe.Message)}
	}
	if err := e.h.Commit(); err != nil {
		e.t.Fatal(err)
	}
	if r.ServeBlob != "" {
		b, _ := e.h.ReadBlob(e.t.Context(), r.ServeBlob, 0, 1<<30)
		r.Body = b
	}
	return r
}

func (e *env) want(r ports.FormatResponse, status int, contains string) {
	e.t.Helper()
	if r.Status != status || !strings.Contains(string(r.Body), contains) {
		e.t.Fatalf("got %d %s, want %d containing %q", r.Status, r.Body, status, contains)
	}
}

// payload gunzips a registry resource, checks its signature with the
// repository's public key (as hex_core does) and returns the payload.
func payload(t *testing.T, gzipped []byte, pemKey []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gzipped))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	raw, _ := io.ReadAll(zr)
	fields := decodeFields(t, raw)
	blk, _ := pem.Decode(pemKey)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		t.Fatalf("public key is not a PEM PUBLIC KEY: %s", pemKey)
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(fields[1][0])
	if err := rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA512, sum[:], fields[2][0]); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	return fields[1][0]
}

// decodeFields decodes the length-delimited fields of a protobuf message.
func decodeFields(t *testing.T, b []byte) map[int][][]byte {
	t.Helper()
	out := map[int][][]byte{}
	for len(b) > 0 {
		key, n := uvarint(b)
		b = b[n:]
		switch key & 7 {
		case 0:
			_, n = uvarint(b)
			b = b[n:]
		case 2:
			l, n := uvarint(b)
			out[int(key>>3)] = append(out[int(key>>3)], b[n:n+int(l)])
			b = b[n+int(l):]
		default:
			t.Fatalf("wire type %d", key&7)
		}
	}
	return out
}

func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, len(b)
}

func TestPublishAndRegistry(t *testing.T) {
	e := newEnv(t)
	tb := hexTarball(t, "mydep", "1.0.0", "[]", nil)
	e.want(e.call("POST", "/api/publish", tb), 201, `"name":"mydep"`)
	e.want(e.call("POST", "/api/packages/mydep/releases", hexTarball(t, "mydep", "1.1.0",
		`[{<<"other">>,[{<<"app">>,<<"other">>},{<<"optional">>,true},{<<"requirement">>,<<"~> 2.0">>},{<<"repository">>,<<"hexpm">>}]}]`, nil)), 201, "")
	e.want(e.call("POST", "/api/publish", hexTarball(t, "other", "2.0.0", `#{<<"mydep">> => #{<<"app">> => <<"mydep">>, <<"optional">> => false, <<"requirement">> => <<">= 1.0.0">>}}`, nil)), 201, "")
	if f := e.h.Files["tarballs/mydep-1.0.0.tar"]; f.SHA256 != sha256hex(tb) || f.Package != "mydep" {
		t.Fatalf("stored tarball %+v", f)
	}
	key := e.call("GET", "/public_key", nil)
	e.want(key, 200, "BEGIN PUBLIC KEY")

	pkg := payload(t, e.call("GET", "/packages/mydep", nil).Body, key.Body)
	plugintest.Golden(t, "packages-mydep.pb", pkg)
	f := decodeFields(t, pkg)
	if string(f[2][0]) != "mydep" || string(f[3][0]) != "hexrepo" || len(f[1]) != 2 {
		t.Fatalf("package payload fields %v", f)
	}
	rel := decodeFields(t, f[1][0])
	if string(rel[1][0]) != "1.0.0" || sha256hex(tb) != bytesHex(rel[5][0]) {
		t.Fatalf("release 1.0.0: %v", rel)
	}
	dep := decodeFields(t, decodeFields(t, f[1][1])[3][0])
	if string(dep[1][0]) != "other" || string(dep[2][0]) != "~> 2.0" || string(dep[5][0]) != "hexpm" {
		t.Fatalf("dependency of 1.1.0: %v", dep)
	}
	plugintest.Golden(t, "versions.pb", payload(t, e.call("GET", "/versions", nil).Body, key.Body))
	names := decodeFields(t, payload(t, e.call("GET", "/names", nil).Body, key.Body))
	if len(names[1]) != 2 || string(names[2][0]) != "hexrepo" {
		t.Fatalf("names: %v", names)
	}

	t.Run("republish is a conflict", func(t *testing.T) {
		e.want(e.call("POST", "/api/publish", hexTarball(t, "mydep", "1.0.0", "[]", nil)), 409, "already exists")
	})
	t.Run("unknown is 404", func(t *testing.T) {
		e.want(e.call("GET", "/packages/nope", nil), 404, "not found")
		e.want(e.call("GET", "/tarballs/nope-1.0.0.tar", nil), 404, "not found")
		e.want(e.call("GET", "/packages/Bad-Name", nil), 404, "not found")
	})
	t.Run("no key", func(t *testing.T) {
		e.h.Signing = nil
		defer func() { e.h.Signing = rsaSigner }()
		e.want(e.call("GET", "/packages/mydep", nil), 409, "no signing key")
		e.want(e.call("GET", "/public_key", nil), 404, "no RSA signing key")
	})
}

func bytesHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestPublishRefusals(t *testing.T) {
	e := newEnv(t)
	ok := hexTarball(t, "mydep", "1.0.0", "[]", nil)
	cases := []struct {
		name string
		body []byte
		msg  string
	}{
		{"not a tar", []byte("hello"), "invalid package tarball"},
		{"truncated", ok[:len(ok)/2], "invalid package tarball"},
		{"checksum", hexTarball(t, "mydep", "1.0.0", "[]", func(f map[string][]byte) { f["CHECKSUM"] = []byte(strings.Repeat("A", 64)) }), "CHECKSUM does not match"},
		{"forged metadata", hexTarball(t, "mydep", "1.0.0", "[]", func(f map[string][]byte) {
			f["metadata.config"] = metadataConfig("mydep", "9.9.9", "[]")
			f["CHECKSUM"] = []byte(strings.Repeat("0", 64))
		}), "CHECKSUM does not match"},
		{"bad version", hexTarball(t, "mydep", "1.0", "[]", nil), "invalid version"},
		{"bad name", hexTarball(t, "My-Dep", "1.0.0", "[]", nil), "invalid package name"},
		{"bad term", hexTarball(t, "mydep", "1.0.0", "[{<<\"x\">>", nil), "invalid metadata.config"},
		{"tarball version", hexTarball(t, "mydep", "1.0.0", "[]", func(f map[string][]byte) { f["VERSION"] = []byte("2") }), "unsupported package tarball version"},
		{"traversal", hexTarball(t, "mydep", "1.0.0", "[]", func(f map[string][]byte) {
			f["contents.tar.gz"] = gz(tarOf(t, []string{"../../evil.erl"}, map[string][]byte{"../../evil.erl": []byte("x")}))
		}), "unsafe file name"},
		{"contents not gzip", hexTarball(t, "mydep", "1.0.0", "[]", func(f map[string][]byte) { f["contents.tar.gz"] = []byte("plain") }), "contents.tar.gz"},
		{"bad requirement", hexTarball(t, "mydep", "1.0.0", `[{<<"x">>,[{<<"app">>,<<"x">>}]}]`, nil), "has no version requirement"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.want(e.call("POST", "/api/publish", c.body), 400, c.msg)
			if len(e.h.Files) != 0 {
				t.Fatalf("something was stored: %v", e.h.Files)
			}
		})
	}
	e.want(e.call("POST", "/api/packages/other/releases", ok), 400, "the URL")
	e.want(e.call("POST", "/api/publish", nil), 400, "no package tarball")
	e.want(e.call("DELETE", "/packages/mydep", nil), 405, "not allowed")
}

func TestClassify(t *testing.T) {
	for p, c := range map[string]sdk.CacheClass{
		"/tarballs/mydep-1.0.0.tar": sdk.Immutable,
		"/packages/mydep":           sdk.Mutable,
		"/names":                    sdk.Mutable,
		"/versions":                 sdk.Mutable,
		"/public_key":               sdk.Mutable,
	} {
		if got := (Plugin{}).Classify(p); got != c {
			t.Errorf("classify %s = %v, want %v", p, got, c)
		}
	}
}

// TestPublishBomb: a contents.tar.gz that expands beyond the host's scan
// limit is refused, and nothing is stored.
func TestPublishBomb(t *testing.T) {
	h := fakehost.New(&sdk.RepoContext{Key: "hexrepo", Kind: "local", Format: "hex", BaseURL: "http://k/hex/hexrepo"})
	h.ScanLimit = 1 << 20
	bomb := hexTarball(t, "mydep", "1.0.0", "[]", func(f map[string][]byte) {
		f["contents.tar.gz"] = gz(tarOf(t, []string{"src/big.erl"}, map[string][]byte{"src/big.erl": make([]byte, 8<<20)}))
	})
	r := fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "POST", Path: "/api/publish", Repo: h.RepoCtx, User: "u", Body: h.Body(bomb)})
	if r.Status != 400 || !strings.Contains(string(r.Bytes), "contents.tar.gz") || len(h.Files) != 0 {
		t.Fatalf("bomb: %d %s, %d files stored", r.Status, r.Bytes, len(h.Files))
	}
	// Under the default limit the same package is fine: the limit refused it.
	h.ScanLimit = 0
	if r := fakehost.Serve(Plugin{}, h, &sdk.Request{Method: "POST", Path: "/api/publish", Repo: h.RepoCtx, User: "u", Body: h.Body(bomb)}); r.Status != 201 {
		t.Fatalf("within the limit: %d %s", r.Status, r.Bytes)
	}
}
