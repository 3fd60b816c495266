package lru

import "sync"

// Cache maps keys to values, evicting the least recently used entries once
// it holds more than MaxEntries entries or more than MaxBytes bytes (each
// entry's size is what the caller declares when adding it). The zero value
// is not usable; build one with New. All methods are safe for concurrent use.
type Cache[K comparable, V any] struct {
	mu         sync.Mutex
	maxEntries int
	maxBytes   int64
	bytes      int64
	items      map[K]*node[K, V]
	root       node[K, V] // sentinel: root.next is the most recent entry
	evicted    uint64
}

type node[K comparable, V any] struct {
	key        K
	val        V
	size       int64
	prev, next *node[K, V]
}

// New returns a cache of at most maxEntries entries and maxBytes bytes; a
// bound ≤ 0 means the cache keeps nothing.
func New[K comparable, V any](maxEntries int, maxBytes int64) *Cache[K, V] {
	c := &Cache[K, V]{maxEntries: maxEntries, maxBytes: maxBytes, items: make(map[K]*node[K, V])}
	c.root.next, c.root.prev = &c.root, &c.root
	return c
}

// Get returns the value of k and marks it most recently used.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	c.unlink(n)
	c.pushFront(n)
	return n.val, true
}

// Peek returns the value of k without changing its recency.
func (c *Cache[K, V]) Peek(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.items[k]; ok {
		return n.val, true
	}
	var zero V
	return zero, false
}

// Add stores v under k with the given size in bytes, replacing an older
// value, and evicts least recently used entries beyond the bounds. An entry
// larger than a quarter of MaxBytes is not stored (one entry never flushes
// the cache) and Add reports false.
func (c *Cache[K, V]) Add(k K, v V, size int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.items[k]; ok {
		c.drop(old)
	}
	if c.maxEntries <= 0 || size < 0 || size > c.maxBytes/4 {
		return false
	}
	n := &node[K, V]{key: k, val: v, size: size}
	c.items[k] = n
	c.pushFront(n)
	c.bytes += size
	for len(c.items) > c.maxEntries || c.bytes > c.maxBytes {
		c.drop(c.root.prev)
		c.evicted++
	}
	return true
}

// Remove deletes k.
func (c *Cache[K, V]) Remove(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.items[k]; ok {
		c.drop(n)
	}
}

// RemoveIf deletes every entry for which fn returns true (O(entries)).
func (c *Cache[K, V]) RemoveIf(fn func(K, V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for n := c.root.next; n != &c.root; {
		next := n.next
		if fn(n.key, n.val) {
			c.drop(n)
		}
		n = next
	}
}

// Clear deletes every entry.
func (c *Cache[K, V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.items)
	c.root.next, c.root.prev = &c.root, &c.root
	c.bytes = 0
}

// Stats reports the entries and bytes held and how many entries were
// evicted to stay within the bounds.
func (c *Cache[K, V]) Stats() (entries int, bytes int64, evicted uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items), c.bytes, c.evicted
}

func (c *Cache[K, V]) pushFront(n *node[K, V]) {
	n.prev, n.next = &c.root, c.root.next
	c.root.next.prev = n
	c.root.next = n
}

func (c *Cache[K, V]) unlink(n *node[K, V]) {
	n.prev.next, n.next.prev = n.next, n.prev
	n.prev, n.next = nil, nil
}

func (c *Cache[K, V]) drop(n *node[K, V]) {
	c.unlink(n)
	delete(c.items, n.key)
	c.bytes -= n.size
}
