package jobs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// memLeases is an in-memory ports.JobLeases with the store's semantics.
type memLeases struct {
	mu   sync.Mutex
	rows map[string]*ports.JobRecord
}

func (m *memLeases) Claim(_ context.Context, job, holder string, every, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	r := m.rows[job]
	if r == nil {
		r = &ports.JobRecord{Name: job}
		m.rows[job] = r
	}
	if r.LeaseUntil.After(now) || r.StartedAt.After(now.Add(-every)) {
		return false, nil
	}
	r.Holder, r.LeaseUntil, r.StartedAt = holder, now.Add(ttl), now
	return true, nil
}

func (m *memLeases) Renew(_ context.Context, job, holder string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rows[job]
	if r == nil || r.Holder != holder || r.LeaseUntil.IsZero() {
		return ports.ErrNotFound
	}
	r.LeaseUntil = time.Now().Add(ttl)
	return nil
}

func (m *memLeases) Finish(_ context.Context, job, holder string, runErr error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rows[job]
	if r == nil || r.Holder != holder {
		return ports.ErrNotFound
	}
	r.LeaseUntil, r.Runs = time.Time{}, r.Runs+1
	if runErr != nil {
		r.Failures++
	}
	return nil
}

func (m *memLeases) Jobs(context.Context) ([]ports.JobRecord, error) { return nil, nil }

func TestThreeReplicasRunAJobOncePerInterval(t *testing.T) {
	leases := &memLeases{rows: map[string]*ports.JobRecord{}}
	var runs atomic.Int64
	const every = 200 * time.Millisecond
	var scheds []*Scheduler
	for range 3 {
		s := New(leases, Options{})
		s.Add(Job{Name: "gc", Every: every, Run: func(context.Context) error { runs.Add(1); return nil }})
		scheds = append(scheds, s)
	}
	for _, s := range scheds {
		s.Start()
	}
	time.Sleep(5*every + every/2)
	for _, s := range scheds {
		s.Stop()
	}
	// Once at start, then once per interval: 6 runs (not 18); allow one
	// interval of ticking slack either way on a busy machine.
	if n := runs.Load(); n < 4 || n > 7 {
		t.Fatalf("%d runs in 5.5 intervals across 3 replicas, want about 6", n)
	}
	var total int64
	for _, s := range scheds {
		total += s.Stats()[0].Runs
	}
	if total != runs.Load() {
		t.Fatalf("stats count %d runs, the job ran %d times", total, runs.Load())
	}
}

func TestFailedAndPanickingRunsAreCounted(t *testing.T) {
	leases := &memLeases{rows: map[string]*ports.JobRecord{}}
	s := New(leases, Options{})
	s.Add(Job{Name: "boom", Every: time.Hour, Run: func(context.Context) error { panic("bad") }})
	s.Add(Job{Name: "fail", Every: time.Hour, Run: func(context.Context) error { return errors.New("nope") }})
	s.Add(Job{Name: "off", Every: 0, Run: func(context.Context) error { t.Error("a disabled job ran"); return nil }})
	s.Start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := s.Stats()
		if len(st) == 2 && st[0].Failures == 1 && st[1].Failures == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v, want one failure for boom and fail", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Stop()
	if leases.rows["boom"].Failures != 1 || leases.rows["boom"].LeaseUntil != (time.Time{}) {
		t.Fatalf("boom lease %+v: want the failure recorded and the lease released", leases.rows["boom"])
	}
}

// TestLostLeaseStopsTheRun: a holder that cannot renew stops working.
func TestLostLeaseStopsTheRun(t *testing.T) {
	leases := &memLeases{rows: map[string]*ports.JobRecord{}}
	s := New(leases, Options{LeaseTTL: 60 * time.Millisecond})
	stopped := make(chan struct{})
	s.Add(Job{Name: "long", Every: time.Hour, Run: func(ctx context.Context) error {
		leases.mu.Lock()
		leases.rows["long"].Holder = "someone-else" // the lease moved
		leases.mu.Unlock()
		<-ctx.Done()
		close(stopped)
		return ctx.Err()
	}})
	s.Start()
	defer s.Stop()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the run went on after its lease was lost")
	}
}
