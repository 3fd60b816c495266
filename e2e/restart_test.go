package e2e

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestRestartKeepsArtifacts: after SIGTERM (a clean exit) and a new start on
// the same data dir, every acknowledged artifact is there byte-identical.
func TestRestartKeepsArtifacts(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "keep", Public: true})
		want := map[string][]byte{}
		for i := 0; i < 20; i++ {
			p := fmt.Sprintf("set/%02d/item.bin", i)
			data := content(uint64(300+i), (i*i*4099)%(1<<20))
			r, err := k.Upload("keep", p, data)
			if err != nil || r.Status != http.StatusCreated {
				t.Fatalf("upload %s: %v %v", p, r, err)
			}
			want[p] = data
		}
		// A deleted artifact stays deleted.
		k.Expect(http.StatusNoContent, http.MethodDelete, harness.ArtifactPath("keep", "set/03/item.bin"), nil)
		delete(want, "set/03/item.bin")

		if err := k.Stop(); err != nil {
			t.Fatalf("SIGTERM: keeper did not exit cleanly: %v", err)
		}
		k.Restart()
		for p, data := range want {
			if err := checkDownload(k, "keep", p, data); err != nil {
				t.Error(err)
			}
		}
		checkListing(t, k, "keep", want, 6)
		k.Expect(http.StatusNotFound, http.MethodGet, harness.ArtifactPath("keep", "set/03/item.bin"), nil)
	})
}

// TestKillKeepsAcknowledged: SIGKILL while four clients keep uploading; after
// a restart every upload acknowledged with 201 before the kill is there
// byte-identical, and every listed row is a complete artifact.
func TestKillKeepsAcknowledged(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "kill", Public: true})

		var (
			mu       sync.Mutex
			acked    = map[string][]byte{}
			tried    = map[string][]byte{}
			count    atomic.Int64
			enough   = make(chan struct{})
			closeOne sync.Once
			wg       sync.WaitGroup
		)
		for w := 0; w < 4; w++ {
			wg.Go(func() {
				for i := 0; i < 500; i++ {
					p := fmt.Sprintf("w%d/%03d.bin", w, i)
					data := content(uint64(w*1000+i), 64<<10+(i%8)*64<<10)
					mu.Lock()
					tried[p] = data
					mu.Unlock()
					r, err := k.Upload("kill", p, data)
					if err != nil {
						return // the server is gone
					}
					if r.Status != http.StatusCreated {
						if k.Running() {
							t.Errorf("upload %s while running: %s", p, r)
						}
						return
					}
					mu.Lock()
					acked[p] = data
					mu.Unlock()
					if count.Add(1) == 40 {
						closeOne.Do(func() { close(enough) })
					}
				}
			})
		}
		<-enough
		k.Kill()
		wg.Wait()
		t.Logf("%d uploads acknowledged before the kill", len(acked))

		k.Restart()
		for p, data := range acked {
			if err := checkDownload(k, "kill", p, data); err != nil {
				t.Error(err)
			}
		}
		rows, err := k.List("kill", "", 50)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, row := range rows {
			if seen[row.Path] {
				t.Errorf("listing has %q twice", row.Path)
			}
			seen[row.Path] = true
			data, ok := tried[row.Path]
			if !ok {
				t.Errorf("listing has %q, which was never uploaded", row.Path)
				continue
			}
			// A row may exist for an upload whose 201 was lost in the kill,
			// but then it must be complete.
			if row.Size != int64(len(data)) || row.SHA256 != harness.SHA256(data) {
				t.Errorf("listing row %q: size %d sha256 %s, want %d %s", row.Path, row.Size, row.SHA256, len(data), harness.SHA256(data))
			} else if _, ok := acked[row.Path]; !ok {
				if err := checkDownload(k, "kill", row.Path, data); err != nil {
					t.Errorf("unacknowledged but listed: %v", err)
				}
			}
		}
		for p := range acked {
			if !seen[p] {
				t.Errorf("listing lacks acknowledged %q", p)
			}
		}
		k.Expect(http.StatusOK, http.MethodGet, "/ready", nil)
	})
}
