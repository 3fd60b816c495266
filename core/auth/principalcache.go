package auth

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// RevocationTopic is the ports.Notifier topic on which a replica announces
// that credentials were revoked or a user's rights changed; every replica
// (this one included) then forgets the credentials it had cached.
const RevocationTopic = "auth.credentials"

// principalCache remembers for a short time which principal a presented
// bearer credential (the exact token string, already verified) stands for,
// so a hot token costs a map lookup instead of database reads on every
// request. Every revocation clears it here and, through the Notifier, on
// the other replicas; the TTL only bounds staleness if a notice is lost.
type principalCache struct {
	mu      sync.RWMutex
	gen     uint64
	ttl     time.Duration
	entries map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p     Principal
	until time.Time
}

// principalCacheMax bounds the cache; beyond it expired entries are swept
// and, if that is not enough, everything is dropped.
const principalCacheMax = 20000

func newPrincipalCache(ttl time.Duration) *principalCache {
	return &principalCache{ttl: ttl, entries: map[string]cachedPrincipal{}}
}

func (c *principalCache) get(token string, now time.Time) (Principal, bool) {
	if c == nil || c.ttl <= 0 {
		return Principal{}, false
	}
	c.mu.RLock()
	e, ok := c.entries[token]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return Principal{}, false
	}
	return e.p, true
}

// generation is read before the database lookups whose result put stores:
// a clear in between (a revocation racing the lookup) makes put a no-op, so
// a credential revoked mid-request is never cached as valid.
func (c *principalCache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *principalCache) put(token string, p Principal, until, now time.Time, gen uint64) {
	if c == nil || c.ttl <= 0 {
		return
	}
	until = minTime(until, now.Add(c.ttl))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if len(c.entries) >= principalCacheMax {
		for k, e := range c.entries {
			if !now.Before(e.until) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= principalCacheMax {
			clear(c.entries)
		}
	}
	c.entries[token] = cachedPrincipal{p: p, until: until}
}

func (c *principalCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// minTime is the earlier of a and b, where a zero time means "never".
func minTime(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero():
		return a
	case a.Before(b):
		return a
	}
	return b
}

// CredentialsChanged forgets every cached credential on every replica. Core
// calls it on each revocation; handlers call it after changing what a user
// may do (admin flag, disabling, group membership). what is a short note
// for the other replicas' logs.
func (s *Service) CredentialsChanged(ctx context.Context, what string) {
	s.cache.clear()
	if s.notifier == nil {
		return
	}
	if err := s.notifier.Publish(ctx, RevocationTopic, what); err != nil {
		slog.WarnContext(ctx, "auth: announce revocation to other replicas", "err", err, "what", what)
	}
}
