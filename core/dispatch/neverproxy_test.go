package dispatch_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// TestNeverProxiedPaths (contract 0.4.0, cache-class local): a path the
// format classifies local is answered by the plugin on the remote (and on
// a virtual repository with that remote as a member); the upstream, whose
// remote carries credentials, sees no request for it, while an ordinary
// path goes upstream with the credentials.
func TestNeverProxiedPaths(t *testing.T) {
	e := newEnv(t)
	var hits, logins, withCreds atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if u, p, ok := r.BasicAuth(); ok && u == "svc" && p == "s3cret" {
			withCreds.Add(1)
		}
		if r.URL.Path == "/-/login" {
			logins.Add(1)
			_, _ = w.Write([]byte("upstream session token"))
			return
		}
		_, _ = w.Write([]byte("upstream " + r.URL.Path))
	}))
	t.Cleanup(up.Close)
	ctx := context.Background()
	prox := ports.Repository{Key: "prox", Format: "demo", Type: ports.RepoRemote, IsPublic: true, UpstreamURL: up.URL,
		Config: map[string]string{remote.ConfigUsername: "svc", remote.ConfigPassword: "s3cret"}}
	if err := e.repos.CreateRepository(ctx, &prox); err != nil {
		t.Fatal(err)
	}
	e.d.UseRemote(remote.New(remote.Deps{Files: e.files, Blobs: e.blobs, Formats: mutableFormats{}, Clock: e.clock,
		Upstream: upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{})}, remote.Options{TTL: time.Minute}))
	virtualEnv(t, e, nil, "prox", "a")

	for _, target := range []string{"/demo/prox/-/login", "/demo/prox/-/login", "/demo/virt/-/login"} {
		for _, s := range []*ports.Subject{nil, &admin} {
			rec := e.do(s, http.MethodGet, target, nil)
			if want := "plugin login on " + target[len("/demo/"):len(target)-len("/-/login")]; rec.Code != 200 || rec.Body.String() != want {
				t.Fatalf("GET %s: %d %q, want the plugin's %q", target, rec.Code, rec.Body.String(), want)
			}
		}
	}
	_ = e.do(&admin, http.MethodHead, "/demo/prox/-/login", nil) // the fake plugin's answer to HEAD does not matter: the upstream's does
	if logins.Load() != 0 || hits.Load() != 0 {
		t.Fatalf("the upstream saw %d requests (%d for the login path)", hits.Load(), logins.Load())
	}
	if e.files.Count(e.repoID("prox")) != 0 {
		t.Fatal("a never-proxied answer was cached")
	}
	// The credentials are configured: an ordinary path carries them upstream.
	if code, body := get(e, &admin, "/demo/prox/x.txt"); code != 200 || body != "upstream /x.txt" || withCreds.Load() != 1 {
		t.Fatalf("ordinary path: %d %q, %d upstream requests with credentials", code, body, withCreds.Load())
	}
}
