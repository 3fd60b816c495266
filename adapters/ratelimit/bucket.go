package ratelimit

import (
	"math"
	"sync"
	"time"
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
// Requests/Window. Full buckets are dropped when the map grows, so idle
// clients cost nothing.
type buckets struct {
	rule Rule
	mu   sync.Mutex
	m    map[string]*bucket
}

const sweepAt = 100000

func newBuckets(r Rule) *buckets { return &buckets{rule: r, m: map[string]*bucket{}} }

func (b *buckets) rate() float64 { return float64(b.rule.Requests) / b.rule.Window.Seconds() }

// take spends one token of key's bucket; when none is left it returns how
// long until one is.
func (b *buckets) take(key string, now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	capacity := float64(b.rule.Requests)
	k, ok := b.m[key]
	if !ok {
		if len(b.m) >= sweepAt {
			b.sweep(now)
		}
		k = &bucket{tokens: capacity, last: now}
		b.m[key] = k
	}
	if elapsed := now.Sub(k.last).Seconds(); elapsed > 0 {
		k.tokens = math.Min(capacity, k.tokens+elapsed*b.rate())
		k.last = now
	}
	if k.tokens >= 1 {
		k.tokens--
		return true, 0
	}
	wait := time.Duration((1 - k.tokens) / b.rate() * float64(time.Second))
	return false, wait
}

func (b *buckets) sweep(now time.Time) {
	capacity := float64(b.rule.Requests)
	for key, k := range b.m {
		if k.tokens+now.Sub(k.last).Seconds()*b.rate() >= capacity {
			delete(b.m, key)
		}
	}
}
