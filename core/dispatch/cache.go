package dispatch

import (
	"container/list"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// cacheKey identifies a cacheable plugin response. The repository generation
// is part of the key, so any committed write makes older entries unreachable;
// they age out of the LRU. With several replicas each keeps its own cache and
// the generation, read from the shared database per request, keeps them right.
type cacheKey struct {
	repo       string
	generation int64
	method     string
	path       string
	query      string
	accept     string
}

// cachedResponse is an inline plugin response with its strong ETag.
type cachedResponse struct {
	status  int
	headers []ports.Header
	body    []byte
	etag    string
	expires time.Time
}

type cacheEntry struct {
	key  cacheKey
	resp *cachedResponse
	size int64
}

// responseCache is an LRU bounded by entry count and total body bytes.
type responseCache struct {
	mu         sync.Mutex
	maxEntries int
	maxBytes   int64
	bytes      int64
	ll         *list.List
	items      map[cacheKey]*list.Element
}

func newResponseCache(maxEntries int, maxBytes int64) *responseCache {
	return &responseCache{maxEntries: maxEntries, maxBytes: maxBytes, ll: list.New(), items: make(map[cacheKey]*list.Element)}
}

func entrySize(k cacheKey, r *cachedResponse) int64 {
	n := int64(len(r.body) + len(k.path) + len(k.query) + len(k.accept) + len(k.repo) + 128)
	for _, h := range r.headers {
		n += int64(len(h.Name) + len(h.Value))
	}
	return n
}

func (c *responseCache) get(k cacheKey, now time.Time) (*cachedResponse, bool) {
	if c == nil || c.maxEntries <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.resp.expires) {
		c.remove(el)
		return nil, false
	}
	c.ll.MoveToFront(el)
	return e.resp, true
}

func (c *responseCache) put(k cacheKey, r *cachedResponse) {
	if c == nil || c.maxEntries <= 0 {
		return
	}
	size := entrySize(k, r)
	if size > c.maxBytes/4 { // one entry never takes more than a quarter of the cache
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.remove(el)
	}
	c.items[k] = c.ll.PushFront(&cacheEntry{key: k, resp: r, size: size})
	c.bytes += size
	for c.ll.Len() > c.maxEntries || c.bytes > c.maxBytes {
		c.remove(c.ll.Back())
	}
}

func (c *responseCache) remove(el *list.Element) {
	e := el.Value.(*cacheEntry)
	c.ll.Remove(el)
	delete(c.items, e.key)
	c.bytes -= e.size
}
