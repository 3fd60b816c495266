package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Job is one periodic task.
type Job struct {
	// Name identifies the job cluster-wide ("gc", "uploads.expire").
	Name string
	// Every is the interval between the starts of two runs, cluster-wide.
	Every time.Duration
	// Timeout bounds one run (default Every, at most an hour).
	Timeout time.Duration
	Run     func(ctx context.Context) error
}

// Stats are this replica's counters for one job.
type Stats struct {
	Name     string        `json:"name"`
	Every    time.Duration `json:"every_ns"`
	Runs     int64         `json:"runs"`
	Failures int64         `json:"failures"`
	Skipped  int64         `json:"skipped"` // ticks where another replica held or had just run it
	LastRun  time.Time     `json:"last_run"`
	LastTook time.Duration `json:"last_took_ns"`
	LastErr  string        `json:"last_error,omitempty"`
}

// Options tune the scheduler; zero values take the defaults.
type Options struct {
	// Holder names this replica in leases (default host name + random suffix).
	Holder string
	// LeaseTTL is how long a claimed lease lives without renewal (default
	// 30 s); it is renewed every third of it while the run lasts, so a dead
	// holder's job moves to another replica within LeaseTTL.
	LeaseTTL time.Duration
	Clock    ports.Clock
	Log      *slog.Logger
}

// Scheduler ticks every job on this replica and runs it when this replica
// wins the job's lease.
type Scheduler struct {
	leases ports.JobLeases
	opts   Options
	jobs   []Job

	mu    sync.Mutex
	stats map[string]*Stats

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a scheduler over leases; Add the jobs, then Start.
func New(leases ports.JobLeases, o Options) *Scheduler {
	if o.Holder == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.Holder = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 30 * time.Second
	}
	if o.Clock == nil {
		o.Clock = ports.SystemClock{}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Scheduler{leases: leases, opts: o, stats: map[string]*Stats{}}
}

// Add registers a job; jobs with Every <= 0 are disabled and ignored.
func (s *Scheduler) Add(j Job) {
	if j.Every <= 0 || j.Run == nil {
		return
	}
	if j.Timeout <= 0 {
		j.Timeout = min(j.Every, time.Hour)
	}
	s.jobs = append(s.jobs, j)
	s.mu.Lock()
	s.stats[j.Name] = &Stats{Name: j.Name, Every: j.Every}
	s.mu.Unlock()
}

// Start begins ticking every job in the background.
func (s *Scheduler) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for _, j := range s.jobs {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.loop(ctx, j)
		}()
	}
}

// Stop cancels running jobs and waits for them.
func (s *Scheduler) Stop() {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

// Stats returns this replica's counters, by job name.
func (s *Scheduler) Stats() []Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Stats, 0, len(s.stats))
	for _, st := range s.stats {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Name < out[k].Name })
	return out
}

// tickFor is how often a replica asks whether a job is due: often enough
// that a run starts soon after it is due, never more than every 30 s.
func tickFor(every time.Duration) time.Duration {
	return max(min(every/4, 30*time.Second), 50*time.Millisecond)
}

func (s *Scheduler) loop(ctx context.Context, j Job) {
	t := time.NewTicker(tickFor(j.Every))
	defer t.Stop()
	for {
		s.tick(ctx, j)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tick claims the job if it is due and runs it while renewing the lease.
func (s *Scheduler) tick(ctx context.Context, j Job) {
	ok, err := s.leases.Claim(ctx, j.Name, s.opts.Holder, j.Every, s.opts.LeaseTTL)
	if err != nil {
		if ctx.Err() == nil {
			s.opts.Log.Warn("jobs: claim", "job", j.Name, "err", err)
		}
		return
	}
	if !ok {
		s.update(j.Name, func(st *Stats) { st.Skipped++ })
		return
	}
	runCtx, cancel := context.WithTimeout(ctx, j.Timeout)
	renewed := make(chan struct{})
	go func() { // keep the lease while the run lasts; a lost lease stops the run
		defer close(renewed)
		t := time.NewTicker(s.opts.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
				if err := s.leases.Renew(runCtx, j.Name, s.opts.Holder, s.opts.LeaseTTL); err != nil && runCtx.Err() == nil {
					s.opts.Log.Warn("jobs: lease lost, stopping the run", "job", j.Name, "err", err)
					cancel()
					return
				}
			}
		}
	}()
	start := s.opts.Clock.Now()
	runErr := safeRun(runCtx, j)
	cancel()
	<-renewed
	took := s.opts.Clock.Now().Sub(start)
	if err := s.leases.Finish(context.WithoutCancel(ctx), j.Name, s.opts.Holder, runErr); err != nil {
		s.opts.Log.Warn("jobs: finish", "job", j.Name, "err", err)
	}
	s.update(j.Name, func(st *Stats) {
		st.Runs++
		st.LastRun, st.LastTook, st.LastErr = start, took, ""
		if runErr != nil {
			st.Failures++
			st.LastErr = runErr.Error()
		}
	})
	if runErr != nil {
		s.opts.Log.Warn("jobs: run failed", "job", j.Name, "holder", s.opts.Holder, "took", took, "err", runErr)
		return
	}
	s.opts.Log.Info("jobs: run finished", "job", j.Name, "holder", s.opts.Holder, "took", took)
}

// safeRun turns a panicking job into a failed run.
func safeRun(ctx context.Context, j Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("jobs: %s panicked: %v", j.Name, r)
		}
	}()
	err = j.Run(ctx)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return fmt.Errorf("jobs: %s stopped: %w", j.Name, err)
	}
	return err
}

func (s *Scheduler) update(name string, fn func(*Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stats[name]; ok {
		fn(st)
	}
}
