package replication

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

// heldBytes is the size of every blob in the edge's cache store.
func heldBytes(b *dispatchtest.Blobs) int64 {
	var n int64
	_ = b.Walk(context.Background(), func(bl ports.Blob, _ time.Time) error { n += bl.Size; return nil })
	return n
}

// fakeHub serves files by path; lying makes it send other bytes.
type fakeHub struct {
	files   map[string][]byte
	fetched int
	records int
	lying   bool
}

func (h *fakeHub) ArtifactRecord(_ context.Context, c ports.PeerConn, repo, path string) (ports.ReplicaFile, error) {
	if c.APIKey != "" {
		panic("the record is asked with credentials")
	}
	h.records++
	data, ok := h.files[repo+"/"+path]
	if !ok {
		return ports.ReplicaFile{}, ports.ErrNotFound
	}
	sum := sha256.Sum256(data)
	return ports.ReplicaFile{Path: path, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}, nil
}

func (h *fakeHub) OpenBlob(_ context.Context, _ ports.PeerConn, sha string) (io.ReadCloser, error) {
	h.fetched++
	for _, data := range h.files {
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) == sha {
			if h.lying {
				data = bytes.ToUpper(data)
			}
			return io.NopCloser(bytes.NewReader(data)), nil
		}
	}
	return nil, ports.ErrNotFound
}

func (h *fakeHub) OpenCachedBlob(context.Context, ports.PeerConn, string) (io.ReadCloser, error) {
	return nil, ports.ErrNotFound
}

func TestEdgeCachesWithinItsBoundByLRU(t *testing.T) {
	ctx := context.Background()
	hub := &fakeHub{files: map[string][]byte{}}
	for _, n := range []string{"a", "b", "c", "d"} {
		hub.files["r/"+n] = []byte(strings.Repeat(n, 400))
	}
	hub.files["r/huge"] = []byte(strings.Repeat("h", 2000))
	cache := dispatchtest.NewBlobs()
	e := NewEdge(ports.PeerConn{EndpointURL: "http://hub", APIKey: "k"}, hub, cache, 1000, nil)
	read := func(name string) {
		t.Helper()
		_, r, err := e.Open(ctx, "r", name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if string(got) != string(hub.files["r/"+name]) {
			t.Fatalf("%s: wrong bytes", name)
		}
		if st := e.Stats(); st.Bytes > 1000 || heldBytes(cache) > 1000 {
			t.Fatalf("after %s the cache holds %d bytes (store %d), bound 1000", name, st.Bytes, heldBytes(cache))
		}
	}
	read("a")
	read("b")
	read("a") // hit: a is now the most recent
	read("c") // evicts b, the least recently used
	if st := e.Stats(); st.Hits != 1 || st.Misses != 3 || st.Evictions != 1 || st.Entries != 2 {
		t.Fatalf("stats %+v", st)
	}
	before := hub.fetched
	read("a")
	if hub.fetched != before {
		t.Fatal("a was evicted instead of b")
	}
	read("b")
	if hub.fetched != before+1 {
		t.Fatal("b was not fetched again after its eviction")
	}
	read("huge") // larger than the bound: served, not cached
	if st := e.Stats(); st.PassThrough != 1 || st.Bytes > 1000 {
		t.Fatalf("stats after a blob over the bound %+v", st)
	}
	if _, _, err := e.Open(ctx, "r", "missing"); err == nil {
		t.Fatal("a file the hub does not serve was served")
	}
	hub.lying = true
	if _, _, err := e.Open(ctx, "r", "d"); err == nil {
		t.Fatal("bytes with another sha256 were served")
	}
	if st := e.Stats(); st.Bytes > 1000 || heldBytes(cache) > 1000 {
		t.Fatalf("after a bad fetch: %+v, store %d", st, heldBytes(cache))
	}
}
