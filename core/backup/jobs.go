package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// keepJobs is how many finished jobs Jobs remembers.
const keepJobs = 20

// Runner makes one backup with the given id, reporting progress.
type Runner func(ctx context.Context, id string, p *Progress) (Manifest, error)

// Jobs runs backups in the background, one at a time, and remembers the
// recent ones for polling. Jobs live in the process that runs them: with
// several replicas, poll the one that answered the start (completed
// backups are listed from the target by any replica).
type Jobs struct {
	run   Runner
	clock ports.Clock
	log   *slog.Logger
	mu    sync.Mutex
	jobs  []*job
}

type job struct {
	view JobView
	p    *Progress
}

// JobView is a job as the API shows it.
type JobView struct {
	ID         string       `json:"id"`
	State      string       `json:"state"` // running, done, failed
	StartedAt  time.Time    `json:"started_at"`
	FinishedAt *time.Time   `json:"finished_at,omitempty"`
	Error      string       `json:"error,omitempty"`
	Progress   ProgressView `json:"progress"`
	Copied     *CopyStats   `json:"copied,omitempty"`
}

// NewJobs runs backups with run.
func NewJobs(run Runner, clock ports.Clock, log *slog.Logger) *Jobs {
	return &Jobs{run: run, clock: clock, log: log}
}

// Start begins a backup in the background; ErrConflict while one runs.
func (j *Jobs) Start() (JobView, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, old := range j.jobs {
		if old.view.State == "running" {
			return JobView{}, &ports.ConflictError{Message: fmt.Sprintf("backup %s is still running", old.view.ID)}
		}
	}
	now := j.clock.Now().UTC()
	jb := &job{view: JobView{ID: NewID(now), State: "running", StartedAt: now}, p: &Progress{}}
	j.jobs = append(j.jobs, jb)
	if len(j.jobs) > keepJobs {
		j.jobs = j.jobs[len(j.jobs)-keepJobs:]
	}
	go j.runJob(jb)
	return j.viewOf(jb), nil
}

func (j *Jobs) runJob(jb *job) {
	m, err := j.run(context.Background(), jb.view.ID, jb.p)
	j.mu.Lock()
	defer j.mu.Unlock()
	end := j.clock.Now().UTC()
	jb.view.FinishedAt = &end
	if err != nil {
		j.log.Error("backup failed", "id", jb.view.ID, "err", err)
		jb.view.State = "failed"
		jb.view.Error = "the backup failed: " + publicReason(err)
		return
	}
	j.log.Info("backup done", "id", m.ID, "blobs_copied", m.Copied.Blobs, "blobs_skipped", m.Copied.Skipped)
	jb.view.State = "done"
	jb.view.Copied = &m.Copied
}

// publicReason says why in the caller's terms; the log has the whole error.
func publicReason(err error) string {
	var inv *ports.InvalidError
	switch {
	case errors.As(err, &inv):
		return inv.Error()
	case errors.Is(err, ports.ErrDigestMismatch):
		return "a stored blob does not match its digest (see the server log)"
	case errors.Is(err, ports.ErrNotFound):
		return "something to copy disappeared during the backup (see the server log)"
	}
	return "see the server log"
}

func (j *Jobs) viewOf(jb *job) JobView {
	v := jb.view
	v.Progress = jb.p.View()
	return v
}

// Get returns a job this process ran, or ErrNotFound.
func (j *Jobs) Get(id string) (JobView, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, jb := range j.jobs {
		if jb.view.ID == id {
			return j.viewOf(jb), nil
		}
	}
	return JobView{}, fmt.Errorf("backup: job %q: %w", id, ports.ErrNotFound)
}

// List returns the jobs this process remembers, newest first.
func (j *Jobs) List() []JobView {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]JobView, 0, len(j.jobs))
	for i := len(j.jobs) - 1; i >= 0; i-- {
		out = append(out, j.viewOf(j.jobs[i]))
	}
	return out
}

// Service is the backup API: jobs of this process and the backups in the target.
type Service struct {
	*Jobs
	Target ports.BackupTarget
}

// Backups lists the complete backups in the target, newest first.
func (s *Service) Backups(ctx context.Context) ([]Manifest, error) {
	all, err := List(ctx, s.Target)
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	return all, nil
}

// Find returns a job of this process, or a complete backup in the target as
// a finished job.
func (s *Service) Find(ctx context.Context, id string) (JobView, error) {
	if v, err := s.Get(id); err == nil {
		return v, nil
	}
	m, err := ReadManifest(ctx, s.Target, id)
	if err != nil {
		return JobView{}, err
	}
	end := m.FinishedAt
	copied := m.Copied
	return JobView{ID: m.ID, State: "done", StartedAt: m.StartedAt, FinishedAt: &end, Copied: &copied,
		Progress: ProgressView{Phase: "done", Tables: len(m.Tables), TablesDone: len(m.Tables),
			BlobsTotal: m.Blobs.Count, BlobsDone: m.Blobs.Count, BytesTotal: m.Blobs.Bytes, BytesDone: m.Blobs.Bytes}}, nil
}
