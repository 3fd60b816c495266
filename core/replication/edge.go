package replication

import (
	"container/list"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Edge is a cache-only node in front of a hub: it serves the hub's
// anonymously readable files from a local blob cache bounded in bytes,
// fetches misses from the hub (through the egress guard, in the client),
// and evicts the least recently used blobs to stay within the bound.
type Edge struct {
	hub   ports.PeerConn
	src   ports.EdgeSource
	cache ports.BlobStore
	log   *slog.Logger
	// ttl is how long a record from the hub is trusted before it is asked
	// again (0: every request asks).
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	capacity int64
	used     int64
	order    *list.List // of *edgeEntry, most recent first
	byDigest map[string]*list.Element
	stats    EdgeStats
	inflight map[string]*edgeFetch
	records  recordBook
	sources  []*edgeSource
}

type edgeEntry struct {
	digest string
	size   int64
	// validated is when the hub last named this blob to an anonymous
	// caller: another edge is served the blob only within the TTL of it.
	validated time.Time
}

type edgeFetch struct {
	done chan struct{}
	err  error
}

// EdgeStats are an edge's cache counters.
type EdgeStats struct {
	CapacityBytes int64 `json:"capacity_bytes"`
	Bytes         int64 `json:"bytes"`
	Entries       int   `json:"entries"`
	Hits          int64 `json:"hits"`
	Misses        int64 `json:"misses"`
	Evictions     int64 `json:"evictions"`
	// PassThrough counts blobs larger than the capacity, served without caching.
	PassThrough int64 `json:"pass_through"`
	// TTLSeconds is how long a record of the hub is trusted; FreshRecords
	// counts requests served without asking the hub, Revalidations those
	// that asked it about a path it had answered before.
	TTLSeconds    float64 `json:"ttl_seconds"`
	FreshRecords  int64   `json:"fresh_records"`
	Revalidations int64   `json:"revalidations"`
	// ServedToEdges counts blobs sent to other edge nodes.
	ServedToEdges int64 `json:"served_to_edges"`
	// Sources are where misses are fetched from, with their measurements.
	Sources []EdgeSourceStats `json:"sources"`
}

// NewEdge returns an edge over hub (endpoint and API key of an hub
// administrator, used only to fetch blobs), caching into cache (a store
// of its own, emptied by the caller at start) at most capacity bytes.
func NewEdge(hub ports.PeerConn, src ports.EdgeSource, cache ports.BlobStore, capacity int64, log *slog.Logger) *Edge {
	if log == nil {
		log = slog.Default()
	}
	e := &Edge{hub: hub, src: src, cache: cache, log: log, capacity: capacity, order: list.New(), now: time.Now,
		byDigest: map[string]*list.Element{}, inflight: map[string]*edgeFetch{}, records: newRecordBook(maxEdgeRecords)}
	e.sources = []*edgeSource{{conn: hub, hub: true}}
	return e
}

// SetTTL makes records of the hub trusted for ttl before they are asked
// again (0, the default: every request asks the hub).
func (e *Edge) SetTTL(ttl time.Duration) { e.ttl = max(ttl, 0) }

// AddSources adds other edge nodes of the same hub (their endpoint URLs)
// that misses may be fetched from.
func (e *Edge) AddSources(urls ...string) {
	for _, u := range urls {
		e.sources = append(e.sources, &edgeSource{conn: ports.PeerConn{EndpointURL: u}})
	}
}

// Stats returns the cache's counters.
func (e *Edge) Stats() EdgeStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.stats
	st.CapacityBytes, st.Bytes, st.Entries = e.capacity, e.used, e.order.Len()
	st.TTLSeconds = e.ttl.Seconds()
	st.Sources = e.sourceStats()
	return st
}

// Open returns the hub's record of repository/path and a reader of its
// bytes, from the cache or fetched from the hub. A file the hub does not
// serve anonymously is ErrNotFound.
func (e *Edge) Open(ctx context.Context, repository, path string) (ports.ReplicaFile, io.ReadCloser, error) {
	f, err := e.record(ctx, repository, path)
	if err != nil {
		return f, nil, err
	}
	if f.Size > e.capacity {
		e.count(func(st *EdgeStats) { st.PassThrough++ })
		r, err := e.src.OpenBlob(ctx, e.hub, f.SHA256)
		return f, r, err
	}
	for fetched := false; ; fetched = true {
		if r, ok := e.hit(ctx, f.SHA256, !fetched); ok {
			return f, r, nil
		}
		err := e.fetch(ctx, f)
		if errors.Is(err, errNoRoom) {
			e.count(func(st *EdgeStats) { st.PassThrough++ })
			r, err := e.src.OpenBlob(ctx, e.hub, f.SHA256)
			return f, r, err
		}
		if err != nil {
			return f, nil, err
		}
	}
}

// errNoRoom: every cached blob is being fetched; this one goes uncached.
var errNoRoom = errors.New("edge: no room in the cache")

func (e *Edge) count(fn func(*EdgeStats)) {
	e.mu.Lock()
	fn(&e.stats)
	e.mu.Unlock()
}

// hit opens a cached blob and marks it most recently used; count says
// whether it counts as a hit (not right after this caller's fetch).
func (e *Edge) hit(ctx context.Context, digest string, count bool) (io.ReadCloser, bool) {
	e.mu.Lock()
	el, ok := e.byDigest[digest]
	if ok {
		e.order.MoveToFront(el)
	}
	e.mu.Unlock()
	if !ok {
		return nil, false
	}
	r, _, err := e.cache.Open(ctx, digest)
	if err != nil {
		e.forget(digest)
		return nil, false
	}
	if count {
		e.count(func(st *EdgeStats) { st.Hits++ })
	}
	return r, true
}

func (e *Edge) forget(digest string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if el, ok := e.byDigest[digest]; ok {
		e.used -= el.Value.(*edgeEntry).size
		e.order.Remove(el)
		delete(e.byDigest, digest)
	}
}

// fetch brings f's blob into the cache once, however many callers miss
// it at the same time. Room is made before the bytes arrive (evicting
// least recently used blobs), so the cache never holds more than its
// capacity, in-flight fetches included.
func (e *Edge) fetch(ctx context.Context, f ports.ReplicaFile) error {
	e.mu.Lock()
	if fl, ok := e.inflight[f.SHA256]; ok {
		e.mu.Unlock()
		select {
		case <-fl.done:
			return fl.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if _, ok := e.byDigest[f.SHA256]; ok {
		e.mu.Unlock()
		return nil
	}
	validated := e.now()
	fl := &edgeFetch{done: make(chan struct{})}
	e.inflight[f.SHA256] = fl
	e.stats.Misses++
	evicted, ok := e.reserve(f.SHA256, f.Size, validated)
	e.mu.Unlock()
	for _, d := range evicted {
		if err := e.cache.Delete(ctx, d); err != nil {
			e.log.Warn("edge: evict", "sha256", d, "err", err)
		}
	}
	if ok {
		fl.err = e.download(ctx, f)
	} else {
		fl.err = errNoRoom
	}
	e.mu.Lock()
	delete(e.inflight, f.SHA256)
	e.mu.Unlock()
	if fl.err != nil && ok {
		e.forget(f.SHA256)
		_ = e.cache.Delete(context.WithoutCancel(ctx), f.SHA256)
	}
	close(fl.done)
	return fl.err
}

// reserve accounts size bytes for digest as most recently used and
// returns the digests evicted to make room; ok is false (nothing
// reserved) when only blobs being fetched are left to evict. Caller holds e.mu.
func (e *Edge) reserve(digest string, size int64, validated time.Time) (evicted []string, ok bool) {
	for el := e.order.Back(); el != nil && e.used+size > e.capacity; {
		prev := el.Prev()
		ent := el.Value.(*edgeEntry)
		if _, busy := e.inflight[ent.digest]; !busy {
			e.order.Remove(el)
			delete(e.byDigest, ent.digest)
			e.used -= ent.size
			e.stats.Evictions++
			evicted = append(evicted, ent.digest)
		}
		el = prev
	}
	if e.used+size > e.capacity {
		return evicted, false
	}
	e.byDigest[digest] = e.order.PushFront(&edgeEntry{digest: digest, size: size, validated: validated})
	e.used += size
	return evicted, true
}
