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

	// A second edge fetches from the first, which holds f0, instead of the hub.
	edge2 := startSite(t, "edge2", "", "sqlite", "KEEPER_REPLICATION_EDGE_HUB_URL="+hub.URL,
		"KEEPER_REPLICATION_EDGE_API_KEY="+hub.APIToken("edge2", "admin"), "KEEPER_REPLICATION_EDGE_SOURCES="+edge.URL)
	r, err := edge2.Call(http.MethodGet, "/api/v1/edge/repositories/pub/download/f0.bin", nil, "Authorization", "")
	if err != nil || r.Status != http.StatusOK || harness.SHA256(r.Body) != shas["f0"] {
		t.Fatalf("edge2 read of f0: %v %v", r, err)
	}
	var st2 struct {
		Sources []struct {
			URL     string `json:"url"`
			Hub     bool   `json:"hub"`
			Fetches int64  `json:"fetches"`
		} `json:"sources"`
	}
	if err := edge2.Expect(http.StatusOK, http.MethodGet, "/api/v1/edge/status", nil).JSON(&st2); err != nil {
		t.Fatal(err)
	}
	if len(st2.Sources) != 2 || st2.Sources[1].URL != edge.URL || st2.Sources[1].Fetches != 1 || st2.Sources[0].Fetches != 0 {
		t.Fatalf("edge2 sources %+v, want f0 fetched from the first edge", st2.Sources)
	}
	var served struct {
		ServedToEdges int64 `json:"served_to_edges"`
	}
	if err := edge.Expect(http.StatusOK, http.MethodGet, "/api/v1/edge/status", nil).JSON(&served); err != nil || served.ServedToEdges != 1 {
		t.Fatalf("first edge served %d blobs to edges (%v)", served.ServedToEdges, err)
	}
	// The blob route never fetches: a blob the first edge does not hold is a 404.
	if r, err := edge.Call(http.MethodGet, "/api/v1/edge/blobs/"+shas["f2"], nil, "Authorization", ""); err != nil || r.Status != http.StatusNotFound {
		t.Fatalf("evicted blob by digest: %v %v", r, err)
	}
}
