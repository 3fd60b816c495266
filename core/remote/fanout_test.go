package remote_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// slowStore is a blob store whose Put reads nothing until start is closed,
// or, when fail is set, fails after reading failAfter bytes.
type slowStore struct {
	*dispatchtest.Blobs
	start     chan struct{}
	fail      error
	failAfter int64
}

func (s *slowStore) Put(ctx context.Context, r io.Reader, maxSize int64) (ports.Blob, error) {
	if s.fail != nil {
		_, _ = io.CopyN(io.Discard, r, s.failAfter)
		return ports.Blob{}, s.fail
	}
	<-s.start
	return s.Blobs.Put(ctx, r, maxSize)
}

// watched is a client's response: it reports when it holds want bytes and
// whether it was flushed.
type watched struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	want    int
	got     chan struct{}
	once    sync.Once
	flushed bool
}

func (w *watched) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.buf.Len() >= w.want {
		w.once.Do(func() { close(w.got) })
	}
	return len(p), nil
}

func (w *watched) Flush() { w.mu.Lock(); w.flushed = true; w.mu.Unlock() }

func (w *watched) state() (int, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Len(), w.flushed
}

// serveBody is an upstream answering every GET with body and its length
// (a body of unknown length is not teed).
func serveBody(t *testing.T, body []byte) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func fanoutEnv(t *testing.T, url string, blobs ports.BlobStore, opts remote.Options) (*remote.Service, *dispatchtest.Files, *ports.Repository) {
	repos := dispatchtest.NewRepos()
	repo := &ports.Repository{Key: "proxy", Format: "generic", Type: ports.RepoRemote, UpstreamURL: url}
	if err := repos.CreateRepository(context.Background(), repo); err != nil {
		t.Fatal(err)
	}
	files := dispatchtest.NewFiles(repos)
	svc := remote.New(remote.Deps{Files: files, Blobs: blobs, Formats: &formats{},
		Upstream: upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{HeaderTimeout: 2 * time.Second})}, opts)
	return svc, files, repo
}

// The client receives the whole body, flushed, while the store has not read
// a byte of it; the store's copy is committed after it caught up.
func TestTeeClientDoesNotWaitForTheStore(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	store := &slowStore{Blobs: dispatchtest.NewBlobs(), start: make(chan struct{})}
	svc, files, repo := fanoutEnv(t, serveBody(t, body), store, remote.Options{})
	client := &watched{want: len(body), got: make(chan struct{})}
	type out struct {
		res remote.Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := svc.Get(context.Background(), remote.Request{Repo: repo, Path: "/f.bin"},
			func(string, int64, string, []ports.Header) io.Writer { return client })
		done <- out{res, err}
	}()
	select {
	case <-client.got:
	case <-time.After(10 * time.Second):
		n, _ := client.state()
		t.Fatalf("the client got %d of %d bytes while the store waited", n, len(body))
	}
	// The flush follows the last write; give it a moment.
	for i := 0; i < 100; i++ {
		if _, f := client.state(); f {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, flushed := client.state(); !flushed {
		t.Fatal("the complete body was not flushed to the client before the store finished")
	}
	if files.Count(repo.ID) != 0 {
		t.Fatal("committed before the store read the body")
	}
	close(store.start)
	o := <-done
	if o.err != nil || !o.res.Streamed {
		t.Fatalf("res %+v err %v", o.res, o.err)
	}
	if !bytes.Equal(client.buf.Bytes(), body) {
		t.Fatal("the client's bytes differ from the upstream's")
	}
	if _, err := files.GetFile(context.Background(), repo.ID, "f.bin"); err != nil {
		t.Fatalf("not stored: %v", err)
	}
}

// The bytes held for a store that lags are bounded: past the buffer the
// client waits for the store.
func TestTeeBufferIsBounded(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 8<<20)
	store := &slowStore{Blobs: dispatchtest.NewBlobs(), start: make(chan struct{})}
	svc, _, repo := fanoutEnv(t, serveBody(t, body), store, remote.Options{TeeBufferBytes: 1 << 20})
	client := &watched{want: len(body), got: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := svc.Get(context.Background(), remote.Request{Repo: repo, Path: "/big.bin"},
			func(string, int64, string, []ports.Header) io.Writer { return client })
		done <- err
	}()
	time.Sleep(500 * time.Millisecond)
	if n, _ := client.state(); n > 2<<20 {
		t.Fatalf("the client got %d bytes ahead of a store that read none (buffer 1 MiB)", n)
	}
	close(store.start)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n, _ := client.state(); n != len(body) {
		t.Fatalf("client got %d of %d bytes", n, len(body))
	}
}

// A store that gives up stops the download at once, even while the
// upstream stalls (here, once the store read all the upstream sent): the client's body ends short and nothing is cached.
func TestTeeStoreFailureEndsTheDownload(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(4<<20))
		_, _ = w.Write(bytes.Repeat([]byte("y"), 1<<20))
		w.(http.Flusher).Flush()
		select { // stall with 3 MiB to go
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer up.Close()
	failure := errors.New("disk full")
	svc, files, repo := fanoutEnv(t, up.URL, &slowStore{Blobs: dispatchtest.NewBlobs(), fail: failure, failAfter: 1 << 20}, remote.Options{})
	client := &watched{want: 4 << 20, got: make(chan struct{})}
	done := make(chan remote.Result, 1)
	go func() {
		res, err := svc.Get(context.Background(), remote.Request{Repo: repo, Path: "/f.bin"},
			func(string, int64, string, []ports.Header) io.Writer { return client })
		if err == nil {
			t.Error("a failed store answered no error")
		}
		done <- res
	}()
	select {
	case res := <-done:
		if !res.Streamed {
			t.Fatalf("res %+v", res)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the failed store waited for the stalled upstream")
	}
	if n, flushed := client.state(); n >= 4<<20 || flushed {
		t.Fatalf("client got %d bytes (flushed %v) of a download the store gave up", n, flushed)
	}
	if files.Count(repo.ID) != 0 {
		t.Fatal("a failed download was cached")
	}
}
