package oci_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/plugins/oci"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

// server is the host's dispatcher over in-memory stores with the oci
// plugin mounted at /v2/ (repository "docker"), run natively or through a
// FormatRuntime (the wasm one), counting the plugin calls.
type server struct {
	t     testing.TB
	d     *dispatch.Dispatcher
	repos *dispatchtest.Repos
	files *dispatchtest.Files
	repo  int64
	calls atomic.Int64
	// as is the caller (alice when nil).
	as *ports.Subject
}

// countingRuntime counts the Handle calls of a FormatRuntime.
type countingRuntime struct {
	ports.FormatRuntime
	calls *atomic.Int64
}

func (r countingRuntime) Handle(ctx context.Context, id string, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
	r.calls.Add(1)
	return r.FormatRuntime.Handle(ctx, id, req, h)
}

// newServer serves the plugin natively when rt is nil, else through rt
// (which has it loaded as "oci").
func newServer(t testing.TB, rt ports.FormatRuntime, cacheEntries int) *server {
	t.Helper()
	s := &server{t: t}
	repos := dispatchtest.NewRepos()
	s.repos, s.files = repos, dispatchtest.NewFiles(repos)
	if rt == nil {
		fake := dispatchtest.NewRuntime()
		info := ports.FormatInfo{Key: "oci", DisplayName: "OCI", Version: "0.1.0", ContractVersion: ports.ContractVersion,
			Mounts: []ports.Mount{{Prefix: "/v2/", Root: true}}}
		if _, err := fake.Load(ctx, "oci", dispatchtest.Module(info), ports.PluginLimits{}); err != nil {
			t.Fatal(err)
		}
		fake.SetHandler("oci", func(_ context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
			return plugintest.NativeHandle(oci.Plugin{}, h, req)
		})
		rt = fake
	}
	s.d = dispatch.New(dispatch.Deps{Repos: repos, Files: s.files, Blobs: dispatchtest.NewBlobs(),
		Runtime: countingRuntime{rt, &s.calls}, Authz: dispatchtest.Authz{}},
		dispatch.Config{MaxBodyBytes: 8 << 20, BaseURL: "http://keeper.test", CacheEntries: cacheEntries, CacheBytes: 1 << 20})
	s.d.SetRoutes([]dispatch.Route{{Prefix: "/v2/", Root: true, PluginID: "oci", Format: "oci",
		AnonymousPaths: []string{"/", "/token"}, SHA256Bodies: true}})
	r := ports.Repository{Key: "docker", Format: "oci", Type: ports.RepoLocal, IsPublic: true}
	if err := repos.CreateRepository(ctx, &r); err != nil {
		t.Fatal(err)
	}
	s.repo = r.ID
	return s
}

// answer is a served response with its body read.
type answer struct {
	status  int
	headers map[string]string
	body    []byte
}

func (s *server) do(method, target string, body []byte, hdr ...string) answer {
	s.t.Helper()
	p, q, _ := strings.Cut(target, "?")
	req := &dispatch.Request{Method: method, EscapedPath: p, RawQuery: q, Header: map[string][]string{}, BaseURL: "http://keeper.test"}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header[hdr[i]] = []string{hdr[i+1]}
	}
	if body != nil {
		req.Body = bytes.NewReader(body)
	}
	who := ports.Subject{UserID: 1, Username: "alice"}
	if s.as != nil {
		who = *s.as
	}
	resp, err := s.d.Serve(auth.WithSubject(ctx, who), req)
	var de *dispatch.Error
	if errors.As(err, &de) && errors.Is(err, dispatch.ErrUnauthenticated) {
		return answer{status: 401, body: []byte(de.Message)}
	}
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, target, err)
	}
	a := answer{status: resp.Status, headers: map[string]string{}, body: resp.Body}
	for _, h := range resp.Headers {
		a.headers[h.Name] = h.Value
	}
	if st := resp.Stored; st != nil {
		a.headers["Content-Type"] = st.ContentType
		b, err := io.ReadAll(st.Content)
		st.Content.Close()
		if err != nil {
			s.t.Fatal(err)
		}
		if method == "GET" {
			a.body = b
		}
	}
	return a
}

func (s *server) want(a answer, status int, what string) answer {
	s.t.Helper()
	if a.status != status {
		s.t.Fatalf("%s: status %d, want %d: %s", what, a.status, status, a.body)
	}
	return a
}

// pushImage pushes a config and a layer and then the image manifest under
// ref (a tag or its digest); it returns the manifest and its digest.
func (s *server) pushImage(ref, layer string) ([]byte, string) {
	s.t.Helper()
	config := []byte(`{"architecture":"amd64","os":"linux","layer":"` + layer + `"}`)
	for _, b := range [][]byte{config, []byte(layer)} {
		s.want(s.do("POST", "/v2/docker/app/blobs/uploads/?digest="+sha(b), b), 201, "blob upload")
	}
	m, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config), "size": len(config)},
		"layers": []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha([]byte(layer)), "size": len(layer)}}})
	if ref == "" {
		ref = sha(m)
	}
	s.want(s.do("PUT", "/v2/docker/app/manifests/"+ref, m, "Content-Type", "application/vnd.oci.image.manifest.v1+json"), 201, "manifest push")
	return m, sha(m)
}

// getTag asks GET and HEAD of app:tag and reports the plugin calls they made.
func (s *server) getTag(tag string, status int) (answer, int64) {
	s.t.Helper()
	before := s.calls.Load()
	a := s.want(s.do("GET", "/v2/docker/app/manifests/"+tag, nil), status, "GET "+tag)
	h := s.want(s.do("HEAD", "/v2/docker/app/manifests/"+tag, nil), status, "HEAD "+tag)
	if h.headers["Docker-Content-Digest"] != a.headers["Docker-Content-Digest"] || h.headers["Content-Type"] != a.headers["Content-Type"] {
		s.t.Fatalf("HEAD %s answers %v, GET %v", tag, h.headers, a.headers)
	}
	return a, s.calls.Load() - before
}

func (s *server) wantManifest(tag string, m []byte, d string) {
	s.t.Helper()
	a, calls := s.getTag(tag, 200)
	if calls != 0 {
		s.t.Fatalf("GET and HEAD of the tag %s made %d plugin calls, want none", tag, calls)
	}
	if !bytes.Equal(a.body, m) || a.headers["Docker-Content-Digest"] != d ||
		a.headers["Content-Type"] != "application/vnd.oci.image.manifest.v1+json" {
		s.t.Fatalf("GET %s: %v %s, want %s", tag, a.headers, a.body, d)
	}
}

// wantUnknown requires the distribution's 404 MANIFEST_UNKNOWN for the tag.
func (s *server) wantUnknown(tag string) {
	s.t.Helper()
	a, _ := s.getTag(tag, 404)
	var b struct{ Errors []struct{ Code string } }
	if json.Unmarshal(a.body, &b) != nil || len(b.Errors) != 1 || b.Errors[0].Code != "MANIFEST_UNKNOWN" {
		s.t.Fatalf("GET of the unknown tag %s: %s", tag, a.body)
	}
}

// TestTagGetTakesTheFastPath: a manifest GET or HEAD by tag is answered by
// the host from the stored tag file, with no plugin call (so with no cost
// of the wasm runtime), with the body, media type and digest a call gives;
// a moved, deleted or manifest-deleted tag is answered rightly at once.
func TestTagGetTakesTheFastPath(t *testing.T) {
	s := newServer(t, nil, 0)
	m1, d1 := s.pushImage("latest", "layer one")
	s.wantManifest("latest", m1, d1)
	if f, err := s.files.GetFile(ctx, s.repo, "app/manifests/latest"); err != nil || "sha256:"+f.BlobDigest != d1 {
		t.Fatalf("tag file %+v, %v", f, err)
	}

	// Moved: the same tag pushed with another manifest.
	m2, d2 := s.pushImage("latest", "layer two")
	s.wantManifest("latest", m2, d2)

	// Tags given as parameters of a push by digest.
	m3, d3 := s.pushImage("", "layer three")
	s.want(s.do("PUT", "/v2/docker/app/manifests/"+d3+"?tag=v3&tag=stable", m3, "Content-Type", "application/vnd.oci.image.manifest.v1+json"), 201, "push with tags")
	s.wantManifest("v3", m3, d3)
	s.wantManifest("stable", m3, d3)

	// Deleted tag: 404 MANIFEST_UNKNOWN, its file gone; the manifest stays.
	s.want(s.do("DELETE", "/v2/docker/app/manifests/v3", nil), 202, "delete tag")
	s.wantUnknown("v3")
	s.wantManifest("stable", m3, d3)

	// Manifest deleted by digest: every tag naming it goes.
	s.want(s.do("DELETE", "/v2/docker/app/manifests/"+d3, nil), 202, "delete manifest")
	s.wantUnknown("stable")
	s.wantManifest("latest", m2, d2)
	for _, p := range []string{"app/manifests/v3", "app/manifests/stable"} {
		if _, err := s.files.GetFile(ctx, s.repo, p); err == nil {
			t.Fatalf("%s still stored", p)
		}
	}
	// tags/list comes from the key-values, as before.
	if a := s.want(s.do("GET", "/v2/docker/app/tags/list", nil), 200, "tags/list"); string(a.body) != `{"name":"docker/app","tags":["latest"]}` {
		t.Fatalf("tags/list %s", a.body)
	}
}

// TestTagWithoutFileStillServed: a tag stored before tag files existed (a
// key-value only) is resolved by the plugin as before, and its next push
// writes its file.
func TestTagWithoutFileStillServed(t *testing.T) {
	s := newServer(t, nil, 0)
	m, d := s.pushImage("", "old layer")
	if _, err := s.files.Apply(ctx, s.repo, ports.WriteSet{KVPuts: []ports.KV{{Namespace: "tags", Key: "app:old", Value: []byte(d)}}}); err != nil {
		t.Fatal(err)
	}
	a, calls := s.getTag("old", 200)
	if calls != 2 || !bytes.Equal(a.body, m) || a.headers["Docker-Content-Digest"] != d {
		t.Fatalf("a tag without its file: %d plugin calls, %v %s", calls, a.headers, a.body)
	}
	s.want(s.do("PUT", "/v2/docker/app/manifests/old", m, "Content-Type", "application/vnd.oci.image.manifest.v1+json"), 201, "push again")
	s.wantManifest("old", m, d)
	s.want(s.do("DELETE", "/v2/docker/app/manifests/old", nil), 202, "delete")
	s.wantUnknown("old")
}

// TestTagGetKeepsPermissions: the fast path runs after the host's read
// authorization, as the plugin call did: an anonymous pull by tag from a
// private repository is refused (401) with no plugin call and no bytes; a
// tag file never lies on one of the mount's anonymous paths ("/" and
// "/token"), which skip that authorization and never take the fast path.
func TestTagGetKeepsPermissions(t *testing.T) {
	s := newServer(t, nil, 0)
	m, d := s.pushImage("latest", "private layer")
	anon := ports.Subject{Anonymous: true}
	s.as = &anon
	s.wantManifest("latest", m, d) // public: anyone reads it
	if _, err := s.repos.UpdateRepository(ctx, "docker", func(r *ports.Repository) error { r.IsPublic = false; return nil }); err != nil {
		t.Fatal(err)
	}
	before := s.calls.Load()
	for _, method := range []string{"GET", "HEAD"} {
		if a := s.do(method, "/v2/docker/app/manifests/latest", nil); a.status != 401 || bytes.Contains(a.body, m) {
			t.Fatalf("anonymous %s of a private tag: %d %s", method, a.status, a.body)
		}
	}
	if s.calls.Load() != before {
		t.Fatal("a refused pull called the plugin")
	}
	s.as = nil
	s.wantManifest("latest", m, d)
}
