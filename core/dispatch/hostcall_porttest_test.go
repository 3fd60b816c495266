package dispatch_test

import (
	"net/http"
	"testing"

	"github.com/keeper-registry/keeper/core/auth"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// TestHostCallConformance: the real host call passes the HostCall suite
// (the one porttest.MemHost passes too).
func TestHostCallConformance(t *testing.T) {
	porttest.HostCall(t, func(t *testing.T) porttest.HostHarness {
		repos, blobs, rt := dispatchtest.NewRepos(), dispatchtest.NewBlobs(), dispatchtest.NewRuntime()
		d := dispatch.New(dispatch.Deps{Repos: repos, Files: dispatchtest.NewFiles(repos), Blobs: blobs, Runtime: rt,
			Authz: dispatchtest.Authz{}}, dispatch.Config{})
		info := ports.FormatInfo{Key: "demo", ContractVersion: ports.ContractVersion, Mounts: []ports.Mount{{Prefix: "/demo/"}}}
		if _, err := rt.Load(t.Context(), "demo", dispatchtest.Module(info), ports.PluginLimits{}); err != nil {
			t.Fatal(err)
		}
		d.SetRoutes([]dispatch.Route{{Prefix: "/demo/", PluginID: "demo", Format: "demo"}})
		if err := repos.CreateRepository(t.Context(), &ports.Repository{Key: "repo", Format: "demo", Type: ports.RepoLocal}); err != nil {
			t.Fatal(err)
		}
		x := &porttest.HTTPHost{Repo: "repo", Base: "/demo/repo/", Server: d, Prepare: func(r *http.Request) *http.Request {
			return r.WithContext(auth.WithSubject(r.Context(), ports.Subject{UserID: 1, Username: "alice"}))
		}}
		rt.SetHandler("demo", x.Handle)
		return x.Harness()
	})
}
