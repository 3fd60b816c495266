package porttest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// mdRace runs fn(i) for i in [0,n) on n goroutines released together and
// returns every result.
func mdRace(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func mdConcurrentApply(t *testing.T, open func(t *testing.T) MetadataStores) {
	const writers = 50
	t.Run("different paths all commit", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		r := mdNewRepo(t, s, "libs")
		errs := mdRace(writers, func(i int) error {
			p := mdPut(fmt.Sprintf("f/%02d", i), "d", false)
			p.File.Package, p.File.Version = "pkg", fmt.Sprint(i)
			_, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{p}})
			return err
		})
		for i, err := range errs {
			mdOK(t, err, fmt.Sprintf("writer %d", i))
		}
		files, err := s.Files.ListFiles(ctx, r.ID, ports.FileListing{})
		mdOK(t, err, "list")
		if len(files) != writers {
			t.Errorf("%d files, want %d", len(files), writers)
		}
		vs, err := s.Files.ListVersions(ctx, r.ID, "pkg", "", 0)
		mdOK(t, err, "versions")
		if len(vs) != writers {
			t.Errorf("%d versions, want %d", len(vs), writers)
		}
		got, err := s.Repos.GetRepository(ctx, "libs")
		mdOK(t, err, "get repository")
		if got.Generation != writers {
			t.Errorf("generation %d, want %d", got.Generation, writers)
		}
	})

	t.Run("one path has one winner", func(t *testing.T) {
		s := open(t)
		ctx := mdCtx(t)
		r := mdNewRepo(t, s, "libs")
		errs := mdRace(writers, func(i int) error {
			_, err := s.Files.Apply(ctx, r.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("same", fmt.Sprintf("d%02d", i), false)}})
			return err
		})
		wins, conflicts := 0, 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ports.ErrConflict):
				conflicts++
			default:
				t.Errorf("writer %d: unexpected error %v", i, err)
			}
		}
		if wins != 1 || conflicts != writers-1 {
			t.Errorf("%d winners and %d conflicts, want 1 and %d", wins, conflicts, writers-1)
		}
		files, err := s.Files.ListFiles(ctx, r.ID, ports.FileListing{})
		mdOK(t, err, "list")
		if len(files) != 1 {
			t.Errorf("%d rows for one path", len(files))
		}
		got, err := s.Repos.GetRepository(ctx, "libs")
		mdOK(t, err, "get repository")
		if got.Generation != 1 {
			t.Errorf("generation %d, want 1 (only the winner bumps it)", got.Generation)
		}
	})
}
