package dispatch

import (
	"time"

	"github.com/keeper-registry/keeper/core/lru"
	"github.com/keeper-registry/keeper/ports"
)

// cacheKey identifies a cacheable plugin response: everything a plugin's
// cacheable answer may depend on (method, path, query, Accept and the
// external URL its links are built from). The repository (ID and
// generation) is part of the key, so any committed write makes older entries
// unreachable; they age out of the LRU. With several replicas each keeps its
// own cache; the repository cache in front of the database drops its row
// when another replica announces a write (core/repository.Cache.Listen), so
// the next request reads the new generation and misses here.
type cacheKey struct {
	repoID     int64
	repo       string
	generation int64
	method     string
	path       string
	query      string
	accept     string
	baseURL    string
}

// cachedResponse is a plugin response: inline bytes with their strong ETag,
// or a stored file or blob the host streams (stored != nil), so a document
// the plugin answers by reference (a manifest by tag) is served without a
// plugin call too.
type cachedResponse struct {
	status  int
	headers []ports.Header
	body    []byte
	etag    string
	stored  *storedRef
	expires time.Time
}

// storedRef is the stored content a cached response streams: a file
// (path set) or a bare blob.
type storedRef struct {
	digest      string
	contentType string
	file        ports.File
}

// responseCache is an LRU bounded by entry count and total bytes (body,
// headers and the client-chosen path, query and Accept of the key), so
// requests for ever new paths cannot grow it.
type responseCache struct {
	lru *lru.Cache[cacheKey, *cachedResponse]
}

func newResponseCache(maxEntries int, maxBytes int64) *responseCache {
	return &responseCache{lru: lru.New[cacheKey, *cachedResponse](maxEntries, maxBytes)}
}

func entrySize(k cacheKey, r *cachedResponse) int64 {
	n := int64(len(r.body) + len(r.etag) + len(k.path) + len(k.query) + len(k.accept) + len(k.baseURL) + len(k.repo) + len(k.method) + 160)
	if r.stored != nil {
		n += int64(len(r.stored.digest)+len(r.stored.contentType)+len(r.stored.file.Path)+len(r.stored.file.Metadata)) + 256
	}
	for _, h := range r.headers {
		n += int64(len(h.Name) + len(h.Value) + 32)
	}
	return n
}

func (c *responseCache) get(k cacheKey, now time.Time) (*cachedResponse, bool) {
	if c == nil {
		return nil, false
	}
	r, ok := c.lru.Get(k)
	if !ok {
		return nil, false
	}
	if !now.Before(r.expires) {
		c.lru.Remove(k)
		return nil, false
	}
	return r, true
}

func (c *responseCache) put(k cacheKey, r *cachedResponse) {
	if c == nil {
		return
	}
	c.lru.Add(k, r, entrySize(k, r))
}

// stats returns the number of entries and bytes held.
func (c *responseCache) stats() (int, int64) {
	n, b, _ := c.lru.Stats()
	return n, b
}
