package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// The multi-replica suite (issue 22): two to four keeper processes on one
// PostgreSQL schema and one blob store — the S3 bucket of .ci/versitygw.sh
// when KEEPER_TEST_S3_ENDPOINT is set, else a shared directory. It is skipped
// without KEEPER_TEST_POSTGRES_URL (SQLite is one process by design).

// cluster is N replicas of one keeper installation.
type cluster struct {
	nodes []*harness.Keeper
	// blobEnv configures the shared blob store; s3 says whether it is S3.
	blobEnv []string
	s3      bool
	prefix  string
}

// clusterDB returns a fresh PostgreSQL schema, or skips the test.
func clusterDB(t *testing.T) harness.DB {
	t.Helper()
	if os.Getenv(harness.PostgresEnv) == "" {
		t.Skip(harness.PostgresEnv + " is not set; the multi-replica suite needs PostgreSQL")
	}
	return harness.NewDB(t, "postgres")
}

// newCluster starts n replicas on db with env added to each.
func newCluster(t *testing.T, db harness.DB, n int, env ...string) *cluster {
	t.Helper()
	c := &cluster{}
	if ep := os.Getenv("KEEPER_TEST_S3_ENDPOINT"); ep != "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		c.s3, c.prefix = true, "e2e-"+hex.EncodeToString(b[:])
		c.blobEnv = []string{"KEEPER_STORAGE_BACKEND=s3", "KEEPER_S3_ENDPOINT=" + ep,
			"KEEPER_S3_BUCKET=" + os.Getenv("KEEPER_TEST_S3_BUCKET"), "KEEPER_S3_ACCESS_KEY=" + os.Getenv("KEEPER_TEST_S3_ACCESS_KEY"),
			"KEEPER_S3_SECRET_KEY=" + os.Getenv("KEEPER_TEST_S3_SECRET_KEY"), "KEEPER_S3_PATH_STYLE=true",
			"KEEPER_S3_PREFIX=" + c.prefix}
	} else {
		c.blobEnv = []string{"KEEPER_STORAGE_PATH=" + t.TempDir()}
	}
	for range n {
		c.add(t, db, env...)
	}
	return c
}

// add starts one more replica.
func (c *cluster) add(t *testing.T, db harness.DB, env ...string) *harness.Keeper {
	t.Helper()
	k := harness.Start(t, harness.Options{DB: db, Env: append(append([]string{}, c.blobEnv...), env...)})
	c.nodes = append(c.nodes, k)
	return k
}

// anonymous GETs path on k without credentials.
func anonymous(t *testing.T, k *harness.Keeper, path string) *harness.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, k.URL+path, nil)
	req.Header.Set("Authorization", "")
	r, err := k.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestClusterReplicasAgreeWithin100ms: a delete and a switch to private made
// on one replica are served by the other 100 ms after the write's response,
// with a cache TTL of a minute (so only the change notice can explain it).
func TestClusterReplicasAgreeWithin100ms(t *testing.T) {
	t.Parallel()
	c := newCluster(t, clusterDB(t), 2, "KEEPER_CACHE_TTL=1m")
	a, b := c.nodes[0], c.nodes[1]
	a.CreateRepo(harness.Repo{Key: "shared", Public: true})
	const path = "/api/v1/repositories/shared/download/"
	const bound = 100 * time.Millisecond

	for i := range 5 { // several rounds: one lucky timing proves little
		name := "f" + string(rune('0'+i)) + ".txt"
		if r, err := a.Upload("shared", name, []byte("content "+name)); err != nil || r.Status != http.StatusCreated {
			t.Fatalf("upload: %v %v", r, err)
		}
		if r := anonymous(t, b, path+name); r.Status != http.StatusOK {
			t.Fatalf("replica B before the delete: %s", r)
		}
		a.Expect(http.StatusNoContent, http.MethodDelete, harness.ArtifactPath("shared", name), nil)
		time.Sleep(bound)
		if r := anonymous(t, b, path+name); r.Status != http.StatusNotFound {
			t.Fatalf("round %d: replica B still serves a file deleted on A %s ago: %s", i, bound, r)
		}
	}

	if r, err := a.Upload("shared", "kept.txt", []byte("kept")); err != nil || r.Status != http.StatusCreated {
		t.Fatalf("upload: %v %v", r, err)
	}
	if r := anonymous(t, b, path+"kept.txt"); r.Status != http.StatusOK {
		t.Fatalf("replica B before the switch: %s", r)
	}
	a.Expect(http.StatusOK, http.MethodPatch, "/api/v1/repositories/shared",
		harness.JSONBody(map[string]any{"is_public": false}), "Content-Type", "application/json")
	time.Sleep(bound)
	if r := anonymous(t, b, path+"kept.txt"); r.Status == http.StatusOK {
		t.Fatalf("replica B serves a repository made private on A %s ago to anonymous callers", bound)
	}
}

// TestClusterJobRunsOnce: with three replicas, a job due every second runs
// about once a second in total, not three times, and never twice at once.
func TestClusterJobRunsOnce(t *testing.T) {
	t.Parallel()
	db := clusterDB(t)
	c := newCluster(t, db, 3, "KEEPER_JOBS_UPLOAD_EXPIRY_INTERVAL=1s")
	from := time.Now()
	time.Sleep(8 * time.Second)
	to := time.Now()
	var runs []time.Time
	holders := map[string]bool{}
	for _, k := range c.nodes {
		for _, line := range strings.Split(k.Logs(), "\n") {
			if !strings.Contains(line, `msg="jobs: run finished"`) || !strings.Contains(line, "job=uploads.expire") {
				continue
			}
			ts, _, _ := strings.Cut(strings.TrimPrefix(line, "time="), " ")
			at, err := time.Parse(time.RFC3339Nano, ts)
			if err != nil || at.Before(from) || at.After(to) {
				continue
			}
			runs = append(runs, at)
			if _, h, ok := strings.Cut(line, "holder="); ok {
				holders[strings.Fields(h)[0]] = true
			}
		}
	}
	// Once per second: about 8 runs in the window; three replicas each
	// running it would make about 24.
	window := to.Sub(from)
	if max := int(window/time.Second) + 2; len(runs) == 0 || len(runs) > max {
		t.Fatalf("uploads.expire finished %d times across 3 replicas in %s, want 1 to %d", len(runs), window, max)
	}
	t.Logf("uploads.expire: %d runs in %s by %d holders", len(runs), window, len(holders))
}

// barrierProxy forwards to the replicas in turn, holding every request that
// match selects until n of them arrived (or 2 minutes passed), then
// releasing them together: npm clients start at different speeds on a busy
// machine, and without the barrier their writes would rarely overlap.
func barrierProxy(t *testing.T, targets []string, n int, match func(*http.Request) bool) string {
	t.Helper()
	var proxies []*httputil.ReverseProxy
	for _, target := range targets {
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		proxies = append(proxies, httputil.NewSingleHostReverseProxy(u))
	}
	var mu sync.Mutex
	arrived, next := 0, 0
	release := make(chan struct{})
	timeout := time.AfterFunc(2*time.Minute, func() {
		mu.Lock()
		defer mu.Unlock()
		if arrived < n {
			arrived = n
			close(release)
		}
	})
	t.Cleanup(func() { timeout.Stop() })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		p := proxies[next%len(proxies)]
		next++
		if match(r) {
			arrived++
			if arrived == n {
				close(release)
			}
			mu.Unlock()
			<-release
		} else {
			mu.Unlock()
		}
		p.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestClusterDistTagRace: ten concurrent `npm dist-tag add`, their writes
// released at the same instant and spread over the replicas, all answer
// success and all ten tags survive (SQLite: one replica; PostgreSQL: two).
func TestClusterDistTagRace(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("npm"); err != nil {
		harness.MissingClient(t, "npm missing: %v", err)
	}
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		n := 1
		if db.Name == "postgres" {
			n = 2
		}
		c := newCluster(t, db, n)
		k := c.nodes[0]
		k.CreateRepo(harness.Repo{Key: "js", Format: "npm", Public: true})
		token := k.APIToken("race")
		root, err := harness.ModuleRoot()
		if err != nil {
			t.Fatal(err)
		}
		work := t.TempDir()
		hello := work + "/hello"
		copyTree(t, root+"/plugins/npm/testdata/src/hello", hello)
		direct := newNpmEnv(t, k, "js")
		direct.writeRC(token)
		direct.must(hello, "npm", "publish")

		const racers = 10
		var targets []string
		for _, node := range c.nodes {
			targets = append(targets, node.URL)
		}
		proxy := barrierProxy(t, targets, racers, func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/dist-tags/")
		})
		e := &npmEnv{t: t, dir: t.TempDir(), registry: proxy + "/npm/js/"}
		e.npmrc = e.dir + "/npmrc"
		e.writeRC(token)

		outs := make([]string, racers)
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = e.run(work, "", "npm", "dist-tag", "add", "hello-keeper@1.0.0", "race"+string(rune('a'+i)))
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("dist-tag add %d: %v\n%s", i, err, outs[i])
			}
		}
		ls := direct.must(work, "npm", "dist-tag", "ls", "hello-keeper")
		for i := range racers {
			if tag := "race" + string(rune('a'+i)); !strings.Contains(ls, tag+": 1.0.0") {
				t.Errorf("tag %s lost; dist-tag ls:\n%s", tag, ls)
			}
		}
	})
}
