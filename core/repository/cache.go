package repository

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/core/lru"
	"github.com/keeper-registry/keeper/ports"
)

var (
	_ ports.RepositoryStore = (*Cache)(nil)
	_ ports.FileStore       = (*Cache)(nil)
)

// Cache keeps repositories and file rows in memory so that a warm read asks
// the database nothing. It sits in front of the metadata store as both the
// RepositoryStore and the FileStore, so every write of this process passes
// through it and drops what it changed at once. With a Notifier (Listen),
// every committed write is also announced to the other replicas, which drop
// the repository's entries when the notice arrives (milliseconds); entries
// are trusted for at most TTL in any case, the fallback when notices are lost.
//
// File rows are tagged with the repository generation known when they were
// read; a write bumps the generation, which retires every older file entry.
// Paths (and misses, the negative lookups) are chosen by clients, so the
// file entries live in an LRU bounded in entries and bytes; repository
// entries too, as their keys come from request paths.
type Cache struct {
	repos ports.RepositoryStore
	files ports.FileStore
	clock ports.Clock
	ttl   time.Duration

	notes ports.Notifier

	mu sync.RWMutex // guards notes, gen and epoch
	// epoch counts invalidations: a read that started before one must not
	// store what it read (it may predate the write that was announced).
	epoch  uint64
	gen    map[int64]genEntry
	byKey  *lru.Cache[string, repoEntry]
	byFile *lru.Cache[fileKey, fileEntry]
	byList *lru.Cache[listKey, listEntry] // cache_lists.go
}

// Bounds of the caches besides maxFiles: the bytes file entries may hold,
// and the repositories kept (beyond it the least recently used are read
// again from the database).
const (
	maxFileCacheBytes = 64 << 20
	maxRepoEntries    = 10000
	maxRepoCacheBytes = 16 << 20
)

type repoEntry struct {
	repo ports.Repository
	at   time.Time
}

type genEntry struct {
	gen int64
	at  time.Time
}

type fileKey struct {
	repo int64
	path string
}

type fileEntry struct {
	file  ports.File
	found bool
	gen   int64
	at    time.Time
}

// NewCache wraps the stores; ttl bounds staleness across replicas and
// maxFiles bounds the file entries kept.
func NewCache(repos ports.RepositoryStore, files ports.FileStore, clock ports.Clock, ttl time.Duration, maxFiles int) *Cache {
	return &Cache{repos: repos, files: files, clock: clock, ttl: ttl, gen: map[int64]genEntry{},
		byKey:  lru.New[string, repoEntry](maxRepoEntries, maxRepoCacheBytes),
		byFile: lru.New[fileKey, fileEntry](maxFiles, maxFileCacheBytes),
		byList: lru.New[listKey, listEntry](min(maxFiles, maxListEntries), maxListCacheBytes)}
}

// fileEntryOverhead is the memory of a file entry besides its strings: the
// row, the LRU node and the map slot (measured with BenchmarkDistinctMisses:
// about 470 bytes per cached miss of a 30-byte path).
const fileEntryOverhead = 440

// fileEntrySize approximates the memory of a file entry (key and row).
func fileEntrySize(k fileKey, f ports.File) int64 {
	return int64(len(k.path)+len(f.Path)+len(f.BlobDigest)+len(f.ContentType)+len(f.SHA256)+len(f.SHA1)+
		len(f.MD5)+len(f.SHA512)+len(f.Package)+len(f.Version)+len(f.Metadata)) + fileEntryOverhead
}

// repoEntrySize approximates the memory of a repository entry.
func repoEntrySize(key string, r ports.Repository) int64 {
	n := len(key) + len(r.Key) + len(r.Format) + len(r.Description) + 512
	for k, v := range r.Config {
		n += len(k) + len(v) + 32
	}
	for _, m := range r.Members {
		n += len(m.RepoKey) + 32
	}
	return int64(n)
}

// announceTimeout bounds publishing a notice after a write (the write has
// committed; a lost notice costs at most TTL of staleness).
const announceTimeout = 2 * time.Second

// NoticeTopic is the notifier topic of repository changes; the payload is
// the repository ID, or ports.NoticeReconcile for "drop everything".
const NoticeTopic = "repository"

// Listen makes the cache announce its writes through n and drop entries
// when another replica announces one. It returns the unsubscribe function.
func (c *Cache) Listen(n ports.Notifier) (cancel func()) {
	c.mu.Lock()
	c.notes = n
	c.mu.Unlock()
	return n.Subscribe(NoticeTopic, c.onNotice)
}

func (c *Cache) onNotice(payload string) {
	id, err := strconv.ParseInt(payload, 10, 64)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if err != nil { // ports.NoticeReconcile or unknown: forget everything
		c.byKey.Clear()
		c.gen = map[int64]genEntry{}
		c.byFile.Clear()
		c.byList.Clear()
		return
	}
	c.dropRepo(id)
}

// dropRepo forgets a repository and, by forgetting its generation, every
// file entry of it. The caller holds mu.
func (c *Cache) dropRepo(id int64) {
	c.byKey.RemoveIf(func(_ string, e repoEntry) bool { return e.repo.ID == id })
	delete(c.gen, id)
}

// advanceRepo records gen, which a write set of this process has just
// committed, as the repository's generation. A cached repository row read
// at the generation before keeps its place with gen (a write set changes
// nothing else of the row, so the next request need not read it again);
// any other is dropped. The caller holds mu.
func (c *Cache) advanceRepo(id, gen int64) {
	var keys []string
	var kept []repoEntry
	c.byKey.RemoveIf(func(k string, e repoEntry) bool {
		if e.repo.ID != id {
			return false
		}
		if e.repo.Generation == gen-1 {
			e.repo.Generation = gen
			keys, kept = append(keys, k), append(kept, e)
		}
		return true
	})
	for i, k := range keys {
		c.byKey.Add(k, kept[i], repoEntrySize(k, kept[i].repo))
	}
	c.gen[id] = genEntry{gen: gen, at: c.clock.Now()}
}

// announce tells the other replicas that payload changed; a lost notice is
// covered by the TTL, so a failure is not the write's failure.
func (c *Cache) announce(ctx context.Context, payload string) {
	c.mu.RLock()
	n := c.notes
	c.mu.RUnlock()
	if n != nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), announceTimeout)
		defer cancel()
		_ = n.Publish(ctx, NoticeTopic, payload)
	}
}

// GetRepository answers from memory when the entry is younger than TTL.
func (c *Cache) GetRepository(ctx context.Context, key string) (ports.Repository, error) {
	now := c.clock.Now()
	e, ok := c.byKey.Get(key)
	if ok && now.Sub(e.at) < c.ttl {
		return cloneRepo(e.repo), nil
	}
	c.mu.RLock()
	epoch := c.epoch
	c.mu.RUnlock()
	r, err := c.repos.GetRepository(ctx, key)
	if err != nil {
		return r, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch {
		return r, nil // invalidated meanwhile: what we read may be older
	}
	c.byKey.Add(key, repoEntry{repo: cloneRepo(r), at: now}, repoEntrySize(key, r))
	if g, ok := c.gen[r.ID]; !ok || g.gen != r.Generation {
		c.gen[r.ID] = genEntry{gen: r.Generation, at: now}
	}
	return r, nil
}

// GetFile answers from memory when the entry was read at the repository's
// current generation and is younger than TTL (a miss is remembered too).
func (c *Cache) GetFile(ctx context.Context, repoID int64, path string) (ports.File, error) {
	now := c.clock.Now()
	k := fileKey{repoID, path}
	c.mu.RLock()
	g, known := c.gen[repoID]
	epoch := c.epoch
	c.mu.RUnlock()
	e, ok := c.byFile.Get(k)
	if known && ok && e.gen == g.gen && now.Sub(e.at) < c.ttl {
		if !e.found {
			return ports.File{}, ports.ErrNotFound
		}
		return e.file, nil
	}
	f, err := c.files.GetFile(ctx, repoID, path)
	if err != nil && !errors.Is(err, ports.ErrNotFound) {
		return f, err
	}
	if known {
		c.mu.RLock()
		if c.epoch == epoch {
			c.byFile.Add(k, fileEntry{file: f, found: err == nil, gen: g.gen, at: now}, fileEntrySize(k, f))
		}
		c.mu.RUnlock()
	}
	return f, err
}

// Apply writes through and retires the repository's cached file state by
// moving its generation; on error the outcome is unknown and the
// repository is forgotten.
func (c *Cache) Apply(ctx context.Context, repoID int64, ws ports.WriteSet) (int64, error) {
	gen, err := c.files.Apply(ctx, repoID, ws)
	c.mu.Lock()
	c.epoch++
	if err == nil {
		c.advanceLists(repoID, gen, ws)
		c.advanceRepo(repoID, gen)
	} else {
		c.dropRepo(repoID)
	}
	c.mu.Unlock()
	if err != nil {
		return gen, err
	}
	c.announce(ctx, strconv.FormatInt(repoID, 10))
	return gen, nil
}

// CreateRepository writes through. Misses are never cached, so other
// replicas need no notice.
func (c *Cache) CreateRepository(ctx context.Context, r *ports.Repository) error {
	defer c.forgetRepos()
	return c.repos.CreateRepository(ctx, r)
}

// UpdateRepository writes through, forgets cached repositories and
// announces the change.
func (c *Cache) UpdateRepository(ctx context.Context, key string, fn func(*ports.Repository) error) (ports.Repository, error) {
	r, err := c.repos.UpdateRepository(ctx, key, fn)
	c.forgetRepos()
	if err == nil {
		c.announce(ctx, strconv.FormatInt(r.ID, 10))
	}
	return r, err
}

// DeleteRepository writes through, forgets cached repositories and files
// and tells the other replicas to do the same.
func (c *Cache) DeleteRepository(ctx context.Context, key string) error {
	err := c.repos.DeleteRepository(ctx, key)
	c.mu.Lock()
	c.epoch++
	c.byKey.Clear()
	c.gen = map[int64]genEntry{}
	c.byFile.Clear()
	c.byList.Clear()
	c.mu.Unlock()
	if err == nil {
		c.announce(ctx, ports.NoticeReconcile)
	}
	return err
}

func (c *Cache) forgetRepos() {
	c.mu.Lock()
	c.epoch++
	c.byKey.Clear()
	c.mu.Unlock()
}

// ListRepositories reads through.
func (c *Cache) ListRepositories(ctx context.Context, f ports.RepositoryFilter, p ports.Page) ([]ports.Repository, int, error) {
	return c.repos.ListRepositories(ctx, f, p)
}

// ReposWithMember reads through.
func (c *Cache) ReposWithMember(ctx context.Context, key string) ([]string, error) {
	return c.repos.ReposWithMember(ctx, key)
}

// ListPackages reads through.
func (c *Cache) ListPackages(ctx context.Context, repoID int64, prefix, after string, limit int) ([]ports.Package, error) {
	return c.files.ListPackages(ctx, repoID, prefix, after, limit)
}

// ListVersions reads through.
func (c *Cache) ListVersions(ctx context.Context, repoID int64, pkg, after string, limit int) ([]ports.Version, error) {
	return c.files.ListVersions(ctx, repoID, pkg, after, limit)
}

// GetKV reads through.
func (c *Cache) GetKV(ctx context.Context, repoID int64, namespace, key string) ([]byte, error) {
	return c.files.GetKV(ctx, repoID, namespace, key)
}

// ListKV reads through.
func (c *Cache) ListKV(ctx context.Context, repoID int64, namespace, prefix, after string, limit int) ([]ports.KV, error) {
	return c.files.ListKV(ctx, repoID, namespace, prefix, after, limit)
}

// BlobInUse reads through.
func (c *Cache) BlobInUse(ctx context.Context, digest string) (bool, error) {
	return c.files.BlobInUse(ctx, digest)
}

// cloneRepo copies the maps and slices a caller could modify.
func cloneRepo(r ports.Repository) ports.Repository {
	if r.Config != nil {
		cfg := make(map[string]string, len(r.Config))
		for k, v := range r.Config {
			cfg[k] = v
		}
		r.Config = cfg
	}
	r.Members = append([]ports.Member(nil), r.Members...)
	return r
}
