package gc

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// DefaultGrace keeps unreferenced blobs younger than this: a request body
// spooled a moment ago is not yet referenced by any file row.
const DefaultGrace = 24 * time.Hour

// maxReported bounds the digests a Report lists.
const maxReported = 100

// Deps are the ports the collector reads. Uploads and Plugins may be nil.
type Deps struct {
	Repos   ports.RepositoryStore
	Files   ports.FileStore
	Blobs   ports.BlobStore
	Uploads ports.UploadStore
	Plugins ports.PluginStore
	Clock   ports.Clock
	Log     *slog.Logger
}

// Collector runs mark-and-sweep over the blob store.
type Collector struct {
	d     Deps
	grace time.Duration
}

// New returns a collector; grace <= 0 means DefaultGrace.
func New(d Deps, grace time.Duration) *Collector {
	if grace <= 0 {
		grace = DefaultGrace
	}
	if d.Clock == nil {
		d.Clock = ports.SystemClock{}
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Collector{d: d, grace: grace}
}

// Report is what one run found and did.
type Report struct {
	DryRun bool `json:"dry_run"`
	// Referenced is the number of distinct blobs something refers to.
	Referenced int `json:"referenced"`
	// Scanned is the number of stored blobs walked.
	Scanned int `json:"scanned"`
	// Young are unreferenced blobs kept because of the grace period.
	Young int `json:"young"`
	// Swept (or, in a dry run, would be swept) blobs and their bytes.
	Swept      int      `json:"swept"`
	SweptBytes int64    `json:"swept_bytes"`
	Digests    []string `json:"digests,omitempty"` // at most 100 of them
	GraceSecs  int64    `json:"grace_seconds"`
}

// Run marks, walks and (unless dryRun) deletes unreferenced blobs older than
// the grace period. A second mark just before deleting catches references
// committed while the walk ran (a re-upload of content that was garbage).
func (c *Collector) Run(ctx context.Context, dryRun bool) (Report, error) {
	rep := Report{DryRun: dryRun, GraceSecs: int64(c.grace / time.Second)}
	cutoff := c.d.Clock.Now().Add(-c.grace)
	live, err := c.mark(ctx)
	if err != nil {
		return rep, err
	}
	rep.Referenced = len(live)
	var cands []ports.Blob
	err = c.d.Blobs.Walk(ctx, func(b ports.Blob, mod time.Time) error {
		rep.Scanned++
		if live[b.Digest] {
			return nil
		}
		if mod.After(cutoff) {
			rep.Young++
			return nil
		}
		cands = append(cands, b)
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("gc: walk blobs: %w", err)
	}
	if len(cands) > 0 && !dryRun {
		if live, err = c.mark(ctx); err != nil {
			return rep, err
		}
	}
	for _, b := range cands {
		if live[b.Digest] {
			continue
		}
		if !dryRun {
			if err := c.d.Blobs.Delete(ctx, b.Digest); err != nil {
				return rep, fmt.Errorf("gc: delete %s: %w", b.Digest, err)
			}
		}
		rep.Swept++
		rep.SweptBytes += b.Size
		if len(rep.Digests) < maxReported {
			rep.Digests = append(rep.Digests, b.Digest)
		}
	}
	c.d.Log.InfoContext(ctx, "gc: run", "dry_run", dryRun, "referenced", rep.Referenced, "scanned", rep.Scanned,
		"young", rep.Young, "swept", rep.Swept, "swept_bytes", rep.SweptBytes)
	return rep, nil
}

// mark collects every blob digest referenced by a file row of any
// repository, a live resumable upload or an installed plugin module.
func (c *Collector) mark(ctx context.Context) (map[string]bool, error) {
	live := make(map[string]bool)
	const page = 200
	seen := make(map[int64]bool)
	for off := 0; ; {
		repos, total, err := c.d.Repos.ListRepositories(ctx, ports.RepositoryFilter{}, ports.Page{Offset: off, Limit: page})
		if err != nil {
			return nil, fmt.Errorf("gc: list repositories: %w", err)
		}
		for _, r := range repos {
			if seen[r.ID] {
				continue
			}
			seen[r.ID] = true
			if err := c.markFiles(ctx, r.ID, live); err != nil {
				return nil, err
			}
		}
		off += len(repos)
		if len(repos) == 0 || off >= total {
			break
		}
	}
	if c.d.Uploads != nil {
		ds, err := c.d.Uploads.ChunkDigests(ctx)
		if err != nil {
			return nil, fmt.Errorf("gc: upload chunks: %w", err)
		}
		for _, d := range ds {
			live[d] = true
		}
	}
	if c.d.Plugins != nil {
		ps, err := c.d.Plugins.ListPlugins(ctx)
		if err != nil {
			return nil, fmt.Errorf("gc: plugins: %w", err)
		}
		for _, p := range ps {
			if p.Digest != "" {
				live[p.Digest] = true
			}
		}
	}
	return live, nil
}

func (c *Collector) markFiles(ctx context.Context, repoID int64, live map[string]bool) error {
	const page = 1000
	after := ""
	for {
		fs, err := c.d.Files.ListFiles(ctx, repoID, ports.FileListing{After: after, Limit: page})
		if err != nil {
			return fmt.Errorf("gc: list files of repository %d: %w", repoID, err)
		}
		for _, f := range fs {
			if f.BlobDigest != "" {
				live[f.BlobDigest] = true
			}
		}
		if len(fs) == 0 { // a store may cap the page size: stop only when empty
			return nil
		}
		last := fs[len(fs)-1].Path
		if last <= after {
			return fmt.Errorf("gc: listing of repository %d does not advance past %q", repoID, after)
		}
		after = last
	}
}
