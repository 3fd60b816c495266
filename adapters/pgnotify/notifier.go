package pgnotify

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keeper-registry/keeper/adapters/localnotify"
	"github.com/keeper-registry/keeper/ports"
)

var _ ports.Notifier = (*Notifier)(nil)

// channelPrefix names the one PostgreSQL channel every notice of a cluster
// travels on; the topic rides in the payload ("topic\npayload"), so
// subscribing never needs a new LISTEN on the busy connection. NOTIFY is
// scoped to a database, not a schema, so the schema in the DSN's search_path
// is appended: clusters sharing a database in separate schemas stay apart.
// https://www.postgresql.org/docs/current/sql-notify.html
const channelPrefix = "keeper_notice"

// channelFor derives the channel name (an identifier of at most 63 bytes).
func channelFor(dsn string) string {
	ch := channelPrefix
	if u, err := url.Parse(dsn); err == nil {
		if sp := u.Query().Get("search_path"); sp != "" {
			var b strings.Builder
			for _, r := range strings.ToLower(strings.SplitN(sp, ",", 2)[0]) {
				if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' {
					b.WriteRune(r)
				}
			}
			if b.Len() > 0 {
				ch += "_" + b.String()
			}
		}
	}
	if len(ch) > 63 {
		ch = ch[:63]
	}
	return ch
}

// Backoff bounds the wait between reconnect attempts.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// Options tune the notifier; zero values take the defaults.
type Options struct {
	// Reconcile is how often every topic gets a ports.NoticeReconcile
	// (default 30 s); it also follows every reconnect.
	Reconcile time.Duration
	Log       *slog.Logger
}

// Publisher sends a NOTIFY through the shared connection pool
// (bunstore.Store).
type Publisher interface {
	Notify(ctx context.Context, channel, payload string) error
}

// Notifier publishes with pg_notify on the shared pool and listens on one
// dedicated connection of its own.
type Notifier struct {
	dsn     string
	channel string
	pool    Publisher
	hub     *localnotify.Hub
	log     *slog.Logger

	connected atomic.Bool
	cancel    context.CancelFunc
	done      chan struct{}
	startOnce sync.Once
}

// New returns a notifier that publishes through pool and, once Start is
// called, listens on its own connection to dsn.
func New(dsn string, pool Publisher, o Options) *Notifier {
	if o.Reconcile <= 0 {
		o.Reconcile = 30 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Notifier{dsn: dsn, channel: channelFor(dsn), pool: pool, hub: localnotify.NewHub(o.Reconcile), log: o.Log, done: make(chan struct{})}
}

// Publish sends the notice to every replica (this one included).
func (n *Notifier) Publish(ctx context.Context, topic, payload string) error {
	if err := localnotify.Check(topic, payload); err != nil {
		return err
	}
	if err := n.pool.Notify(ctx, n.channel, topic+"\n"+payload); err != nil {
		return fmt.Errorf("notify: publish %s: %w", topic, err)
	}
	return nil
}

// Subscribe registers fn for topic.
func (n *Notifier) Subscribe(topic string, fn func(string)) func() {
	return n.hub.Subscribe(topic, fn)
}

// Connected reports whether the listening connection is up (health).
func (n *Notifier) Connected() bool { return n.connected.Load() }

// Start connects the listener in the background; it never blocks on the
// database (a replica whose listener is down still serves, relying on the
// reconcile and the cache TTL).
func (n *Notifier) Start() {
	n.startOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		n.cancel = cancel
		go n.run(ctx)
	})
}

// Close stops the listener and the delivery goroutine.
func (n *Notifier) Close() error {
	if n.cancel != nil {
		n.cancel()
		<-n.done
	}
	n.hub.Close()
	return nil
}

func (n *Notifier) run(ctx context.Context) {
	defer close(n.done)
	backoff := minBackoff
	first := true
	for ctx.Err() == nil {
		err := n.listen(ctx, func() {
			backoff = minBackoff
			if !first {
				// Notices sent while we were away are lost: re-read all.
				n.hub.Reconcile()
			}
			first = false
		})
		n.connected.Store(false)
		if ctx.Err() != nil {
			return
		}
		n.log.Warn("notify: listener disconnected, reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// listen holds one connection: LISTEN, then deliver until it fails.
func (n *Notifier) listen(ctx context.Context, up func()) error {
	conn, err := pgx.Connect(ctx, n.dsn)
	if err != nil {
		return fmt.Errorf("notify: connect: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+n.channel); err != nil {
		return fmt.Errorf("notify: listen: %w", err)
	}
	n.connected.Store(true)
	up()
	for {
		msg, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("notify: wait: %w", err)
		}
		topic, payload, ok := strings.Cut(msg.Payload, "\n")
		if !ok {
			continue // not ours
		}
		n.hub.Deliver(topic, payload)
	}
}
