// Package localnotify is the in-process ports.Notifier for a single replica
// (the SQLite deployment): notices go straight to this process's subscribers.
package localnotify
