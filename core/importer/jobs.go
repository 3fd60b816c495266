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

// Persistence of running imports: items are written in batches of
// flushItems or every flushEvery, and the job at least every flushEvery
// (its heartbeat). A running job not written for staleAfter, and not
// running in this process, was left by a server that stopped.
const (
	flushItems  = 100
	flushEvery  = 2 * time.Second
	staleAfter  = time.Minute
	listImports = 20
	// StateInterrupted is a job whose server stopped while it ran.
	StateInterrupted = "interrupted"
)

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
	By       string `json:"by,omitempty"`
	Imported int    `json:"imported"`
	Skipped  int    `json:"skipped"`
	Failed   int    `json:"failed"`
	Bytes    int64  `json:"bytes"`
	Items    []Item `json:"items,omitempty"`
}

// job is an import running in this process.
type job struct {
	view    JobView
	items   []Item
	saved   int           // items written to the store
	changed chan struct{} // closed and replaced on every change
	cancel  context.CancelFunc
}

// Jobs runs imports in the background, one at a time, and keeps every
// job and its items in the store: the report outlives the process, and
// any replica shows it. Progress events come from memory on the replica
// running the import, from the store on the others. A rerun after a crash
// resumes (RunSource skips what is stored).
type Jobs struct {
	run   Runner
	store ports.ImportStore
	clock ports.Clock
	log   *slog.Logger
	mu    sync.Mutex
	live  map[string]*job
	// saveMu orders the writes of a job (heartbeat and items).
	saveMu sync.Mutex
}

// NewJobs runs imports with run and keeps them in store.
func NewJobs(run Runner, store ports.ImportStore, clock ports.Clock, log *slog.Logger) *Jobs {
	return &Jobs{run: run, store: store, clock: clock, log: log, live: map[string]*job{}}
}

// Start begins an import; a *ports.ConflictError while another runs here
// or on another replica.
func (j *Jobs) Start(ctx context.Context, s Spec) (JobView, error) {
	if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return JobView{}, ports.Invalidf("url", "the URL of the Artifactory instance must be http(s)://host/… without credentials")
	}
	recent, err := j.List(ctx)
	if err != nil {
		return JobView{}, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, old := range recent {
		if old.State == StateRunning {
			return JobView{}, &ports.ConflictError{Message: fmt.Sprintf("import %s is still running", old.ID)}
		}
	}
	for _, old := range j.live {
		if old.view.State == StateRunning {
			return JobView{}, &ports.ConflictError{Message: fmt.Sprintf("import %s is still running", old.view.ID)}
		}
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	runCtx, cancel := context.WithCancel(context.Background())
	jb := &job{view: JobView{ID: hex.EncodeToString(b[:]), URL: s.URL, By: s.By.Username, State: StateRunning, StartedAt: j.clock.Now().UTC()},
		changed: make(chan struct{}), cancel: cancel}
	if err := j.store.SaveImport(ctx, j.record(jb.view), 0, nil); err != nil {
		cancel()
		return JobView{}, fmt.Errorf("importer: save import: %w", err)
	}
	j.live[jb.view.ID] = jb
	go j.runJob(runCtx, jb, s)
	return jb.view, nil
}

func (j *Jobs) record(v JobView) ports.ImportJob {
	r := ports.ImportJob{ID: v.ID, URL: v.URL, By: v.By, State: v.State, Error: v.Error, StartedAt: v.StartedAt,
		UpdatedAt: j.clock.Now().UTC(), Imported: v.Imported, Skipped: v.Skipped, Failed: v.Failed, Bytes: v.Bytes}
	if v.FinishedAt != nil {
		r.FinishedAt = *v.FinishedAt
	}
	return r
}

func (j *Jobs) runJob(ctx context.Context, jb *job, s Spec) {
	defer jb.cancel()
	beat := make(chan struct{})
	go j.heartbeat(jb, beat)
	last := j.clock.Now()
	rep, err := j.run(ctx, s, func(it Item) {
		j.mu.Lock()
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
		due := len(jb.items)-jb.saved >= flushItems || j.clock.Now().Sub(last) >= flushEvery
		j.mu.Unlock()
		if due {
			j.save(jb)
			last = j.clock.Now()
		}
	})
	close(beat)
	j.mu.Lock()
	end := j.clock.Now().UTC()
	jb.view.FinishedAt = &end
	jb.view.Bytes = rep.Bytes
	jb.view.State = StateDone
	if err != nil {
		j.log.Error("import failed", "id", jb.view.ID, "err", err)
		jb.view.State, jb.view.Error = StateFailed, err.Error()
	}
	j.mu.Unlock()
	// The final write is what every replica reports: retried a few times.
	for try := 0; try < 3 && !j.save(jb); try++ {
		time.Sleep(time.Second << try)
	}
	j.mu.Lock()
	j.notify(jb)
	delete(j.live, jb.view.ID)
	j.mu.Unlock()
}

// heartbeat writes the job while it runs, so other replicas see it alive.
func (j *Jobs) heartbeat(jb *job, stop <-chan struct{}) {
	t := time.NewTicker(flushEvery * 5)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			j.save(jb)
		}
	}
}

// save writes the job and its items not written yet; false on an error
// (logged; the next save writes them).
func (j *Jobs) save(jb *job) bool {
	j.saveMu.Lock()
	defer j.saveMu.Unlock()
	j.mu.Lock()
	view, from := jb.view, jb.saved
	items := make([]ports.ImportItem, 0, len(jb.items)-from)
	for _, it := range jb.items[from:] {
		items = append(items, ports.ImportItem{Repository: it.Repository, Path: it.Path, Outcome: it.Outcome, Reason: it.Reason})
	}
	j.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := j.store.SaveImport(ctx, j.record(view), from, items); err != nil {
		j.log.Error("save import", "id", view.ID, "err", err)
		return false
	}
	j.mu.Lock()
	jb.saved = from + len(items)
	j.mu.Unlock()
	return true
}

func (j *Jobs) notify(jb *job) {
	close(jb.changed)
	jb.changed = make(chan struct{})
}

// viewOf is a stored job as the API shows it: a running job no replica
// wrote for staleAfter was interrupted by its server's stop.
func (j *Jobs) viewOf(r ports.ImportJob) JobView {
	v := JobView{ID: r.ID, URL: r.URL, By: r.By, State: r.State, Error: r.Error, StartedAt: r.StartedAt,
		Imported: r.Imported, Skipped: r.Skipped, Failed: r.Failed, Bytes: r.Bytes}
	if !r.FinishedAt.IsZero() {
		end := r.FinishedAt
		v.FinishedAt = &end
	}
	if v.State == StateRunning && j.clock.Now().Sub(r.UpdatedAt) > staleAfter {
		v.State, v.Error = StateInterrupted, "the server running it stopped: run the import again to resume"
	}
	return v
}

// Find returns one import with all its items.
func (j *Jobs) Find(ctx context.Context, id string) (JobView, error) {
	j.mu.Lock()
	if jb, ok := j.live[id]; ok {
		v := jb.view
		v.Items = append([]Item{}, jb.items...)
		j.mu.Unlock()
		return v, nil
	}
	j.mu.Unlock()
	r, err := j.store.Import(ctx, id)
	if err != nil {
		return JobView{}, fmt.Errorf("import %q: %w", id, err)
	}
	v := j.viewOf(r)
	stored, err := j.store.ImportItems(ctx, id, 0, 0)
	if err != nil {
		return JobView{}, err
	}
	v.Items = items(stored)
	return v, nil
}

func items(stored []ports.ImportItem) []Item {
	out := make([]Item, 0, len(stored))
	for _, it := range stored {
		out = append(out, Item{Repository: it.Repository, Path: it.Path, Outcome: it.Outcome, Reason: it.Reason})
	}
	return out
}

// List returns the recent imports of every replica, newest first, without
// their items.
func (j *Jobs) List(ctx context.Context) ([]JobView, error) {
	stored, err := j.store.ListImports(ctx, listImports)
	if err != nil {
		return nil, err
	}
	out := make([]JobView, 0, len(stored))
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range stored {
		if jb, ok := j.live[r.ID]; ok {
			out = append(out, jb.view)
			continue
		}
		out = append(out, j.viewOf(r))
	}
	return out, nil
}

// pollEvery is how often a replica not running an import rereads it for
// an event stream.
const pollEvery = time.Second

// Events returns the items from index from on, the job's state now, and a
// channel closed at its next change (for a server-sent event stream).
func (j *Jobs) Events(ctx context.Context, id string, from int) ([]Item, JobView, <-chan struct{}, error) {
	j.mu.Lock()
	if jb, ok := j.live[id]; ok {
		defer j.mu.Unlock()
		from = max(0, min(from, len(jb.items)))
		return append([]Item{}, jb.items[from:]...), jb.view, jb.changed, nil
	}
	j.mu.Unlock()
	r, err := j.store.Import(ctx, id)
	if err != nil {
		return nil, JobView{}, nil, fmt.Errorf("import %q: %w", id, err)
	}
	stored, err := j.store.ImportItems(ctx, id, max(0, from), 0)
	if err != nil {
		return nil, JobView{}, nil, err
	}
	v := j.viewOf(r)
	if v.State == StateRunning && len(stored) == 0 {
		// Running on another replica: look again shortly.
		ch := make(chan struct{})
		time.AfterFunc(pollEvery, func() { close(ch) })
		return nil, v, ch, nil
	}
	done := make(chan struct{})
	close(done)
	return items(stored), v, done, nil
}

// Cancel stops an import running in this process (a rerun resumes it).
func (j *Jobs) Cancel(ctx context.Context, id string) error {
	j.mu.Lock()
	jb, ok := j.live[id]
	j.mu.Unlock()
	if ok {
		jb.cancel()
		return nil
	}
	r, err := j.store.Import(ctx, id)
	if err != nil {
		return fmt.Errorf("import %q: %w", id, err)
	}
	if j.viewOf(r).State == StateRunning {
		return &ports.ConflictError{Message: fmt.Sprintf("import %s runs on another server: stop it there", id)}
	}
	return nil
}

// Prune deletes the imports (and their items) finished longer than
// retention ago, and those still marked running that nobody wrote for as
// long; it returns how many went. The caller runs it on one replica at a
// time (the jobs scheduler's lease).
func (j *Jobs) Prune(ctx context.Context, retention time.Duration) (int, error) {
	if retention <= 0 {
		return 0, fmt.Errorf("importer: prune: retention %s: %w", retention, ports.ErrInvalid)
	}
	n, err := j.store.PruneImports(ctx, j.clock.Now().Add(-retention))
	if err != nil {
		return 0, fmt.Errorf("importer: prune: %w", err)
	}
	if n > 0 {
		j.log.Info("pruned imports", "count", n, "retention", retention)
	}
	return n, nil
}

// Close stops every running import (server shutdown).
func (j *Jobs) Close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, jb := range j.live {
		jb.cancel()
	}
}
