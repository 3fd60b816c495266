package porttest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// DownloadStats runs the conformance suite for ports.DownloadStats. open
// must return a store over a fresh, migrated, empty database.
func DownloadStats(t *testing.T, open func(t *testing.T) ports.DownloadStats) {
	dl := func(day, repo, path, user string, n, bytes int64) ports.DownloadCount {
		return ports.DownloadCount{Day: day, Repository: repo, Path: path, User: user, Downloads: n, Bytes: bytes}
	}
	query := func(t *testing.T, s ports.DownloadStats, q ports.DownloadQuery) []ports.DownloadRow {
		t.Helper()
		rows, err := s.Downloads(mdCtx(t), q)
		mdOK(t, err, fmt.Sprintf("Downloads(%+v)", q))
		return rows
	}
	want := func(t *testing.T, got, want []ports.DownloadRow) {
		t.Helper()
		if want == nil {
			want = []ports.DownloadRow{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("rows\n got %+v\nwant %+v", got, want)
		}
	}
	seed := func(t *testing.T, s ports.DownloadStats) {
		t.Helper()
		mdOK(t, s.AddDownloads(mdCtx(t), []ports.DownloadCount{
			dl("2026-12-01", "libs", "a/1.tgz", "alice", 2, 200),
			dl("2026-12-01", "libs", "b/1.tgz", "", 1, 10),
			dl("2026-12-02", "libs", "a/1.tgz", "bob", 1, 100),
			dl("2026-12-03", "other", "x.bin", "alice", 5, 5000),
		}), "AddDownloads")
		// A second batch adds to the same rows (another flush or replica).
		mdOK(t, s.AddDownloads(mdCtx(t), []ports.DownloadCount{
			dl("2026-12-01", "libs", "a/1.tgz", "alice", 3, 300),
		}), "AddDownloads again")
	}

	t.Run("batches sum up by day, artifact and user", func(t *testing.T) {
		s := open(t)
		seed(t, s)
		want(t, query(t, s, ports.DownloadQuery{GroupBy: ports.GroupByDay}), []ports.DownloadRow{
			{Day: "2026-12-01", Downloads: 6, Bytes: 510}, {Day: "2026-12-02", Downloads: 1, Bytes: 100},
			{Day: "2026-12-03", Downloads: 5, Bytes: 5000}})
		want(t, query(t, s, ports.DownloadQuery{GroupBy: ports.GroupByArtifact}), []ports.DownloadRow{
			{Repository: "libs", Path: "a/1.tgz", Downloads: 6, Bytes: 600},
			{Repository: "other", Path: "x.bin", Downloads: 5, Bytes: 5000},
			{Repository: "libs", Path: "b/1.tgz", Downloads: 1, Bytes: 10}})
		want(t, query(t, s, ports.DownloadQuery{GroupBy: ports.GroupByUser}), []ports.DownloadRow{
			{User: "alice", Downloads: 10, Bytes: 5500}, {User: "", Downloads: 1, Bytes: 10},
			{User: "bob", Downloads: 1, Bytes: 100}})
	})
	t.Run("filters: repositories, path, days, limit", func(t *testing.T) {
		s := open(t)
		seed(t, s)
		want(t, query(t, s, ports.DownloadQuery{GroupBy: ports.GroupByDay, Repositories: []string{"other"}}),
			[]ports.DownloadRow{{Day: "2026-12-03", Downloads: 5, Bytes: 5000}})
		want(t, query(t, s, ports.DownloadQuery{GroupBy: ports.GroupByDay, Repositories: []string{}}), nil)
		want(t, query(t, s, ports.DownloadQuery{GroupBy: ports.GroupByUser, Repositories: []string{"libs"}, Path: "a/1.tgz"}),
			[]ports.DownloadRow{{User: "alice", Downloads: 5, Bytes: 500}, {User: "bob", Downloads: 1, Bytes: 100}})
		want(t, query(t, s, ports.DownloadQuery{GroupBy: ports.GroupByArtifact, From: "2026-12-02", To: "2026-12-02"}),
			[]ports.DownloadRow{{Repository: "libs", Path: "a/1.tgz", Downloads: 1, Bytes: 100}})
		want(t, query(t, s, ports.DownloadQuery{GroupBy: ports.GroupByArtifact, Limit: 1}),
			[]ports.DownloadRow{{Repository: "libs", Path: "a/1.tgz", Downloads: 6, Bytes: 600}})
		want(t, query(t, s, ports.DownloadQuery{GroupBy: ports.GroupByDay, From: "2027-01-01"}), nil)
	})
	t.Run("bad queries are invalid, an empty batch is nothing", func(t *testing.T) {
		s := open(t)
		mdOK(t, s.AddDownloads(mdCtx(t), nil), "AddDownloads(nil)")
		for _, q := range []ports.DownloadQuery{{GroupBy: "path"}, {GroupBy: ports.GroupByDay, From: "yesterday"},
			{GroupBy: ports.GroupByDay, To: "2026-13-01' OR 1=1"}} {
			if _, err := s.Downloads(mdCtx(t), q); !errors.Is(err, ports.ErrInvalid) {
				t.Fatalf("Downloads(%+v) = %v, want ErrInvalid", q, err)
			}
		}
	})
	t.Run("a large batch is written whole", func(t *testing.T) {
		s := open(t)
		var batch []ports.DownloadCount
		for i := range 1234 {
			batch = append(batch, dl("2026-12-05", "libs", fmt.Sprintf("p/%d", i), "", 1, 1))
		}
		mdOK(t, s.AddDownloads(mdCtx(t), batch), "AddDownloads(1234)")
		want(t, query(t, s, ports.DownloadQuery{GroupBy: ports.GroupByDay}), []ports.DownloadRow{{Day: "2026-12-05", Downloads: 1234, Bytes: 1234}})
	})
}
