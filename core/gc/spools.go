package gc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// SpoolGrace is how long a blob stored for a request is left alone before
// Spools checks whether anything refers to it. A request commits what it
// stored within seconds (the plugin call deadline plus its commit), so a
// blob still unreferenced after this belongs to an upload that failed.
const SpoolGrace = 10 * time.Minute

// maxSpools bounds the blobs remembered; beyond it new ones are left to
// the full collection (Collector.Run).
const maxSpools = 100_000

// LatestPutter is a blob store that can tell the latest time a blob may
// have been stored (an fs mtime; for stores that refresh a blob's time only
// now and then, that time plus the refresh period). Spools deletes nothing
// in a store without it.
type LatestPutter interface {
	LatestPut(ctx context.Context, digest string) (time.Time, error)
}

// Spools removes the blobs of failed uploads (a request body spooled, then
// refused by the plugin, timed out or lost a race) without waiting for the
// full collection: it remembers every blob this process stores through
// Wrap and, SpoolGrace later, deletes each one no file, live upload or
// plugin refers to. Uploads of the same content elsewhere are safe: a file
// committed meanwhile keeps the blob, and so does a Put of it on any
// replica within the grace (the store's LatestPut), since that request may
// not have committed yet. Deleting in the request itself could not know
// about those. A process that dies forgets its list; the full collection
// (GC, with its longer grace) remains the safety net.
type Spools struct {
	d      Deps
	grace  time.Duration
	mu     sync.Mutex
	recent map[string]time.Time
}

// NewSpools returns Spools over d (Blobs unwrapped); grace <= 0 means SpoolGrace.
func NewSpools(d Deps, grace time.Duration) *Spools {
	if grace <= 0 {
		grace = SpoolGrace
	}
	if d.Clock == nil {
		d.Clock = ports.SystemClock{}
	}
	return &Spools{d: d, grace: grace, recent: map[string]time.Time{}}
}

// Wrap returns b remembering each blob Put through it.
func (s *Spools) Wrap(b ports.BlobStore) ports.BlobStore { return &trackedBlobs{BlobStore: b, s: s} }

type trackedBlobs struct {
	ports.BlobStore
	s *Spools
}

var _ ports.BlobStore = (*trackedBlobs)(nil)

func (t *trackedBlobs) Put(ctx context.Context, r io.Reader, maxSize int64) (ports.Blob, error) {
	b, err := t.BlobStore.Put(ctx, r, maxSize)
	if err == nil {
		t.s.remember(b.Digest)
	}
	return b, err
}

func (s *Spools) remember(digest string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.recent[digest]; ok || len(s.recent) < maxSpools {
		s.recent[digest] = s.d.Clock.Now()
	}
}

// Pending is the number of blobs remembered and not yet checked.
func (s *Spools) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recent)
}

// Sweep checks the blobs stored more than the grace ago and deletes those
// nothing refers to; it returns how many it deleted.
func (s *Spools) Sweep(ctx context.Context) (int, error) {
	cutoff := s.d.Clock.Now().Add(-s.grace)
	s.mu.Lock()
	var due []string
	for d, at := range s.recent {
		if at.Before(cutoff) {
			due = append(due, d)
		}
	}
	s.mu.Unlock()
	if len(due) == 0 {
		return 0, nil
	}
	held, err := s.heldElsewhere(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		deleted, err := s.settle(ctx, d, cutoff, held)
		if err != nil {
			return n, err
		}
		if deleted {
			n++
		}
	}
	return n, nil
}

// settle decides one remembered blob: kept (and forgotten) when referenced
// or stored again recently, else deleted. The lock is held from the last
// look at when it was stored here to the delete, so a Put of it in this
// process either comes first (and keeps it) or after (and stores it anew).
func (s *Spools) settle(ctx context.Context, digest string, cutoff time.Time, held map[string]bool) (bool, error) {
	s.mu.Lock()
	at, ok := s.recent[digest]
	if ok && held[digest] {
		delete(s.recent, digest)
	}
	s.mu.Unlock()
	if !ok || !at.Before(cutoff) || held[digest] {
		return false, nil
	}
	inUse, err := s.d.Files.BlobInUse(ctx, digest)
	if err != nil {
		return false, fmt.Errorf("gc: spool %s: %w", digest, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if now, ok := s.recent[digest]; !ok || !now.Equal(at) {
		return false, nil // stored again here meanwhile: checked next time
	}
	lp, ok := s.d.Blobs.(LatestPutter)
	if inUse || !ok {
		delete(s.recent, digest)
		return false, nil
	}
	latest, err := lp.LatestPut(ctx, digest)
	switch {
	case errors.Is(err, ports.ErrNotFound):
		delete(s.recent, digest)
		return false, nil
	case err != nil:
		return false, fmt.Errorf("gc: spool %s: %w", digest, err)
	case !latest.Before(cutoff):
		// Stored again, maybe by another replica whose request has not
		// committed yet; that replica remembers it too.
		delete(s.recent, digest)
		return false, nil
	}
	if err := s.d.Blobs.Delete(ctx, digest); err != nil {
		return false, fmt.Errorf("gc: delete spool %s: %w", digest, err)
	}
	delete(s.recent, digest)
	if s.d.Log != nil {
		s.d.Log.InfoContext(ctx, "gc: removed the blob of a failed upload", "digest", digest)
	}
	return true, nil
}

// heldElsewhere lists the digests live uploads and plugin modules hold.
func (s *Spools) heldElsewhere(ctx context.Context) (map[string]bool, error) {
	held := map[string]bool{}
	if s.d.Uploads != nil {
		ds, err := s.d.Uploads.ChunkDigests(ctx)
		if err != nil {
			return nil, fmt.Errorf("gc: upload chunks: %w", err)
		}
		for _, d := range ds {
			held[d] = true
		}
	}
	if s.d.Plugins != nil {
		ps, err := s.d.Plugins.ListPlugins(ctx)
		if err != nil {
			return nil, fmt.Errorf("gc: plugins: %w", err)
		}
		for _, p := range ps {
			held[p.Digest] = true
		}
	}
	return held, nil
}

// Run sweeps every interval until ctx ends.
func (s *Spools) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.Sweep(ctx); err != nil && s.d.Log != nil && ctx.Err() == nil {
				s.d.Log.WarnContext(ctx, "gc: sweep failed uploads", "err", err)
			}
		}
	}
}
