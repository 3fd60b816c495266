package bunstore

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/core/replication"
	"github.com/keeper-registry/keeper/core/signing"
	"github.com/keeper-registry/keeper/core/webhook"
)

// sealedColumn is a column of values sealed by a core service, bound to
// the row's key column (the seal context names the key).
type sealedColumn struct {
	table, key, column string
	context            func(key string) string
}

// sealedColumns are the values services seal themselves (the store seals
// settings, providers, two-factor secrets and repositories).
var sealedColumns = []sealedColumn{
	{"signing_keys", "id", "sealed_private", signing.SealContext},
	{"webhooks", "name", "secret", webhook.SealContext},
	{"webhooks", "name", "previous_secret", webhook.SealContext},
	{"replication_peers", "name", "sealed_api_key", replication.SealContext},
}

// resealColumns seals every value of sealedColumns that an older secrets
// key (or none) sealed with the current one; it returns how many values
// changed. A value changed meanwhile (another replica resealing) is left
// to that writer.
func (s *Store) resealColumns(ctx context.Context) (int, error) {
	n := 0
	for _, c := range sealedColumns {
		var rows []struct {
			Key   string `bun:"k"`
			Value string `bun:"v"`
		}
		if err := s.db.NewRaw("SELECT ? AS k, ? AS v FROM ? WHERE ? <> ''", bun.Ident(c.key), bun.Ident(c.column),
			bun.Ident(c.table), bun.Ident(c.column)).Scan(ctx, &rows); err != nil {
			return n, fmt.Errorf("%s: %w", c.table, err)
		}
		for _, r := range rows {
			plain, current, err := s.open(r.Value, c.context(r.Key))
			if err != nil {
				return n, fmt.Errorf("%s %s: %w", c.table, r.Key, err)
			}
			if current {
				continue
			}
			v, err := s.seal(plain, c.context(r.Key))
			if err != nil {
				return n, err
			}
			if _, err := s.db.NewRaw("UPDATE ? SET ? = ? WHERE ? = ? AND ? = ?", bun.Ident(c.table), bun.Ident(c.column), v,
				bun.Ident(c.key), r.Key, bun.Ident(c.column), r.Value).Exec(ctx); err != nil {
				return n, fmt.Errorf("%s %s: %w", c.table, r.Key, err)
			}
			n++
		}
	}
	return n, nil
}
