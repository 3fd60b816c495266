package http_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// TestBackfillNewPeer: a peer added after content existed gets a task for
// every live file, key-value and version of what its policies select (not
// for deleted paths), and so does an existing peer when a policy starts
// selecting a repository; an on-demand sync queues it all due now.
func TestBackfillNewPeer(t *testing.T) {
	e, st, svc := replicationEnvSvc(t, filepath.Join(t.TempDir(), "keeper.db"))
	ctx := t.Context()
	repo := ports.Repository{Key: "libs", Name: "libs", Format: "generic", Type: ports.RepoLocal}
	if err := st.CreateRepository(ctx, &repo); err != nil {
		t.Fatal(err)
	}
	file := func(p string) ports.FilePut {
		return ports.FilePut{File: ports.File{RepositoryID: repo.ID, Path: p, SHA256: hexSHA([]byte(p)), BlobDigest: "sha256:" + hexSHA([]byte(p)), Size: int64(len(p))}}
	}
	if _, err := st.Apply(ctx, repo.ID, ports.WriteSet{Puts: []ports.FilePut{file("a.txt"), file("gone.txt")},
		KVPuts:   []ports.KV{{Namespace: "tags", Key: "latest", Value: []byte("1.0")}},
		Versions: []ports.VersionPut{{Package: "app", Version: "1.0", Metadata: []byte(`{}`)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(ctx, repo.ID, ports.WriteSet{Deletes: []string{"gone.txt"}}); err != nil {
		t.Fatal(err)
	}
	// Content written before any peer or policy: nothing routes it now.
	if _, err := svc.DispatchOnce(ctx); err != nil {
		t.Fatal(err)
	}
	e.doJSON("POST", "/api/v1/sync-policies", e.token, map[string]any{"name": "libs",
		"repo_selector": map[string]any{"keys": []string{"libs"}}, "peer_selector": map[string]any{"labels": []string{"site=late"}}}, 201, nil)
	var peer struct {
		ID     int64             `json:"id"`
		Labels map[string]string `json:"labels"`
	}
	e.doJSON("POST", "/api/v1/peers", e.token, map[string]any{"name": "late", "endpoint_url": "https://late.invalid", "api_key": "k",
		"labels": map[string]string{"site": "late"}}, 201, &peer)
	if peer.Labels["site"] != "late" {
		t.Fatalf("peer = %+v", peer)
	}
	if _, err := svc.BackfillOnce(ctx); err != nil {
		t.Fatal(err)
	}
	kvPath, _ := ports.KVChangePath("tags", "latest")
	verPath, _ := ports.VersionChangePath("app", "1.0")
	want := []string{"a.txt", kvPath, verPath}
	paths := func(peerID int64) []string {
		tasks, err := svc.Tasks(ctx, peerID, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tk := range tasks {
			if tk.Repository != "libs" || tk.Held {
				t.Fatalf("task %+v", tk)
			}
			out = append(out, tk.Path)
		}
		slices.Sort(out)
		return out
	}
	slices.Sort(want)
	if got := paths(peer.ID); !slices.Equal(got, want) {
		t.Fatalf("backfilled %q, want %q", got, want)
	}
	if n, _ := svc.BackfillOnce(ctx); n != 0 {
		t.Fatalf("a finished backfill ran again: %d", n)
	}

	// An existing peer gets a repository's state when a new policy selects it.
	var other struct {
		ID int64 `json:"id"`
	}
	e.doJSON("POST", "/api/v1/peers", e.token, map[string]any{"name": "other", "endpoint_url": "https://other.invalid", "api_key": "k"}, 201, &other)
	if _, err := svc.BackfillOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := paths(other.ID); len(got) != 0 {
		t.Fatalf("unselected peer got %q", got)
	}
	e.doJSON("POST", "/api/v1/sync-policies", e.token, map[string]any{"name": "on-demand", "priority": "on_demand",
		"repo_selector": map[string]any{"patterns": []string{"li*"}}, "peer_selector": map[string]any{"ids": []int64{other.ID}}}, 201, nil)
	if _, err := svc.BackfillOnce(ctx); err != nil {
		t.Fatal(err)
	}
	tasks, _ := svc.Tasks(ctx, other.ID, 100)
	if len(tasks) != 3 || !tasks[0].Held {
		t.Fatalf("on-demand backfill = %+v, want 3 held tasks", tasks)
	}
	var sync struct {
		Queued int `json:"queued"`
	}
	e.doJSON("POST", "/api/v1/peers/"+itoa(other.ID)+"/sync", e.token, nil, 202, &sync)
	if _, err := svc.BackfillOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := paths(other.ID); sync.Queued != 1 || !slices.Equal(got, want) {
		t.Fatalf("after sync (queued %d) %q, want %q unheld", sync.Queued, got, want)
	}
}
