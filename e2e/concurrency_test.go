package e2e

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestConcurrentUploadsAndDownloads: 50 uploads at once (25 distinct paths,
// some with shared content, and 5 paths raced by 5 uploaders each, one of
// them with identical bytes) while 50 downloads of earlier artifacts run,
// then 50 downloads at once of everything. Every 201 downloads byte-identical, each raced path ends
// in exactly one 201 and four 409s, and the listing has one row per
// acknowledged path with the right size and sha256.
func TestConcurrentUploadsAndDownloads(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		k := harness.Start(t, harness.Options{DB: db})
		k.CreateRepo(harness.Repo{Key: "conc", Public: true})

		type job struct {
			path string
			data []byte
		}
		var jobs []job
		shared := content(9999, 96<<10) // same bytes under several paths: one blob
		for i := 0; i < 25; i++ {
			data := content(uint64(i), (i*37+1)*1024%(300<<10))
			if i%6 == 0 {
				data = shared
			}
			if i == 7 {
				data = []byte{} // an empty artifact
			}
			jobs = append(jobs, job{fmt.Sprintf("distinct/%02d/file-%d.bin", i, i), data})
		}
		for h := 0; h < 5; h++ {
			for u := 0; u < 5; u++ {
				data := content(uint64(1000+h*10+u), 200<<10+u*4096)
				if h == 4 {
					data = content(1040, 300<<10) // racers sending identical bytes
				}
				jobs = append(jobs, job{fmt.Sprintf("hot/path-%d.bin", h), data})
			}
		}
		// Artifacts already there, downloaded while the uploads run.
		seeded := map[string][]byte{}
		for i := 0; i < 10; i++ {
			p := fmt.Sprintf("seed/%d.bin", i)
			seeded[p] = content(uint64(5000+i), 128<<10*(i+1))
			if r, err := k.Upload("conc", p, seeded[p]); err != nil || r.Status != http.StatusCreated {
				t.Fatalf("seed %s: %v %v", p, r, err)
			}
		}
		var seedPaths []string
		for p := range seeded {
			seedPaths = append(seedPaths, p)
		}
		sort.Strings(seedPaths)

		type result struct {
			job
			status int
			err    error
		}
		results := make([]result, len(jobs))
		var wg sync.WaitGroup
		start := make(chan struct{})
		during := make([]error, 50)
		for i := range during {
			wg.Go(func() {
				<-start
				p := seedPaths[i%len(seedPaths)]
				during[i] = checkDownload(k, "conc", p, seeded[p])
			})
		}
		for i, j := range jobs {
			wg.Go(func() {
				<-start
				r, err := k.Upload("conc", j.path, j.data)
				results[i] = result{job: j, err: err}
				if err == nil {
					results[i].status = r.Status
					if r.Status != http.StatusCreated && r.Status != http.StatusConflict {
						results[i].err = fmt.Errorf("unexpected %s", r)
					}
				}
			})
		}
		close(start)
		wg.Wait()

		for _, err := range during {
			if err != nil {
				t.Errorf("while uploading: %v", err)
			}
		}
		acked := map[string][]byte{}
		for p, data := range seeded {
			acked[p] = data
		}
		created := map[string]int{}
		conflicts := map[string]int{}
		for _, r := range results {
			if r.err != nil {
				t.Errorf("upload %s: %v", r.path, r.err)
				continue
			}
			switch r.status {
			case http.StatusCreated:
				created[r.path]++
				acked[r.path] = r.data
			case http.StatusConflict:
				conflicts[r.path]++
			}
		}
		for _, j := range jobs[:25] {
			if created[j.path] != 1 {
				t.Errorf("distinct %s: %d × 201, want 1", j.path, created[j.path])
			}
		}
		for h := 0; h < 5; h++ {
			p := fmt.Sprintf("hot/path-%d.bin", h)
			if created[p] != 1 || conflicts[p] != 4 {
				t.Errorf("raced %s: %d × 201 and %d × 409, want 1 and 4", p, created[p], conflicts[p])
			}
		}

		// 50 concurrent downloads over every acknowledged path.
		var paths []string
		for p := range acked {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		if len(paths) == 0 {
			t.Fatal("nothing was acknowledged")
		}
		errs := make([]error, 50)
		for i := range errs {
			wg.Go(func() {
				p := paths[i%len(paths)]
				errs[i] = checkDownload(k, "conc", p, acked[p])
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		checkListing(t, k, "conc", acked, 7)
	})
}
