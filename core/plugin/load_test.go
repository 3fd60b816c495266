package plugin_test

import (
	"context"
	"fmt"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/ports"
)

// Eight goroutines hammer the dispatcher (plugin-called GETs and PUTs) while
// the plugin is reloaded ten times and disabled and enabled once: nothing
// fails, except 404 for requests that overlap the disabled window.
func TestReloadUnderLoad(t *testing.T) {
	ctx := context.Background()
	e := newMenv(t)
	e.rt.SetHandler("omega", func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		if req.Method == http.MethodPut {
			if err := h.StageFile(ports.StagedFile{Path: strings.TrimPrefix(req.Path, "/"), BlobDigest: req.Body.Digest}); err != nil {
				return ports.FormatResponse{}, err
			}
			return ports.FormatResponse{Status: 201}, nil
		}
		return ports.FormatResponse{Status: 200, Body: []byte("ok " + req.Path)}, nil
	})
	if err := e.m.LoadAll(ctx, plugin.BuiltinBytes(map[string][]byte{"omega": dispatchtest.Module(info("omega", "/omega/"))})); err != nil {
		t.Fatal(err)
	}
	repo := ports.Repository{Key: "r", Format: "omega", Type: ports.RepoLocal, IsPublic: true}
	if err := e.repos.CreateRepository(ctx, &repo); err != nil {
		t.Fatal(err)
	}
	user := ports.Subject{UserID: 1, Username: "u"}

	var phase atomic.Int32 // 0 before Disable, 1 while disabled, 2 after Enable returned
	var ok, notFound atomic.Int64
	var failMu sync.Mutex
	var failures []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var r *http.Request
				want := http.StatusOK
				if i%4 == 0 {
					r = httptest.NewRequest(http.MethodPut, fmt.Sprintf("/omega/r/g%d/f%d", g, i), strings.NewReader("data"))
					want = http.StatusCreated
				} else {
					r = httptest.NewRequest(http.MethodGet, fmt.Sprintf("/omega/r/-/q%d", i), nil)
				}
				r = r.WithContext(auth.WithSubject(r.Context(), user))
				w := httptest.NewRecorder()
				p0 := phase.Load()
				httpapi.DispatchHTTP(e.d).ServeHTTP(w, r)
				p1 := phase.Load()
				switch {
				case w.Code == want:
					ok.Add(1)
				case w.Code == http.StatusNotFound && p0 <= 1 && p1 >= 1:
					notFound.Add(1)
				default:
					failMu.Lock()
					failures = append(failures, fmt.Sprintf("%s %s: %d %s (phase %d→%d)", r.Method, r.URL.Path, w.Code, w.Body.String(), p0, p1))
					failMu.Unlock()
				}
			}
		}(g)
	}
	for i := 0; i < 10; i++ {
		if _, err := e.m.Reload(ctx, "omega"); err != nil {
			t.Error(err)
		}
		if i == 5 {
			phase.Store(1)
			if _, err := e.m.Disable(ctx, "omega"); err != nil {
				t.Error(err)
			}
			if _, err := e.m.Enable(ctx, "omega"); err != nil {
				t.Error(err)
			}
			phase.Store(2)
		}
	}
	// Let the load run a little past the last reload so it is exercised too.
	for ok.Load() < 2000 {
		if _, err := e.m.Reload(ctx, "omega"); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d failed requests, first: %s", len(failures), failures[0])
	}
	t.Logf("%d requests succeeded, %d answered 404 while disabled", ok.Load(), notFound.Load())
}
