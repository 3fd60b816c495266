package dispatch_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

// leakyFiles fails every commit the way a database adapter does: its room
// name and the driver's text in the message.
type leakyFiles struct {
	*dispatchtest.Files
	err error
}

func (f leakyFiles) Apply(context.Context, int64, ports.WriteSet) (int64, error) { return 0, f.err }

// TestCommitErrorsNameNoAdapter: a refused commit answers its status with a
// message in the caller's terms, never the adapter's (issue 20.17).
func TestCommitErrorsNameNoAdapter(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("bunstore: apply: %w (constraint failed: UNIQUE constraint failed: files.path (2067))", ports.ErrConflict), http.StatusConflict},
		{fmt.Errorf("bunstore: apply: referenced row missing: %w (SQL logic error)", ports.ErrNotFound), http.StatusNotFound},
		{fmt.Errorf("bunstore: apply: SQL logic error: unrecognized token"), http.StatusInternalServerError},
	} {
		e := newEnv(t)
		e.d = dispatch.New(dispatch.Deps{Repos: e.repos, Files: leakyFiles{e.files, c.err}, Blobs: e.blobs, Runtime: e.rt,
			Authz: dispatchtest.Authz{}, Clock: e.clock}, dispatch.Config{MaxBodyBytes: 1 << 20, BaseURL: "http://keeper.test"})
		e.d.SetRoutes([]dispatch.Route{{Prefix: "/demo/", PluginID: "demo", Format: "demo"}})
		w := e.do(&admin, "PUT", "/demo/pub/a.txt", []byte("x"))
		body := strings.ToLower(w.Body.String())
		if w.Code != c.want || strings.Contains(body, "bunstore") || strings.Contains(body, "sql") || strings.Contains(body, "constraint") {
			t.Fatalf("%v: %d %s", c.err, w.Code, body)
		}
	}
}
