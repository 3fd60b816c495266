package http_test

import (
	"path/filepath"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// TestLabelSelectorsAPI: a policy selects repositories by their properties
// and peers by their labels; a malformed selector or label is a 400.
func TestLabelSelectorsAPI(t *testing.T) {
	e, st, svc := replicationEnvSvc(t, filepath.Join(t.TempDir(), "keeper.db"))
	ctx := t.Context()
	repos := map[string]int64{}
	for _, key := range []string{"prod-libs", "dev-libs"} {
		r := ports.Repository{Key: key, Name: key, Format: "generic", Type: ports.RepoLocal}
		if err := st.CreateRepository(ctx, &r); err != nil {
			t.Fatal(err)
		}
		repos[key] = r.ID
	}
	if _, err := st.ChangeRepositoryProperties(ctx, repos["prod-libs"], ports.PropertyChange{Set: ports.Properties{"env": {"prod"}, "team": {"core"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ChangeRepositoryProperties(ctx, repos["dev-libs"], ports.PropertyChange{Set: ports.Properties{"env": {"dev"}, "team": {"core"}}}); err != nil {
		t.Fatal(err)
	}
	peers := map[string]int64{}
	for name, region := range map[string]string{"eu": "eu", "us": "us"} {
		p := ports.Peer{Name: name, EndpointURL: "https://" + name + ".invalid", SealedAPIKey: "unused", Labels: map[string]string{"region": region}}
		if err := st.CreatePeer(ctx, &p); err != nil {
			t.Fatal(err)
		}
		peers[name] = p.ID
	}
	var got struct {
		RepoSelector ports.RepoSelector `json:"repo_selector"`
		PeerSelector ports.PeerSelector `json:"peer_selector"`
	}
	e.doJSON("POST", "/api/v1/sync-policies", e.token, map[string]any{"name": "prod-to-eu",
		"repo_selector": map[string]any{"labels": []string{"env=prod", "team"}},
		"peer_selector": map[string]any{"labels": []string{"region=eu"}}}, 201, &got)
	if len(got.RepoSelector.Labels) != 2 || got.PeerSelector.Labels[0] != "region=eu" {
		t.Fatalf("created %+v", got)
	}
	for _, bad := range []map[string]any{
		{"repo_selector": map[string]any{"labels": []string{"=prod"}}, "peer_selector": map[string]any{"all": true}},
		{"repo_selector": map[string]any{"labels": []string{"env prod"}}, "peer_selector": map[string]any{"all": true}},
		{"repo_selector": map[string]any{"labels": []string{"env="}}, "peer_selector": map[string]any{"all": true}},
		{"repo_selector": map[string]any{"labels": "env=prod"}, "peer_selector": map[string]any{"all": true}},
		{"repo_selector": map[string]any{"keys": []string{"a"}}, "peer_selector": map[string]any{"labels": []string{"region:eu"}}},
		{"repo_selector": map[string]any{"labels": []string{"env=prod"}}, "peer_selector": map[string]any{"all": true}, "replication_mode": "pull"},
	} {
		bad["name"] = "bad"
		e.doJSON("POST", "/api/v1/sync-policies", e.token, bad, 400, nil)
	}
	// Bad peer labels are refused before the peer is contacted.
	e.doJSON("POST", "/api/v1/peers", e.token, map[string]any{"name": "x", "endpoint_url": "https://x.invalid", "api_key": "k",
		"labels": map[string]string{"a b": "c"}}, 400, nil)

	for key, id := range repos {
		if _, err := st.Apply(ctx, id, ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{RepositoryID: id, Path: key + ".txt",
			SHA256: hexSHA([]byte(key)), BlobDigest: "sha256:" + hexSHA([]byte(key)), Size: int64(len(key))}}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.DispatchOnce(ctx); err != nil {
		t.Fatal(err)
	}
	tasks, err := svc.Tasks(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 || tasks[0].PeerID != peers["eu"] || tasks[0].Repository != "prod-libs" || tasks[0].Path != "prod-libs.txt" {
		t.Fatalf("tasks = %+v, want only prod-libs.txt for eu", tasks)
	}
}
