package ratelimit

import (
	"math"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/core/lru"
)

// Rule allows Requests per Window, in bursts of up to Requests. A zero
// Requests disables the rule.
type Rule struct {
	Requests int           `yaml:"requests"`
	Window   time.Duration `yaml:"window"`
}

func (r Rule) enabled() bool { return r.Requests > 0 && r.Window > 0 }

type bucket struct {
	tokens float64
	last   time.Time
}

// buckets is a token bucket per key: capacity Requests, refilled at
// Requests/Window. Keys come from clients (addresses, user ids), so the
// buckets live in an LRU bounded in entries and bytes: the least recently
// used key is forgotten first, which costs it nothing but a full bucket on
// its next request (an idle bucket refills to full anyway).
type buckets struct {
	rule Rule
	mu   sync.Mutex // serialises token updates
	m    *lru.Cache[string, *bucket]
}

// Bounds of one limiter's buckets.
const (
	maxBuckets     = 100000
	maxBucketBytes = 32 << 20
)

func newBuckets(r Rule) *buckets {
	return &buckets{rule: r, m: lru.New[string, *bucket](maxBuckets, maxBucketBytes)}
}

func (b *buckets) rate() float64 { return float64(b.rule.Requests) / b.rule.Window.Seconds() }

// take spends one token of key's bucket; when none is left it returns how
// long until one is.
func (b *buckets) take(key string, now time.Time) (bool, time.Duration) {
	return b.check(key, now, true)
}

// peek is take without spending.
func (b *buckets) peek(key string, now time.Time) (bool, time.Duration) {
	return b.check(key, now, false)
}

func (b *buckets) check(key string, now time.Time, spend bool) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	capacity := float64(b.rule.Requests)
	k, ok := b.m.Get(key)
	if !ok {
		k = &bucket{tokens: capacity, last: now}
		b.m.Add(key, k, int64(len(key))+96)
	}
	if elapsed := now.Sub(k.last).Seconds(); elapsed > 0 {
		k.tokens = math.Min(capacity, k.tokens+elapsed*b.rate())
		k.last = now
	}
	if k.tokens >= 1 {
		if spend {
			k.tokens--
		}
		return true, 0
	}
	wait := time.Duration((1 - k.tokens) / b.rate() * float64(time.Second))
	return false, wait
}
