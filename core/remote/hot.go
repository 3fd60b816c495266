package remote

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeper-registry/keeper/core/lru"
)

// The hot cache answers a warm hit from memory, as the dispatcher answers a
// local repository's cached document: no classify, no file lookup, no
// entry parse. A mutable document's answer (a packument, an index) is kept
// only until the stored copy's freshness ends (fetched at + the
// repository's TTL, the moment Get would revalidate it), and only while
// no copy of a mutable path of the repository was fetched, revalidated or
// invalidated by this process since it was read (the repository's epoch):
// a refresh, a 304 or an invalidation is never hidden by it. Another
// replica's commit moves the repository's generation (hotKey); and its
// refresh happens only after the same freshness ends anyway, so even a
// replica that has not yet heard of it serves nothing past the TTL.
//
// An immutable file's answer (a tarball: its stored row, never refetched)
// is kept for as long as the path's class is remembered (classTTL, at
// most the repository's TTL) from when it was read, and ends sooner with
// the repository's generation: any delete of a row (an invalidation, an
// API delete, a cleanup, on any replica) is a write that moves it, and an
// invalidation bumps the epoch too. The answer is the row, not a verdict:
// the dispatcher passes it through the download gate (quarantine, scan
// policies) on every request, as it does a local file.

// hotKey is everything a warm answer depends on. The repository's
// generation (bumped by every commit of a cached copy, on any replica: the
// repository cache in front of the database reads the new one when another
// replica announces a write) and its last update (configuration) are part
// of it, beside the epoch that this process bumps at once.
type hotKey struct {
	repoID, generation                                  int64
	updated                                             time.Time
	plugin, path, query, accept, local, upstream, hosts string
	ttl                                                 time.Duration
}

type hotEntry struct {
	res     Result
	expires time.Time
	epoch   uint64
}

// hotDocs holds the answers and the repositories' epochs.
type hotDocs struct {
	lru    *lru.Cache[hotKey, hotEntry]
	mu     sync.Mutex
	epochs map[int64]*atomic.Uint64
}

func newHotDocs() *hotDocs {
	return &hotDocs{lru: lru.New[hotKey, hotEntry](65536, 64<<20), epochs: map[int64]*atomic.Uint64{}}
}

func (h *hotDocs) counter(repoID int64) *atomic.Uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.epochs[repoID]
	if c == nil {
		c = &atomic.Uint64{}
		h.epochs[repoID] = c
	}
	return c
}

// epoch is the repository's epoch, read before its copy is looked up.
func (h *hotDocs) epoch(repoID int64) uint64 { return h.counter(repoID).Load() }

// bump ends every hot answer of the repository.
func (h *hotDocs) bump(repoID int64) { h.counter(repoID).Add(1) }

func (h *hotDocs) get(k hotKey, now time.Time) (Result, bool) {
	e, ok := h.lru.Get(k)
	if !ok || !now.Before(e.expires) || e.epoch != h.epoch(k.repoID) {
		return Result{}, false
	}
	return e.res, true
}

// put keeps res (read at epoch) until expires. Its header slice is clipped:
// callers append to it, and no two may append into one array.
func (h *hotDocs) put(k hotKey, res Result, expires time.Time, epoch uint64) {
	res.Headers = slices.Clip(res.Headers)
	n := len(res.Body) + len(k.plugin) + len(k.path) + len(k.query) + len(k.accept) + len(k.local) + len(k.upstream) + len(k.hosts) + len(res.File.Metadata) + 256
	for _, hd := range res.Headers {
		n += len(hd.Name) + len(hd.Value) + 32
	}
	h.lru.Add(k, hotEntry{res: res, expires: expires, epoch: epoch}, int64(n))
}
