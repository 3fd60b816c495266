package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

// TestBucketsBoundedUnderDistinctKeys: a flood from ever new addresses keeps
// at most maxBuckets buckets, and a key seen all along keeps its state
// (least recently used eviction, not a flush that would refill it).
func TestBucketsBoundedUnderDistinctKeys(t *testing.T) {
	b := newBuckets(Rule{Requests: 2, Window: time.Hour})
	now := time.Unix(0, 0)
	b.take("victim", now)
	b.take("victim", now) // spent: the next take must wait
	for i := range maxBuckets + 5000 {
		b.take("ip:"+strconv.Itoa(i), now)
		if i%1000 == 0 {
			if ok, _ := b.take("victim", now); ok {
				t.Fatalf("victim's spent bucket was refilled after %d other keys", i)
			}
		}
	}
	if n, _, _ := b.m.Stats(); n > maxBuckets {
		t.Fatalf("%d buckets, bound %d", n, maxBuckets)
	}
}
