package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/ports"
)

// registryMounts is a root mount that keeps what is pushed, answering as
// the distribution API does.
type registryMounts struct {
	table *dispatch.Table
	sent  []string
	blobs map[string]bool
	mans  map[string][]byte
}

func (r *registryMounts) Table() *dispatch.Table { return r.table }

func (r *registryMounts) Serve(_ context.Context, req *dispatch.Request) (*dispatch.Response, error) {
	line := req.Method + " " + req.EscapedPath
	if req.RawQuery != "" {
		line += "?" + req.RawQuery
	}
	if ct := req.Header["Content-Type"]; len(ct) > 0 && req.Method == "PUT" {
		line += " " + ct[0]
	}
	r.sent = append(r.sent, line)
	switch {
	case req.Method == "HEAD" && strings.Contains(req.EscapedPath, "/blobs/"):
		if r.blobs[req.EscapedPath[strings.LastIndex(req.EscapedPath, "/")+1:]] {
			return &dispatch.Response{Status: 200}, nil
		}
		return &dispatch.Response{Status: 404}, nil
	case req.Method == "POST":
		b, _ := io.ReadAll(req.Body)
		s := sha256.Sum256(b)
		d := "sha256:" + hex.EncodeToString(s[:])
		if "digest="+strings.ReplaceAll(d, ":", "%3A") != req.RawQuery {
			return &dispatch.Response{Status: 400, Body: []byte(`{"errors":[{"code":"DIGEST_INVALID","message":"digest mismatch"}]}`)}, nil
		}
		r.blobs[d] = true
		return &dispatch.Response{Status: 201}, nil
	case req.Method == "GET":
		if m, ok := r.mans[req.EscapedPath]; ok {
			return &dispatch.Response{Status: 200, Body: m}, nil
		}
		return &dispatch.Response{Status: 404}, nil
	case req.Method == "PUT":
		b, _ := io.ReadAll(req.Body)
		r.mans[req.EscapedPath] = b
		return &dispatch.Response{Status: 201}, nil
	}
	return &dispatch.Response{Status: 405}, nil
}

func TestDeployImageLayout(t *testing.T) {
	table, _ := dispatch.NewTable([]dispatch.Route{{Prefix: "/v2/", Root: true, Format: "oci"}})
	m := &registryMounts{table: table, blobs: map[string]bool{}, mans: map[string][]byte{}}
	d := NativeDeployer{Mounts: m, By: ports.Subject{Username: "admin"}}
	repo := ports.Repository{Key: "docker-local", Format: "oci"}
	layer := []byte("layer bytes")
	ls := sha256.Sum256(layer)
	lhex := hex.EncodeToString(ls[:])
	man := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","layers":[{"digest":"sha256:` + lhex + `"}]}`)
	files := map[string][]byte{
		"app/web/1.0/manifest.json":      man,
		"app/web/1.0/sha256__" + lhex:    layer,
		"app/web/_uploads/abc":           []byte("partial"),
		"repository.catalog":             []byte("{}"),
		"app/web/1.0/sha256__" + "00ff":  []byte("short"),
		"app/web/sha256__" + lhex + "/x": []byte("?"),
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths) // the listing's order: the manifest sorts before its blobs
	sort.SliceStable(paths, func(i, j int) bool { return deployOrder(paths[i]) < deployOrder(paths[j]) })
	if paths[len(paths)-1] != "app/web/1.0/manifest.json" {
		t.Fatalf("the manifest is not deployed last: %v", paths)
	}
	skipped := 0
	for _, p := range paths {
		err := d.Deploy(t.Context(), repo, p, strings.NewReader(string(files[p])))
		var se *SkipError
		switch {
		case errors.As(err, &se):
			skipped++
		case err != nil:
			t.Fatalf("%s: %v", p, err)
		}
	}
	if skipped != 4 {
		t.Fatalf("skipped %d files, want 4 (uploads, catalog, short digest, stray)", skipped)
	}
	want := []string{
		"HEAD /v2/docker-local/app/web/blobs/sha256:" + lhex,
		"POST /v2/docker-local/app/web/blobs/uploads/?digest=sha256%3A" + lhex,
		"GET /v2/docker-local/app/web/manifests/1.0",
		"PUT /v2/docker-local/app/web/manifests/1.0 application/vnd.docker.distribution.manifest.v2+json",
	}
	if strings.Join(m.sent, "\n") != strings.Join(want, "\n") {
		t.Fatalf("sent\n%s\nwant\n%s", strings.Join(m.sent, "\n"), strings.Join(want, "\n"))
	}
	// A rerun finds both stored and pushes nothing.
	m.sent = nil
	for _, p := range []string{"app/web/1.0/sha256__" + lhex, "app/web/1.0/manifest.json"} {
		var ce *ports.ConflictError
		if err := d.Deploy(t.Context(), repo, p, strings.NewReader(string(files[p]))); !errors.As(err, &ce) {
			t.Fatalf("rerun %s: %v", p, err)
		}
	}
	if len(m.sent) != 2 || strings.HasPrefix(m.sent[0], "POST") || strings.HasPrefix(m.sent[1], "PUT") {
		t.Fatalf("rerun sent %v", m.sent)
	}
	// A manifest kept under a digest folder must have that digest.
	err := d.Deploy(t.Context(), repo, "app/web/sha256__"+lhex+"/manifest.json", strings.NewReader(string(man)))
	if !errors.Is(err, ErrChecksumMismatch) {
		t.Fatalf("manifest under another digest: %v", err)
	}
	// The plugin's refusal is quoted.
	err = d.Deploy(t.Context(), ports.Repository{Key: "docker-local", Format: "oci"}, "app/web/2/sha256__"+strings.Repeat("ab", 32), strings.NewReader("x"))
	var re *RefusedError
	if !errors.As(err, &re) || !strings.Contains(re.Message, "digest mismatch") {
		t.Fatalf("refused blob: %v", err)
	}
}
