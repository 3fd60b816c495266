package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"runtime"
	"sync"
	"time"
)

// hashPool runs password hashing on a fixed set of worker goroutines, so a
// burst of logins queues (and gives up when the caller does) instead of
// running argon2 on every request goroutine at once and starving the rest
// of the server of CPU and memory.
type hashPool struct{ jobs chan func() }

var sharedPool = sync.OnceValue(func() *hashPool {
	p := &hashPool{jobs: make(chan func())}
	for range max(1, runtime.GOMAXPROCS(0)) {
		go func() {
			for f := range p.jobs {
				f()
			}
		}()
	}
	return p
})

// do runs f on a worker and waits for it, or returns ctx's error if the
// caller gives up first (f is then skipped if it had not started).
func (p *hashPool) do(ctx context.Context, f func()) error {
	done := make(chan struct{})
	job := func() {
		defer close(done)
		if ctx.Err() == nil {
			f()
		}
	}
	select {
	case p.jobs <- job:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return ctx.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// verifyCache remembers successful password checks for a short time so
// clients sending Basic user:password on every request (Maven, pip) pay for
// argon2 once per TTL, not per request. Entries are keyed by an HMAC of the
// user, the password and the stored hash: a password change invalidates them.
type verifyCache struct {
	mu      sync.Mutex
	key     []byte
	ttl     time.Duration
	entries map[[32]byte]time.Time
}

const verifyCacheMax = 10000

func newVerifyCache(key []byte, ttl time.Duration) *verifyCache {
	return &verifyCache{key: key, ttl: ttl, entries: map[[32]byte]time.Time{}}
}

func (c *verifyCache) id(user, password, hash string) [32]byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(user + "\x00" + password + "\x00" + hash))
	var k [32]byte
	copy(k[:], m.Sum(nil))
	return k
}

func (c *verifyCache) ok(user, password, hash string, now time.Time) bool {
	if c == nil || c.ttl <= 0 {
		return false
	}
	k := c.id(user, password, hash)
	c.mu.Lock()
	defer c.mu.Unlock()
	exp, found := c.entries[k]
	return found && now.Before(exp)
}

func (c *verifyCache) add(user, password, hash string, now time.Time) {
	if c == nil || c.ttl <= 0 {
		return
	}
	k := c.id(user, password, hash)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= verifyCacheMax {
		for k, exp := range c.entries {
			if !now.Before(exp) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= verifyCacheMax {
			clear(c.entries)
		}
	}
	c.entries[k] = now.Add(c.ttl)
}
