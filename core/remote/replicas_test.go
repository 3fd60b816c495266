package remote_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/egress"
	"github.com/keeper-registry/keeper/adapters/upstream"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// twoReplicas opens two stores on one database, as two keeper processes do.
func twoReplicas(t *testing.T, dsn string) (*bunstore.Store, *bunstore.Store) {
	var out [2]*bunstore.Store
	for i := range out {
		s, err := bunstore.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return out[0], out[1]
}

// testOneFetchAcrossReplicas: requests spread over two replicas (each with
// its own in-process single-flight) cause one upstream fetch in all.
func testOneFetchAcrossReplicas(t *testing.T, a, b *bunstore.Store) {
	up := newCounting(t)
	const path = "/big/-/big-1.0.0.tgz"
	up.set(path, strings.Repeat("z", 1<<18))
	gate := make(chan struct{})
	up.gate = gate
	repo := ports.Repository{Key: "proxy", Format: "generic", Type: ports.RepoRemote, UpstreamURL: up.srv.URL}
	if err := a.CreateRepository(t.Context(), &repo); err != nil {
		t.Fatal(err)
	}
	blobs := dispatchtest.NewBlobs() // shared, as a shared storage backend is
	var svcs []*remote.Service
	for _, s := range []*bunstore.Store{a, b} {
		svcs = append(svcs, remote.New(remote.Deps{Files: s, Blobs: blobs, Locker: s, Formats: &formats{},
			Upstream: upstream.New(egress.Policy{AllowPrivateNetworks: true}, upstream.Options{})}, remote.Options{}))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := repo
			_, err := svcs[i%2].Get(context.Background(), remote.Request{Repo: &r, Path: path}, nil)
			errs <- err
		}()
	}
	for up.count(path) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the other replica is waiting on the lease by now
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := up.count(path); n != 1 {
		t.Fatalf("%d upstream fetches across two replicas, want 1", n)
	}
}

func TestOneFetchAcrossReplicasSQLite(t *testing.T) {
	a, b := twoReplicas(t, filepath.Join(t.TempDir(), "keeper.db"))
	testOneFetchAcrossReplicas(t, a, b)
}

func TestOneFetchAcrossReplicasPostgres(t *testing.T) {
	base := os.Getenv("KEEPER_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("KEEPER_TEST_POSTGRES_URL is not set; skipping the PostgreSQL run")
	}
	admin, err := bunstore.Open(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	var r [6]byte
	_, _ = rand.Read(r[:])
	schema := "keeper_remote_" + hex.EncodeToString(r[:])
	if _, err := admin.DB().ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.DB().ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	a, b := twoReplicas(t, u.String())
	testOneFetchAcrossReplicas(t, a, b)
}
