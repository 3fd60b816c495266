package plugintest_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func TestTarGzIsSortedAndReadable(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(plugintest.TarGz(map[string]string{"b/x": "2", "a": "1"})))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var got []string
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		got = append(got, hd.Name+"="+string(b))
	}
	if len(got) != 2 || got[0] != "a=1" || got[1] != "b/x=2" {
		t.Fatalf("entries %q", got)
	}
}

// TestCallCommitsOnlySuccess: CallCommit keeps a 201's staged file and
// drops a refused call's; Call turns an *sdk.Error into its status.
func TestCallCommitsOnlySuccess(t *testing.T) {
	h := fakehost.New(&sdk.RepoContext{Key: "r"})
	if r := plugintest.CallCommit(t, probe{}, h, &sdk.Request{Method: "DELETE", Path: "/1"}); r.Status != 405 || string(r.Bytes) != "method not allowed" {
		t.Fatalf("refused call: %d %q", r.Status, r.Bytes)
	}
	z := zipOf(t, "a.txt", "v1")
	body := &sdk.Body{Digest: h.AddBlob(z), Size: uint64(len(z))}
	if r := plugintest.CallCommit(t, probe{}, h, &sdk.Request{Method: "PUT", Path: "/1", Body: body}); r.Status != 201 {
		t.Fatalf("upload: %d %q", r.Status, r.Bytes)
	}
	if _, ok := h.Files["a.txt"]; !ok {
		t.Fatal("the upload was not committed")
	}
}
