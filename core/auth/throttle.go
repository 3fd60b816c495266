package auth

import (
	"context"
	"errors"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// FailureThrottle bounds the credential checks a source (client address) may
// start after it has presented bad credentials, so a flood of invented
// tokens or passwords is refused before it costs a database read. Checks a
// cached credential answers (principalcache.go) never consult it. It is
// kept in each process's memory (adapters/ratelimit).
type FailureThrottle interface {
	// Allow reports whether source may have a credential checked now and,
	// if not, how long until it may. It spends nothing.
	Allow(source string) (bool, time.Duration)
	// Failed counts one refused credential from source.
	Failed(source string)
}

// ThrottledError refuses a credential check before any lookup: the caller's
// address presented too many bad credentials recently. It matches
// ports.ErrUnavailable (retry later), so every route answers it with
// Retry-After; the authentication middleware answers 429.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return "too many invalid credentials from your address; retry later"
}

// Is makes errors.Is(err, ports.ErrUnavailable) true.
func (e *ThrottledError) Is(target error) bool { return target == ports.ErrUnavailable }

// ThrottleFailures installs t; call it while wiring, before serving requests.
func (s *Service) ThrottleFailures(t FailureThrottle) { s.throttle = t }

// admit refuses the check when the caller's address is throttled.
func (s *Service) admit(ctx context.Context) error {
	if s.throttle == nil {
		return nil
	}
	if ok, wait := s.throttle.Allow(sourceFrom(ctx)); !ok {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}

// noteFailure counts err against the caller's address when it refused the
// credential (not when the check could not run).
func (s *Service) noteFailure(ctx context.Context, err error) {
	if s.throttle == nil || err == nil {
		return
	}
	if errors.Is(err, ErrBadToken) || errors.Is(err, ErrTokenExpired) || errors.Is(err, ErrBadCredentials) || errors.Is(err, ErrLocked) {
		s.throttle.Failed(sourceFrom(ctx))
	}
}
