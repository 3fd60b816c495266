// Package pgnotify is the ports.Notifier over PostgreSQL LISTEN/NOTIFY: one
// dedicated listening connection per replica, reconnected with backoff.
package pgnotify
