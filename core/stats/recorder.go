package stats

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Download is one served download.
type Download struct {
	Repository string
	Path       string
	// User is the caller's username, empty for anonymous callers.
	User  string
	Bytes int64
}

// Options bound a Recorder; zero fields take the defaults.
type Options struct {
	// Interval is the longest time a count waits in memory (default 1 s).
	Interval time.Duration
	// FlushAt flushes early once this many distinct counts wait (default
	// half of MaxKeys). It counts keys, not downloads: the downloads of one
	// artifact add up in one count, so a busy server writes once an
	// Interval, not once per FlushAt downloads (each write costs a database
	// transaction, and on SQLite every reader's page cache).
	FlushAt int
	// MaxKeys bounds the buffer: distinct (day, repository, path, user)
	// counts held at once (default 10,000). Downloads that would add a key
	// beyond it are dropped and counted (Dropped).
	MaxKeys int
	Clock   ports.Clock
	Log     *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = 10000
	}
	if o.FlushAt <= 0 {
		o.FlushAt = max(o.MaxKeys/2, 1)
	}
	if o.Clock == nil {
		o.Clock = ports.SystemClock{}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return o
}

type key struct{ day, repo, path, user string }

type sum struct{ n, bytes int64 }

// Recorder sums downloads in memory and writes them to the store in
// batches from one background goroutine: Record never waits on the store.
type Recorder struct {
	store ports.DownloadStats
	opts  Options

	mu      sync.Mutex
	buf     map[key]sum
	waiting int // downloads in buf

	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	dropped atomic.Int64
	written atomic.Int64
	day     atomic.Pointer[dayName]
}

// dayName is the name of the UTC day [start, end) (Unix seconds), kept so
// that Record formats a date once a day, not once a download.
type dayName struct {
	start, end int64
	name       string
}

func (r *Recorder) today() string {
	now := r.opts.Clock.Now()
	sec := now.Unix()
	if d := r.day.Load(); d != nil && sec >= d.start && sec < d.end {
		return d.name
	}
	u := now.UTC()
	start := time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC).Unix()
	d := &dayName{start: start, end: start + 24*60*60, name: ports.DayOf(u)}
	r.day.Store(d)
	return d.name
}

// New returns a recorder writing to store; Start runs its flusher.
func New(store ports.DownloadStats, opts Options) *Recorder {
	return &Recorder{store: store, opts: opts.withDefaults(), buf: map[key]sum{},
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// Record counts one download. It takes a mutex and updates a map; it never
// blocks on the store. When the buffer is full the download is dropped.
func (r *Recorder) Record(d Download) {
	k := key{day: r.today(), repo: d.Repository, path: d.Path, user: d.User}
	r.mu.Lock()
	s, ok := r.buf[k]
	if !ok && len(r.buf) >= r.opts.MaxKeys {
		r.mu.Unlock()
		r.dropped.Add(1)
		return
	}
	r.buf[k] = sum{n: s.n + 1, bytes: s.bytes + d.Bytes}
	r.waiting++
	full := !ok && len(r.buf) >= r.opts.FlushAt
	r.mu.Unlock()
	if full {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// Dropped counts the downloads lost to a full buffer or a failed write.
func (r *Recorder) Dropped() int64 { return r.dropped.Load() }

// Written counts the downloads written to the store.
func (r *Recorder) Written() int64 { return r.written.Load() }

// Pending is the number of downloads waiting in memory.
func (r *Recorder) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.waiting
}

// Start runs the flusher until Stop.
func (r *Recorder) Start() {
	go func() {
		defer close(r.done)
		t := time.NewTicker(r.opts.Interval)
		defer t.Stop()
		var failing bool
		for {
			select {
			case <-r.stop:
				return
			case <-t.C:
			case <-r.kick:
				if failing {
					continue // the store is failing: retry on the ticker only
				}
			}
			failing = r.Flush(context.Background()) != nil
		}
	}()
}

// Stop ends the flusher and writes what is left (bounded by ctx).
func (r *Recorder) Stop(ctx context.Context) error {
	r.once.Do(func() { close(r.stop) })
	select {
	case <-r.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return r.Flush(ctx)
}

// Flush writes the buffered counts now. A failed write keeps the counts
// for the next flush as far as the buffer has room; the rest is dropped.
func (r *Recorder) Flush(ctx context.Context) error {
	r.mu.Lock()
	if len(r.buf) == 0 {
		r.mu.Unlock()
		return nil
	}
	buf, n := r.buf, r.waiting
	r.buf, r.waiting = make(map[key]sum, len(buf)), 0
	r.mu.Unlock()

	counts := make([]ports.DownloadCount, 0, len(buf))
	for k, s := range buf {
		counts = append(counts, ports.DownloadCount{Day: k.day, Repository: k.repo, Path: k.path, User: k.user,
			Downloads: s.n, Bytes: s.bytes})
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := r.store.AddDownloads(ctx, counts); err != nil {
		r.opts.Log.WarnContext(ctx, "stats: write download counts", "err", err, "downloads", n)
		r.putBack(buf)
		return fmt.Errorf("stats: write download counts: %w", err)
	}
	r.written.Add(int64(n))
	return nil
}

// putBack merges counts that failed to be written into the buffer.
func (r *Recorder) putBack(buf map[key]sum) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, s := range buf {
		cur, ok := r.buf[k]
		if !ok && len(r.buf) >= r.opts.MaxKeys {
			r.dropped.Add(s.n)
			continue
		}
		r.buf[k] = sum{n: cur.n + s.n, bytes: cur.bytes + s.bytes}
		r.waiting += int(s.n)
	}
}
