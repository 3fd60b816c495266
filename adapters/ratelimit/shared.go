package ratelimit

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// Counter counts hits per key in fixed windows kept where every replica
// sees them (the database), for limits that must hold cluster-wide.
type Counter interface {
	// CountHit adds one hit to the window of key that contains now and
	// returns the hits in that window.
	CountHit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error)
}

// ShareLogins makes the login limit cluster-wide: attempts are counted in
// c (fixed windows of the login window) instead of this process's buckets.
// If c fails, the process's own bucket decides, so logins never depend on
// the counter being up.
func (l *Limiter) ShareLogins(c Counter) *Limiter {
	l.shared = c
	return l
}

// limitShared applies the login rule through the shared counter.
func (l *Limiter) limitShared(c *gin.Context, key, msg string) {
	rule, now := l.cfg.Login, l.now()
	n, err := l.shared.CountHit(c.Request.Context(), key, rule.Window, now)
	if err != nil {
		slog.WarnContext(c.Request.Context(), "ratelimit: shared counter unavailable, limiting per process", "err", err)
		l.limit(c, l.login, key, msg)
		return
	}
	if n <= rule.Requests {
		c.Next()
		return
	}
	start := now.Truncate(rule.Window)
	secs := int(math.Ceil(start.Add(rule.Window).Sub(now).Seconds()))
	c.Header("Retry-After", strconv.Itoa(max(secs, 1)))
	c.AbortWithStatusJSON(http.StatusTooManyRequests, errBody("rate_limited", msg))
}
