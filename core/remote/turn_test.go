package remote_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// countingStore counts the bytes its Put has read so far.
type countingStore struct {
	*dispatchtest.Blobs
	read atomic.Int64
}

func (s *countingStore) Put(ctx context.Context, r io.Reader, maxSize int64) (ports.Blob, error) {
	return s.Blobs.Put(ctx, &countingReader{r: r, n: &s.read}, maxSize)
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n.Add(int64(k))
	return k, err
}

// turnEnv serves a 2 MiB body in two halves: the second is sent once the
// client holds the first and pause has passed; storeRead is what the store
// had read by then.
func turnEnv(t *testing.T, idle, pause time.Duration) (storeRead int64) {
	t.Helper()
	half := bytes.Repeat([]byte("z"), 1<<20)
	client := &watched{want: len(half), got: make(chan struct{})}
	store := &countingStore{Blobs: dispatchtest.NewBlobs()}
	seen := make(chan int64, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(2*len(half)))
		_, _ = w.Write(half)
		w.(http.Flusher).Flush()
		select {
		case <-client.got:
		case <-time.After(10 * time.Second):
		}
		time.Sleep(pause)
		seen <- store.read.Load()
		_, _ = w.Write(half)
	}))
	defer up.Close()
	svc, files, repo := fanoutEnv(t, up.URL, store, remote.Options{TeeStoreIdle: idle})
	res, err := svc.Get(context.Background(), remote.Request{Repo: repo, Path: "/turn.bin"},
		func(string, int64, string, []ports.Header) io.Writer { return client })
	if err != nil || !res.Streamed {
		t.Fatalf("res %+v err %v", res, err)
	}
	if n, _ := client.state(); n != 2*len(half) {
		t.Fatalf("the client got %d of %d bytes", n, 2*len(half))
	}
	if got, err := files.GetFile(context.Background(), repo.ID, "turn.bin"); err != nil || got.Size != int64(2*len(half)) {
		t.Fatalf("not committed whole: %+v %v", got, err)
	}
	return <-seen
}

// While the upstream keeps sending, the store waits: the client's bytes
// are not held up by the writing and hashing of the store's copy, which
// is made (and committed) once the body ended.
func TestTeeStoreWaitsWhileTheUpstreamSends(t *testing.T) {
	// The upstream "pauses" 200 ms, far below the idle time: the store has
	// not read the first half the client already holds.
	if n := turnEnv(t, time.Hour, 200*time.Millisecond); n != 0 {
		t.Fatalf("the store read %d bytes while the upstream was still sending", n)
	}
}

// An upstream that pauses leaves CPU to spare: the store takes its turn
// and writes what the client already got.
func TestTeeStoreStartsWhenTheUpstreamPauses(t *testing.T) {
	if n := turnEnv(t, 5*time.Millisecond, 500*time.Millisecond); n < 1<<20 {
		t.Fatalf("the store read %d bytes during a 500 ms pause of the upstream, want the first MiB", n)
	}
}
