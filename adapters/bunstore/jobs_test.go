package bunstore_test

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// stepClock is a settable clock.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func withClock(s *bunstore.Store) (ports.JobLeases, func(time.Duration)) {
	c := &stepClock{now: time.Unix(1800000000, 0)}
	s.SetClock(c)
	return s, c.advance
}

func TestJobLeasesSQLite(t *testing.T) {
	porttest.JobLeases(t, func(t *testing.T) (ports.JobLeases, func(time.Duration)) { return withClock(openSQLite(t)) })
}

func TestJobLeasesPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	porttest.JobLeases(t, func(t *testing.T) (ports.JobLeases, func(time.Duration)) { return withClock(openPostgres(t)) })
}
