package replication

import (
	"container/list"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// maxEdgeRecords bounds how many (repository, path) records an edge keeps.
const maxEdgeRecords = 100_000

type edgeRecord struct {
	key string
	f   ports.ReplicaFile
	at  time.Time
}

// recordBook keeps the hub's records by (repository, path), least recently
// used dropped first beyond its bound. Callers hold Edge.mu.
type recordBook struct {
	max   int
	order *list.List
	byKey map[string]*list.Element
}

func newRecordBook(n int) recordBook {
	return recordBook{max: n, order: list.New(), byKey: map[string]*list.Element{}}
}

func (b *recordBook) get(key string) (edgeRecord, bool) {
	el, ok := b.byKey[key]
	if !ok {
		return edgeRecord{}, false
	}
	b.order.MoveToFront(el)
	return *el.Value.(*edgeRecord), true
}

func (b *recordBook) put(r edgeRecord) {
	if el, ok := b.byKey[r.key]; ok {
		*el.Value.(*edgeRecord) = r
		b.order.MoveToFront(el)
		return
	}
	b.byKey[r.key] = b.order.PushFront(&r)
	for b.order.Len() > b.max {
		el := b.order.Back()
		b.order.Remove(el)
		delete(b.byKey, el.Value.(*edgeRecord).key)
	}
}

func (b *recordBook) drop(key string) {
	if el, ok := b.byKey[key]; ok {
		b.order.Remove(el)
		delete(b.byKey, key)
	}
}

// record is the hub's record of repository/path: the one it answered
// within the TTL if any (and its blob is cached), else asked again
// without credentials. A path the hub no longer serves is forgotten.
func (e *Edge) record(ctx context.Context, repository, path string) (ports.ReplicaFile, error) {
	key := repository + "\x00" + path
	now := e.now()
	e.mu.Lock()
	r, known := e.records.get(key)
	_, cached := e.byDigest[r.f.SHA256]
	if known && cached && e.ttl > 0 && now.Sub(r.at) < e.ttl {
		e.stats.FreshRecords++
		e.mu.Unlock()
		return r.f, nil
	}
	e.mu.Unlock()
	anon := ports.PeerConn{EndpointURL: e.hub.EndpointURL}
	f, err := e.src.ArtifactRecord(ctx, anon, repository, path)
	if err != nil {
		e.mu.Lock()
		e.records.drop(key)
		e.mu.Unlock()
		return f, fmt.Errorf("edge: %s/%s: %w", repository, path, err)
	}
	if err := ports.CheckDigest(f.SHA256); err != nil || f.Size < 0 {
		return f, fmt.Errorf("edge: the hub's record of %s/%s is malformed", repository, path)
	}
	e.mu.Lock()
	if known {
		e.stats.Revalidations++
	}
	e.records.put(edgeRecord{key: key, f: f, at: now})
	if el, ok := e.byDigest[f.SHA256]; ok {
		el.Value.(*edgeEntry).validated = now
	}
	e.mu.Unlock()
	return f, nil
}

// OpenCached serves another edge node a blob of the cache, only while the
// hub named it to an anonymous caller within the TTL (so a blob is never
// served by digest longer than its path would be); ErrNotFound otherwise.
// It never fetches.
func (e *Edge) OpenCached(ctx context.Context, digest string) (io.ReadCloser, int64, error) {
	if ports.CheckDigest(digest) != nil {
		return nil, 0, ports.ErrNotFound
	}
	e.mu.Lock()
	el, ok := e.byDigest[digest]
	var ent edgeEntry
	if ok {
		ent = *el.Value.(*edgeEntry)
	}
	_, busy := e.inflight[digest]
	e.mu.Unlock()
	if !ok || busy || e.ttl <= 0 || e.now().Sub(ent.validated) >= e.ttl {
		return nil, 0, ports.ErrNotFound
	}
	r, _, err := e.cache.Open(ctx, digest)
	if err != nil {
		return nil, 0, ports.ErrNotFound
	}
	e.count(func(st *EdgeStats) { st.ServedToEdges++ })
	return r, ent.size, nil
}
