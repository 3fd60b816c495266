package dispatch_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

// TestReadPaths: POST and OPTIONS on a declared read path are authorized
// as reads (a caller who may only read reaches them), their body is capped
// at 1 MiB and nothing they stage is committed; an undeclared POST still
// needs write permission.
func TestReadPaths(t *testing.T) {
	e := newEnv(t)
	e.d = dispatch.New(dispatch.Deps{Repos: e.repos, Files: e.files, Blobs: e.blobs, Runtime: e.rt,
		Authz: dispatchtest.Authz{}, Clock: e.clock}, dispatch.Config{MaxBodyBytes: 8 << 20, BaseURL: "http://keeper.test"})
	e.d.SetRoutes([]dispatch.Route{{Prefix: "/demo/", PluginID: "demo", Format: "demo", ReadPaths: []string{"/svc.Query/*"}}})
	e.rt.SetHandler("demo", func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		if req.Body == nil {
			return ports.FormatResponse{Status: 204}, nil
		}
		if err := h.StageFile(ports.StagedFile{Path: "staged.txt", BlobDigest: req.Body.Digest}); err != nil {
			return ports.FormatResponse{Status: 200, Body: []byte("stage refused")}, nil
		}
		return ports.FormatResponse{Status: 200, Body: []byte("staged")}, nil
	})
	reader := ports.Subject{UserID: 2, Username: "reader"}

	w := e.do(&reader, http.MethodPost, "/demo/priv/svc.Query/Get", []byte(`{"q":1}`))
	wantStatus(t, w, http.StatusOK)
	if w.Body.String() != "stage refused" {
		t.Fatalf("body %q, want the write refused", w.Body.String())
	}
	if _, err := e.files.GetFile(context.Background(), e.repoID("priv"), "staged.txt"); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("a read call's staged write was committed: %v", err)
	}
	wantStatus(t, e.do(&reader, http.MethodOptions, "/demo/priv/svc.Query/Get", nil), http.StatusNoContent)

	// Not declared: a write, refused to a reader, allowed to a writer.
	wantStatus(t, e.do(&reader, http.MethodPost, "/demo/priv/svc.Write/Put", []byte(`{}`)), http.StatusForbidden)
	wantStatus(t, e.do(&reader, http.MethodPut, "/demo/priv/svc.Query/Get", []byte(`{}`)), http.StatusForbidden)
	if w := e.do(&admin, http.MethodPost, "/demo/priv/svc.Write/Put", []byte(`{}`)); w.Body.String() != "staged" {
		t.Fatalf("write call: %d %q", w.Code, w.Body.String())
	}
	// Anonymous callers may not read a private repository through it.
	wantStatus(t, e.do(nil, http.MethodPost, "/demo/priv/svc.Query/Get", []byte(`{}`)), http.StatusUnauthorized)

	w = e.do(&admin, http.MethodPost, "/demo/pub/svc.Query/Get", bytes.Repeat([]byte("a"), 1<<20+1))
	wantStatus(t, w, http.StatusRequestEntityTooLarge)
	if !strings.Contains(w.Body.String(), "1048576") {
		t.Fatalf("body %q", w.Body.String())
	}
	// The same body is fine for an ordinary write.
	wantStatus(t, e.do(&admin, http.MethodPost, "/demo/pub/svc.Write/Put", bytes.Repeat([]byte("a"), 1<<20+1)), http.StatusOK)
}
