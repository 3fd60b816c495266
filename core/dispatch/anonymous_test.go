package dispatch_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

// fakeTokens accepts bob/secret-pass.
type fakeTokens struct{ minted int }

func (f *fakeTokens) LoginToken(_ context.Context, _, user, pass string) (string, error) {
	if user != "bob" || pass != "secret-pass" {
		return "", errors.New("invalid username or password")
	}
	f.minted++
	return "kpr_minted", nil
}

// newAnonEnv is newEnv with /demo/ declaring "/-/login/*" anonymous and a
// plugin that logs in with the X-User/X-Pass headers, tries to stage the
// body (X-Stage) and lists the repository (X-List).
func newAnonEnv(t *testing.T, tokens dispatch.TokenMinter) *env {
	e := newEnv(t)
	e.d = dispatch.New(dispatch.Deps{Repos: e.repos, Files: e.files, Blobs: e.blobs, Runtime: e.rt,
		Authz: dispatchtest.Authz{}, Clock: e.clock, Tokens: tokens}, dispatch.Config{MaxBodyBytes: 1 << 20, BaseURL: "http://keeper.test"})
	e.d.SetRoutes([]dispatch.Route{{Prefix: "/demo/", PluginID: "demo", Format: "demo", AnonymousPaths: []string{"/-/login/*"},
		Grants: []string{ports.GrantLogin}}})
	plain := e.handle
	e.rt.SetHandler("demo", func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		if !strings.HasPrefix(req.Path, "/-/login/") || headerOf(req, "X-Plain") != "" {
			return plain(ctx, req, h)
		}
		if headerOf(req, "X-Stage") != "" && req.Body != nil {
			if err := h.StageFile(ports.StagedFile{Path: "sneaky.txt", BlobDigest: req.Body.Digest}); err != nil {
				return ports.FormatResponse{Status: 201, Body: []byte("stage refused: " + err.Error())}, nil
			}
			return ports.FormatResponse{Status: 201, Body: []byte("staged")}, nil
		}
		if headerOf(req, "X-List") != "" {
			fs, err := h.ListFiles(ctx, ports.FileListing{Limit: 10})
			if err != nil {
				return ports.FormatResponse{Status: 200, Body: []byte("list refused")}, nil
			}
			return ports.FormatResponse{Status: 200, Body: []byte("listed " + strconv.Itoa(len(fs)))}, nil
		}
		tok, err := h.Login(ctx, headerOf(req, "X-User"), headerOf(req, "X-Pass"))
		if err != nil {
			return ports.FormatResponse{Status: 401, Body: []byte(err.Error())}, nil
		}
		return ports.FormatResponse{Status: 201, Body: []byte(tok)}, nil
	})
	return e
}

func TestAnonymousPaths(t *testing.T) {
	tokens := &fakeTokens{}
	e := newAnonEnv(t, tokens)
	anon := e.d.Table().Routes()
	e.d.SetRoutes([]dispatch.Route{{Prefix: "/demo/", PluginID: "demo", Format: "demo"}})
	wantStatus(t, e.do(&admin, http.MethodPut, "/demo/priv/-/login/file", []byte("private bytes"), "X-Plain", "1"), http.StatusCreated)
	wantStatus(t, e.do(&admin, http.MethodPut, "/demo/pub/a.txt", []byte("public")), http.StatusCreated)
	e.d.SetRoutes(anon)

	t.Run("anonymous login mints a token", func(t *testing.T) {
		w := e.do(nil, http.MethodPut, "/demo/priv/-/login/bob", []byte(`{"name":"bob"}`), "X-User", "bob", "X-Pass", "secret-pass")
		wantStatus(t, w, http.StatusCreated)
		if w.Body.String() != "kpr_minted" || tokens.minted != 1 {
			t.Fatalf("body %q, minted %d", w.Body.String(), tokens.minted)
		}
	})
	t.Run("login not granted", func(t *testing.T) {
		routes := e.d.Table().Routes()
		ungranted := append([]dispatch.Route(nil), routes...)
		ungranted[0].Grants = nil
		e.d.SetRoutes(ungranted)
		defer e.d.SetRoutes(routes)
		w := e.do(nil, http.MethodPut, "/demo/priv/-/login/bob", []byte(`{"name":"bob"}`), "X-User", "bob", "X-Pass", "secret-pass")
		wantStatus(t, w, http.StatusUnauthorized)
		if !strings.Contains(w.Body.String(), "not granted") || tokens.minted != 1 {
			t.Fatalf("body %q, minted %d", w.Body.String(), tokens.minted)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		w := e.do(nil, http.MethodPut, "/demo/priv/-/login/bob", []byte(`{}`), "X-User", "bob", "X-Pass", "nope")
		wantStatus(t, w, http.StatusUnauthorized)
	})
	t.Run("other paths still need authorization", func(t *testing.T) {
		w := e.do(nil, http.MethodPut, "/demo/priv/-/loginx", []byte(`{}`))
		wantStatus(t, w, http.StatusUnauthorized)
		if w.Header().Get("WWW-Authenticate") == "" {
			t.Fatal("no WWW-Authenticate")
		}
		wantStatus(t, e.do(nil, http.MethodPut, "/demo/priv/-/login/a/b", []byte(`{}`)), http.StatusUnauthorized)
	})
	t.Run("no writes are staged or committed", func(t *testing.T) {
		w := e.do(nil, http.MethodPut, "/demo/pub/-/login/bob", []byte("x"), "X-Stage", "1")
		wantStatus(t, w, http.StatusCreated)
		if !strings.HasPrefix(w.Body.String(), "stage refused") {
			t.Fatalf("body %q", w.Body.String())
		}
		if _, err := e.files.GetFile(context.Background(), e.repoID("pub"), "sneaky.txt"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("sneaky.txt committed: %v", err)
		}
		// Even a signed-in caller stages nothing on an anonymous path.
		w = e.do(&admin, http.MethodPut, "/demo/pub/-/login/bob", []byte("x"), "X-Stage", "1")
		if !strings.HasPrefix(w.Body.String(), "stage refused") {
			t.Fatalf("body %q", w.Body.String())
		}
	})
	t.Run("body capped at 64 KiB", func(t *testing.T) {
		w := e.do(nil, http.MethodPut, "/demo/priv/-/login/bob", bytes.Repeat([]byte("a"), 64<<10+1))
		wantStatus(t, w, http.StatusRequestEntityTooLarge)
	})
	t.Run("repository reads only for readers", func(t *testing.T) {
		if w := e.do(nil, http.MethodGet, "/demo/priv/-/login/x", nil, "X-List", "1"); w.Body.String() != "list refused" {
			t.Fatalf("anonymous listed a private repository: %q", w.Body.String())
		}
		if w := e.do(nil, http.MethodGet, "/demo/pub/-/login/x", nil, "X-List", "1"); w.Body.String() != "listed 1" {
			t.Fatalf("public listing: %q", w.Body.String())
		}
		if w := e.do(&admin, http.MethodGet, "/demo/priv/-/login/x", nil, "X-List", "1"); w.Body.String() != "listed 1" {
			t.Fatalf("admin listing: %q", w.Body.String())
		}
	})
	t.Run("no fast path to stored files", func(t *testing.T) {
		w := e.do(nil, http.MethodGet, "/demo/priv/-/login/file", nil)
		if strings.Contains(w.Body.String(), "private bytes") {
			t.Fatalf("anonymous caller read a private file: %d %q", w.Code, w.Body.String())
		}
	})
}

func TestLoginWithoutTokenService(t *testing.T) {
	e := newAnonEnv(t, nil)
	w := e.do(nil, http.MethodPut, "/demo/pub/-/login/bob", []byte(`{}`), "X-User", "bob", "X-Pass", "secret-pass")
	wantStatus(t, w, http.StatusUnauthorized)
	if !strings.Contains(w.Body.String(), "no token service") {
		t.Fatalf("body %q", w.Body.String())
	}
}
