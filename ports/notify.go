package ports

import "context"

// Notifier carries small change notices between the replicas of a cluster
// (PostgreSQL LISTEN/NOTIFY in production; in-process with SQLite), so each
// replica drops a cached view or re-reads a record within milliseconds of a
// write on another one. A notice is a hint, never the data: receivers re-read
// the store. Notices can be lost (a dropped connection, a full queue); the
// notifier then delivers NoticeReconcile on every topic, and it does so
// periodically as well, so a subscriber that treats NoticeReconcile as
// "anything may have changed" converges without relying on delivery.
type Notifier interface {
	// Publish sends payload (≤ MaxNoticeBytes) to every subscriber of topic
	// on every replica, this one included. Callers publish after their
	// write has committed, so a receiver that re-reads sees it.
	Publish(ctx context.Context, topic, payload string) error
	// Subscribe calls fn for every notice on topic until cancel is called.
	// fn runs on the notifier's goroutine and must not block for long.
	Subscribe(topic string, fn func(payload string)) (cancel func())
}

// NoticeReconcile is the payload delivered to every subscriber when notices
// may have been missed (after a reconnect, an overflow, and periodically):
// re-read everything the topic covers.
const NoticeReconcile = "*"

// MaxNoticeBytes bounds topic plus payload of one notice (PostgreSQL allows
// 8000 bytes per NOTIFY; a notice names what changed, never the data).
const MaxNoticeBytes = 4096
