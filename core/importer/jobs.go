package importer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// keepJobs is how many finished imports Jobs remembers.
const keepJobs = 10

// Spec is what an administrator asks to import from a live instance.
type Spec struct {
	URL   string `json:"url"`
	Token string `json:"token,omitempty"`
	// User and Password (or an API key) when no Token is given.
	User         string            `json:"user,omitempty"`
	Password     string            `json:"password,omitempty"`
	Map          map[string]string `json:"map,omitempty"`
	Repositories []string          `json:"repositories,omitempty"`
	// Security imports users (without passwords), groups and permission targets too.
	Security bool `json:"security,omitempty"`
	// By is who started the import (the actor of its audit events).
	By ports.Subject `json:"-"`
}

// Runner runs one import, calling progress after each item.
type Runner func(ctx context.Context, s Spec, progress func(Item)) (Report, error)

// Job states.
const (
	StateRunning = "running"
	StateDone    = "done"
	StateFailed  = "failed"
)

// JobView is an import as the API shows it (never its credentials).
type JobView struct {
	ID         string     `json:"id"`
	URL        string     `json:"url"`
	State      string     `json:"state"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Error      string     `json:"error,omitempty"`
	// Report so far (items are in the events and, when finished, here).
	Imported int    `json:"imported"`
	Skipped  int    `json:"skipped"`
	Failed   int    `json:"failed"`
	Bytes    int64  `json:"bytes"`
	Items    []Item `json:"items,omitempty"`
}

type job struct {
	view    JobView
	items   []Item
	changed chan struct{} // closed and replaced on every change
	cancel  context.CancelFunc
}

// Jobs runs imports in the background, one at a time, and keeps their
// items for the event stream. Jobs live in the process that runs them:
// a rerun after a crash resumes (RunSource skips what is stored).
type Jobs struct {
	run   Runner
	clock ports.Clock
	log   *slog.Logger
	mu    sync.Mutex
	jobs  []*job
}

// NewJobs runs imports with run.
func NewJobs(run Runner, clock ports.Clock, log *slog.Logger) *Jobs {
	return &Jobs{run: run, clock: clock, log: log}
}

// Start begins an import; ErrConflict while another runs.
func (j *Jobs) Start(s Spec) (JobView, error) {
	if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return JobView{}, ports.Invalidf("url", "the URL of the Artifactory instance must be http(s)://host/… without credentials")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, old := range j.jobs {
		if old.view.State == StateRunning {
			return JobView{}, &ports.ConflictError{Message: fmt.Sprintf("import %s is still running", old.view.ID)}
		}
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	ctx, cancel := context.WithCancel(context.Background())
	jb := &job{view: JobView{ID: hex.EncodeToString(b[:]), URL: s.URL, State: StateRunning, StartedAt: j.clock.Now().UTC()},
		changed: make(chan struct{}), cancel: cancel}
	j.jobs = append(j.jobs, jb)
	if len(j.jobs) > keepJobs {
		j.jobs = j.jobs[len(j.jobs)-keepJobs:]
	}
	go j.runJob(ctx, jb, s)
	return jb.view, nil
}

func (j *Jobs) runJob(ctx context.Context, jb *job, s Spec) {
	defer jb.cancel()
	rep, err := j.run(ctx, s, func(it Item) {
		j.mu.Lock()
		defer j.mu.Unlock()
		jb.items = append(jb.items, it)
		switch it.Outcome {
		case Imported:
			jb.view.Imported++
		case Skipped:
			jb.view.Skipped++
		default:
			jb.view.Failed++
		}
		j.notify(jb)
	})
	j.mu.Lock()
	defer j.mu.Unlock()
	end := j.clock.Now().UTC()
	jb.view.FinishedAt = &end
	jb.view.Bytes = rep.Bytes
	jb.view.State = StateDone
	if err != nil {
		j.log.Error("import failed", "id", jb.view.ID, "err", err)
		jb.view.State, jb.view.Error = StateFailed, err.Error()
	}
	j.notify(jb)
}

func (j *Jobs) notify(jb *job) {
	close(jb.changed)
	jb.changed = make(chan struct{})
}

func (j *Jobs) find(id string) (*job, error) {
	for _, jb := range j.jobs {
		if jb.view.ID == id {
			return jb, nil
		}
	}
	return nil, fmt.Errorf("import %q: %w", id, ports.ErrNotFound)
}

// Find returns one import with all its items.
func (j *Jobs) Find(id string) (JobView, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	jb, err := j.find(id)
	if err != nil {
		return JobView{}, err
	}
	v := jb.view
	v.Items = append([]Item{}, jb.items...)
	return v, nil
}

// List returns the recent imports, newest first, without their items.
func (j *Jobs) List() []JobView {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]JobView, 0, len(j.jobs))
	for i := len(j.jobs) - 1; i >= 0; i-- {
		out = append(out, j.jobs[i].view)
	}
	return out
}

// Events returns the items from index from on, the job's state now, and a
// channel closed at its next change (for a server-sent event stream).
func (j *Jobs) Events(id string, from int) ([]Item, JobView, <-chan struct{}, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	jb, err := j.find(id)
	if err != nil {
		return nil, JobView{}, nil, err
	}
	from = max(0, min(from, len(jb.items)))
	return append([]Item{}, jb.items[from:]...), jb.view, jb.changed, nil
}

// Cancel stops a running import (a rerun resumes it).
func (j *Jobs) Cancel(id string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	jb, err := j.find(id)
	if err != nil {
		return err
	}
	jb.cancel()
	return nil
}

// Close stops every running import (server shutdown).
func (j *Jobs) Close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, jb := range j.jobs {
		jb.cancel()
	}
}
