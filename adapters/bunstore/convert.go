package bunstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"
)

// Page sizes for cursor listings.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	}
	return n
}

// Times are stored as unix nanoseconds (UTC) so they round-trip exactly on
// both dialects; the zero time is stored as NULL (so is the instant
// 1970-01-01T00:00:00Z). Times outside 1678..2262 are clamped to that range.
var (
	minTime = time.Unix(0, -1<<63).UTC()
	maxTime = time.Unix(0, 1<<63-1).UTC()
)

func toNanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(minTime):
		return -1 << 63
	case t.After(maxTime):
		return 1<<63 - 1
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// normTime is what a time looks like after a round trip through the store.
func normTime(t time.Time) time.Time { return fromNanos(toNanos(t)) }

// encodeMap stores a string map as a JSON object ("{}" when empty).
func encodeMap(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // a map[string]string always marshals
	return string(b)
}

// decodeMap returns nil for an empty object.
func decodeMap(s string) (map[string]string, error) {
	if s == "" || s == "{}" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// encodeList keeps the difference between nil (NULL) and empty ("[]").
func encodeList(l []string) *string {
	if l == nil {
		return nil
	}
	b, _ := json.Marshal(l)
	s := string(b)
	return &s
}

func decodeList(s *string) ([]string, error) {
	if s == nil {
		return nil, nil
	}
	l := []string{}
	if err := json.Unmarshal([]byte(*s), &l); err != nil {
		return nil, err
	}
	return l, nil
}

// inTx runs fn in one transaction. On SQLite the DSN makes it BEGIN IMMEDIATE,
// so writers queue on the database lock (busy_timeout) instead of failing
// when a read lock would have to be upgraded.
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.db.RunInTx(ctx, nil, fn)
}

// forUpdate adds FOR UPDATE on PostgreSQL; SQLite transactions already hold
// the database write lock from BEGIN IMMEDIATE.
func (s *Store) forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if s.dialect == DialectPostgres {
		return q.For("UPDATE")
	}
	return q
}

// prefixEnd is an exclusive upper bound for strings starting with prefix in
// byte order (BINARY collation on SQLite, "C" on PostgreSQL): prefix followed
// by the highest Unicode code point. Keeps prefix scans on the index.
func prefixEnd(prefix string) string { return prefix + "\U0010FFFF" }
