package bunstore

import (
	"context"
	"fmt"

	"github.com/keeper-registry/keeper/ports"
)

// Notify sends a PostgreSQL NOTIFY on channel through the pool (the publish
// side of adapters/pgnotify; the listening side holds its own connection).
// https://www.postgresql.org/docs/current/sql-notify.html
func (s *Store) Notify(ctx context.Context, channel, payload string) error {
	if s.dialect != DialectPostgres {
		return fmt.Errorf("bunstore: notify: %w", ports.Invalidf("dialect", "NOTIFY needs PostgreSQL"))
	}
	if _, err := s.db.ExecContext(ctx, "SELECT pg_notify(?, ?)", channel, payload); err != nil {
		return wrap("notify", err)
	}
	return nil
}
