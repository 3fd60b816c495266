package pgnotify_test

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/keeper-registry/keeper/adapters/pgnotify"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

const postgresEnv = "KEEPER_TEST_POSTGRES_URL"

// sqlPublisher publishes through a plain pool.
type sqlPublisher struct{ db *sql.DB }

func (p sqlPublisher) Notify(ctx context.Context, channel, payload string) error {
	_, err := p.db.ExecContext(ctx, "SELECT pg_notify($1, $2)", channel, payload)
	return err
}

// started returns a listening notifier on dsn.
func started(t *testing.T, dsn string) *pgnotify.Notifier {
	t.Helper()
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	n := pgnotify.New(dsn, sqlPublisher{pool}, pgnotify.Options{Reconcile: time.Hour})
	n.Start()
	t.Cleanup(func() { _ = n.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for !n.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("listener did not connect within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return n
}

func dsn(t *testing.T) string {
	d := os.Getenv(postgresEnv)
	if d == "" {
		t.Skipf("%s is not set; skipping PostgreSQL", postgresEnv)
	}
	return d
}

func TestNotifier(t *testing.T) {
	d := dsn(t)
	porttest.Notifier(t, func(t *testing.T) (ports.Notifier, ports.Notifier) {
		return started(t, d), started(t, d)
	})
}

// TestReconnect kills the listening backend and checks that the notifier
// reconnects, delivers a reconcile notice, and then delivers notices again.
func TestReconnect(t *testing.T) {
	d := dsn(t)
	n := started(t, d)
	other := started(t, d)
	got := make(chan string, 16)
	cancel := n.Subscribe("test.reconnect", func(p string) { got <- p })
	defer cancel()

	admin, err := sql.Open("pgx", d)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query LIKE 'LISTEN keeper_notice%' AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(15 * time.Second)
	for reconciled := false; !reconciled; {
		select {
		case p := <-got:
			reconciled = p == ports.NoticeReconcile
		case <-timeout:
			t.Fatal("no reconcile notice after the listener was killed")
		}
	}
	for !n.Connected() || !other.Connected() {
		time.Sleep(10 * time.Millisecond)
	}
	if err := other.Publish(ctx, "test.reconnect", "again"); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case p := <-got:
			if p == "again" {
				return
			}
		case <-timeout:
			t.Fatal("no notice after reconnecting")
		}
	}
}
