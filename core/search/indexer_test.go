package search

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// fakes: just enough of the stores for the indexer and the scope.

type fakeOutbox struct {
	changes []ports.SearchChange
	queued  int
}

func (o *fakeOutbox) PendingChanges(_ context.Context, limit int) ([]ports.SearchChange, error) {
	return slices.Clone(o.changes[:min(limit, len(o.changes))]), nil
}

func (o *fakeOutbox) ChangesDone(_ context.Context, ids []int64) error {
	o.changes = slices.DeleteFunc(o.changes, func(c ports.SearchChange) bool { return slices.Contains(ids, c.ID) })
	return nil
}

func (o *fakeOutbox) EnqueueAll(context.Context) (int, error) { return o.queued, nil }
func (o *fakeOutbox) Backlog(context.Context) (int, error)    { return len(o.changes), nil }

type fakeIndex struct {
	docs     map[string]ports.SearchDocument
	repoGone []int64
	fail     error
	lastQ    ports.SearchQuery
	total    int
}

func (x *fakeIndex) Upsert(_ context.Context, docs []ports.SearchDocument) error {
	if x.fail != nil {
		return x.fail
	}
	for _, d := range docs {
		x.docs[d.ID] = d
	}
	return nil
}

func (x *fakeIndex) Delete(_ context.Context, ids []string) error {
	for _, id := range ids {
		delete(x.docs, id)
	}
	return nil
}

func (x *fakeIndex) DeleteRepository(_ context.Context, id int64) error {
	x.repoGone = append(x.repoGone, id)
	return nil
}

func (x *fakeIndex) Search(_ context.Context, q ports.SearchQuery) (ports.SearchResult, error) {
	x.lastQ = q
	return ports.SearchResult{Total: x.total}, nil
}

func (x *fakeIndex) ByChecksum(context.Context, string, ports.SearchScope, int) ([]ports.ChecksumHit, error) {
	return nil, nil
}

type fakeRepos struct {
	ports.RepositoryStore
	repos []ports.Repository
}

func (r fakeRepos) GetRepository(_ context.Context, key string) (ports.Repository, error) {
	for _, x := range r.repos {
		if x.Key == key {
			return x, nil
		}
	}
	return ports.Repository{}, ports.ErrNotFound
}

func (r fakeRepos) ListRepositories(_ context.Context, _ ports.RepositoryFilter, p ports.Page) ([]ports.Repository, int, error) {
	if p.Offset >= len(r.repos) {
		return nil, len(r.repos), nil
	}
	return r.repos[p.Offset:min(p.Offset+p.Limit, len(r.repos))], len(r.repos), nil
}

type fakeFiles struct {
	ports.FileStore
	versions map[string][]ports.Version // by package
}

func (f fakeFiles) ListVersions(_ context.Context, _ int64, pkg, _ string, _ int) ([]ports.Version, error) {
	return f.versions[pkg], nil
}

func (f fakeFiles) ListFiles(context.Context, int64, ports.FileListing) ([]ports.File, error) {
	return nil, nil
}

// publicOnly lets everyone read public repositories and admins everything.
type publicOnly struct{}

func (publicOnly) Authorize(_ context.Context, s ports.Subject, _ string, r ports.Resource) (ports.Decision, error) {
	return ports.Decision{Allowed: r.Public || s.IsAdmin}, nil
}

func TestDrain(t *testing.T) {
	repos := fakeRepos{repos: []ports.Repository{{ID: 1, Key: "js", Format: "npm"}}}
	files := fakeFiles{versions: map[string][]ports.Version{"a": {{Version: "1"}}}}
	ob := &fakeOutbox{changes: []ports.SearchChange{
		{ID: 1, RepositoryID: 1, Repository: "js", Package: "a"},
		{ID: 2, RepositoryID: 1, Repository: "js", Package: "a"},    // twice in one batch: one document
		{ID: 3, RepositoryID: 1, Repository: "js", Package: "gone"}, // no versions, no files: removed
		{ID: 4, RepositoryID: 9},                                    // a deleted repository
		{ID: 5, RepositoryID: 8, Repository: "js", Package: "x"},    // key reused by a new repository: the old one's documents go
	}}
	ix := &fakeIndex{docs: map[string]ports.SearchDocument{ports.SearchDocumentID(1, "gone"): {}}}
	s := New(Deps{Outbox: ob, Index: ix, Repos: repos, Files: files, Authorizer: publicOnly{}})

	ix.fail = errors.New("index down")
	if n, err := s.Drain(t.Context()); err == nil || n != 0 || len(ob.changes) != 5 {
		t.Fatalf("failing index: drained %d, err %v, %d left; want the queue intact", n, err, len(ob.changes))
	}
	ix.fail, ix.repoGone = nil, nil // removals are idempotent: repeating them is harmless
	n, err := s.Drain(t.Context())
	if err != nil || n != 5 || len(ob.changes) != 0 {
		t.Fatalf("Drain = %d, %v; %d left", n, err, len(ob.changes))
	}
	if _, ok := ix.docs[ports.SearchDocumentID(1, "a")]; !ok || len(ix.docs) != 1 {
		t.Fatalf("documents = %v", ix.docs)
	}
	if !slices.Equal(ix.repoGone, []int64{9, 8}) {
		t.Fatalf("repositories removed = %v, want [9 8]", ix.repoGone)
	}
}

func TestScopeIsPushedIntoTheQuery(t *testing.T) {
	repos := fakeRepos{repos: []ports.Repository{{ID: 1, Key: "pub", IsPublic: true}, {ID: 2, Key: "priv"}}}
	ix := &fakeIndex{docs: map[string]ports.SearchDocument{}}
	s := New(Deps{Outbox: &fakeOutbox{}, Index: ix, Repos: repos, Files: fakeFiles{}, Authorizer: publicOnly{}})
	for _, tc := range []struct {
		name  string
		sub   ports.Subject
		repo  string
		want  ports.SearchScope
		asked bool
	}{
		{"anonymous", ports.Subject{Anonymous: true}, "", ports.SearchScope{Repositories: []int64{1}}, true},
		{"admin reads all", ports.Subject{IsAdmin: true}, "", ports.SearchScope{All: true}, true},
		{"one readable repository", ports.Subject{}, "pub", ports.SearchScope{Repositories: []int64{1}}, true},
		{"an unreadable repository is not asked", ports.Subject{}, "priv", ports.SearchScope{}, false},
		{"a missing repository is not asked", ports.Subject{}, "nope", ports.SearchScope{}, false},
	} {
		ix.lastQ = ports.SearchQuery{}
		res, err := s.Search(t.Context(), tc.sub, Request{Query: "x", Repository: tc.repo})
		if err != nil || res.Hits == nil || res.Facets.Format == nil {
			t.Fatalf("%s: %+v, %v", tc.name, res, err)
		}
		asked := ix.lastQ.Terms != nil
		if asked != tc.asked || ix.lastQ.Scope.All != tc.want.All || !slices.Equal(ix.lastQ.Scope.Repositories, tc.want.Repositories) {
			t.Errorf("%s: index asked %v with scope %+v; want %v, %+v", tc.name, asked, ix.lastQ.Scope, tc.asked, tc.want)
		}
	}
	for _, r := range []Request{{Page: -1}, {PerPage: 101}, {Page: 51, PerPage: 20}, {Page: 11, PerPage: 100}, {Query: "\xff"}} {
		if _, err := s.Search(t.Context(), ports.Subject{}, r); !errors.Is(err, ports.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", r, err)
		}
	}
}

// TestTotalCapped: a total at the counting bound is marked as "at least".
func TestTotalCapped(t *testing.T) {
	repos := fakeRepos{repos: []ports.Repository{{ID: 1, Key: "pub", IsPublic: true}}}
	for _, tc := range []struct {
		total  int
		capped bool
	}{{0, false}, {ports.SearchMaxTotal - 1, false}, {ports.SearchMaxTotal, true}} {
		ix := &fakeIndex{docs: map[string]ports.SearchDocument{}, total: tc.total}
		s := New(Deps{Outbox: &fakeOutbox{}, Index: ix, Repos: repos, Files: fakeFiles{}, Authorizer: publicOnly{}})
		res, err := s.Search(t.Context(), ports.Subject{Anonymous: true}, Request{Query: "x"})
		if err != nil || res.Total != tc.total || res.TotalCapped != tc.capped {
			t.Errorf("index total %d: total %d capped %v (%v); want capped %v", tc.total, res.Total, res.TotalCapped, err, tc.capped)
		}
	}
	if _, err := (New(Deps{Index: &fakeIndex{}, Repos: repos, Authorizer: publicOnly{}})).Search(t.Context(), ports.Subject{}, Request{Page: MaxWindow/20 + 1}); !errors.Is(err, ports.ErrInvalid) {
		t.Errorf("a page past the counting bound: %v, want ErrInvalid", err)
	}
}

// TestFollowRetriesUntilTheIndexIsBack: changes queued while the index is
// down are indexed once it answers again; Follow ends with its context.
func TestFollowRetriesUntilTheIndexIsBack(t *testing.T) {
	repos := fakeRepos{repos: []ports.Repository{{ID: 1, Key: "js"}}}
	files := fakeFiles{versions: map[string][]ports.Version{"a": {{Version: "1"}}}}
	ob := &fakeOutbox{changes: []ports.SearchChange{{ID: 1, RepositoryID: 1, Repository: "js", Package: "a"}}}
	ix := &guardedIndex{fakeIndex: fakeIndex{docs: map[string]ports.SearchDocument{}, fail: errors.New("down")}}
	s := New(Deps{Outbox: &guardedOutbox{o: ob}, Index: ix, Repos: repos, Files: files, Authorizer: publicOnly{}})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- s.Follow(ctx, time.Millisecond) }()
	time.Sleep(20 * time.Millisecond)
	ix.set(nil)
	deadline := time.Now().Add(5 * time.Second)
	for ix.count() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil || ix.count() != 1 {
		t.Fatalf("Follow = %v; %d documents", err, ix.count())
	}
}

// guardedIndex and guardedOutbox make the fakes safe to share with Follow's goroutine.
type guardedIndex struct {
	mu sync.Mutex
	fakeIndex
}

func (g *guardedIndex) set(err error) { g.mu.Lock(); g.fail = err; g.mu.Unlock() }
func (g *guardedIndex) count() int    { g.mu.Lock(); defer g.mu.Unlock(); return len(g.docs) }
func (g *guardedIndex) Upsert(ctx context.Context, d []ports.SearchDocument) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.fakeIndex.Upsert(ctx, d)
}

type guardedOutbox struct {
	mu sync.Mutex
	o  *fakeOutbox
}

func (g *guardedOutbox) PendingChanges(ctx context.Context, n int) ([]ports.SearchChange, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.o.PendingChanges(ctx, n)
}

func (g *guardedOutbox) ChangesDone(ctx context.Context, ids []int64) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.o.ChangesDone(ctx, ids)
}

func (g *guardedOutbox) EnqueueAll(ctx context.Context) (int, error) { return g.o.EnqueueAll(ctx) }
func (g *guardedOutbox) Backlog(ctx context.Context) (int, error)    { return g.o.Backlog(ctx) }
