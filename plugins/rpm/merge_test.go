package rpm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// memberGet asks a member as the host does for a virtual repository.
func memberGet(t *testing.T, h *fakehost.Host, path string) []byte {
	t.Helper()
	r := serveSigned(h, true, &sdk.Request{Method: "GET", Path: path, Repo: h.RepoCtx,
		Headers: []sdk.Header{{Name: "Accept", Value: "application/json"}}})
	if r.Status != 200 {
		t.Fatalf("member GET %s: %d %s", path, r.Status, r.Bytes)
	}
	if r.Kind == sdk.BodyServeBlob {
		return h.Blobs[r.Target]
	}
	return r.Bytes
}

// TestMergeTwoMembers merges the documents of two local members (one
// package each) as a virtual repository serves them, and compares them with
// createrepo_c's for both packages.
func TestMergeTwoMembers(t *testing.T) {
	a, b := newHost(), newHost()
	serve(a, "PUT", "/"+helloRPM, fixture(t, helloRPM))
	serve(b, "PUT", "/"+toolRPM, fixture(t, toolRPM))
	members := [][]byte{memberGet(t, a, "/repodata/repomd.xml"), memberGet(t, b, "/repodata/repomd.xml")}
	md, err := Plugin{}.Merge(nil, "/repodata/repomd.xml", members)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(md), memberMark) {
		t.Fatal("merged repomd.xml carries member data")
	}
	docs := map[string][]byte{}
	for _, m := range hrefRE.FindAllStringSubmatch(string(md), -1) {
		path := "/" + m[1]
		gz, err := Plugin{}.Merge(nil, path, [][]byte{memberGet(t, a, path), memberGet(t, b, path)})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(md), "<checksum type=\"sha256\">"+sha(gz)+"</checksum>") {
			t.Fatalf("%s: merged sha256 %s not in repomd.xml", path, sha(gz))
		}
		docs[m[2]] = gunzip(t, gz)
	}
	if _, err := (Plugin{}).Merge(nil, "/repodata/"+strings.Repeat("0", 64)+"-primary.xml.gz",
		[][]byte{memberGet(t, a, "/repodata/x-primary.xml.gz"), memberGet(t, b, "/repodata/x-primary.xml.gz")}); err == nil {
		t.Fatal("a stale merged document was served")
	}
	if _, err := (Plugin{}).Merge(nil, "/repodata/repomd.xml", [][]byte{fetch(t, a, "/repodata/repomd.xml"), members[1]}); err == nil {
		t.Fatal("merged a repomd.xml without member documents")
	}
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
	for _, k := range kinds {
		ref := canonical(t, gunzip(t, readFile(t, filepath.Join(dir, "repodata", k+".xml.gz"))))
		if got := canonical(t, docs[k]); got != ref {
			t.Errorf("merged %s differs from createrepo_c's:\n%s\n%s", k, got, ref)
		}
	}
}

func TestClassify(t *testing.T) {
	for p, want := range map[string]sdk.CacheClass{
		"/repodata/repomd.xml": sdk.Mutable, "/repodata/repomd.xml.asc": sdk.Mutable,
		"/repodata/" + strings.Repeat("a", 64) + "-primary.xml.gz": sdk.Mutable,
		"/Packages/" + helloRPM: sdk.Immutable, "/other": sdk.Unknown,
	} {
		if got := (Plugin{}).Classify(p); got != want {
			t.Errorf("Classify(%s) = %v, want %v", p, got, want)
		}
	}
}
