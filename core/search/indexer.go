package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Deps are what the search service reads and writes.
type Deps struct {
	Outbox     ports.SearchOutbox
	Index      ports.SearchIndex
	Repos      ports.RepositoryStore
	Files      ports.FileStore
	Authorizer ports.Authorizer
	Clock      ports.Clock
	Log        *slog.Logger
}

// batchSize is how many queued changes one indexing round takes.
const batchSize = 200

// Drain indexes queued changes until the queue is empty and returns how
// many it handled. A change leaves the queue only after the index has it,
// so a failure (or a crash) leaves it queued for the next round.
func (s *Service) Drain(ctx context.Context) (int, error) {
	done := 0
	for {
		changes, err := s.d.Outbox.PendingChanges(ctx, batchSize)
		if err != nil {
			return done, fmt.Errorf("search: read queue: %w", err)
		}
		if len(changes) == 0 {
			return done, nil
		}
		if err := s.apply(ctx, changes); err != nil {
			return done, err
		}
		ids := make([]int64, len(changes))
		for i, c := range changes {
			ids[i] = c.ID
		}
		if err := s.d.Outbox.ChangesDone(ctx, ids); err != nil {
			return done, fmt.Errorf("search: dequeue: %w", err)
		}
		done += len(changes)
	}
}

// apply brings the index in line with the current state of every package
// the changes name.
func (s *Service) apply(ctx context.Context, changes []ports.SearchChange) error {
	repos := map[string]*ports.Repository{}
	seen := map[string]bool{}
	var upserts []ports.SearchDocument
	var deletes []string
	for _, c := range changes {
		var repo *ports.Repository
		if c.Repository != "" {
			r, ok := repos[c.Repository]
			if !ok {
				got, err := s.d.Repos.GetRepository(ctx, c.Repository)
				switch {
				case errors.Is(err, ports.ErrNotFound):
				case err != nil:
					return fmt.Errorf("search: load repository: %w", err)
				default:
					r = &got
				}
				repos[c.Repository] = r
			}
			repo = r
		}
		if repo == nil || repo.ID != c.RepositoryID {
			if err := s.d.Index.DeleteRepository(ctx, c.RepositoryID); err != nil {
				return fmt.Errorf("search: remove repository: %w", err)
			}
			continue
		}
		id := ports.SearchDocumentID(c.RepositoryID, c.Package)
		if c.Package == "" || seen[id] {
			continue
		}
		seen[id] = true
		doc, ok, err := s.document(ctx, *repo, c.Package)
		if err != nil {
			return err
		}
		if ok {
			upserts = append(upserts, doc)
		} else {
			deletes = append(deletes, id)
		}
	}
	if err := s.d.Index.Upsert(ctx, upserts); err != nil {
		return fmt.Errorf("search: index: %w", err)
	}
	if err := s.d.Index.Delete(ctx, deletes); err != nil {
		return fmt.Errorf("search: remove: %w", err)
	}
	return nil
}

// document reads a package's versions and files; ok is false when the
// package no longer exists.
func (s *Service) document(ctx context.Context, repo ports.Repository, pkg string) (ports.SearchDocument, bool, error) {
	var versions []ports.Version
	for after := ""; len(versions) < maxDocVersions*4; {
		page, err := s.d.Files.ListVersions(ctx, repo.ID, pkg, after, 1000)
		if err != nil {
			return ports.SearchDocument{}, false, fmt.Errorf("search: list versions: %w", err)
		}
		versions = append(versions, page...)
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Version
	}
	var files []ports.File
	for after := ""; len(files) < maxDocFiles; {
		page, err := s.d.Files.ListFiles(ctx, repo.ID, ports.FileListing{Package: pkg, After: after, Limit: 1000})
		if err != nil {
			return ports.SearchDocument{}, false, fmt.Errorf("search: list files: %w", err)
		}
		files = append(files, page...)
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Path
	}
	if len(versions) == 0 && len(files) == 0 {
		return ports.SearchDocument{}, false, nil
	}
	return buildDocument(repo, pkg, versions, files), true, nil
}

// Follow drains the queue every poll until ctx ends (the body of the
// leader-elected indexing job: one replica at a time follows the queue).
// A failure (the index unreachable) is logged and retried with a doubling
// wait up to a minute; the queue keeps every change meanwhile. It returns
// nil when ctx ends.
func (s *Service) Follow(ctx context.Context, poll time.Duration) error {
	wait := poll
	for {
		n, err := s.Drain(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.d.Log.Warn("search: indexing failed; the changes stay queued", "retry_in", wait, "err", err)
			wait = min(wait*2, time.Minute)
		case err == nil:
			wait = poll
			if n > 0 {
				s.d.Log.Debug("search: indexed", "changes", n)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}
