package bunstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.KeyLocker = (*Store)(nil)

// keyLeaseTTL is how long a lease outlives a holder that stopped renewing
// it; the holder renews it every third of that.
const keyLeaseTTL = 30 * time.Second

// LockKey holds key until unlock, across every replica sharing the
// database: a row in key_leases that a holder renews while it works (no
// connection is kept, so many keys may be held at once). Others poll until
// the row is gone or its lease expired.
func (s *Store) LockKey(ctx context.Context, key string) (func(), error) {
	const op = "lock key"
	sum := sha256.Sum256([]byte(key))
	k := hex.EncodeToString(sum[:])
	var b [12]byte
	_, _ = rand.Read(b[:])
	holder := hex.EncodeToString(b[:])
	wait := 20 * time.Millisecond
	for {
		now := s.clock.Now()
		res, err := s.db.ExecContext(ctx, "INSERT INTO key_leases (lease_key, holder, lease_until) VALUES (?, ?, ?) "+
			"ON CONFLICT (lease_key) DO UPDATE SET holder = EXCLUDED.holder, lease_until = EXCLUDED.lease_until "+
			"WHERE key_leases.lease_until < ?", k, holder, toNanos(now.Add(keyLeaseTTL)), toNanos(now))
		if err != nil {
			return nil, wrap(op, err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("bunstore: %s: %w", op, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(wait*2, 250*time.Millisecond)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(keyLeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_, _ = s.db.ExecContext(context.WithoutCancel(ctx), "UPDATE key_leases SET lease_until = ? WHERE lease_key = ? AND holder = ?",
					toNanos(s.clock.Now().Add(keyLeaseTTL)), k, holder)
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		_, _ = s.db.ExecContext(context.WithoutCancel(ctx), "DELETE FROM key_leases WHERE lease_key = ? AND holder = ?", k, holder)
	}, nil
}
