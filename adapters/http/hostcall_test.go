package http_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// TestHostCallOverRealStores: the host call a plugin gets in production
// (the dispatcher over the metadata store and the file blob store) passes
// the HostCall suite on every database, as porttest.MemHost does.
func TestHostCallOverRealStores(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			porttest.HostCall(t, func(t *testing.T) porttest.HostHarness {
				store, err := bunstore.Open(t.Context(), dsn(t))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { store.Close() })
				if err := store.Migrate(t.Context()); err != nil {
					t.Fatal(err)
				}
				blobs, err := fsblob.New(filepath.Join(t.TempDir(), "blobs"))
				if err != nil {
					t.Fatal(err)
				}
				rt := dispatchtest.NewRuntime()
				d := dispatch.New(dispatch.Deps{Repos: store, Files: store, Blobs: blobs, Runtime: rt, Authz: auth.BaselineAuthorizer{}}, dispatch.Config{})
				info := ports.FormatInfo{Key: "demo", ContractVersion: ports.ContractVersion, Mounts: []ports.Mount{{Prefix: "/demo/"}}}
				if _, err := rt.Load(t.Context(), "demo", dispatchtest.Module(info), ports.PluginLimits{}); err != nil {
					t.Fatal(err)
				}
				d.SetRoutes([]dispatch.Route{{Prefix: "/demo/", PluginID: "demo", Format: "demo"}})
				r := &ports.Repository{Key: "repo", Name: "repo", Format: "demo", Type: ports.RepoLocal, Config: map[string]string{}}
				if err := store.CreateRepository(t.Context(), r); err != nil {
					t.Fatal(err)
				}
				x := &porttest.HTTPHost{Repo: "repo", Base: "/demo/repo/", Server: d, Prepare: func(r *http.Request) *http.Request {
					return r.WithContext(auth.WithSubject(r.Context(), ports.Subject{UserID: 1, Username: "alice", IsAdmin: true}))
				}}
				rt.SetHandler("demo", x.Handle)
				return x.Harness()
			})
		})
	}
}
