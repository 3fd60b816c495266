package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestReplicationOnDemandAndLocalOnly: the two priorities the other tests
// leave out, observed on real keeper processes.
//   - on_demand pull "at first request": the site pulls nothing while
//     nobody reads; the first read of the repository through its format's
//     path (here generic) pulls it from the hub, even before the repository
//     exists on the site, and a later read after pull_every brings what is
//     new.
//   - local_only: a hub pushing every repository to the site keeps the one
//     a local_only policy selects, and does not offer it to pulling peers.
func TestReplicationOnDemandAndLocalOnly(t *testing.T) {
	t.Parallel()
	hub := startSite(t, "hub", "", "sqlite")
	site := startSite(t, "site", "", "sqlite", "KEEPER_REPLICATION_PULL_EVERY=1s")
	for _, key := range []string{"lazy", "open", "secret"} {
		hub.CreateRepo(harness.Repo{Key: key, Public: true})
	}
	a := upload(t, hub, "lazy", "a.bin", content(200, 10_000))
	addPeer(t, site, hub, "hub", 0)
	addPolicy(t, site, map[string]any{"name": "lazy", "repo_selector": map[string]any{"keys": []string{"lazy", "secret"}},
		"peer_selector": map[string]any{"all": true}, "replication_mode": "pull", "priority": "on_demand"})

	t.Run("on demand at first request", func(t *testing.T) {
		time.Sleep(2500 * time.Millisecond) // several pull rounds of the site
		site.Expect(http.StatusNotFound, http.MethodGet, "/api/v1/repositories/lazy", nil)
		r := site.Expect(http.StatusOK, http.MethodGet, "/generic/lazy/a.bin", nil)
		if harness.SHA256(r.Body) != a {
			t.Fatal("the first read did not get the hub's bytes")
		}
		b := upload(t, hub, "lazy", "b.bin", content(201, 10_000))
		time.Sleep(2200 * time.Millisecond) // past pull_every, and the hub's feed settling time
		if r := site.Expect(http.StatusOK, http.MethodGet, "/generic/lazy/b.bin", nil); harness.SHA256(r.Body) != b {
			t.Fatal("a read after pull_every did not bring the hub's new file")
		}
	})

	t.Run("local only", func(t *testing.T) {
		addPeer(t, hub, site, "site", 0)
		addPolicy(t, hub, map[string]any{"name": "everything", "repo_selector": map[string]any{"patterns": []string{"*"}},
			"peer_selector": map[string]any{"all": true}})
		addPolicy(t, hub, map[string]any{"name": "keep-secret", "repo_selector": map[string]any{"keys": []string{"secret"}},
			"peer_selector": map[string]any{"all": true}, "priority": "local_only"})
		hub.Expect(http.StatusBadRequest, http.MethodPost, "/api/v1/sync-policies", harness.JSONBody(map[string]any{
			"name": "bad", "repo_selector": map[string]any{"keys": []string{"x"}}, "peer_selector": map[string]any{"all": true},
			"replication_mode": "pull", "priority": "local_only"}), "Content-Type", "application/json")
		s := upload(t, hub, "secret", "s.bin", content(202, 5000))
		o := upload(t, hub, "open", "o.bin", content(203, 5000))
		waitSHA(t, site, "open", "o.bin", o, 20*time.Second)
		// Pushed after the secret one: had it been sent, it would be there.
		time.Sleep(time.Second)
		absent(t, site, "secret", "s.bin", "although a local_only policy keeps it on the hub")
		// Nor does a pulling peer get it: the site's on-demand policy names it.
		site.Expect(http.StatusNotFound, http.MethodGet, "/generic/secret/s.bin", nil)
		if r, err := hub.Download("secret", "s.bin"); err != nil || harness.SHA256(r.Body) != s {
			t.Fatalf("the hub lost its own file: %v %v", r, err)
		}
	})
}
