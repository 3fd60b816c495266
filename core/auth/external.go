package auth

import (
	"context"
	"errors"
	"log/slog"

	"github.com/keeper-registry/keeper/ports"
)

// ExternalAuthenticator checks a username and password somewhere other than
// the local user table (an LDAP directory) and returns the Keeper user it
// maps to. It returns an error matching ErrBadCredentials when it does not
// accept the credentials.
type ExternalAuthenticator interface {
	AuthenticatePassword(ctx context.Context, username, password string) (ports.User, error)
}

// AddExternal registers authenticators tried, in order, after the local
// password check fails. Call it while wiring, before serving requests.
func (s *Service) AddExternal(a ...ExternalAuthenticator) {
	s.external = append(s.external, a...)
}

// externalLogin asks each external authenticator in turn.
func (s *Service) externalLogin(ctx context.Context, username, password string) (ports.User, error) {
	var failed error
	for _, a := range s.external {
		u, err := a.AuthenticatePassword(ctx, username, password)
		if err == nil {
			if u.Disabled {
				return ports.User{}, ErrBadCredentials
			}
			return u, nil
		}
		if !errors.Is(err, ErrBadCredentials) {
			slog.WarnContext(ctx, "auth: external authenticator failed", "user", username, "err", err)
			failed = err
		}
	}
	if failed != nil { // a directory that could not answer may know the user: retry, not "wrong password"
		return ports.User{}, lookupFailed("external directory", failed)
	}
	return ports.User{}, ErrBadCredentials
}

// SessionFor opens a session for a user authenticated elsewhere (an OpenID
// Connect or SAML login).
func (s *Service) SessionFor(u ports.User) (Session, error) {
	if u.ID == 0 || u.Disabled {
		return Session{}, ErrBadCredentials
	}
	return s.session(u)
}
