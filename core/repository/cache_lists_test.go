package repository

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// listingStore is a countingStore that lists its files too.
type listingStore struct {
	*countingStore
	listReads int
}

func (s *listingStore) ListFiles(_ context.Context, _ int64, q ports.FileListing) ([]ports.File, error) {
	s.listReads++
	var out []ports.File
	for p, f := range s.files {
		if strings.HasPrefix(p, q.Prefix) && (q.After == "" || p > q.After) && (q.Package == "" || f.Package == q.Package) {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func paths(fs []ports.File) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Path)
	}
	return strings.Join(out, ",")
}

// A listing is read once per generation, and a write of this process that
// cannot change it (another package's files, key-values) moves it to the
// new generation; a write in its range, another replica's write and TTL
// make it be read again.
func TestCacheListingsSurviveUnrelatedWrites(t *testing.T) {
	ctx := context.Background()
	st := &listingStore{countingStore: &countingStore{repo: ports.Repository{ID: 7, Key: "libs", Generation: 1},
		files: map[string]ports.File{"p/a/1": {Path: "p/a/1", Package: "a"}, "p/a/2": {Path: "p/a/2", Package: "a"},
			"p/b/1": {Path: "p/b/1", Package: "b"}}}}
	clock := &manualClock{t: time.Unix(1000, 0)}
	c := NewCache(st, st, clock, 2*time.Second, 100)
	c.GetRepository(ctx, "libs")
	q := ports.FileListing{Prefix: "p/a/", Package: "a", Limit: 100}
	list := func(want string, reads int) {
		t.Helper()
		fs, err := c.ListFiles(ctx, 7, q)
		if err != nil || paths(fs) != want || st.listReads != reads {
			t.Fatalf("ListFiles = %q, %v after %d store reads; want %q after %d", paths(fs), err, st.listReads, want, reads)
		}
	}
	apply := func(ws ports.WriteSet) {
		t.Helper()
		if _, err := c.Apply(ctx, 7, ws); err != nil {
			t.Fatal(err)
		}
	}
	list("p/a/1,p/a/2", 1)
	fs, _ := c.ListFiles(ctx, 7, q)
	fs[0].Path = "changed by the caller"
	list("p/a/1,p/a/2", 1)

	apply(ports.WriteSet{KVPuts: []ports.KV{{Namespace: "yank", Key: "b/1", Value: []byte("{}")}}})
	apply(ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: "p/b/2", Package: "b"}}}, Deletes: []string{"p/b/1"}})
	apply(ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: "p/a/x", Package: "other"}}}}) // new, another package
	list("p/a/1,p/a/2", 1)

	apply(ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: "p/a/3", Package: "a"}}}})
	list("p/a/1,p/a/2,p/a/3", 2)
	apply(ports.WriteSet{Deletes: []string{"p/a/1"}})
	list("p/a/2,p/a/3", 3)
	apply(ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: "p/a/x", Package: "a"}, Overwrite: true}}})
	list("p/a/2,p/a/3,p/a/x", 4)

	// Another replica's write is the store's alone: seen once TTL passed.
	delete(st.files, "p/a/2")
	st.repo.Generation++
	list("p/a/2,p/a/3,p/a/x", 4)
	clock.t = clock.t.Add(3 * time.Second)
	c.GetRepository(ctx, "libs")
	list("p/a/3,p/a/x", 5)
	// Its generation was not the one before this process's next write:
	// that write does not carry the listing over.
	st.repo.Generation++
	apply(ports.WriteSet{KVPuts: []ports.KV{{Namespace: "n", Key: "k"}}})
	list("p/a/3,p/a/x", 6)
}

func TestTouches(t *testing.T) {
	q := ports.FileListing{Prefix: "p/a/", After: "p/a/2", Package: "a"}
	for _, c := range []struct {
		ws   ports.WriteSet
		want bool
	}{
		{ports.WriteSet{Deletes: []string{"p/a/3"}}, true},
		{ports.WriteSet{Deletes: []string{"p/a/1"}}, false}, // before After
		{ports.WriteSet{Deletes: []string{"p/b/3"}}, false},
		{ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: "p/a/3", Package: "b"}}}}, false},
		{ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: "p/a/3", Package: "b"}, Overwrite: true}}}, true},
		{ports.WriteSet{Puts: []ports.FilePut{{File: ports.File{Path: "p/a/3", Package: "a"}}}}, true},
		{ports.WriteSet{KVDeletes: []ports.KV{{Namespace: "n", Key: "p/a/3"}}}, false},
	} {
		if got := touches(q, c.ws); got != c.want {
			t.Errorf("touches(%+v) = %v, want %v", c.ws, got, c.want)
		}
	}
}
