package dispatch_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

// tagHandler is a read-modify-write plugin (like npm dist-tag add): it reads
// the tag map, adds X-Tag, and stages the whole map back.
func tagHandler(calls *atomic.Int64) func(context.Context, ports.FormatRequest, ports.HostCall) (ports.FormatResponse, error) {
	return func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		calls.Add(1)
		tags := map[string]string{}
		v, err := h.GetKV(ctx, "tags", "pkg")
		if err != nil && !errors.Is(err, ports.ErrNotFound) {
			return ports.FormatResponse{}, err
		}
		if err == nil {
			_ = json.Unmarshal(v, &tags)
		}
		time.Sleep(2 * time.Millisecond) // let concurrent calls read the same map
		tags[headerOf(req, "X-Tag")] = "1.0.0"
		b, _ := json.Marshal(tags)
		if err := h.StageKV(ports.KV{Namespace: "tags", Key: "pkg", Value: b}, false); err != nil {
			return ports.FormatResponse{}, err
		}
		return ports.FormatResponse{Status: http.StatusCreated}, nil
	}
}

func TestConcurrentReadModifyWriteKeepsEveryUpdate(t *testing.T) {
	e := newEnv(t)
	var calls atomic.Int64
	e.rt.SetHandler("demo", tagHandler(&calls))
	const writers = 10
	codes := make([]int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.do(&admin, http.MethodPost, "/demo/pub/-/tag", nil, "X-Tag", fmt.Sprint("t", i)).Code
		}()
	}
	wg.Wait()
	v, err := e.files.GetKV(context.Background(), e.repoID("pub"), "tags", "pkg")
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	_ = json.Unmarshal(v, &tags)
	created := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Fatalf("status %d, want 201 or 409 (codes %v)", c, codes)
		}
	}
	// Every 201 is a tag that survived; 409s (retries exhausted) changed nothing.
	if len(tags) != created {
		t.Fatalf("%d tags survived but %d requests answered 201: %v", len(tags), created, tags)
	}
	t.Logf("%d of %d committed, %d plugin calls", created, writers, calls.Load())
}

// staleFiles fails the first n commits with ErrStale.
type staleFiles struct {
	ports.FileStore
	left atomic.Int64
}

func (s *staleFiles) Apply(ctx context.Context, repoID int64, ws ports.WriteSet) (int64, error) {
	if s.left.Add(-1) >= 0 {
		return 0, fmt.Errorf("fake: %w", ports.ErrStale)
	}
	return s.FileStore.Apply(ctx, repoID, ws)
}

func TestStaleCommitRetriesTheCallThenAnswers409(t *testing.T) {
	for _, tc := range []struct {
		stale, calls int64
		status       int
	}{
		{stale: 2, calls: 3, status: http.StatusCreated},
		{stale: 100, calls: 10, status: http.StatusConflict},
	} {
		t.Run(fmt.Sprintf("%d stale commits", tc.stale), func(t *testing.T) {
			e := newEnv(t)
			sf := &staleFiles{FileStore: e.files}
			sf.left.Store(tc.stale)
			e.swapFiles(sf)
			var calls atomic.Int64
			e.rt.SetHandler("demo", tagHandler(&calls))
			w := e.do(&admin, http.MethodPost, "/demo/pub/-/tag", nil, "X-Tag", "a")
			wantStatus(t, w, tc.status)
			if calls.Load() != tc.calls {
				t.Fatalf("plugin called %d times, want %d", calls.Load(), tc.calls)
			}
			if tc.status == http.StatusConflict {
				if _, msg := errorCode(t, w); msg == "" {
					t.Fatal("409 without a message")
				}
			}
		})
	}
}

// swapFiles rebuilds the dispatcher over files (same routes and fakes).
func (e *env) swapFiles(files ports.FileStore) {
	e.d = dispatch.New(dispatch.Deps{Repos: e.repos, Files: files, Blobs: e.blobs, Runtime: e.rt,
		Authz: dispatchtest.Authz{}, Clock: e.clock}, dispatch.Config{MaxBodyBytes: 1 << 20, BaseURL: "http://keeper.test"})
	e.d.SetRoutes([]dispatch.Route{{Prefix: "/demo/", PluginID: "demo", Format: "demo"}})
}
