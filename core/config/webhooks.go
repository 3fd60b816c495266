package config

import "time"

// validateWebhooks reports the webhook settings out of range through bad.
func (c Config) validateWebhooks(bad func(key, format string, args ...any)) {
	w := c.Webhooks
	if w.Workers < 1 || w.Workers > 64 {
		bad("webhooks.workers", "must be between 1 and 64")
	}
	durations := []struct {
		key      string
		v        time.Duration
		min, max time.Duration
	}{
		{"webhooks.poll", w.Poll, 10 * time.Millisecond, time.Minute},
		{"webhooks.timeout", w.Timeout, 100 * time.Millisecond, 5 * time.Minute},
		{"webhooks.retry_base", w.RetryBase, 10 * time.Millisecond, time.Hour},
		{"webhooks.retry_max", w.RetryMax, w.RetryBase, 24 * time.Hour},
		{"webhooks.retention", w.Retention, time.Hour, 366 * 24 * time.Hour},
	}
	for _, d := range durations {
		if d.v < d.min || d.v > d.max {
			bad(d.key, "must be between %s and %s", d.min, d.max)
		}
	}
	if w.MaxAttempts < 1 || w.MaxAttempts > 50 {
		bad("webhooks.max_attempts", "must be between 1 and 50")
	}
	if w.DisableAfter < 0 || w.DisableAfter > 1000 {
		bad("webhooks.disable_after", "must be between 0 (never) and 1000")
	}
}
