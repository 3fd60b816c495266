package npm_test

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/npm"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// TestPublishLargeTarballStaysOnTheHost publishes a tarball whose base64 is
// longer than the plugin keeps in memory: the host decodes it from the body
// (decode-base64) and the stored blob is the tarball. A long string outside
// the attachment is refused.
func TestPublishLargeTarballStaysOnTheHost(t *testing.T) {
	h := newHost()
	noise := make([]byte, 2<<20) // incompressible, so the tarball stays large
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	tgz := makeTgz(t, "big-keeper", "1.0.0", map[string]string{"package/blob.bin": string(noise)})
	if len(tgz) < 2<<20 {
		t.Fatalf("tarball of %d bytes is too small for the test", len(tgz))
	}
	body := publishDoc("big-keeper", "1.0.0", tgz, nil, nil)
	ch := &countingHost{testHost: h}
	req := &sdk.Request{Method: "PUT", Path: "/big-keeper", Repo: h.RepoCtx, User: "bob", BaseURL: "http://keeper.test",
		Body: &sdk.Body{Digest: h.AddBlob(body), Size: uint64(len(body))}}
	resp, err := sdk.CallHandle(npm.Plugin{}, ch, req)
	if err != nil {
		t.Fatal(err)
	}
	want(t, resp, 201)
	h.commit()
	if ch.read > 1<<20 {
		t.Fatalf("the plugin read %d bytes of a %d-byte publish", ch.read, len(body))
	}
	f := h.Files["big-keeper/-/big-keeper-1.0.0.tgz"]
	if !bytes.Equal(h.Blobs[f.BlobDigest], tgz) {
		t.Fatalf("stored tarball of %d bytes differs from the %d published", len(h.Blobs[f.BlobDigest]), len(tgz))
	}

	long := publishDoc("big-keeper", "1.0.1", makeTgz(t, "big-keeper", "1.0.1", nil), nil, func(v map[string]any) {
		v["description"] = strings.Repeat("x", 600<<10)
	})
	resp = do(t, h, "bob", "PUT", "/big-keeper", long)
	want(t, resp, 413)
	h.discard()
}

// countingHost counts the bytes ReadBlob hands the plugin.
type countingHost struct {
	*testHost
	read int
}

func (c *countingHost) ReadBlob(digest string, off uint64, n uint32) ([]byte, error) {
	b, err := c.testHost.ReadBlob(digest, off, n)
	c.read += len(b)
	return b, err
}
