package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

type pullCounters struct {
	PeerID        int64 `json:"peer_id"`
	RecordsPulled int64 `json:"records_pulled"`
	BytesPulled   int64 `json:"bytes_pulled"`
}

func pulled(t *testing.T, k *harness.Keeper, peer int64) pullCounters {
	t.Helper()
	r := k.Expect(http.StatusOK, http.MethodGet, "/api/v1/replication/status", nil)
	var st struct {
		Peers []pullCounters `json:"peers"`
	}
	if err := r.JSON(&st); err != nil {
		t.Fatal(err)
	}
	for _, p := range st.Peers {
		if p.PeerID == peer {
			return p
		}
	}
	return pullCounters{PeerID: peer}
}

// TestReplicationPullAndMirror: a keeper pulls two repositories of a hub
// through the hub's change feed; the pulled one keeps what the hub
// deletes, the mirrored one becomes an exact copy (its own extra file
// removed, deletes and the repository's deletion followed).
// It runs on SQLite, and on PostgreSQL when KEEPER_TEST_POSTGRES_URL is set.
func TestReplicationPullAndMirror(t *testing.T) {
	t.Parallel()
	for _, db := range harness.Databases() {
		t.Run(db, func(t *testing.T) { pullAndMirror(t, db) })
	}
}

func pullAndMirror(t *testing.T, db string) {
	hub := startSite(t, "hub", "", db)
	site := startSite(t, "site", "", db, "KEEPER_REPLICATION_PULL_EVERY=300ms")
	for _, key := range []string{"pulled", "mirrored"} {
		hub.CreateRepo(harness.Repo{Key: key, Public: true})
	}
	a := upload(t, hub, "pulled", "a.bin", content(100, 20_000))
	b := upload(t, hub, "mirrored", "b.bin", content(101, 20_000))
	same := upload(t, hub, "mirrored", "same-as-b.bin", content(101, 20_000))
	site.CreateRepo(harness.Repo{Key: "mirrored", Public: true})
	upload(t, site, "mirrored", "only-here.bin", content(102, 1000))

	hubID := addPeer(t, site, hub, "hub", 0)
	addPolicy(t, site, map[string]any{"name": "pull", "repo_selector": map[string]any{"keys": []string{"pulled"}},
		"peer_selector": map[string]any{"all": true}, "replication_mode": "pull"})
	addPolicy(t, site, map[string]any{"name": "mirror", "repo_selector": map[string]any{"patterns": []string{"mirr*"}},
		"peer_selector": map[string]any{"all": true}, "replication_mode": "mirror", "delete_repositories": true})

	t.Run("first pull copies both; the mirror drops its own extra file", func(t *testing.T) {
		waitSHA(t, site, "pulled", "a.bin", a, 20*time.Second)
		waitSHA(t, site, "mirrored", "b.bin", b, 20*time.Second)
		waitSHA(t, site, "mirrored", "same-as-b.bin", same, 20*time.Second)
		waitGone(t, site, "mirrored", "only-here.bin", 10*time.Second)
		st := pulled(t, site, hubID)
		// Two blobs (b and same-as-b share one), each fetched once.
		if st.BytesPulled != 40_000 {
			t.Fatalf("bytes pulled %d, want 40000 (two distinct blobs)", st.BytesPulled)
		}
		time.Sleep(1500 * time.Millisecond) // several pull rounds
		if again := pulled(t, site, hubID); again.RecordsPulled != st.RecordsPulled {
			t.Fatalf("records pulled grew from %d to %d with nothing new on the hub: the cursor did not hold",
				st.RecordsPulled, again.RecordsPulled)
		}
	})

	t.Run("deletes: pull keeps, mirror follows", func(t *testing.T) {
		hub.Expect(http.StatusNoContent, http.MethodDelete, harness.ArtifactPath("pulled", "a.bin"), nil)
		hub.Expect(http.StatusNoContent, http.MethodDelete, harness.ArtifactPath("mirrored", "b.bin"), nil)
		c := upload(t, hub, "pulled", "c.bin", content(103, 5000))
		waitGone(t, site, "mirrored", "b.bin", 15*time.Second)
		waitSHA(t, site, "pulled", "c.bin", c, 15*time.Second)
		waitSHA(t, site, "pulled", "a.bin", a, time.Second) // the feed passed its delete
		waitSHA(t, site, "mirrored", "same-as-b.bin", same, time.Second)
	})

	t.Run("a repository gone from the hub goes from the mirror", func(t *testing.T) {
		hub.Expect(http.StatusNoContent, http.MethodDelete, "/api/v1/repositories/mirrored?force=true", nil)
		deadline := time.Now().Add(15 * time.Second)
		for {
			r, err := site.Call(http.MethodGet, "/api/v1/repositories/mirrored", nil)
			if err == nil && r.Status == http.StatusNotFound {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("mirrored repository still on the site 15 s after the hub deleted it")
			}
			time.Sleep(100 * time.Millisecond)
		}
		site.Expect(http.StatusOK, http.MethodGet, "/api/v1/repositories/pulled", nil)
	})
}
