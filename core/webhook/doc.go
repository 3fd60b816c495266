// Package webhook manages webhooks and delivers events to them: signed
// POSTs from a durable outbox, with retries, auto-disable and templates.
package webhook
