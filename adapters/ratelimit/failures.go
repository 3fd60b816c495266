package ratelimit

import (
	"time"

	"github.com/keeper-registry/keeper/core/auth"
)

// failureThrottle is the BadCredentials rule as an auth.FailureThrottle:
// each refused credential spends a token of its address's bucket, and an
// address with none left has no credential checked until one refills.
type failureThrottle struct {
	b   *buckets
	now func() time.Time
}

var _ auth.FailureThrottle = (*failureThrottle)(nil)

// CredentialFailures returns the throttle the authentication service
// consults before a credential check reads the database (auth.Service.ThrottleFailures);
// nil when the BadCredentials rule is off. A flood of invented tokens or
// passwords from one address then costs one bucket lookup per request once
// its budget is spent, while that address's credentials already verified
// (and cached) keep working.
func (l *Limiter) CredentialFailures() auth.FailureThrottle {
	if !l.cfg.BadCredentials.enabled() {
		return nil
	}
	return &failureThrottle{b: l.bad, now: l.now}
}

func (f *failureThrottle) Allow(source string) (bool, time.Duration) {
	return f.b.peek("bad:"+source, f.now())
}

func (f *failureThrottle) Failed(source string) { f.b.take("bad:"+source, f.now()) }
