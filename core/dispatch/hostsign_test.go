package dispatch_test

import (
	"context"
	"net/http"
	"testing"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// repoSigner signs every repository with one key and remembers the caller.
type repoSigner struct {
	s     *pgp.Signer
	repos []string
	by    []string
}

func (r *repoSigner) Sign(ctx context.Context, repo string, by ports.Subject, form ports.SignForm, data []byte) ([]byte, error) {
	r.repos, r.by = append(r.repos, repo), append(r.by, by.Username)
	return r.s.Sign(ctx, form, data)
}

func (r *repoSigner) PublicKey(ctx context.Context, repo string, form ports.KeyForm) (ports.PublicKey, error) {
	return r.s.PublicKey(ctx, form)
}

// TestHostSigningConformance: the real host call passes the HostSigning
// suite, signing with the bound repository's key for the caller.
func TestHostSigningConformance(t *testing.T) {
	key, err := pgp.NewSigner(pgp.RSA3072, "repo")
	if err != nil {
		t.Fatal(err)
	}
	rs := &repoSigner{s: key}
	open := func(signer dispatch.RepoSigner) func(t *testing.T) porttest.HostHarness {
		return func(t *testing.T) porttest.HostHarness {
			repos, blobs, rt := dispatchtest.NewRepos(), dispatchtest.NewBlobs(), dispatchtest.NewRuntime()
			d := dispatch.New(dispatch.Deps{Repos: repos, Files: dispatchtest.NewFiles(repos), Blobs: blobs, Runtime: rt,
				Authz: dispatchtest.Authz{}}, dispatch.Config{})
			if signer != nil {
				d.UseSigner(signer)
			}
			info := ports.FormatInfo{Key: "demo", ContractVersion: ports.ContractVersion, Mounts: []ports.Mount{{Prefix: "/demo/"}}}
			if _, err := rt.Load(t.Context(), "demo", dispatchtest.Module(info), ports.PluginLimits{}); err != nil {
				t.Fatal(err)
			}
			d.SetRoutes([]dispatch.Route{{Prefix: "/demo/", PluginID: "demo", Format: "demo"}})
			if err := repos.CreateRepository(t.Context(), &ports.Repository{Key: "repo", Format: "demo", Type: ports.RepoLocal}); err != nil {
				t.Fatal(err)
			}
			x := &porttest.HTTPHost{Repo: "repo", Base: "/demo/repo/", Server: httpapi.DispatchHTTP(d), Prepare: func(r *http.Request) *http.Request {
				return r.WithContext(auth.WithSubject(r.Context(), ports.Subject{UserID: 1, Username: "alice"}))
			}}
			rt.SetHandler("demo", x.Handle)
			return x.Harness()
		}
	}
	porttest.HostSigning(t, open(rs), open(nil))
	if len(rs.repos) == 0 || rs.repos[0] != "repo" || rs.by[0] != "alice" {
		t.Errorf("signed for %v by %v, want repo by alice", rs.repos, rs.by)
	}
}
