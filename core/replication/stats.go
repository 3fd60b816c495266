package replication

import (
	"sort"
	"sync"
	"time"
)

// PeerStats are this process's transfer counters for one peer.
type PeerStats struct {
	PeerID int64 `json:"peer_id"`
	// BytesNeeded is the size of the files the peer did not hold at their
	// path; BytesSent what was actually sent (less when the peer already
	// had the bytes, or a transfer resumed).
	BytesNeeded  int64 `json:"bytes_needed"`
	BytesSent    int64 `json:"bytes_sent"`
	FilesSent    int64 `json:"files_sent"`
	FilesSkipped int64 `json:"files_skipped"`
	Deletes      int64 `json:"deletes"`
	Failures     int64 `json:"failures"`
	ChunksSent   int64 `json:"chunks_sent"`
	Resumed      int64 `json:"resumed"`
	// Pulled counts what this instance fetched from the peer (pull and
	// mirror policies): records applied and blob bytes received.
	RecordsPulled int64 `json:"records_pulled"`
	BytesPulled   int64 `json:"bytes_pulled"`
	// Backfilled counts the tasks backfills queued for the peer (the
	// state it did not receive as changes: see BackfillOnce).
	Backfilled int64 `json:"backfilled"`
}

type statsBook struct {
	mu    sync.Mutex
	peers map[int64]*PeerStats
	rate  map[int64]*limiter
}

func (b *statsBook) add(peer int64, fn func(*PeerStats)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.peers[peer]
	if st == nil {
		st = &PeerStats{PeerID: peer}
		b.peers[peer] = st
	}
	fn(st)
}

// Stats returns this process's counters, by peer ID.
func (s *Service) Stats() []PeerStats {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	out := make([]PeerStats, 0, len(s.stats.peers))
	for _, st := range s.stats.peers {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PeerID < out[j].PeerID })
	return out
}

// limiter spaces sends to one peer so they average at most rate bytes per second.
type limiter struct {
	mu   sync.Mutex
	rate int64
	next time.Time
}

// wait blocks until n more bytes may be sent; false when done closed first.
func (l *limiter) wait(n int64, done <-chan struct{}) bool {
	if l == nil || l.rate <= 0 {
		return true
	}
	l.mu.Lock()
	now := time.Now()
	if l.next.Before(now) {
		l.next = now
	}
	at := l.next
	l.next = l.next.Add(time.Duration(float64(n) / float64(l.rate) * float64(time.Second)))
	l.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}

func (b *statsBook) limiter(peer int64, rate int64) *limiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rate == nil {
		b.rate = map[int64]*limiter{}
	}
	l := b.rate[peer]
	if l == nil {
		l = &limiter{}
		b.rate[peer] = l
	}
	l.mu.Lock()
	l.rate = rate
	l.mu.Unlock()
	return l
}
