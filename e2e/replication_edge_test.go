package e2e

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

type edgeStats struct {
	CapacityBytes int64 `json:"capacity_bytes"`
	Bytes         int64 `json:"bytes"`
	Hits          int64 `json:"hits"`
	Misses        int64 `json:"misses"`
	Evictions     int64 `json:"evictions"`
}

// TestReplicationEdgeNode: an edge keeper serves a hub's public files
// through its cache, never holding more than its bound, evicting the
// least recently used; the hub's private files are not served.
func TestReplicationEdgeNode(t *testing.T) {
	t.Parallel()
	hub := startSite(t, "hub", "", "sqlite")
	const bound = 100_000
	edge := startSite(t, "edge", "", "sqlite", "KEEPER_REPLICATION_EDGE_HUB_URL="+hub.URL,
		"KEEPER_REPLICATION_EDGE_API_KEY="+hub.APIToken("edge", "admin"),
		"KEEPER_REPLICATION_EDGE_CAPACITY_BYTES="+strconv.Itoa(bound))
	hub.CreateRepo(harness.Repo{Key: "pub", Public: true})
	hub.CreateRepo(harness.Repo{Key: "priv"})
	shas := map[string]string{}
	for i, name := range []string{"f0", "f1", "f2", "f3", "f4"} {
		shas[name] = upload(t, hub, "pub", name+".bin", content(uint64(200+i), 30_000))
	}
	upload(t, hub, "priv", "secret.bin", content(299, 1000))

	stats := func() edgeStats {
		var st edgeStats
		if err := edge.Expect(http.StatusOK, http.MethodGet, "/api/v1/edge/status", nil).JSON(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	read := func(name string) {
		t.Helper()
		r, err := edge.Call(http.MethodGet, "/api/v1/edge/repositories/pub/download/"+name+".bin", nil, "Authorization", "")
		if err != nil || r.Status != http.StatusOK || harness.SHA256(r.Body) != shas[name] {
			t.Fatalf("edge read of %s: %v %v", name, r, err)
		}
		if st := stats(); st.Bytes > bound || st.CapacityBytes != bound {
			t.Fatalf("after reading %s the edge caches %d bytes, bound %d", name, st.Bytes, bound)
		}
	}
	for _, n := range []string{"f0", "f1", "f2", "f0", "f3", "f4"} {
		read(n)
	}
	// Three 30 kB blobs fit: f1 and f2 went (least recently used), f0 stayed.
	st := stats()
	if st.Misses != 5 || st.Hits != 1 || st.Evictions != 2 || st.Bytes != 90_000 {
		t.Fatalf("edge counters %+v, want 5 misses, 1 hit, 2 evictions, 90000 bytes", st)
	}
	read("f0")
	if got := stats(); got.Hits != st.Hits+1 || got.Misses != st.Misses {
		t.Fatalf("f0 should be a hit: %+v", got)
	}
	read("f1")
	if got := stats(); got.Misses != st.Misses+1 {
		t.Fatalf("f1 should have been evicted: %+v", got)
	}
	for _, p := range []string{"priv/download/secret.bin", "pub/download/missing.bin"} {
		if r, err := edge.Call(http.MethodGet, "/api/v1/edge/repositories/"+p, nil, "Authorization", ""); err != nil || r.Status != http.StatusNotFound {
			t.Fatalf("edge read of %s: %v %v", p, r, err)
		}
	}
}
