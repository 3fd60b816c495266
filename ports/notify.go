package ports

import "context"

// Notifier carries small change notices between the replicas of a cluster
// (PostgreSQL LISTEN/NOTIFY in production; in-process with SQLite), so each
// replica drops a cached view or re-reads a record within milliseconds of a
// write on another one. A notice is a hint, never the data: receivers re-read
// the store, and a periodic reconcile covers notices lost while disconnected.
type Notifier interface {
	// Publish sends payload (≤ 4 KiB) to every subscriber of topic on every
	// replica, this one included, once the caller's write has committed.
	Publish(ctx context.Context, topic, payload string) error
	// Subscribe calls fn for every notice on topic until cancel is called.
	// fn runs on the notifier's goroutine and must not block for long.
	Subscribe(topic string, fn func(payload string)) (cancel func())
}
