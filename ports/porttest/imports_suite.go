package porttest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// ImportStore runs the conformance suite for ports.ImportStore. open must
// return a store over a fresh, migrated, empty database.
func ImportStore(t *testing.T, open func(t *testing.T) ports.ImportStore) {
	at := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	job := func(id string, started time.Time) ports.ImportJob {
		return ports.ImportJob{ID: id, URL: "https://src.example/artifactory", By: "admin", State: "running",
			StartedAt: started, UpdatedAt: started}
	}
	items := func(n, from int) []ports.ImportItem {
		out := make([]ports.ImportItem, n)
		for i := range out {
			out[i] = ports.ImportItem{Repository: "libs", Path: fmt.Sprintf("f/%d.bin", from+i), Outcome: "imported"}
		}
		return out
	}

	t.Run("a job and its items round-trip, appended in order", func(t *testing.T) {
		s := open(t)
		j := job("a1", at)
		mdOK(t, s.SaveImport(mdCtx(t), j, 0, items(3, 0)), "SaveImport")
		mdOK(t, s.SaveImport(mdCtx(t), j, 3, items(2, 3)), "SaveImport more")
		// A repeated save of stored indexes keeps the first ones.
		again := items(1, 3)
		again[0].Reason = "changed"
		mdOK(t, s.SaveImport(mdCtx(t), j, 3, again), "SaveImport again")
		j.State, j.Error, j.FinishedAt, j.UpdatedAt = "failed", "source gone", at.Add(time.Minute), at.Add(time.Minute)
		j.Imported, j.Skipped, j.Failed, j.Bytes = 3, 1, 1, 1<<40
		mdOK(t, s.SaveImport(mdCtx(t), j, 5, []ports.ImportItem{{Repository: "@security", Path: "user:dev", Outcome: "skipped", Reason: "exists"}}), "SaveImport final")
		got, err := s.Import(mdCtx(t), "a1")
		mdOK(t, err, "Import")
		if !reflect.DeepEqual(got, j) {
			t.Fatalf("job\n got %+v\nwant %+v", got, j)
		}
		all, err := s.ImportItems(mdCtx(t), "a1", 0, 0)
		mdOK(t, err, "ImportItems")
		want := append(items(5, 0), ports.ImportItem{Repository: "@security", Path: "user:dev", Outcome: "skipped", Reason: "exists"})
		if !reflect.DeepEqual(all, want) {
			t.Fatalf("items\n got %+v\nwant %+v", all, want)
		}
		page, err := s.ImportItems(mdCtx(t), "a1", 2, 2)
		mdOK(t, err, "ImportItems page")
		if !reflect.DeepEqual(page, want[2:4]) {
			t.Fatalf("items 2..3: %+v", page)
		}
		if rest, err := s.ImportItems(mdCtx(t), "a1", 6, 10); err != nil || len(rest) != 0 {
			t.Fatalf("items past the end: %+v %v", rest, err)
		}
	})

	t.Run("a missing job is not found", func(t *testing.T) {
		s := open(t)
		if _, err := s.Import(mdCtx(t), "nope"); !errors.Is(err, ports.ErrNotFound) {
			t.Fatalf("Import(nope): %v", err)
		}
		if its, err := s.ImportItems(mdCtx(t), "nope", 0, 0); err != nil || len(its) != 0 {
			t.Fatalf("ImportItems(nope): %+v %v", its, err)
		}
	})

	t.Run("list is newest first and limited", func(t *testing.T) {
		s := open(t)
		for _, id := range []string{"old", "new", "mid"} {
			started := map[string]time.Time{"old": at, "mid": at.Add(time.Hour), "new": at.Add(2 * time.Hour)}[id]
			mdOK(t, s.SaveImport(mdCtx(t), job(id, started), 0, nil), "SaveImport "+id)
		}
		list, err := s.ListImports(mdCtx(t), 0)
		mdOK(t, err, "ListImports")
		if len(list) != 3 || list[0].ID != "new" || list[1].ID != "mid" || list[2].ID != "old" {
			t.Fatalf("list: %+v", list)
		}
		two, err := s.ListImports(mdCtx(t), 2)
		mdOK(t, err, "ListImports(2)")
		if len(two) != 2 || two[1].ID != "mid" {
			t.Fatalf("list of 2: %+v", two)
		}
	})

	t.Run("prune deletes finished and abandoned jobs older than the cut, with their items", func(t *testing.T) {
		s := open(t)
		done := func(id string, finished time.Time) ports.ImportJob {
			j := job(id, finished.Add(-time.Hour))
			j.State, j.FinishedAt, j.UpdatedAt = "done", finished, finished
			return j
		}
		cut := at.Add(24 * time.Hour)
		mdOK(t, s.SaveImport(mdCtx(t), done("old", at), 0, items(3, 0)), "SaveImport old")
		mdOK(t, s.SaveImport(mdCtx(t), done("recent", cut.Add(time.Minute)), 0, items(2, 0)), "SaveImport recent")
		mdOK(t, s.SaveImport(mdCtx(t), job("abandoned", at), 0, items(1, 0)), "SaveImport abandoned")
		live := job("live", at)
		live.UpdatedAt = cut.Add(time.Second) // started long ago, still written
		mdOK(t, s.SaveImport(mdCtx(t), live, 0, items(1, 0)), "SaveImport live")
		n, err := s.PruneImports(mdCtx(t), cut)
		mdOK(t, err, "PruneImports")
		if n != 2 {
			t.Fatalf("pruned %d jobs, want 2 (old, abandoned)", n)
		}
		for _, id := range []string{"old", "abandoned"} {
			if _, err := s.Import(mdCtx(t), id); !errors.Is(err, ports.ErrNotFound) {
				t.Fatalf("%s after prune: %v", id, err)
			}
			if its, err := s.ImportItems(mdCtx(t), id, 0, 0); err != nil || len(its) != 0 {
				t.Fatalf("%s's items after prune: %+v %v", id, its, err)
			}
		}
		for id, want := range map[string]int{"recent": 2, "live": 1} {
			if _, err := s.Import(mdCtx(t), id); err != nil {
				t.Fatalf("%s after prune: %v", id, err)
			}
			if its, err := s.ImportItems(mdCtx(t), id, 0, 0); err != nil || len(its) != want {
				t.Fatalf("%s's items after prune: %d %v", id, len(its), err)
			}
		}
		if n, err := s.PruneImports(mdCtx(t), cut); err != nil || n != 0 {
			t.Fatalf("second prune: %d %v", n, err)
		}
	})
}
