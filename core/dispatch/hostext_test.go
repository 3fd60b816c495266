package dispatch_test

import (
	"context"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

// secretAuthz lets everyone authenticated do anything except reading the
// repository "secret", which only "alice" may read.
type secretAuthz struct{}

func (secretAuthz) Authorize(_ context.Context, s ports.Subject, action string, r ports.Resource) (ports.Decision, error) {
	if s.Anonymous {
		return ports.Decision{Allowed: action == ports.ActionRead && r.Public}, nil
	}
	if r.Repository == "secret" && s.Username != "alice" {
		return ports.Decision{}, nil
	}
	return ports.Decision{Allowed: true}, nil
}

type minter struct{ got []ports.Subject }

func (m *minter) SessionToken(_ context.Context, s ports.Subject, ttl time.Duration, offline bool) (string, error) {
	m.got = append(m.got, s)
	return "tok-" + s.Username, nil
}

// TestHostExtensions covers the concat-blobs, mount-blob and session-token
// host services: parts must be readable by the call, a mount needs read
// access to the source repository (checked by the host), tokens are minted
// for the caller only.
func TestHostExtensions(t *testing.T) {
	ctx := context.Background()
	repos, blobs := dispatchtest.NewRepos(), dispatchtest.NewBlobs()
	files := dispatchtest.NewFiles(repos)
	rt := dispatchtest.NewRuntime()
	m := &minter{}
	d := dispatch.New(dispatch.Deps{Repos: repos, Files: files, Blobs: blobs, Runtime: rt, Authz: secretAuthz{}, Sessions: m},
		dispatch.Config{BaseURL: "http://k"})
	info := ports.FormatInfo{Key: "x", ContractVersion: ports.ContractVersion, Mounts: []ports.Mount{{Prefix: "/x/"}}}
	if _, err := rt.Load(ctx, "x", dispatchtest.Module(info), ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	d.SetRoutes([]dispatch.Route{{Prefix: "/x/", PluginID: "x", Format: "x", Grants: []string{ports.GrantSessionToken}}})
	for _, k := range []string{"secret", "open", "mine"} {
		r := &ports.Repository{Key: k, Format: "x", Type: ports.RepoLocal}
		if err := repos.CreateRepository(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	put := func(repo, path, data string) string {
		b, _ := blobs.Put(ctx, strings.NewReader(data), 0)
		r, _ := repos.GetRepository(ctx, repo)
		if _, err := files.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: path, BlobDigest: b.Digest, Size: int64(len(data))}}}}); err != nil {
			t.Fatal(err)
		}
		return b.Digest
	}
	put("secret", "s/blob", "secret bytes")
	put("open", "o/blob", "open bytes")
	p1, p2 := put("mine", "c/0", "hello "), put("mine", "c/1", "world")
	stray, _ := blobs.Put(ctx, strings.NewReader("not looked up"), 0)

	var results []string
	rt.SetHandler("x", func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		results = results[:0]
		switch req.Path {
		case "/concat":
			_, _ = h.GetFile(ctx, "c/0")
			_, _ = h.GetFile(ctx, "c/1")
			b, err := h.ConcatBlobs(ctx, []string{p1, p2})
			if err != nil {
				return ports.FormatResponse{}, err
			}
			if err := h.StageFile(ports.StagedFile{Path: "joined", BlobDigest: b.Digest}); err != nil {
				return ports.FormatResponse{}, err
			}
			results = append(results, b.Digest, b.SHA512)
			_, err = h.ConcatBlobs(ctx, []string{p1, stray.Digest})
			results = append(results, errString(err))
		case "/mount":
			results = append(results, errString(h.MountBlob(ctx, "secret", "s/blob", "m/secret", "")),
				errString(h.MountBlob(ctx, "open", "o/blob", "m/open", "")),
				errString(h.MountBlob(ctx, "open", "missing", "m/missing", "")))
		case "/token":
			tok, err := h.SessionToken(ctx, time.Minute, false)
			results = append(results, tok, errString(err))
		}
		return ports.FormatResponse{Status: 200}, nil
	})
	call := func(user, path string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/x/mine"+path, nil)
		sub := ports.Subject{Username: user, UserID: 7}
		if user == "" {
			sub = ports.Subject{Anonymous: true}
		}
		req = req.WithContext(auth.WithSubject(req.Context(), sub))
		rec := httptest.NewRecorder()
		httpapi.DispatchHTTP(d).ServeHTTP(rec, req)
	}
	call("bob", "/concat")
	joined, err := files.GetFile(ctx, mustID(t, repos, "mine"), "joined")
	if err != nil || results[0] != joined.BlobDigest || results[1] == "" {
		t.Fatalf("concat: %v %v", results, err)
	}
	rc, _, _ := blobs.Open(ctx, joined.BlobDigest)
	buf := make([]byte, 32)
	n, _ := rc.Read(buf)
	if string(buf[:n]) != "hello world" {
		t.Fatalf("joined bytes %q", buf[:n])
	}
	if results[2] == "" {
		t.Fatal("concat of a blob the call never looked up was allowed")
	}
	call("bob", "/mount")
	if results[0] == "" || results[1] != "" || results[2] == "" {
		t.Fatalf("mount results for bob: %q", results)
	}
	if _, err := files.GetFile(ctx, mustID(t, repos, "mine"), "m/open"); err != nil {
		t.Fatalf("mounted file missing: %v", err)
	}
	if _, err := files.GetFile(ctx, mustID(t, repos, "mine"), "m/secret"); err == nil {
		t.Fatal("bob mounted a blob of a repository he may not read")
	}
	call("alice", "/mount")
	if results[0] != "" {
		t.Fatalf("alice may read secret: %q", results)
	}
	call("bob", "/token")
	if results[0] != "tok-bob" || len(m.got) != 1 || m.got[0].Username != "bob" {
		t.Fatalf("token: %q %v", results, m.got)
	}
	// Without the grant the import mints nothing.
	d.SetRoutes([]dispatch.Route{{Prefix: "/x/", PluginID: "x", Format: "x"}})
	call("bob", "/token")
	if results[0] != "" || !strings.Contains(results[1], "not granted") || len(m.got) != 1 {
		t.Fatalf("ungranted token: %q %v", results, m.got)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func mustID(t *testing.T, repos *dispatchtest.Repos, key string) int64 {
	r, err := repos.GetRepository(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}
