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
	if missing, err = s.fetchBlobs(ctx, j, l, missing, age); err != nil {
		return err
	}
	if len(missing) == 0 {
		return nil
	}
	first = "sha256:" + missing[0]
	delay := min(max(age/2, minBlobDelay), maxBlobDelay)
	return &wait{until: now.Add(delay),
		why: fmt.Sprintf("waiting for %d blob(s) of the image to be cached, %s first", len(missing), first)}
}

// fetchBlobs has the remote repository fetch from its upstream the blobs
// of j's image that no client fetched within Config.BlobFetchAfter of its
// queueing (a client that pulled only the manifest, or one platform's
// layers), when the layout says where they are (Layout.BlobBase); it
// returns the blobs still missing. A failed fetch is logged and waited
// out like a missing blob.
func (s *Service) fetchBlobs(ctx context.Context, j ports.ScanJob, l Layout, missing []string, age time.Duration) ([]string, error) {
	fetch := s.prefetch.Load()
	if fetch == nil || l.BlobBase == "" || s.cfg.BlobFetchAfter <= 0 || age < s.cfg.BlobFetchAfter {
		return missing, nil
	}
	f, err := s.d.Records.ScannedFile(ctx, j.RepositoryID, j.Path)
	if err != nil {
		return missing, fmt.Errorf("scan: image blobs: %w", err)
	}
	for _, h := range missing {
		p, ok := blobPath(j.Path, l.BlobBase, "sha256:"+h)
		if !ok {
			return missing, fmt.Errorf("%w: blob_base %q", ErrLayout, l.BlobBase)
		}
		if err := (*fetch)(ctx, f.Repository, "/"+p); err != nil {
			s.d.Log.WarnContext(ctx, "scan: fetching a blob of a cached image failed", "repo", f.Repository, "path", p, "err", err)
		}
	}
	held, err := s.d.Records.HeldDigests(ctx, j.RepositoryID, missing)
	if err != nil {
		return missing, fmt.Errorf("scan: image blobs: %w", err)
	}
	return slices.DeleteFunc(missing, func(h string) bool { return held[h] }), nil
}

// Prefetch caches path (escaped, with a leading "/") of the remote
// repository repo from its upstream, as a client's GET would (curation
// applies), unless it is cached already.
type Prefetch func(ctx context.Context, repo, path string) error

// UsePrefetch lets the scans of images a remote repository cached fetch
// the blobs no client fetched (core/dispatch.Dispatcher.Prefetch).
func (s *Service) UsePrefetch(p Prefetch) { s.prefetch.Store(&p) }

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
