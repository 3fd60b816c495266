package http_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/fsblob"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/replication"
	"github.com/keeper-registry/keeper/core/secret"
	"github.com/keeper-registry/keeper/ports"
)

func replicationEnv(t *testing.T, dsn string) (*env, *bunstore.Store) {
	e, st, _ := replicationEnvSvc(t, dsn)
	return e, st
}

func replicationEnvSvc(t *testing.T, dsn string) (*env, *bunstore.Store, *replication.Service) {
	var st *bunstore.Store
	var svc *replication.Service
	e := newEnvRoutes(t, dsn, 1<<20, func(s *bunstore.Store) []httpapi.Route {
		st = s
		box, err := secret.New(secret.NewKey())
		if err != nil {
			t.Fatal(err)
		}
		blobs, err := fsblob.New(filepath.Join(t.TempDir(), "replica-blobs"))
		if err != nil {
			t.Fatal(err)
		}
		svc = replication.New(replication.Deps{Peers: s, Policies: s, Queue: s, Repos: s, Files: s, Blobs: blobs, Uploads: s,
			Settings: s, Props: s, Feed: s, Backfills: s, Client: announcer{}, Sealer: box, Clock: ports.SystemClock{}}, replication.Options{})
		return append(httpapi.PeerRoutes(svc), httpapi.ReplicationRoutes(svc, 1<<20)...)
	})
	return e, st, svc
}

// announcer is a peer client whose every peer answers the announce (and
// nothing else): enough to add peers through the API.
type announcer struct{ ports.PeerClient }

func (announcer) Announce(_ context.Context, c ports.PeerConn, _ ports.InstanceIdentity) (ports.InstanceIdentity, error) {
	return ports.InstanceIdentity{InstanceID: "peer-of-" + c.EndpointURL, Name: "peer"}, nil
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestReplicationReceiving: the receiving routes verify every byte before
// they keep it, commit only files whose bytes arrived, resume uploads at
// the offset they hold, and answer administrators only.
func TestReplicationReceiving(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			e, st := replicationEnv(t, dsn(t))
			body := []byte("replicated bytes")
			sha := hexSHA(body)
			// A body that is not what its path says is refused.
			if resp, _ := e.do("PUT", "/api/v1/replication/blobs/"+sha, e.token, bytes.NewReader([]byte("other bytes!!!!!"))); resp.StatusCode != 400 {
				t.Fatalf("mismatched blob: %d", resp.StatusCode)
			}
			file := map[string]any{"path": "a/b.bin", "sha256": sha, "size": len(body), "content_type": "application/octet-stream"}
			batch := map[string]any{"repository": "mirror", "format": "generic", "puts": []any{file}}
			e.doJSON("POST", "/api/v1/replication/apply", e.token, batch, 400, nil) // the bytes are not here
			var have ports.PeerHave
			e.doJSON("POST", "/api/v1/replication/have", e.token, map[string]any{"repository": "mirror", "files": []any{file}}, 200, &have)
			if have.Files[0] || have.Blobs[0] {
				t.Fatalf("have before: %+v", have)
			}
			if resp, _ := e.do("PUT", "/api/v1/replication/blobs/"+sha, e.token, bytes.NewReader(body)); resp.StatusCode != 204 {
				t.Fatalf("blob: %d", resp.StatusCode)
			}
			e.doJSON("POST", "/api/v1/replication/apply", e.token, batch, 204, nil)
			repo, err := st.GetRepository(t.Context(), "mirror")
			if err != nil || repo.Format != "generic" || repo.Type != ports.RepoLocal {
				t.Fatalf("repository created: %+v %v", repo, err)
			}
			if f, err := st.GetFile(t.Context(), repo.ID, "a/b.bin"); err != nil || f.SHA256 != sha {
				t.Fatalf("file: %+v %v", f, err)
			}
			e.doJSON("POST", "/api/v1/replication/have", e.token, map[string]any{"repository": "mirror", "files": []any{file}}, 200, &have)
			if !have.Files[0] || !have.Blobs[0] {
				t.Fatalf("have after: %+v", have)
			}
			bad := map[string]any{"repository": "mirror", "format": "generic", "puts": []any{map[string]any{"path": "../x", "sha256": sha, "size": len(body)}}}
			e.doJSON("POST", "/api/v1/replication/apply", e.token, bad, 400, nil)
			e.doJSON("POST", "/api/v1/replication/apply", e.token, map[string]any{"repository": "mirror", "deletes": []string{"a/b.bin"}}, 204, nil)
			if _, err := st.GetFile(t.Context(), repo.ID, "a/b.bin"); err == nil {
				t.Fatal("deleted file still there")
			}

			// Chunked: each chunk checked on its own, the offset kept, the whole verified.
			big := bytes.Repeat([]byte("0123456789abcdef"), 8192) // 128 KiB
			var up struct {
				ID     string `json:"id"`
				Offset int64  `json:"offset"`
			}
			e.doJSON("POST", "/api/v1/replication/uploads", e.token, map[string]any{"sha256": hexSHA(big), "size": len(big)}, 201, &up)
			half := big[:64<<10]
			cr := "bytes 0-65535/*"
			if resp, _ := e.do("PATCH", "/api/v1/replication/uploads/"+up.ID, e.token, bytes.NewReader(half),
				"Content-Range", cr, "X-Chunk-Sha256", hexSHA([]byte("no"))); resp.StatusCode != 400 {
				t.Fatalf("chunk with a wrong checksum: %d", resp.StatusCode)
			}
			if resp, _ := e.do("PATCH", "/api/v1/replication/uploads/"+up.ID, e.token, bytes.NewReader(half),
				"Content-Range", cr, "X-Chunk-Sha256", hexSHA(half)); resp.StatusCode != 200 {
				t.Fatalf("chunk: %d", resp.StatusCode)
			}
			if resp, _ := e.do("PATCH", "/api/v1/replication/uploads/"+up.ID, e.token, bytes.NewReader(half),
				"Content-Range", cr, "X-Chunk-Sha256", hexSHA(half)); resp.StatusCode != 416 {
				t.Fatalf("chunk sent again: %d, want 416", resp.StatusCode)
			}
			e.doJSON("GET", "/api/v1/replication/uploads/"+up.ID, e.token, nil, 200, &up)
			if up.Offset != 64<<10 {
				t.Fatalf("offset %d", up.Offset)
			}
			e.doJSON("POST", "/api/v1/replication/uploads/"+up.ID+"/complete", e.token, nil, 400, nil) // not all there
			rest := big[64<<10:]
			if resp, _ := e.do("PATCH", "/api/v1/replication/uploads/"+up.ID, e.token, bytes.NewReader(rest),
				"Content-Range", "bytes 65536-131071/*", "X-Chunk-Sha256", hexSHA(rest)); resp.StatusCode != 200 {
				t.Fatalf("second chunk: %d", resp.StatusCode)
			}
			e.doJSON("POST", "/api/v1/replication/uploads/"+up.ID+"/complete", e.token, nil, 204, nil)
			e.doJSON("POST", "/api/v1/replication/have", e.token, map[string]any{"repository": "mirror",
				"files": []any{map[string]any{"path": "big", "sha256": hexSHA(big), "size": len(big)}}}, 200, &have)
			if !have.Blobs[0] {
				t.Fatal("completed upload's blob is missing")
			}

			// Administrators only; another admin's upload session is not found.
			_, bob := e.addUser("bob", nil)
			for _, p := range []string{"/api/v1/replication/identity", "/api/v1/peers", "/api/v1/sync-policies"} {
				if resp, _ := e.do("GET", p, bob, nil); resp.StatusCode != 403 {
					t.Errorf("bob GET %s: %d", p, resp.StatusCode)
				}
				if resp, _ := e.do("GET", p, "", nil); resp.StatusCode != 401 {
					t.Errorf("anonymous GET %s: %d", p, resp.StatusCode)
				}
			}
		})
	}
}

// TestSyncPoliciesAPI: policies are validated, listed, replaced and deleted.
func TestSyncPoliciesAPI(t *testing.T) {
	e, _ := replicationEnv(t, filepath.Join(t.TempDir(), "keeper.db"))
	var p struct {
		ID            int64  `json:"id"`
		Priority      string `json:"priority"`
		ScheduleEvery string `json:"schedule_every"`
		Enabled       bool   `json:"enabled"`
	}
	good := map[string]any{"name": "rel", "repo_selector": map[string]any{"patterns": []string{"rel-*"}},
		"peer_selector": map[string]any{"all": true}, "priority": "scheduled", "schedule_every": "5m"}
	e.doJSON("POST", "/api/v1/sync-policies", e.token, good, 201, &p)
	if p.Priority != "scheduled" || p.ScheduleEvery != "5m0s" || !p.Enabled {
		t.Fatalf("created %+v", p)
	}
	for _, bad := range []map[string]any{
		{"name": "x", "repo_selector": map[string]any{}, "peer_selector": map[string]any{"all": true}},
		{"name": "x", "repo_selector": map[string]any{"keys": []string{"a"}}, "peer_selector": map[string]any{"all": true}, "priority": "soon"},
		{"name": "x", "repo_selector": map[string]any{"keys": []string{"a"}}, "peer_selector": map[string]any{"all": true}, "replication_mode": "sideways"},
		{"name": "x", "repo_selector": map[string]any{"keys": []string{"a"}}, "peer_selector": map[string]any{"all": true}, "priority": "scheduled", "schedule_cron": "61 * * * *"},
		{"name": "x", "repo_selector": map[string]any{"keys": []string{"a"}}, "peer_selector": map[string]any{"all": true}, "priority": "scheduled", "schedule_cron": "0 0 30 2 *"},
		{"name": "x", "repo_selector": map[string]any{"keys": []string{"a"}}, "peer_selector": map[string]any{"all": true}, "priority": "scheduled", "schedule_every": "soon"},
		{"name": "x", "repo_selector": map[string]any{"keys": []string{"a"}}, "peer_selector": map[string]any{"all": true}, "unknown": 1},
	} {
		e.doJSON("POST", "/api/v1/sync-policies", e.token, bad, 400, nil)
	}
	e.doJSON("POST", "/api/v1/sync-policies", e.token, good, 409, nil)
	var cron struct {
		ScheduleCron    string `json:"schedule_cron"`
		ReplicationMode string `json:"replication_mode"`
		DeleteRepos     bool   `json:"delete_repositories"`
	}
	e.doJSON("POST", "/api/v1/sync-policies", e.token, map[string]any{"name": "nightly", "repo_selector": map[string]any{"keys": []string{"a"}},
		"peer_selector": map[string]any{"all": true}, "replication_mode": "mirror", "priority": "scheduled", "schedule_cron": "30 2 * * *",
		"delete_repositories": true}, 201, &cron)
	if cron.ScheduleCron != "30 2 * * *" || cron.ReplicationMode != "mirror" || !cron.DeleteRepos {
		t.Fatalf("created %+v", cron)
	}
	good["priority"], good["enabled"] = "on_demand", false
	id := "/api/v1/sync-policies/" + strconv.FormatInt(p.ID, 10)
	p.ScheduleEvery = "" // absent from the answer when not scheduled
	e.doJSON("PUT", id, e.token, good, 200, &p)
	if p.Priority != "on_demand" || p.Enabled || p.ScheduleEvery != "" {
		t.Fatalf("replaced %+v", p)
	}
	e.doJSON("DELETE", id, e.token, nil, 204, nil)
	e.doJSON("GET", id, e.token, nil, 404, nil)
	e.doJSON("GET", "/api/v1/sync-policies/nope", e.token, nil, 404, nil)
	e.doJSON("POST", "/api/v1/peers", e.token, map[string]any{"name": "x", "endpoint_url": "ftp://x", "api_key": "k"}, 400, nil)
}

// TestReplicationOpenAPIIsValid validates the description with the
// replication routes mounted.
func TestReplicationOpenAPIIsValid(t *testing.T) {
	srv, err := httpapi.New(httpapi.Deps{}, append(httpapi.PeerRoutes(nil), httpapi.ReplicationRoutes(nil, 0)...)...)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(srv.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	for _, p := range []string{"/peers", "/peers/{id}/sync", "/sync-policies/{id}", "/replication/uploads/{id}"} {
		if doc.Paths.Value(p) == nil {
			t.Errorf("%s is not described", p)
		}
	}
}
