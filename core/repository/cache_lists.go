package repository

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// File listings are cached like file rows (tagged with the generation they
// were read at, trusted for at most TTL), and survive this process's
// writes that cannot change them: a write set whose puts and deletes all
// fall outside a listing's range moves it to the new generation. A
// metadata document re-rendered because another package of the repository
// changed (its plugin-response cache is keyed by generation) then reads its
// project's rows from memory instead of the database (bench/README.md,
// "Uncached PyPI metadata: host listing"). Another replica's write, a failed
// write or a notice drops them with the generation, as it does file rows.

// Bounds of the listing entries: how many, and the bytes their rows may hold.
const (
	maxListEntries    = 1000
	maxListCacheBytes = 32 << 20
)

type listKey struct {
	repo int64
	q    ports.FileListing
}

type listEntry struct {
	files []ports.File
	gen   int64
	at    time.Time
}

func listEntrySize(k listKey, fs []ports.File) int64 {
	n := int64(len(k.q.Prefix)+len(k.q.After)+len(k.q.Package)) + fileEntryOverhead
	for _, f := range fs {
		n += fileEntrySize(fileKey{}, f)
	}
	return n
}

// ListFiles answers from memory when the listing was read at the
// repository's current generation and is younger than TTL. The caller gets
// its own slice (the rows' metadata bytes are shared, as GetFile's are).
func (c *Cache) ListFiles(ctx context.Context, repoID int64, q ports.FileListing) ([]ports.File, error) {
	now := c.clock.Now()
	k := listKey{repoID, q}
	c.mu.RLock()
	g, known := c.gen[repoID]
	epoch := c.epoch
	c.mu.RUnlock()
	if e, ok := c.byList.Get(k); known && ok && e.gen == g.gen && now.Sub(e.at) < c.ttl {
		return slices.Clone(e.files), nil
	}
	fs, err := c.files.ListFiles(ctx, repoID, q)
	if err != nil || !known {
		return fs, err
	}
	c.mu.RLock()
	if c.epoch == epoch {
		c.byList.Add(k, listEntry{files: slices.Clone(fs), gen: g.gen, at: now}, listEntrySize(k, fs))
	}
	c.mu.RUnlock()
	return fs, nil
}

// advanceLists moves the repository's listings read at gen-1 to gen when
// ws, which took the repository from gen-1 to gen, changes no file they
// may hold, and drops every other listing of it. The caller holds mu.
func (c *Cache) advanceLists(id, gen int64, ws ports.WriteSet) {
	var keys []listKey
	var kept []listEntry
	c.byList.RemoveIf(func(k listKey, e listEntry) bool {
		if k.repo != id {
			return false
		}
		if e.gen == gen-1 && !touches(k.q, ws) {
			e.gen = gen
			keys, kept = append(keys, k), append(kept, e)
		}
		return true
	})
	for i, k := range keys {
		c.byList.Add(k, kept[i], listEntrySize(k, kept[i].files))
	}
}

// touches reports whether ws may change what q lists: a put or delete of a
// path in q's range (a put of a new file of another package aside).
func touches(q ports.FileListing, ws ports.WriteSet) bool {
	for _, p := range ws.Puts {
		if inListing(q, p.File.Path) && (p.Overwrite || q.Package == "" || p.File.Package == q.Package) {
			return true
		}
	}
	for _, p := range ws.Deletes {
		if inListing(q, p) {
			return true
		}
	}
	return false
}

func inListing(q ports.FileListing, path string) bool {
	return strings.HasPrefix(path, q.Prefix) && (q.After == "" || path > q.After)
}
