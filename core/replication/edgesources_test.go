package replication

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/ports"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// link is a simulated network path: latency to the first byte, then bandwidth.
type link struct {
	latency time.Duration
	bps     float64
	down    bool
}

// fakeNet is a hub and edges on simulated links: opening a blob advances
// the clock by the link's latency, reading it by its size over the bandwidth.
type fakeNet struct {
	hub   *fakeHub
	clock *fakeClock
	links map[string]*link
	edges map[string]*Edge
	asked map[string]int
}

func newFakeNet(files map[string][]byte) *fakeNet {
	return &fakeNet{hub: &fakeHub{files: files}, clock: &fakeClock{t: time.Unix(1_800_000_000, 0)},
		links: map[string]*link{"hub": {latency: 50 * time.Millisecond, bps: 1 << 20}}, edges: map[string]*Edge{}, asked: map[string]int{}}
}

func (n *fakeNet) edge(name string, ttl time.Duration, sources ...string) *Edge {
	e := NewEdge(ports.PeerConn{EndpointURL: "hub", APIKey: "k"}, n, dispatchtest.NewBlobs(), 1<<30, nil)
	e.now = n.clock.Now
	e.SetTTL(ttl)
	e.AddSources(sources...)
	n.edges[name] = e
	return e
}

func (n *fakeNet) ArtifactRecord(ctx context.Context, c ports.PeerConn, repo, path string) (ports.ReplicaFile, error) {
	return n.hub.ArtifactRecord(ctx, c, repo, path)
}

type timedReader struct {
	r io.Reader
	n *fakeNet
	l *link
}

func (t *timedReader) Read(p []byte) (int, error) {
	k, err := t.r.Read(p)
	t.n.clock.Advance(time.Duration(float64(k) / t.l.bps * float64(time.Second)))
	return k, err
}
func (t *timedReader) Close() error { return nil }

func (n *fakeNet) open(name string, get func() (io.ReadCloser, error)) (io.ReadCloser, error) {
	n.asked[name]++
	l := n.links[name]
	if l.down {
		return nil, errors.New("connection refused")
	}
	n.clock.Advance(l.latency)
	r, err := get()
	if err != nil {
		return nil, err
	}
	return &timedReader{r: r, n: n, l: l}, nil
}

func (n *fakeNet) OpenBlob(ctx context.Context, c ports.PeerConn, sha string) (io.ReadCloser, error) {
	return n.open("hub", func() (io.ReadCloser, error) { return n.hub.OpenBlob(ctx, c, sha) })
}

func (n *fakeNet) OpenCachedBlob(ctx context.Context, c ports.PeerConn, sha string) (io.ReadCloser, error) {
	return n.open(c.EndpointURL, func() (io.ReadCloser, error) {
		r, _, err := n.edges[c.EndpointURL].OpenCached(ctx, sha)
		return r, err
	})
}

func readEdge(t *testing.T, e *Edge, repo, path string) string {
	t.Helper()
	_, r, err := e.Open(context.Background(), repo, path)
	if err != nil {
		t.Fatalf("%s/%s: %v", repo, path, err)
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	return string(b)
}

// TestEdgeTTLRevalidatesWithTheHub: within the TTL a cached path is served
// without asking the hub; after it the hub is asked again, so a changed
// path is served anew and a removed one is no longer served.
func TestEdgeTTLRevalidatesWithTheHub(t *testing.T) {
	n := newFakeNet(map[string][]byte{"r/a": []byte("version one")})
	e := n.edge("e", 10*time.Second)
	if got := readEdge(t, e, "r", "a"); got != "version one" || n.hub.records != 1 {
		t.Fatalf("first read %q, records asked %d", got, n.hub.records)
	}
	n.clock.Advance(5 * time.Second)
	n.hub.files["r/a"] = []byte("version two")
	if got := readEdge(t, e, "r", "a"); got != "version one" || n.hub.records != 1 {
		t.Fatalf("within the TTL: %q, records asked %d (want the cached one, hub not asked)", got, n.hub.records)
	}
	n.clock.Advance(6 * time.Second)
	if got := readEdge(t, e, "r", "a"); got != "version two" || n.hub.records != 2 {
		t.Fatalf("after the TTL: %q, records asked %d", got, n.hub.records)
	}
	if st := e.Stats(); st.FreshRecords != 1 || st.Revalidations != 1 || st.TTLSeconds != 10 {
		t.Fatalf("stats %+v", st)
	}
	delete(n.hub.files, "r/a")
	n.clock.Advance(11 * time.Second)
	if _, _, err := e.Open(context.Background(), "r", "a"); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("a path the hub removed: %v", err)
	}
	// TTL 0 asks the hub every time.
	n.hub.files["r/b"] = []byte("b")
	z := n.edge("z", 0)
	readEdge(t, z, "r", "b")
	readEdge(t, z, "r", "b")
	if n.hub.records != 5 {
		t.Fatalf("TTL 0: records asked %d, want 5", n.hub.records)
	}
}

// TestEdgeFetchesFromAnotherEdge: a miss is fetched from another edge that
// holds the blob, not from the hub; an edge serves others a blob only
// while the hub named it within its TTL.
func TestEdgeFetchesFromAnotherEdge(t *testing.T) {
	n := newFakeNet(map[string][]byte{"r/a": []byte(strings.Repeat("a", 5000)), "r/b": []byte(strings.Repeat("b", 5000)),
		"r/c": []byte(strings.Repeat("c", 5000))})
	n.links["A"] = &link{latency: 5 * time.Millisecond, bps: 10 << 20}
	a := n.edge("A", time.Minute)
	b := n.edge("B", time.Minute, "A")
	readEdge(t, a, "r", "a")
	if n.hub.fetched != 1 {
		t.Fatalf("hub fetched %d", n.hub.fetched)
	}
	if got := readEdge(t, b, "r", "a"); got != strings.Repeat("a", 5000) || n.hub.fetched != 1 {
		t.Fatalf("B read %d bytes, hub fetched %d times (want 1: B fetches from A)", len(got), n.hub.fetched)
	}
	if st := a.Stats(); st.ServedToEdges != 1 {
		t.Fatalf("A stats %+v", st)
	}
	// The hub, not measured yet, is tried (and so measured) once.
	readEdge(t, b, "r", "c")
	if n.hub.fetched != 2 {
		t.Fatalf("hub fetched %d, want 2", n.hub.fetched)
	}
	// A's copy of b is older than A's TTL: A refuses it, B falls back to the hub.
	readEdge(t, a, "r", "b")
	n.clock.Advance(2 * time.Minute)
	readEdge(t, b, "r", "b")
	if n.hub.fetched != 4 || a.Stats().ServedToEdges != 1 {
		t.Fatalf("hub fetched %d, A served %d: a blob past A's TTL was served by A", n.hub.fetched, a.Stats().ServedToEdges)
	}
	src := b.Stats().Sources
	if len(src) != 2 || src[1].URL != "A" || src[1].Fetches != 1 || src[1].Misses != 1 || src[0].Fetches != 2 {
		t.Fatalf("B's sources %+v", src)
	}
}

// TestEdgeChoosesTheFastestSource: each source is measured, the one with
// the lowest expected time (latency + size / bandwidth) is preferred, a
// failing one is skipped (falling back to the next) until it has rested.
func TestEdgeChoosesTheFastestSource(t *testing.T) {
	files := map[string][]byte{}
	for i := range 12 {
		files["r/f"+string(rune('a'+i))] = []byte(strings.Repeat(string(rune('a'+i)), 20_000))
	}
	n := newFakeNet(files)
	n.links["slow"] = &link{latency: 200 * time.Millisecond, bps: 100 << 10}
	n.links["fast"] = &link{latency: 5 * time.Millisecond, bps: 10 << 20}
	slow := n.edge("slow", time.Hour)
	fast := n.edge("fast", time.Hour)
	for name := range files {
		path := strings.TrimPrefix(name, "r/")
		readEdge(t, slow, "r", path)
		readEdge(t, fast, "r", path)
	}
	c := n.edge("c", time.Hour, "slow", "fast")
	paths := []string{"fa", "fb", "fc", "fd", "fe", "ff", "fg"}
	before := map[string]int{"hub": n.asked["hub"], "slow": n.asked["slow"], "fast": n.asked["fast"]}
	for _, p := range paths {
		if got := readEdge(t, c, "r", p); got != string(files["r/"+p]) {
			t.Fatalf("%s: wrong bytes", p)
		}
	}
	// Each source is tried once while unmeasured; then the fast edge serves.
	if d := n.asked["slow"] - before["slow"]; d != 1 {
		t.Fatalf("slow edge asked %d times, want 1", d)
	}
	if d := n.asked["hub"] - before["hub"]; d != 1 {
		t.Fatalf("hub asked %d times, want 1", d)
	}
	if d := n.asked["fast"] - before["fast"]; d != len(paths)-2 {
		t.Fatalf("fast edge asked %d times, want %d", d, len(paths)-2)
	}
	var fastStats EdgeSourceStats
	for _, s := range c.Stats().Sources {
		if s.URL == "fast" {
			fastStats = s
		}
	}
	if fastStats.LatencyMillis < 4 || fastStats.LatencyMillis > 6 || fastStats.BytesPerSecond < 9<<20 {
		t.Fatalf("fast edge measured %+v", fastStats)
	}

	// The fast edge goes down: the next fetch falls back to the next best
	// (the hub: 50 ms + 20 kB at 1 MiB/s beats 200 ms + 20 kB at 100 KiB/s).
	n.links["fast"].down = true
	hub := n.asked["hub"]
	if got := readEdge(t, c, "r", "fh"); got != string(files["r/fh"]) || n.asked["hub"] != hub+1 {
		t.Fatalf("fallback: %d bytes, hub asked %d more", len(got), n.asked["hub"]-hub)
	}
	asked := n.asked["fast"]
	readEdge(t, c, "r", "fi")
	if n.asked["fast"] != asked {
		t.Fatal("a failed source was asked again before its rest ended")
	}
	n.links["fast"].down = false
	n.clock.Advance(sourceRestBase)
	readEdge(t, c, "r", "fj")
	if n.asked["fast"] != asked+1 {
		t.Fatal("the fast edge was not preferred again after its rest")
	}
}
