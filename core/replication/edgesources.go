package replication

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/ports"
)

// Source choice: moving averages of each source's latency (time to the
// first byte) and bandwidth; a failed source rests, doubling from
// sourceRestBase up to sourceRestMax, before it is tried again.
const (
	ewmaWeight     = 0.3
	sourceRestBase = 2 * time.Second
	sourceRestMax  = time.Minute
)

// edgeSource is the hub or another edge node, with its measurements.
// Fields are guarded by Edge.mu.
type edgeSource struct {
	conn      ports.PeerConn
	hub       bool
	latency   time.Duration // moving average; 0 until measured
	bps       float64       // moving average of bytes per second; 0 until measured
	fetches   int64
	misses    int64
	failures  int64
	strikes   int
	restUntil time.Time
}

// EdgeSourceStats is a source of an edge node as GET /edge/status shows it.
type EdgeSourceStats struct {
	URL            string  `json:"url"`
	Hub            bool    `json:"hub"`
	LatencyMillis  float64 `json:"latency_ms"`
	BytesPerSecond float64 `json:"bytes_per_second"`
	Healthy        bool    `json:"healthy"`
	Fetches        int64   `json:"fetches"`
	Misses         int64   `json:"misses"`
	Failures       int64   `json:"failures"`
}

// sourceStats reports the sources. Caller holds e.mu.
func (e *Edge) sourceStats() []EdgeSourceStats {
	now := e.now()
	out := make([]EdgeSourceStats, len(e.sources))
	for i, s := range e.sources {
		out[i] = EdgeSourceStats{URL: s.conn.EndpointURL, Hub: s.hub, LatencyMillis: float64(s.latency) / float64(time.Millisecond),
			BytesPerSecond: s.bps, Healthy: !now.Before(s.restUntil), Fetches: s.fetches, Misses: s.misses, Failures: s.failures}
	}
	return out
}

func ewma(old, sample float64) float64 {
	if old == 0 {
		return sample
	}
	return (1-ewmaWeight)*old + ewmaWeight*sample
}

// estimate is the expected time to fetch size bytes from s: unmeasured
// sources estimate 0, so each is tried (and measured) once.
func (s *edgeSource) estimate(size int64) time.Duration {
	d := s.latency
	if s.bps > 0 {
		d += time.Duration(float64(size) / s.bps * float64(time.Second))
	}
	return d
}

// sourceOrder is the sources to try for a blob of size bytes: healthy ones by
// estimate, fastest first (another edge before the hub on a tie, to spare
// the hub), then resting ones, the hub last of all so a fetch never fails
// only because every source once failed.
func (e *Edge) sourceOrder(size int64) []*edgeSource {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	out := append([]*edgeSource(nil), e.sources...)
	rank := func(s *edgeSource) int {
		if now.Before(s.restUntil) {
			return 1
		}
		return 0
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		ea, eb := a.estimate(size), b.estimate(size)
		if ea != eb {
			return ea < eb
		}
		return !a.hub && b.hub
	})
	return out
}

// download brings f's blob into the cache from the best source, falling
// back to the next when one does not hold it, fails or sends other bytes.
func (e *Edge) download(ctx context.Context, f ports.ReplicaFile) error {
	var errs []error
	for _, s := range e.sourceOrder(f.Size) {
		err := e.downloadFrom(ctx, s, f)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("edge: fetch %s: %w", f.SHA256, errors.Join(errs...))
}

func (e *Edge) downloadFrom(ctx context.Context, s *edgeSource, f ports.ReplicaFile) error {
	start := e.now()
	var r io.ReadCloser
	var err error
	if s.hub {
		r, err = e.src.OpenBlob(ctx, s.conn, f.SHA256)
	} else {
		r, err = e.src.OpenCachedBlob(ctx, s.conn, f.SHA256)
	}
	first := e.now()
	if errors.Is(err, ports.ErrNotFound) && !s.hub {
		e.measure(s, first.Sub(start), 0, 0, false, true)
		return fmt.Errorf("%s does not hold it", s.conn.EndpointURL)
	}
	if err != nil {
		e.measure(s, 0, 0, 0, true, false)
		return fmt.Errorf("%s: %w", s.conn.EndpointURL, err)
	}
	defer r.Close()
	d, err := artifact.Ingest(ctx, e.cache, io.LimitReader(r, f.Size+1), f.Size, artifact.Expect{SHA256: f.SHA256}, false)
	if err == nil && d.Size != f.Size {
		err = fmt.Errorf("%d bytes, %d announced", d.Size, f.Size)
	}
	if err != nil {
		_ = e.cache.Delete(context.WithoutCancel(ctx), f.SHA256)
		e.measure(s, 0, 0, 0, true, false)
		return fmt.Errorf("%s: %w", s.conn.EndpointURL, err)
	}
	e.measure(s, first.Sub(start), f.Size, e.now().Sub(first), false, false)
	return nil
}

// measure folds one attempt into s's moving averages and health.
func (e *Edge) measure(s *edgeSource, latency time.Duration, bytes int64, transfer time.Duration, failed, miss bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if failed {
		s.failures++
		rest := min(sourceRestBase<<min(s.strikes, 10), sourceRestMax)
		s.strikes++
		s.restUntil = e.now().Add(rest)
		return
	}
	s.strikes, s.restUntil = 0, time.Time{}
	s.latency = time.Duration(ewma(float64(s.latency), float64(max(latency, time.Microsecond))))
	if miss {
		s.misses++
		return
	}
	s.fetches++
	if bytes > 0 {
		s.bps = ewma(s.bps, float64(bytes)/max(transfer.Seconds(), 1e-6))
	}
}
