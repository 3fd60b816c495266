package dispatch_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/core/repository"
	"github.com/keeper-registry/keeper/ports"
)

// mergingFormats classifies "*.meta" as metadata and merges by joining
// the members' documents with " + ", counting merges.
type mergingFormats struct{ merges *atomic.Int64 }

func (mergingFormats) Classify(_ context.Context, _, _, path string) (ports.CacheClass, error) {
	if strings.HasPrefix(path, "/-/login") {
		return ports.CacheLocal, nil
	}
	if strings.HasSuffix(path, ".meta") {
		return ports.CacheMutable, nil
	}
	return ports.CacheImmutable, nil
}
func (mergingFormats) Merges(string) bool { return true }
func (f mergingFormats) Merge(ctx context.Context, _, _, path string, docs [][]byte, h ports.HostCall, _ *ports.RepoContext) (ports.Document, error) {
	out, err := f.merge(ctx, path, docs, h)
	return ports.Document{Body: out, Headers: []ports.Header{{Name: "Protocol-Version", Value: "2"}, {Name: "Set-Cookie", Value: "s=1"}}}, err
}

func (f mergingFormats) merge(ctx context.Context, path string, docs [][]byte, h ports.HostCall) ([]byte, error) {
	if f.merges != nil {
		f.merges.Add(1)
	}
	parts := make([]string, len(docs))
	for i, d := range docs {
		parts[i] = string(d)
	}
	if strings.HasSuffix(path, ".none.meta") {
		return nil, nil // merged to nothing: the virtual has no such document
	}
	out := []byte(strings.Join(parts, " + "))
	if strings.HasSuffix(path, ".signed.meta") {
		// Signs the merged document, then tries every kind of write.
		sig, err := h.(ports.HostSigning).Sign(ctx, ports.SignPGPDetachedArmored, out)
		if err != nil {
			return nil, err
		}
		writes := []error{
			h.StageFile(ports.StagedFile{Path: "leak.txt", BlobDigest: "x"}),
			h.StageDelete("x"),
			h.StageKV(ports.KV{Namespace: "n", Key: "k", Value: []byte("v")}, false),
		}
		writes = append(writes, h.StageVersion(ports.VersionPut{}),
			h.(interface {
				MountBlob(context.Context, string, string, string, string) error
			}).MountBlob(ctx, "a", "x", "m.txt", ""))
		for _, err := range writes {
			if err == nil {
				return nil, fmt.Errorf("a merge wrote")
			}
		}
		out = append(append(out, " signed "...), sig...)
	}
	return out, nil
}

// virtualEnv adds local repositories a and b and a public virtual
// repository "virt" with the given members (in priority order); the fake
// plugin answers GET *.meta with the member's key, files and base URL.
func virtualEnv(t *testing.T, e *env, config map[string]string, members ...string) *atomic.Int64 {
	t.Helper()
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		r := ports.Repository{Key: k, Format: "demo", Type: ports.RepoLocal, IsPublic: true}
		if err := e.repos.CreateRepository(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	v := ports.Repository{Key: "virt", Format: "demo", Type: ports.RepoVirtual, IsPublic: true, Config: config}
	for i, m := range members {
		// Priorities out of listing order: resolution sorts by priority.
		v.Members = append([]ports.Member{{RepoKey: m, Priority: 10 * (i + 1)}}, v.Members...)
	}
	if err := e.repos.CreateRepository(ctx, &v); err != nil {
		t.Fatal(err)
	}
	e.rt.SetHandler("demo", func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		if req.Method == http.MethodGet && req.Repo != nil && strings.HasSuffix(req.Path, ".meta") {
			fs, err := h.ListFiles(ctx, ports.FileListing{Limit: 100})
			if err != nil || len(fs) == 0 {
				return ports.FormatResponse{Status: 404}, err
			}
			names := make([]string, len(fs))
			for i, f := range fs {
				names[i] = f.Path
			}
			if req.Path == "/who.meta" {
				// A caller-specific answer: no CacheTTL.
				return ports.FormatResponse{Status: 200, Body: []byte(req.Repo.Key + " for " + req.User)}, nil
			}
			return ports.FormatResponse{Status: 200, Body: []byte(req.Repo.Key + ":" + strings.Join(names, ",") + "@" + req.Repo.BaseURL),
				CacheTTL: time.Minute}, nil
		}
		return e.handle(ctx, req, h)
	})
	var merges atomic.Int64
	e.d.UseVirtual(mergingFormats{merges: &merges})
	return &merges
}

func put(t testing.TB, e *env, target, body string) {
	t.Helper()
	if rec := e.do(&admin, http.MethodPut, target, []byte(body), "X-Overwrite", "1"); rec.Code != http.StatusCreated {
		t.Fatalf("PUT %s: %d %s", target, rec.Code, rec.Body.String())
	}
}

func get(e *env, s *ports.Subject, target string) (int, string) {
	rec := e.do(s, http.MethodGet, target, nil)
	return rec.Code, rec.Body.String()
}

func TestVirtualResolvesByPriority(t *testing.T) {
	e := newEnv(t)
	virtualEnv(t, e, nil, "a", "b")
	put(t, e, "/demo/b/f.txt", "from b")
	if code, body := get(e, nil, "/demo/virt/f.txt"); code != 200 || body != "from b" {
		t.Fatalf("only b holds it: %d %q", code, body)
	}
	put(t, e, "/demo/a/f.txt", "from a")
	if code, body := get(e, nil, "/demo/virt/f.txt"); code != 200 || body != "from a" {
		t.Fatalf("a comes first: %d %q", code, body)
	}
	if code, _ := get(e, nil, "/demo/virt/missing.txt"); code != 404 {
		t.Fatalf("missing: %d", code)
	}
}

func TestVirtualLocalsBeforeRemoteUpstreams(t *testing.T) {
	e, hits, _ := remoteEnv(t)
	virtualEnv(t, e, nil, "prox", "a")
	put(t, e, "/demo/a/a.txt", "local a")
	// prox ranks first but has not cached a.txt: a's stored copy wins, the upstream is not asked.
	if code, body := get(e, nil, "/demo/virt/a.txt"); code != 200 || body != "local a" || hits.Load() != 0 {
		t.Fatalf("local first: %d %q, %d upstream requests", code, body, hits.Load())
	}
	if code, body := get(e, nil, "/demo/prox/a.txt"); code != 200 || body != "upstream a" {
		t.Fatalf("prox: %d %q", code, body)
	}
	// Now prox holds it cached and ranks first.
	if code, body := get(e, nil, "/demo/virt/a.txt"); code != 200 || body != "upstream a" {
		t.Fatalf("cached remote first: %d %q", code, body)
	}
	if code, body := get(e, nil, "/demo/virt/missing"); code != 404 || hits.Load() != 2 {
		t.Fatalf("missing everywhere: %d %q, %d upstream requests", code, body, hits.Load())
	}
}

func TestVirtualRemoteUpstreamWhenNoMemberHolds(t *testing.T) {
	e, hits, _ := remoteEnv(t)
	virtualEnv(t, e, nil, "a", "prox")
	if code, body := get(e, nil, "/demo/virt/a.txt"); code != 200 || body != "upstream a" || hits.Load() != 1 {
		t.Fatalf("through the upstream: %d %q, %d upstream requests", code, body, hits.Load())
	}
	if e.files.Count(e.repoID("prox")) != 1 || e.files.Count(e.repoID("a")) != 0 {
		t.Fatal("the fetched file is cached in the remote member, nowhere else")
	}
}

func TestVirtualRefusingMemberStopsResolution(t *testing.T) {
	e := newEnv(t)
	virtualEnv(t, e, nil, "priv", "pub")
	put(t, e, "/demo/priv/f.txt", "secret")
	put(t, e, "/demo/pub/f.txt", "public")
	put(t, e, "/demo/pub/g.txt", "public g")
	if code, body := get(e, nil, "/demo/virt/f.txt"); code != 404 || strings.Contains(body, "public") || strings.Contains(body, "secret") {
		t.Fatalf("anonymous, held by a private member: %d %q", code, body)
	}
	if code, body := get(e, &admin, "/demo/virt/f.txt"); code != 200 || body != "secret" {
		t.Fatalf("admin: %d %q", code, body)
	}
	if code, body := get(e, nil, "/demo/virt/g.txt"); code != 200 || body != "public g" {
		t.Fatalf("anonymous, not held by the private member: %d %q", code, body)
	}
}

func TestVirtualMergesMetadataAndCachesUntilAMemberChanges(t *testing.T) {
	e := newEnv(t)
	merges := virtualEnv(t, e, nil, "a", "priv", "b")
	put(t, e, "/demo/a/x", "1")
	put(t, e, "/demo/b/y", "2")
	put(t, e, "/demo/priv/z", "3")
	want := "a:x@http://keeper.test/demo/virt + b:y@http://keeper.test/demo/virt"
	for i := range 2 {
		rec := e.do(nil, http.MethodGet, "/demo/virt/p.meta", nil)
		if rec.Code != 200 || rec.Body.String() != want {
			t.Fatalf("GET %d: %d %q", i, rec.Code, rec.Body.String())
		}
		// The merge's own field is served, the cookie it tried is not.
		if got := rec.Header().Values("Protocol-Version"); len(got) != 1 || got[0] != "2" || rec.Header().Get("Set-Cookie") != "" {
			t.Fatalf("GET %d: headers %v", i, rec.Header())
		}
	}
	if merges.Load() != 1 {
		t.Fatalf("%d merges, want 1 (the second GET is cached)", merges.Load())
	}
	if code, body := get(e, &admin, "/demo/virt/p.meta"); code != 200 || !strings.Contains(body, "priv:z") {
		t.Fatalf("a caller who may read priv sees it: %d %q", code, body)
	}
	put(t, e, "/demo/b/y2", "4")
	if code, body := get(e, nil, "/demo/virt/p.meta"); code != 200 || !strings.HasSuffix(body, "b:y,y2@http://keeper.test/demo/virt") {
		t.Fatalf("after b changed: %d %q", code, body)
	}
	if merges.Load() != 3 {
		t.Fatalf("%d merges, want 3", merges.Load())
	}
}

func TestVirtualDeploysToItsTarget(t *testing.T) {
	e := newEnv(t)
	virtualEnv(t, e, map[string]string{repository.ConfigDeployTo: "b"}, "a", "b")
	put(t, e, "/demo/virt/new.txt", "published")
	if e.files.Count(e.repoID("b")) != 1 || e.files.Count(e.repoID("a")) != 0 || e.files.Count(e.repoID("virt")) != 0 {
		t.Fatal("the publish did not land in the deployment target alone")
	}
	if code, body := get(e, nil, "/demo/virt/new.txt"); code != 200 || body != "published" {
		t.Fatalf("read back: %d %q", code, body)
	}
	rec := e.do(nil, http.MethodPut, "/demo/virt/anon.txt", []byte("x"))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("anonymous publish: %d", rec.Code)
	}
}

func TestVirtualWithoutTargetRefusesWrites(t *testing.T) {
	e := newEnv(t)
	virtualEnv(t, e, nil, "a")
	for _, m := range []string{http.MethodPut, http.MethodPost, http.MethodDelete} {
		rec := e.do(&admin, m, "/demo/virt/f.txt", []byte("x"))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" ||
			!strings.Contains(rec.Body.String(), "without a deployment target") {
			t.Fatalf("%s: %d %s", m, rec.Code, rec.Body.String())
		}
	}
	if e.files.Count(e.repoID("a")) != 0 {
		t.Fatal("a refused write reached a member")
	}
}

func TestVirtualNeverCachesACallerSpecificMerge(t *testing.T) {
	e := newEnv(t)
	merges := virtualEnv(t, e, nil, "a", "b")
	put(t, e, "/demo/a/x", "1")
	put(t, e, "/demo/b/y", "2")
	bob := ports.Subject{UserID: 2, Username: "bob"}
	if code, body := get(e, &admin, "/demo/virt/who.meta"); code != 200 || body != "a for alice + b for alice" {
		t.Fatalf("alice: %d %q", code, body)
	}
	if code, body := get(e, &bob, "/demo/virt/who.meta"); code != 200 || body != "a for bob + b for bob" {
		t.Fatalf("bob got another caller's answer: %d %q", code, body)
	}
	if merges.Load() != 2 {
		t.Fatalf("%d merges, want 2", merges.Load())
	}
	// The merged cache also expires after the shortest member TTL.
	if code, _ := get(e, nil, "/demo/virt/p.meta"); code != 200 {
		t.Fatal(code)
	}
	e.clock.Add(2 * time.Minute)
	if code, _ := get(e, nil, "/demo/virt/p.meta"); code != 200 || merges.Load() != 4 {
		t.Fatalf("after the TTL: %d, %d merges, want 4", code, merges.Load())
	}
}

// TestVirtualAsksLocalMembersPluginsForUnstoredPaths: a path no member
// stores (a tag, an alias) resolves to the first local member whose plugin
// answers it; members answering 404 are passed over.
func TestVirtualAsksLocalMembersPluginsForUnstoredPaths(t *testing.T) {
	e := newEnv(t)
	virtualEnv(t, e, nil, "a", "b")
	answers := map[string]bool{"b": true}
	e.rt.SetHandler("demo", func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		if req.Method == http.MethodGet && req.Repo != nil && strings.HasPrefix(req.Path, "/alias/") {
			if !answers[req.Repo.Key] {
				return ports.FormatResponse{Status: 404, Body: []byte("no such alias")}, nil
			}
			return ports.FormatResponse{Status: 200, Body: []byte("alias in " + req.Repo.Key)}, nil
		}
		return e.handle(ctx, req, h)
	})
	if code, body := get(e, nil, "/demo/virt/alias/x"); code != 200 || body != "alias in b" {
		t.Fatalf("only b's plugin answers: %d %q", code, body)
	}
	answers["a"] = true
	put(t, e, "/demo/a/bump.txt", "a changed") // a new generation: no cached answer of a
	if code, body := get(e, nil, "/demo/virt/alias/y"); code != 200 || body != "alias in a" {
		t.Fatalf("a ranks first: %d %q", code, body)
	}
	answers["a"], answers["b"] = false, false
	if code, _ := get(e, nil, "/demo/virt/alias/z"); code != 404 {
		t.Fatalf("no member answers: %d", code)
	}
}

// TestVirtualMergeSignsWithTheVirtualsKeyAndCannotWrite: a merge's host
// call is bound to the virtual repository: it signs with the virtual's key
// for the caller and every write is refused; without a key a document the
// plugin cannot sign is a 404, not a 502.
func TestVirtualMergeSignsWithTheVirtualsKeyAndCannotWrite(t *testing.T) {
	e := newEnv(t)
	virtualEnv(t, e, nil, "a", "b")
	put(t, e, "/demo/a/x", "1")
	if code, _ := get(e, nil, "/demo/virt/p.signed.meta"); code != 404 {
		t.Fatalf("no signing key: %d, want 404", code)
	}
	key, err := pgp.NewSigner(pgp.RSA3072, "virt")
	if err != nil {
		t.Fatal(err)
	}
	rs := &repoSigner{s: key}
	e.d.UseSigner(rs)
	put(t, e, "/demo/b/y", "2") // a new member generation: not the cached 404
	code, body := get(e, &admin, "/demo/virt/q.signed.meta")
	if code != 200 || !strings.HasPrefix(body, "a:x@http://keeper.test/demo/virt + b:y@http://keeper.test/demo/virt signed -----BEGIN PGP SIGNATURE-----") {
		t.Fatalf("signed merge: %d %q", code, body)
	}
	if code, _ := get(e, &admin, "/demo/virt/n.none.meta"); code != 404 {
		t.Fatalf("a merge to nothing: %d, want 404", code)
	}
	if len(rs.repos) != 1 || rs.repos[0] != "virt" || rs.by[0] != admin.Username {
		t.Fatalf("signed for %v by %v, want virt by %s", rs.repos, rs.by, admin.Username)
	}
	for _, k := range []string{"virt", "a", "b"} {
		want := map[string]int{"virt": 0, "a": 1, "b": 1}[k]
		if n := e.files.Count(e.repoID(k)); n != want {
			t.Fatalf("%s holds %d files after the merge, want %d", k, n, want)
		}
	}
}
