package scan

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// An image's layout names its blobs by digest (Layout.Blobs), as the
// plugin that staged the manifest chose them. The host lays out only blobs
// that are the content of files of the manifest's own repository: a
// manifest must not bring another repository's content (one its uploader
// may not read) into a scan and its findings.
//
// A remote repository caches a manifest before its blobs: a client fetches
// them one at a time after it, or never. The scan of such an image is put
// back in the queue with a growing delay until every blob is cached as a
// file of the repository, or fails once Config.BlobWait has passed since
// it was queued.

// wait is a scan put back in the queue until until, with why.
type wait struct {
	until time.Time
	why   string
}

func (w *wait) Error() string { return "scan: deferred: " + w.why }

// Delays between two looks at an image whose blobs are not all cached: half
// its age in the queue, within these bounds.
const (
	minBlobDelay = 2 * time.Second
	maxBlobDelay = 5 * time.Minute
)

// ownBlobs checks that every blob l names is held by j's repository; it
// returns a *wait for a remote repository still within the bound, else an
// ErrWorkspace naming the first missing blob.
func (s *Service) ownBlobs(ctx context.Context, j ports.ScanJob, l Layout) error {
	hexes := make([]string, 0, len(l.Blobs))
	for _, b := range l.Blobs {
		h, ok := blobHex(b)
		if !ok {
			return fmt.Errorf("%w: blob %q is not a sha256 digest", ErrLayout, b)
		}
		if !slices.Contains(hexes, h) {
			hexes = append(hexes, h)
		}
	}
	held, err := s.d.Records.HeldDigests(ctx, j.RepositoryID, hexes)
	if err != nil {
		return fmt.Errorf("scan: image blobs: %w", err)
	}
	missing := slices.DeleteFunc(hexes, func(h string) bool { return held[h] })
	if len(missing) == 0 {
		return nil
	}
	first := "sha256:" + missing[0]
	if !s.isRemote(ctx, j) {
		return fmt.Errorf("%w: blob %s is not stored in this repository", ErrWorkspace, first)
	}
	now := s.d.Clock.Now()
	age := now.Sub(j.QueuedAt)
	if j.QueuedAt.IsZero() || age >= s.cfg.BlobWait {
		return fmt.Errorf("%w: blob %s was not cached by this repository within %s", ErrWorkspace, first, s.cfg.BlobWait)
	}
	delay := min(max(age/2, minBlobDelay), maxBlobDelay)
	return &wait{until: now.Add(delay),
		why: fmt.Sprintf("waiting for %d blob(s) of the image to be cached, %s first", len(missing), first)}
}

// isRemote reports whether the job's repository is a remote (pull-through)
// one.
func (s *Service) isRemote(ctx context.Context, j ports.ScanJob) bool {
	f, err := s.d.Records.ScannedFile(ctx, j.RepositoryID, j.Path)
	if err != nil {
		return false
	}
	r, err := s.d.Repos.GetRepository(ctx, f.Repository)
	return err == nil && r.Type == ports.RepoRemote
}
