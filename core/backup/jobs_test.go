package backup

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

func TestJobsRunOneAtATimeAndReport(t *testing.T) {
	release := make(chan struct{})
	fail := false
	jobs := NewJobs(func(_ context.Context, id string, p *Progress) (Manifest, error) {
		p.update(func(v *ProgressView) { v.Phase = "blobs"; v.BlobsTotal = 3 })
		<-release
		if fail {
			return Manifest{}, errors.New("bunstore: dump tables: SELECT secret FROM x")
		}
		return Manifest{ID: id, Copied: CopyStats{Blobs: 3}}, nil
	}, &tickClock{t: time.Now()}, slog.New(slog.NewTextHandler(io.Discard, nil)))

	first, err := jobs.Start()
	if err != nil || first.State != "running" {
		t.Fatalf("start: %+v, %v", first, err)
	}
	if _, err := jobs.Start(); !errors.Is(err, ports.ErrConflict) {
		t.Fatalf("second start while running: %v, want ErrConflict", err)
	}
	close(release)
	v := waitJob(t, jobs, first.ID)
	if v.State != "done" || v.Copied == nil || v.Copied.Blobs != 3 || v.Progress.Phase != "blobs" {
		t.Fatalf("finished job: %+v", v)
	}
	release = make(chan struct{})
	fail = true
	second, err := jobs.Start()
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	v = waitJob(t, jobs, second.ID)
	if v.State != "failed" || strings.Contains(v.Error, "SELECT") || strings.Contains(v.Error, "bunstore") {
		t.Fatalf("failed job: %+v (the reason must not name internals)", v)
	}
	if l := jobs.List(); len(l) != 2 || l[0].ID != second.ID {
		t.Fatalf("list: %+v", l)
	}
	if _, err := jobs.Get("nope"); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("get unknown: %v", err)
	}
}

func waitJob(t *testing.T, jobs *Jobs, id string) JobView {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		v, err := jobs.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if v.State != "running" {
			return v
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("job did not finish")
	return JobView{}
}
