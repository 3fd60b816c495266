package http_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

// validatingRuntime is the fake runtime with a validate export: fn.
type validatingRuntime struct {
	*dispatchtest.Runtime
	mu    sync.Mutex
	fn    func(ctx context.Context, h ports.HostCall, digest, path string) error
	paths []string
}

var _ ports.FormatValidator = (*validatingRuntime)(nil)

func (r *validatingRuntime) Validate(ctx context.Context, id string, repo *ports.RepoContext, h ports.HostCall, digest, path string) error {
	r.mu.Lock()
	r.paths = append(r.paths, repo.Key+"/"+path)
	r.mu.Unlock()
	return r.fn(ctx, h, digest, path)
}

// lateValidator lets the test build the dispatcher after the server (it
// needs the server's stores).
type lateValidator struct{ v artifact.Validator }

func (l *lateValidator) ValidateFile(ctx context.Context, repo ports.Repository, p string, d artifact.Digests) error {
	return l.v.ValidateFile(ctx, repo, p, d)
}

// TestArtifactsPassValidate: PUT .../artifacts/* and resumable uploads pass
// the format plugin's validate export, which reads the uploaded bytes
// through the host call and may stage nothing; a rejection is a 400 with
// the plugin's message and stores nothing, a plugin that fails to answer
// stores nothing either.
func TestArtifactsPassValidate(t *testing.T) {
	lv := &lateValidator{}
	e := newEnv(t, databases(t)["sqlite"](t), 1<<20, func(d *httpapi.Deps) { d.Artifacts.WithValidator(lv) })
	ctx := t.Context()
	rt := &validatingRuntime{Runtime: dispatchtest.NewRuntime()}
	info := ports.FormatInfo{Key: "generic", ContractVersion: ports.ContractVersion, Mounts: []ports.Mount{{Prefix: "/generic/"}},
		Capabilities: []string{ports.CapValidate}}
	if _, err := rt.Load(ctx, "fake", dispatchtest.Module(info), ports.PluginLimits{}); err != nil {
		t.Fatal(err)
	}
	d := dispatch.New(dispatch.Deps{Repos: e.store, Files: e.store, Blobs: e.blobs, Runtime: rt, Authz: auth.BaselineAuthorizer{}}, dispatch.Config{})
	d.SetRoutes([]dispatch.Route{{Prefix: "/generic/", PluginID: "fake", Format: "generic", Grants: ports.AllGrants}})
	lv.v = d
	e.createRepo(map[string]any{"key": "v", "format": "generic"})
	other := sha256.Sum256([]byte("someone else's blob"))
	if _, err := e.blobs.Put(ctx, strings.NewReader("someone else's blob"), 0); err != nil {
		t.Fatal(err)
	}

	var seen string
	rt.fn = func(ctx context.Context, h ports.HostCall, digest, p string) error {
		data, err := h.ReadBlob(ctx, digest, 0, 1<<10)
		if err != nil {
			return err
		}
		seen = string(data)
		if _, err := h.ReadBlob(ctx, hex.EncodeToString(other[:]), 0, 10); !errors.Is(err, ports.ErrNotFound) {
			t.Errorf("validate read a blob it was not given: %v", err)
		}
		if err := h.StageFile(ports.StagedFile{Path: "sneaky", BlobDigest: digest}); err == nil {
			t.Error("validate staged a file")
		}
		if _, err := h.Login(ctx, "admin", adminPassword); err == nil {
			t.Error("validate minted a token")
		}
		switch {
		case strings.Contains(seen, "bad"):
			return &ports.InvalidError{Message: "no bad bytes in " + p}
		case strings.Contains(seen, "crash"):
			return errors.New("wasm: trap: unreachable")
		}
		return nil
	}
	stored := func(p string) bool {
		r, err := e.store.GetRepository(ctx, "v")
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.store.GetFile(ctx, r.ID, p)
		return err == nil
	}

	resp, body := e.do("PUT", "/api/v1/repositories/v/artifacts/ok/a.txt", e.token, strings.NewReader("good bytes"))
	if resp.StatusCode != http.StatusCreated || seen != "good bytes" || !stored("ok/a.txt") {
		t.Fatalf("accepted upload: %d %s, validate saw %q", resp.StatusCode, body, seen)
	}
	if len(rt.paths) != 1 || rt.paths[0] != "v/ok/a.txt" {
		t.Fatalf("validate called for %v, want [v/ok/a.txt]", rt.paths)
	}

	resp, body = e.do("PUT", "/api/v1/repositories/v/artifacts/no/b.txt", e.token, strings.NewReader("bad bytes"))
	var eb struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(body, &eb)
	if resp.StatusCode != http.StatusBadRequest || eb.Error.Message != `the generic format rejected "no/b.txt": no bad bytes in no/b.txt` {
		t.Fatalf("rejected upload: %d %s", resp.StatusCode, body)
	}
	if stored("no/b.txt") {
		t.Fatal("a rejected upload was stored")
	}

	resp, body = e.do("PUT", "/api/v1/repositories/v/artifacts/no/c.txt", e.token, strings.NewReader("crash bytes"))
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(string(body), "wasm") || stored("no/c.txt") {
		t.Fatalf("upload whose validate failed: %d %s (stored %v)", resp.StatusCode, body, stored("no/c.txt"))
	}

	// The resumable upload API ends in the same check.
	data := []byte("bad bytes, in chunks")
	var up struct {
		SessionID string `json:"session_id"`
	}
	e.doJSON("POST", "/api/v1/uploads", e.token, map[string]any{"repository_key": "v", "artifact_path": "no/d.txt",
		"total_size": len(data), "checksum_sha256": sha256hex(data)}, http.StatusCreated, &up)
	resp, body = e.do("PATCH", "/api/v1/uploads/"+up.SessionID, e.token, bytes.NewReader(data), "Content-Range", "bytes 0-19/20")
	if resp.StatusCode >= 300 {
		t.Fatalf("chunk: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do("PUT", "/api/v1/uploads/"+up.SessionID+"/complete", e.token, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "no bad bytes in no/d.txt") || stored("no/d.txt") {
		t.Fatalf("resumable upload rejected by validate: %d %s", resp.StatusCode, body)
	}
}
