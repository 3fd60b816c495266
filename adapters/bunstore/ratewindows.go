package bunstore

import (
	"context"
	"math/rand/v2"
	"time"
)

// CountHit adds one hit to key's fixed window containing now and returns
// the hits in it (ratelimit.Counter): one upsert every replica serialises
// on. Now and then it deletes windows that ended over an hour ago.
func (s *Store) CountHit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	start := now.Truncate(window)
	var hits int
	err := s.db.NewRaw(`INSERT INTO rate_windows (bucket, window_start, hits) VALUES (?, ?, 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_windows.hits + 1
RETURNING hits`, key, toNanos(start)).Scan(ctx, &hits)
	if err != nil {
		return 0, wrap("count hit", err)
	}
	if rand.IntN(100) == 0 {
		if _, err := s.db.NewRaw("DELETE FROM rate_windows WHERE window_start < ?", toNanos(start.Add(-time.Hour-window))).Exec(ctx); err != nil {
			return hits, wrap("expire rate windows", err)
		}
	}
	return hits, nil
}
