package repository

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// failingApply is a countingStore whose writes fail after an unknown outcome.
type failingApply struct{ *countingStore }

func (failingApply) Apply(context.Context, int64, ports.WriteSet) (int64, error) {
	return 0, errors.New("connection lost")
}

// A write of this process moves the cached repository to the generation it
// committed without reading the row again (an uncached metadata GET after
// a write used to pay that read); a stale row or a failed write is read again.
func TestCacheApplyAdvancesTheRepositoryRow(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{repo: ports.Repository{ID: 7, Key: "libs", Generation: 1}, files: map[string]ports.File{}}
	c := NewCache(st, st, &manualClock{t: time.Unix(1000, 0)}, time.Hour, 100)
	if _, err := c.GetRepository(ctx, "libs"); err != nil {
		t.Fatal(err)
	}
	for want := int64(2); want <= 4; want++ {
		if _, err := c.Apply(ctx, 7, ports.WriteSet{KVPuts: []ports.KV{{Namespace: "n", Key: "k", Value: []byte("v")}}}); err != nil {
			t.Fatal(err)
		}
		r, err := c.GetRepository(ctx, "libs")
		if err != nil || r.Generation != want {
			t.Fatalf("after write %d: generation %d, %v", want-1, r.Generation, err)
		}
	}
	if st.repoReads != 1 {
		t.Fatalf("writes of this process made the repository be read %d times, want 1", st.repoReads)
	}

	// Another replica wrote meanwhile (generation 5): the cached row at 4 is
	// not the one before this write (6), so it is read again.
	st.repo.Generation++
	if _, err := c.Apply(ctx, 7, ports.WriteSet{}); err != nil {
		t.Fatal(err)
	}
	if r, _ := c.GetRepository(ctx, "libs"); r.Generation != 6 || st.repoReads != 2 {
		t.Fatalf("after a missed write: generation %d, %d reads; want 6, 2", r.Generation, st.repoReads)
	}

	// A failed write forgets the row.
	fc := NewCache(st, failingApply{st}, &manualClock{t: time.Unix(1000, 0)}, time.Hour, 100)
	fc.GetRepository(ctx, "libs")
	if _, err := fc.Apply(ctx, 7, ports.WriteSet{}); err == nil {
		t.Fatal("want the write's error")
	}
	fc.GetRepository(ctx, "libs")
	if st.repoReads != 4 {
		t.Fatalf("after a failed write the row must be read again: %d reads, want 4", st.repoReads)
	}
}
