package auth

import (
	"context"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// LoginTokenName names the API tokens minted by a client's own login
// (npm's `PUT /-/user/org.couchdb.user:NAME`).
const LoginTokenName = "npm login"

// loginTokenScopes are the scopes of a token minted by LoginToken: enough to
// install and publish, not to delete.
var loginTokenScopes = []string{"read:artifacts", "write:artifacts"}

// LoginToken checks a username and password like Login (counting failures
// and locking the account after too many) and mints an API token for the
// user, returned once. Format plugins reach it through the login host import.
func (s *Service) LoginToken(ctx context.Context, username, password string) (string, error) {
	u, err := s.checkPassword(ctx, username, password)
	if err != nil {
		return "", err
	}
	if err := s.passwordOnlyAllowed(ctx, u); err != nil {
		return "", err
	}
	// Derived from the password: a password change or revoke-all ends it.
	tok, _, err := s.newAPIToken(ctx, ports.APIToken{UserID: u.ID, Name: LoginTokenName,
		Scopes: append([]string(nil), loginTokenScopes...), Parent: parentPassword})
	if err != nil {
		return "", err
	}
	s.record(ctx, u.Username, u.ID, "auth.login_token", audit.Success, LoginTokenName)
	return tok, nil
}
