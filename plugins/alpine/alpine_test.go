package alpine

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const dir = "/v3.20/main/x86_64/"

var (
	hello = apkSpec{name: "keeper-hello", version: "1.0-r0", arch: "x86_64",
		files: map[string]string{"usr/bin/keeper-hello": "#!/bin/sh\necho hi\n"}}
	tool = apkSpec{name: "keeper-tool", version: "0.3-r2", arch: "noarch", unsigned: true,
		pkginfo: "provides = cmd:keeper-tool=0.3-r2\ninstall_if = keeper-hello\n",
		files:   map[string]string{"usr/share/keeper-tool/tool.txt": "tool\n"}}
)

func newHost() *fakehost.Host {
	return fakehost.New(&sdk.RepoContext{Key: "al", Kind: "local", Format: "alpine", BaseURL: "http://k/alpine/al"})
}

func serve(h sdk.Host, fh *fakehost.Host, method, path string, body []byte) *sdk.Response {
	req := &sdk.Request{Method: method, Path: path, Repo: fh.RepoCtx, User: "admin"}
	if body != nil {
		req.Body = fh.Body(body)
	}
	_, signed := h.(signingHost)
	return serveSigned(fh, signed, req)
}

// segments splits a file into its gzip streams and returns each one's
// compressed bytes and inflated content, as apk reads them.
func segments(t testing.TB, b []byte) (raw, plain [][]byte) {
	t.Helper()
	br := bytes.NewReader(b)
	for br.Len() > 0 {
		start := len(b) - br.Len()
		zr, err := gzip.NewReader(br)
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b[start:len(b)-br.Len()])
		plain = append(plain, out)
	}
	return raw, plain
}

func tarEntries(t testing.TB, b []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name], _ = io.ReadAll(tr)
	}
}

func q1(control []byte) string {
	s := sha1.Sum(control)
	return "Q1" + base64.StdEncoding.EncodeToString(s[:])
}

func published(t testing.TB) (*fakehost.Host, map[string][]byte) {
	t.Helper()
	h := newHost()
	controls := map[string][]byte{}
	for _, s := range []apkSpec{hello, tool} {
		apk, control := s.build()
		if r := serve(h, h, "PUT", dir+s.name+"-"+s.version+".apk", apk); r.Status != 201 {
			t.Fatalf("upload %s: %d %s", s.name, r.Status, r.Bytes)
		}
		controls[s.name] = control
	}
	return h, controls
}

// indexText fetches APKINDEX.tar.gz and returns its APKINDEX, checking
// the layout: [signature segment,] index segment with DESCRIPTION and APKINDEX.
func indexText(t testing.TB, h sdk.Host, fh *fakehost.Host) (string, [][]byte) {
	t.Helper()
	r := serve(h, fh, "GET", dir+"APKINDEX.tar.gz", nil)
	if r.Status != 200 {
		t.Fatalf("APKINDEX: %d %s", r.Status, r.Bytes)
	}
	raw, plain := segments(t, r.Bytes)
	files := tarEntries(t, plain[len(plain)-1])
	if string(files["DESCRIPTION"]) != "v3.20/main" {
		t.Fatalf("DESCRIPTION %q", files["DESCRIPTION"])
	}
	return string(files["APKINDEX"]), raw
}

func TestIndexChecksumsAndGolden(t *testing.T) {
	h, controls := published(t)
	idx, raw := indexText(t, h, h)
	if len(raw) != 1 {
		t.Fatalf("a repository without a key serves %d segments, want the unsigned index alone", len(raw))
	}
	for name, control := range controls {
		if !strings.Contains(idx, "C:"+q1(control)+"\nP:"+name+"\n") {
			t.Fatalf("index lacks C:%s for %s:\n%s", q1(control), name, idx)
		}
	}
	plugintest.Golden(t, "golden/APKINDEX", []byte(idx))
}

// TestIndexSignature checks the signed index as apk does
// (https://wiki.alpinelinux.org/wiki/Apk_spec#APKINDEX_Format): the first
// gzip stream is a tar whose one entry .SIGN.RSA.<keyfile> is an RSA
// PKCS#1 v1.5 SHA-1 signature of the second stream's compressed bytes,
// verified with the public key served at /keys/<keyfile>.
func TestIndexSignature(t *testing.T) {
	fh, _ := published(t)
	sh := signingHost{Host: fh, Signer: signer()}
	idx, raw := indexText(t, sh, fh)
	if len(raw) != 2 || !strings.Contains(idx, "P:keeper-hello") {
		t.Fatalf("signed index has %d segments", len(raw))
	}
	_, plain := segments(t, raw[0])
	sig := tarEntries(t, plain[0])
	if len(sig) != 1 {
		t.Fatalf("signature segment holds %d entries", len(sig))
	}
	for name, s := range sig {
		keyFile, ok := strings.CutPrefix(name, ".SIGN.RSA.")
		if !ok || keyFile != "keeper-test-alpine.rsa.pub" {
			t.Fatalf("signature entry %q", name)
		}
		r := serve(sh, fh, "GET", "/keys/"+keyFile, nil)
		if r.Status != 200 {
			t.Fatalf("public key: %d %s", r.Status, r.Bytes)
		}
		block, _ := pem.Decode(r.Bytes)
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha1.Sum(raw[1])
		if err := rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA1, sum[:], s); err != nil {
			t.Fatalf("index signature: %v", err)
		}
		tampered := bytes.Clone(raw[1])
		tampered[len(tampered)/2] ^= 1
		bad := sha1.Sum(tampered)
		if rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA1, bad[:], s) == nil {
			t.Fatal("the signature verifies a changed index")
		}
	}
	if r := serve(sh, fh, "GET", "/keys/other.rsa.pub", nil); r.Status != 404 {
		t.Fatalf("other key: %d", r.Status)
	}
	if r := serve(fh, fh, "GET", "/keys/keeper-test-alpine.rsa.pub", nil); r.Status != 404 {
		t.Fatalf("key of an unsigned repository: %d", r.Status)
	}
}

func TestUploadRefusals(t *testing.T) {
	good, _ := hello.build()
	forged := hello
	forged.datahash = strings.Repeat("ab", 32)
	forgedApk, _ := forged.build()
	trav := hello
	trav.files = map[string]string{"../../etc/passwd": "x"}
	travApk, _ := trav.build()
	abs := hello
	abs.files = map[string]string{"/etc/passwd": "x"}
	absApk, _ := abs.build()
	bomb := hello
	bomb.files = map[string]string{"zeros": strings.Repeat("\x00", 4<<20)}
	bombApk, _ := bomb.build()
	badName := hello
	badName.name = "../x"
	badNameApk, _ := badName.build()
	noInfo := gz(tarOf(true, [2]string{"README", "x"}))
	cases := []struct {
		name, path string
		body       []byte
		want       string
	}{
		{"truncated", dir + "keeper-hello-1.0-r0.apk", good[:len(good)-30], "data segment"},
		{"truncated head", dir + "keeper-hello-1.0-r0.apk", good[:40], "truncated"},
		{"not gzip", dir + "keeper-hello-1.0-r0.apk", []byte("PK\x03\x04 not an apk"), "gzip"},
		{"forged control", dir + "keeper-hello-1.0-r0.apk", forgedApk, "datahash"},
		{"traversal", dir + "keeper-hello-1.0-r0.apk", travApk, "unsafe name"},
		{"absolute", dir + "keeper-hello-1.0-r0.apk", absApk, "unsafe name"},
		{"bomb", dir + "keeper-hello-1.0-r0.apk", bombApk, "data segment cannot be read"},
		{"name mismatch", dir + "keeper-hello-1.1-r0.apk", good, "does not match .PKGINFO"},
		{"arch mismatch", "/v3.20/main/aarch64/keeper-hello-1.0-r0.apk", good, "does not match the directory"},
		{"bad pkgname", dir + "x.apk", badNameApk, "pkgname"},
		{"no pkginfo", dir + "x.apk", append(noInfo, gz([]byte("data"))...), "no .PKGINFO"},
		{"empty", dir + "keeper-hello-1.0-r0.apk", []byte{}, "no body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, _ := published(t)
			h.ScanLimit = 1 << 20
			before, _ := indexText(t, h, h)
			n := len(h.Files)
			r := serve(h, h, "PUT", c.path, c.body)
			if r.Status != 400 || !strings.Contains(string(r.Bytes), c.want) {
				t.Fatalf("got %d %s, want 400 containing %q", r.Status, r.Bytes, c.want)
			}
			if after, _ := indexText(t, h, h); after != before || len(h.Files) != n {
				t.Fatal("a refused upload changed the repository")
			}
		})
	}
}

func TestConflictAndDelete(t *testing.T) {
	h, _ := published(t)
	apk, _ := hello.build()
	if r := serve(h, h, "PUT", dir+"keeper-hello-1.0-r0.apk", apk); r.Status != 409 {
		t.Fatalf("republish: %d %s", r.Status, r.Bytes)
	}
	if r := serve(h, h, "DELETE", dir+"keeper-tool-0.3-r2.apk", nil); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Bytes)
	}
	if idx, _ := indexText(t, h, h); strings.Contains(idx, "keeper-tool") {
		t.Fatalf("index after delete:\n%s", idx)
	}
	if r := serve(h, h, "GET", "/v3.20/main/x86_64/nothing", nil); r.Status != 404 {
		t.Fatalf("unknown: %d", r.Status)
	}
}
