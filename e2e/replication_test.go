package e2e

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestReplicationAcrossThreeSites runs a hub and two peers on loopback:
// immediate, scheduled and on-demand policies are each honoured, deletes
// propagate, a wrong key is refused, a stopped peer catches up after its
// restart, and a peer killed mid-transfer of a large artifact resumes
// without the finished chunks being sent again. It runs on SQLite, and on
// PostgreSQL (a schema per site) when KEEPER_TEST_POSTGRES_URL is set.
func TestReplicationAcrossThreeSites(t *testing.T) {
	t.Parallel()
	for _, db := range harness.Databases() {
		t.Run(db, func(t *testing.T) { threeSites(t, db) })
	}
}

func threeSites(t *testing.T, db string) {
	addr2 := freeAddr(t)
	hub := startSite(t, "hub", "", db)
	addr1 := freeAddr(t)
	p1 := startSite(t, "east", addr1, db)
	p2 := startSite(t, "west", addr2, db)
	id1 := addPeer(t, hub, p1, "east", 0)
	id2 := addPeer(t, hub, p2, "west", 4<<20) // 4 MiB/s: slow enough to kill mid-transfer

	for _, key := range []string{"rel", "nightly", "ondemand"} {
		hub.CreateRepo(harness.Repo{Key: key, Public: true})
	}
	addPolicy(t, hub, map[string]any{"name": "releases", "repo_selector": map[string]any{"patterns": []string{"re*"}},
		"peer_selector": map[string]any{"all": true}, "replication_mode": "push", "priority": "immediate"})
	addPolicy(t, hub, map[string]any{"name": "nightly", "repo_selector": map[string]any{"keys": []string{"nightly"}},
		"peer_selector": map[string]any{"ids": []int64{id1}}, "priority": "scheduled", "schedule_every": "4s"})
	addPolicy(t, hub, map[string]any{"name": "asked", "repo_selector": map[string]any{"keys": []string{"ondemand"}},
		"peer_selector": map[string]any{"ids": []int64{id2}}, "priority": "on_demand"})

	t.Run("peers know who announced itself", func(t *testing.T) {
		r := p1.Expect(http.StatusOK, http.MethodGet, "/api/v1/replication/instances", nil)
		var ins struct {
			Items []struct {
				InstanceID string `json:"instance_id"`
				Name       string `json:"name"`
			} `json:"items"`
		}
		if err := r.JSON(&ins); err != nil || len(ins.Items) != 1 || ins.Items[0].Name != "hub" || ins.Items[0].InstanceID == "" {
			t.Fatalf("instances announced to a peer: %s", r)
		}
	})

	t.Run("wrong key refused", func(t *testing.T) {
		hub.Expect(http.StatusBadRequest, http.MethodPost, "/api/v1/peers", harness.JSONBody(map[string]any{
			"name": "bad", "endpoint_url": p1.URL, "api_key": "kpr_wrong"}), "Content-Type", "application/json")
		p1.Expect(http.StatusUnauthorized, http.MethodPost, "/api/v1/replication/apply",
			harness.JSONBody(map[string]any{"repository": "rel", "deletes": []string{"x"}}),
			"Authorization", "Bearer kpr_wrong", "Content-Type", "application/json")
	})

	t.Run("immediate upload reaches both peers, delete propagates", func(t *testing.T) {
		var lags []time.Duration
		for i := 0; i < 5; i++ {
			p := "lib/" + strconv.Itoa(i) + "/a.bin"
			sha := upload(t, hub, "rel", p, content(uint64(900+i), 10_000+i*977))
			lags = append(lags, waitSHA(t, p1, "rel", p, sha, 15*time.Second), waitSHA(t, p2, "rel", p, sha, 15*time.Second))
		}
		t.Logf("immediate lag per artifact and peer: %v", lags)
		hub.Expect(http.StatusNoContent, http.MethodDelete, harness.ArtifactPath("rel", "lib/0/a.bin"), nil)
		waitGone(t, p1, "rel", "lib/0/a.bin", 15*time.Second)
		waitGone(t, p2, "rel", "lib/0/a.bin", 15*time.Second)
	})

	t.Run("scheduled waits for its tick", func(t *testing.T) {
		// Start just after a 4 s boundary so the next tick is ~4 s away.
		every := 4 * time.Second
		time.Sleep(every - time.Duration(time.Now().UnixNano()%int64(every)) + 200*time.Millisecond)
		sha := upload(t, hub, "nightly", "n.bin", content(77, 5000))
		time.Sleep(2 * time.Second)
		absent(t, p1, "nightly", "n.bin", "2 s after upload, before the policy's tick")
		waitSHA(t, p1, "nightly", "n.bin", sha, 8*time.Second)
		absent(t, p2, "nightly", "n.bin", "on a peer the policy does not select")
	})

	t.Run("on demand waits for sync", func(t *testing.T) {
		sha := upload(t, hub, "ondemand", "o.bin", content(78, 6000))
		time.Sleep(2 * time.Second)
		absent(t, p2, "ondemand", "o.bin", "before the on-demand sync")
		hub.Expect(http.StatusAccepted, http.MethodPost, "/api/v1/peers/"+strconv.FormatInt(id2, 10)+"/sync", nil)
		waitSHA(t, p2, "ondemand", "o.bin", sha, 15*time.Second)
	})

	t.Run("stopped peer goes offline and catches up", func(t *testing.T) {
		if err := p1.Stop(); err != nil {
			t.Fatal(err)
		}
		sha := upload(t, hub, "rel", "late.bin", content(79, 30_000))
		deadline := time.Now().Add(10 * time.Second)
		for peerOnline(t, hub, id1) {
			if time.Now().After(deadline) {
				t.Fatal("stopped peer still online after 10 s")
			}
			time.Sleep(200 * time.Millisecond)
		}
		p1.Restart()
		waitSHA(t, p1, "rel", "late.bin", sha, 20*time.Second)
		deadline = time.Now().Add(10 * time.Second)
		for !peerOnline(t, hub, id1) {
			if time.Now().After(deadline) {
				t.Fatal("restarted peer not online again after 10 s")
			}
			time.Sleep(200 * time.Millisecond)
		}
	})

	t.Run("killed mid-transfer resumes without resending chunks", func(t *testing.T) {
		const size = 24 << 20
		before := counters(t, hub, id2)
		sha := upload(t, hub, "rel", "big/image.bin", content(80, size))
		started := time.Now()
		deadline := time.Now().Add(30 * time.Second)
		for counters(t, hub, id2).ChunksSent-before.ChunksSent < 8 {
			if time.Now().After(deadline) {
				t.Fatal("fewer than 8 chunks sent to the peer after 30 s")
			}
			time.Sleep(50 * time.Millisecond)
		}
		// The peer's bandwidth cap (4 MiB/s) holds: 8 chunks of 1 MiB need
		// ≥ 1.5 s (the first chunk may go within the limiter's burst, and one
		// may start between the upload's answer and started); uncapped, they
		// take tens of milliseconds on loopback.
		if took := time.Since(started); took < 1500*time.Millisecond {
			t.Fatalf("8 MiB sent in %v, faster than the peer's 4 MiB/s cap", took)
		}
		p2.Kill()
		<-p2.Done()
		// Down long enough for the hub's next chunk to fail, so it must ask
		// the restarted peer where the upload stands.
		time.Sleep(1500 * time.Millisecond)
		p2.Restart()
		waitSHA(t, p2, "rel", "big/image.bin", sha, 60*time.Second)
		waitSHA(t, p1, "rel", "big/image.bin", sha, 30*time.Second)
		after := counters(t, hub, id2)
		sent := after.BytesSent - before.BytesSent
		t.Logf("large artifact %s: sent %s to the killed peer (%d chunks, %d resumed)", mib(size), mib(sent),
			after.ChunksSent-before.ChunksSent, after.Resumed-before.Resumed)
		if after.Resumed <= before.Resumed {
			t.Fatal("the transfer did not resume")
		}
		// Without resuming, at least the 8 chunks sent before the kill go again.
		if sent > size+2<<20 {
			t.Fatalf("sent %s for a %s artifact: finished chunks were sent again", mib(sent), mib(size))
		}
	})
}
