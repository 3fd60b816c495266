package upstream_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/ports"
)

// tokenRegistry is an upstream that wants a Bearer token from its realm,
// which hands one out for the right Basic credentials (or to anyone when
// anonymous is set).
type tokenRegistry struct {
	srv                *httptest.Server
	anonymous          bool
	tokenCalls, served atomic.Int32
	lastScope          atomic.Value
}

func newTokenRegistry(t *testing.T, anonymous bool) *tokenRegistry {
	r := &tokenRegistry{anonymous: anonymous}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/token" {
			r.tokenCalls.Add(1)
			r.lastScope.Store(req.URL.Query().Get("scope") + "|" + req.URL.Query().Get("service"))
			u, p, ok := req.BasicAuth()
			if !r.anonymous && (!ok || u != "alice" || p != "s3cret") {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			_, _ = io.WriteString(w, `{"token":"tok-`+u+`","expires_in":300}`)
			return
		}
		want := "Bearer tok-alice"
		if r.anonymous {
			want = "Bearer tok-"
		}
		if req.Header.Get("Authorization") != want {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="reg \"1\"",scope="repository:lib/app:pull"`, r.srv.URL))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		r.served.Add(1)
		_, _ = io.WriteString(w, "manifest")
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func TestBearerChallengeAnsweredAndTokenCached(t *testing.T) {
	reg := newTokenRegistry(t, false)
	f := upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{})
	creds := ports.UpstreamCredentials{Username: "alice", Password: "s3cret"}
	for i := 0; i < 3; i++ {
		resp, err := f.Fetch(context.Background(), ports.UpstreamRequest{URL: reg.srv.URL + "/v2/lib/app/manifests/1", Credentials: creds})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.Status != 200 || string(b) != "manifest" {
			t.Fatalf("fetch %d: %d %q", i, resp.Status, b)
		}
	}
	if n := reg.tokenCalls.Load(); n != 1 {
		t.Fatalf("token service asked %d times, want 1 (the token is cached)", n)
	}
	if s := reg.lastScope.Load(); s != `repository:lib/app:pull|reg "1"` {
		t.Fatalf("scope|service sent: %v", s)
	}
}

func TestBearerChallengeAnonymousAndRefused(t *testing.T) {
	anon := newTokenRegistry(t, true)
	f := upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{})
	resp, err := f.Fetch(context.Background(), ports.UpstreamRequest{URL: anon.srv.URL + "/v2/lib/app/manifests/1"})
	if err != nil || resp.Status != 200 {
		t.Fatalf("anonymous pull: %v %+v", err, resp)
	}
	_ = resp.Body.Close()

	private := newTokenRegistry(t, false)
	resp, err = f.Fetch(context.Background(), ports.UpstreamRequest{URL: private.srv.URL + "/v2/lib/app/manifests/1",
		Credentials: ports.UpstreamCredentials{Username: "alice", Password: "wrong"}})
	if err != nil || resp.Status != 401 {
		t.Fatalf("wrong credentials: want the upstream's 401, got %v %+v", err, resp)
	}
}

func TestBearerRealmGuarded(t *testing.T) {
	// The realm is contacted through the egress guard like the upstream:
	// the upstream is reached as an allowed host name, its realm by an
	// address the guard refuses.
	reg := newTokenRegistry(t, true)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+reg.srv.URL+`/token"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer front.Close()
	f := upstream.New(egress.Policy{AllowedHosts: []string{"localhost"}}, upstream.Options{})
	_, err := f.Fetch(context.Background(), ports.UpstreamRequest{URL: strings.Replace(front.URL, "127.0.0.1", "localhost", 1) + "/v2/x/manifests/1"})
	var ue *ports.UpstreamError
	if !errors.As(err, &ue) || !ue.Refused {
		t.Fatalf("want the realm refused by the guard, got %v", err)
	}
	if reg.tokenCalls.Load() != 0 {
		t.Fatal("the token service on a refused address was contacted")
	}
}
