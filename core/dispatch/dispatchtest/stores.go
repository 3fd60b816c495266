package dispatchtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Repos is an in-memory RepositoryStore whose generations follow Files.Apply.
type Repos struct {
	mu     sync.Mutex
	byKey  map[string]*ports.Repository
	nextID int64
}

var _ ports.RepositoryStore = (*Repos)(nil)

// NewRepos returns an empty store.
func NewRepos() *Repos { return &Repos{byKey: map[string]*ports.Repository{}} }

func (s *Repos) CreateRepository(_ context.Context, r *ports.Repository) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byKey[r.Key]; ok {
		return ports.ErrConflict
	}
	s.nextID++
	r.ID = s.nextID
	c := *r
	s.byKey[r.Key] = &c
	return nil
}

func (s *Repos) GetRepository(_ context.Context, key string) (ports.Repository, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byKey[key]
	if !ok {
		return ports.Repository{}, fmt.Errorf("repository %q: %w", key, ports.ErrNotFound)
	}
	return *r, nil
}

func (s *Repos) ListRepositories(_ context.Context, f ports.RepositoryFilter, p ports.Page) ([]ports.Repository, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ports.Repository
	for _, r := range s.byKey {
		if (f.Format == "" || r.Format == f.Format) && (f.Type == "" || r.Type == f.Type) {
			out = append(out, *r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	total := len(out)
	out = out[min(max(p.Offset, 0), total):]
	if p.Limit > 0 && len(out) > p.Limit {
		out = out[:p.Limit]
	}
	return out, total, nil
}

func (s *Repos) UpdateRepository(_ context.Context, key string, fn func(*ports.Repository) error) (ports.Repository, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byKey[key]
	if !ok {
		return ports.Repository{}, ports.ErrNotFound
	}
	c := *r
	if err := fn(&c); err != nil {
		return ports.Repository{}, err
	}
	*r = c
	return c, nil
}

func (s *Repos) DeleteRepository(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byKey, key)
	return nil
}

func (s *Repos) ReposWithMember(context.Context, string) ([]string, error) { return nil, nil }

func (s *Repos) bump(id int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.byKey {
		if r.ID == id {
			r.Generation++
			return r.Generation
		}
	}
	return 0
}

// Files is an in-memory FileStore; Apply is all-or-nothing and bumps the
// repository generation in Repos.
type Files struct {
	Repos *Repos
	mu    sync.Mutex
	files map[int64]map[string]ports.File
	kv    map[string][]byte
	vers  map[string]ports.Version
	// Applied counts successful Apply calls.
	Applied int
}

var _ ports.FileStore = (*Files)(nil)

// NewFiles returns an empty store bumping generations in repos.
func NewFiles(repos *Repos) *Files {
	return &Files{Repos: repos, files: map[int64]map[string]ports.File{}, kv: map[string][]byte{}, vers: map[string]ports.Version{}}
}

func (s *Files) GetFile(_ context.Context, repoID int64, path string) (ports.File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[repoID][path]
	if !ok {
		return ports.File{}, fmt.Errorf("file %q: %w", path, ports.ErrNotFound)
	}
	return f, nil
}

func (s *Files) ListFiles(_ context.Context, repoID int64, q ports.FileListing) ([]ports.File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ports.File
	for p, f := range s.files[repoID] {
		if strings.HasPrefix(p, q.Prefix) && p > q.After && (q.Package == "" || f.Package == q.Package) {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// Apply commits ws atomically: a conflicting put leaves everything unchanged.
func (s *Files) Apply(_ context.Context, repoID int64, ws ports.WriteSet) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.files[repoID]
	for _, rc := range ws.Reads { // optimistic concurrency, as the real stores
		now := ""
		if rc.Namespace != "" {
			if v, ok := s.kv[kvKey(repoID, rc.Namespace, rc.Key)]; ok {
				sum := sha256.Sum256(v)
				now = hex.EncodeToString(sum[:])
			}
		} else if f, ok := cur[rc.Path]; ok {
			now = f.BlobDigest
		}
		if now != rc.Digest {
			return 0, fmt.Errorf("dispatchtest: apply: %w", ports.ErrStale)
		}
	}
	next := make(map[string]ports.File, len(cur)+len(ws.Puts))
	for k, v := range cur {
		next[k] = v
	}
	for _, p := range ws.Deletes {
		delete(next, p)
	}
	for _, p := range ws.Puts {
		if _, ok := next[p.File.Path]; ok && !p.Overwrite {
			return 0, fmt.Errorf("path %q exists: %w", p.File.Path, ports.ErrConflict)
		}
		f := p.File
		f.RepositoryID = repoID
		f.CreatedAt = time.Unix(1700000000, 0).UTC()
		next[f.Path] = f
	}
	s.files[repoID] = next
	for _, p := range ws.Puts { // a file's package and version are recorded, as the real stores do
		k := fmt.Sprintf("%d/%s/%s", repoID, p.File.Package, p.File.Version)
		if _, ok := s.vers[k]; !ok && p.File.Package != "" && p.File.Version != "" {
			s.vers[k] = ports.Version{Package: p.File.Package, Version: p.File.Version}
		}
	}
	for _, kv := range ws.KVPuts {
		s.kv[kvKey(repoID, kv.Namespace, kv.Key)] = kv.Value
	}
	for _, kv := range ws.KVDeletes {
		delete(s.kv, kvKey(repoID, kv.Namespace, kv.Key))
	}
	for _, v := range ws.Versions {
		k := fmt.Sprintf("%d/%s/%s", repoID, v.Package, v.Version)
		if v.Delete {
			delete(s.vers, k)
		} else {
			s.vers[k] = ports.Version{Package: v.Package, Version: v.Version, Metadata: v.Metadata}
		}
	}
	s.Applied++
	return s.Repos.bump(repoID), nil
}

func kvKey(repoID int64, ns, key string) string {
	return fmt.Sprintf("%d\x00%s\x00%s", repoID, ns, key)
}

// ListPackages lists the packages named by files and versions of the
// repository, as the real stores do.
func (s *Files) ListPackages(_ context.Context, repoID int64, prefix, after string, limit int) ([]ports.Package, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, f := range s.files[repoID] {
		if f.Package != "" {
			seen[f.Package] = true
		}
	}
	vp := fmt.Sprintf("%d/", repoID)
	for k, v := range s.vers {
		if strings.HasPrefix(k, vp) {
			seen[v.Package] = true
		}
	}
	var out []ports.Package
	for name := range seen {
		if strings.HasPrefix(name, prefix) && name > after {
			out = append(out, ports.Package{RepositoryID: repoID, Name: name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *Files) ListVersions(_ context.Context, repoID int64, pkg, after string, limit int) ([]ports.Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ports.Version
	prefix := fmt.Sprintf("%d/%s/", repoID, pkg)
	for k, v := range s.vers {
		if strings.HasPrefix(k, prefix) && v.Version > after {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *Files) GetKV(_ context.Context, repoID int64, ns, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.kv[kvKey(repoID, ns, key)]
	if !ok {
		return nil, ports.ErrNotFound
	}
	return v, nil
}

func (s *Files) ListKV(_ context.Context, repoID int64, ns, prefix, after string, limit int) ([]ports.KV, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ports.KV
	p := kvKey(repoID, ns, "")
	for k, v := range s.kv {
		if key, ok := strings.CutPrefix(k, p); ok && strings.HasPrefix(key, prefix) && key > after {
			out = append(out, ports.KV{Namespace: ns, Key: key, Value: v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *Files) BlobInUse(_ context.Context, digest string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.files {
		for _, f := range m {
			if f.BlobDigest == digest {
				return true, nil
			}
		}
	}
	return false, nil
}

// Count returns the number of files stored in a repository.
func (s *Files) Count(repoID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.files[repoID])
}

// Blobs is an in-memory BlobStore.
type Blobs struct {
	mu    sync.Mutex
	blobs map[string][]byte
	// PutErr, when set, fails every Put (a full disk, an unreachable store).
	PutErr error
}

var _ ports.BlobStore = (*Blobs)(nil)

// NewBlobs returns an empty store.
func NewBlobs() *Blobs { return &Blobs{blobs: map[string][]byte{}} }

func (b *Blobs) Put(_ context.Context, r io.Reader, maxSize int64) (ports.Blob, error) {
	if b.PutErr != nil {
		return ports.Blob{}, b.PutErr
	}
	var lr io.Reader = r
	if maxSize > 0 {
		lr = io.LimitReader(r, maxSize+1)
	}
	data, err := io.ReadAll(lr)
	if err != nil {
		return ports.Blob{}, err
	}
	if maxSize > 0 && int64(len(data)) > maxSize {
		return ports.Blob{}, ports.ErrTooLarge
	}
	sum := sha256.Sum256(data)
	d := hex.EncodeToString(sum[:])
	b.mu.Lock()
	b.blobs[d] = data
	b.mu.Unlock()
	return ports.Blob{Digest: d, Size: int64(len(data))}, nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func (b *Blobs) Open(_ context.Context, digest string) (ports.BlobReader, int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.blobs[digest]
	if !ok {
		return nil, 0, ports.ErrNotFound
	}
	return nopCloser{bytes.NewReader(data)}, int64(len(data)), nil
}

func (b *Blobs) Stat(_ context.Context, digest string) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.blobs[digest]
	if !ok {
		return 0, ports.ErrNotFound
	}
	return int64(len(data)), nil
}

func (b *Blobs) Delete(_ context.Context, digest string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.blobs, digest)
	return nil
}

func (b *Blobs) Walk(_ context.Context, fn func(ports.Blob, time.Time) error) error {
	b.mu.Lock()
	var all []ports.Blob
	for d, data := range b.blobs {
		all = append(all, ports.Blob{Digest: d, Size: int64(len(data))})
	}
	b.mu.Unlock()
	for _, x := range all {
		if err := fn(x, time.Time{}); err != nil {
			return err
		}
	}
	return nil
}

// Authz allows reads of public repositories to anyone and everything to
// authenticated subjects, except subjects named "reader", who may only read.
type Authz struct{}

func (Authz) Authorize(_ context.Context, s ports.Subject, action string, r ports.Resource) (ports.Decision, error) {
	if action == ports.ActionRead && (r.Public || !s.Anonymous) {
		return ports.Decision{Allowed: true, Rule: "read"}, nil
	}
	if s.Anonymous || s.Username == "reader" {
		return ports.Decision{Rule: "deny"}, nil
	}
	return ports.Decision{Allowed: true, Rule: "user"}, nil
}
