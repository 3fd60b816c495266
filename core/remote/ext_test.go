package remote_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// fileHost is a separate file host: it counts requests and the
// Authorization headers it was sent.
type fileHost struct {
	mu    sync.Mutex
	hits  int
	auths []string
	srv   *httptest.Server
}

func newFileHost(t *testing.T) *fileHost {
	h := &fileHost{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.hits++
		h.auths = append(h.auths, r.Header.Get("Authorization"))
		h.mu.Unlock()
		if r.URL.Path != "/files/ab/demo-1.0-py3-none-any.whl" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("wheel bytes"))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// TestExtFilesFromAllowedHostsOnly (gap c): a file linked on another host is
// fetched from there through the ~ext path when the repository lists the
// host, without the upstream's credentials, and cached like any file; a host
// the repository does not list is never contacted.
func TestExtFilesFromAllowedHostsOnly(t *testing.T) {
	up := newCounting(t)
	files := newFileHost(t)
	other := newFileHost(t)
	host := mustHost(t, files.srv.URL)
	e := newEnv(t, up.srv.URL, "generic", upstream.Options{})
	e.repo.Config[remote.ConfigToken] = "upstream-secret"
	e.repo.Config[remote.ConfigFileHosts] = "elsewhere.example, " + host

	p := "/~ext/http/" + host + "/files/ab/demo-1.0-py3-none-any.whl"
	for range 2 {
		e.mustGet(t, p, "wheel bytes")
	}
	files.mu.Lock()
	if files.hits != 1 || files.auths[0] != "" {
		t.Fatalf("file host: %d requests, Authorization %q", files.hits, files.auths)
	}
	files.mu.Unlock()

	for _, bad := range []string{
		"/~ext/http/" + mustHost(t, other.srv.URL) + "/files/ab/demo-1.0-py3-none-any.whl", // not listed
		"/~ext/file/" + host + "/etc/passwd",
		"/~ext/http/" + host,
		"/~ext/http/user@" + host + "/files/x",
	} {
		if _, _, err := e.get(t, bad); !errors.Is(err, ports.ErrNotFound) {
			t.Errorf("GET %s: %v, want not found", bad, err)
		}
	}
	if other.hits != 0 {
		t.Fatalf("a host the repository does not list was contacted %d times", other.hits)
	}
	// The upstream's own host needs no listing.
	up.set("/elsewhere/x.tgz", "own host")
	e.mustGet(t, "/~ext/http/"+mustHost(t, up.srv.URL)+"/elsewhere/x.tgz", "own host")
}

func mustHost(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
