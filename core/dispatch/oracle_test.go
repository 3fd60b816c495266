package dispatch_test

import (
	"context"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

// outsiderAuthz lets "eve" read public repositories only.
type outsiderAuthz struct{ dispatchtest.Authz }

func (a outsiderAuthz) Authorize(ctx context.Context, s ports.Subject, action string, r ports.Resource) (ports.Decision, error) {
	if s.Username == "eve" {
		return ports.Decision{Allowed: action == ports.ActionRead && r.Public}, nil
	}
	return a.Authz.Authorize(ctx, s, action, r)
}

// TestPrivateAnswersLikeMissing: on a format mount a private repository the
// caller may not read answers exactly as a missing one does: 401 with a
// challenge to anonymous callers, 404 to signed-in ones, for reads and
// writes alike (issue 20.15).
func TestPrivateAnswersLikeMissing(t *testing.T) {
	e := newEnv(t)
	d := dispatch.New(dispatch.Deps{Repos: e.repos, Files: e.files, Blobs: e.blobs, Runtime: e.rt,
		Authz: outsiderAuthz{}, Clock: e.clock}, dispatch.Config{MaxBodyBytes: 1 << 20, BaseURL: "http://keeper.test"})
	d.SetRoutes([]dispatch.Route{{Prefix: "/demo/", PluginID: "demo", Format: "demo"}})
	eve := ports.Subject{UserID: 7, Username: "eve"}
	serve := func(s *ports.Subject, method, target string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, target, nil)
		if s != nil {
			r = r.WithContext(auth.WithSubject(r.Context(), *s))
		}
		w := httptest.NewRecorder()
		httpapi.DispatchHTTP(d).ServeHTTP(w, r)
		return w
	}
	for _, method := range []string{"GET", "PUT", "DELETE"} {
		for _, who := range []struct {
			s    *ports.Subject
			want int
		}{{nil, http.StatusUnauthorized}, {&eve, http.StatusNotFound}} {
			p := serve(who.s, method, "/demo/priv/x")
			m := serve(who.s, method, "/demo/missing/x")
			pc, _ := errorCode(t, p)
			mc, _ := errorCode(t, m)
			if p.Code != who.want || m.Code != who.want || pc != mc || p.Header().Get("WWW-Authenticate") != m.Header().Get("WWW-Authenticate") {
				t.Fatalf("%s as %v: private %d %s, missing %d %s", method, who.s, p.Code, p.Body, m.Code, m.Body)
			}
		}
	}
	if w := serve(&eve, "PUT", "/demo/pub/x"); w.Code != http.StatusForbidden {
		t.Fatalf("write to a readable repository: %d, want 403", w.Code)
	}
}
