package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/keeper-registry/keeper/ports"
)

// lookupFailed is the error for a credential check that could not read what
// it needs (the database is down, a connection was refused): the credential
// may well be good, so the caller is told to retry (503 + Retry-After), never
// that it is wrong. Only ports.ErrNotFound, or a check that ran and failed,
// means bad credentials. A client that went away stays a cancellation.
func lookupFailed(what string, err error) error {
	if errors.Is(err, ports.ErrUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("auth: %s: %w", what, err)
	}
	return fmt.Errorf("auth: %s: %w: %w", what, ports.ErrUnavailable, err)
}

// activeUser loads the user a credential belongs to: a missing or disabled
// account is a bad token, a failed read is lookupFailed.
func (s *Service) activeUser(ctx context.Context, id int64) (ports.User, error) {
	u, err := s.users.GetUser(ctx, id)
	switch {
	case errors.Is(err, ports.ErrNotFound):
		return u, ErrBadToken
	case err != nil:
		return u, lookupFailed("look up user", err)
	case u.Disabled:
		return u, ErrBadToken
	}
	return u, nil
}
