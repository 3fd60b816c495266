package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// apk builds an apk v2 package as abuild does
// (https://wiki.alpinelinux.org/wiki/Apk_spec): control segment (cut tar
// with .PKGINFO) and data segment (tar.gz) as separate gzip streams; it
// returns the package and its control segment.
func apk(name, version, arch, datahash string, files map[string]string) ([]byte, []byte) {
	tarOf := func(cut bool, entries map[string]string) []byte {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		for n, d := range entries {
			_ = tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(d)), ModTime: time.Unix(1796515200, 0), Format: tar.FormatUSTAR})
			_, _ = tw.Write([]byte(d))
		}
		if cut {
			_ = tw.Flush()
		} else {
			_ = tw.Close()
		}
		return b.Bytes()
	}
	gz := func(b []byte) []byte {
		var o bytes.Buffer
		w := gzip.NewWriter(&o)
		_, _ = w.Write(b)
		_ = w.Close()
		return o.Bytes()
	}
	data := gz(tarOf(false, files))
	if datahash == "" {
		s := sha256.Sum256(data)
		datahash = hex.EncodeToString(s[:])
	}
	info := fmt.Sprintf("pkgname = %s\npkgver = %s\npkgdesc = e2e\narch = %s\nsize = 100\nlicense = MIT\ndatahash = %s\n", name, version, arch, datahash)
	control := gz(tarOf(true, map[string]string{".PKGINFO": info}))
	return append(bytes.Clone(control), data...), control
}

// gzipStreams splits a file into its gzip streams (compressed bytes, content).
func gzipStreams(t *testing.T, b []byte) (raw, plain [][]byte) {
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
		raw, plain = append(raw, b[start:len(b)-br.Len()]), append(plain, out)
	}
	return raw, plain
}

func untar(t *testing.T, b []byte) map[string][]byte {
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

// TestAlpineRepository publishes packages to a private Alpine repository
// signed with a key from the signing API and checks the index as apk
// would: the first gzip stream of APKINDEX.tar.gz is a tar holding
// .SIGN.RSA.<keyfile>, an RSA PKCS#1 v1.5 SHA-1 signature of the second
// stream's bytes that verifies with /keys/<keyfile>; the second holds
// APKINDEX with C:Q1<base64 sha1 of the control segment> per package.
func TestAlpineRepository(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "al", Format: "alpine"})
		enableSigning(t, k, "al", "")
		auth := "Bearer " + k.APIToken("apk")
		const dir = "/alpine/al/v3.20/main/x86_64/"
		hello, control := apk("keeper-hello", "1.0-r0", "x86_64", "", map[string]string{"usr/bin/keeper-hello": "hi\n"})
		if r, _ := k.Call(http.MethodPut, dir+"keeper-hello-1.0-r0.apk", bytes.NewReader(hello), "Authorization", ""); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous upload: %s", r)
		}
		k.Expect(http.StatusCreated, http.MethodPut, dir+"keeper-hello-1.0-r0.apk", bytes.NewReader(hello), "Authorization", auth)
		k.Expect(http.StatusConflict, http.MethodPut, dir+"keeper-hello-1.0-r0.apk", bytes.NewReader(hello), "Authorization", auth)
		forged, _ := apk("keeper-x", "1-r0", "x86_64", strings.Repeat("0", 64), map[string]string{"a": "b"})
		if r := k.Expect(http.StatusBadRequest, http.MethodPut, dir+"keeper-x-1-r0.apk", bytes.NewReader(forged), "Authorization", auth); !strings.Contains(string(r.Body), "datahash") {
			t.Fatalf("forged control: %s", r)
		}
		trav, _ := apk("keeper-y", "1-r0", "x86_64", "", map[string]string{"../../etc/passwd": "x"})
		if r := k.Expect(http.StatusBadRequest, http.MethodPut, dir+"keeper-y-1-r0.apk", bytes.NewReader(trav), "Authorization", auth); !strings.Contains(string(r.Body), "../../etc/passwd") {
			t.Fatalf("traversal: %s", r)
		}

		index := signedIndex(t, k, "al", dir, auth)
		s1 := sha1.Sum(control)
		if want := "C:Q1" + base64.StdEncoding.EncodeToString(s1[:]) + "\nP:keeper-hello\nV:1.0-r0\nA:x86_64\n"; !strings.Contains(index, want) ||
			strings.Contains(index, "keeper-x") {
			t.Fatalf("APKINDEX lacks %q:\n%s", want, index)
		}
		got := k.Expect(http.StatusOK, http.MethodGet, dir+"keeper-hello-1.0-r0.apk", nil, "Authorization", auth).Body
		if !bytes.Equal(got, hello) {
			t.Fatal("downloaded package differs")
		}
	})
}

// signedIndex fetches dir's APKINDEX.tar.gz from repo, checks that its
// signature verifies with the key the repository serves at
// /keys/<keyfile>, and returns the APKINDEX text.
func signedIndex(t *testing.T, k *harness.Keeper, repo, dir, auth string) string {
	t.Helper()
	idx := k.Expect(http.StatusOK, http.MethodGet, dir+"APKINDEX.tar.gz", nil, "Authorization", auth).Body
	raw, plain := gzipStreams(t, idx)
	if len(raw) != 2 {
		t.Fatalf("APKINDEX.tar.gz has %d gzip streams, want signature + index", len(raw))
	}
	sigs := untar(t, plain[0])
	if len(sigs) != 1 {
		t.Fatalf("signature segment: %d entries", len(sigs))
	}
	for name, sig := range sigs {
		keyFile, ok := strings.CutPrefix(name, ".SIGN.RSA.")
		if !ok || !strings.HasSuffix(keyFile, ".rsa.pub") {
			t.Fatalf("signature entry %q", name)
		}
		pemKey := k.Expect(http.StatusOK, http.MethodGet, "/alpine/"+repo+"/keys/"+keyFile, nil, "Authorization", auth).Body
		block, _ := pem.Decode(pemKey)
		if block == nil {
			t.Fatalf("public key is not PEM: %s", pemKey)
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha1.Sum(raw[1])
		if err := rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA1, sum[:], sig); err != nil {
			t.Fatalf("APKINDEX signature of %s does not verify with its key: %v", repo, err)
		}
	}
	return string(untar(t, plain[1])["APKINDEX"])
}

// TestAlpineVirtual: a virtual repository of two local members serves one
// APKINDEX listing both members' packages, signed with the virtual's own
// key (not a member's), and the packages themselves through it. apk-tools
// is not installable here, so the checks are the ones apk makes (the index
// signature against the key in /etc/apk/keys, then the C: checksum).
func TestAlpineVirtual(t *testing.T) {
	t.Parallel()
	k := harness.Start(t, harness.Options{})
	auth := "Bearer " + k.APIToken("apk")
	const sub = "/v3.20/main/x86_64/"
	pkgs := map[string][]byte{}
	for _, m := range []struct{ repo, name string }{{"ala", "keeper-a"}, {"alb", "keeper-b"}} {
		k.CreateRepo(harness.Repo{Key: m.repo, Format: "alpine"})
		enableSigning(t, k, m.repo, "")
		b, _ := apk(m.name, "1.0-r0", "x86_64", "", map[string]string{"usr/bin/" + m.name: m.name + "\n"})
		k.Expect(http.StatusCreated, http.MethodPut, "/alpine/"+m.repo+sub+m.name+"-1.0-r0.apk", bytes.NewReader(b), "Authorization", auth)
		pkgs[m.name] = b
	}
	k.CreateRepo(harness.Repo{Key: "alall", Format: "alpine", Type: "virtual",
		Members: []map[string]any{{"repo_key": "ala", "priority": 1}, {"repo_key": "alb", "priority": 2}}})
	enableSigning(t, k, "alall", "")
	index := signedIndex(t, k, "alall", "/alpine/alall"+sub, auth)
	for name, b := range pkgs {
		if !strings.Contains(index, "P:"+name+"\n") {
			t.Errorf("the virtual's APKINDEX lacks %s:\n%s", name, index)
		}
		got := k.Expect(http.StatusOK, http.MethodGet, "/alpine/alall"+sub+name+"-1.0-r0.apk", nil, "Authorization", auth).Body
		if !bytes.Equal(got, b) {
			t.Errorf("%s through the virtual repository differs", name)
		}
	}
	// The members' own keys do not verify the virtual's index.
	idx := k.Expect(http.StatusOK, http.MethodGet, "/alpine/alall"+sub+"APKINDEX.tar.gz", nil, "Authorization", auth).Body
	_, plain := gzipStreams(t, idx)
	for name := range untar(t, plain[0]) {
		keyFile := strings.TrimPrefix(name, ".SIGN.RSA.")
		for _, member := range []string{"ala", "alb"} {
			if r, _ := k.Call(http.MethodGet, "/alpine/"+member+"/keys/"+keyFile, nil, "Authorization", auth); r.Status == http.StatusOK {
				t.Errorf("the virtual's index is signed with member %s's key %s", member, keyFile)
			}
		}
	}
}
