package debian_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"

	"github.com/keeper-registry/keeper/plugins/debian"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// memberGet asks a member as the host does for a virtual repository.
func (e *env) memberGet(path string) []byte {
	e.t.Helper()
	req := ports.FormatRequest{Method: "GET", Path: path, BaseURL: "http://k",
		Headers: []ports.Header{{Name: "Accept", Value: "application/json"}},
		Repo:    &ports.RepoContext{Key: "apt", Type: "local", Format: "debian", BaseURL: base}}
	resp, err := plugintest.NativeHandle(debian.Plugin{}, e.h, req)
	if err != nil || resp.Status != 200 {
		e.t.Fatalf("member GET %s: %d %v", path, resp.Status, err)
	}
	return resp.Body
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestMergeTwoMembers joins two local members' indexes as a virtual
// repository serves them: the merged Release lists the joined Packages and
// Packages.gz by their checksums, and InRelease and Release.gpg are signed
// with the virtual repository's key.
func TestMergeTwoMembers(t *testing.T) {
	a, b, v := newEnv(t, false), newEnv(t, true), newEnv(t, true)
	if st, body := a.do("POST", "/upload", "", makeDeb(controlText("hello", "1.0", "amd64"))); st != 201 {
		t.Fatalf("upload a: %d %s", st, body)
	}
	if st, body := b.do("POST", "/upload", "", makeDeb(controlText("tool", "2.0", "amd64"))); st != 201 {
		t.Fatalf("upload b: %d %s", st, body)
	}
	if st, body := b.do("POST", "/upload", "", makeDeb(controlText("data", "3.0", "all"))); st != 201 {
		t.Fatalf("upload b: %d %s", st, body)
	}
	vh := plugintest.NewBridge(v.h, &sdk.RepoContext{Key: "apt", Kind: "virtual", Format: "debian", BaseURL: base})
	merge := func(path string, docs ...[]byte) []byte {
		t.Helper()
		out, err := debian.Plugin{}.Merge(vh, path, docs)
		if err != nil {
			t.Fatalf("merge %s: %v", path, err)
		}
		return out
	}
	both := func(path string) [][]byte { return [][]byte{a.memberGet(path), b.memberGet(path)} }
	rel := string(merge("/dists/stable/Release", both("/dists/stable/Release")...))
	for _, want := range []string{"Suite: stable\n", "Architectures: all amd64\n", "Components: main\n"} {
		if !strings.Contains(rel, want) {
			t.Errorf("merged Release lacks %q:\n%s", want, rel)
		}
	}
	if strings.Contains(rel, "Acquire-By-Hash") || strings.Contains(rel, "Packages.xz") {
		t.Errorf("merged Release announces documents it does not serve:\n%s", rel)
	}
	pk := merge("/dists/stable/main/binary-amd64/Packages", both("/dists/stable/main/binary-amd64/Packages")...)
	if s := string(pk); !strings.Contains(s, "Package: hello\n") || !strings.Contains(s, "Package: tool\n") || !strings.HasSuffix(s, "\n\n") {
		t.Fatalf("joined Packages:\n%s", s)
	}
	gz := merge("/dists/stable/main/binary-amd64/Packages.gz", both("/dists/stable/main/binary-amd64/Packages.gz")...)
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, pk) {
		t.Fatal("joined Packages.gz differs from Packages")
	}
	for _, doc := range [][]byte{pk, gz} {
		if !strings.Contains(rel, " "+sha(doc)+" ") {
			t.Errorf("merged Release does not list sha256 %s", sha(doc))
		}
	}
	// Only one member holds binary-all: its index alone.
	if all := merge("/dists/stable/main/binary-all/Packages", b.memberGet("/dists/stable/main/binary-all/Packages")); !strings.Contains(rel, " "+sha(all)+" ") {
		t.Error("merged Release does not list the binary-all index")
	}
	// The same members render the same Release (and so the signatures over it).
	if again := merge("/dists/stable/Release", both("/dists/stable/Release")...); string(again) != rel {
		t.Error("merged Release is not stable")
	}
	_, key := v.do("GET", "/gpg-key.asc", "", nil)
	if got := merge("/gpg-key.asc", both("/gpg-key.asc")...); !bytes.Equal(got, key) {
		t.Fatal("the virtual's gpg-key.asc is not its own key")
	}
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(key))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := clearsign.Decode(merge("/dists/stable/InRelease", both("/dists/stable/InRelease")...))
	if blk == nil {
		t.Fatal("merged InRelease is not clear-signed")
	}
	if _, err := blk.VerifySignature(ring, nil); err != nil || strings.TrimSuffix(string(blk.Plaintext), "\n") != strings.TrimSuffix(rel, "\n") {
		t.Fatalf("merged InRelease: %v", err)
	}
	sig := merge("/dists/stable/Release.gpg", both("/dists/stable/Release.gpg")...)
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, strings.NewReader(rel), bytes.NewReader(sig), nil); err != nil {
		t.Fatalf("merged Release.gpg: %v", err)
	}
	if xz := merge("/dists/stable/main/binary-amd64/Packages.xz", both("/dists/stable/main/binary-amd64/Packages")...); xz != nil {
		t.Error("a Packages.xz the merged Release does not list was served")
	}
	// A member's plain Release (a remote member's upstream document) carries no indexes.
	if _, err := (debian.Plugin{}).Merge(vh, "/dists/stable/Release", [][]byte{a.file("dists/stable/Release"), b.memberGet("/dists/stable/Release")}); err == nil ||
		!strings.Contains(err.Error(), "only local members") {
		t.Fatalf("merged a Release without member indexes: %v", err)
	}
	// A member lacking the dist or the index answers 404, so the host skips it.
	for _, p := range []string{"/dists/bookworm/Release", "/dists/stable/contrib/binary-amd64/Packages"} {
		req := ports.FormatRequest{Method: "GET", Path: p, Headers: []ports.Header{{Name: "Accept", Value: "application/json"}},
			Repo: &ports.RepoContext{Key: "apt", Type: "local", Format: "debian", BaseURL: base}}
		if _, err := plugintest.NativeHandle(debian.Plugin{}, a.h, req); err == nil || !strings.HasPrefix(err.Error(), "404") {
			t.Errorf("member GET %s: %v, want 404", p, err)
		}
	}
}
