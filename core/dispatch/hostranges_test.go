package dispatch_test

import (
	"context"
	"encoding/base64"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

// TestBlobRanges cuts a file out of an upload body (concat-ranges) and
// decodes base64 inside it (decode-base64) without the plugin reading a
// byte: the blobs exist, are stageable, and ranges outside the body or of
// blobs the call may not read are refused.
func TestBlobRanges(t *testing.T) {
	ctx := context.Background()
	repos, blobs := dispatchtest.NewRepos(), dispatchtest.NewBlobs()
	files := dispatchtest.NewFiles(repos)
	rt := dispatchtest.NewRuntime()
	d := dispatch.New(dispatch.Deps{Repos: repos, Files: files, Blobs: blobs, Runtime: rt, Authz: secretAuthz{}},
		dispatch.Config{BaseURL: "http://k"})
	info := ports.FormatInfo{Key: "x", ContractVersion: ports.ContractVersion, Mounts: []ports.Mount{{Prefix: "/x/"}}}
	if _, err := rt.Load(ctx, "x", dispatchtest.Module(info), ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	d.SetRoutes([]dispatch.Route{{Prefix: "/x/", PluginID: "x", Format: "x"}})
	if err := repos.CreateRepository(ctx, &ports.Repository{Key: "r", Format: "x", Type: ports.RepoLocal}); err != nil {
		t.Fatal(err)
	}
	stray, _ := blobs.Put(ctx, strings.NewReader("never looked up"), 0)

	payload := strings.Repeat("package bytes ", 5000)
	encoded := base64.StdEncoding.EncodeToString([]byte(payload))
	// Line-wrapped the way some clients send it.
	var wrapped strings.Builder
	for i := 0; i < len(encoded); i += 76 {
		wrapped.WriteString(encoded[i:min(i+76, len(encoded))] + "\r\n")
	}
	body := `{"head":1,"data":"` + wrapped.String() + `","tail":"HELLO-RANGE"}`
	dataOff := int64(strings.Index(body, `"data":"`) + len(`"data":"`))
	dataLen := int64(wrapped.Len())
	helloOff := int64(strings.Index(body, "HELLO"))

	errs := map[string]string{}
	rt.SetHandler("x", func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		br, ok := h.(ports.BlobRanges)
		if !ok {
			t.Fatal("the host call offers no blob ranges")
		}
		dg := req.Body.Digest
		b, err := br.DecodeBase64(ctx, ports.BlobRange{Digest: dg, Offset: dataOff, Length: dataLen})
		if err != nil {
			return ports.FormatResponse{}, err
		}
		if err := h.StageFile(ports.StagedFile{Path: "decoded", BlobDigest: b.Digest}); err != nil {
			return ports.FormatResponse{}, err
		}
		c, err := br.ConcatRanges(ctx, []ports.BlobRange{{Digest: dg, Offset: helloOff, Length: 5}, {Digest: dg, Offset: 1, Length: 6}})
		if err != nil {
			return ports.FormatResponse{}, err
		}
		if err := h.StageFile(ports.StagedFile{Path: "cut", BlobDigest: c.Digest}); err != nil {
			return ports.FormatResponse{}, err
		}
		_, err = br.ConcatRanges(ctx, []ports.BlobRange{{Digest: dg, Offset: int64(len(body)) - 2, Length: 3}})
		errs["past the end"] = errString(err)
		_, err = br.ConcatRanges(ctx, []ports.BlobRange{{Digest: stray.Digest, Offset: 0, Length: 3}})
		errs["unreadable blob"] = errString(err)
		_, err = br.DecodeBase64(ctx, ports.BlobRange{Digest: dg, Offset: 0, Length: 10})
		errs["not base64"] = errString(err)
		_, err = br.ConcatRanges(ctx, nil)
		errs["no parts"] = errString(err)
		return ports.FormatResponse{Status: 201}, nil
	})
	req := httptest.NewRequest(http.MethodPut, "/x/r/upload", strings.NewReader(body))
	req = req.WithContext(auth.WithSubject(req.Context(), ports.Subject{Username: "bob", UserID: 1}))
	rec := httptest.NewRecorder()
	httpapi.DispatchHTTP(d).ServeHTTP(rec, req)
	if rec.Code != 201 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	read := func(path string) string {
		f, err := files.GetFile(ctx, mustID(t, repos, "r"), path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		rc, _, _ := blobs.Open(ctx, f.BlobDigest)
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		return string(b)
	}
	if got := read("decoded"); got != payload {
		t.Fatalf("decoded %d bytes, want %d", len(got), len(payload))
	}
	if got := read("cut"); got != `HELLO"head"` {
		t.Fatalf("cut %q", got)
	}
	for name, e := range errs {
		if e == "" {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestIndexBytes finds patterns in a spooled body, also one that straddles
// the host's 1 MiB read window, and reports absent ones as -1.
func TestIndexBytes(t *testing.T) {
	ctx := context.Background()
	repos, blobs := dispatchtest.NewRepos(), dispatchtest.NewBlobs()
	files := dispatchtest.NewFiles(repos)
	rt := dispatchtest.NewRuntime()
	d := dispatch.New(dispatch.Deps{Repos: repos, Files: files, Blobs: blobs, Runtime: rt, Authz: secretAuthz{}},
		dispatch.Config{BaseURL: "http://k"})
	info := ports.FormatInfo{Key: "x", ContractVersion: ports.ContractVersion, Mounts: []ports.Mount{{Prefix: "/x/"}}}
	if _, err := rt.Load(ctx, "x", dispatchtest.Module(info), ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	d.SetRoutes([]dispatch.Route{{Prefix: "/x/", PluginID: "x", Format: "x"}})
	if err := repos.CreateRepository(ctx, &ports.Repository{Key: "r", Format: "x", Type: ports.RepoLocal}); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("a", 1<<20-3) + "--BOUNDARY--" + strings.Repeat("b", 100) + "--BOUNDARY--"
	var got []int64
	var errs []error
	rt.SetHandler("x", func(ctx context.Context, req ports.FormatRequest, h ports.HostCall) (ports.FormatResponse, error) {
		br := h.(ports.BlobRanges)
		for _, q := range []struct {
			off int64
			pat string
		}{{0, "--BOUNDARY--"}, {1 << 20, "--BOUNDARY--"}, {0, "zzz"}, {int64(len(body)), "a"}} {
			at, err := br.IndexBytes(ctx, req.Body.Digest, q.off, []byte(q.pat))
			got, errs = append(got, at), append(errs, err)
		}
		_, err := br.IndexBytes(ctx, req.Body.Digest, 0, nil)
		errs = append(errs, err)
		return ports.FormatResponse{Status: 200}, nil
	})
	req := httptest.NewRequest(http.MethodPost, "/x/r/p", strings.NewReader(body))
	req = req.WithContext(auth.WithSubject(req.Context(), ports.Subject{Username: "bob", UserID: 1}))
	httpapi.DispatchHTTP(d).ServeHTTP(httptest.NewRecorder(), req)
	want := []int64{1<<20 - 3, int64(1<<20 - 3 + 12 + 100), -1, -1}
	for i, w := range want {
		if errs[i] != nil || got[i] != w {
			t.Errorf("query %d: %d %v, want %d", i, got[i], errs[i], w)
		}
	}
	if errs[4] == nil {
		t.Error("an empty pattern was accepted")
	}
}
