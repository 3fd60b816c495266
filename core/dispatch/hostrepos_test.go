package dispatch_test

import (
	"context"
	"errors"
	"fmt"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

// TestListRepos covers the list-repos and list-repo-packages host services:
// only repositories of the calling plugin's format that the caller may read
// are listed, in key order with a cursor and a capped page size, and the
// packages of a repository the caller may not read (or of another format)
// are refused exactly like a missing repository.
func TestListRepos(t *testing.T) {
	ctx := context.Background()
	repos, blobs := dispatchtest.NewRepos(), dispatchtest.NewBlobs()
	files := dispatchtest.NewFiles(repos)
	rt := dispatchtest.NewRuntime()
	d := dispatch.New(dispatch.Deps{Repos: repos, Files: files, Blobs: blobs, Runtime: rt, Authz: secretAuthz{}},
		dispatch.Config{BaseURL: "http://k"})
	for _, id := range []string{"x", "y"} {
		info := ports.FormatInfo{Key: id, ContractVersion: ports.ContractVersion, Mounts: []ports.Mount{{Prefix: "/" + id + "/", Root: true}}}
		if _, err := rt.Load(ctx, id, dispatchtest.Module(info), ports.PluginLimits{}); err != nil {
			t.Fatal(err)
		}
	}
	d.SetRoutes([]dispatch.Route{{Prefix: "/x/", Root: true, PluginID: "x", Format: "x"}, {Prefix: "/y/", Root: true, PluginID: "y", Format: "y"}})
	mk := func(key, format string, public bool) {
		r := &ports.Repository{Key: key, Format: format, Type: ports.RepoLocal, IsPublic: public}
		if err := repos.CreateRepository(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// Created out of order: the listing sorts.
	mk("secret", "x", false)
	mk("open", "x", true)
	mk("mine", "x", false)
	mk("other", "y", false)
	mk("a-b", "x", false)
	b, _ := blobs.Put(ctx, strings.NewReader("m"), 0)
	for repo, pkgs := range map[string][]string{"open": {"open/app", "open/base", "open/tools/x"}, "secret": {"secret/s"}, "other": {"other/o"}} {
		var ws ports.WriteSet
		for i, p := range pkgs {
			ws.Puts = append(ws.Puts, ports.FilePut{File: ports.File{Path: fmt.Sprintf("f%d", i), BlobDigest: b.Digest, Package: p}})
		}
		if _, err := files.Apply(ctx, mustID(t, repos, repo), ws); err != nil {
			t.Fatal(err)
		}
	}

	type got struct {
		keys []string
		err  error
		pkgs []string
	}
	var g got
	var fn func(ctx context.Context, h ports.HostCall)
	handler := func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		g = got{}
		fn(ctx, h)
		return ports.FormatResponse{Status: 200}, nil
	}
	rt.SetHandler("x", handler)
	rt.SetHandler("y", handler)
	call := func(user, path string, f func(ctx context.Context, h ports.HostCall)) got {
		t.Helper()
		fn = f
		req := httptest.NewRequest(http.MethodGet, path, nil)
		sub := ports.Subject{Username: user, UserID: 7}
		if user == "" {
			sub = ports.Subject{Anonymous: true}
		}
		req = req.WithContext(auth.WithSubject(req.Context(), sub))
		rec := httptest.NewRecorder()
		httpapi.DispatchHTTP(d).ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s %s: status %d %s", user, path, rec.Code, rec.Body)
		}
		return g
	}
	list := func(after string, limit int) func(ctx context.Context, h ports.HostCall) {
		return func(ctx context.Context, h ports.HostCall) { g.keys, g.err = h.ListRepos(ctx, after, limit) }
	}
	pkgs := func(repo, prefix, after string) func(ctx context.Context, h ports.HostCall) {
		return func(ctx context.Context, h ports.HostCall) {
			ps, err := h.ListRepoPackages(ctx, repo, prefix, after, 0)
			g.err = err
			for _, p := range ps {
				g.pkgs = append(g.pkgs, p.Name)
			}
		}
	}
	want := func(what string, got, want []string) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: got %q, want %q", what, got, want)
		}
	}

	// Root call (no repository bound) and a bound call list the same.
	r := call("bob", "/x/_catalog", list("", 0))
	want("bob, root", r.keys, []string{"a-b", "mine", "open"})
	r = call("bob", "/x/mine/anything", list("", 0))
	want("bob, bound", r.keys, []string{"a-b", "mine", "open"})
	r = call("alice", "/x/_catalog", list("", 0))
	want("alice", r.keys, []string{"a-b", "mine", "open", "secret"})
	r = call("", "/x/_catalog", list("", 0))
	want("anonymous sees public only", r.keys, []string{"open"})
	r = call("bob", "/y/_catalog", list("", 0))
	want("format y", r.keys, []string{"other"})
	// Pages: the cursor is a key, the limit counts readable keys only.
	r = call("alice", "/x/_catalog", list("a-b", 2))
	want("alice after a-b, 2", r.keys, []string{"mine", "open"})
	r = call("bob", "/x/_catalog", list("mine", 5))
	want("bob after mine", r.keys, []string{"open"})
	r = call("bob", "/x/_catalog", list("open", 5))
	if r.err != nil || len(r.keys) != 0 {
		t.Fatalf("bob after open: %q %v", r.keys, r.err)
	}

	r = call("bob", "/x/_catalog", pkgs("open", "", ""))
	want("packages of open", r.pkgs, []string{"open/app", "open/base", "open/tools/x"})
	r = call("bob", "/x/_catalog", pkgs("open", "open/t", ""))
	want("prefix", r.pkgs, []string{"open/tools/x"})
	r = call("bob", "/x/_catalog", pkgs("open", "", "open/app"))
	want("after", r.pkgs, []string{"open/base", "open/tools/x"})
	r = call("alice", "/x/_catalog", pkgs("secret", "", ""))
	want("alice reads secret", r.pkgs, []string{"secret/s"})
	for _, c := range []struct{ user, repo string }{{"bob", "secret"}, {"", "secret"}, {"", "mine"}, {"bob", "other"}, {"bob", "missing"}} {
		r = call(c.user, "/x/_catalog", pkgs(c.repo, "", ""))
		if !errors.Is(r.err, ports.ErrNotFound) || len(r.pkgs) != 0 {
			t.Fatalf("%q listing %s: %q %v, want not found", c.user, c.repo, r.pkgs, r.err)
		}
	}
	// The error does not tell a hidden repository from a missing one.
	hidden := call("bob", "/x/_catalog", pkgs("secret", "", "")).err.Error()
	missing := call("bob", "/x/_catalog", pkgs("zzz", "", "")).err.Error()
	if strings.ReplaceAll(hidden, "secret", "zzz") != missing {
		t.Fatalf("hidden %q and missing %q differ", hidden, missing)
	}

	// The page size is capped, and pages walk every repository.
	for i := range 1100 {
		mk(fmt.Sprintf("r%04d", i), "x", false)
	}
	r = call("bob", "/x/_catalog", list("", 5000))
	if r.err != nil || len(r.keys) != 1000 {
		t.Fatalf("capped page: %d keys, %v", len(r.keys), r.err)
	}
	total, after := 0, ""
	for {
		r = call("bob", "/x/_catalog", list(after, 400))
		if r.err != nil {
			t.Fatal(r.err)
		}
		if len(r.keys) == 0 {
			break
		}
		total += len(r.keys)
		after = r.keys[len(r.keys)-1]
	}
	if total != 1103 {
		t.Fatalf("walked %d repositories, want 1103", total)
	}
}
