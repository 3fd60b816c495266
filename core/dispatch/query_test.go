package dispatch_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/ports"
)

// pathRecorder is mergingFormats that records the path each merge gets.
type pathRecorder struct {
	mergingFormats
	mu    sync.Mutex
	paths []string
}

func (f *pathRecorder) Merge(ctx context.Context, id, format, path string, docs [][]byte, h ports.HostCall, rc *ports.RepoContext) (ports.Document, error) {
	f.mu.Lock()
	f.paths = append(f.paths, path)
	f.mu.Unlock()
	return f.mergingFormats.Merge(ctx, id, format, path, docs, h, rc)
}

// A virtual repository's query the plugin answers with X-Keeper-Upstream:
// query and X-Keeper-Upstream-Query asks every member (a local one's
// plugin, a remote one's upstream) the member query, and the merge gets
// the path with the client's canonical query; neither field reaches the
// client, and another page of the same search reuses the remote member's
// cached answer.
func TestVirtualQueryAsksMembersThePluginsMemberQuery(t *testing.T) {
	e, hits, _ := remoteEnv(t)
	virtualEnv(t, e, nil, "a", "prox")
	put(t, e, "/demo/a/f.txt", "x")
	rec := &pathRecorder{}
	e.d.UseVirtual(rec)
	e.rt.SetHandler("demo", func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		if req.Path == "/-/q" && req.Repo != nil && req.Repo.Type == ports.RepoVirtual {
			return ports.FormatResponse{Status: 200, Headers: []ports.Header{{Name: dispatch.UpstreamQueryHeader, Value: "query"},
				{Name: dispatch.MemberQueryHeader, Value: "q=x&skip=0"}}}, nil
		}
		return e.handle(ctx, req, h)
	})
	for i, q := range []string{"skip=5&q=x", "skip=9&q=x"} {
		r := e.do(nil, http.MethodGet, "/demo/virt/-/q?"+q, nil)
		if r.Code != 200 || r.Body.String() != "plugin q=x&skip=0 + upstream q=x&skip=0" ||
			r.Header().Get(dispatch.UpstreamQueryHeader) != "" || r.Header().Get(dispatch.MemberQueryHeader) != "" {
			t.Fatalf("?%s: %d %q %v", q, r.Code, r.Body.String(), r.Header())
		}
		if want := "/-/q?q=x&" + q[:6]; rec.paths[i] != want {
			t.Fatalf("merge %d got path %q, want %q", i, rec.paths[i], want)
		}
	}
	if hits.Load() != 1 {
		t.Fatalf("%d upstream requests for two pages of one member query, want 1", hits.Load())
	}
}
