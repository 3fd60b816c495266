package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/keeper-registry/keeper/ports"
)

// Dialect names returned by Store.Dialect.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// sqliteBusyTimeoutMS is how long a SQLite writer waits for the write lock
// before failing with SQLITE_BUSY.
const sqliteBusyTimeoutMS = 15000

// Store is the bun-backed metadata store.
type Store struct {
	db      *bun.DB
	dialect string
	clock   ports.Clock
	// sealer encrypts secrets at rest; nil stores them as given.
	sealer Sealer
	// migrateMu serialises Migrate calls inside one process; PostgreSQL
	// additionally takes an advisory lock across processes.
	migrateMu sync.Mutex
	// stmts holds the prepared statements of the hot queries (prepared.go).
	stmts stmtCache
	// webhookQueued wakes the local webhook workers (webhookoutbox.go).
	webhookQueued atomic.Pointer[func()]
}

var (
	_ ports.RepositoryStore = (*Store)(nil)
	_ ports.FileStore       = (*Store)(nil)
	_ ports.UserStore       = (*Store)(nil)
	_ ports.TokenStore      = (*Store)(nil)
	_ ports.SettingStore    = (*Store)(nil)
	_ ports.UploadStore     = (*Store)(nil)
	_ ports.PluginStore     = (*Store)(nil)
	_ ports.Pinger          = (*Store)(nil)
)

// Pool bounds the connection pool (see config.Database).
type Pool struct {
	MaxOpen     int
	MaxIdle     int
	MaxIdleTime time.Duration
	MaxLifetime time.Duration
}

// DefaultPool is what Open uses: 10 connections, 5 kept idle for a minute,
// recycled after 30 minutes (8 replicas fit a stock max_connections=100).
var DefaultPool = Pool{MaxOpen: 10, MaxIdle: 5, MaxIdleTime: time.Minute, MaxLifetime: 30 * time.Minute}

func (p Pool) apply(db *sql.DB) {
	if p.MaxOpen <= 0 {
		p.MaxOpen = DefaultPool.MaxOpen
	}
	db.SetMaxOpenConns(p.MaxOpen)
	db.SetMaxIdleConns(min(max(p.MaxIdle, 0), p.MaxOpen))
	db.SetConnMaxIdleTime(p.MaxIdleTime)
	db.SetConnMaxLifetime(p.MaxLifetime)
}

// Open connects to the database named by dsn with DefaultPool: "postgres://…"
// or "postgresql://…" selects PostgreSQL (pgx); anything else is a SQLite
// file path, optionally written "sqlite://PATH". Open does not migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return OpenPool(ctx, dsn, DefaultPool)
}

// OpenPool is Open with an explicit pool bound. SQLite is capped too: every
// connection holds a file handle and a parsed schema.
func OpenPool(ctx context.Context, dsn string, pool Pool) (*Store, error) {
	if dsn == "" {
		return nil, fmt.Errorf("bunstore: open: %w", ports.Invalidf("dsn", "empty database DSN"))
	}
	var (
		sqldb   *sql.DB
		db      *bun.DB
		dialect string
		err     error
	)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sqldb, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("bunstore: open postgres: %w", err)
		}
		db = bun.NewDB(sqldb, pgdialect.New())
		dialect = DialectPostgres
		pool.apply(sqldb)
	} else {
		name, memory := sqliteDSN(dsn)
		if !memory {
			if err := createPrivate(strings.TrimPrefix(strings.SplitN(dsn, "?", 2)[0], "sqlite://")); err != nil {
				return nil, fmt.Errorf("bunstore: open sqlite: %w", err)
			}
		}
		sqldb, err = sql.Open("sqlite", name)
		if err != nil {
			return nil, fmt.Errorf("bunstore: open sqlite: %w", err)
		}
		if memory {
			// Every connection to ":memory:" is a separate database.
			sqldb.SetMaxOpenConns(1)
		} else {
			pool.apply(sqldb)
		}
		db = bun.NewDB(sqldb, sqlitedialect.New())
		dialect = DialectSQLite
	}
	s := &Store{db: db, dialect: dialect, clock: ports.SystemClock{}}
	if err := s.Ping(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// createPrivate creates the SQLite file readable by its owner only (0600)
// before SQLite does, and tightens an existing one; SQLite gives its -wal
// and -shm files the database file's mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Chmod(0o600)
}

// sqliteDSN turns a path (or sqlite://PATH) into a modernc DSN with WAL, a
// busy timeout, foreign keys, and BEGIN IMMEDIATE for write transactions so
// concurrent writers queue on the lock instead of failing on upgrade.
func sqliteDSN(dsn string) (string, bool) {
	path := strings.TrimPrefix(dsn, "sqlite://")
	query := ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	memory := path == ":memory:" || strings.Contains(query, "mode=memory")
	q, err := url.ParseQuery(query)
	if err != nil {
		q = url.Values{}
	}
	setDefault := func(k, v string) {
		if q.Get(k) == "" {
			q.Set(k, v)
		}
	}
	setDefault("_busy_timeout", fmt.Sprint(sqliteBusyTimeoutMS))
	setDefault("_foreign_keys", "1")
	setDefault("_txlock", "immediate")
	if !memory {
		setDefault("_journal_mode", "WAL")
		setDefault("_synchronous", "NORMAL")
	}
	return path + "?" + q.Encode(), memory
}

// Dialect reports "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// DB exposes the bun handle for adapters that share the database (search).
func (s *Store) DB() *bun.DB { return s.db }

// SetClock replaces the clock used for created/updated times (tests).
func (s *Store) SetClock(c ports.Clock) { s.clock = c }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return wrap("ping", err)
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("bunstore: close: %w", err)
	}
	return nil
}
